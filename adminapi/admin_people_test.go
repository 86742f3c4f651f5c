package adminapi_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

var adminPerms = []string{"access_admin", "view_history", "add_group", "change_group", "delete_group", "view_group", "add_user", "change_user", "delete_user", "view_user"}

func TestAdminGroupsAndUsers(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			// alice administers alpha; "both" edits alpha and beta.
			alice, _ := f.Svc.CreateUser(ctx, service.NewUser{Username: "alice", Password: "password-alice"})
			both, _ := f.Svc.CreateUser(ctx, service.NewUser{Username: "both", Password: "password-both"})
			admins, _ := db.Site(f.Alpha.ID, nil).CreateGroup(ctx, "Site managers")
			testserver.Must(t, db.Site(f.Alpha.ID, nil).SetGroupGrants(ctx, admins.ID, nil, adminPerms))
			testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, admins.ID, alice.ID))
			testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, f.AlphaEditors.ID, both.ID))
			var betaEditors *canopy.Group
			betaGroups, _ := db.Site(f.Beta.ID, nil).Groups(ctx)
			for _, g := range betaGroups {
				if g.Name == "Writers" {
					betaEditors = g
				}
			}
			testserver.Must(t, db.Site(f.Beta.ID, nil).AddMember(ctx, betaEditors.ID, both.ID))
			a := f.Login("alpha.test", "alice")
			bg := strconv.FormatInt(betaEditors.ID, 10)
			bea := strconv.FormatInt(f.Bea.ID, 10)

			// Listings show this site's groups and members only.
			status, list := a.Do("GET", "/admin/api/groups", nil)
			// Writers, Site managers, and the three default groups.
			if status != 200 || list["meta"].(map[string]any)["total_count"].(float64) != 5 {
				t.Fatalf("groups: %d %v", status, list)
			}
			status, list = a.Do("GET", "/admin/api/users", nil)
			if status != 200 || list["meta"].(map[string]any)["total_count"].(float64) != 3 {
				t.Fatalf("users: %d %v", status, list)
			}
			for _, it := range list["items"].([]any) {
				u := it.(map[string]any)
				if u["username"] == "bea" {
					t.Fatal("alpha's user list shows bea")
				}
				if u["username"] == "both" && len(u["groups"].([]any)) != 1 {
					t.Fatalf("both's groups on alpha reveal other sites: %v", u["groups"])
				}
			}
			// Another site's group and member: 404, nothing changed.
			for _, r := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/admin/api/groups/" + bg, nil},
				{"PATCH", "/admin/api/groups/" + bg, map[string]any{"name": "Hijacked"}},
				{"GET", "/admin/api/groups/" + bg + "/permissions", nil},
				{"PUT", "/admin/api/groups/" + bg + "/permissions", map[string]any{"pages": []any{}, "models": []string{}}},
				{"DELETE", "/admin/api/groups/" + bg, nil},
				{"GET", "/admin/api/users/" + bea, nil},
				{"PATCH", "/admin/api/users/" + bea, map[string]any{"email": "x@evil.example"}},
				{"DELETE", "/admin/api/users/" + bea, nil},
				{"PATCH", "/admin/api/users/" + strconv.FormatInt(both.ID, 10), map[string]any{"groups": []int64{betaEditors.ID}}},
			} {
				status, body := a.Do(r.method, r.path, r.body)
				want := 404
				if r.method == "PATCH" && r.path == "/admin/api/users/"+strconv.FormatInt(both.ID, 10) {
					want = 400 // a group of another site is not a group of this site
				}
				if status != want {
					t.Errorf("%s %s: %d %v", r.method, r.path, status, body)
				}
			}
			if g, err := db.Site(f.Beta.ID, nil).Group(ctx, betaEditors.ID); err != nil || g.Name != "Writers" {
				t.Fatalf("beta group changed: %v %v", g, err)
			}
			if m, err := db.Site(f.Beta.ID, nil).Member(ctx, f.Bea.ID); err != nil || m.Email != "bea@example.org" {
				t.Fatalf("bea changed: %+v %v", m, err)
			}
			// Grants: only this site's pages, only known permissions.
			eg := strconv.FormatInt(f.AlphaEditors.ID, 10)
			for _, body := range []map[string]any{
				{"pages": []map[string]any{{"page_id": f.Beta.RootPageID, "actions": []string{"change"}}}},
				{"models": []string{"launch_missiles"}},
				{"collections": []map[string]any{{"collection_id": f.Beta.RootCollectionID, "permissions": []string{"add_image"}}}},
				{"collections": []map[string]any{{"collection_id": f.Alpha.RootCollectionID, "permissions": []string{"add"}}}},
				{"pages": []map[string]any{{"page_id": f.Alpha.RootPageID, "actions": []string{"fly"}}}},
			} {
				if status, resp := a.Do("PUT", "/admin/api/groups/"+eg+"/permissions", body); status != 400 && status != 404 {
					t.Errorf("PUT grants %v: %d %v", body, status, resp)
				}
			}
			status, grants := a.Do("PUT", "/admin/api/groups/"+eg+"/permissions", map[string]any{
				"pages":       []map[string]any{{"page_id": f.Alpha.RootPageID, "actions": []string{"add", "change", "publish"}}},
				"collections": []map[string]any{{"collection_id": f.Alpha.RootCollectionID, "permissions": []string{"add_image", "choose_image"}}},
				"models":      []string{"access_admin"}})
			if status != 200 || len(grants["pages"].([]any)) != 1 || len(grants["collections"].([]any)) != 1 {
				t.Fatalf("PUT grants: %d %v", status, grants)
			}
			if acc, _ := db.Site(f.Alpha.ID, nil).UserAccess(ctx, f.Ed); len(acc.Collections) != 1 || acc.Collections[0].Path != "0001" {
				t.Fatalf("ed's collection grants: %+v", acc.Collections)
			}
			// Changing both's roles here leaves beta's membership alone.
			bid := strconv.FormatInt(both.ID, 10)
			if status, body := a.Do("PATCH", "/admin/api/users/"+bid, map[string]any{"groups": []int64{}}); status != 200 || len(body["groups"].([]any)) != 0 {
				t.Fatalf("remove roles: %d %v", status, body)
			}
			if acc, _ := db.Site(f.Beta.ID, nil).UserAccess(ctx, both); !acc.Member || len(acc.Groups) != 1 {
				t.Fatalf("both lost beta: %+v", acc)
			}
			// A site admin cannot hand out superuser powers.
			if status, _ := a.Do("PATCH", "/admin/api/users/"+strconv.FormatInt(f.Ed.ID, 10), map[string]any{"is_superuser": true}); status != 403 {
				t.Fatalf("site admin granted superuser: %d", status)
			}
			// A site-local user: can log in here, not on beta; removing deletes the account.
			status, local := a.Do("POST", "/admin/api/users", map[string]any{"username": "local", "password": "password-local",
				"email": "local@example.org", "groups": []int64{f.AlphaEditors.ID}})
			if status != 201 || local["site_local"] != true {
				t.Fatalf("create user: %d %v", status, local)
			}
			f.Login("alpha.test", "local")
			c := &testserver.Client{T: t, F: f.Fixture, Host: "beta.test"}
			if status, _ := c.Do("POST", "/admin/api/login", map[string]string{"username": "local", "password": "password-local"}); status != 401 {
				t.Fatalf("site-local user logged in on beta: %d", status)
			}
			if status, body := a.Do("POST", "/admin/api/users", map[string]any{"username": "LOCAL", "password": "password-x"}); status != 409 {
				t.Fatalf("duplicate username: %d %v", status, body)
			}
			if status, _ := a.Do("DELETE", "/admin/api/users/"+testserver.ID(local["id"]), nil); status != 204 {
				t.Fatal("remove local user")
			}
			if _, err := db.UserByUsername(ctx, "local"); err == nil {
				t.Fatal("site-local account survived its removal")
			}
			// An existing user (bea, of beta) is added to alpha by email; beta is untouched and unseen.
			status, added := a.Do("POST", "/admin/api/users/add", map[string]any{"user": "BEA@example.org", "groups": []int64{f.AlphaEditors.ID}})
			if status != 200 || added["username"] != "bea" || len(added["groups"].([]any)) != 1 {
				t.Fatalf("add existing user: %d %v", status, added)
			}
			if acc, _ := db.Site(f.Beta.ID, nil).UserAccess(ctx, f.Bea); !acc.Member {
				t.Fatal("adding bea to alpha disturbed beta")
			}
			if status, _ := a.Do("POST", "/admin/api/users/add", map[string]any{"user": "nobody", "groups": []int64{f.AlphaEditors.ID}}); status != 404 {
				t.Fatalf("add unknown user: %d", status)
			}
			if status, _ := a.Do("POST", "/admin/api/users/add", map[string]any{"user": "bea", "groups": []int64{betaEditors.ID}}); status != 400 {
				t.Fatalf("add to another site's group: %d", status)
			}
			// History: alpha's actions only, newest first, filterable.
			status, hist := a.Do("GET", "/admin/api/history?action=add_member&object_type=user", nil)
			if status != 200 || hist["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("history: %d %v", status, hist)
			}
			status, hist = a.Do("GET", "/admin/api/history?user="+strconv.FormatInt(alice.ID, 10), nil)
			if status != 200 {
				t.Fatalf("history by user: %d %v", status, hist)
			}
			for _, e := range hist["items"].([]any) {
				if e.(map[string]any)["site_id"].(float64) != float64(f.Alpha.ID) || e.(map[string]any)["user_id"].(float64) != float64(alice.ID) {
					t.Fatalf("history entry outside the filter: %v", e)
				}
			}
			if status, _ := a.Do("GET", "/admin/api/history?scope=all", nil); status != 403 {
				t.Fatalf("site admin sees every site's history: %d", status)
			}
			// An editor without group or user permissions is refused.
			ed := f.Login("alpha.test", "ed")
			if status, body := ed.Do("GET", "/admin/api/groups", nil); status != 403 || testserver.ErrCode(body) != "forbidden" {
				t.Fatalf("editor lists groups: %d %v", status, body)
			}
			_ = sqlstore.AdminsGroup
		})
	}
}

