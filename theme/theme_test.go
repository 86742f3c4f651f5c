package theme

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func render(t *testing.T, th *Theme, tmpl string) string {
	t.Helper()
	var b bytes.Buffer
	v := map[string]any{"Page": map[string]any{"Title": "T", "Fields": map[string]any{}, "TypeClass": "x"},
		"Site": map[string]any{"DisplayName": "S"}, "Theme": th.Name, "RequestPath": "/x/"}
	if err := th.Render(&b, tmpl, v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestOverrides(t *testing.T) {
	set, err := Load("testdata/themes")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.Names(), ","); got != "dark,default" {
		t.Fatalf("themes = %s", got)
	}
	def := set.Get("default")
	if !strings.Contains(render(t, def, "404.html"), "Custom not found") {
		t.Error("dir/default/404.html does not override the built-in one")
	}
	if !strings.Contains(render(t, def, "standard_page.html"), "<h1>T</h1>") {
		t.Error("built-in templates are lost when overriding one file")
	}
	dark := set.Get("dark")
	if out := render(t, dark, "standard_page.html"); !strings.Contains(out, `class="dark"`) || !strings.Contains(out, "<h1>T</h1>") {
		t.Errorf("dark theme: %s", out)
	}
	if out := render(t, dark, "no_such.html"); !strings.Contains(out, `class="dark"`) {
		t.Error("unknown template does not fall back to page.html")
	}
	css, err := fs.ReadFile(dark.Static, "site.css")
	if err != nil || !strings.Contains(string(css), "#000") {
		t.Errorf("dark static: %s %v", css, err)
	}
	if set.Get("missing").Name != "default" {
		t.Error("unknown theme does not fall back to default")
	}
}

func TestBrokenThemeRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "bad"), 0o755)
	os.WriteFile(filepath.Join(dir, "bad", "standard_page.html"), []byte("{{define \"content\"}}{{.Oops"), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Fatalf("broken theme accepted: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing theme directory accepted")
	}
}
