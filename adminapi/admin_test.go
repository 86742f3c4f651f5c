package adminapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
)

func TestAdminAuth(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			ed := f.Login("alpha.test", "ed")
			status, me := ed.Do("GET", "/admin/api/me", nil)
			if status != 200 || me["user"].(map[string]any)["username"] != "ed" || len(me["groups"].([]any)) != 1 ||
				me["explorer_root_page_id"].(float64) != float64(f.Alpha.RootPageID) {
				t.Fatalf("me: %d %v", status, me)
			}
			// The session is bound to alpha: beta's host does not know it.
			onBeta := &testserver.Client{T: t, F: f.Fixture, Host: "beta.test", Cookie: ed.Cookie}
			if status, body := onBeta.Do("GET", "/admin/api/me", nil); status != 401 || testserver.ErrCode(body) != "unauthenticated" {
				t.Fatalf("alpha session on beta: %d %v", status, body)
			}
			// A wrong password and an unknown user get the same answer. Ed, who
			// has no account on beta, is told so, but only with his password.
			c := &testserver.Client{T: t, F: f.Fixture, Host: "beta.test"}
			s1, b1 := c.Do("POST", "/admin/api/login", map[string]string{"username": "ed", "password": "password-ed"})
			s2, b2 := c.Do("POST", "/admin/api/login", map[string]string{"username": "nobody", "password": "whatever"})
			s3, b3 := c.Do("POST", "/admin/api/login", map[string]string{"username": "bea", "password": "wrong"})
			s4, b4 := c.Do("POST", "/admin/api/login", map[string]string{"username": "ed", "password": "wrong"})
			msg := func(b map[string]any) any { return b["error"].(map[string]any)["message"] }
			if s1 != 401 || s2 != 401 || s3 != 401 || s4 != 401 || msg(b2) != msg(b3) || msg(b3) != msg(b4) ||
				!strings.Contains(msg(b1).(string), "you have no account on this site") {
				t.Fatalf("failed logins: %d %v / %d %v / %d %v / %d %v", s1, b1, s2, b2, s3, b3, s4, b4)
			}
			// Tokens are bound to the site they were made on.
			status, tok := ed.Do("POST", "/admin/api/tokens", map[string]any{"name": "script"})
			if status != 201 || !strings.HasPrefix(tok["token"].(string), "cnp_") {
				t.Fatalf("token: %d %v", status, tok)
			}
			script := &testserver.Client{T: t, F: f.Fixture, Host: "alpha.test", Token: tok["token"].(string)}
			if status, _ := script.Do("GET", "/admin/api/me", nil); status != 200 {
				t.Fatalf("token on alpha: %d", status)
			}
			script.Host = "beta.test"
			if status, _ := script.Do("GET", "/admin/api/me", nil); status != 401 {
				t.Fatalf("alpha token on beta: %d", status)
			}
			script.Host = "alpha.test"
			if status, _ := ed.Do("DELETE", "/admin/api/tokens/"+testserver.ID(tok["id"]), nil); status != 204 {
				t.Fatal("revoke token")
			}
			if status, _ := script.Do("GET", "/admin/api/me", nil); status != 401 {
				t.Fatal("revoked token still works")
			}
			// Cookie-authenticated writes need same-origin proof; tokens do not.
			ed.Hdr = map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}
			if status, body := ed.Do("POST", "/admin/api/pages/"+strconv.FormatInt(f.Alpha.RootPageID, 10)+"/children",
				map[string]any{"type": canopy.StandardType, "title": "CSRF"}); status != 403 || testserver.ErrCode(body) != "forbidden" {
				t.Fatalf("cross-origin cookie write: %d %v", status, body)
			}
			ed.Hdr = nil
			// Logout revokes the session.
			old := ed.Cookie
			if status, _ := ed.Do("POST", "/admin/api/logout", nil); status != 204 {
				t.Fatal("logout")
			}
			ed.Cookie = old
			if status, _ := ed.Do("GET", "/admin/api/me", nil); status != 401 {
				t.Fatal("session works after logout")
			}
			// Throttling: after 5 failures even the right password is refused for a while.
			c = &testserver.Client{T: t, F: f.Fixture, Host: "alpha.test"}
			for i := 0; i < 5; i++ {
				c.Do("POST", "/admin/api/login", map[string]string{"username": "ed", "password": "nope"})
			}
			if status, body := c.Do("POST", "/admin/api/login", map[string]string{"username": "ed", "password": "password-ed"}); status != 401 ||
				!strings.Contains(body["error"].(map[string]any)["message"].(string), "too many") {
				t.Fatalf("throttle: %d %v", status, body)
			}
		})
	}
}

