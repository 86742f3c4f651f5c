package delivery_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
)

func cookieNamed(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestPagePrivacy(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			members := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.IndexType, "Members", true, nil)
			minutes := f.Page(f.Alpha, members.ID, canopy.StandardType, "Minutes", true, map[string]any{"body": "<p>Secret minutes</p>"})
			staff := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Staff", true, map[string]any{"body": "<p>Staff only</p>"})
			secret := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Secret", true, map[string]any{"body": "<p>The password works</p>"})
			root := f.Login("alpha.test", "root")
			ed := f.Login("alpha.test", "ed")
			bea := f.Login("beta.test", "bea")

			// Before any restriction the page is public and cached.
			if r := f.Get("alpha.test", "/members/minutes/"); r.Status != 200 || !strings.Contains(r.Body, "Secret minutes") {
				t.Fatalf("public before: %d", r.Status)
			}
			put := func(c *testserver.Client, page *canopy.Page, body map[string]any) (int, map[string]any) {
				return c.Do("PUT", fmt.Sprintf("/admin/api/pages/%d/privacy", page.ID), body)
			}
			if status, body := put(ed, members, map[string]any{"type": "login"}); status != 403 {
				t.Fatalf("privacy without publish permission: %d %v", status, body)
			}
			if status, _ := put(bea, members, map[string]any{"type": "login"}); status != 404 {
				t.Fatalf("another site's admin: %d", status)
			}
			_, groups := root.Do("GET", "/admin/api/groups", nil)
			var admins float64
			for _, g := range groups["items"].([]any) {
				if g.(map[string]any)["name"] == "Admins" {
					admins = g.(map[string]any)["id"].(float64)
				}
			}
			_, bgroups := f.Login("beta.test", "root").Do("GET", "/admin/api/groups", nil)
			betaGroup := bgroups["items"].([]any)[0].(map[string]any)["id"]
			for _, bad := range []map[string]any{{"type": "password"}, {"type": "password", "password": ""}, {"type": "groups"},
				{"type": "groups", "groups": []any{betaGroup}}, {"type": "secret"}, {"type": "login", "password": "x"}} {
				if status, body := put(root, secret, bad); status != 400 {
					t.Errorf("privacy %v: %d %v", bad, status, body)
				}
			}
			if status, body := put(root, members, map[string]any{"type": "login"}); status != 200 || body["type"] != "login" {
				t.Fatalf("login restriction: %d %v", status, body)
			}
			if status, body := put(root, staff, map[string]any{"type": "groups", "groups": []any{admins}}); status != 200 {
				t.Fatalf("groups restriction: %d %v", status, body)
			}
			if status, body := put(root, secret, map[string]any{"type": "password", "password": "open sesame"}); status != 200 || body["type"] != "password" {
				t.Fatalf("password restriction: %d %v", status, body)
			}
			if _, body := root.Do("GET", fmt.Sprintf("/admin/api/pages/%d/privacy", minutes.ID), nil); body["type"] != "none" ||
				len(body["inherited"].([]any)) != 1 {
				t.Fatalf("inherited privacy: %v", body)
			}

			// Login restriction: anonymous visitors go to the site's login page,
			// never from a cache entry (the page was cached when public).
			r := f.Get("alpha.test", "/members/minutes/")
			if r.Status != 302 || r.Header.Get("Location") != "/_login/?next=%2Fmembers%2Fminutes%2F" || r.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("anonymous at a login page: %d %v", r.Status, r.Header)
			}
			if r := f.Get("alpha.test", "/_login/?next=/members/minutes/"); r.Status != 200 || !strings.Contains(r.Body, `name="password"`) {
				t.Fatalf("login form: %d", r.Status)
			}
			status, _, body := f.Post("alpha.test", "/_login/", url.Values{"username": {"ed"}, "password": {"wrong"}, "next": {"/members/minutes/"}})
			if status != 401 || !strings.Contains(body, "wrong username or password") {
				t.Fatalf("wrong login: %d", status)
			}
			status, h, _ := f.Post("alpha.test", "/_login/", url.Values{"username": {"ed"}, "password": {"password-ed"}, "next": {"/members/minutes/"}})
			sess := cookieNamed(h, "canopy_session")
			if status != 303 || h.Get("Location") != "/members/minutes/" || sess == nil {
				t.Fatalf("visitor login: %d %v", status, h)
			}
			r = f.Get("alpha.test", "/members/minutes/", "Cookie", "canopy_session="+sess.Value)
			if r.Status != 200 || !strings.Contains(r.Body, "Secret minutes") || r.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("member at a login page: %d %v", r.Status, r.Header)
			}
			if r := f.Get("alpha.test", "/members/minutes/"); r.Status != 302 {
				t.Fatalf("anonymous after a member's visit (shared cache?): %d", r.Status)
			}
			if status, h, _ := f.Post("alpha.test", "/_login/", url.Values{"username": {"ed"}, "password": {"password-ed"}, "next": {"https://evil.example/"}}); h.Get("Location") != "/" {
				t.Fatalf("open redirect after login: %d %v", status, h.Get("Location"))
			}

			// Groups restriction: a member outside the groups is refused; a superuser passes.
			if r := f.Get("alpha.test", "/staff/", "Cookie", "canopy_session="+sess.Value); r.Status != 403 || strings.Contains(r.Body, "Staff only") {
				t.Fatalf("member outside the groups: %d", r.Status)
			}
			if r := f.Get("alpha.test", "/staff/", "Cookie", "canopy_session="+root.Cookie); r.Status != 200 || !strings.Contains(r.Body, "Staff only") {
				t.Fatalf("superuser at a groups page: %d", r.Status)
			}

			// Password restriction: the form, a wrong password, the right one.
			r = f.Get("alpha.test", "/secret/")
			if r.Status != 200 || strings.Contains(r.Body, "The password works") || !strings.Contains(r.Body, `name="page_id" value="`+fmt.Sprint(secret.ID)) ||
				r.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("password form: %d %v", r.Status, r.Header)
			}
			form := url.Values{"page_id": {fmt.Sprint(secret.ID)}, "password": {"nope"}, "next": {"/secret/"}}
			if status, _, _ := f.Post("alpha.test", "/_password/", form); status != 401 {
				t.Fatalf("wrong password: %d", status)
			}
			form.Set("password", "open sesame")
			status, h, _ = f.Post("alpha.test", "/_password/", form)
			pw := cookieNamed(h, fmt.Sprintf("canopy_pw_%d", secret.ID))
			if status != 303 || pw == nil {
				t.Fatalf("right password: %d %v", status, h)
			}
			if r := f.Get("alpha.test", "/secret/", "Cookie", pw.Name+"="+pw.Value); r.Status != 200 || !strings.Contains(r.Body, "The password works") {
				t.Fatalf("after the password: %d", r.Status)
			}
			if r := f.Get("alpha.test", "/secret/", "Cookie", pw.Name+"=forged"); strings.Contains(r.Body, "The password works") {
				t.Fatal("a forged password cookie passed")
			}
			put(root, secret, map[string]any{"type": "password", "password": "new password"})
			if r := f.Get("alpha.test", "/secret/", "Cookie", pw.Name+"="+pw.Value); strings.Contains(r.Body, "The password works") {
				t.Fatal("the old password's cookie passed after the password changed")
			}

			// Content API: restricted pages are left out for requests that fail them.
			titles := func(hdr ...string) string {
				r := f.Get("alpha.test", "/api/v2/pages/?limit=20", hdr...)
				return r.Body
			}
			anon := titles()
			for _, hidden := range []string{"Members", "Minutes", "Staff", "Secret"} {
				if strings.Contains(anon, `"title": "`+hidden+`"`) {
					t.Errorf("anonymous API lists %s", hidden)
				}
			}
			if r := f.Get("alpha.test", fmt.Sprintf("/api/v2/pages/%d/", minutes.ID)); r.Status != 404 {
				t.Fatalf("anonymous API detail of a restricted page: %d", r.Status)
			}
			member := titles("Cookie", "canopy_session="+sess.Value)
			if !strings.Contains(member, `"title": "Minutes"`) || strings.Contains(member, `"title": "Staff"`) || strings.Contains(member, `"title": "Secret"`) {
				t.Fatalf("member's API listing: %s", member)
			}
			if anon2 := titles(); strings.Contains(anon2, `"title": "Minutes"`) {
				t.Fatal("a member's API answer was cached for everyone")
			}

			// Removing the restriction makes the page public again; history has each change.
			if status, _ := put(root, members, map[string]any{"type": "none"}); status != 200 {
				t.Fatal("remove restriction")
			}
			if r := f.Get("alpha.test", "/members/minutes/"); r.Status != 200 {
				t.Fatalf("public again: %d", r.Status)
			}
			if _, hist := root.Do("GET", "/admin/api/history?action=set_privacy", nil); hist["meta"].(map[string]any)["total_count"].(float64) != 5 {
				t.Fatalf("privacy history: %v", hist["meta"])
			}
			// Slugs starting with _ are reserved for these pages.
			if _, err := f.Svc.Pages(f.Alpha.ID).Create(ctx, f.Alpha.RootPageID, service.PageInput{Type: canopy.StandardType, Title: "Login", Slug: "_login"}, 0, true); canopy.ErrorCode(err) != canopy.EINVALID {
				t.Fatalf("slug _login: %v", err)
			}
		})
	}
}

