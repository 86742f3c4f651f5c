package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

var ctx = context.Background()

func types(t testing.TB) *canopy.PageTypes {
	t.Helper()
	pt, err := canopy.NewPageTypes()
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

func mustCreateSite(t testing.TB, db *sqlstore.DB, host string, isDefault bool) *canopy.Site {
	t.Helper()
	s, err := db.CreateSite(ctx, sqlstore.NewSite{Hostname: host, Name: host, IsDefault: isDefault})
	if err != nil {
		t.Fatalf("create site %s: %v", host, err)
	}
	return s
}

func mustCreatePage(t testing.TB, s *sqlstore.SiteDB, parent int64, typ, title string, publish bool) *canopy.Page {
	t.Helper()
	fields := map[string]any{}
	if typ == canopy.EventType {
		fields["start"] = "2026-12-01T18:00:00Z"
	}
	p, err := s.CreatePage(ctx, parent, sqlstore.NewPage{Type: typ, Content: canopy.PageContent{Title: title, Fields: fields}, Publish: publish})
	if err != nil {
		t.Fatalf("create page %q: %v", title, err)
	}
	return p
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if canopy.ErrorCode(err) != code {
		t.Fatalf("error = %v (code %q), want code %q", err, canopy.ErrorCode(err), code)
	}
}

func TestSites(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a := mustCreateSite(t, db, "Alpha.Example.org.", true)
		if a.Hostname != "alpha.example.org" || a.Port != 80 || !a.IsDefault || a.RootPageID == 0 {
			t.Fatalf("site = %+v", a)
		}
		_, err := db.CreateSite(ctx, sqlstore.NewSite{Hostname: "ALPHA.example.org"})
		wantCode(t, err, canopy.ECONFLICT)
		_, err = db.CreateSite(ctx, sqlstore.NewSite{Hostname: "beta.example.org", IsDefault: true})
		wantCode(t, err, canopy.ECONFLICT)
		if !strings.Contains(canopy.ErrorMessage(err), a.DisplayName()) {
			t.Errorf("second default error should name the current default: %v", err)
		}
		_, err = db.CreateSite(ctx, sqlstore.NewSite{Hostname: "bad host!"})
		wantCode(t, err, canopy.EINVALID)
		other, err := db.CreateSite(ctx, sqlstore.NewSite{Hostname: "alpha.example.org", Port: 8080})
		if err != nil {
			t.Fatalf("same hostname on another port: %v", err)
		}
		sites, err := db.Sites(ctx)
		if err != nil || len(sites) != 2 {
			t.Fatalf("sites = %v, %v", sites, err)
		}
		// Nothing half-written by the failed creations: exactly two home pages exist.
		for _, s := range sites {
			home, err := db.Site(s.ID, types(t)).Home(ctx)
			if err != nil || !home.Live || home.URLPath != "/" {
				t.Fatalf("home of %s = %+v, %v", s.Hostname, home, err)
			}
		}
		name := "Renamed"
		upd, err := db.UpdateSite(ctx, other.ID, sqlstore.SiteUpdate{Name: &name})
		if err != nil || upd.Name != "Renamed" {
			t.Fatalf("update = %+v, %v", upd, err)
		}
		yes := true
		_, err = db.UpdateSite(ctx, other.ID, sqlstore.SiteUpdate{IsDefault: &yes})
		wantCode(t, err, canopy.ECONFLICT)
	})
}

