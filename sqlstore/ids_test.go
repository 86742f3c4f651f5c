package sqlstore_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestIDsAreNeverReused: deleting the newest object of each kind and
// creating another gives the new one a new id, so a reference kept to the
// deleted one (a rich-text link, a URL, a log entry) never starts pointing at
// an unrelated object.
func TestIDsAreNeverReused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {

		site := mustCreateSite(t, db, "alpha.test", true)
		s := db.Site(site.ID, types(t))
		check := func(kind string, create func() int64, remove func(id int64)) {
			t.Helper()
			first := create()
			remove(first)
			if again := create(); again <= first {
				t.Errorf("%s: deleted %d, the next one is %d", kind, first, again)
			}
		}
		check("site", func() int64 {
			st, err := db.CreateSite(ctx, sqlstore.NewSite{Hostname: "tmp" + canopyRand() + ".test"})
			must(t, err)
			return st.ID
		}, func(id int64) {
			_, err := db.DeleteSite(ctx, id, 0)
			must(t, err)
		})
		var lastRevision int64
		check("page", func() int64 {
			p := mustCreatePage(t, s, site.RootPageID, canopy.StandardType, "Page", true)
			if p.LatestRevisionID <= lastRevision {
				t.Errorf("revision: %d after %d", p.LatestRevisionID, lastRevision)
			}
			lastRevision = p.LatestRevisionID
			return p.ID
		}, func(id int64) {
			_, err := s.Delete(ctx, id)
			must(t, err)
		})
		check("group", func() int64 {
			g, err := s.CreateGroup(ctx, "Group "+canopyRand())
			must(t, err)
			return g.ID
		}, func(id int64) { must(t, s.DeleteGroup(ctx, id)) })
		check("collection", func() int64 {
			c, err := s.CreateCollection(ctx, site.RootCollectionID, "Coll "+canopyRand())
			must(t, err)
			return c.ID
		}, func(id int64) { must(t, s.DeleteCollection(ctx, id)) })
		check("user", func() int64 {
			m, err := s.CreateMember(ctx, &canopy.User{Username: "u" + canopyRand(), IsActive: true}, nil)
			must(t, err)
			return m.ID
		}, func(id int64) { must(t, s.RemoveMember(ctx, id)) })
		check("redirect", func() int64 {
			_, _, err := s.SaveRedirects(ctx, []sqlstore.RedirectInput{{OldPath: "/old-" + canopyRand(), RedirectLink: "https://example.org/"}}, false)
			must(t, err)
			rs, _, err := s.Redirects(ctx, 100, 0)
			must(t, err)
			var max int64
			for _, r := range rs {
				max = maxID(max, r.ID)
			}
			return max
		}, func(id int64) { must(t, s.DeleteRedirect(ctx, id)) })
	})
}

