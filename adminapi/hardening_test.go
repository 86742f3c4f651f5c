package adminapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/sqlstore"

	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
)

// TestInstallationWideGroupIsAnAccountEverywhere: a member of an
// installation-wide group that grants access_admin has an account on every
// site (decision 20), with the group's grants of that site; a member of one
// that does not grant access_admin is still told they have no account.
func TestInstallationWideGroupIsAnAccountEverywhere(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			rootB := f.Login("beta.test", "root")
			for _, u := range []string{"wanda", "rita"} {
				if _, err := f.Svc.CreateUser(ctx, service.NewUser{Username: u, Password: "password-" + u}); err != nil {
					t.Fatal(err)
				}
			}
			mkGroup := func(name string, models []string) string {
				status, g := rootB.Do("POST", "/admin/api/groups", map[string]any{"name": name, "installation_wide": true})
				if status != 201 {
					t.Fatalf("create %s: %d %v", name, status, g)
				}
				gid := testserver.ID(g["id"])
				if status, body := rootB.Do("PUT", "/admin/api/groups/"+gid+"/permissions", map[string]any{
					"pages": []any{map[string]any{"page_id": f.Beta.RootPageID, "actions": []string{"add", "change"}}}, "models": models}); status != 200 {
					t.Fatalf("grants: %d %v", status, body)
				}
				return gid
			}
			web := mkGroup("Web team", []string{"access_admin"})
			readers := mkGroup("Auditors", []string{"view_history"})
			for gid, user := range map[string]string{web: "wanda", readers: "rita"} {
				if status, body := rootB.Do("POST", "/admin/api/groups/"+gid+"/members", map[string]any{"user": user}); status != 200 {
					t.Fatalf("add %s: %d %v", user, status, body)
				}
			}
			// Wanda, in no group of beta's own, logs in on beta and may edit
			// under its home page; on alpha she has an account too (no grants there).
			w := f.Login("beta.test", "wanda")
			status, me := w.Do("GET", "/admin/api/me", nil)
			if status != 200 || me["explorer_root_page_id"].(float64) != float64(f.Beta.RootPageID) {
				t.Fatalf("wanda's me on beta: %d %v", status, me)
			}
			if status, body := w.Do("POST", "/admin/api/pages/"+testserver.FmtID(f.Beta.RootPageID)+"/children", map[string]any{"type": canopy.StandardType, "title": "From the web team"}); status != 201 {
				t.Errorf("wanda adds a page on beta: %d %v", status, body)
			}
			wa := f.Login("alpha.test", "wanda")
			if status, _ := wa.Do("GET", "/admin/api/me", nil); status != 200 {
				t.Errorf("wanda on alpha: %d", status)
			}
			// Rita's group grants no admin access: no account on beta.
			c := &testserver.Client{T: t, F: f.Fixture, Host: "beta.test"}
			if status, body := c.Do("POST", "/admin/api/login", map[string]string{"username": "rita", "password": "password-rita"}); status != 401 || !testserver.ContainsMessage(body, "no account") {
				t.Errorf("rita on beta: %d %v", status, body)
			}
		})
	}
}