func TestPageTree(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		site := mustCreateSite(t, db, "alpha.localhost", true)
		s := db.Site(site.ID, types(t))
		home := site.RootPageID
		events := mustCreatePage(t, s, home, canopy.IndexType, "Events", true)
		if events.URLPath != "/events/" || events.Depth != 3 || !events.Live {
			t.Fatalf("events = %+v", events)
		}
		xmas := mustCreatePage(t, s, events.ID, canopy.EventType, "Christmas Party", true)
		if xmas.URLPath != "/events/christmas-party/" {
			t.Fatalf("url_path = %q", xmas.URLPath)
		}
		// A missing slug is made from the title, with -2 on collision.
		dup := mustCreatePage(t, s, events.ID, canopy.EventType, "Christmas Party", false)
		if dup.Slug != "christmas-party-2" {
			t.Fatalf("slug = %q", dup.Slug)
		}
		// A given slug that is taken is a conflict.
		_, err := s.CreatePage(ctx, events.ID, sqlstore.NewPage{Type: canopy.StandardType, Content: canopy.PageContent{Title: "X", Slug: "christmas-party"}})
		wantCode(t, err, canopy.ECONFLICT)
		// Page-type rules: an event page allows no children; a home page cannot be created.
		_, err = s.CreatePage(ctx, xmas.ID, sqlstore.NewPage{Type: canopy.StandardType, Content: canopy.PageContent{Title: "Child"}})
		wantCode(t, err, canopy.EINVALID)
		_, err = s.CreatePage(ctx, home, sqlstore.NewPage{Type: canopy.HomeType, Content: canopy.PageContent{Title: "Home 2"}})
		wantCode(t, err, canopy.EINVALID)
		_, err = s.CreatePage(ctx, home, sqlstore.NewPage{Type: "nope.Page", Content: canopy.PageContent{Title: "X"}})
		wantCode(t, err, canopy.EINVALID)

		about := mustCreatePage(t, s, home, canopy.StandardType, "About", true)
		team := mustCreatePage(t, s, about.ID, canopy.StandardType, "Team", true)
		mustCreatePage(t, s, team.ID, canopy.StandardType, "Alice", true)

		kids, err := s.Children(ctx, home, false)
		if err != nil || len(kids) != 2 || kids[0].ID != events.ID || kids[1].ID != about.ID {
			t.Fatalf("children = %v, %v", kids, err)
		}
		// Move About (with Team and Alice) under Events.
		moved, err := s.Move(ctx, about.ID, events.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if moved.URLPath != "/events/about/" || moved.Depth != 4 || moved.ParentID != events.ID {
			t.Fatalf("moved = %+v", moved)
		}
		alice, err := s.PageByURLPath(ctx, "/events/about/team/alice/")
		if err != nil || alice.Depth != 6 {
			t.Fatalf("alice after move = %+v, %v", alice, err)
		}
		h, _ := s.Page(ctx, home)
		ev, _ := s.Page(ctx, events.ID)
		if h.NumChild != 1 || ev.NumChild != 3 {
			t.Fatalf("numchild home=%d events=%d", h.NumChild, ev.NumChild)
		}
		// Moving under its own descendant is refused, and changes nothing.
		_, err = s.Move(ctx, about.ID, team.ID, nil)
		wantCode(t, err, canopy.EINVALID)
		if p, _ := s.Page(ctx, about.ID); p.URLPath != "/events/about/" {
			t.Fatalf("failed move changed the page: %+v", p)
		}
		// Reorder: About first.
		order := []int64{about.ID, xmas.ID, dup.ID}
		if err := s.ReorderChildren(ctx, events.ID, order); err != nil {
			t.Fatal(err)
		}
		kids, _ = s.Children(ctx, events.ID, false)
		for i, k := range kids {
			if k.ID != order[i] {
				t.Fatalf("order after reorder: %v", kids)
			}
		}
		if d, _ := s.Descendants(ctx, about.ID, false); len(d) != 2 {
			t.Fatalf("descendants after reorder = %d", len(d))
		}
		wantCode(t, s.ReorderChildren(ctx, events.ID, []int64{about.ID}), canopy.EINVALID)
		// Move to a position.
		pos := 0
		if _, err := s.Move(ctx, dup.ID, events.ID, &pos); err != nil {
			t.Fatal(err)
		}
		kids, _ = s.Children(ctx, events.ID, false)
		if kids[0].ID != dup.ID {
			t.Fatalf("move to position 0: %v", kids[0].Title)
		}
		// Copy About with its subtree back under home, as drafts.
		cp, err := s.Copy(ctx, about.ID, home, sqlstore.CopyOptions{IncludeDescendants: true, Slug: "about-copy"})
		if err != nil {
			t.Fatal(err)
		}
		if cp.URLPath != "/about-copy/" || cp.Live {
			t.Fatalf("copy = %+v", cp)
		}
		if p, err := s.PageByURLPath(ctx, "/about-copy/team/alice/"); err != nil || p.Live {
			t.Fatalf("copied descendant = %+v, %v", p, err)
		}
		_, err = s.Copy(ctx, about.ID, team.ID, sqlstore.CopyOptions{IncludeDescendants: true})
		wantCode(t, err, canopy.EINVALID)
		// Slug change on publish rewrites the subtree's URLs.
		c := cp.Content()
		c.Slug = "our-team"
		if _, err := s.SaveDraft(ctx, cp.ID, c, 0, 0); err != nil {
			t.Fatal(err)
		}
		if p, err := s.PageByURLPath(ctx, "/our-team/team/"); err != nil || p.Title != "Team" {
			t.Fatalf("after slug change = %+v, %v", p, err)
		}
		// Delete a subtree.
		n, err := s.Delete(ctx, cp.ID)
		if err != nil || n != 3 {
			t.Fatalf("delete = %d, %v", n, err)
		}
		if _, err := s.Page(ctx, cp.ID); canopy.ErrorCode(err) != canopy.ENOTFOUND {
			t.Fatalf("deleted page still there: %v", err)
		}
		_, err = s.Delete(ctx, home)
		wantCode(t, err, canopy.EINVALID)
	})
}

