package adminui_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// client is a browser without JavaScript: cookies, forms, no redirects followed.
type client struct {
	t    testing.TB
	d    *demo
	host string
	jar  *cookiejar.Jar
	csrf string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (d *demo) client(host string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: d.t, d: d, host: host, jar: jar}
}

func (c *client) do(method, path string, form url.Values) (int, http.Header, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.d.url+path, body)
	req.Host = c.host + ":" + c.d.port
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://"+req.Host)
	}
	u, _ := url.Parse("http://" + c.host + path)
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	c.jar.SetCookies(u, res.Cookies())
	b, _ := io.ReadAll(res.Body)
	if m := csrfRE.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return res.StatusCode, res.Header, string(b)
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	status, _, body := c.do("GET", path, nil)
	return status, body
}

// post sends a form with the CSRF token of the last page read.
func (c *client) post(path string, form url.Values) (int, http.Header, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	return c.do("POST", path, form)
}

func (d *demo) login(host, username string) *client {
	d.t.Helper()
	c := d.client(host)
	c.get("/admin/login/")
	status, h, body := c.post("/admin/login/", url.Values{"username": {username}, "password": {d.password[username]}, "next": {"/admin/"}})
	if status != 303 {
		d.t.Fatalf("login %s on %s: %d %v %s", username, host, status, h, body)
	}
	c.get("/admin/")
	return c
}

// actionLinks lists the actions menu of each explorer row, by page id.
var rowRE = regexp.MustCompile(`(?s)<summary aria-label="Actions for ([^"]*)">Actions</summary>\s*<div class="dropdown-menu">(.*?)</div>`)
var hrefRE = regexp.MustCompile(`href="(/admin/pages/(\d+)/[a-z]+/|[^"]*)"`)

func menuActions(html string) map[string][]string {
	out := map[string][]string{}
	for _, m := range rowRE.FindAllStringSubmatch(html, -1) {
		var acts []string
		for _, h := range hrefRE.FindAllStringSubmatch(m[2], -1) {
			switch {
			case strings.HasSuffix(h[1], "/edit/"):
				acts = append(acts, "edit")
			case strings.HasSuffix(h[1], "/add/"):
				acts = append(acts, "add_subpage")
			case strings.HasSuffix(h[1], "/move/"):
				acts = append(acts, "move")
			case strings.HasSuffix(h[1], "/copy/"):
				acts = append(acts, "copy")
			case strings.HasSuffix(h[1], "/delete/"):
				acts = append(acts, "delete")
			case strings.HasSuffix(h[1], "/unpublish/"):
				acts = append(acts, "unpublish")
			case strings.HasSuffix(h[1], "/revisions/"):
				acts = append(acts, "view_revisions")
			case strings.HasSuffix(h[1], "/history/"):
				// History and Revisions come together (view_revisions).
			case strings.HasSuffix(h[1], "/reorder/"):
				acts = append(acts, "reorder")
			default:
				acts = append(acts, "view_live")
			}
		}
		sort.Strings(acts)
		out[m[1]] = acts
	}
	return out
}

// expected is what the explorer should offer for a page given the engine's actions.
func expected(p *service.PageWithActions) []string {
	var out []string
	for _, a := range p.Permissions {
		switch a {
		case "edit", "add_subpage", "move", "copy", "delete", "view_revisions", "reorder":
			out = append(out, a)
		case "unpublish":
			if p.Live {
				out = append(out, a)
			}
		}
	}
	if p.Live {
		out = append(out, "view_live")
	}
	sort.Strings(out)
	return out
}

