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

// TestInterfaceLayering keeps the HTTP interfaces on their seams: none of
// them talks to the store (they call the service), and public delivery and the
// content API import no admin code.
func TestInterfaceLayering(t *testing.T) {
	const mod = "github.com/canopy-cms/canopy/"
	forbidden := map[string][]string{
		"httpkit":    {mod + "sqlstore", mod + "adminapi", mod + "delivery", mod + "contentapi", mod + "adminui"},
		"delivery":   {mod + "sqlstore", mod + "adminapi", mod + "contentapi", mod + "adminui"},
		"contentapi": {mod + "sqlstore", mod + "adminapi", mod + "delivery", mod + "adminui"},
		"adminapi":   {mod + "sqlstore", mod + "delivery", mod + "contentapi", mod + "adminui"},
		"adminui":    {mod + "sqlstore", mod + "delivery", mod + "contentapi", mod + "adminapi"},
		"server":     {mod + "sqlstore"},
	}
	for dir, banned := range forbidden {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				for _, b := range banned {
					if p == b {
						t.Errorf("%s imports %s", f, p)
					}
				}
			}
		}
	}
}
