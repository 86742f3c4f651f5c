package adminui_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
)

// TestFormTokenAndSize: the admin's CSRF token counts only in the form body
// (or the X-CSRF-Token header), never in the query string; a form body over
// the limit is answered 413 with a message about its size, not as an expired
// form; nothing is saved either way.
func TestFormTokenAndSize(t *testing.T) {
	d := newDemo(t, testdb.Dialects[0])
	c := d.login("alpha.localhost", "alpha-admin")
	about := d.page(d.alpha, "/about/")
	edit := fmt.Sprintf("/admin/pages/%d/edit/", about.ID)
	c.get(edit)
	token := c.csrf
	form := url.Values{"title": {"Token in the URL"}, "action": {"save"}, "base_revision": {fmt.Sprint(about.LatestRevisionID)}}
	if status, _, body := c.do("POST", edit+"?csrf="+url.QueryEscape(token), form); status != 403 || !strings.Contains(body, "CSRF") {
		t.Errorf("token in the query string: %d", status)
	}
	big := url.Values{"csrf": {token}, "title": {"Big"}, "action": {"save"}, "f.intro": {strings.Repeat("x", 5<<20)}}
	status, _, body := c.do("POST", edit, big)
	if status != 413 || !strings.Contains(body, "larger than") || strings.Contains(body, "expired") {
		t.Errorf("oversized form: %d %s", status, excerpt(body, "larger"))
	}
	if p := d.page(d.alpha, "/about/"); p.LatestRevisionID != about.LatestRevisionID {
		t.Fatal("saved")
	}
	// The login form too: no token from the query string, a clear 413.
	l := d.client("alpha.localhost")
	l.get("/admin/login/")
	if status, _, body := l.do("POST", "/admin/login/?csrf="+url.QueryEscape(l.csrf), url.Values{"username": {"alpha-admin"}, "password": {d.password["alpha-admin"]}}); status != 403 {
		t.Errorf("login with the token in the query string: %d %s", status, excerpt(body, "error"))
	}
	l.get("/admin/login/")
	if status, _, body := l.post("/admin/login/", url.Values{"username": {strings.Repeat("u", 5<<20)}, "password": {"x"}}); status != 413 || !strings.Contains(body, "larger than") {
		t.Errorf("oversized login: %d %s", status, excerpt(body, "larger"))
	}
}

// excerpt is the part of body around the first s (for failure messages).
func excerpt(body, s string) string {
	i := strings.Index(body, s)
	if i < 0 {
		return fmt.Sprintf("(%d bytes, no %q)", len(body), s)
	}
	return body[max(0, i-200):min(len(body), i+200)]
}