func maxID(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

var randN int

func canopyRand() string {
	randN++
	return strings.Repeat("x", randN)
}

// TestSQLiteTablesUseAutoincrement: every SQLite table keyed by a rowid
// declares AUTOINCREMENT, in a new database and in one made before
// migration 22 and upgraded, whose rows, ids and foreign keys survive.
func TestSQLiteTablesUseAutoincrement(t *testing.T) {

	noReuse := func(t *testing.T, db *sqlstore.DB) {
		t.Helper()
		// (A virtual table's own shadow tables are SQLite's business.)
		n, err := db.Count(ctx, `SELECT count(*) FROM sqlite_master m WHERE type = 'table' AND sql LIKE '%INTEGER PRIMARY KEY%' AND sql NOT LIKE '%AUTOINCREMENT%'
			AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' AND substr(m.name, 1, length(v.name) + 1) = v.name || '_')`)
		must(t, err)
		if n != 0 {
			t.Errorf("%d tables may reuse ids", n)
		}
	}
	t.Run("new", func(t *testing.T) { noReuse(t, testdb.Open(t, sqlstore.SQLite)) })
	t.Run("upgraded", func(t *testing.T) {
		url := "sqlite:" + filepath.Join(t.TempDir(), "old.db")
		db, err := sqlstore.OpenLegacy(ctx, url)
		must(t, err)
		defer db.Close()
		must(t, db.MigrateTo(ctx, 21))
		if n, _ := db.Count(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND sql LIKE '%id INTEGER PRIMARY KEY,%'`); n < 10 {
			t.Fatalf("the legacy database has %d tables without AUTOINCREMENT", n)
		}
		site := mustCreateSite(t, db, "alpha.test", true)
		s := db.Site(site.ID, types(t))
		a := mustCreatePage(t, s, site.RootPageID, canopy.StandardType, "A", true)
		b := mustCreatePage(t, s, a.ID, canopy.StandardType, "B", true)
		gone := mustCreatePage(t, s, site.RootPageID, canopy.StandardType, "Gone", true)
		_, err = s.Delete(ctx, gone.ID)
		must(t, err)
		pagesBefore, _ := db.Count(ctx, `SELECT count(*) FROM pages`)
		revsBefore, _ := db.Count(ctx, `SELECT count(*) FROM revisions`)
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		db.EndLegacy()
		// The upgraded database has pages but no search documents yet: the
		// service builds the index once (EnsureSearchIndex), site by site.
		if empty, err := db.SearchIndexEmpty(ctx); err != nil || !empty {
			t.Fatalf("search index of the upgraded database: empty %v, %v", empty, err)
		}
		snippetTypes, _ := canopy.NewSnippetTypes()
		if _, err := db.ReindexSite(ctx, site.ID, types(t), snippetTypes); err != nil {
			t.Fatal(err)
		}
		if empty, _ := db.SearchIndexEmpty(ctx); empty {
			t.Error("the index is still empty after the reindex")
		}
		if found, _ := searchTitles(t, s, "B", "", false); len(found) != 1 || found[0] != "B" {
			t.Errorf("search after the reindex: %v", found)
		}
		noReuse(t, db)
		if n, _ := db.Count(ctx, `SELECT count(*) FROM pages`); n != pagesBefore {
			t.Errorf("pages: %d, want %d", n, pagesBefore)
		}
		if n, _ := db.Count(ctx, `SELECT count(*) FROM revisions`); n != revsBefore {
			t.Errorf("revisions: %d, want %d", n, revsBefore)
		}
		got, err := s.Page(ctx, b.ID)
		if err != nil || got.Path != b.Path || got.Title != "B" {
			t.Fatalf("page B after the upgrade: %+v %v", got, err)
		}
		// Foreign keys are enforced again, and cascades still work.
		if err := db.ExecRaw(ctx, `INSERT INTO revisions (page_id, site_id, content, created_at) VALUES (999999, $1, '{}', CURRENT_TIMESTAMP)`, site.ID); err == nil {
			t.Error("a revision of no page was accepted after the upgrade")
		}
		// A row deleted before the upgrade is beyond recall; from now on
		// the newest deleted id is not handed out again.
		gone = mustCreatePage(t, s, site.RootPageID, canopy.StandardType, "Gone again", true)
		_, err = s.Delete(ctx, gone.ID)
		must(t, err)
		next := mustCreatePage(t, s, site.RootPageID, canopy.StandardType, "Next", true)
		if next.ID <= gone.ID {
			t.Errorf("the upgraded database reused id %d", next.ID)
		}
		if _, err := s.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.Count(ctx, `SELECT count(*) FROM revisions WHERE page_id = `+strconv.FormatInt(b.ID, 10)); n != 0 {
			t.Errorf("revisions of a deleted page: %d", n)
		}
	})
}

// BenchmarkMigrateIDsRebuild times migration 22 (every table rebuilt with
// AUTOINCREMENT) on a SQLite database made before it with 10 sites of
// 10,000 published pages each (100,000 pages and their revisions).
func BenchmarkMigrateIDsRebuild(b *testing.B) {
	for range b.N {
		b.StopTimer()
		url := "sqlite:" + filepath.Join(b.TempDir(), "old.db")
		db, err := sqlstore.OpenLegacy(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.MigrateTo(ctx, 21); err != nil {
			b.Fatal(err)
		}
		for i := range 10 {
			site := mustCreateSite(b, db, "site"+strconv.Itoa(i)+".test", i == 0)
			if _, err := db.Site(site.ID, types(b)).Import(ctx, site.RootPageID, service.GeneratedTree(10_000), 0); err != nil {
				b.Fatal(err)
			}
		}
		pages, _ := db.Count(ctx, `SELECT count(*) FROM pages`)
		b.StartTimer()
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(pages), "pages")
		db.Close()
	}
}
