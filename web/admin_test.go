package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// client is one browser or script talking to one host.
type client struct {
	t      *testing.T
	f      *fixture
	host   string
	cookie string
	token  string
	hdr    map[string]string
}

func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	return c.doType(method, path, "application/json", body)
}

// doType sends body (JSON-encoded unless a string) with the given content type.
func (c *client) doType(method, path, contentType string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequest(method, c.f.url+path, rd)
	req.Host = c.host
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", "canopy_session="+c.cookie)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == "canopy_session" {
			c.cookie = ck.Value
		}
	}
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s %s: not JSON (%d): %s", method, path, res.StatusCode, b)
		}
	}
	return res.StatusCode, out
}

func errCode(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		return e["code"].(string)
	}
	return ""
}

// adminFixture adds users and groups: ed edits alpha (add+change on the home
// page, no publish), bea edits beta, root is a superuser.
type adminFixture struct {
	*fixture
	ed, bea, root *canopy.User
	alphaEditors  *canopy.Group
}

func newAdminFixture(t *testing.T, d sqlstore.Dialect) *adminFixture {
	f := &adminFixture{fixture: newFixture(t, d, true)}
	db := f.svc.DB
	mk := func(name string, super bool) *canopy.User {
		u, err := f.svc.CreateUser(ctx, service.NewUser{Username: name, Password: "password-" + name, IsSuperuser: super, Email: name + "@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.ed, f.bea, f.root = mk("ed", false), mk("bea", false), mk("root", true)
	var err error
	if f.alphaEditors, err = db.Site(f.alpha.ID, nil).CreateGroup(ctx, "Writers"); err != nil {
		t.Fatal(err)
	}
	must(t, db.Site(f.alpha.ID, nil).SetGroupGrants(ctx, f.alphaEditors.ID, []canopy.PageGrantRow{{PageID: f.alpha.RootPageID, Actions: []string{"add", "change"}}}, []string{"access_admin"}))
	must(t, db.Site(f.alpha.ID, nil).AddMember(ctx, f.alphaEditors.ID, f.ed.ID))
	bg, _ := db.Site(f.beta.ID, nil).CreateGroup(ctx, "Writers")
	must(t, db.Site(f.beta.ID, nil).SetGroupGrants(ctx, bg.ID, []canopy.PageGrantRow{{PageID: f.beta.RootPageID, Actions: perm6}}, []string{"access_admin"}))
	must(t, db.Site(f.beta.ID, nil).AddMember(ctx, bg.ID, f.bea.ID))
	return f
}

var perm6 = []string{"add", "change", "publish", "bulk_delete", "lock", "unlock"}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *adminFixture) login(host, user string) *client {
	c := &client{t: f.t, f: f.fixture, host: host}
	status, body := c.do("POST", "/admin/api/login", map[string]string{"username": user, "password": "password-" + user})
	if status != 200 || c.cookie == "" {
		f.t.Fatalf("login %s on %s: %d %v", user, host, status, body)
	}
	return c
}

func id(v any) string { return strconv.FormatInt(int64(v.(float64)), 10) }

func TestAdminAuth(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newAdminFixture(t, d)
			ed := f.login("alpha.test", "ed")
			status, me := ed.do("GET", "/admin/api/me", nil)
			if status != 200 || me["user"].(map[string]any)["username"] != "ed" || len(me["groups"].([]any)) != 1 ||
				me["explorer_root_page_id"].(float64) != float64(f.alpha.RootPageID) {
				t.Fatalf("me: %d %v", status, me)
			}
			// The session is bound to alpha: beta's host does not know it.
			onBeta := &client{t: t, f: f.fixture, host: "beta.test", cookie: ed.cookie}
			if status, body := onBeta.do("GET", "/admin/api/me", nil); status != 401 || errCode(body) != "unauthenticated" {
				t.Fatalf("alpha session on beta: %d %v", status, body)
			}
			// A wrong password and an unknown user get the same answer. Ed, who
			// has no account on beta, is told so, but only with his password.
			c := &client{t: t, f: f.fixture, host: "beta.test"}
			s1, b1 := c.do("POST", "/admin/api/login", map[string]string{"username": "ed", "password": "password-ed"})
			s2, b2 := c.do("POST", "/admin/api/login", map[string]string{"username": "nobody", "password": "whatever"})
			s3, b3 := c.do("POST", "/admin/api/login", map[string]string{"username": "bea", "password": "wrong"})
			s4, b4 := c.do("POST", "/admin/api/login", map[string]string{"username": "ed", "password": "wrong"})
			msg := func(b map[string]any) any { return b["error"].(map[string]any)["message"] }
			if s1 != 401 || s2 != 401 || s3 != 401 || s4 != 401 || msg(b2) != msg(b3) || msg(b3) != msg(b4) ||
				!strings.Contains(msg(b1).(string), "you have no account on this site") {
				t.Fatalf("failed logins: %d %v / %d %v / %d %v / %d %v", s1, b1, s2, b2, s3, b3, s4, b4)
			}
			// Tokens are bound to the site they were made on.
			status, tok := ed.do("POST", "/admin/api/tokens", map[string]any{"name": "script"})
			if status != 201 || !strings.HasPrefix(tok["token"].(string), "cnp_") {
				t.Fatalf("token: %d %v", status, tok)
			}
			script := &client{t: t, f: f.fixture, host: "alpha.test", token: tok["token"].(string)}
			if status, _ := script.do("GET", "/admin/api/me", nil); status != 200 {
				t.Fatalf("token on alpha: %d", status)
			}
			script.host = "beta.test"
			if status, _ := script.do("GET", "/admin/api/me", nil); status != 401 {
				t.Fatalf("alpha token on beta: %d", status)
			}
			script.host = "alpha.test"
			if status, _ := ed.do("DELETE", "/admin/api/tokens/"+id(tok["id"]), nil); status != 204 {
				t.Fatal("revoke token")
			}
			if status, _ := script.do("GET", "/admin/api/me", nil); status != 401 {
				t.Fatal("revoked token still works")
			}
			// Cookie-authenticated writes need same-origin proof; tokens do not.
			ed.hdr = map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}
			if status, body := ed.do("POST", "/admin/api/pages/"+strconv.FormatInt(f.alpha.RootPageID, 10)+"/children",
				map[string]any{"type": canopy.StandardType, "title": "CSRF"}); status != 403 || errCode(body) != "forbidden" {
				t.Fatalf("cross-origin cookie write: %d %v", status, body)
			}
			ed.hdr = nil
			// Logout revokes the session.
			old := ed.cookie
			if status, _ := ed.do("POST", "/admin/api/logout", nil); status != 204 {
				t.Fatal("logout")
			}
			ed.cookie = old
			if status, _ := ed.do("GET", "/admin/api/me", nil); status != 401 {
				t.Fatal("session works after logout")
			}
			// Throttling: after 5 failures even the right password is refused for a while.
			c = &client{t: t, f: f.fixture, host: "alpha.test"}
			for i := 0; i < 5; i++ {
				c.do("POST", "/admin/api/login", map[string]string{"username": "ed", "password": "nope"})
			}
			if status, body := c.do("POST", "/admin/api/login", map[string]string{"username": "ed", "password": "password-ed"}); status != 401 ||
				!strings.Contains(body["error"].(map[string]any)["message"].(string), "too many") {
				t.Fatalf("throttle: %d %v", status, body)
			}
		})
	}
}