func TestAdminSites(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			root := f.Login("alpha.test", "root")
			ed := f.Login("alpha.test", "ed")
			if status, body := ed.Do("GET", "/admin/api/sites", nil); status != 403 || testserver.ErrCode(body) != "forbidden" {
				t.Fatalf("editor lists sites: %d %v", status, body)
			}
			status, gamma := root.Do("POST", "/admin/api/sites", map[string]any{"hostname": "Gamma.Test", "name": "Gamma"})
			if status != 201 || gamma["hostname"] != "gamma.test" || gamma["root_collection_id"] == nil {
				t.Fatalf("create site: %d %v", status, gamma)
			}
			if r := f.Get("gamma.test", "/"); r.Status != 200 || !strings.Contains(r.Body, "<h1>Gamma</h1>") {
				t.Fatalf("new site not served at once: %d", r.Status)
			}
			for _, bad := range []map[string]any{{"hostname": "bad host"}, {"hostname": "gamma.test"}, {"hostname": "x.test", "theme": "neon"}, {"hostname": "x.test", "is_default": true}} {
				if status, body := root.Do("POST", "/admin/api/sites", bad); status != 400 && status != 409 {
					t.Errorf("create %v: %d %v", bad, status, body)
				}
			}
			gid := testserver.ID(gamma["id"])
			// Templates: listed for superusers; a site from "standard" has its pages at once.
			if status, body := ed.Do("GET", "/admin/api/site-templates", nil); status != 403 {
				t.Fatalf("editor lists templates: %d %v", status, body)
			}
			status, tl := root.Do("GET", "/admin/api/site-templates", nil)
			if status != 200 || tl["meta"].(map[string]any)["total_count"].(float64) != 2 {
				t.Fatalf("templates: %d %v", status, tl)
			}
			if std := tl["items"].([]any)[1].(map[string]any); std["name"] != "standard" || std["pages"].(float64) != 4 {
				t.Fatalf("standard template: %v", std)
			}
			status, delta := root.Do("POST", "/admin/api/sites", map[string]any{"hostname": "delta.test", "name": "Delta", "template": "standard",
				"features": map[string]any{"content_api": false, "events": true}})
			if status != 201 || delta["features"].(map[string]any)["content_api"] != false {
				t.Fatalf("create from template: %d %v", status, delta)
			}
			if r := f.Get("delta.test", "/about/"); r.Status != 200 || !strings.Contains(r.Body, "About") {
				t.Fatalf("template page not served: %d", r.Status)
			}
			// content_api off: the site's content API answers 404, the pages still render.
			if r := f.Get("delta.test", "/api/v2/pages/"); r.Status != 404 || !strings.Contains(r.Body, "turned off") {
				t.Fatalf("content API with the flag off: %d %s", r.Status, r.Body)
			}
			did := testserver.ID(delta["id"])
			status, body := root.Do("PATCH", "/admin/api/sites/"+did, map[string]any{"features": map[string]any{"content_api": true, "events": nil, "news": true}})
			if status != 200 || fmt.Sprint(body["features"]) != "map[content_api:true news:true]" {
				t.Fatalf("patch features: %d %v", status, body)
			}
			if r := f.Get("delta.test", "/api/v2/pages/"); r.Status != 200 {
				t.Fatalf("content API with the flag back on: %d", r.Status)
			}
			for _, bad := range []map[string]any{{"features": map[string]any{"Bad Flag": true}}, {"template": "standard"}} {
				if status, body := root.Do("PATCH", "/admin/api/sites/"+did, bad); status != 400 {
					t.Errorf("patch %v: %d %v", bad, status, body)
				}
			}
			before, _ := f.Svc.DB.Count(ctx, `SELECT count(*) FROM sites`)
			for _, bad := range []map[string]any{{"hostname": "e.test", "template": "nope"}, {"hostname": "e.test", "template": ""},
				{"hostname": "e.test", "features": map[string]any{"x": nil}}, {"hostname": "e.test", "features": map[string]any{"Bad": true}}} {
				if status, body := root.Do("POST", "/admin/api/sites", bad); status != 400 || testserver.ErrCode(body) != "invalid" {
					t.Errorf("create %v: %d %v", bad, status, body)
				}
			}
			if after, _ := f.Svc.DB.Count(ctx, `SELECT count(*) FROM sites`); after != before {
				t.Fatal("a refused creation left a site")
			}
			// Rename: one row changes, the site answers at its new name.
			if status, body := root.Do("PATCH", "/admin/api/sites/"+gid, map[string]any{"hostname": "choir.test"}); status != 200 || body["hostname"] != "choir.test" {
				t.Fatalf("rename: %d %v", status, body)
			}
			if r := f.Get("choir.test", "/"); !strings.Contains(r.Body, "<h1>Gamma</h1>") {
				t.Fatal("renamed site not served at its new hostname")
			}
			if r := f.Get("gamma.test", "/"); strings.Contains(r.Body, "<h1>Gamma</h1>") {
				t.Fatal("old hostname still serves the renamed site")
			}
			// Other hostnames: the old name kept as an alias redirects to the
			// site (a POST with 308); one that is another site's is refused.
			if status, body := root.Do("PATCH", "/admin/api/sites/"+gid, map[string]any{"aliases": []string{"Gamma.test", "www.choir.test"}}); status != 200 ||
				fmt.Sprint(body["aliases"]) != "[gamma.test www.choir.test]" {
				t.Fatalf("aliases: %d %v", status, body)
			}
			testserver.Eventually(t, "the alias redirects", func() bool {
				r := f.Get("gamma.test", "/about/?x=1")
				return r.Status == 301 && strings.HasSuffix(r.Header.Get("Location"), "choir.test/about/?x=1")
			})
			if status, h, _ := f.Post("www.choir.test", "/search/", url.Values{"q": {"x"}}); status != 308 || !strings.Contains(h.Get("Location"), "choir.test/search/") {
				t.Errorf("POST to an alias: %d %v", status, h)
			}
			if status, body := root.Do("PATCH", "/admin/api/sites/"+did, map[string]any{"aliases": []string{"www.choir.test"}}); status != 409 || testserver.ErrCode(body) != "conflict" {
				t.Errorf("another site's alias: %d %v", status, body)
			}
			if status, body := root.Do("PATCH", "/admin/api/sites/"+did, map[string]any{"aliases": []string{"not a host"}}); status != 400 {
				t.Errorf("a bad alias: %d %v", status, body)
			}
			// Delete: the default site needs a successor.
			alphaID := strconv.FormatInt(f.Alpha.ID, 10)
			if status, body := root.Do("DELETE", "/admin/api/sites/"+alphaID, nil); status != 400 {
				t.Fatalf("delete default without successor: %d %v", status, body)
			}
			if status, _ := root.Do("DELETE", "/admin/api/sites/"+gid, nil); status != 204 {
				t.Fatal("delete site")
			}
			if r := f.Get("choir.test", "/"); strings.Contains(r.Body, "<h1>Gamma</h1>") {
				t.Fatal("deleted site still served")
			}
			if status, _ := root.Do("GET", "/admin/api/sites/"+gid, nil); status != 404 {
				t.Fatal("deleted site still found")
			}
			// Superusers see installation-level actions in the history.
			status, hist := root.Do("GET", "/admin/api/history?object_type=site&action=delete", nil)
			if status != 200 || hist["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("superuser history: %d %v", status, hist)
			}
		})
	}
}