// TestExplorerControlsFollowTheEngine: for every demo role on alpha and on
// beta, each explorer row offers exactly the actions the permission engine
// allows, and the editor's buttons follow the engine too.
func TestExplorerControlsFollowTheEngine(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := newDemo(t, dialect)
			for _, role := range []struct{ host, user string }{{"alpha.localhost", "alpha-editor"}, {"alpha.localhost", "alpha-moderator"},
				{"alpha.localhost", "alpha-admin"}, {"alpha.localhost", "admin"}, {"beta.localhost", "beta-admin"}, {"beta.localhost", "admin"}} {
				site := d.alpha
				if role.host == "beta.localhost" {
					site = d.beta
				}
				c := d.login(role.host, role.user)
				u, err := d.svc.DB.UserByUsername(ctx, role.user)
				if err != nil {
					t.Fatal(err)
				}
				a, err := d.svc.AdminFor(ctx, site, u)
				if err != nil {
					t.Fatal(err)
				}
				for _, path := range []string{"/", "/news/", "/events/"} {
					parent := d.page(site, path)
					status, body := c.get(fmt.Sprintf("/admin/pages/%d/", parent.ID))
					if status != 200 {
						t.Fatalf("%s explorer %s: %d", role.user, path, status)
					}
					kids, err := a.Children(ctx, parent.ID)
					if err != nil {
						t.Fatal(err)
					}
					got := menuActions(body)
					for _, k := range kids {
						if want := expected(k); !slices.Equal(got[k.Title], want) {
							t.Errorf("%s on %s, row %q: menu %v, engine %v", role.user, role.host, k.Title, got[k.Title], want)
						}
					}
					// The editor's buttons.
					for _, row := range kids[:1] {
						// The editor knows the page's moderation facts (submit needs them).
						k, err := a.Page(ctx, row.ID)
						if err != nil {
							t.Fatal(err)
						}
						status, body := c.get(fmt.Sprintf("/admin/pages/%d/edit/", k.ID))
						if !has(k.Permissions, "edit") {
							if status != 403 && status != 200 {
								t.Errorf("%s editor of %q without edit: %d", role.user, k.Title, status)
							}
							continue
						}
						for action, button := range map[string]string{"publish": `value="publish"`, "submit": `value="submit"`, "lock": `/lock/"`} {
							if has(k.Permissions, action) != strings.Contains(body, button) {
								t.Errorf("%s editor of %q: engine says %s=%v, the button disagrees", role.user, k.Title, action, has(k.Permissions, action))
							}
						}
					}
				}
			}
		})
	}
}

func has(list []string, s string) bool { return slices.Contains(list, s) }

