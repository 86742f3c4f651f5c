package adminui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// The editor's workspace as a new editor meets it (issue 25).

// geometry is where things are on the screen, in CSS pixels.
type geometry struct {
	ScrollY                 float64
	Active                  string
	ActiveTop, ActiveBottom float64
	HeaderBottom            float64
	BarTop                  float64
	ViewHeight              float64
}

func measure(t *testing.T, b *browser.Browser) geometry {
	t.Helper()
	return browser.Get(b, chromedp.Evaluate[geometry](`(() => {
		const a = document.activeElement, r = a.getBoundingClientRect();
		const h = document.querySelector("header.topbar"), bar = document.querySelector(".action-bar");
		const hb = h && getComputedStyle(h).position === "sticky" ? h.getBoundingClientRect().bottom : 0;
		return {ScrollY: scrollY, Active: a.id || a.tagName, ActiveTop: r.top, ActiveBottom: r.bottom, HeaderBottom: hb,
			BarTop: bar ? bar.getBoundingClientRect().top : innerHeight, ViewHeight: innerHeight};
	})()`))
}

// TestEditorOpensAtTheTop: the editor opens at the top of the page with the
// title field focused and entirely visible between the header and the
// action bar, at desktop and phone widths, also when the address holds a
// tab's anchor (after a save, or a reload); on a phone the header is compact;
// a control reached with Tab is never under the header or the action bar.
func TestEditorOpensAtTheTop(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	ev := d.page(d.alpha, "/events/open-lab-night/")
	edit := fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, ev.ID)
	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		t.Run(size.name, func(t *testing.T) {
			b.Size(size.width, size.height, size.mobile, "light")
			for _, url := range []string{edit, edit + "#tab-content", edit + "#tab-promote"} {
				b.Run(chromedp.Navigate("about:blank"), chromedp.Navigate(url))
				waitFor(t, b, `document.readyState === "complete" && document.querySelector(".ProseMirror")`)
				b.Run(chromedp.Sleep(150e6))
				g := measure(t, b)
				if g.ScrollY != 0 {
					t.Errorf("%s opens scrolled to %v", url, g.ScrollY)
				}
				want := "id_title"
				if url == edit+"#tab-promote" {
					want = "id_slug"
				}
				if g.Active != want {
					t.Errorf("%s: focus on %s, want %s", url, g.Active, want)
				}
				if g.ActiveTop < g.HeaderBottom || g.ActiveBottom > g.BarTop {
					t.Errorf("%s: focused field at %v–%v, header ends at %v, action bar starts at %v", url, g.ActiveTop, g.ActiveBottom, g.HeaderBottom, g.BarTop)
				}
			}
			if size.mobile {
				if h := b.Eval(`String(document.querySelector("header.topbar").getBoundingClientRect().height)`); mustFloat(t, h) > 72 {
					t.Errorf("the phone's header is %s px high", h)
				}
				if h := b.Eval(`String(document.querySelector(".action-bar").getBoundingClientRect().height)`); mustFloat(t, h) > 72 {
					t.Errorf("the phone's action bar is %s px high", h)
				}
				// The Menu button opens the navigation, search and account;
				// Escape closes it and gives the focus back.
				if b.Eval(`String(document.querySelector("#shell-search").getClientRects().length)`) != "0" {
					t.Error("the phone's header shows its menu before it is opened")
				}
				b.Run(chromedp.Click(chromedp.CSS("[data-menu-toggle]")))
				waitFor(t, b, `document.querySelector("#shell-search").getClientRects().length > 0 && document.querySelector(".mainnav a").getClientRects().length > 0`)
				if b.Eval(`document.querySelector("[data-menu-toggle]").getAttribute("aria-expanded")`) != "true" {
					t.Error("the Menu button does not say it is expanded")
				}
				b.CheckA11y("header-menu-open")
				b.Run(chromedp.Focus(chromedp.CSS("#shell-search")), chromedp.KeyEvent("\x1b"))
				waitFor(t, b, `document.querySelector("#shell-search").getClientRects().length === 0 && document.activeElement.matches("[data-menu-toggle]")`)
			}
			// A click on a control low on the page reaches it, not the
			// action bar (the browser scrolls it clear of the bar).
			b.Run(chromedp.Navigate(edit))
			// Once the editor has settled (the title focused, the page at its top).
			waitFor(t, b, `document.readyState === "complete" && document.querySelector(".ProseMirror") && document.activeElement.id === "id_title"`)
			b.Run(chromedp.Click(chromedp.CSS(`button[data-chooser="/admin/choose/document/"]`)))
			waitFor(t, b, `document.querySelector("#chooser[open]")`)
			b.Run(chromedp.Click(chromedp.CSS("#chooser [data-close-dialog]")))
			// Tab through the form: each focused control is clear of the
			// header and the action bar.
			b.Run(chromedp.Navigate(edit))
			waitFor(t, b, `document.readyState === "complete" && document.querySelector(".ProseMirror")`)
			for range 40 {
				b.Run(chromedp.KeyEvent("\t"))
				g := measure(t, b)
				if g.Active == "BODY" {
					continue
				}
				inBar := b.Eval(`String(!!document.activeElement.closest(".action-bar, header.topbar, .rt-toolbar, .skip-link, .sidenav"))`) == "true"
				// The bar sticks within the editor's form: what follows the
				// form (the comments) is never under it.
				inForm := b.Eval(`String(!!document.activeElement.closest("#editor-form"))`) == "true"
				if !inBar && (g.ActiveTop < g.HeaderBottom-1 || inForm && g.ActiveBottom > g.BarTop+1) {
					t.Errorf("focused %s at %v–%v is under the header (%v) or the action bar (%v)", g.Active, g.ActiveTop, g.ActiveBottom, g.HeaderBottom, g.BarTop)
				}
			}
		})
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