// TestAdminSearchCoversTheLibrary: the header's search looks in this site's
// pages, images, documents and snippets (each area with its count, only the
// areas the user may see), lists the chosen area a page at a time, and never
// finds or counts another site's objects, which have the same words.
func TestAdminSearchCoversTheLibrary(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := newDemo(t, dialect)
			for _, site := range []*canopy.Site{d.alpha, d.beta} {
				u, _ := d.svc.DB.UserByUsername(ctx, "admin")
				a, err := d.svc.AdminFor(ctx, site, u)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := a.UploadDocument(ctx, service.Upload{Filename: "timetable.pdf", Title: "Observatory timetable", Data: []byte("%PDF-1.4\n%%EOF\n")}); err != nil {
					t.Fatal(err)
				}
			}
			c := d.login("alpha.localhost", "alpha-admin")
			area := func(body, label string) string {
				i := strings.Index(body, `aria-label="Search in"`)
				if i < 0 {
					return ""
				}
				nav := body[i:]
				nav = nav[:strings.Index(nav, "</nav>")]
				j := strings.Index(nav, ">"+label+" <span class=\"count\">")
				if j < 0 {
					return ""
				}
				rest := nav[j+len(label)+len(` <span class="count">`)+1:]
				return rest[:strings.Index(rest, "<")]
			}
			// Images: the demo's banner; the first area with matches is shown.
			status, body := c.get("/admin/search/?q=banner")
			if status != 200 || area(body, "Images") != "1" || area(body, "Pages") != "0" || !strings.Contains(body, "Alpha Physics Department banner") {
				t.Errorf("search banner: %d images=%q pages=%q", status, area(body, "Images"), area(body, "Pages"))
			}
			if strings.Contains(body, "Beta Gardening Club banner") {
				t.Error("alpha's search shows beta's image")
			}
			// Documents, by a stemmed word of the title, with a download link.
			_, body = c.get("/admin/search/?q=observatories&in=documents")
			if area(body, "Documents") != "1" || !strings.Contains(body, "Observatory timetable") || !strings.Contains(body, "timetable.pdf") {
				t.Errorf("search documents: %q", area(body, "Documents"))
			}
			// Snippets of each type the user may see: beta has a "Main Hall" too.
			_, body = c.get("/admin/search/?q=" + url.QueryEscape("main hall") + "&in=snippet:location")
			if area(body, "Location") != "1" || !strings.Contains(body, "Main Hall") {
				t.Errorf("search snippets: %q", area(body, "Location"))
			}
			// Pages stay the explorer's search, drafts included.
			_, body = c.get("/admin/search/?q=plans&in=pages")
			if area(body, "Pages") != "1" || !strings.Contains(body, "Plans for next year") {
				t.Errorf("search pages: %q", area(body, "Pages"))
			}
			// Bad input: a friendly message, never an error page.
			for _, q := range []string{`:-)`, `"(`, "of the *", strings.Repeat("x", 201)} {
				status, body := c.get("/admin/search/?q=" + url.QueryEscape(q))
				if status != 200 || !strings.Contains(body, `role="alert"`) {
					t.Errorf("search %q: %d without a message", q, status)
				}
			}
			// An area the user may not see is neither counted nor listed:
			// editors without their collection grants see no images or
			// documents (and asking for that area shows the first other).
			su, _ := d.svc.DB.UserByUsername(ctx, "admin")
			a, err := d.svc.AdminFor(ctx, d.alpha, su)
			if err != nil {
				t.Fatal(err)
			}
			var editors *canopy.Group
			groups, _ := a.Groups(ctx)
			for _, g := range groups {
				if g.Name == "Editors" {
					editors = g
				}
			}
			grants, err := a.GroupGrants(ctx, editors.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.SetGroupGrants(ctx, editors.ID, grants.Pages, grants.Models, nil); err != nil {
				t.Fatal(err)
			}
			ed := d.login("alpha.localhost", "alpha-editor")
			_, body = ed.get("/admin/search/?q=" + url.QueryEscape("alpha banner") + "&in=images")
			if strings.Contains(body, ">Images <") || strings.Contains(body, ">Documents <") || strings.Contains(body, "banner.jpg") || area(body, "Pages") == "" {
				t.Error("an area the editor may not see is offered, or pages are not")
			}
		})
	}
}

// TestAdminSearchUsesTheIndex: the admin's page search (the explorer's and
// the choosers') finds pages by their newest draft, with stemming and the
// last word as a prefix while one types, on this site only.
func TestAdminSearchUsesTheIndex(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := newDemo(t, dialect)
			about := d.page(d.alpha, "/about/")
			c := d.login("alpha.localhost", "alpha-admin")
			edit := fmt.Sprintf("/admin/pages/%d/edit/", about.ID)
			c.get(edit)
			if status, _, _ := c.post(edit, url.Values{"title": {"About the observatories"}, "f.intro": {"Nebulae everywhere."}, "action": {"save"},
				"base_revision": {fmt.Sprint(about.LatestRevisionID)}}); status != 303 {
				t.Fatalf("save a draft: %d", status)
			}
			// The shell's search box (not on the search screen, which has its own).
			if _, body := c.get("/admin/"); !strings.Contains(body, `id="shell-search"`) || !strings.Contains(body, `action="/admin/search/"`) {
				t.Error("the dashboard has no search box")
			}
			if _, body := c.get("/admin/search/?q=about"); strings.Contains(body, `id="shell-search"`) {
				t.Error("the search screen repeats the shell's search box")
			}
			for _, q := range []string{"observatory", "observ", "nebula"} {
				status, body := c.get("/admin/search/pages/?q=" + url.QueryEscape(q))
				if status != 200 || !strings.Contains(body, fmt.Sprintf("/admin/pages/%d/edit/", about.ID)) {
					t.Errorf("admin search %q: %d, the draft's page not found", q, status)
				}
			}
			// The public site does not know the draft's words.
			if code, body := d.publicGet("alpha.localhost", "/search/?q=observatory"); code != 200 || !strings.Contains(body, "No pages match") {
				t.Errorf("public search finds a draft: %d", code)
			}
			// Beta's pages are never found from alpha.
			beta := d.page(d.beta, "/")
			if _, body := c.get("/admin/search/pages/?q=" + url.QueryEscape(beta.Title)); strings.Contains(body, fmt.Sprintf("/admin/pages/%d/", beta.ID)) {
				t.Error("alpha's admin search finds beta's home page")
			}
		})
	}
}