func TestAdminSnippets(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			snipAdmins, _ := db.Site(f.Alpha.ID, nil).CreateGroup(ctx, "Snippet editors")
			testserver.Must(t, db.Site(f.Alpha.ID, nil).SetGroupGrants(ctx, snipAdmins.ID, nil, []string{"access_admin", "add_location", "change_location", "delete_location", "view_location"}))
			testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, snipAdmins.ID, f.Ed.ID))
			ed := f.Login("alpha.test", "ed")
			root := f.Login("beta.test", "root")

			status, hall := ed.Do("POST", "/admin/api/snippets/location", map[string]any{"name": "Main Hall", "building_name": "Old Library", "room_number": "G.01"})
			if status != 201 || hall["site_id"].(float64) != float64(f.Alpha.ID) || hall["name"] != "Main Hall" {
				t.Fatalf("create: %d %v", status, hall)
			}
			// Uniqueness is per site: beta may have its own Main Hall, alpha not a second one.
			status, betaHall := root.Do("POST", "/admin/api/snippets/location", map[string]any{"name": "Main Hall"})
			if status != 201 {
				t.Fatalf("beta's Main Hall: %d %v", status, betaHall)
			}
			if status, body := ed.Do("POST", "/admin/api/snippets/location", map[string]any{"name": "main hall"}); status != 409 {
				t.Fatalf("duplicate on alpha: %d %v", status, body)
			}
			ed.Do("POST", "/admin/api/snippets/location", map[string]any{"name": "Lab 3", "building_name": "Physics"})
			// Listing and chooser: alpha's snippets only, searchable.
			status, list := ed.Do("GET", "/admin/api/snippets/location?q=LIBRARY", nil)
			if status != 200 || list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("search: %d %v", status, list)
			}
			status, ch := ed.Do("GET", "/admin/api/snippets/location/choose?q=a", nil)
			if status != 200 || ch["meta"].(map[string]any)["total_count"].(float64) != 2 {
				t.Fatalf("chooser: %d %v", status, ch)
			}
			// Longer queries go to the search index: stemmed, the last word a
			// prefix, this site's snippets only.
			for q, want := range map[string]float64{"halls": 1, "main ha": 1, "physic": 1, "hall lab": 0} {
				status, found := ed.Do("GET", "/admin/api/snippets/location/choose?q="+url.QueryEscape(q), nil)
				if status != 200 || found["meta"].(map[string]any)["total_count"].(float64) != want {
					t.Errorf("chooser %q: %d %v", q, status, found)
				}
			}
			// Another site's snippet: 404 everywhere, and it cannot be referenced.
			bh := testserver.ID(betaHall["id"])
			for _, r := range []struct {
				method string
				body   any
			}{{"GET", nil}, {"PATCH", map[string]any{"name": "Hijacked"}}, {"DELETE", nil}} {
				if status, _ := ed.Do(r.method, "/admin/api/snippets/location/"+bh, r.body); status != 404 {
					t.Errorf("%s beta's snippet on alpha: %d", r.method, status)
				}
			}
			home := strconv.FormatInt(f.Alpha.RootPageID, 10)
			status, body := ed.Do("POST", "/admin/api/pages/"+home+"/children", map[string]any{"type": "canopy.EventPage", "title": "Talk",
				"fields": map[string]any{"start": "2026-12-01T18:00:00Z", "location": betaHall["id"]}})
			if status != 400 {
				t.Fatalf("event at beta's location: %d %v", status, body)
			}
			// The event type's rule across fields: the end after the start.
			status, body = ed.Do("POST", "/admin/api/pages/"+home+"/children", map[string]any{"type": "canopy.EventPage", "title": "Backwards",
				"fields": map[string]any{"start": "2026-12-01T18:00:00Z", "end": "2026-12-01T17:00:00Z"}})
			if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "fields.end" || !strings.Contains(fmt.Sprint(e["message"]), "must end after it starts") {
				t.Errorf("an event ending before it starts: %d %v", status, body)
			}
			status, ev := ed.Do("POST", "/admin/api/pages/"+home+"/children", map[string]any{"type": "canopy.EventPage", "title": "Talk",
				"fields": map[string]any{"start": "2026-12-01T18:00:00Z", "location": hall["id"]}})
			if status != 201 {
				t.Fatalf("event at alpha's location: %d %v", status, ev)
			}
			if status, body := ed.Do("PATCH", "/admin/api/pages/"+testserver.ID(ev["id"]), map[string]any{"fields": map[string]any{"end": "2026-11-30T18:00:00Z"}}); status != 400 {
				t.Errorf("a draft ending before it starts: %d %v", status, body)
			}
			// Visitors and the content API see the location.
			rootAlpha := f.Login("alpha.test", "root")
			if status, _ := rootAlpha.Do("POST", "/admin/api/pages/"+testserver.ID(ev["id"])+"/publish", nil); status != 200 {
				t.Fatal("publish")
			}
			if r := f.Get("alpha.test", "/talk/"); !strings.Contains(r.Body, "Main Hall, Old Library, room G.01") {
				t.Fatalf("event page lacks its location: %s", r.Body)
			}
			_, api := f.JSON("alpha.test", "/api/v2/pages/"+testserver.ID(ev["id"])+"/")
			loc, _ := api["location"].(map[string]any)
			if loc == nil || loc["title"] != "Main Hall" || loc["meta"].(map[string]any)["type"] != "location" {
				t.Fatalf("API location: %v", api["location"])
			}
			// Editing and deleting; the beta snippet is untouched.
			if status, body := ed.Do("PATCH", "/admin/api/snippets/location/"+testserver.ID(hall["id"]), map[string]any{"room_number": "G.02"}); status != 200 || body["name"] != "Main Hall" || body["room_number"] != "G.02" {
				t.Fatalf("patch: %d %v", status, body)
			}
			if status, body := ed.Do("PATCH", "/admin/api/snippets/location/"+testserver.ID(hall["id"]), map[string]any{"colour": "red"}); status != 400 {
				t.Fatalf("unknown field: %d %v", status, body)
			}
			if status, _ := ed.Do("GET", "/admin/api/snippets/nope", nil); status != 404 {
				t.Fatal("unknown snippet type")
			}
			if sn, err := db.Site(f.Beta.ID, f.Svc.Types).Snippet(ctx, "location", int64(betaHall["id"].(float64))); err != nil || sn.Title != "Main Hall" {
				t.Fatalf("beta's snippet changed: %v %v", sn, err)
			}
			// Without snippet permissions: 403.
			bea := f.Login("beta.test", "bea")
			if status, _ := bea.Do("POST", "/admin/api/snippets/location", map[string]any{"name": "X"}); status != 403 {
				t.Fatalf("beta writer creates snippets: %d", status)
			}
		})
	}
}