func TestAdminPagesAndIsolation(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			betaPage := f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "Beta secret", true, nil)
			ed := f.Login("alpha.test", "ed")
			home := strconv.FormatInt(f.Alpha.RootPageID, 10)

			status, pg := ed.Do("GET", "/admin/api/pages/"+home, nil)
			perms := strings.Join(toStrings(pg["permissions"]), ",")
			if status != 200 || !strings.Contains(perms, "add_subpage") || strings.Contains(perms, "publish") || strings.Contains(perms, "delete") {
				t.Fatalf("home for ed: %d %v", status, pg)
			}
			// Create a draft child: owned by ed.
			status, child := ed.Do("POST", "/admin/api/pages/"+home+"/children", map[string]any{"type": canopy.StandardType, "title": "Ed's page",
				"fields": map[string]any{"body": "<p>hi<script>x</script></p>"}})
			if status != 201 || child["live"] != false || child["owner"].(float64) != float64(f.Ed.ID) || child["fields"].(map[string]any)["body"] != "<p>hi</p>" {
				t.Fatalf("create child: %d %v", status, child)
			}
			cid := testserver.ID(child["id"])
			// No publish grant: publishing is forbidden and changes nothing.
			if status, body := ed.Do("POST", "/admin/api/pages/"+cid+"/publish", nil); status != 403 || testserver.ErrCode(body) != "forbidden" {
				t.Fatalf("publish without grant: %d %v", status, body)
			}
			if status, body := ed.Do("POST", "/admin/api/pages/"+home+"/children", map[string]any{"type": canopy.StandardType, "title": "X", "publish": true}); status != 403 {
				t.Fatalf("create published without publish: %d %v", status, body)
			}
			// Saving over a newer revision is a conflict.
			base := child["latest_revision_id"]
			status, saved := ed.Do("PATCH", "/admin/api/pages/"+cid, map[string]any{"title": "Ed's page v2", "base_revision_id": base})
			if status != 200 || saved["title"] != "Ed's page v2" {
				t.Fatalf("save: %d %v", status, saved)
			}
			if status, body := ed.Do("PATCH", "/admin/api/pages/"+cid, map[string]any{"title": "stale", "base_revision_id": base}); status != 409 || testserver.ErrCode(body) != "conflict" {
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
				{"POST", "/admin/api/pages/" + cid + "/move", map[string]any{"parent_id": f.Alpha.RootPageID + 999999}, 404},
				{"GET", "/admin/api/pages/abc", nil, 404},
				{"GET", "/admin/api/nope", nil, 404},
			}
			for _, b := range bad {
				if status, body := ed.Do(b.method, b.path, b.body); status != b.status || testserver.ErrCode(body) == "" {
					t.Errorf("%s %s %v: %d %v, want %d", b.method, b.path, b.body, status, body, b.status)
				}
			}
			// Children listing carries each row's permissions.
			status, list := ed.Do("GET", "/admin/api/pages/"+home+"/children", nil)
			if status != 200 || list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("children: %d %v", status, list)
			}
			row := list["items"].([]any)[0].(map[string]any)
			if !strings.Contains(strings.Join(toStrings(row["permissions"]), ","), "delete") {
				t.Fatalf("ed cannot delete his own draft: %v", row["permissions"])
			}
			// Isolation: every route with beta's page id answers 404 on alpha's host and changes nothing.
			bp := strconv.FormatInt(betaPage.ID, 10)
			root := &testserver.Client{T: t, F: f.Fixture, Host: "alpha.test"}
			root = f.Login("alpha.test", "root")
			for _, c := range []*testserver.Client{ed, root} {
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
					{"POST", "/admin/api/pages/" + bp + "/move", map[string]any{"parent_id": f.Alpha.RootPageID}},
					{"POST", "/admin/api/pages/" + cid + "/move", map[string]any{"parent_id": betaPage.ID}},
					{"POST", "/admin/api/pages/" + cid + "/copy", map[string]any{"parent_id": betaPage.ID}},
					{"DELETE", "/admin/api/pages/" + bp, nil},
				} {
					if status, body := c.Do(r.method, r.path, r.body); status != 404 || testserver.ErrCode(body) != "not_found" {
						t.Errorf("%s %s as %s: %d %v", r.method, r.path, c.Cookie[:4], status, body)
					}
				}
			}
			after, err := f.Svc.Pages(f.Beta.ID).Store().Page(ctx, betaPage.ID)
			if err != nil || after.Title != "Beta secret" || !after.Live || after.Locked || after.NumChild != 0 {
				t.Fatalf("beta page changed: %+v %v", after, err)
			}
			// The superuser may publish; the log records who did what, per site.
			if status, body := root.Do("POST", "/admin/api/pages/"+cid+"/publish", nil); status != 200 || body["live"] != true {
				t.Fatalf("superuser publish: %d %v", status, body)
			}
			entries, _ := f.Svc.DB.Site(f.Alpha.ID, nil).LogEntries(ctx, 20)
			var actions []string
			for _, e := range entries {
				actions = append(actions, e.Action+":"+strconv.FormatInt(e.UserID, 10))
			}
			joined := strings.Join(actions, " ")
			for _, want := range []string{"publish:" + strconv.FormatInt(f.Root.ID, 10), "edit:" + strconv.FormatInt(f.Ed.ID, 10), "create:" + strconv.FormatInt(f.Ed.ID, 10)} {
				if !strings.Contains(joined, want) {
					t.Errorf("log lacks %s: %s", want, joined)
				}
			}
			betaLog, _ := f.Svc.DB.Site(f.Beta.ID, nil).LogEntries(ctx, 50)
			for _, e := range betaLog {
				if e.SiteID != f.Beta.ID || e.UserID == f.Ed.ID || e.UserID == f.Root.ID || strings.HasPrefix(e.ObjectTitle, "Ed's page") {
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
func newRequest(method, url string, c *testserver.Client) (*http.Request, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, err
	}
	req.Host = c.Host
	if c.Cookie != "" {
		req.Header.Set("Cookie", "canopy_session="+c.Cookie)
	}
	return req, nil
}