// TestRichTextToolbarFocus: the toolbar's one tab stop is always on a button
// that can be used: Home, End and the arrows skip disabled ones (Undo and
// Redo before any change), and Tab comes back to it; Ctrl+K opens the link
// chooser with the focus in its search field; at 1280 px the toolbar is one
// row.
func TestRichTextToolbarFocus(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	about := d.page(d.alpha, "/about/")
	b.Size(1280, 900, false, "light")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, about.ID)))
	// Settled: the editor focuses its first field once it has loaded.
	waitFor(t, b, `document.readyState === "complete" && document.querySelector(".rt-toolbar") && document.activeElement.id === "id_title"`)
	if rows := b.Eval(`String(new Set([...document.querySelector(".rt-toolbar").querySelectorAll("button")].map((x) => x.offsetTop)).size)`); rows != "1" {
		t.Errorf("the toolbar has %s rows at 1280 px (%s)", rows, b.Eval(`(() => { const t = document.querySelector(".rt-toolbar"); return t.clientWidth + " wide, buttons " + [...t.children].reduce((n, c) => n + c.getBoundingClientRect().width + 1, 0); })()`))
	}
	const active = `document.activeElement.textContent`
	stop := func() string {
		return b.Eval(`[...document.querySelectorAll(".rt-toolbar button")].filter((x) => x.tabIndex === 0).map((x) => x.textContent + (x.disabled ? " (disabled)" : "")).join(",")`)
	}
	b.Eval(`document.querySelector(".rt-toolbar button[tabindex='0']").focus(), ""`)
	for _, step := range []struct{ key, want string }{
		{kb.End, "Document"}, {kb.Home, "B"}, {kb.ArrowLeft, "Document"}, {kb.ArrowRight, "B"}, {kb.ArrowRight, "I"},
	} {
		b.Run(chromedp.KeyEvent(step.key))
		if got := b.Eval(active); got != step.want || stop() != step.want {
			t.Errorf("after %q: focus on %q, tab stop on %q; want %q", step.key, got, stop(), step.want)
		}
	}
	// Tab leaves the toolbar for the text; Shift+Tab comes back to the stop.
	b.Run(chromedp.KeyEvent(kb.End), chromedp.KeyEvent("\t"))
	if b.Eval(`String(document.activeElement.classList.contains("ProseMirror"))`) != "true" {
		t.Errorf("Tab from the toolbar went to %s", b.Eval(`document.activeElement.outerHTML.slice(0, 80)`))
	}
	b.Run(chromedp.KeyEvent("x"))
	b.Run(chromedp.KeyEvent("\t", chromedp.KeyModifiers(chromedp.ModifierShift)))
	if got := b.Eval(active); got != "Document" {
		t.Errorf("Shift+Tab back into the toolbar: focus on %q (tab stop %q)", got, stop())
	}
	// After a change Undo can be used, and End reaches it.
	b.Run(chromedp.KeyEvent(kb.End))
	if got := b.Eval(active); got != "Undo" {
		t.Errorf("End after a change: %q", got)
	}
	// Ctrl+K in the text: the link chooser, focus in its search field.
	b.Eval(`document.querySelector(".ProseMirror").focus(), ""`)
	ctrlKey(b, "k", "KeyK", 75)
	waitFor(t, b, `document.querySelector("#chooser[open]") && document.activeElement.closest("#chooser") && document.activeElement.matches("input[type=search]")`)
	look(t, b, "link-chooser-from-keyboard")
}

