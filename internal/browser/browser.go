// Package browser drives Debian's Chromium with chromedp for the admin UI's
// browser tests: one headless browser per test, axe-core accessibility
// checks, console and CSP error capture, and screenshots on request
// (CANOPY_SCREENSHOTS=DIR). Without Chromium the tests skip, except under
// CI=true, where scripts/test.sh installs it and a missing browser fails.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Path finds the Chromium binary (CHROMIUM overrides).
func Path() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless Chromium and the errors its pages reported.
type Browser struct {
	t      testing.TB
	Ctx    context.Context
	mu     sync.Mutex
	errors []string
}

// New starts a headless Chromium for the test (closed at its end).
func New(t testing.TB) *Browser {
	t.Helper()
	bin := Path()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed: under CI the browser tests must run (scripts/test.sh installs Debian's chromium)")
		}
		t.Skip("browser tests skipped: install chromium (scripts/test.sh does)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", "new"),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{t: t, Ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			b.report("exception: " + msg)
		case *runtime.EventConsoleAPICalled:
			if e.Type == "error" {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				b.report("console.error: " + strings.Join(parts, " "))
			}
		case *cdplog.EventEntryAdded:
			// Answers with an error status are what the tests ask for
			// (a refused login is 401); script, CSP and security errors count.
			if e.Entry.Level == cdplog.EntryLevelError && e.Entry.Source != cdplog.EntrySourceNetwork {
				b.report("browser log: " + e.Entry.Text + " " + e.Entry.URL)
			}
		}
	}); err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return b
}

func (b *Browser) report(msg string) {
	b.mu.Lock()
	b.errors = append(b.errors, msg)
	b.mu.Unlock()
}

// Errors returns (and forgets) the script errors the pages reported.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.errors
	b.errors = nil
	return out
}

// Run runs actions with a time limit, failing the test on error.
func (b *Browser) Run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	for _, a := range actions {
		// A query that races a navigation can hold node ids of the
		// document being replaced; the action failed before it did
		// anything, so it is run again on the new document.
		for try := 0; ; try++ {
			err := chromedp.Do(ctx, a)
			if err == nil {
				break
			}
			if try < 5 && strings.Contains(err.Error(), "Could not find node with given id") {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			if strings.Contains(err.Error(), "Inspected target navigated or closed") {
				// The action made the page navigate (a click on a submit
				// button) before chromedp finished with it: the navigation
				// is the point, and the test's next wait checks where it led.
				break
			}
			b.t.Fatalf("browser: %v", err)
		}
	}
}

// Get runs one action that returns a value.
func Get[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// Size sets the viewport (and the page's colour scheme: "light" or "dark").
func (b *Browser) Size(width, height int64, mobile bool, scheme string) {
	b.t.Helper()
	b.Run(chromedp.EmulateViewport(width, height, func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
		p.Mobile = mobile
	}), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	}))
}

// Violation is one axe-core rule failure.
type Violation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"failureSummary"`
	}
}

var axeSource struct {
	once sync.Once
	js   string
	err  error
}

// moduleRoot finds the directory of go.mod above the working directory.
func moduleRoot() string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Axe runs axe-core (the pinned npm package) on the current page with the
// WCAG 2.0, 2.1 and 2.2 A and AA rules and returns the violations.
func (b *Browser) Axe() []Violation {
	b.t.Helper()
	axeSource.once.Do(func() {
		p := filepath.Join(moduleRoot(), "adminui", "assets", "node_modules", "axe-core", "axe.min.js")
		data, err := os.ReadFile(p)
		axeSource.js, axeSource.err = string(data), err
	})
	if axeSource.err != nil {
		if os.Getenv("CI") == "true" {
			b.t.Fatalf("axe-core is missing (run npm ci in adminui/assets; scripts/test.sh does): %v", axeSource.err)
		}
		b.t.Skipf("axe-core is missing: run npm ci in adminui/assets (%v)", axeSource.err)
	}
	script := axeSource.js + `;
	axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}, resultTypes: ["violations"]})
	  .then(r => JSON.stringify(r.violations))`
	raw := Get(b, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	var out []Violation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		b.t.Fatalf("axe result: %v", err)
	}
	return out
}

// CheckA11y fails the test for any axe violation on the current page.
func (b *Browser) CheckA11y(screen string) {
	b.t.Helper()
	for _, v := range b.Axe() {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+" "+n.HTML+"\n    "+strings.ReplaceAll(n.Summary, "\n", "\n    "))
		}
		b.t.Errorf("%s: axe %s (%s): %s\n  %s", screen, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
}

// Screenshot saves a full-page PNG as DIR/name.png when CANOPY_SCREENSHOTS is set.
func (b *Browser) Screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("CANOPY_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := Get(b, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// Count is the number of elements matching a CSS selector.
func (b *Browser) Count(sel string) int {
	b.t.Helper()
	return Get(b, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
}

// Text is the text of the first element matching a CSS selector ("" if none).
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return Get(b, chromedp.Evaluate[string](fmt.Sprintf("(document.querySelector(%q) || {innerText: ''}).innerText", sel)))
}

// Eval evaluates a script and returns its value as a string.
func (b *Browser) Eval(script string) string {
	b.t.Helper()
	return Get(b, chromedp.Evaluate[string](script))
}