// TestAdminUIIsolation: an admin of alpha asking alpha's admin for beta's
// pages, in any URL, gets 404 and changes nothing; choosers and searches
// never offer beta's objects.
func TestAdminUIIsolation(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := newDemo(t, dialect)
			c := d.login("alpha.localhost", "alpha-admin")
			betaAbout := d.page(d.beta, "/about/")
			betaHome := d.page(d.beta, "/")
			for _, path := range []string{"/admin/pages/%d/", "/admin/pages/%d/edit/", "/admin/pages/%d/add/", "/admin/pages/%d/add/canopy.StandardPage/",
				"/admin/pages/%d/move/", "/admin/pages/%d/copy/", "/admin/pages/%d/delete/", "/admin/pages/%d/unpublish/", "/admin/pages/%d/reorder/",
				"/admin/pages/%d/revisions/", "/admin/pages/%d/revisions/compare/?a=live&b=latest", "/admin/choose/page/?parent=%d",
				"/admin/pages/%d/history/", "/admin/pages/%d/history/?action=edit", "/admin/pages/%d/?ordering=title"} {
				for _, id := range []int64{betaAbout.ID, betaHome.ID} {
					p := fmt.Sprintf(path, id)
					if status, body := c.get(p); status != 404 {
						t.Errorf("GET %s: %d %.200s", p, status, body)
					}
				}
			}
			c.get("/admin/")
			for _, path := range []string{"/admin/pages/%d/edit/", "/admin/pages/%d/delete/", "/admin/pages/%d/unpublish/", "/admin/pages/%d/lock/",
				"/admin/pages/%d/move/", "/admin/pages/%d/copy/", "/admin/pages/%d/workflow/", "/admin/pages/%d/preview/"} {
				p := fmt.Sprintf(path, betaAbout.ID)
				form := url.Values{"title": {"Hijacked"}, "destination": {fmt.Sprint(d.page(d.alpha, "/").ID)}, "workflow": {"cancel"}}
				if status, _, body := c.post(p, form); status != 404 {
					t.Errorf("POST %s: %d %.200s", p, status, body)
				}
			}
			// Moving alpha's page under beta's home is refused too.
			alphaAbout := d.page(d.alpha, "/about/")
			if status, _, _ := c.post(fmt.Sprintf("/admin/pages/%d/move/", alphaAbout.ID), url.Values{"destination": {fmt.Sprint(betaHome.ID)}}); status != 404 {
				t.Errorf("move under beta's home: %d", status)
			}
			if p := d.page(d.beta, "/about/"); p.Title != "About" || !p.Live {
				t.Fatalf("beta's page changed: %+v", p)
			}
			if len(d.page(d.alpha, "/about/").Path) != len(alphaAbout.Path) {
				t.Fatal("alpha's page moved")
			}
			// Choosers and searches show only alpha's objects.
			for _, path := range []string{"/admin/choose/page/?q=Beta", "/admin/search/pages/?q=Beta", "/admin/search/?q=Beta&in=images", "/admin/search/?q=Gardening", "/admin/choose/image/?q=Beta",
				"/admin/choose/image/", "/admin/choose/document/", "/admin/choose/snippet/location/?q=Main", "/admin/choose/page/?q=About"} {
				status, body := c.get(path)
				if status != 200 || strings.Contains(body, "Beta Gardening") || strings.Contains(body, fmt.Sprintf(`data-id="%d"`, betaAbout.ID)) {
					t.Errorf("%s: %d, shows beta: %v", path, status, strings.Contains(body, "Beta Gardening"))
				}
			}
			betaSnippets, _, err := d.svc.DB.Site(d.beta.ID, d.svc.Types).Snippets(ctx, canopy.LocationType, "", 10, 0)
			if err != nil || len(betaSnippets) == 0 {
				t.Fatal(err)
			}
			_, body := c.get("/admin/choose/snippet/location/")
			for _, sn := range betaSnippets {
				if strings.Contains(body, fmt.Sprintf(`data-id="%d"`, sn.ID)) {
					t.Errorf("alpha's snippet chooser offers beta's snippet %d", sn.ID)
				}
			}
			// A form that names beta's snippet or page is refused beside the field.
			ev := d.page(d.alpha, "/events/")
			c.get(fmt.Sprintf("/admin/pages/%d/add/canopy.EventPage/", ev.ID))
			status, _, body := c.post(fmt.Sprintf("/admin/pages/%d/add/canopy.EventPage/", ev.ID), url.Values{"title": {"Sneaky"},
				"f.start": {"2027-01-01T10:00"}, "f.location": {fmt.Sprint(betaSnippets[0].ID)}, "f.related": {fmt.Sprint(betaAbout.ID)}})
			if status != 400 || !strings.Contains(body, `id="id_f_location-error"`) && !strings.Contains(body, `id="id_f_related-error"`) {
				t.Errorf("event naming beta's objects: %d %.300s", status, body)
			}
			if _, err := d.svc.DB.Site(d.alpha.ID, d.svc.Types).PageByURLPath(ctx, "/events/sneaky/"); err == nil {
				t.Error("the page was created")
			}
		})
	}
}

