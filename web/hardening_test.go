package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/sqlstore"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
)

// TestInstallationWideGroupIsAnAccountEverywhere: a member of an
// installation-wide group that grants access_admin has an account on every
// site (decision 20), with the group's grants of that site; a member of one
// that does not grant access_admin is still told they have no account.
func TestInstallationWideGroupIsAnAccountEverywhere(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newAdminFixture(t, d)
			rootB := f.login("beta.test", "root")
			for _, u := range []string{"wanda", "rita"} {
				if _, err := f.svc.CreateUser(ctx, service.NewUser{Username: u, Password: "password-" + u}); err != nil {
					t.Fatal(err)
				}
			}
			mkGroup := func(name string, models []string) string {
				status, g := rootB.do("POST", "/admin/api/groups", map[string]any{"name": name, "installation_wide": true})
				if status != 201 {
					t.Fatalf("create %s: %d %v", name, status, g)
				}
				gid := id(g["id"])
				if status, body := rootB.do("PUT", "/admin/api/groups/"+gid+"/permissions", map[string]any{
					"pages": []any{map[string]any{"page_id": f.beta.RootPageID, "actions": []string{"add", "change"}}}, "models": models}); status != 200 {
					t.Fatalf("grants: %d %v", status, body)
				}
				return gid
			}
			web := mkGroup("Web team", []string{"access_admin"})
			readers := mkGroup("Auditors", []string{"view_history"})
			for gid, user := range map[string]string{web: "wanda", readers: "rita"} {
				if status, body := rootB.do("POST", "/admin/api/groups/"+gid+"/members", map[string]any{"user": user}); status != 200 {
					t.Fatalf("add %s: %d %v", user, status, body)
				}
			}
			// Wanda, in no group of beta's own, logs in on beta and may edit
			// under its home page; on alpha she has an account too (no grants there).
			w := f.login("beta.test", "wanda")
			status, me := w.do("GET", "/admin/api/me", nil)
			if status != 200 || me["explorer_root_page_id"].(float64) != float64(f.beta.RootPageID) {
				t.Fatalf("wanda's me on beta: %d %v", status, me)
			}
			if status, body := w.do("POST", "/admin/api/pages/"+fmtID(f.beta.RootPageID)+"/children", map[string]any{"type": canopy.StandardType, "title": "From the web team"}); status != 201 {
				t.Errorf("wanda adds a page on beta: %d %v", status, body)
			}
			wa := f.login("alpha.test", "wanda")
			if status, _ := wa.do("GET", "/admin/api/me", nil); status != 200 {
				t.Errorf("wanda on alpha: %d", status)
			}
			// Rita's group grants no admin access: no account on beta.
			c := &client{t: t, f: f.fixture, host: "beta.test"}
			if status, body := c.do("POST", "/admin/api/login", map[string]string{"username": "rita", "password": "password-rita"}); status != 401 || !containsMessage(body, "no account") {
				t.Errorf("rita on beta: %d %v", status, body)
			}
		})
	}
}

func fmtID(id int64) string { return strconv.FormatInt(id, 10) }

// errMessage is the message of an admin API error answer.
func errMessage(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		s, _ := e["message"].(string)
		return s
	}
	return ""
}

func containsMessage(body map[string]any, s string) bool {
	return strings.Contains(errMessage(body), s)
}

// TestCreateUserRevealsNoAccount: a site admin creating a user with a name
// that another site's account holds learns only that the name cannot be
// used; a request naming another site's group is refused first, whatever
// the name; the refused attempt is in the site's history.
func TestCreateUserRevealsNoAccount(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newAdminFixture(t, d)
			db := f.svc.DB
			badmin, _ := f.svc.CreateUser(ctx, service.NewUser{Username: "badmin", Password: "password-badmin"})
			must(t, db.Site(f.beta.ID, nil).AddMember(ctx, groupNamed(t, db, f.beta.ID, "Admins").ID, badmin.ID))
			b := f.login("beta.test", "badmin")
			alphaGroup := groupNamed(t, db, f.alpha.ID, "Editors").ID
			betaGroup := groupNamed(t, db, f.beta.ID, "Editors").ID
			users := func() int {
				n, err := db.Count(ctx, `SELECT count(*) FROM users`)
				must(t, err)
				return n
			}
			before := users()
			// Another site's group: the same answer for a taken and a free name.
			var answers []string
			for _, name := range []string{"ed", "nobody-has-this"} {
				status, body := b.do("POST", "/admin/api/users", map[string]any{"username": name, "password": "password-x1", "groups": []int64{alphaGroup}})
				if status != 400 {
					t.Errorf("%s with alpha's group: %d %v", name, status, body)
				}
				answers = append(answers, strings.ReplaceAll(errMessage(body), name, "NAME"))
			}
			if answers[0] != answers[1] {
				t.Errorf("answers differ for a taken and a free name: %q", answers)
			}
			// A taken name with beta's own group: refused without saying it exists.
			status, body := b.do("POST", "/admin/api/users", map[string]any{"username": "ED", "password": "password-x1", "groups": []int64{betaGroup}})
			if status != 409 || strings.Contains(errMessage(body), "exist") || strings.Contains(strings.ToLower(errMessage(body)), "alpha") {
				t.Errorf("taken name: %d %v", status, body)
			}
			if users() != before {
				t.Errorf("users: %d, want %d", users(), before)
			}
			_, hist := b.do("GET", "/admin/api/history?action=create_refused", nil)
			found := false
			for _, it := range hist["items"].([]any) {
				e := it.(map[string]any)
				if e["action"] == "create_refused" && e["object_title"] == "ED" {
					found = true
				}
			}
			if !found {
				t.Errorf("the refused attempt is not in beta's history: %v", hist)
			}
		})
	}
}

