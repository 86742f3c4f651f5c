package adminui_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/sqlstore"
)

// login logs in through the login form of a site's admin.
func login(b *browser.Browser, base, username, password string) {
	b.Run(chromedp.Navigate(base+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("header.topbar")))
}

// look checks a screen: no script errors, no axe violations; screenshots at
// desktop and mobile widths, light and dark (when CANOPY_SCREENSHOTS is set).
func look(t *testing.T, b *browser.Browser, name string) {
	t.Helper()
	for _, e := range b.Errors() {
		t.Errorf("%s: %s", name, e)
	}
	// The page at rest, at its top: chromedp scrolls elements it waits for
	// into view (under the sticky header), and after a save the browser
	// restores the scroll position once the page has loaded.
	waitFor(t, b, `document.readyState === "complete"`)
	b.Run(chromedp.Sleep(100 * time.Millisecond))
	b.Eval(`window.scrollTo(0, 0), ""`)
	b.CheckA11y(name)
	for _, v := range []struct {
		w, h   int64
		mobile bool
		scheme string
		suffix string
	}{{1280, 900, false, "dark", "desktop-dark"}, {390, 844, true, "light", "mobile-light"}, {390, 844, true, "dark", "mobile-dark"}, {1280, 900, false, "light", "desktop-light"}} {
		b.Size(v.w, v.h, v.mobile, v.scheme)
		if v.scheme == "dark" && v.suffix == "desktop-dark" {
			b.CheckA11y(name + " (dark)")
		}
		b.Screenshot(name + "-" + v.suffix)
	}
	// Let the layout settle at the last size before the test clicks on.
	b.Run(chromedp.Sleep(150 * time.Millisecond))
}

func TestBrowserShell(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")

	// The login page, then a wrong password: one answer for every failure.
	b.Run(chromedp.Navigate(alpha+"/admin/"), chromedp.WaitVisible(chromedp.CSS("#username")))
	look(t, b, "login")
	b.Run(chromedp.SendKeys(chromedp.CSS("#username"), "alpha-editor"), chromedp.SendKeys(chromedp.CSS("#password"), "wrong"),
		chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#login-error")))
	if got := b.Text("#login-error"); !strings.Contains(got, "Wrong username or password") {
		t.Fatalf("wrong password: %q", got)
	}
	look(t, b, "login-error")
	b.Run(chromedp.SendKeys(chromedp.CSS("#password"), d.password["alpha-editor"]), chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".topbar")))
	if h := b.Text("#main h1"); h != "Dashboard" {
		t.Fatalf("after login: %q", h)
	}
	look(t, b, "dashboard")

	// The explorer of the home page.
	home := d.page(d.alpha, "/")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/", alpha, home.ID)), chromedp.WaitVisible(chromedp.CSS("table.listing")))
	look(t, b, "explorer")
	if n := b.Count("table.listing tbody tr"); n != 5 {
		t.Errorf("explorer rows: %d", n)
	}
	// A few rows' menus against the engine, in the browser.
	u, _ := d.svc.DB.UserByUsername(ctx, "alpha-editor")
	a, err := d.svc.AdminFor(ctx, d.alpha, u)
	if err != nil {
		t.Fatal(err)
	}
	kids, err := a.Children(ctx, home.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kids {
		for action, href := range map[string]string{"edit": "/edit/", "delete": "/delete/", "move": "/move/", "add_subpage": "/add/"} {
			sel := fmt.Sprintf(`.actions-menu a[href="/admin/pages/%d%s"]`, k.ID, href)
			if got := b.Count(sel) == 1; got != has(k.Permissions, action) {
				t.Errorf("row %q: %s shown %v, engine %v", k.Title, action, got, has(k.Permissions, action))
			}
		}
	}
}

// settled waits until a page has loaded and, when it shows an error
// summary, the summary has taken the focus (the page scrolls to it): keys
// typed or a click aimed before that would land elsewhere.
func settled(t *testing.T, b *browser.Browser) {
	t.Helper()
	waitFor(t, b, `document.readyState === "complete" && (!document.querySelector("[data-error-summary]") || document.activeElement === document.querySelector("[data-error-summary]"))`)
}