// TestEditorStatesAgree: the editor's message, panel and controls say the
// same thing: a page locked by someone else is read-only (rich text too)
// with who locked it and since when, and Unlock for those who may; a page
// scheduled by its owner is not "locked by another user" and the panel
// says why it cannot be edited; an unpublished page says "Not live, last
// published …".
func TestEditorStatesAgree(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	about := d.page(d.alpha, "/about/")
	edit := fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, about.ID)
	open := func() {
		b.Run(chromedp.Navigate(edit))
		waitFor(t, b, `document.readyState === "complete" && document.querySelector(".ProseMirror")`)
	}
	text := func(sel string) string {
		return b.Eval(`(document.querySelector(` + strconv.Quote(sel) + `) || {textContent: ""}).textContent.replace(/\s+/g, " ").trim()`)
	}
	// The moderator locks the page.
	login(b, alpha, "alpha-moderator", d.password["alpha-moderator"])
	open()
	b.Run(chromedp.Click(chromedp.CSS(`button[formaction$="/lock/"]`)))
	waitFor(t, b, `document.querySelector('button[formaction$="/unlock/"]')`)
	b.Eval(`document.querySelector('form[action="/admin/logout/"]').submit(), ""`)
	b.Run(chromedp.WaitVisible(chromedp.CSS("#username")))

	// The editor: read-only, told by whom and since when, no save buttons.
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	open()
	msg := text("#lock-message")
	if !strings.Contains(msg, "locked by alpha-moderator since") {
		t.Errorf("lock message: %q", msg)
	}
	if b.Eval(`String(document.querySelector("form.editor fieldset").disabled)`) != "true" ||
		b.Eval(`document.querySelector(".ProseMirror").getAttribute("contenteditable")`) != "false" {
		t.Error("a page locked by someone else can be typed into")
	}
	if n := b.Count(`.action-bar button[name=action]`); n != 0 {
		t.Errorf("%d save buttons on a locked page", n)
	}
	if strings.Contains(text(".status-panel"), "Not locked") || !strings.Contains(text(".status-panel"), "Locked by alpha-moderator since") {
		t.Errorf("panel: %q", text(".status-panel"))
	}
	look(t, b, "editor-locked")
	b.Eval(`document.querySelector('form[action="/admin/logout/"]').submit(), ""`)
	b.Run(chromedp.WaitVisible(chromedp.CSS("#username")))

	// The site admin may unlock from the message; then unpublishes the page:
	// "Not live, last published …".
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	open()
	b.Run(chromedp.Click(chromedp.CSS(`#lock-message button`)))
	waitFor(t, b, `document.querySelector('button[formaction$="/lock/"]') && !document.querySelector("#lock-message")`)
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/unpublish/", alpha, about.ID)), chromedp.Click(chromedp.CSS("button.danger")))
	waitFor(t, b, `document.querySelector(".message")`)
	open()
	if panel := text(".status-panel"); !strings.Contains(panel, "Not live, last published") || strings.Contains(panel, "Published ") {
		t.Errorf("unpublished page's panel: %q", panel)
	}
	// Scheduled by its owner: no "locked by another user"; the panel and the
	// message agree that it waits for its date.
	b.Run(chromedp.Click(chromedp.CSS(`[role=tab]:nth-child(3)`)))
	b.Run(chromedp.SetValue(chromedp.CSS("#id_go_live_at"), "2099-01-01T10:00"))
	b.Run(chromedp.Click(chromedp.CSS(`.action-bar button[value=publish]`)))
	waitFor(t, b, `document.readyState === "complete" && document.querySelector(".status-panel") && /Schedule/.test(document.querySelector(".status-panel").textContent)`)
	panel := text(".status-panel")
	if strings.Contains(text("main"), "locked by") || strings.Contains(panel, "Not locked") || !strings.Contains(panel, "Locked until the scheduled version goes live") {
		t.Errorf("scheduled page: %q", panel)
	}
	look(t, b, "editor-scheduled")
}