// TestAdminUIForms: CSRF, per-field errors with the input kept, an expired
// session that keeps the typed content, the login page's answers.
func TestAdminUIForms(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := newDemo(t, dialect)
			c := d.login("alpha.localhost", "alpha-admin")
			about := d.page(d.alpha, "/about/")
			edit := fmt.Sprintf("/admin/pages/%d/edit/", about.ID)
			c.get(edit)
			// No CSRF token: refused, nothing saved.
			if status, _, body := c.do("POST", edit, url.Values{"title": {"No token"}, "action": {"save"}}); status != 403 || !strings.Contains(body, "CSRF") {
				t.Errorf("no CSRF token: %d", status)
			}
			if status, _, _ := c.do("POST", edit, url.Values{"csrf": {"forged"}, "title": {"No token"}}); status != 403 {
				t.Errorf("wrong CSRF token: %d", status)
			}
			if p := d.page(d.alpha, "/about/"); p.LatestRevisionID != about.LatestRevisionID {
				t.Fatal("saved without a CSRF token")
			}
			// Every error beside its field, the input kept.
			c.get(edit)
			status, _, body := c.post(edit, url.Values{"title": {""}, "slug": {"Not A Slug"}, "f.intro": {"Kept intro"}, "go_live_at": {"tomorrow"},
				"base_revision": {fmt.Sprint(about.LatestRevisionID)}, "action": {"save"}})
			if status != 400 {
				t.Fatalf("bad input: %d", status)
			}
			for _, want := range []string{`id="id_title-error"`, `id="id_slug-error"`, `id="id_go_live_at-error"`, "Kept intro", `value="Not A Slug"`,
				`href="#id_title"`, "Please fix these 3 problems"} {
				if !strings.Contains(body, want) {
					t.Errorf("bad input page lacks %s", want)
				}
			}
			if p := d.page(d.alpha, "/about/"); p.LatestRevisionID != about.LatestRevisionID {
				t.Fatal("invalid input was saved")
			}
			// The copy form keeps its input and says what is wrong beside the field.
			c.get(fmt.Sprintf("/admin/pages/%d/copy/", about.ID))
			status, _, body = c.post(fmt.Sprintf("/admin/pages/%d/copy/", about.ID), url.Values{"destination": {fmt.Sprint(about.ParentID)},
				"slug": {"contact"}, "title": {"About (copy)"}})
			if status != 400 || !strings.Contains(body, `id="id_slug-error"`) || !strings.Contains(body, `value="contact"`) {
				t.Errorf("copy onto a taken slug: %d %.300s", status, body)
			}
			// An expired session: the typed content is kept through the login.
			c.get(edit)
			token := c.csrf
			if err := d.svc.EndSession(ctx, sessionOf(c)); err != nil {
				t.Fatal(err)
			}
			status, _, body = c.do("POST", edit, url.Values{"csrf": {token}, "title": {"Typed before expiry"}, "f.intro": {"Also kept"},
				"base_revision": {fmt.Sprint(about.LatestRevisionID)}, "action": {"save"}})
			if status != 401 || !strings.Contains(body, `name="resume"`) || !strings.Contains(body, "Log in again") {
				t.Fatalf("expired session: %d %.300s", status, body)
			}
			resume := regexp.MustCompile(`name="resume" value="([^"]+)"`).FindStringSubmatch(body)[1]
			status, _, body = c.post("/admin/login/", url.Values{"username": {"alpha-admin"}, "password": {d.password["alpha-admin"]}, "resume": {resume}})
			if status != 200 || !strings.Contains(body, `value="Typed before expiry"`) || !strings.Contains(body, "Continue editing") {
				t.Fatalf("after logging in again: %d %.300s", status, body)
			}
			form := url.Values{}
			for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
				form.Add(m[1], strings.ReplaceAll(m[2], "&#34;", `"`))
			}
			status, _, body = c.do("POST", edit, form)
			if status != 200 || !strings.Contains(body, `value="Typed before expiry"`) || !strings.Contains(body, "Also kept") {
				t.Fatalf("restored form: %d", status)
			}
			if p := d.page(d.alpha, "/about/"); p.LatestRevisionID != about.LatestRevisionID {
				t.Fatal("the restored form was saved without the user asking")
			}
			// A tampered resume is ignored.
			c2 := d.client("alpha.localhost")
			c2.get("/admin/login/")
			if status, h, _ := c2.post("/admin/login/", url.Values{"username": {"alpha-admin"}, "password": {d.password["alpha-admin"]}, "resume": {resume + "x"}}); status != 303 || h.Get("Location") != "/admin/" {
				t.Errorf("tampered resume: %d %v", status, h)
			}
		})
	}
}