func TestAdminSettings(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			// alice is in alpha's default Admins group (which holds change_general).
			alice, _ := f.Svc.CreateUser(ctx, service.NewUser{Username: "alice", Password: "password-alice"})
			groups, _ := db.Site(f.Alpha.ID, nil).Groups(ctx)
			for _, g := range groups {
				if g.Name == "Admins" {
					testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, g.ID, alice.ID))
				}
			}
			a := f.Login("alpha.test", "alice")
			status, body := a.Do("PUT", "/admin/api/settings/general", map[string]any{"contact_email": "office@alpha.test", "mastodon_url": "https://social.example/@alpha"})
			if status != 200 || body["contact_email"] != "office@alpha.test" {
				t.Fatalf("save settings: %d %v", status, body)
			}
			for _, bad := range []map[string]any{{"contact_email": "not an email"}, {"facebook_url": "javascript:alert(1)"}, {"colour": "red"}, {"logo": 5}} {
				if status, body := a.Do("PUT", "/admin/api/settings/general", bad); status != 400 {
					t.Errorf("PUT %v: %d %v", bad, status, body)
				}
			}
			if status, _ := a.Do("GET", "/admin/api/settings/nope", nil); status != 404 {
				t.Fatal("unknown settings")
			}
			// Beta's settings are untouched; visitors of alpha see alpha's only.
			if got, _ := db.Site(f.Beta.ID, f.Svc.Types).Settings(ctx, "general"); len(got) != 0 {
				t.Fatalf("beta's settings changed: %v", got)
			}
			if r := f.Get("alpha.test", "/"); !strings.Contains(r.Body, "mailto:office@alpha.test") || !strings.Contains(r.Body, `rel="me"`) {
				t.Fatal("alpha's footer lacks its settings")
			}
			if r := f.Get("beta.test", "/"); strings.Contains(r.Body, "office@alpha.test") {
				t.Fatal("beta shows alpha's settings")
			}
			_, api := f.JSON("alpha.test", "/api/v2/settings/general/")
			if api["contact_email"] != "office@alpha.test" {
				t.Fatalf("settings API: %v", api)
			}
			// Without change_general: 403.
			ed := f.Login("alpha.test", "ed")
			if status, _ := ed.Do("PUT", "/admin/api/settings/general", map[string]any{"contact_email": "x@y.z"}); status != 403 {
				t.Fatalf("editor changes settings: %d", status)
			}
		})
	}
}

