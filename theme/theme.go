// Package theme loads the html/template sets that render public pages: the
// embedded default theme, optionally overridden and extended from a directory
// (one sub-directory per theme). Every set is parsed and checked at start-up.
package theme

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

//go:embed default
var defaultFS embed.FS

// Default is the name of the built-in theme.
const Default = "default"

// Fallback is the template used for page types whose template a theme lacks.
const Fallback = "page.html"

// Theme is one parsed theme: a template per page template name, a 404 page and
// static files.
type Theme struct {
	Name   string
	pages  map[string]*template.Template
	Static fs.FS
}

// Set holds every theme of an installation.
type Set struct {
	themes map[string]*Theme
}

// Funcs are the helpers templates may use.
var Funcs = template.FuncMap{
	"datetime": func(t any) string {
		if tt, ok := t.(time.Time); ok {
			return tt.Format("Mon 2 January 2006, 15:04 MST")
		}
		return fmt.Sprint(t)
	},
	"rfc3339": func(t any) string {
		if tt, ok := t.(time.Time); ok {
			return tt.Format(time.RFC3339)
		}
		return fmt.Sprint(t)
	},
}

// Load parses the default theme and, if dir is not empty, every theme found in
// dir: dir/default overrides files of the built-in theme, and dir/NAME defines a
// theme NAME that starts from the default files.
func Load(dir string) (*Set, error) {
	base, err := fs.Sub(defaultFS, "default")
	if err != nil {
		return nil, err
	}
	set := &Set{themes: map[string]*Theme{}}
	names := []string{Default}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("theme directory: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() && e.Name() != Default {
				names = append(names, e.Name())
			}
		}
	}
	for _, name := range names {
		layers := []fs.FS{base}
		if dir != "" {
			if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.IsDir() {
				layers = append(layers, os.DirFS(filepath.Join(dir, name)))
			}
		}
		t, err := parse(name, layers)
		if err != nil {
			return nil, err
		}
		set.themes[name] = t
	}
	return set, nil
}

// parse builds one theme from layered file systems; later layers win per file.
func parse(name string, layers []fs.FS) (*Theme, error) {
	files := map[string][]byte{}
	for _, l := range layers {
		matches, err := fs.Glob(l, "*.html")
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			b, err := fs.ReadFile(l, m)
			if err != nil {
				return nil, fmt.Errorf("theme %s: %w", name, err)
			}
			files[m] = b
		}
	}
	baseSrc, ok := files["base.html"]
	if !ok {
		return nil, fmt.Errorf("theme %s: base.html is missing", name)
	}
	base, err := template.New("base.html").Funcs(Funcs).Parse(string(baseSrc))
	if err != nil {
		return nil, fmt.Errorf("theme %s: %w", name, err)
	}
	t := &Theme{Name: name, pages: map[string]*template.Template{}, Static: staticLayers(layers)}
	var keys []string
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "base.html" {
			continue
		}
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.New(k).Parse(string(files[k])); err != nil {
			return nil, fmt.Errorf("theme %s: %w", name, err)
		}
		if clone.Lookup("content") == nil {
			return nil, fmt.Errorf("theme %s: %s defines no \"content\" block", name, k)
		}
		t.pages[k] = clone
	}
	for _, req := range []string{Fallback, "404.html", "login.html", "password.html"} {
		if t.pages[req] == nil {
			return nil, fmt.Errorf("theme %s: %s is missing", name, req)
		}
	}
	return t, nil
}

// Get returns the named theme, or the default theme if there is none by that name.
func (s *Set) Get(name string) *Theme {
	if t, ok := s.themes[name]; ok {
		return t
	}
	return s.themes[Default]
}

// Exists reports whether a theme of that name was loaded.
func (s *Set) Exists(name string) bool { _, ok := s.themes[name]; return ok }

// Names lists the themes.
func (s *Set) Names() []string {
	var out []string
	for n := range s.themes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Has reports whether the theme has a template of that name.
func (t *Theme) Has(tmpl string) bool { return t.pages[tmpl] != nil }

// Render executes the page template tmpl (or the fallback) with data.
func (t *Theme) Render(w io.Writer, tmpl string, data any) error {
	pt := t.pages[tmpl]
	if pt == nil {
		pt = t.pages[Fallback]
	}
	var buf bytes.Buffer
	if err := pt.ExecuteTemplate(&buf, "base", data); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// staticLayers serves static/ files, the last layer that has a file winning.
type staticFS []fs.FS

func staticLayers(layers []fs.FS) fs.FS {
	var out staticFS
	for i := len(layers) - 1; i >= 0; i-- {
		if sub, err := fs.Sub(layers[i], "static"); err == nil {
			out = append(out, sub)
		}
	}
	return out
}

func (s staticFS) Open(name string) (fs.File, error) {
	if strings.Contains(name, "..") {
		return nil, fs.ErrNotExist
	}
	for _, l := range s {
		if f, err := l.Open(name); err == nil {
			return f, nil
		}
	}
	return nil, fs.ErrNotExist
}
