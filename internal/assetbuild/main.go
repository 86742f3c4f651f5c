// Command assetbuild bundles the admin UI's JavaScript and CSS with esbuild's
// Go API from adminui/assets (whose npm packages come from package-lock.json
// through `npm ci`) into adminui/dist: content-hashed files, manifest.json
// naming them, and THIRD_PARTY_LICENSES.txt with the license of every npm
// package that reached the bundle.
//
//	go run ./internal/assetbuild          # write adminui/dist
//	go run ./internal/assetbuild -check   # fail if adminui/dist differs
//
// The output is deterministic, so the committed dist can be checked against a
// fresh build from the lockfile.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

func main() {
	check := flag.Bool("check", false, "compare the build with adminui/dist instead of writing it")
	root := flag.String("root", "adminui", "the directory holding assets/ and dist/")
	flag.Parse()
	files, err := build(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "assetbuild:", err)
		os.Exit(1)
	}
	dist := filepath.Join(*root, "dist")
	if *check {
		if diff := compare(dist, files); len(diff) > 0 {
			fmt.Fprintln(os.Stderr, "assetbuild: the committed adminui/dist does not match a build from package-lock.json:")
			for _, d := range diff {
				fmt.Fprintln(os.Stderr, "  "+d)
			}
			fmt.Fprintln(os.Stderr, "run `cd adminui/assets && npm ci && cd ../.. && go run ./internal/assetbuild` and commit adminui/dist")
			os.Exit(1)
		}
		fmt.Println("assetbuild: adminui/dist matches the lockfile build")
		return
	}
	if err := write(dist, files); err != nil {
		fmt.Fprintln(os.Stderr, "assetbuild:", err)
		os.Exit(1)
	}
	for _, name := range sortedKeys(files) {
		fmt.Printf("%8d  %s\n", len(files[name]), name)
	}
}

// build returns dist's files by name.
func build(root string) (map[string][]byte, error) {
	abs, err := filepath.Abs(filepath.Join(root, "assets"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "node_modules", "prosemirror-view")); err != nil {
		return nil, fmt.Errorf("the npm packages are missing: run `npm ci` in %s first", abs)
	}
	res := api.Build(api.BuildOptions{
		AbsWorkingDir: abs,
		// admin.js is every screen's; editor.js (ProseMirror) only that of
		// screens that edit rich text, library.js the media library's. What they share (the choosers) is one
		// chunk, so that both use the same module.
		EntryPoints:       []string{"src/admin.js", "src/editor.js", "src/library.js", "src/admin.css"},
		Bundle:            true,
		Splitting:         true,
		ChunkNames:        "chunk-[hash]",
		Write:             false,
		Outdir:            "out",
		EntryNames:        "[name]-[hash]",
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Target:            api.ES2020,
		Format:            api.FormatESModule,
		Platform:          api.PlatformBrowser,
		LegalComments:     api.LegalCommentsNone,
		Metafile:          true,
		Charset:           api.CharsetUTF8,
		LogLevel:          api.LogLevelWarning,
	})
	if len(res.Errors) > 0 {
		var b strings.Builder
		for _, m := range res.Errors {
			loc := ""
			if m.Location != nil {
				loc = fmt.Sprintf("%s:%d: ", m.Location.File, m.Location.Line)
			}
			b.WriteString(loc + m.Text + "\n")
		}
		return nil, fmt.Errorf("esbuild failed:\n%s", b.String())
	}
	files := map[string][]byte{}
	manifest := map[string]string{}
	for _, f := range res.OutputFiles {
		name := filepath.Base(f.Path)
		files[name] = f.Contents
		ext := filepath.Ext(name)
		logical := name[:strings.LastIndexByte(name, '-')] + ext
		if logical != "chunk.js" { // chunks are imported by the entries, never named
			manifest[logical] = name
		}
	}
	m, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return nil, err
	}
	files["manifest.json"] = append(m, '\n')
	lic, err := licenses(abs, res.Metafile)
	if err != nil {
		return nil, err
	}
	files["THIRD_PARTY_LICENSES.txt"] = lic
	return files, nil
}

// licenses collects the license text of every npm package whose code the
// metafile says reached the bundle.
func licenses(abs, metafile string) ([]byte, error) {
	var meta struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, err
	}
	pkgs := map[string]bool{}
	for in := range meta.Inputs {
		rest, ok := strings.CutPrefix(in, "node_modules/")
		if !ok {
			continue
		}
		parts := strings.SplitN(rest, "/", 3)
		name := parts[0]
		if strings.HasPrefix(name, "@") && len(parts) > 1 {
			name += "/" + parts[1]
		}
		pkgs[name] = true
	}
	var b bytes.Buffer
	b.WriteString("Third-party software bundled in Canopy's admin UI (adminui/dist), with its license texts.\n")
	for _, name := range sortedKeys(pkgs) {
		dir := filepath.Join(abs, "node_modules", filepath.FromSlash(name))
		var pj struct {
			Version string `json:"version"`
			License string `json:"license"`
		}
		raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &pj); err != nil {
			return nil, fmt.Errorf("%s/package.json: %w", name, err)
		}
		text, err := licenseText(dir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(&b, "\n==== %s %s (%s) ====\n\n%s\n", name, pj.Version, pj.License, strings.TrimSpace(string(text)))
	}
	return b.Bytes(), nil
}

func licenseText(dir string) ([]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		n := strings.ToUpper(e.Name())
		if strings.HasPrefix(n, "LICENSE") || strings.HasPrefix(n, "LICENCE") || strings.HasPrefix(n, "COPYING") {
			return os.ReadFile(filepath.Join(dir, e.Name()))
		}
	}
	return nil, fmt.Errorf("no license file in %s", dir)
}

func compare(dist string, files map[string][]byte) []string {
	var diff []string
	have := map[string]bool{}
	entries, _ := os.ReadDir(dist)
	for _, e := range entries {
		have[e.Name()] = true
		want, ok := files[e.Name()]
		if !ok {
			diff = append(diff, "unexpected file "+e.Name())
			continue
		}
		got, err := os.ReadFile(filepath.Join(dist, e.Name()))
		if err != nil || !bytes.Equal(got, want) {
			diff = append(diff, "differs: "+e.Name())
		}
	}
	for _, name := range sortedKeys(files) {
		if !have[name] {
			diff = append(diff, "missing: "+name)
		}
	}
	return diff
}

func write(dist string, files map[string][]byte) error {
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return err
	}
	entries, _ := os.ReadDir(dist)
	for _, e := range entries {
		if _, keep := files[e.Name()]; !keep {
			if err := os.Remove(filepath.Join(dist, e.Name())); err != nil {
				return err
			}
		}
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dist, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