// TestSubmitOnCreation: under a section with a workflow an editor can submit
// a new page for moderation as they create it; where no workflow applies
// and they may not publish, the editor says so and names who can.
func TestSubmitOnCreation(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	news, events := d.page(d.alpha, "/news/"), d.page(d.alpha, "/events/")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/add/%s/", alpha, news.ID, canopy.StandardType)))
	waitFor(t, b, `document.readyState === "complete" && document.querySelector("#id_title")`)
	if b.Count(`.action-bar button[value=submit]`) != 1 || b.Count(`#publish-hint`) != 0 {
		t.Fatal("no Submit for moderation when creating a page under a workflow")
	}
	look(t, b, "editor-new-under-workflow")
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_title"), "Telescope upgrade"), chromedp.Click(chromedp.CSS(`.action-bar button[value=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") && /submitted for moderation/.test(document.querySelector(".message.success").textContent)`)
	if panel := b.Eval(`document.querySelector(".status-panel").textContent`); !strings.Contains(panel, "In moderation") {
		t.Errorf("after submitting on creation: %q", panel)
	}
	// Under Events no workflow applies and editors may not publish.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/add/%s/", alpha, events.ID, canopy.EventType)))
	waitFor(t, b, `document.readyState === "complete" && document.querySelector("#id_title")`)
	if b.Count(`.action-bar button[value=submit]`)+b.Count(`.action-bar button[value=publish]`) != 0 {
		t.Error("publish or submit offered where neither is possible")
	}
	if hint := b.Eval(`(document.querySelector("#publish-hint") || {textContent: ""}).textContent`); !strings.Contains(hint, "“Moderators”") {
		t.Errorf("who can publish: %q", hint)
	}
	look(t, b, "editor-new-save-only")
}

// TestPageHistoryShowsEveryAction: after a moderation round (submitted,
// changes requested with a comment, resubmitted, approved and published), a
// lock, an unlock and a revert, the page's history says each, who did it and
// when to the second; the filter keeps one kind; the revisions say who
// published a revision, not only who wrote it.
func TestPageHistoryShowsEveryAction(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	page := d.page(d.alpha, "/news/new-telescope-installed/")
	as := func(name string) *service.Admin {
		u, err := d.svc.DB.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		a, err := d.svc.AdminFor(ctx, d.alpha, u)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	ed, mod := as("alpha-editor"), as("alpha-moderator")
	title := func(s string) service.PagePatch { return service.PagePatch{Title: &s} }
	first := page.LatestRevisionID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := ed.EditDraft(ctx, page.ID, title("Our new telescope"), 0)
	must(err)
	_, err = ed.Submit(ctx, page.ID)
	must(err)
	_, _, err = mod.Review(ctx, page.ID, false, "Add a photo of the dome, please.")
	must(err)
	_, _, err = ed.EditDraft(ctx, page.ID, title("Our new telescope, with its dome"), 0)
	must(err)
	_, err = ed.Submit(ctx, page.ID)
	must(err)
	published, _, err := mod.Review(ctx, page.ID, true, "")
	must(err)
	if !published {
		t.Fatal("the approval did not publish")
	}
	_, err = mod.SetLock(ctx, page.ID, true)
	must(err)
	_, err = mod.SetLock(ctx, page.ID, false)
	must(err)
	_, err = mod.Revert(ctx, page.ID, first)
	must(err)

	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-moderator", d.password["alpha-moderator"])
	hist := fmt.Sprintf("%s/admin/pages/%d/history/", alpha, page.ID)
	b.Run(chromedp.Navigate(hist))
	waitFor(t, b, `document.querySelector("table.history")`)
	body := b.Text("table.history")
	for _, want := range []string{
		"alpha-editor submitted it for moderation in “News review”",
		"alpha-moderator requested changes at “Moderator approval”",
		"“Add a photo of the dome, please.”",
		"alpha-editor resubmitted it after the requested changes",
		"alpha-moderator approved it at “Moderator approval” and published it",
		"alpha-moderator published it (revision #",
		"alpha-moderator locked it", "alpha-moderator unlocked it",
		fmt.Sprintf("alpha-moderator reverted to revision #%d", first),
		"alpha-editor saved a draft (revision #",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	if !regexp.MustCompile(`\d{1,2} \w{3} 2\d{3}, \d\d:\d\d:\d\d UTC`).MatchString(body) {
		t.Error("history times are not to the second")
	}
	look(t, b, "page-history")
	// The filter: changes requested only.
	b.Run(chromedp.SetValue(chromedp.CSS("#history-action"), "workflow_reject"), chromedp.Click(chromedp.CSS(".filter-form button")))
	waitFor(t, b, `location.search.includes("action=workflow_reject") && document.querySelector("table.history")`)
	if n := b.Count("table.history tbody tr"); n != 1 {
		t.Errorf("filtered history: %d rows", n)
	}
	// The revisions name who published.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/revisions/", alpha, page.ID)))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if rev := b.Text("table.listing"); !strings.Contains(rev, "published by alpha-moderator") {
		t.Errorf("revisions: %q", rev)
	}
}

// TestMoveCreatesRedirects: the move screen says that the page's old
// address will redirect; after the move the old address answers 301 to the
// new one and the redirect is listed with the site's redirects, marked
// automatic.
func TestMoveCreatesRedirects(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	p, events := d.page(d.alpha, "/news/new-telescope-installed/"), d.page(d.alpha, "/events/")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/move/?parent=%d", alpha, p.ID, d.alpha.RootPageID)))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if msg := b.Text(".message.info"); !strings.Contains(msg, "a permanent redirect will send visitors of the old address to the new one") {
		t.Errorf("move screen: %q", msg)
	}
	look(t, b, "move-with-redirects")
	b.Run(chromedp.Click(chromedp.CSS(fmt.Sprintf(`form input[name=destination][value="%d"] + button`, events.ID))))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if msg := b.Text(".message.success"); !strings.Contains(msg, "A permanent redirect now sends visitors of its old address to the new one") {
		t.Errorf("after the move: %q", msg)
	}
	req, _ := http.NewRequest("GET", d.url+"/news/new-telescope-installed/", nil)
	req.Host = "alpha.localhost"
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 301 || !strings.HasSuffix(res.Header.Get("Location"), "/events/new-telescope-installed/") {
		t.Errorf("old address: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	u, _ := d.svc.DB.UserByUsername(ctx, "alpha-admin")
	a, err := d.svc.AdminFor(ctx, d.alpha, u)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := a.Redirects(ctx, "", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range list {
		found = found || r.OldPath == "/news/new-telescope-installed" && r.Automatic && r.IsPermanent && r.RedirectPageID == p.ID
	}
	if !found {
		t.Error("the automatic redirect is not listed with the site's redirects")
	}
}

// TestCopyAndSortInTheExplorer: the copy form asks for the copy's title and
// slug and the explorer shows both; a click on a column header sorts the
// child pages (kept in the address), a second click reverses; "Sort child
// pages" is not offered for a page without children.
func TestCopyAndSortInTheExplorer(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	about, home := d.page(d.alpha, "/about/"), d.page(d.alpha, "/")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/copy/", alpha, about.ID)))
	waitFor(t, b, `document.querySelector("#id_title")`)
	if v := b.Eval(`document.querySelector("#id_title").value`); v != "About (copy)" {
		t.Errorf("the copy's title starts as %q", v)
	}
	look(t, b, "copy-with-title")
	// An empty title is refused beside the field.
	b.Eval(`document.querySelector("#id_title").value = "", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.readyState === "complete" && document.querySelector("#id_title-error")`)
	b.Eval(`document.querySelector("#id_title").value = "About the department", document.querySelector("#id_slug").value = "about-the-department", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if body := b.Text("table.listing"); !strings.Contains(body, "About the department") || !strings.Contains(body, "/about-the-department/") {
		t.Errorf("the explorer does not show the copy's title and address: %q", body)
	}
	titles := func() []string {
		var out []string
		_ = json.Unmarshal([]byte(b.Eval(`JSON.stringify([...document.querySelectorAll("table.listing tbody td.title > a:first-child, table.listing tbody td.title > strong:first-child")].map((a) => a.textContent))`)), &out)
		return out
	}
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/", alpha, home.ID)))
	waitFor(t, b, `document.querySelector("table.listing")`)
	b.Run(chromedp.Click(chromedp.CSS(`th a.sort[href*="ordering=title"]`)))
	waitFor(t, b, `location.search === "?ordering=title" && document.querySelector("th[aria-sort=ascending]")`)
	asc := titles()
	if !slices.IsSortedFunc(asc, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) || len(asc) < 3 {
		t.Errorf("sorted by title: %v", asc)
	}
	look(t, b, "explorer-sorted")
	b.Run(chromedp.Click(chromedp.CSS(`th[aria-sort] a.sort`)))
	waitFor(t, b, `location.search === "?ordering=-title" && document.querySelector("th[aria-sort=descending]")`)
	if desc := titles(); !slices.Equal(desc, reversed(asc)) {
		t.Errorf("reversed: %v", desc)
	}
	// On a phone (headers hidden) the same orders come from a list.
	b.Size(390, 844, true, "light")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/", alpha, home.ID)))
	waitFor(t, b, `document.querySelector("#sort-by") && document.querySelector("#sort-by").getClientRects().length > 0`)
	b.Run(chromedp.SetValue(chromedp.CSS("#sort-by"), "-title"), chromedp.Click(chromedp.CSS(".sort-form button")))
	waitFor(t, b, `location.search === "?ordering=-title" && document.querySelector("table.listing")`)
	if got := titles(); !slices.Equal(got, reversed(asc)) {
		t.Errorf("sorted on a phone: %v", got)
	}
	b.Size(1280, 900, false, "light")
	// Sorting child pages: offered on the home page (it has some), not on
	// About (none).
	if b.Count(fmt.Sprintf(`a[href="/admin/pages/%d/reorder/"]`, home.ID)) == 0 {
		t.Error("no Sort child pages on the home page")
	}
	if n := b.Count(fmt.Sprintf(`a[href="/admin/pages/%d/reorder/"]`, about.ID)); n != 0 {
		t.Error("Sort child pages offered on a page without children")
	}
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestEventEndBeforeStartRefused: in the editor an event whose end is before
// its start is refused, the message beside the End field, the input kept and
// nothing saved.
func TestEventEndBeforeStartRefused(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	ev := d.page(d.alpha, "/events/open-lab-night/")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, ev.ID)))
	waitFor(t, b, `document.readyState === "complete" && document.activeElement.id === "id_title"`)
	b.Eval(`document.querySelector("#id_f_end").value = "2026-12-01T10:00", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`.action-bar button[value=save]`)))
	waitFor(t, b, `document.readyState === "complete" && document.querySelector("#id_f_end-error")`)
	if msg := b.Text("#id_f_end-error"); !strings.Contains(msg, "The event must end after it starts") {
		t.Errorf("beside End: %q", msg)
	}
	if v := b.Eval(`document.querySelector("#id_f_end").value`); v != "2026-12-01T10:00" {
		t.Errorf("the input was lost: %q", v)
	}
	if b.Eval(`document.querySelector("#id_f_end").getAttribute("aria-invalid")`) != "true" {
		t.Error("the End field is not marked invalid")
	}
	look(t, b, "editor-rule-error")
	if now := d.page(d.alpha, "/events/open-lab-night/"); now.LatestRevisionID != ev.LatestRevisionID {
		t.Error("a refused save wrote a revision")
	}
}

// TestNotificationsReadAsSentences: the dashboard says who did what to which
// page, with the reviewer's comment, and links to the page and the change.
func TestNotificationsReadAsSentences(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	page := d.page(d.alpha, "/news/new-telescope-installed/")
	as := func(name string) *service.Admin {
		u, _ := d.svc.DB.UserByUsername(ctx, name)
		a, err := d.svc.AdminFor(ctx, d.alpha, u)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	ed, mod := as("alpha-editor"), as("alpha-moderator")
	title := "Our new telescope"
	if _, _, err := ed.EditDraft(ctx, page.ID, service.PagePatch{Title: &title}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Submit(ctx, page.ID); err != nil {
		t.Fatal(err)
	}
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	notes := func() string {
		b.Run(chromedp.Navigate(alpha + "/admin/"))
		waitFor(t, b, `document.querySelector("#notes-h")`)
		return b.Text(`section[aria-labelledby="notes-h"]`)
	}
	login(b, alpha, "alpha-moderator", d.password["alpha-moderator"])
	if got := notes(); !strings.Contains(got, "alpha-editor sent “Our new telescope” for your review at “Moderator approval”.") {
		t.Errorf("the moderator's notification: %q", got)
	}
	if _, _, err := mod.Review(ctx, page.ID, false, "Add a photo of the dome."); err != nil {
		t.Fatal(err)
	}
	b.Eval(`document.querySelector('form[action="/admin/logout/"]').submit(), ""`)
	b.Run(chromedp.WaitVisible(chromedp.CSS("#username")))
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	got := notes()
	if !strings.Contains(got, "alpha-moderator requested changes on “Our new telescope” at “Moderator approval”.") || !strings.Contains(got, "“Add a photo of the dome.”") {
		t.Errorf("the editor's notification: %q", got)
	}
	look(t, b, "dashboard-notifications")
	// Its links open the page and the revision concerned.
	var hrefs []string
	for _, sel := range []string{`.note a[href$="/edit/"]`, `.note a[href*="/revisions/"]`} {
		hrefs = append(hrefs, b.Eval(`document.querySelector('`+sel+`').getAttribute("href")`))
	}
	for _, href := range hrefs {
		b.Run(chromedp.Navigate(alpha + href))
		waitFor(t, b, `document.readyState === "complete"`)
		if h := b.Text("#main h1"); h == "Not found" || h == "Not allowed" {
			t.Errorf("%s: %q", href, h)
		}
	}
	if _, err := ed.Submit(ctx, page.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := mod.Review(ctx, page.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if got := notes(); !strings.Contains(got, "alpha-moderator approved “Our new telescope” and published it.") {
		t.Errorf("after the approval: %q", got)
	}
}

// TestSuperuserSeesAllSites: "My sites" for a superuser lists every site of
// the installation, with a search and pages; a member sees theirs.
func TestSuperuserSeesAllSites(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	for i := range 60 {
		if _, err := d.svc.DB.CreateSite(ctx, canopy.NewSite{Hostname: fmt.Sprintf("dept-%02d.localhost", i), Name: fmt.Sprintf("Department %02d", i), Types: d.svc.Types}); err != nil {
			t.Fatal(err)
		}
	}
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "admin", d.password["admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/my-sites/"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if h := b.Text("#main h1"); h != "All sites" {
		t.Errorf("heading %q", h)
	}
	if n := b.Count("table.listing tbody tr"); n != 50 {
		t.Errorf("first page: %d sites", n)
	}
	if !strings.Contains(b.Text(".page-head .sub"), "63 sites") {
		t.Errorf("count: %q", b.Text(".page-head .sub"))
	}
	look(t, b, "all-sites")
	b.Run(chromedp.SendKeys(chromedp.CSS("#site-search"), "department 4"), chromedp.Submit(chromedp.CSS("#site-search")))
	waitFor(t, b, `location.search.includes("q=") && document.querySelector("table.listing")`)
	if n := b.Count("table.listing tbody tr"); n != 10 {
		t.Errorf("search: %d sites", n)
	}
	// A member: their sites only.
	b.Eval(`document.querySelector('form[action="/admin/logout/"]').submit(), ""`)
	b.Run(chromedp.WaitVisible(chromedp.CSS("#username")))
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	b.Run(chromedp.Navigate(alpha + "/admin/my-sites/"))
	waitFor(t, b, `document.querySelector("#main h1")`)
	if h, n := b.Text("#main h1"), b.Count("table.listing tbody tr"); h != "My sites" || n != 1 {
		t.Errorf("member: %q with %d sites", h, n)
	}
}

// TestEditorsFindContent: the header's search box is on every screen (in
// the Menu on a phone) and finds pages through the search index; the
// dashboard lists what the user edited last.
func TestEditorsFindContent(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	about := d.page(d.alpha, "/about/")
	u, _ := d.svc.DB.UserByUsername(ctx, "alpha-editor")
	ed, err := d.svc.AdminFor(ctx, d.alpha, u)
	if err != nil {
		t.Fatal(err)
	}
	title := "About the observatories"
	if _, _, err := ed.EditDraft(ctx, about.ID, service.PagePatch{Title: &title}, 0); err != nil {
		t.Fatal(err)
	}
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	waitFor(t, b, `document.querySelector("#my-recent-h")`)
	if txt := b.Text(`section[aria-labelledby="my-recent-h"]`); !strings.Contains(txt, "About the observatories") {
		t.Errorf("recently edited by you: %q", txt)
	}
	for _, path := range []string{"/admin/", fmt.Sprintf("/admin/pages/%d/", d.alpha.RootPageID), fmt.Sprintf("/admin/pages/%d/edit/", about.ID),
		fmt.Sprintf("/admin/pages/%d/history/", about.ID), "/admin/my-sites/"} {
		b.Run(chromedp.Navigate(alpha + path))
		waitFor(t, b, `document.readyState === "complete"`)
		if b.Count("header.topbar #shell-search") != 1 {
			t.Errorf("%s has no search box in the header", path)
		}
	}
	// From the header: type and press Enter.
	b.Run(chromedp.SendKeys(chromedp.CSS("#shell-search"), "observatory\n"))
	waitFor(t, b, `location.pathname === "/admin/search/" && document.querySelector("table.listing")`)
	if !strings.Contains(b.Text("table.listing"), "About the observatories") {
		t.Errorf("the header's search does not find the draft's title: %q", b.Text("main"))
	}
}

// TestEmbedFromTheEditor: an editor types a video's URL on a line of its own
// in the rich text and saves; the editor then shows the embed as a box
// naming it, and the published page shows the provider's player (a provider
// served inside the test).
func TestEmbedFromTheEditor(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	var prov *httptest.Server
	prov = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "video", "title": "Dome timelapse",
			"html": `<iframe src="` + prov.URL + `/embed/1" width="640" height="360" title="Dome timelapse"></iframe>`})
	}))
	defer prov.Close()
	var err error
	d.svc.Embeds, err = service.NewEmbedder([]service.OEmbedProvider{{Name: "Test video", Endpoint: prov.URL + "/oembed",
		URLs: []string{prov.URL + "/watch/*"}, FrameHosts: []string{strings.TrimPrefix(prov.URL, "https://")}}}, prov.Client())
	if err != nil {
		t.Fatal(err)
	}
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	about := d.page(d.alpha, "/about/")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, about.ID)))
	waitFor(t, b, `document.readyState === "complete" && document.activeElement.id === "id_title"`)
	// At the end of the body: a new line with the URL.
	b.Eval(`(() => { const pm = [...document.querySelectorAll(".ProseMirror")].pop(); pm.focus();
		const v = pm.closest(".richtext").previousElementSibling.canopyEditor; const end = v.state.doc.content.size;
		v.dispatch(v.state.tr.setSelection(v.state.selection.constructor.atEnd(v.state.doc))); })(), ""`)
	b.Run(chromedp.KeyEvent("\r"), chromedp.KeyEvent(prov.URL+"/watch/1"))
	b.Run(chromedp.Click(chromedp.CSS(`.action-bar button[value=publish]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, about.ID)))
	waitFor(t, b, `document.readyState === "complete" && document.querySelector(".ProseMirror figure.embed")`)
	if txt := b.Text(".ProseMirror figure.embed"); !strings.Contains(txt, "Dome timelapse") {
		t.Errorf("the editor's embed box: %q", txt)
	}
	look(t, b, "editor-embed")
	if code, body := d.publicGet("alpha.localhost", "/about/"); code != 200 || !strings.Contains(body, `<iframe src="`+prov.URL+`/embed/1"`) {
		t.Errorf("public page: %d", code)
	}
}

