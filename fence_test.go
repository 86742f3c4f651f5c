package canopy_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDomainImportsNoAdapters keeps the root package free of HTTP, SQL and
// project imports: the domain depends on nothing.
func TestDomainImportsNoAdapters(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "net/http") || strings.HasPrefix(p, "database/sql") || strings.Contains(p, ".") {
				t.Errorf("%s imports %s: the domain package may use the standard library only, without HTTP or SQL", f, p)
			}
		}
	}
}