// TestSiteAdminGroupIsAKey replays the lock-out: a site admin renames the
// site's administrators group and tries to delete it. The rename keeps it
// the administrators group (a super admin still administers the site); the
// delete is refused with the reason; taking its last member out is refused
// unless a superuser does it.
func TestSiteAdminGroupIsAKey(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newAdminFixture(t, d)
			db := f.svc.DB
			admins := groupNamed(t, db, f.alpha.ID, "Admins")
			if !admins.IsAdmin || groupNamed(t, db, f.alpha.ID, "Editors").IsAdmin {
				t.Fatalf("a new site's Admins group is not marked: %+v", admins)
			}
			alice, _ := f.svc.CreateUser(ctx, service.NewUser{Username: "alice", Password: "password-alice"})
			must(t, db.Site(f.alpha.ID, nil).AddMember(ctx, admins.ID, alice.ID))
			if _, err := f.svc.CreateUser(ctx, service.NewUser{Username: "sadmin", Password: "password-sadmin", IsSuperadmin: true}); err != nil {
				t.Fatal(err)
			}
			a := f.login("alpha.test", "alice")
			gid := fmtID(admins.ID)
			if status, body := a.do("PATCH", "/admin/api/groups/"+gid, map[string]any{"name": "Owners"}); status != 200 || body["is_admin"] != true {
				t.Fatalf("rename: %d %v", status, body)
			}
			// A new group called Admins is just a group.
			if status, body := a.do("POST", "/admin/api/groups", map[string]any{"name": "Admins"}); status != 201 || body["is_admin"] != false {
				t.Fatalf("a new group named Admins: %d %v", status, body)
			}
			sa := f.login("alpha.test", "sadmin")
			if status, me := sa.do("GET", "/admin/api/me", nil); status != 200 || len(me["groups"].([]any)) != 1 || me["groups"].([]any)[0].(map[string]any)["name"] != "Owners" {
				t.Fatalf("super admin after the rename: %d %v", status, me)
			}
			if status, _ := sa.do("GET", "/admin/api/users", nil); status != 200 {
				t.Errorf("super admin lists users after the rename: %d", status)
			}
			status, body := a.do("DELETE", "/admin/api/groups/"+gid, nil)
			if status != 409 || !containsMessage(body, "administrators group") {
				t.Errorf("delete the administrators group: %d %v", status, body)
			}
			// Its last member cannot leave it (by a change of their groups)...
			editors := groupNamed(t, db, f.alpha.ID, "Editors").ID
			status, body = a.do("PATCH", "/admin/api/users/"+fmtID(alice.ID), map[string]any{"groups": []int64{editors}})
			if status != 409 || !containsMessage(body, "without members") {
				t.Errorf("last member leaves: %d %v", status, body)
			}
			// ...nor lose access_admin through its grants.
			status, body = a.do("PUT", "/admin/api/groups/"+gid+"/permissions", map[string]any{"models": []string{"view_user"}})
			if status != 400 {
				t.Errorf("administrators group without access_admin: %d %v", status, body)
			}
			if status, me := a.do("GET", "/admin/api/me", nil); status != 200 {
				t.Fatalf("alice locked out: %d %v", status, me)
			}
			// With a second administrator it works; a superuser may empty it.
			bob, _ := f.svc.CreateUser(ctx, service.NewUser{Username: "bob", Password: "password-bob"})
			must(t, db.Site(f.alpha.ID, nil).AddMember(ctx, admins.ID, bob.ID))
			if status, body := a.do("PATCH", "/admin/api/users/"+fmtID(bob.ID), map[string]any{"groups": []int64{editors}}); status != 200 {
				t.Errorf("bob leaves, alice stays: %d %v", status, body)
			}
			root := f.login("alpha.test", "root")
			if status, body := root.do("PATCH", "/admin/api/users/"+fmtID(alice.ID), map[string]any{"groups": []int64{editors}}); status != 200 {
				t.Errorf("a superuser empties it: %d %v", status, body)
			}
			if status, body := root.do("DELETE", "/admin/api/groups/"+gid, nil); status != 409 {
				t.Errorf("even a superuser does not delete it: %d %v", status, body)
			}
		})
	}
}

