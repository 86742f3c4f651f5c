package adminui_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestReportsScreens: alpha's site history of 10,000 entries (and beta's
// own, never shown on alpha) filtered by person, action, kind of object
// and dates in the browser, paged by Older / Newer, exported as CSV with the
// same filters; a bad date said beside the field; the locked pages report
// unlocks a page; aging and scheduled pages listed. An editor has no
// reports; beta's admin sees none of alpha's entries.
func TestReportsScreens(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	db := d.svc.DB
	editorUser, err := db.UserByUsername(ctx, "alpha-editor")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	if err := testdb.SeedHistory(ctx, db, d.alpha.ID, editorUser.ID, 10_000, start, time.Hour); err != nil {
		t.Fatal(err)
	}
	betaAdmin, _ := db.UserByUsername(ctx, "beta-admin")
	if err := testdb.SeedHistory(ctx, db, d.beta.ID, betaAdmin.ID, 100, start, time.Hour); err != nil {
		t.Fatal(err)
	}
	// The entries the filter below should find: alpha-editor's publications
	// of pages from 10 to 12 June 2025 (three whole days).
	want := 0
	for i := 0; i < 10_000; i++ {
		at := start.Add(time.Duration(i) * time.Hour)
		if i%5 == 2 && !at.Before(time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)) && at.Before(time.Date(2025, 6, 13, 0, 0, 0, 0, time.UTC)) {
			want++
		}
	}

	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	b.Eval(`[...document.querySelectorAll("#sidenav summary")].find(s => s.textContent === "Reports").click(), ""`)
	b.Run(chromedp.Click(chromedp.CSS(`#sidenav a[href="/admin/reports/history/"]`)))
	waitFor(t, b, `document.querySelector("#history-user") && document.querySelector("table.listing")`)
	if sub := b.Text(".page-head .sub"); !strings.Contains(sub, "more than 10000 entries") {
		t.Errorf("the history's count: %q", sub)
	}
	look(t, b, "report-history")
	// Older, then Newer.
	first := b.Text("table.listing tbody tr:first-child")
	b.Run(chromedp.Click(chromedp.CSS(`a[rel=next]`)))
	waitFor(t, b, `document.querySelector("a[rel=prev]")`)
	if b.Text("table.listing tbody tr:first-child") == first {
		t.Error("Older entries shows the same entries")
	}
	b.Run(chromedp.Click(chromedp.CSS(`a[rel=prev]`)))
	waitFor(t, b, `!document.querySelector("a[rel=prev]")`)
	if b.Text("table.listing tbody tr:first-child") != first {
		t.Error("Newer entries does not come back to the newest")
	}
	// Filters.
	b.Run(chromedp.SendKeys(chromedp.CSS("#history-user"), "alpha-editor"),
		chromedp.SetValue(chromedp.CSS("#history-action"), "publish"), chromedp.SetValue(chromedp.CSS("#history-type"), "page"),
		chromedp.SetValue(chromedp.CSS("#history-from"), "2025-06-10"), chromedp.SetValue(chromedp.CSS("#history-to"), "2025-06-12"),
		chromedp.Click(chromedp.CSS(`.filter-form button[type=submit]`)))
	waitFor(t, b, `location.search.includes("action=publish")`)
	if sub := b.Text(".page-head .sub"); !strings.Contains(sub, fmt.Sprintf("%d entries", want)) {
		t.Errorf("filtered count, want %d: %q", want, sub)
	}
	if n := b.Count("table.listing tbody tr"); n != want {
		t.Errorf("filtered rows: %d, want %d", n, want)
	}
	for _, a := range strings.Split(b.Eval(`[...document.querySelectorAll("table.listing tbody td[data-label=Action]")].map(td => td.textContent).join("|")`), "|") {
		if a != "Published" {
			t.Fatalf("a filtered row's action: %q", a)
		}
	}
	look(t, b, "report-history-filtered")
	exportURL := b.Eval(`document.querySelector(".page-head a[download]").getAttribute("href")`)

	// The CSV export, with the filters and without.
	c := d.login("alpha.localhost", "alpha-admin")
	status, body := c.get(exportURL)
	if lines := strings.Split(strings.TrimSpace(body), "\n"); status != 200 || len(lines) != want+1 || !strings.HasPrefix(lines[0], "time,user,action") {
		t.Errorf("filtered export: %d, %d lines, want %d", status, len(lines), want+1)
	}
	status, body = c.get("/admin/reports/history/export/")
	if lines := strings.Count(body, "\n"); status != 200 || lines < 10_001 {
		t.Errorf("whole export: %d, %d lines", status, lines)
	}
	if strings.Contains(body, "beta-admin") {
		t.Error("alpha's export has beta's entries")
	}
	// A bad date is said beside the field.
	b.Run(chromedp.Navigate(alpha + "/admin/reports/history/?from=2025-13-40"))
	waitFor(t, b, `document.querySelector("#history-from-error")`)
	settled(t, b)
	look(t, b, "report-history-error")

	// Locked pages: alpha-editor's lock, unlocked from the report.
	about := d.page(d.alpha, "/about/")
	ed := d.login("alpha.localhost", "alpha-editor")
	ed.get(fmt.Sprintf("/admin/pages/%d/edit/", about.ID))
	if status, _, _ := ed.post(fmt.Sprintf("/admin/pages/%d/lock/", about.ID), nil); status != 303 {
		t.Fatalf("lock: %d", status)
	}
	b.Run(chromedp.Navigate(alpha + "/admin/reports/locked/"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if row := b.Text("table.listing tbody"); !strings.Contains(row, "About") || !strings.Contains(row, "alpha-editor") {
		t.Errorf("locked pages: %q", row)
	}
	look(t, b, "report-locked")
	b.Run(chromedp.Click(chromedp.CSS(`table.listing form[action$="/unlock/"] button`)))
	waitFor(t, b, `document.querySelector(".message.success") && location.pathname === "/admin/reports/locked/"`)
	if p := d.page(d.alpha, "/about/"); p.Locked {
		t.Error("About is still locked after Unlock in the report")
	}
	// Aging: About's newest version made 40 days old.
	pool := testdb.Writer(db)
	if _, err := pool.ExecContext(ctx, `UPDATE revisions SET created_at = $1 WHERE id = $2`, time.Now().AddDate(0, 0, -40).UTC(), about.LatestRevisionID); err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.Navigate(alpha + "/admin/reports/aging/?days=30"))
	waitFor(t, b, `document.querySelector("#aging-days")`)
	if row := b.Text("main"); !strings.Contains(row, "About") {
		t.Errorf("aging pages after 30 days: %q", row)
	}
	look(t, b, "report-aging")
	if _, body := c.get("/admin/reports/aging/?days=60"); strings.Contains(body, fmt.Sprintf(`/admin/pages/%d/edit/`, about.ID)) {
		t.Error("About is listed as not edited for 60 days")
	}
	if status, _ := c.get("/admin/reports/aging/?days=0"); status != 400 {
		t.Errorf("aging with 0 days: %d", status)
	}
	// Scheduled: a publication next year.
	contact := d.page(d.alpha, "/contact/")
	c.get(fmt.Sprintf("/admin/pages/%d/edit/", contact.ID))
	if status, _, body := c.post(fmt.Sprintf("/admin/pages/%d/edit/", contact.ID), url.Values{"title": {"Contact us"}, "f.intro": {"Write to us."},
		"go_live_at": {time.Now().AddDate(1, 0, 0).Format("2006-01-02T15:04")}, "base_revision": {strconv.FormatInt(contact.LatestRevisionID, 10)}, "action": {"publish"}}); status != 303 {
		t.Fatalf("schedule: %d %.300s", status, body)
	}
	b.Run(chromedp.Navigate(alpha + "/admin/reports/scheduled/"))
	waitFor(t, b, `document.querySelector("main h1")`)
	if row := b.Text("main"); !strings.Contains(row, "Contact us") {
		t.Errorf("scheduled pages: %q", row)
	}
	look(t, b, "report-scheduled")

	// Broken links: About links to a draft-only page and to a page since deleted.
	plans := d.page(d.alpha, "/plans-for-next-year/")
	news := d.page(d.alpha, "/news/new-telescope-installed/")
	about = d.page(d.alpha, "/about/")
	c.get(fmt.Sprintf("/admin/pages/%d/edit/", about.ID))
	body = fmt.Sprintf(`<p><a href="/plans-for-next-year/" data-page-id="%d">our plans</a> and <a href="/news/new-telescope-installed/" data-page-id="%d">the telescope</a></p>`, plans.ID, news.ID)
	if status, _, resp := c.post(fmt.Sprintf("/admin/pages/%d/edit/", about.ID), url.Values{"title": {"About"}, "f.intro": {"Who we are."}, "f.body": {body},
		"base_revision": {strconv.FormatInt(about.LatestRevisionID, 10)}, "action": {"save"}}); status != 303 {
		t.Fatalf("save About with links: %d %.300s", status, resp)
	}
	c.get(fmt.Sprintf("/admin/pages/%d/delete/", news.ID))
	if status, _, resp := c.post(fmt.Sprintf("/admin/pages/%d/delete/", news.ID), nil); status != 303 {
		t.Fatalf("delete the telescope page: %d %.300s", status, resp)
	}
	b.Run(chromedp.Navigate(alpha + "/admin/reports/broken-links/"))
	waitFor(t, b, `document.querySelector("main h1")`)
	if row := b.Text("main"); !strings.Contains(row, "“Plans for next year”, which is not live") || !strings.Contains(row, fmt.Sprintf("a page since deleted (id %d)", news.ID)) {
		t.Errorf("broken links: %q", row)
	}
	look(t, b, "report-broken")

	// Who may read them.
	for _, p := range []string{"/admin/reports/history/", "/admin/reports/history/export/", "/admin/reports/locked/", "/admin/reports/aging/", "/admin/reports/broken-links/"} {
		if status, _ := ed.get(p); status != 403 {
			t.Errorf("editor GET %s: %d", p, status)
		}
	}
	bc := d.login("beta.localhost", "beta-admin")
	if _, body := bc.get("/admin/reports/history/?user=alpha-editor"); strings.Contains(body, "Seeded page") {
		t.Error("beta's history shows alpha's entries")
	}
	if _, body := bc.get("/admin/reports/history/export/"); strings.Contains(body, "alpha-editor") {
		t.Error("beta's export has alpha's entries")
	}
	if _, body := bc.get("/admin/reports/broken-links/"); strings.Contains(body, "Plans for next year") {
		t.Error("beta's broken links show alpha's")
	}
}