func TestAdminPagesAndIsolation(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newAdminFixture(t, d)
			betaPage := f.page(f.beta, f.beta.RootPageID, canopy.StandardType, "Beta secret", true, nil)
			ed := f.login("alpha.test", "ed")
			home := strconv.FormatInt(f.alpha.RootPageID, 10)

			status, pg := ed.do("GET", "/admin/api/pages/"+home, nil)
			perms := strings.Join(toStrings(pg["permissions"]), ",")
			if status != 200 || !strings.Contains(perms, "add_subpage") || strings.Contains(perms, "publish") || strings.Contains(perms, "delete") {
				t.Fatalf("home for ed: %d %v", status, pg)
			}
			// Create a draft child: owned by ed.
			status, child := ed.do("POST", "/admin/api/pages/"+home+"/children", map[string]any{"type": canopy.StandardType, "title": "Ed's page",
				"fields": map[string]any{"body": "<p>hi<script>x</script></p>"}})
			if status != 201 || child["live"] != false || child["owner"].(float64) != float64(f.ed.ID) || child["fields"].(map[string]any)["body"] != "<p>hi</p>" {
				t.Fatalf("create child: %d %v", status, child)
			}
			cid := id(child["id"])
			// No publish grant: publishing is forbidden and changes nothing.
			if status, body := ed.do("POST", "/admin/api/pages/"+cid+"/publish", nil); status != 403 || errCode(body) != "forbidden" {
				t.Fatalf("publish without grant: %d %v", status, body)
			}
			if status, body := ed.do("POST", "/admin/api/pages/"+home+"/children", map[string]any{"type": canopy.StandardType, "title": "X", "publish": true}); status != 403 {
				t.Fatalf("create published without publish: %d %v", status, body)
			}
			// Saving over a newer revision is a conflict.
			base := child["latest_revision_id"]
			status, saved := ed.do("PATCH", "/admin/api/pages/"+cid, map[string]any{"title": "Ed's page v2", "base_revision_id": base})
			if status != 200 || saved["title"] != "Ed's page v2" {
				t.Fatalf("save: %d %v", status, saved)
			}
			if status, body := ed.do("PATCH", "/admin/api/pages/"+cid, map[string]any{"title": "stale", "base_revision_id": base}); status != 409 || errCode(body) != "conflict" {
				t.Fatalf("stale save: %d %v", status, body)
			}
			// Bad input.
			bad := []struct {
				method, path string
				body         any
				status       int
			}{
				{"POST", "/admin/api/pages/" + home + "/children", `{"type": "canopy.StandardPage", "title": `, 400},
				{"POST", "/admin/api/pages/" + home + "/children", map[string]any{"type": canopy.StandardType, "title": "x", "colour": "red"}, 400},
				{"POST", "/admin/api/pages/" + home + "/children", map[string]any{"type": "nope.Type", "title": "x"}, 400},
				{"POST", "/admin/api/pages/" + home + "/children", map[string]any{"type": canopy.StandardType, "title": ""}, 400},
				{"POST", "/admin/api/pages/" + cid + "/move", map[string]any{"parent_id": f.alpha.RootPageID + 999999}, 404},
				{"GET", "/admin/api/pages/abc", nil, 404},
				{"GET", "/admin/api/nope", nil, 404},
			}
			for _, b := range bad {
				if status, body := ed.do(b.method, b.path, b.body); status != b.status || errCode(body) == "" {
					t.Errorf("%s %s %v: %d %v, want %d", b.method, b.path, b.body, status, body, b.status)
				}
			}
			// Children listing carries each row's permissions.
			status, list := ed.do("GET", "/admin/api/pages/"+home+"/children", nil)
			if status != 200 || list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("children: %d %v", status, list)
			}
			row := list["items"].([]any)[0].(map[string]any)
			if !strings.Contains(strings.Join(toStrings(row["permissions"]), ","), "delete") {
				t.Fatalf("ed cannot delete his own draft: %v", row["permissions"])
			}
			// Isolation: every route with beta's page id answers 404 on alpha's host and changes nothing.
			bp := strconv.FormatInt(betaPage.ID, 10)
			root := &client{t: t, f: f.fixture, host: "alpha.test"}
			root = f.login("alpha.test", "root")
			for _, c := range []*client{ed, root} {
				for _, r := range []struct {
					method, path string
					body         any
				}{
					{"GET", "/admin/api/pages/" + bp, nil},
					{"GET", "/admin/api/pages/" + bp + "/children", nil},
					{"GET", "/admin/api/pages/" + bp + "/revisions", nil},
					{"PATCH", "/admin/api/pages/" + bp, map[string]any{"title": "hacked"}},
					{"POST", "/admin/api/pages/" + bp + "/publish", nil},
					{"POST", "/admin/api/pages/" + bp + "/unpublish", nil},
					{"POST", "/admin/api/pages/" + bp + "/lock", nil},
					{"POST", "/admin/api/pages/" + bp + "/children", map[string]any{"type": canopy.StandardType, "title": "x"}},
					{"POST", "/admin/api/pages/" + bp + "/move", map[string]any{"parent_id": f.alpha.RootPageID}},
					{"POST", "/admin/api/pages/" + cid + "/move", map[string]any{"parent_id": betaPage.ID}},
					{"POST", "/admin/api/pages/" + cid + "/copy", map[string]any{"parent_id": betaPage.ID}},
					{"DELETE", "/admin/api/pages/" + bp, nil},
				} {
					if status, body := c.do(r.method, r.path, r.body); status != 404 || errCode(body) != "not_found" {
						t.Errorf("%s %s as %s: %d %v", r.method, r.path, c.cookie[:4], status, body)
					}
				}
			}
			after, err := f.svc.Pages(f.beta.ID).Store().Page(ctx, betaPage.ID)
			if err != nil || after.Title != "Beta secret" || !after.Live || after.Locked || after.NumChild != 0 {
				t.Fatalf("beta page changed: %+v %v", after, err)
			}
			// The superuser may publish; the log records who did what, per site.
			if status, body := root.do("POST", "/admin/api/pages/"+cid+"/publish", nil); status != 200 || body["live"] != true {
				t.Fatalf("superuser publish: %d %v", status, body)
			}
			entries, _ := f.svc.DB.Site(f.alpha.ID, nil).LogEntries(ctx, 20)
			var actions []string
			for _, e := range entries {
				actions = append(actions, e.Action+":"+strconv.FormatInt(e.UserID, 10))
			}
			joined := strings.Join(actions, " ")
			for _, want := range []string{"publish:" + strconv.FormatInt(f.root.ID, 10), "edit:" + strconv.FormatInt(f.ed.ID, 10), "create:" + strconv.FormatInt(f.ed.ID, 10)} {
				if !strings.Contains(joined, want) {
					t.Errorf("log lacks %s: %s", want, joined)
				}
			}
			betaLog, _ := f.svc.DB.Site(f.beta.ID, nil).LogEntries(ctx, 50)
			for _, e := range betaLog {
				if e.SiteID != f.beta.ID || e.UserID == f.ed.ID || e.UserID == f.root.ID || strings.HasPrefix(e.ObjectTitle, "Ed's page") {
					t.Errorf("beta's log shows %+v", e)
				}
			}
		})
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

var httpClient = http.DefaultClient

// newRequest is a request as c would send it (its host and cookie), no body.
func newRequest(method, url string, c *client) (*http.Request, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, err
	}
	req.Host = c.host
	if c.cookie != "" {
		req.Header.Set("Cookie", "canopy_session="+c.cookie)
	}
	return req, nil
}
