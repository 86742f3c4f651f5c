package adminui_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestRedirectsScreens: a site admin imports a CSV with a bad row (the
// preview names it by line; all-or-nothing applies nothing), then imports
// the valid rows, which answer on the public site; adds a redirect to a page
// through the form (a redirect from a live page's address is refused beside
// the field), edits and deletes one, searches the list and exports it.
func TestRedirectsScreens(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/redirects/"))
	waitFor(t, b, `document.querySelector("#main h1")`)
	if b.Count(`nav.mainnav a[href="/admin/redirects/"]`) != 1 {
		t.Error("no Redirects in the menu")
	}
	look(t, b, "redirects-empty")

	csv := filepath.Join(t.TempDir(), "redirects.csv")
	if err := os.WriteFile(csv, []byte("\xef\xbb\xbffrom,to,permanent\n/old-about,/about/,true\n/chat,ftp://nope,true\n/team,https://example.org/team,false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.Navigate(alpha + "/admin/redirects/import/"))
	waitFor(t, b, `document.querySelector("#id_file")`)
	look(t, b, "redirects-import")
	b.Run(chromedp.SetUploadFiles(chromedp.CSS("#id_file"), []string{csv}), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#preview-h")`)
	txt := b.Text("#main")
	if !strings.Contains(txt, "2 new redirects") || !strings.Contains(txt, "1 row with errors") || !namesBadLine(txt) {
		t.Errorf("preview: %q", txt)
	}
	look(t, b, "redirects-preview")
	b.Run(chromedp.Click(chromedp.CSS(`button[name=apply][value=all]`)))
	waitFor(t, b, `document.querySelector("#import-error")`)
	if code, _ := noFollow(d, "/old-about/"); code != 404 {
		t.Errorf("all or nothing applied a row: %d", code)
	}
	b.Run(chromedp.Click(chromedp.CSS(`button[name=apply][value=valid]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if code, loc := noFollow(d, "/old-about"); code != 301 || loc != "/about/" {
		t.Errorf("/old-about: %d → %q", code, loc)
	}
	if code, loc := noFollow(d, "/team"); code != 302 || loc != "https://example.org/team" {
		t.Errorf("/team: %d → %q", code, loc)
	}
	look(t, b, "redirects-list")

	// Add one through the form: first from a live page's address (refused
	// beside the field), then from a free one to a page.
	contact := d.page(d.alpha, "/contact/")
	b.Run(chromedp.Navigate(alpha + "/admin/redirects/add/"))
	waitFor(t, b, `document.querySelector("#id_old_path")`)
	b.Eval(fmt.Sprintf(`document.querySelector("#id_old_path").value = "/about", document.querySelector("#id_redirect_page").value = "%d", ""`, contact.ID))
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_old_path-error")`)
	if msg := b.Text("#id_old_path-error"); !strings.Contains(msg, "live page") {
		t.Errorf("from a live page: %q", msg)
	}
	look(t, b, "redirect-form-error")
	b.Eval(`document.querySelector("#id_old_path").value = "/write-to-us", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if code, loc := noFollow(d, "/write-to-us/"); code != 301 || loc != "/contact/" {
		t.Errorf("/write-to-us: %d → %q", code, loc)
	}
	// Search, edit (temporary now), delete.
	b.Run(chromedp.Navigate(alpha + "/admin/redirects/?q=write"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if n := b.Count("table.listing tbody tr"); n != 1 {
		t.Errorf("search: %d rows", n)
	}
	b.Run(chromedp.Click(chromedp.CSS(`table.listing td.title a`)))
	waitFor(t, b, `document.querySelector("#id_is_permanent")`)
	b.Run(chromedp.Click(chromedp.CSS("#id_is_permanent")), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if code, _ := noFollow(d, "/write-to-us"); code != 302 {
		t.Errorf("after making it temporary: %d", code)
	}
	b.Run(chromedp.Navigate(alpha + "/admin/redirects/?q=team"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	b.Run(chromedp.Click(chromedp.CSS(`table.listing .actions-cell a`)))
	waitFor(t, b, `document.querySelector("button.danger")`)
	look(t, b, "redirect-delete")
	b.Run(chromedp.Click(chromedp.CSS("button.danger")))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if code, _ := noFollow(d, "/team/"); code != 404 {
		t.Errorf("a deleted redirect still answers: %d", code)
	}
	// Export: the rows as CSV, pages by their address.
	c := d.login("alpha.localhost", "alpha-admin")
	status, body := c.get("/admin/redirects/export/")
	if status != 200 || !strings.Contains(body, "/old-about,/about/,true") || !strings.Contains(body, "/write-to-us,/contact/,false") {
		t.Errorf("export: %d %q", status, body)
	}
	// An editor (no redirect permissions): no menu entry, screens refused.
	ed := d.login("alpha.localhost", "alpha-editor")
	if _, body := ed.get("/admin/"); strings.Contains(body, `href="/admin/redirects/"`) {
		t.Error("an editor sees Redirects in the menu")
	}
	for _, p := range []string{"/admin/redirects/", "/admin/redirects/add/", "/admin/redirects/import/", "/admin/redirects/export/"} {
		if status, _ := ed.get(p); status != 403 {
			t.Errorf("editor GET %s: %d", p, status)
		}
	}
	// Beta's admin never sees alpha's redirects, by list or by id.
	bc := d.login("beta.localhost", "beta-admin")
	if _, body := bc.get("/admin/redirects/"); strings.Contains(body, "old-about") {
		t.Error("beta's list shows alpha's redirect")
	}
	list, _, _ := d.svc.DB.Site(d.alpha.ID, nil).Redirects(ctx, "", 10, 0)
	for _, r := range list {
		for _, p := range []string{"/admin/redirects/%d/", "/admin/redirects/%d/delete/"} {
			if status, _ := bc.get(fmt.Sprintf(p, r.ID)); status != 404 {
				t.Errorf("beta GET %s: %d", fmt.Sprintf(p, r.ID), status)
			}
		}
		if status, _, _ := bc.post(fmt.Sprintf("/admin/redirects/%d/delete/", r.ID), nil); status != 404 {
			t.Errorf("beta deletes alpha's redirect %d: %d", r.ID, status)
		}
	}
	if after, _, _ := d.svc.DB.Site(d.alpha.ID, nil).Redirects(ctx, "", 10, 0); len(after) != len(list) {
		t.Error("beta's admin changed alpha's redirects")
	}
}

// namesBadLine: the preview names the bad row (line 3, its ftp: link).
func namesBadLine(s string) bool { return strings.Contains(s, "3") && strings.Contains(s, "ftp") }

// noFollow asks alpha's public site for a path without following redirects.
func noFollow(d *demo, path string) (int, string) {
	req, _ := http.NewRequest("GET", d.url+path, nil)
	req.Host = "alpha.localhost"
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}
