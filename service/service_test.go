package service_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/perm"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

var ctx = context.Background()

func newService(t *testing.T, db *sqlstore.DB) *service.Service {
	types, err := canopy.NewPageTypes()
	if err != nil {
		t.Fatal(err)
	}
	s := service.New(db, types)
	s.BcryptCost = 4
	return s
}

func TestDemo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db)
		res, err := svc.Demo(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Sites) != 3 || !res.Sites[0].IsDefault || res.Sites[0].Hostname != "localhost" || len(res.Password) < 16 {
			t.Fatalf("demo = %+v", res)
		}
		admin, err := db.UserByUsername(ctx, "admin")
		if err != nil || !admin.IsSuperuser || !service.CheckPassword(admin, res.Password) || service.CheckPassword(admin, "wrong") {
			t.Fatalf("admin = %+v, %v", admin, err)
		}
		for _, s := range res.Sites {
			pages, total, err := svc.Pages(s.ID).Store().QueryPages(ctx, canopy.PageQuery{LiveOnly: true, Limit: 100})
			if err != nil || total < 10 {
				t.Fatalf("%s has %d live pages, %v", s.Hostname, total, err)
			}
			types := map[string]bool{}
			for _, p := range pages {
				types[p.Type] = true
			}
			for _, want := range []string{canopy.HomeType, canopy.StandardType, canopy.EventType, canopy.IndexType} {
				if !types[want] {
					t.Errorf("%s has no live %s", s.Hostname, want)
				}
			}
		}
		if _, err := svc.Demo(ctx, 0); canopy.ErrorCode(err) != canopy.ECONFLICT {
			t.Fatalf("second demo: %v", err)
		}
	})
}

func TestGenerate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db)
		sites, err := svc.Generate(ctx, 3, 50, nil)
		if err != nil || len(sites) != 3 {
			t.Fatalf("generate: %v %v", sites, err)
		}
		more, err := svc.Generate(ctx, 1, 0, nil)
		if err != nil || more[0].Hostname != "gen-4.localhost" {
			t.Fatalf("second generate: %v %v", more, err)
		}
		_, total, err := svc.Pages(sites[1].ID).Store().QueryPages(ctx, canopy.PageQuery{LiveOnly: true})
		if err != nil || total != 51 {
			t.Fatalf("generated site has %d live pages (want 50 + home), %v", total, err)
		}
		if _, err := svc.Generate(ctx, 0, 5, nil); canopy.ErrorCode(err) != canopy.EINVALID {
			t.Fatal("zero sites accepted")
		}
	})
}

func TestPageInputValidation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db)
		site, err := svc.CreateSite(ctx, canopy.NewSite{Hostname: "a.test"})
		if err != nil {
			t.Fatal(err)
		}
		pages := svc.Pages(site.ID)
		bad := []service.PageInput{
			{Type: canopy.StandardType, Title: ""},
			{Type: canopy.StandardType, Title: strings.Repeat("t", 300)},
			{Type: canopy.StandardType, Title: "X", Slug: strings.Repeat("s", 256)},
			{Type: canopy.StandardType, Title: "X", Slug: "Has Spaces"},
			{Type: canopy.StandardType, Title: "X", Fields: map[string]any{"nope": "x"}},
			{Type: canopy.EventType, Title: "No start"},
			{Type: "nope.Type", Title: "X"},
		}
		for _, in := range bad {
			if _, err := pages.Create(ctx, site.RootPageID, in, 0, true); canopy.ErrorCode(err) != canopy.EINVALID {
				t.Errorf("Create(%+v) = %v, want invalid", in, err)
			}
		}
		// Rich text is sanitised on save.
		p, err := pages.Create(ctx, site.RootPageID, service.PageInput{Type: canopy.StandardType, Title: "Hi",
			Fields: map[string]any{"body": `<p>ok<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a></p><script>bad()</script>`}}, 0, true)
		if err != nil {
			t.Fatal(err)
		}
		body := p.Fields["body"].(string)
		if strings.Contains(body, "script") || strings.Contains(body, "onerror") || strings.Contains(body, "javascript:") || !strings.Contains(body, "<p>ok") {
			t.Fatalf("not sanitised: %s", body)
		}
		// A page reference must point at a page of the same site.
		other, _ := svc.CreateSite(ctx, canopy.NewSite{Hostname: "b.test"})
		types, _ := canopy.NewPageTypes(canopy.PageType{Name: "x.Linky", Fields: []canopy.Field{{Name: "related", Type: canopy.FieldPage}}})
		svc2 := service.New(db, types)
		if _, err := svc2.Pages(site.ID).Create(ctx, site.RootPageID, service.PageInput{Type: "x.Linky", Title: "L",
			Fields: map[string]any{"related": float64(other.RootPageID)}}, 0, true); canopy.ErrorCode(err) != canopy.EINVALID {
			t.Fatalf("cross-site page reference accepted: %v", err)
		}
		if _, err := svc2.Pages(site.ID).Create(ctx, site.RootPageID, service.PageInput{Type: "x.Linky", Title: "L",
			Fields: map[string]any{"related": float64(p.ID)}}, 0, true); err != nil {
			t.Fatalf("same-site reference refused: %v", err)
		}
	})
}

func TestFailedImportLeavesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db)
		site, _ := svc.CreateSite(ctx, canopy.NewSite{Hostname: "a.test"})
		store := svc.Pages(site.ID).Store()
		tree := service.GeneratedTree(40)
		// An event page cannot hold children: the last section's last page breaks the rule.
		last := tree[len(tree)-1]
		last.Type = canopy.EventType
		last.Content.Fields = map[string]any{"start": "2026-01-01T00:00:00Z"}
		if _, err := store.Import(ctx, site.RootPageID, tree, 0); canopy.ErrorCode(err) != canopy.EINVALID {
			t.Fatalf("import = %v", err)
		}
		_, total, _ := store.QueryPages(ctx, canopy.PageQuery{})
		home, _ := store.Home(ctx)
		if total != 1 || home.NumChild != 0 {
			t.Fatalf("failed import left %d pages, home numchild %d", total, home.NumChild)
		}
	})
}

// TestAdminChildrenQueryCount: loading a user's grants and listing children
// with each row's actions costs the same number of queries for 10 children as
// for 300, whatever the number of groups.
func TestAdminChildrenQueryCount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db)
		site, _ := svc.CreateSite(ctx, canopy.NewSite{Hostname: "a.test"})
		store := svc.Pages(site.ID).Store()
		if _, err := store.Import(ctx, site.RootPageID, service.GeneratedTree(11), 0); err != nil {
			t.Fatal(err)
		}
		u, _ := svc.CreateUser(ctx, service.NewUser{Username: "ed", Password: "password-ed"})
		home, _ := store.Home(ctx)
		for i := 0; i < 4; i++ {
			g, _ := db.Site(site.ID, nil).CreateGroup(ctx, "G"+string(rune('a'+i)))
			if err := db.Site(site.ID, nil).SetGroupGrants(ctx, g.ID, []canopy.PageGrantRow{{PageID: home.ID, Actions: []string{"add", "change"}}}, []string{"access_admin"}); err != nil {
				t.Fatal(err)
			}
			db.Site(site.ID, nil).AddMember(ctx, g.ID, u.ID)
		}
		count := func(parent int64) (int64, int) {
			before := db.ReadQueries()
			a, err := svc.AdminFor(ctx, site, u)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := a.Children(ctx, parent)
			if err != nil {
				t.Fatal(err)
			}
			return db.ReadQueries() - before, len(rows)
		}
		sections, _ := store.Children(ctx, home.ID, false)
		q1, n1 := count(sections[0].ID)
		var big []*canopy.ImportPage
		for i := 0; i < 300; i++ {
			big = append(big, &canopy.ImportPage{Type: canopy.StandardType, Content: canopy.PageContent{Title: "p", Slug: "p" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + strconv.Itoa(i)}})
		}
		if _, err := store.Import(ctx, sections[1].ID, big, 0); err != nil {
			t.Fatal(err)
		}
		q2, n2 := count(sections[1].ID)
		if n2 < 300 || q1 != q2 || q1 > 5 {
			t.Fatalf("queries: %d for %d rows, %d for %d rows", q1, n1, q2, n2)
		}
		t.Logf("%d queries for %d rows and for %d rows", q1, n1, n2)
	})
}

