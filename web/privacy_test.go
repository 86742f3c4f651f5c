package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
)

// post sends a form on a host without following redirects, with cookies.
func (f *fixture) post(host, path string, form url.Values, cookies ...*http.Cookie) (int, http.Header, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.url+path, strings.NewReader(form.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

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
			f := newAdminFixture(t, d)
			members := f.page(f.alpha, f.alpha.RootPageID, canopy.IndexType, "Members", true, nil)
			minutes := f.page(f.alpha, members.ID, canopy.StandardType, "Minutes", true, map[string]any{"body": "<p>Secret minutes</p>"})
			staff := f.page(f.alpha, f.alpha.RootPageID, canopy.StandardType, "Staff", true, map[string]any{"body": "<p>Staff only</p>"})
			secret := f.page(f.alpha, f.alpha.RootPageID, canopy.StandardType, "Secret", true, map[string]any{"body": "<p>The password works</p>"})
			root := f.login("alpha.test", "root")
			ed := f.login("alpha.test", "ed")
			bea := f.login("beta.test", "bea")

			// Before any restriction the page is public and cached.
			if r := f.get("alpha.test", "/members/minutes/"); r.status != 200 || !strings.Contains(r.body, "Secret minutes") {
				t.Fatalf("public before: %d", r.status)
			}
			put := func(c *client, page *canopy.Page, body map[string]any) (int, map[string]any) {
				return c.do("PUT", fmt.Sprintf("/admin/api/pages/%d/privacy", page.ID), body)
			}
			if status, body := put(ed, members, map[string]any{"type": "login"}); status != 403 {
				t.Fatalf("privacy without publish permission: %d %v", status, body)
			}
			if status, _ := put(bea, members, map[string]any{"type": "login"}); status != 404 {
				t.Fatalf("another site's admin: %d", status)
			}
			_, groups := root.do("GET", "/admin/api/groups", nil)
			var admins float64
			for _, g := range groups["items"].([]any) {
				if g.(map[string]any)["name"] == "Admins" {
					admins = g.(map[string]any)["id"].(float64)
				}
			}
			_, bgroups := f.login("beta.test", "root").do("GET", "/admin/api/groups", nil)
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
			if _, body := root.do("GET", fmt.Sprintf("/admin/api/pages/%d/privacy", minutes.ID), nil); body["type"] != "none" ||
				len(body["inherited"].([]any)) != 1 {
				t.Fatalf("inherited privacy: %v", body)
			}

			// Login restriction: anonymous visitors go to the site's login page,
			// never from a cache entry (the page was cached when public).
			r := f.get("alpha.test", "/members/minutes/")
			if r.status != 302 || r.header.Get("Location") != "/_login/?next=%2Fmembers%2Fminutes%2F" || r.header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("anonymous at a login page: %d %v", r.status, r.header)
			}
			if r := f.get("alpha.test", "/_login/?next=/members/minutes/"); r.status != 200 || !strings.Contains(r.body, `name="password"`) {
				t.Fatalf("login form: %d", r.status)
			}
			status, _, body := f.post("alpha.test", "/_login/", url.Values{"username": {"ed"}, "password": {"wrong"}, "next": {"/members/minutes/"}})
			if status != 401 || !strings.Contains(body, "wrong username or password") {
				t.Fatalf("wrong login: %d", status)
			}
			status, h, _ := f.post("alpha.test", "/_login/", url.Values{"username": {"ed"}, "password": {"password-ed"}, "next": {"/members/minutes/"}})
			sess := cookieNamed(h, "canopy_session")
			if status != 303 || h.Get("Location") != "/members/minutes/" || sess == nil {
				t.Fatalf("visitor login: %d %v", status, h)
			}
			r = f.get("alpha.test", "/members/minutes/", "Cookie", "canopy_session="+sess.Value)
			if r.status != 200 || !strings.Contains(r.body, "Secret minutes") || r.header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("member at a login page: %d %v", r.status, r.header)
			}
			if r := f.get("alpha.test", "/members/minutes/"); r.status != 302 {
				t.Fatalf("anonymous after a member's visit (shared cache?): %d", r.status)
			}
			if status, h, _ := f.post("alpha.test", "/_login/", url.Values{"username": {"ed"}, "password": {"password-ed"}, "next": {"https://evil.example/"}}); h.Get("Location") != "/" {
				t.Fatalf("open redirect after login: %d %v", status, h.Get("Location"))
			}

			// Groups restriction: a member outside the groups is refused; a superuser passes.
			if r := f.get("alpha.test", "/staff/", "Cookie", "canopy_session="+sess.Value); r.status != 403 || strings.Contains(r.body, "Staff only") {
				t.Fatalf("member outside the groups: %d", r.status)
			}
			if r := f.get("alpha.test", "/staff/", "Cookie", "canopy_session="+root.cookie); r.status != 200 || !strings.Contains(r.body, "Staff only") {
				t.Fatalf("superuser at a groups page: %d", r.status)
			}

			// Password restriction: the form, a wrong password, the right one.
			r = f.get("alpha.test", "/secret/")
			if r.status != 200 || strings.Contains(r.body, "The password works") || !strings.Contains(r.body, `name="page_id" value="`+fmt.Sprint(secret.ID)) ||
				r.header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("password form: %d %v", r.status, r.header)
			}
			form := url.Values{"page_id": {fmt.Sprint(secret.ID)}, "password": {"nope"}, "next": {"/secret/"}}
			if status, _, _ := f.post("alpha.test", "/_password/", form); status != 401 {
				t.Fatalf("wrong password: %d", status)
			}
			form.Set("password", "open sesame")
			status, h, _ = f.post("alpha.test", "/_password/", form)
			pw := cookieNamed(h, fmt.Sprintf("canopy_pw_%d", secret.ID))
			if status != 303 || pw == nil {
				t.Fatalf("right password: %d %v", status, h)
			}
			if r := f.get("alpha.test", "/secret/", "Cookie", pw.Name+"="+pw.Value); r.status != 200 || !strings.Contains(r.body, "The password works") {
				t.Fatalf("after the password: %d", r.status)
			}
			if r := f.get("alpha.test", "/secret/", "Cookie", pw.Name+"=forged"); strings.Contains(r.body, "The password works") {
				t.Fatal("a forged password cookie passed")
			}
			put(root, secret, map[string]any{"type": "password", "password": "new password"})
			if r := f.get("alpha.test", "/secret/", "Cookie", pw.Name+"="+pw.Value); strings.Contains(r.body, "The password works") {
				t.Fatal("the old password's cookie passed after the password changed")
			}

			// Content API: restricted pages are left out for requests that fail them.
			titles := func(hdr ...string) string {
				r := f.get("alpha.test", "/api/v2/pages/?limit=20", hdr...)
				return r.body
			}
			anon := titles()
			for _, hidden := range []string{"Members", "Minutes", "Staff", "Secret"} {
				if strings.Contains(anon, `"title": "`+hidden+`"`) {
					t.Errorf("anonymous API lists %s", hidden)
				}
			}
			if r := f.get("alpha.test", fmt.Sprintf("/api/v2/pages/%d/", minutes.ID)); r.status != 404 {
				t.Fatalf("anonymous API detail of a restricted page: %d", r.status)
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
			if r := f.get("alpha.test", "/members/minutes/"); r.status != 200 {
				t.Fatalf("public again: %d", r.status)
			}
			if _, hist := root.do("GET", "/admin/api/history?action=set_privacy", nil); hist["meta"].(map[string]any)["total_count"].(float64) != 5 {
				t.Fatalf("privacy history: %v", hist["meta"])
			}
			// Slugs starting with _ are reserved for these pages.
			if _, err := f.svc.Pages(f.alpha.ID).Create(ctx, f.alpha.RootPageID, service.PageInput{Type: canopy.StandardType, Title: "Login", Slug: "_login"}, 0, true); canopy.ErrorCode(err) != canopy.EINVALID {
				t.Fatalf("slug _login: %v", err)
			}
		})
	}
}