func TestAdminRedirects(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			about := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true, nil)
			betaPage := f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "Beta page", true, nil)
			alice, _ := f.Svc.CreateUser(ctx, service.NewUser{Username: "alice", Password: "password-alice"})
			for _, site := range []*canopy.Site{f.Alpha} {
				groups, _ := db.Site(site.ID, nil).Groups(ctx)
				for _, g := range groups {
					if g.Name == "Admins" {
						testserver.Must(t, db.Site(site.ID, nil).AddMember(ctx, g.ID, alice.ID))
					}
				}
			}
			a := f.Login("alpha.test", "alice")
			status, red := a.Do("POST", "/admin/api/redirects", map[string]any{"old_path": "/Old-About/", "redirect_page_id": about.ID})
			if status != 201 || red["old_path"] != "/Old-About" {
				t.Fatalf("create: %d %v", status, red)
			}
			if status, body := a.Do("POST", "/admin/api/redirects", map[string]any{"old_path": "/x", "redirect_page_id": betaPage.ID}); status != 400 {
				t.Fatalf("redirect to another site's page: %d %v", status, body)
			}
			if status, _ := a.Do("POST", "/admin/api/redirects", map[string]any{"old_path": "/chat", "redirect_link": "https://chat.example.org/", "is_permanent": false}); status != 201 {
				t.Fatal("link redirect")
			}
			if status, _ := a.Do("POST", "/admin/api/redirects", map[string]any{"old_path": "/Old-About", "redirect_link": "https://x.example/"}); status != 409 {
				t.Fatal("duplicate old path")
			}
			// Delivery applies them before a 404, with and without the trailing slash.
			for _, p := range []string{"/Old-About", "/Old-About/"} {
				if r := f.Get("alpha.test", p); r.Status != 301 || r.Header.Get("Location") != "/about/" {
					t.Fatalf("GET %s: %d %v", p, r.Status, r.Header.Get("Location"))
				}
			}
			if r := f.Get("alpha.test", "/chat/"); r.Status != 302 || r.Header.Get("Location") != "https://chat.example.org/" {
				t.Fatalf("temporary link redirect: %d %v", r.Status, r.Header)
			}
			if r := f.Get("beta.test", "/Old-About/"); r.Status != 404 {
				t.Fatalf("alpha's redirect applies on beta: %d", r.Status)
			}
			// CSV import: bad rows reported by line, nothing applied...
			a.Hdr = map[string]string{"Content-Type": "text/csv"}
			csvBody := "from,to,permanent\n/a,/about/,true\n/b,ftp://nope,true\n/c,https://example.org/c,maybe\n/d,https://example.org/d,false\n"
			status, body := a.Do("POST", "/admin/api/redirects/import", csvBody)
			rows, _ := body["error"].(map[string]any)["rows"].([]any)
			if status != 400 || len(rows) != 2 || rows[0].(map[string]any)["line"].(float64) != 3 || rows[1].(map[string]any)["line"].(float64) != 4 {
				t.Fatalf("import with bad rows: %d %v", status, body)
			}
			a.Hdr = nil
			if _, list := a.Do("GET", "/admin/api/redirects", nil); list["meta"].(map[string]any)["total_count"].(float64) != 2 {
				t.Fatalf("a refused import applied rows: %v", list)
			}
			// ...unless asked: then the valid rows go in.
			a.Hdr = map[string]string{"Content-Type": "text/csv"}
			status, body = a.Do("POST", "/admin/api/redirects/import?partial=true", csvBody)
			a.Hdr = nil
			if status != 200 || body["created"].(float64) != 2 || len(body["errors"].([]any)) != 2 {
				t.Fatalf("partial import: %d %v", status, body)
			}
			if r := f.Get("alpha.test", "/a"); r.Status != 301 || r.Header.Get("Location") != "/about/" {
				t.Fatalf("imported redirect to a page: %d %v", r.Status, r.Header)
			}
			// Redirects that would never be used or go in a circle are refused
			// beside the field: from a live page's address, to itself, into a
			// chain that comes back; in a file, rows leading to each other.
			for _, bad := range []map[string]any{
				{"old_path": "/about", "redirect_link": "https://example.org/"},
				{"old_path": "/loop", "redirect_link": "/loop/"},
				{"old_path": "/d", "redirect_link": "/a"}, // /a → About; fine: no circle
			} {
				status, body := a.Do("POST", "/admin/api/redirects", bad)
				if bad["old_path"] == "/d" {
					if status != 409 { // /d exists already (imported above)
						t.Errorf("%v: %d %v", bad, status, body)
					}
					continue
				}
				if status != 400 {
					t.Errorf("%v: %d %v", bad, status, body)
				}
			}
			if status, _ := a.Do("POST", "/admin/api/redirects", map[string]any{"old_path": "/x1", "redirect_link": "/x2"}); status != 201 {
				t.Fatal("x1 → x2")
			}
			if status, body := a.Do("POST", "/admin/api/redirects", map[string]any{"old_path": "/x2", "redirect_link": "/x1"}); status != 400 || body["error"].(map[string]any)["field"] != "redirect_link" {
				t.Errorf("x2 → x1 closes a circle: %d %v", status, body)
			}
			a.Hdr = map[string]string{"Content-Type": "text/csv"}
			status, body = a.Do("POST", "/admin/api/redirects/import", "\xef\xbb\xbffrom,to\n/y1,/y2\n/y2,/y1\n/y3,https://example.org/\n")
			rows, _ = body["error"].(map[string]any)["rows"].([]any)
			if status != 400 || len(rows) != 2 {
				t.Errorf("a circle within a file (with a BOM): %d %v", status, body)
			}
			a.Hdr = nil
			// Another site's redirect ids are 404; deleting the target page removes its redirects.
			betaSite := f.Svc.Pages(f.Beta.ID).Store()
			if _, _, err := betaSite.SaveRedirects(ctx, []sqlstore.RedirectInput{{OldPath: "/beta-old", RedirectPageID: betaPage.ID, IsPermanent: true}}, false); err != nil {
				t.Fatal(err)
			}
			bl, _, _ := betaSite.Redirects(ctx, "", 10, 0)
			for _, m := range []string{"GET", "DELETE"} {
				if status, _ := a.Do(m, "/admin/api/redirects/"+strconv.FormatInt(bl[0].ID, 10), nil); status != 404 {
					t.Errorf("%s beta's redirect on alpha: %d", m, status)
				}
			}
			if _, err := f.Svc.Pages(f.Alpha.ID).Store().Delete(ctx, about.ID); err != nil {
				t.Fatal(err)
			}
			if _, list := a.Do("GET", "/admin/api/redirects", nil); list["meta"].(map[string]any)["total_count"].(float64) != 3 { // /chat, /d, /x1
				t.Fatalf("redirects to a deleted page remain: %v", list)
			}
		})
	}
}