func sessionOf(c *client) string {
	u, _ := url.Parse("http://" + c.host + "/")
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == "canopy_session" {
			return ck.Value
		}
	}
	return ""
}

// TestAdminUILogin: one answer for a wrong password and an unknown user;
// inactive accounts and people with no account here are told so (only with
// the right password); throttling is said.
func TestAdminUILogin(t *testing.T) {
	d := newDemo(t, testdb.Dialects[0])
	try := func(host, user, pass string) (int, string) {
		c := d.client(host)
		c.get("/admin/login/")
		status, _, body := c.post("/admin/login/", url.Values{"username": {user}, "password": {pass}})
		return status, body
	}
	_, wrong := try("alpha.localhost", "alpha-editor", "nope")
	_, unknown := try("alpha.localhost", "nobody-here", "nope")
	msg := regexp.MustCompile(`id="login-error">([^<]*)<`)
	if m1, m2 := msg.FindStringSubmatch(wrong), msg.FindStringSubmatch(unknown); m1 == nil || m2 == nil || m1[1] != m2[1] {
		t.Errorf("wrong password %q vs unknown user %q", m1, m2)
	}
	if _, body := try("beta.localhost", "alpha-editor", d.password["alpha-editor"]); !strings.Contains(body, "You have no account on Beta Gardening Club") {
		t.Errorf("no account on beta: %.300s", body)
	}
	u, _ := d.svc.DB.UserByUsername(ctx, "alpha-moderator")
	if _, err := d.svc.DB.Site(d.alpha.ID, nil).UpdateMember(ctx, u.ID, sqlstoreUpdateInactive()); err != nil {
		t.Fatal(err)
	}
	if _, body := try("alpha.localhost", "alpha-moderator", d.password["alpha-moderator"]); !strings.Contains(body, "This account is inactive") {
		t.Errorf("inactive: %.300s", body)
	}
	for i := 0; i < 5; i++ {
		try("alpha.localhost", "alpha-admin", "wrong")
	}
	if status, body := try("alpha.localhost", "alpha-admin", d.password["alpha-admin"]); status != 401 || !strings.Contains(body, "too many failed password attempts") {
		t.Errorf("throttled: %d", status)
	}
	// The login form works with password managers and allows paste.
	_, page := d.client("alpha.localhost").get("/admin/login/")
	for _, want := range []string{`autocomplete="username"`, `autocomplete="current-password"`, `type="password"`} {
		if !strings.Contains(page, want) {
			t.Errorf("login form lacks %s", want)
		}
	}
	if strings.Contains(page, "onpaste") {
		t.Error("login form blocks paste")
	}
}

func sqlstoreUpdateInactive() sqlstore.UserUpdate {
	f := false
	return sqlstore.UserUpdate{IsActive: &f}
}