// TestLoginRedirectStaysOnSite: next= after login never leaves the host.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	f := testserver.NewAdmin(t, testdb.Dialects[0])
	for _, next := range []string{"/%09/evil.test/x", "/\t/evil.test", "//evil.test", "/\\evil.test", "/%5Cevil.test", "/%2F/evil.test",
		"https://evil.test/", "/%0a/evil.test", "/%E2%80%A8/evil.test"} {
		form := url.Values{"username": {"ed"}, "password": {"password-ed"}, "next": {next}}
		status, hdr, _ := f.Post("alpha.test", "/_login/", form)
		if loc := hdr.Get("Location"); status != 303 || loc != "/" {
			t.Errorf("next=%q: %d Location %q", next, status, loc)
		}
	}
	_, hdr, _ := f.Post("alpha.test", "/_login/", url.Values{"username": {"ed"}, "password": {"password-ed"}, "next": {"/about/?a=1"}})
	if loc := hdr.Get("Location"); loc != "/about/?a=1" {
		t.Errorf("a local next: Location %q", loc)
	}
}

// TestContentAPIRestrictedAnchors: a page below a view restriction is as
// unknown as a missing one to a request that does not pass it — in find, as
// child_of/descendant_of/ancestor_of anchor and as a parent or page-field
// reference — and known to one that does.
func TestContentAPIRestrictedAnchors(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			staff := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.IndexType, "Staff", true, nil)
			inner := f.Page(f.Alpha, staff.ID, canopy.StandardType, "Rota", true, nil)
			root := f.Login("alpha.test", "root")
			if status, body := root.Do("PUT", fmt.Sprintf("/admin/api/pages/%d/privacy", staff.ID), map[string]any{"type": "groups", "group_ids": []int64{f.AlphaEditors.ID}}); status != 200 {
				t.Fatalf("restrict: %d %v", status, body)
			}
			ed := f.Login("alpha.test", "ed") // in Writers: passes
			_, bg := root.Do("POST", "/admin/api/groups", map[string]any{"name": "Outsiders"})
			root.Do("PUT", "/admin/api/groups/"+testserver.ID(bg["id"])+"/permissions", map[string]any{"models": []string{"access_admin"}})
			testserver.Must(t, f.Svc.DB.Site(f.Alpha.ID, nil).AddMember(ctx, int64(bg["id"].(float64)), f.Bea.ID))
			bea := f.Login("alpha.test", "bea") // a member of alpha who does not pass
			sid, iid := fmt.Sprint(staff.ID), fmt.Sprint(inner.ID)
			paths := []string{
				"/api/v2/pages/find/?html_path=/staff/", "/api/v2/pages/find/?html_path=/staff/rota/", "/api/v2/pages/find/?id=" + sid,
				"/api/v2/pages/?child_of=" + sid, "/api/v2/pages/?descendant_of=" + sid, "/api/v2/pages/?ancestor_of=" + iid,
				"/api/v2/pages/" + iid + "/",
			}
			for _, who := range []struct {
				name   string
				cookie string
				passes bool
			}{{"anonymous", "", false}, {"bea", bea.Cookie, false}, {"ed", ed.Cookie, true}} {
				for _, p := range paths {
					var r testserver.Response
					if who.cookie == "" {
						r = f.Get("alpha.test", p)
					} else {
						r = f.Get("alpha.test", p, "Cookie", "canopy_session="+who.cookie)
					}
					ok := r.Status == 200 || r.Status == 302
					if ok != who.passes {
						t.Errorf("%s %s: %d %s", who.name, p, r.Status, r.Body)
					}
					if !who.passes && strings.Contains(p, "find") && r.Status != 404 {
						t.Errorf("%s %s: %d, want 404 like a missing page", who.name, p, r.Status)
					}
				}
				// A listing that reaches the restricted pages shows them only to those who pass.
				var r testserver.Response
				if who.cookie == "" {
					r = f.Get("alpha.test", "/api/v2/pages/")
				} else {
					r = f.Get("alpha.test", "/api/v2/pages/", "Cookie", "canopy_session="+who.cookie)
				}
				if strings.Contains(r.Body, `"Rota"`) != who.passes || strings.Contains(r.Body, `"Staff"`) != who.passes {
					t.Errorf("%s listing: %s", who.name, r.Body)
				}
			}
		})
	}
}