// TestSideNavigation: the admin's sections are in a side navigation that
// shows only what the user may use; Hide menu hides it at once and for the
// person's next visit (Show menu brings it back); on a phone it opens from
// the Menu button.
func TestSideNavigation(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	entries := func() string {
		return b.Eval(`[...document.querySelectorAll("#sidenav a, #sidenav summary")].map((a) => a.textContent).join(",")`)
	}
	if got := entries(); got != "Dashboard,Pages,Images,Documents,Collections,Snippets,Location,Settings,Redirects,Users,Groups,Workflows,Reports,Site history,Locked pages,Waiting to go live,Aging pages,Broken links,Pages in moderation" {
		t.Errorf("a site admin's menu: %s", got)
	}
	b.Run(chromedp.Click(chromedp.CSS(".nav-hide button")))
	waitFor(t, b, `document.documentElement.classList.contains("nav-hidden") && document.querySelector("#sidenav").getClientRects().length === 0`)
	look(t, b, "nav-hidden")
	// Remembered for the person: a new page load (and a new browser) keeps it hidden.
	b.Run(chromedp.Navigate(alpha + "/admin/pages/"))
	waitFor(t, b, `document.readyState === "complete"`)
	if b.Eval(`String(document.querySelector("#sidenav").getClientRects().length)`) != "0" {
		t.Error("the hidden menu came back on the next page")
	}
	b.Run(chromedp.Click(chromedp.CSS(".nav-show button")))
	waitFor(t, b, `document.querySelector("#sidenav").getClientRects().length > 0`)
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	waitFor(t, b, `document.readyState === "complete" && document.querySelector("#sidenav").getClientRects().length > 0`)
	// An editor: no Redirects.
	b.Eval(`document.querySelector('form[action="/admin/logout/"]').submit(), ""`)
	b.Run(chromedp.WaitVisible(chromedp.CSS("#username")))
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	if got := entries(); got != "Dashboard,Pages,Images,Documents,Snippets,Location" {
		t.Errorf("an editor's menu: %s", got)
	}
	// A phone: closed until the Menu button opens it.
	b.Size(390, 844, true, "light")
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	waitFor(t, b, `document.readyState === "complete" && document.documentElement.classList.contains("js")`)
	if b.Eval(`String(document.querySelector("#sidenav").getClientRects().length)`) != "0" {
		t.Error("the phone shows the menu before it is opened")
	}
	b.Run(chromedp.Click(chromedp.CSS("[data-menu-toggle]")))
	waitFor(t, b, `document.querySelector("#sidenav a").getClientRects().length > 0`)
	look(t, b, "nav-phone-open")
}