// TestNoLockoutButton: wrong passwords sent for an account from elsewhere
// (other addresses behind the trusted proxy) never lock the account out of
// its owner's address, nor of a browser where it has logged in before;
// the guesser's own address is stopped after five; from unknown devices
// the account has a slower overall limit.
func TestNoLockoutButton(t *testing.T) {
	f0 := newFixtureWith(t, sqlstore.SQLite, true, func(o *server.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	f := &adminFixture{fixture: f0}
	if _, err := f.svc.CreateUser(ctx, service.NewUser{Username: "root", Password: "password-root", IsSuperuser: true}); err != nil {
		t.Fatal(err)
	}
	login := func(from, password, device string) (int, string) {
		body, _ := json.Marshal(map[string]string{"username": "root", "password": password})
		req, _ := http.NewRequest("POST", f.url+"/admin/api/login", bytes.NewReader(body))
		req.Host = "alpha.test"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		if device != "" {
			req.AddCookie(&http.Cookie{Name: httpkit.DeviceCookie, Value: device})
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		for _, c := range res.Cookies() {
			if c.Name == httpkit.DeviceCookie {
				return res.StatusCode, c.Value
			}
		}
		return res.StatusCode, ""
	}
	// The owner logs in once from home: the browser is now known.
	status, device := login("198.51.100.7", "password-root", "")
	if status != 200 || device == "" {
		t.Fatalf("first login: %d device %q", status, device)
	}
	// An attacker at one address: stopped after five.
	for i := 0; i < 5; i++ {
		if status, _ := login("203.0.113.9", "wrong", ""); status != 401 {
			t.Fatalf("guess %d: %d", i, status)
		}
	}
	if status, _ := login("203.0.113.9", "password-root", ""); status != 401 {
		t.Errorf("the guesser's address is not stopped: %d", status)
	}
	// The owner, at their address and on a new device, is not locked out.
	if status, _ := login("198.51.100.7", "password-root", ""); status != 200 {
		t.Errorf("owner's address after the attack: %d", status)
	}
	// Many addresses (a botnet): the overall limit stops unknown devices...
	for i := 0; i < 50; i++ {
		login(fmt.Sprintf("203.0.114.%d", i), "wrong", "")
	}
	if status, _ := login("192.0.2.200", "password-root", ""); status != 401 {
		t.Errorf("overall limit from unknown devices: %d", status)
	}
	// ...but not the browser where the owner logged in before, anywhere.
	if status, _ := login("192.0.2.201", "password-root", device); status != 200 {
		t.Errorf("known device after the botnet: %d", status)
	}
	// A forged device cookie is no known device.
	if status, _ := login("192.0.2.202", "password-root", "abc.forged"); status != 401 {
		t.Errorf("forged device: %d", status)
	}
}

// TestPublicFramingAndReferrer: public pages (cached or not, 404s and
// redirects too) may be framed by their own site only, unless the site
// allows framing; the visitor login form never; every answer says how much
// of its address other sites get.
func TestPublicFramingAndReferrer(t *testing.T) {
	f := newAdminFixture(t, sqlstore.SQLite)
	for round := 0; round < 2; round++ {
		for _, path := range []string{"/", "/no-such-page/", "/about", "/_login/"} {
			r := f.get("alpha.test", path)
			if r.header.Get("X-Frame-Options") != "SAMEORIGIN" || r.header.Get("Content-Security-Policy") != "frame-ancestors 'self'" ||
				r.header.Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
				t.Errorf("GET %s (%d): %v", path, r.status, r.header)
			}
		}
	}
	root := f.login("beta.test", "root")
	if status, body := root.do("PATCH", "/admin/api/sites/"+fmtID(f.beta.ID), map[string]any{"features": map[string]any{"allow_framing": true}}); status != 200 {
		t.Fatalf("allow framing: %d %v", status, body)
	}
	eventually(t, "beta allows framing", func() bool {
		r := f.get("beta.test", "/")
		return r.status == 200 && r.header.Get("X-Frame-Options") == "" && r.header.Get("Content-Security-Policy") == "" &&
			r.header.Get("Referrer-Policy") != ""
	})
	if r := f.get("beta.test", "/_login/"); r.header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("beta's login form may be framed: %v", r.header)
	}
	// A site admin asking for the shared library is told what it is about.
	badmin, _ := f.svc.CreateUser(ctx, service.NewUser{Username: "badmin", Password: "password-badmin"})
	must(t, f.svc.DB.Site(f.beta.ID, nil).AddMember(ctx, groupNamed(t, f.svc.DB, f.beta.ID, "Admins").ID, badmin.ID))
	b := f.login("beta.test", "badmin")
	status, body := b.do("GET", "/admin/api/collections?scope=installation", nil)
	if status != 403 || !containsMessage(body, "shared") || containsMessage(body, "sites") {
		t.Errorf("shared collections as a site admin: %d %v", status, body)
	}
}