func TestRevisionsAndPublishing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		site := mustCreateSite(t, db, "alpha.localhost", true)
		s := db.Site(site.ID, types(t))
		p := mustCreatePage(t, s, site.RootPageID, canopy.StandardType, "News", true)
		if p.FirstPublishedAt == nil || p.HasUnpublishedChanges {
			t.Fatalf("published page = %+v", p)
		}
		c := p.Content()
		c.Title = "News (draft)"
		rev, err := s.SaveDraft(ctx, p.ID, c, 0, p.LatestRevisionID)
		if err != nil {
			t.Fatal(err)
		}
		p2, _ := s.Page(ctx, p.ID)
		if p2.Title != "News" || !p2.HasUnpublishedChanges || p2.LatestRevisionID != rev.ID {
			t.Fatalf("after draft = %+v", p2)
		}
		// Saving over a newer revision than the one started from is a conflict.
		_, err = s.SaveDraft(ctx, p.ID, c, 0, p.LatestRevisionID)
		wantCode(t, err, canopy.ECONFLICT)
		p3, err := s.Publish(ctx, p.ID, 0)
		if err != nil || p3.Title != "News (draft)" || p3.HasUnpublishedChanges || !p3.LastPublishedAt.After(*p3.FirstPublishedAt) && !p3.LastPublishedAt.Equal(*p3.FirstPublishedAt) {
			t.Fatalf("after publish = %+v, %v", p3, err)
		}
		revs, err := s.Revisions(ctx, p.ID)
		if err != nil || len(revs) != 2 || revs[0].Content.Title != "News (draft)" {
			t.Fatalf("revisions = %v, %v", revs, err)
		}
		// Publishing an older revision reverts the live content.
		p4, err := s.Publish(ctx, p.ID, revs[1].ID)
		if err != nil || p4.Title != "News" || !p4.HasUnpublishedChanges {
			t.Fatalf("publish old revision = %+v, %v", p4, err)
		}
		child := mustCreatePage(t, s, p.ID, canopy.StandardType, "Item", true)
		up, err := s.Unpublish(ctx, p.ID, true)
		if err != nil || up.Live {
			t.Fatalf("unpublish = %+v, %v", up, err)
		}
		if c, _ := s.Page(ctx, child.ID); c.Live {
			t.Fatal("descendant still live after unpublish with descendants")
		}
		_, err = s.Unpublish(ctx, p.ID, false)
		wantCode(t, err, canopy.EINVALID)
	})
}

func TestSiteIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a := mustCreateSite(t, db, "alpha.localhost", true)
		b := mustCreateSite(t, db, "beta.localhost", false)
		sa, sb := db.Site(a.ID, types(t)), db.Site(b.ID, types(t))
		pb := mustCreatePage(t, sb, b.RootPageID, canopy.StandardType, "Beta page", true)
		pa := mustCreatePage(t, sa, a.RootPageID, canopy.StandardType, "Alpha page", true)
		// Site A's handle cannot see, change, move into or delete site B's pages.
		_, err := sa.Page(ctx, pb.ID)
		wantCode(t, err, canopy.ENOTFOUND)
		_, err = sa.Publish(ctx, pb.ID, 0)
		wantCode(t, err, canopy.ENOTFOUND)
		_, err = sa.Delete(ctx, pb.ID)
		wantCode(t, err, canopy.ENOTFOUND)
		_, err = sa.Move(ctx, pa.ID, b.RootPageID, nil)
		wantCode(t, err, canopy.ENOTFOUND)
		_, err = sa.Copy(ctx, pa.ID, pb.ID, sqlstore.CopyOptions{})
		wantCode(t, err, canopy.ENOTFOUND)
		_, err = sa.CreatePage(ctx, pb.ID, sqlstore.NewPage{Type: canopy.StandardType, Content: canopy.PageContent{Title: "x"}})
		wantCode(t, err, canopy.ENOTFOUND)
		pages, total, err := sa.QueryPages(ctx, sqlstore.PageQuery{})
		if err != nil || total != 2 || len(pages) != 2 {
			t.Fatalf("site A listing = %d pages (total %d), %v", len(pages), total, err)
		}
		for _, p := range pages {
			if p.SiteID != a.ID {
				t.Fatalf("listing of A includes %+v", p)
			}
		}
		if p, _ := sb.Page(ctx, pb.ID); p.Title != "Beta page" || !p.Live {
			t.Fatalf("beta page changed: %+v", p)
		}
	})
}

func TestImportAndQuery(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		site := mustCreateSite(t, db, "alpha.localhost", true)
		s := db.Site(site.ID, types(t))
		var events []*sqlstore.ImportPage
		for i, day := range []string{"2026-12-03T10:00:00Z", "2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z"} {
			events = append(events, &sqlstore.ImportPage{Type: canopy.EventType, Live: i != 2,
				Content: canopy.PageContent{Title: "Event " + string(rune('A'+i)), Fields: map[string]any{"start": day}}})
		}
		n, err := s.Import(ctx, site.RootPageID, []*sqlstore.ImportPage{{Type: canopy.IndexType, Live: true,
			Content: canopy.PageContent{Title: "Events"}, Children: events}}, 0)
		if err != nil || n != 4 {
			t.Fatalf("import = %d, %v", n, err)
		}
		idx, err := s.PageByURLPath(ctx, "/events/")
		if err != nil || idx.NumChild != 3 || idx.LiveRevisionID == 0 {
			t.Fatalf("imported index = %+v, %v", idx, err)
		}
		got, total, err := s.QueryPages(ctx, sqlstore.PageQuery{LiveOnly: true, Types: []string{canopy.EventType},
			Order: []sqlstore.Order{{Name: "start", Type: canopy.FieldDateTime}}})
		if err != nil || total != 2 || got[0].Title != "Event B" || got[1].Title != "Event A" {
			t.Fatalf("query = %v (total %d), %v", got, total, err)
		}
		got, total, _ = s.QueryPages(ctx, sqlstore.PageQuery{DescendantOf: idx.Path, Filters: []sqlstore.FieldFilter{{Name: "start", Type: canopy.FieldDateTime, Value: "2026-12-02T10:00:00Z"}}})
		if total != 1 || got[0].Title != "Event C" {
			t.Fatalf("field filter = %v", got)
		}
		got, total, _ = s.QueryPages(ctx, sqlstore.PageQuery{LiveOnly: true, Limit: 1, Offset: 1})
		if total != 4 || len(got) != 1 {
			t.Fatalf("paged = %d of %d", len(got), total)
		}
	})
}