// TestAdminSitesListPagesAndSearches: GET sites pages, searches (hostname or
// name, any case) and orders in SQL, with total_count counting every match;
// a bad order or limit is a 400 naming the problem.
func TestAdminSitesListPagesAndSearches(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			for i := 0; i < 12; i++ {
				name := fmt.Sprintf("Department %02d", i)
				if i%3 == 0 {
					name = fmt.Sprintf("Library %02d", i)
				}
				if _, err := f.Svc.CreateSite(ctx, canopy.NewSite{Hostname: fmt.Sprintf("dept%02d.example.org", i), Name: name}); err != nil {
					t.Fatal(err)
				}
			}
			root := f.Login("alpha.test", "root")
			hosts := func(body map[string]any) []string {
				var out []string
				for _, it := range body["items"].([]any) {
					out = append(out, it.(map[string]any)["hostname"].(string))
				}
				return out
			}
			total := func(body map[string]any) int {
				return int(body["meta"].(map[string]any)["total_count"].(float64))
			}
			_, all := root.Do("GET", "/admin/api/sites", nil)
			if total(all) != 14 || len(hosts(all)) != 14 || hosts(all)[0] != "alpha.test" {
				t.Fatalf("all sites: %d %v", total(all), hosts(all))
			}
			_, page := root.Do("GET", "/admin/api/sites?limit=5&offset=5", nil)
			if total(page) != 14 || fmt.Sprint(hosts(page)) != "[dept03.example.org dept04.example.org dept05.example.org dept06.example.org dept07.example.org]" {
				t.Fatalf("second page: %d %v", total(page), hosts(page))
			}
			_, lib := root.Do("GET", "/admin/api/sites?q=LIBRARY&order=-name", nil)
			if total(lib) != 4 || fmt.Sprint(hosts(lib)) != "[dept09.example.org dept06.example.org dept03.example.org dept00.example.org]" {
				t.Fatalf("search by name: %d %v", total(lib), hosts(lib))
			}
			_, byHost := root.Do("GET", "/admin/api/sites?q=dept1&limit=1", nil)
			if total(byHost) != 2 || fmt.Sprint(hosts(byHost)) != "[dept10.example.org]" {
				t.Fatalf("search by hostname: %d %v", total(byHost), hosts(byHost))
			}
			_, none := root.Do("GET", "/admin/api/sites?q=%25_", nil)
			if total(none) != 0 || len(none["items"].([]any)) != 0 {
				t.Fatalf("LIKE wildcards are literal: %v", none)
			}
			for _, bad := range []string{"?order=theme", "?limit=501", "?offset=-1"} {
				if status, body := root.Do("GET", "/admin/api/sites"+bad, nil); status != 400 || testserver.ErrCode(body) != "invalid" {
					t.Fatalf("%s: %d %v", bad, status, body)
				}
			}
		})
	}
}

