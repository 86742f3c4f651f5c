package sqlstore_test

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// siteRows counts, per table with a site_id column, the rows of one site.
func siteRows(t *testing.T, db *sqlstore.DB, siteID int64) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range append([]string{"sites"}, sqlstore.SiteTables...) {
		col := "site_id"
		if table == "sites" {
			col = "id"
		}
		n, err := db.Count(context.Background(), fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s = $1`, table, col), siteID)
		if err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	n, _ := db.Count(context.Background(), `SELECT count(*) FROM users WHERE home_site_id = $1`, siteID)
	out["users.home_site_id"] = n
	return out
}

func TestDeleteSiteLeavesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a := mustCreateSite(t, db, "alpha.test", true)
		b := mustCreateSite(t, db, "beta.test", false)
		// Fill beta with a bit of everything.
		sb := db.Site(b.ID, types(t))
		sec := mustCreatePage(t, sb, b.RootPageID, canopy.IndexType, "Section", true)
		for i := 0; i < 5; i++ {
			mustCreatePage(t, sb, sec.ID, canopy.StandardType, fmt.Sprintf("Page %d", i), i%2 == 0)
		}
		// A live page deleted (remembered for 410 Gone).
		if _, err := sb.Delete(ctx, mustCreatePage(t, sb, sec.ID, canopy.StandardType, "Gone", true).ID); err != nil {
			t.Fatal(err)
		}
		g, _ := db.Site(b.ID, nil).CreateGroup(ctx, "Editors")
		must(t, db.Site(b.ID, nil).SetGroupGrants(ctx, g.ID, []sqlstore.PageGrantRow{{PageID: sec.ID, Actions: []string{"change"}}}, []string{"access_admin"},
			sqlstore.CollectionGrantRow{CollectionID: b.RootCollectionID, Permissions: []string{"add_image"}}))
		shared := mustUser(t, db, "shared", false, false)
		must(t, db.Site(b.ID, nil).AddMember(ctx, g.ID, shared.ID))
		ga, _ := db.Site(a.ID, nil).CreateGroup(ctx, "Editors")
		must(t, db.Site(a.ID, nil).AddMember(ctx, ga.ID, shared.ID))
		local, err := db.Site(b.ID, nil).CreateMember(ctx, &canopy.User{Username: "local", IsActive: true, PasswordHash: "x", Email: "local@b.test"}, []int64{g.ID},
			sqlstore.Invitation{TokenHash: "h", ExpiresAt: time.Now().Add(time.Hour), Subject: "Your account", Body: "link"})
		if err != nil {
			t.Fatal(err)
		}
		must(t, db.Site(b.ID, nil).CreateSession(ctx, local.ID, "sess", 3600e9, "", ""))
		// A comment (with its follower) on the section.
		if _, err := sb.AddComment(ctx, sec.ID, local.ID, "Check the dates"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Site(b.ID, nil).CreateToken(ctx, shared.ID, "tok", "t", nil); err != nil {
			t.Fatal(err)
		}
		snippetTypes, _ := canopy.NewSnippetTypes()
		if _, err := sb.CreateSnippet(ctx, snippetTypes.Get(canopy.LocationType), map[string]any{"name": "Main Hall"}); err != nil {
			t.Fatal(err)
		}
		// Media: a sub-collection with a restriction, an image with a rendition, a document.
		sub, err := sb.CreateCollection(ctx, b.RootCollectionID, "Private")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sb.SetCollectionRestriction(ctx, sub.ID, &canopy.Restriction{Kind: "groups", GroupIDs: []int64{g.ID}}); err != nil {
			t.Fatal(err)
		}
		im, err := sb.CreateImage(ctx, sqlstore.NewImage{CollectionID: sub.ID, Title: "Pic", Filename: "pic.png", FileKey: "sites/x/pic.png",
			Format: "png", Width: 10, Height: 10, FileSize: 100, FileHash: "h", OwnerID: local.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := sb.SaveRendition(ctx, canopy.ImageRendition{ImageID: im.ID, Spec: "width-5", FileKey: "k", Format: "png", Width: 5, Height: 5, FileSize: 10}); err != nil {
			t.Fatal(err)
		}
		must(t, sb.SaveSettings(ctx, canopy.GeneralSettings, map[string]any{"logo": im.ID}, canopy.BuiltinSettingsTypes()[0].Fields...))
		if _, err := sb.CreateDocument(ctx, sqlstore.NewDocument{CollectionID: sub.ID, Title: "Doc", Filename: "d.pdf", FileKey: "sites/x/d.pdf",
			ContentType: "application/pdf", FileSize: 5, FileHash: "h"}); err != nil {
			t.Fatal(err)
		}
		must(t, sb.SetPageRestriction(ctx, sec.ID, &canopy.Restriction{Kind: "groups", GroupIDs: []int64{g.ID}}))
		wf, err := sb.SaveWorkflow(ctx, 0, sqlstore.WorkflowInput{Name: "Review", Tasks: []sqlstore.WorkflowTask{{Name: "Editors", GroupIDs: []int64{g.ID}}}})
		if err != nil {
			t.Fatal(err)
		}
		must(t, sb.AttachWorkflow(ctx, sec.ID, wf.ID))
		reviewer := &canopy.User{Username: "reviewer", Email: "reviewer@b.test", IsActive: true, PasswordHash: "x"}
		must(t, db.CreateUser(ctx, reviewer))
		must(t, db.Site(b.ID, nil).AddMember(ctx, g.ID, reviewer.ID))
		db.QueueMail = true
		if _, err := sb.Submit(ctx, sec.ID, shared.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sb.SaveRedirects(ctx, []sqlstore.RedirectInput{{OldPath: "/old", RedirectPageID: sec.ID, IsPermanent: true}}, false); err != nil {
			t.Fatal(err)
		}
		alphaBefore := siteRows(t, db, a.ID)

		// SiteTables names every table with a site_id column but the site
		// change log (installation-level: it records the deletion itself).
		q := map[sqlstore.Dialect]string{
			sqlstore.Postgres: `SELECT table_name FROM information_schema.columns WHERE column_name = 'site_id' AND table_schema = current_schema() AND table_name <> 'site_changes' ORDER BY 1`,
			sqlstore.SQLite:   `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'site_id' AND m.name <> 'site_changes' ORDER BY 1`,
		}[db.Dialect()]
		withSite, err := db.Strings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		listed := append([]string{}, sqlstore.SiteTables...)
		sort.Strings(listed)
		if fmt.Sprint(withSite) != fmt.Sprint(listed) {
			t.Fatalf("tables with site_id %v, SiteTables %v", withSite, listed)
		}
		for table, n := range siteRows(t, db, b.ID) {
			if n == 0 {
				t.Errorf("the test leaves %s empty for the doomed site: fill it", table)
			}
		}

		// The default site cannot go without naming a new default.
		_, err = db.DeleteSite(ctx, a.ID, 0)
		wantCode(t, err, canopy.EINVALID)

		deleted, err := db.DeleteSite(ctx, b.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if deleted["pages"] != 7 || deleted["users"] != 1 {
			t.Fatalf("deleted = %v", deleted)
		}
		for table, n := range siteRows(t, db, b.ID) {
			if n != 0 {
				t.Errorf("%s still has %d rows of the deleted site", table, n)
			}
		}
		if after := siteRows(t, db, a.ID); fmt.Sprint(after) != fmt.Sprint(alphaBefore) {
			t.Fatalf("alpha changed: %v -> %v", alphaBefore, after)
		}
		if _, err := db.UserByUsername(ctx, "local"); canopy.ErrorCode(err) != canopy.ENOTFOUND {
			t.Fatal("site-local user survived")
		}
		if acc, err := db.Site(a.ID, nil).UserAccess(ctx, shared); err != nil || !acc.Member {
			t.Fatalf("shared user lost alpha: %v %v", acc, err)
		}
		// The installation log records the deletion.
		if n, _ := db.Count(ctx, `SELECT count(*) FROM log_entries WHERE site_id IS NULL AND action = 'delete' AND object_type = 'site'`); n != 1 {
			t.Fatalf("installation log: %d", n)
		}
		// Now alpha is alone: it may go, leaving an empty installation.
		if _, err := db.DeleteSite(ctx, a.ID, 0); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.Count(ctx, `SELECT count(*) FROM pages`); n != 1 {
			t.Fatalf("pages left besides the root: %d", n-1)
		}
	})
}

func TestConvertDomain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		def := mustCreateSite(t, db, "www.example.org", true)
		a := mustCreateSite(t, db, "alpha.example.org", false)
		other := mustCreateSite(t, db, "example.net", false)
		// Dry run: nothing changes.
		ch, err := db.ConvertDomain(ctx, "", "staging.example.org", true)
		if err != nil || len(ch) != 2 {
			t.Fatalf("dry run: %v %v", ch, err)
		}
		if s, _ := db.SiteByID(ctx, a.ID); s.Hostname != "alpha.example.org" {
			t.Fatal("dry run changed a hostname")
		}
		ch, err = db.ConvertDomain(ctx, "example.org", "staging.example.org", false)
		if err != nil || len(ch) != 2 {
			t.Fatalf("convert: %v %v", ch, err)
		}
		for id, want := range map[int64]string{def.ID: "www.staging.example.org", a.ID: "alpha.staging.example.org", other.ID: "example.net"} {
			if s, _ := db.SiteByID(ctx, id); s.Hostname != want {
				t.Errorf("site %d = %s, want %s", id, s.Hostname, want)
			}
		}
		// A conversion that would make two sites collide changes nothing.
		mustCreateSite(t, db, "alpha.example.net", false)
		mustCreateSite(t, db, "alpha.example.com", false)
		_, err = db.ConvertDomain(ctx, "example.com", "example.net", false)
		wantCode(t, err, canopy.ECONFLICT)
		if n, _ := db.Count(ctx, `SELECT count(*) FROM sites WHERE hostname = 'alpha.example.com'`); n != 1 {
			t.Fatal("a refused conversion changed something")
		}
		_, err = db.ConvertDomain(ctx, "example.org", "not a domain", false)
		wantCode(t, err, canopy.EINVALID)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSiteTemplateAtomic(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		st, _ := canopy.NewSnippetTypes()
		tmpl := &sqlstore.SiteTemplate{Name: "department",
			Snippets: []sqlstore.TemplateSnippet{{Type: st.Get(canopy.LocationType), Fields: map[string]any{"name": "Main office"}}},
			Pages: []*sqlstore.ImportPage{{Type: canopy.StandardType, Live: true, Content: canopy.PageContent{Title: "About"}},
				{Type: canopy.IndexType, Live: true, Content: canopy.PageContent{Title: "News"}}},
			Settings: map[string]map[string]any{canopy.GeneralSettings: {"contact_email": "office@dept.test"}}}
		site, err := db.CreateSite(ctx, sqlstore.NewSite{Hostname: "dept.test", Template: tmpl, Types: types(t), Features: map[string]bool{"events": true}})
		if err != nil {
			t.Fatal(err)
		}
		s := db.Site(site.ID, types(t))
		if p, err := s.PageByURLPath(ctx, "/news/"); err != nil || !p.Live {
			t.Fatalf("template page: %v %v", p, err)
		}
		if _, n, _ := s.Snippets(ctx, canopy.LocationType, "", 10, 0); n != 1 {
			t.Fatalf("template snippets: %d", n)
		}
		if g, _ := s.Settings(ctx, canopy.GeneralSettings); g["contact_email"] != "office@dept.test" {
			t.Fatalf("template settings: %v", g)
		}
		if !site.Features["events"] {
			t.Fatalf("features: %v", site.Features)
		}
		// A template that fails half-way (an event page needs its start) leaves nothing.
		bad := &sqlstore.SiteTemplate{Name: "broken", Snippets: tmpl.Snippets,
			Pages: []*sqlstore.ImportPage{{Type: canopy.EventType, Content: canopy.PageContent{Title: "Party"}, Children: []*sqlstore.ImportPage{
				{Type: canopy.StandardType, Content: canopy.PageContent{Title: "Not allowed under an event"}}}}}}
		_, err = db.CreateSite(ctx, sqlstore.NewSite{Hostname: "broken.test", Template: bad, Types: types(t)})
		wantCode(t, err, canopy.EINVALID)
		if n, _ := db.Count(ctx, `SELECT count(*) FROM sites WHERE hostname = 'broken.test'`); n != 0 {
			t.Fatal("a failed template left its site")
		}
		if n, _ := db.Count(ctx, `SELECT count(*) FROM snippets`); n != 1 {
			t.Fatalf("a failed template left snippets: %d", n)
		}
	})
}

// TestSiteAliases: a site's other hostnames are normalised and kept with
// it; none may be another site's hostname or alias, nor may a new site take
// one as its hostname; an invalid one is named.
func TestSiteAliases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a := mustCreateSite(t, db, "alpha.test", true)
		b := mustCreateSite(t, db, "beta.test", false)
		set := func(id int64, names ...string) (*canopy.Site, error) {
			return db.UpdateSite(ctx, id, canopy.SiteUpdate{Aliases: &names})
		}
		s, err := set(a.ID, "WWW.Alpha.Test", "alpha.example", "www.alpha.test", "", "alpha.test")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(s.Aliases, " "); got != "www.alpha.test alpha.example" {
			t.Errorf("aliases: %q", got)
		}
		if all, _ := db.Sites(ctx); len(all) != 2 || strings.Join(all[0].Aliases, " ") != "www.alpha.test alpha.example" {
			t.Errorf("read back: %+v", all[0].Aliases)
		}
		for _, c := range []struct {
			names []string
			field string
		}{{[]string{"alpha.test"}, "aliases"}, {[]string{"www.alpha.test"}, "aliases"}, {[]string{"bad host"}, "aliases"}} {
			if _, err := set(b.ID, c.names...); canopy.ErrorField(err) != c.field {
				t.Errorf("beta takes %v: %v", c.names, err)
			}
		}
		if _, err := db.UpdateSite(ctx, b.ID, canopy.SiteUpdate{Hostname: ptr("alpha.example")}); canopy.ErrorCode(err) != canopy.ECONFLICT {
			t.Errorf("beta renamed to alpha's alias: %v", err)
		}
		if _, err := db.CreateSite(ctx, canopy.NewSite{Hostname: "www.alpha.test", Name: "Taken"}); canopy.ErrorCode(err) != canopy.ECONFLICT {
			t.Errorf("a new site on alpha's alias: %v", err)
		}
		if s, err := set(a.ID); err != nil || len(s.Aliases) != 0 {
			t.Errorf("aliases removed: %v %v", s.Aliases, err)
		}
		if _, err := set(b.ID, "www.alpha.test"); err != nil {
			t.Errorf("a freed alias: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestConcurrentAliases: two sites asking for the same other hostname at
// once: one gets it, the other is told it is taken.
func TestConcurrentAliases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a := mustCreateSite(t, db, "alpha.test", true)
		b := mustCreateSite(t, db, "beta.test", false)
		for round := 0; round < 10; round++ {
			name := fmt.Sprintf("shared-%d.test", round)
			errs := make(chan error, 2)
			for _, id := range []int64{a.ID, b.ID} {
				go func() {
					names := []string{name}
					_, err := db.UpdateSite(ctx, id, canopy.SiteUpdate{Aliases: &names})
					errs <- err
				}()
			}
			e1, e2 := <-errs, <-errs
			if (e1 == nil) == (e2 == nil) {
				t.Fatalf("round %d: both or neither took %s: %v, %v", round, name, e1, e2)
			}
			if e := cmp.Or(e1, e2); canopy.ErrorCode(e) != canopy.ECONFLICT {
				t.Errorf("round %d: %v", round, e)
			}
		}
	})
}