func TestMigrateTwiceAndSchemaCheck(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n, err := db.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second migrate ran %d, %v", n, err)
		}
		cur, known, err := db.SchemaVersion(ctx)
		if err != nil || cur != known || cur < 1 {
			t.Fatalf("schema version %d/%d, %v", cur, known, err)
		}
	})
}

func TestTypeCountLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		pt, err := canopy.NewPageTypes(
			canopy.PageType{Name: "x.Contact", MaxCountPerSite: 1},
			canopy.PageType{Name: "x.Banner", MaxCountPerParent: 1},
			canopy.PageType{Name: "x.Legal", MaxCount: 1},
		)
		if err != nil {
			t.Fatal(err)
		}
		a, b := mustCreateSite(t, db, "a.test", false), mustCreateSite(t, db, "b.test", false)
		sa, sb := db.Site(a.ID, pt), db.Site(b.ID, pt)
		create := func(s *sqlstore.SiteDB, parent int64, typ string) error {
			_, err := s.CreatePage(ctx, parent, sqlstore.NewPage{Type: typ, Content: canopy.PageContent{Title: typ}})
			return err
		}
		sec := mustCreatePage(t, sa, a.RootPageID, canopy.StandardType, "Section", false)
		if err := create(sa, a.RootPageID, "x.Contact"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, create(sa, sec.ID, "x.Contact"), canopy.EINVALID)
		if err := create(sb, b.RootPageID, "x.Contact"); err != nil {
			t.Fatalf("per-site limit leaked across sites: %v", err)
		}
		if err := create(sa, a.RootPageID, "x.Banner"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, create(sa, a.RootPageID, "x.Banner"), canopy.EINVALID)
		if err := create(sa, sec.ID, "x.Banner"); err != nil {
			t.Fatalf("per-parent limit: %v", err)
		}
		if err := create(sa, a.RootPageID, "x.Legal"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, create(sb, b.RootPageID, "x.Legal"), canopy.EINVALID)
	})
}

// TestSaveDraftOnStalePage: a draft saved over a page as the caller read it
// is refused as a conflict, and writes nothing, when someone saved, locked or
// scheduled the page in between.
func TestSaveDraftOnStalePage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		site := mustCreateSite(t, db, "a.test", true)
		s := db.Site(site.ID, types(t))
		p := mustCreatePage(t, s, site.RootPageID, canopy.StandardType, "Seen", false)
		seen, err := s.Page(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveDraft(ctx, p.ID, canopy.PageContent{Title: "Someone else"}, 0, 0); err != nil {
			t.Fatal(err)
		}
		before, _ := db.Count(ctx, `SELECT count(*) FROM revisions WHERE page_id = $1`, p.ID)
		_, _, err = s.SaveDraftOn(ctx, seen, canopy.PageContent{Title: "Mine"}, 0, 0, false)
		if canopy.ErrorCode(err) != canopy.ECONFLICT {
			t.Fatalf("save over a stale page: %v", err)
		}
		if after, _ := db.Count(ctx, `SELECT count(*) FROM revisions WHERE page_id = $1`, p.ID); after != before {
			t.Fatalf("revisions %d -> %d", before, after)
		}
		fresh, _ := s.Page(ctx, p.ID)
		saved, rev, err := s.SaveDraftOn(ctx, fresh, canopy.PageContent{Title: "Mine"}, 0, 0, false)
		if err != nil || saved.LatestRevisionID != rev.ID || saved.Title != "Mine" {
			t.Fatalf("save over a fresh page: %+v %v", saved, err)
		}
		if again, _ := s.Page(ctx, p.ID); again.LatestRevisionID != saved.LatestRevisionID || again.Title != saved.Title || !again.UpdatedAt.Equal(saved.UpdatedAt) {
			t.Fatalf("returned page %+v differs from the stored one %+v", saved, again)
		}
	})
}