// TestAdminListsPageInSQL: a group's members and a page's revisions are
// searched and paged in SQL like every admin list, total_count counting every
// match; limit=0 answers the count alone.
func TestAdminListsPageInSQL(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			sdb := f.Svc.DB.Site(f.Alpha.ID, nil)
			g, err := sdb.CreateGroup(ctx, "Volunteers")
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 7; i++ {
				u, err := f.Svc.CreateUser(ctx, service.NewUser{Username: fmt.Sprintf("vol%d", i), Password: "password-vol", Email: fmt.Sprintf("v%d@example.org", i)})
				if err != nil {
					t.Fatal(err)
				}
				if err := sdb.AddMember(ctx, g.ID, u.ID); err != nil {
					t.Fatal(err)
				}
			}
			root := f.Login("alpha.test", "root")
			names := func(body map[string]any) string {
				var out []string
				for _, it := range body["items"].([]any) {
					out = append(out, it.(map[string]any)["username"].(string))
				}
				return fmt.Sprint(body["meta"].(map[string]any)["total_count"], out)
			}
			members := fmt.Sprintf("/admin/api/groups/%d/members", g.ID)
			if _, body := root.Do("GET", members+"?limit=3&offset=2", nil); names(body) != "7 [vol2 vol3 vol4]" {
				t.Fatalf("members page: %s", names(body))
			}
			if _, body := root.Do("GET", members+"?q=V5@EXAMPLE", nil); names(body) != "1 [vol5]" {
				t.Fatalf("members search: %s", names(body))
			}
			if _, body := root.Do("GET", members+"?limit=0", nil); names(body) != "7 []" {
				t.Fatalf("members count: %s", names(body))
			}
			_, groups := root.Do("GET", "/admin/api/groups?q=VOLUN", nil)
			if items := groups["items"].([]any); groups["meta"].(map[string]any)["total_count"].(float64) != 1 || len(items) != 1 || items[0].(map[string]any)["name"] != "Volunteers" {
				t.Fatalf("groups search: %v", groups)
			}
			// Another site's admin never finds or counts it.
			_, other := f.Login("beta.test", "root").Do("GET", "/admin/api/groups?q=volun", nil)
			if other["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("beta finds alpha's group: %v", other)
			}
			_, groups = root.Do("GET", "/admin/api/groups?limit=1&offset=1", nil)
			if total := groups["meta"].(map[string]any)["total_count"].(float64); total < 2 || len(groups["items"].([]any)) != 1 {
				t.Fatalf("groups page: %v", groups)
			}
			p := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Edited", true, nil)
			for i := 0; i < 4; i++ {
				if status, body := root.Do("PATCH", fmt.Sprintf("/admin/api/pages/%d", p.ID), map[string]any{"title": fmt.Sprintf("Edit %d", i)}); status != 200 {
					t.Fatalf("edit: %d %v", status, body)
				}
			}
			status, body := root.Do("GET", fmt.Sprintf("/admin/api/pages/%d/revisions?limit=2&offset=1", p.ID), nil)
			items, _ := body["items"].([]any)
			if status != 200 || body["meta"].(map[string]any)["total_count"].(float64) != 5 || len(items) != 2 {
				t.Fatalf("revisions page: %d %v", status, body)
			}
			if status, body := root.Do("GET", fmt.Sprintf("/admin/api/pages/%d/revisions?limit=501", p.ID), nil); status != 400 || testserver.ErrCode(body) != "invalid" {
				t.Fatalf("bad limit: %d %v", status, body)
			}
		})
	}
}