func TestSiteCreatorDefaults(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db)
		site, err := svc.CreateSite(ctx, canopy.NewSite{Hostname: "dept.test", Name: "Dept"})
		if err != nil {
			t.Fatal(err)
		}
		if site.RootCollectionID == 0 || site.RootPageID == 0 {
			t.Fatalf("site = %+v", site)
		}
		groups, _ := db.Site(site.ID, nil).Groups(ctx)
		byName := map[string]*canopy.Group{}
		for _, g := range groups {
			byName[g.Name] = g
		}
		for _, n := range []string{"Admins", "Editors", "Viewers"} {
			if byName[n] == nil {
				t.Fatalf("no %s group: %v", n, groups)
			}
		}
		role := func(name, group string) *service.Admin {
			u, err := svc.CreateUser(ctx, service.NewUser{Username: name, Password: "password-" + name})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Site(site.ID, nil).AddMember(ctx, byName[group].ID, u.ID); err != nil {
				t.Fatal(err)
			}
			a, err := svc.AdminFor(ctx, site, u)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		admin, editor, viewer := role("ada", "Admins"), role("eve", "Editors"), role("vic", "Viewers")
		home, _ := admin.Page(ctx, site.RootPageID)
		for _, want := range []string{"add_subpage", "publish", "lock", "unlock"} {
			if !strings.Contains(strings.Join(home.Permissions, ","), want) {
				t.Errorf("admins lack %s on the home page: %v", want, home.Permissions)
			}
		}
		if admin.RequireAdminAccess() != nil || editor.RequireAdminAccess() != nil || viewer.RequireAdminAccess() == nil {
			t.Fatal("access_admin: admins and editors yes, viewers no")
		}
		if _, err := editor.Groups(ctx); canopy.ErrorCode(err) != canopy.EFORBIDDEN {
			t.Fatalf("editors manage groups: %v", err)
		}
		if _, _, err := admin.Members(ctx, 50, 0); err != nil {
			t.Fatalf("admins manage users: %v", err)
		}
		p, err := editor.CreateChild(ctx, site.RootPageID, service.PageInput{Type: canopy.StandardType, Title: "News"}, true)
		if err != nil || !p.Live {
			t.Fatalf("editors create and publish: %+v %v", p, err)
		}
		for _, c := range []struct {
			a    *service.Admin
			want bool
		}{{admin, true}, {editor, false}} {
			if got := c.a.Check.User.CanManageCollection("00010001", perm.AddCollection, false); got != c.want {
				t.Errorf("add_collection below the root: %v", got)
			}
		}
		// A creation that fails half-way leaves nothing: no site, page, collection or group.
		bad := []canopy.GroupSpec{{Name: "Admins", Models: []string{"access_admin"}}, {Name: "Broken", PageActions: []string{"fly"}}}
		_, err = svc.CreateSite(ctx, canopy.NewSite{Hostname: "broken.test", Groups: bad})
		if canopy.ErrorCode(err) != canopy.EINVALID {
			t.Fatalf("broken creation: %v", err)
		}
		sites, _ := db.Sites(ctx)
		if len(sites) != 1 {
			t.Fatalf("a failed creation left a site: %d sites", len(sites))
		}
		if gs, _ := db.Site(site.ID+1, nil).Groups(ctx); len(gs) != 0 {
			t.Fatalf("a failed creation left groups: %v", gs)
		}
	})
}
