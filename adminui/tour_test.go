package adminui_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestBrowserTour opens every screen of the admin that the other browser
// tests do not, checks it with axe-core (light and dark) and takes its
// screenshots.
func TestBrowserTour(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	// The superuser: every action is allowed, so every screen opens.
	login(b, alpha, "admin", d.password["admin"])
	home, about := d.page(d.alpha, "/"), d.page(d.alpha, "/about/")
	ev := d.page(d.alpha, "/events/open-lab-night/")
	for _, s := range []struct{ name, path, wait string }{
		{"my-sites", "/admin/my-sites/", "#main h1"},
		{"delete", fmt.Sprintf("/admin/pages/%d/delete/", d.page(d.alpha, "/events/").ID), "button.danger"},
		{"unpublish", fmt.Sprintf("/admin/pages/%d/unpublish/", d.page(d.alpha, "/news/").ID), "button.danger"},
		{"move", fmt.Sprintf("/admin/pages/%d/move/", about.ID), "#main h1"},
		{"copy", fmt.Sprintf("/admin/pages/%d/copy/", about.ID), "#id_slug"},
		{"privacy", fmt.Sprintf("/admin/pages/%d/privacy/", about.ID), "#kind-none"},
		{"reorder", fmt.Sprintf("/admin/pages/%d/reorder/", home.ID), "table.listing"},
		{"revisions", fmt.Sprintf("/admin/pages/%d/revisions/", about.ID), "table.listing"},
		{"revision", fmt.Sprintf("/admin/pages/%d/revisions/%d/", about.ID, about.LatestRevisionID), "table.listing"},
		{"compare", fmt.Sprintf("/admin/pages/%d/revisions/compare/?a=live&b=latest", about.ID), "table.diff"},
		{"search", "/admin/search/?q=e", "table.listing"},
		{"search-images", "/admin/search/?q=alpha&in=images", "ul.thumbs"},
		{"not-found", "/admin/pages/999999/", "#main h1"},
		{"editor-event", fmt.Sprintf("/admin/pages/%d/edit/", ev.ID), ".ProseMirror"},
	} {
		b.Run(chromedp.Navigate(alpha+s.path), chromedp.WaitVisible(chromedp.CSS(s.wait)))
		look(t, b, s.name)
	}
	// The document chooser, and the editor with errors.
	b.Run(chromedp.Click(chromedp.CSS(`button[data-chooser="/admin/choose/document/"]`)))
	waitFor(t, b, `document.querySelector("#chooser[open] #media-q")`)
	look(t, b, "chooser-document")
	b.Run(chromedp.Click(chromedp.CSS("#chooser [data-close-dialog]")))
	b.Run(chromedp.Clear(chromedp.CSS("#id_title")), chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary")))
	waitFor(t, b, `document.activeElement && document.activeElement.matches(".error-summary")`)
	look(t, b, "editor-errors")
	// An editor is refused the privacy screen; a beta page is not found.
	b.Eval(`document.querySelector('form[action="/admin/logout/"]').submit(), ""`)
	b.Run(chromedp.WaitVisible(chromedp.CSS("#username")))
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/privacy/", alpha, about.ID)), chromedp.WaitVisible(chromedp.CSS("#main h1")))
	if h := b.Text("#main h1"); h != "Not allowed" {
		t.Errorf("editor at privacy: %q", h)
	}
	look(t, b, "forbidden")
	// Removed from the site while logged in: the session ends.
	u, _ := d.svc.DB.UserByUsername(ctx, "alpha-editor")
	if err := d.svc.DB.Site(d.alpha.ID, nil).RemoveMember(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.Navigate(alpha+"/admin/"), chromedp.WaitVisible(chromedp.CSS("#main h1")))
	if h := b.Text("#main h1"); h != "Log in" {
		t.Errorf("removed member: %q", h)
	}
	// Signed in on a site whose only group of theirs is then deleted: told
	// they have no account here, with a way out.
	login(b, alpha, "alpha-moderator", d.password["alpha-moderator"])
	groups, _ := d.svc.DB.Site(d.alpha.ID, nil).Groups(ctx)
	for _, g := range groups {
		if g.Name == "Moderators" {
			if err := d.svc.DB.Site(d.alpha.ID, nil).DeleteGroup(ctx, g.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.Run(chromedp.Navigate(alpha+"/admin/"), chromedp.WaitVisible(chromedp.CSS("#main h1")))
	if h := b.Text("#main h1"); h != "No account on this site" {
		t.Errorf("member of no group: %q", h)
	}
	look(t, b, "no-account")
}

// tabTo presses Tab until the focused element matches the CSS selector.
func tabTo(t *testing.T, b *browser.Browser, sel string) {
	t.Helper()
	for i := 0; i < 80; i++ {
		if b.Eval(fmt.Sprintf(`String(!!(document.activeElement && document.activeElement.matches(%q)))`, sel)) == "true" {
			return
		}
		b.Run(chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("Tab never reached %s (focus on %s)", sel, b.Eval(`document.activeElement.outerHTML.slice(0, 120)`))
}

// TestBrowserKeyboardOnly: log in, create a page, publish it, edit and
// publish it again without the mouse.
func TestBrowserKeyboardOnly(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	b.Run(chromedp.Navigate(alpha+"/admin/"), chromedp.WaitVisible(chromedp.CSS("#username")))
	b.Run(chromedp.KeyEvent("alpha-admin"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(d.password["alpha-admin"]), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("header.topbar")))
	// The skip link is the first stop and leads to the content.
	b.Run(chromedp.KeyEvent(kb.Tab))
	if got := b.Eval(`document.activeElement.className`); got != "skip-link" {
		t.Errorf("first Tab stop: %q", got)
	}
	tabTo(t, b, `.mainnav a[href="/admin/pages/"]`)
	b.Run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("table.listing")))
	tabTo(t, b, `.page-head a[href$="/add/"]`)
	b.Run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`a[href$="/add/canopy.StandardPage/"]`)))
	tabTo(t, b, `a[href$="/add/canopy.StandardPage/"]`)
	b.Run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(".ProseMirror")))
	tabTo(t, b, "#id_title")
	b.Run(chromedp.KeyEvent("Made with the keyboard"))
	tabTo(t, b, ".ProseMirror")
	b.Run(chromedp.KeyEvent("Typed, never clicked."))
	tabTo(t, b, `button[name=action][value=publish]`)
	b.Run(chromedp.KeyEvent(kb.Enter))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if code, body := d.publicGet("alpha.localhost", "/made-with-the-keyboard/"); code != 200 || !strings.Contains(body, "Typed, never clicked.") {
		t.Fatalf("published by keyboard: %d", code)
	}
	// Edit it: the row's link, the title, Publish.
	tabTo(t, b, `td.title a[href$="/edit/"]:not([href*="xx"])`)
	for b.Eval(`document.activeElement.textContent`) != "Made with the keyboard" {
		b.Run(chromedp.KeyEvent(kb.Tab))
	}
	b.Run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#id_title")))
	tabTo(t, b, "#id_title")
	b.Run(chromedp.KeyEvent(kb.End), chromedp.KeyEvent(" again"))
	tabTo(t, b, `button[name=action][value=publish]`)
	b.Run(chromedp.KeyEvent(kb.Enter))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if code, body := d.publicGet("alpha.localhost", "/made-with-the-keyboard/"); code != 200 || !strings.Contains(body, "Made with the keyboard again") {
		t.Fatalf("edited by keyboard: %d", code)
	}
}