// TestCreateUserRevealsNoAccount: a site admin creating a user with a name
// that another site's account holds learns only that the name cannot be
// used; a request naming another site's group is refused first, whatever
// the name; the refused attempt is in the site's history.
func TestCreateUserRevealsNoAccount(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			badmin, _ := f.Svc.CreateUser(ctx, service.NewUser{Username: "badmin", Password: "password-badmin"})
			testserver.Must(t, db.Site(f.Beta.ID, nil).AddMember(ctx, testserver.GroupNamed(t, db, f.Beta.ID, "Admins").ID, badmin.ID))
			b := f.Login("beta.test", "badmin")
			alphaGroup := testserver.GroupNamed(t, db, f.Alpha.ID, "Editors").ID
			betaGroup := testserver.GroupNamed(t, db, f.Beta.ID, "Editors").ID
			users := func() int {
				n, err := db.Count(ctx, `SELECT count(*) FROM users`)
				testserver.Must(t, err)
				return n
			}
			before := users()
			// Another site's group: the same answer for a taken and a free name.
			var answers []string
			for _, name := range []string{"ed", "nobody-has-this"} {
				status, body := b.Do("POST", "/admin/api/users", map[string]any{"username": name, "password": "password-x1", "groups": []int64{alphaGroup}})
				if status != 400 {
					t.Errorf("%s with alpha's group: %d %v", name, status, body)
				}
				answers = append(answers, strings.ReplaceAll(testserver.ErrMessage(body), name, "NAME"))
			}
			if answers[0] != answers[1] {
				t.Errorf("answers differ for a taken and a free name: %q", answers)
			}
			// A taken name with beta's own group: refused without saying it exists.
			status, body := b.Do("POST", "/admin/api/users", map[string]any{"username": "ED", "password": "password-x1", "groups": []int64{betaGroup}})
			if status != 409 || strings.Contains(testserver.ErrMessage(body), "exist") || strings.Contains(strings.ToLower(testserver.ErrMessage(body)), "alpha") {
				t.Errorf("taken name: %d %v", status, body)
			}
			if users() != before {
				t.Errorf("users: %d, want %d", users(), before)
			}
			_, hist := b.Do("GET", "/admin/api/history?action=create_refused", nil)
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
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			admins := testserver.GroupNamed(t, db, f.Alpha.ID, "Admins")
			if !admins.IsAdmin || testserver.GroupNamed(t, db, f.Alpha.ID, "Editors").IsAdmin {
				t.Fatalf("a new site's Admins group is not marked: %+v", admins)
			}
			alice, _ := f.Svc.CreateUser(ctx, service.NewUser{Username: "alice", Password: "password-alice"})
			testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, admins.ID, alice.ID))
			if _, err := f.Svc.CreateUser(ctx, service.NewUser{Username: "sadmin", Password: "password-sadmin", IsSuperadmin: true}); err != nil {
				t.Fatal(err)
			}
			a := f.Login("alpha.test", "alice")
			gid := testserver.FmtID(admins.ID)
			if status, body := a.Do("PATCH", "/admin/api/groups/"+gid, map[string]any{"name": "Owners"}); status != 200 || body["is_admin"] != true {
				t.Fatalf("rename: %d %v", status, body)
			}
			// A new group called Admins is just a group.
			if status, body := a.Do("POST", "/admin/api/groups", map[string]any{"name": "Admins"}); status != 201 || body["is_admin"] != false {
				t.Fatalf("a new group named Admins: %d %v", status, body)
			}
			sa := f.Login("alpha.test", "sadmin")
			if status, me := sa.Do("GET", "/admin/api/me", nil); status != 200 || len(me["groups"].([]any)) != 1 || me["groups"].([]any)[0].(map[string]any)["name"] != "Owners" {
				t.Fatalf("super admin after the rename: %d %v", status, me)
			}
			if status, _ := sa.Do("GET", "/admin/api/users", nil); status != 200 {
				t.Errorf("super admin lists users after the rename: %d", status)
			}
			status, body := a.Do("DELETE", "/admin/api/groups/"+gid, nil)
			if status != 409 || !testserver.ContainsMessage(body, "administrators group") {
				t.Errorf("delete the administrators group: %d %v", status, body)
			}
			// Its last member cannot leave it (by a change of their groups)...
			editors := testserver.GroupNamed(t, db, f.Alpha.ID, "Editors").ID
			status, body = a.Do("PATCH", "/admin/api/users/"+testserver.FmtID(alice.ID), map[string]any{"groups": []int64{editors}})
			if status != 409 || !testserver.ContainsMessage(body, "without members") {
				t.Errorf("last member leaves: %d %v", status, body)
			}
			// ...nor lose access_admin through its grants.
			status, body = a.Do("PUT", "/admin/api/groups/"+gid+"/permissions", map[string]any{"models": []string{"view_user"}})
			if status != 400 {
				t.Errorf("administrators group without access_admin: %d %v", status, body)
			}
			if status, me := a.Do("GET", "/admin/api/me", nil); status != 200 {
				t.Fatalf("alice locked out: %d %v", status, me)
			}
			// With a second administrator it works; a superuser may empty it.
			bob, _ := f.Svc.CreateUser(ctx, service.NewUser{Username: "bob", Password: "password-bob"})
			testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, admins.ID, bob.ID))
			if status, body := a.Do("PATCH", "/admin/api/users/"+testserver.FmtID(bob.ID), map[string]any{"groups": []int64{editors}}); status != 200 {
				t.Errorf("bob leaves, alice stays: %d %v", status, body)
			}
			root := f.Login("alpha.test", "root")
			if status, body := root.Do("PATCH", "/admin/api/users/"+testserver.FmtID(alice.ID), map[string]any{"groups": []int64{editors}}); status != 200 {
				t.Errorf("a superuser empties it: %d %v", status, body)
			}
			if status, body := root.Do("DELETE", "/admin/api/groups/"+gid, nil); status != 409 {
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
	f0 := testserver.NewWith(t, sqlstore.SQLite, true, func(o *server.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	f := &testserver.AdminFixture{Fixture: f0}
	if _, err := f.Svc.CreateUser(ctx, service.NewUser{Username: "root", Password: "password-root", IsSuperuser: true}); err != nil {
		t.Fatal(err)
	}
	login := func(from, password, device string) (int, string) {
		body, _ := json.Marshal(map[string]string{"username": "root", "password": password})
		req, _ := http.NewRequest("POST", f.URL+"/admin/api/login", bytes.NewReader(body))
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
	// ...but not the browser where the owner logged in before, anywhere,
	// even at the guesser's own address (a shared office or NAT address).
	if status, _ := login("192.0.2.201", "password-root", device); status != 200 {
		t.Errorf("known device after the botnet: %d", status)
	}
	if status, _ := login("203.0.113.9", "password-root", device); status != 200 {
		t.Errorf("known device at the guesser's address: %d", status)
	}
	// A known device guessing is stopped after five of its own.
	for i := 0; i < 5; i++ {
		login("192.0.2.203", "wrong", device)
	}
	if status, _ := login("192.0.2.203", "password-root", device); status != 401 {
		t.Errorf("a known device that failed five times: %d", status)
	}
	// A forged device cookie is no known device.
	if status, _ := login("192.0.2.202", "password-root", "abc.forged"); status != 401 {
		t.Errorf("forged device: %d", status)
	}
}

// TestCopyOfferedOnlyWithAddSomewhere: an editor who may change pages but
// add them nowhere is not offered Copy (every destination would refuse it);
// one who may add is.
func TestCopyOfferedOnlyWithAddSomewhere(t *testing.T) {
	f := testserver.NewAdmin(t, testdb.Dialects[0])
	db := f.Svc.DB
	p := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true, nil)
	u, _ := f.Svc.CreateUser(ctx, service.NewUser{Username: "fixer", Password: "password-fixer"})
	g, _ := db.Site(f.Alpha.ID, nil).CreateGroup(ctx, "Fixers")
	testserver.Must(t, db.Site(f.Alpha.ID, nil).SetGroupGrants(ctx, g.ID, []canopy.PageGrantRow{{PageID: f.Alpha.RootPageID, Actions: []string{"change"}}}, []string{"access_admin"}))
	testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, g.ID, u.ID))
	perms := func(user string) []any {
		_, body := f.Login("alpha.test", user).Do("GET", "/admin/api/pages/"+testserver.FmtID(p.ID), nil)
		return body["permissions"].([]any)
	}
	if got := perms("fixer"); slices.Contains(got, any("copy")) || !slices.Contains(got, any("edit")) {
		t.Errorf("an editor who may add nowhere: %v", got)
	}
	if got := perms("ed"); !slices.Contains(got, any("copy")) {
		t.Errorf("an editor who may add: %v", got)
	}
}