// TestChoosersPreviewAndLinks: a snippet created inside its chooser is
// chosen; a preview is private to its author and never cached; a rich-text
// link to a page follows the page when it moves.
func TestChoosersPreviewAndLinks(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := newDemo(t, dialect)
			c := d.login("alpha.localhost", "alpha-admin")
			// Create a snippet from inside the chooser; a duplicate name is refused in the form.
			c.get("/admin/choose/snippet/location/")
			req := func(path string, form url.Values) (int, string) {
				form.Set("csrf", c.csrf)
				r, _ := http.NewRequest("POST", d.url+path, strings.NewReader(form.Encode()))
				r.Host = "alpha.localhost:" + d.port
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("X-Requested-With", "canopy")
				u, _ := url.Parse("http://alpha.localhost/")
				for _, ck := range c.jar.Cookies(u) {
					r.AddCookie(ck)
				}
				res, err := http.DefaultClient.Do(r)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			status, body := req("/admin/choose/snippet/location/", url.Values{"name": {"Lecture Theatre"}, "building_name": {"Main"}})
			if status != 200 || !strings.Contains(body, `data-chosen`) || !strings.Contains(body, `data-title="Lecture Theatre"`) {
				t.Fatalf("create in chooser: %d %.300s", status, body)
			}
			status, body = req("/admin/choose/snippet/location/", url.Values{"name": {"Lecture Theatre"}})
			if status != 200 || strings.Contains(body, "data-chosen") || !strings.Contains(body, "field-error") {
				t.Errorf("duplicate snippet: %d %.300s", status, body)
			}
			// Preview: the author sees it, noindex and uncached; anyone else does not.
			about := d.page(d.alpha, "/about/")
			c.get(fmt.Sprintf("/admin/pages/%d/edit/", about.ID))
			status, h, _ := c.post(fmt.Sprintf("/admin/pages/%d/preview/", about.ID), url.Values{"title": {"About (preview)"}, "f.intro": {"Only a preview"}})
			if status != 303 || !strings.HasPrefix(h.Get("Location"), "/admin/preview/") {
				t.Fatalf("preview: %d %v", status, h)
			}
			render := h.Get("Location") + "render/"
			status, h, body = c.do("GET", render, nil)
			if status != 200 || !strings.Contains(body, "About (preview)") || h.Get("Cache-Control") != "no-store, private" ||
				!strings.Contains(h.Get("X-Robots-Tag"), "noindex") || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'none'") {
				t.Errorf("preview render: %d %v", status, h)
			}
			if p := d.page(d.alpha, "/about/"); p.LatestRevisionID != about.LatestRevisionID {
				t.Error("a preview saved a revision")
			}
			other := d.login("alpha.localhost", "alpha-editor")
			if status, _ := other.get(render); status != 404 {
				t.Errorf("another user's preview: %d", status)
			}
			if status, _, _ := d.client("alpha.localhost").do("GET", render, nil); status != 303 {
				t.Errorf("anonymous preview: %d", status)
			}
			if status, _ := d.login("beta.localhost", "beta-admin").get(render); status != 404 {
				t.Errorf("preview on another site: %d", status)
			}
			// A rich-text link to Contact follows it when it moves under News.
			contact, news := d.page(d.alpha, "/contact/"), d.page(d.alpha, "/news/")
			c.get(fmt.Sprintf("/admin/pages/%d/edit/", about.ID))
			status, _, body = c.post(fmt.Sprintf("/admin/pages/%d/edit/", about.ID), url.Values{"title": {"About"}, "base_revision": {fmt.Sprint(about.LatestRevisionID)},
				"f.body": {fmt.Sprintf(`<p>Write via <a href="/contact/" data-page-id="%d">the contact page</a>.</p>`, contact.ID)}, "action": {"publish"}})
			if status != 303 {
				t.Fatalf("publish with a page link: %d %.300s", status, body)
			}
			if _, body := d.publicGet("alpha.localhost", "/about/"); !strings.Contains(body, `href="/contact/"`) {
				t.Fatalf("page link before the move: %.500s", body)
			}
			c.get(fmt.Sprintf("/admin/pages/%d/move/?parent=%d", contact.ID, news.ID))
			if status, _, body := c.post(fmt.Sprintf("/admin/pages/%d/move/", contact.ID), url.Values{"destination": {fmt.Sprint(news.ID)}}); status != 303 {
				t.Fatalf("move: %d %.300s", status, body)
			}
			if _, body := d.publicGet("alpha.localhost", "/about/"); !strings.Contains(body, `href="/news/contact/"`) {
				t.Errorf("page link after the move: %.800s", body)
			}
		})
	}
}