// TestBrowserSessionExpiresMidEdit: the typed content survives a session
// that ends before the save, through the login.
func TestBrowserSessionExpiresMidEdit(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	about := d.page(d.alpha, "/about/")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, about.ID)), chromedp.WaitVisible(chromedp.CSS("#id_title")))
	b.Run(chromedp.Clear(chromedp.CSS("#id_title")), chromedp.SendKeys(chromedp.CSS("#id_title"), "Typed while the session ended"))
	// The session ends (another tab logged out, or it expired).
	b.Eval(`fetch("/admin/logout/", {method: "POST", body: new URLSearchParams({csrf: document.querySelector("input[name=csrf]").value})}), ""`)
	b.Run(chromedp.Sleep(300 * time.Millisecond))
	b.Run(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)), chromedp.WaitVisible(chromedp.CSS("#username")))
	if got := b.Text(".message.warning"); !strings.Contains(got, "your changes are kept") {
		t.Fatalf("login after expiry: %q", got)
	}
	look(t, b, "login-resume")
	b.Run(chromedp.SendKeys(chromedp.CSS("#username"), "alpha-admin"), chromedp.SendKeys(chromedp.CSS("#password"), d.password["alpha-admin"]),
		chromedp.Click(chromedp.CSS(".login button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".login form button")))
	look(t, b, "resume")
	b.Run(chromedp.Click(chromedp.CSS(".login form button")), chromedp.WaitVisible(chromedp.CSS("#id_title")))
	if v := browser.Get(b, chromedp.Value(chromedp.CSS("#id_title"))); v != "Typed while the session ended" {
		t.Fatalf("restored title: %q", v)
	}
	if p := d.page(d.alpha, "/about/"); p.LatestRevisionID != about.LatestRevisionID {
		t.Fatal("saved without being asked")
	}
	b.Run(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
}

// TestBrowserPublicSearch: a visitor searches alpha's public site from the
// header's box with the keyboard, reads the results (the words marked), and
// mistypes a query: each screen is checked with axe-core (light and dark,
// desktop and 390 px) and photographed.
func TestBrowserPublicSearch(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	b.Run(chromedp.Navigate(alpha+"/"), chromedp.WaitVisible(chromedp.CSS("#site-search-q")))
	look(t, b, "public-home")
	b.Run(chromedp.SendKeys(chromedp.CSS("#site-search-q"), "lab"+kb.Enter), chromedp.WaitVisible(chromedp.CSS(".search-count")))
	if got := b.Text(".search-count"); !strings.Contains(got, "“lab”") || strings.HasPrefix(got, "No pages") {
		t.Errorf("search count: %q", got)
	}
	if b.Count(".search-results li") == 0 || b.Count(".search-results mark") == 0 {
		t.Error("no results with marked words")
	}
	look(t, b, "public-search")
	b.Run(chromedp.Navigate(alpha+"/search/?q=the"), chromedp.WaitVisible(chromedp.CSS("#search-error")))
	look(t, b, "public-search-error")
}

// TestBrowserPageMetadata: in the demo, as a browser reads it, the About
// page carries its canonical URL and Open Graph and Twitter card tags with
// its picture (a rendition the browser can load), the News page links its
// RSS and Atom feeds (which parse as XML with the news items), and the
// sitemap and robots.txt name the site's pages by absolute URL.
func TestBrowserPageMetadata(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	await := func(script string) string {
		t.Helper()
		return browser.Get(b, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	}
	meta := func() map[string]string {
		raw := b.Eval(`JSON.stringify((() => {
			const m = n => (document.querySelector('meta[property="' + n + '"],meta[name="' + n + '"]') || {}).content || "";
			const l = sel => (document.querySelector(sel) || {}).href || "";
			return {canonical: l('link[rel=canonical]'), title: m('og:title'), description: m('og:description'), image: m('og:image'),
				alt: m('og:image:alt'), card: m('twitter:card'), robots: m('robots'),
				rss: l('link[rel=alternate][type="application/rss+xml"]'), atom: l('link[rel=alternate][type="application/atom+xml"]')};
		})())`)
		out := map[string]string{}
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		return out
	}
	b.Run(chromedp.Navigate(alpha+"/about/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	about := meta()
	if about["canonical"] != "http://alpha.localhost/about/" || about["title"] != "About" || about["card"] != "summary_large_image" ||
		!strings.HasPrefix(about["image"], "http://alpha.localhost/media/images/") || about["robots"] != "" || about["rss"] != "" {
		t.Errorf("About's metadata: %v", about)
	}
	// The picture loads (through the test server's port: the root URL has none).
	img := strings.Replace(about["image"], "http://alpha.localhost", alpha, 1)
	if got := await(`fetch(` + strconv.Quote(img) + `).then(r => r.status + " " + r.headers.get("content-type"))`); !strings.HasPrefix(got, "200 image/") {
		t.Errorf("og:image %s: %s", img, got)
	}
	b.Run(chromedp.Navigate(alpha+"/news/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	news := meta()
	if news["rss"] == "" || news["atom"] == "" || news["description"] != "The latest from Alpha Physics Department." {
		t.Fatalf("News' metadata: %v", news)
	}
	for _, feed := range []string{news["rss"], news["atom"]} {
		got := await(`fetch(` + strconv.Quote(feed) + `).then(r => r.text()).then(t => {
			const doc = new DOMParser().parseFromString(t, "application/xml");
			if (doc.querySelector("parsererror")) return "parse error";
			return [...doc.querySelectorAll("item > title, entry > title")].map(e => e.textContent).join("|");
		})`)
		if !strings.Contains(got, "New telescope installed") || !strings.Contains(got, "Prize for our graduate students") {
			t.Errorf("%s: %s", feed, got)
		}
	}
	got := await(`Promise.all([fetch("/sitemap.xml").then(r => r.text()), fetch("/robots.txt").then(r => r.text())]).then(([s, r]) => {
		const doc = new DOMParser().parseFromString(s, "application/xml");
		return [...doc.getElementsByTagName("loc")].length + " " + r.includes("Sitemap: http://alpha.localhost/sitemap.xml");
	})`)
	if n, _, _ := strings.Cut(got, " "); n == "0" || !strings.HasSuffix(got, " true") {
		t.Errorf("sitemap and robots.txt: %s", got)
	}
	look(t, b, "public-news")

	// A page deleted a short while ago: 410 with the site's own text.
	contact := d.page(d.alpha, "/contact/")
	if err := d.svc.DB.Site(d.alpha.ID, nil).SaveSettings(ctx, canopy.GeneralSettings, map[string]any{"contact_email": "info@alpha.localhost",
		"not_found_message": `<p>Try the <a href="/news/">news</a> or write to the department office.</p>`}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.DB.Site(d.alpha.ID, d.svc.Types).Delete(ctx, contact.ID); err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.Navigate(alpha+"/contact/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if h := b.Text("main h1"); h != "Page removed" || !strings.Contains(b.Text("main"), "write to the department office") {
		t.Errorf("the deleted page: %q %q", h, b.Text("main"))
	}
	look(t, b, "public-gone")
}
