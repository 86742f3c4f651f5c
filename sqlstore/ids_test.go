package sqlstore_test

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
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
			rs, _, err := s.Redirects(ctx, "", 100, 0)
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
		// The data as a database of that version holds it, written directly
		// (today's code expects today's schema): a site, its home page, a
		// page with a child, their revisions, and a page deleted since.
		for _, q := range []string{
			`INSERT INTO sites (hostname, port, name, is_default, theme, created_at, updated_at) VALUES ('alpha.test', 80, 'Alpha', TRUE, 'default', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			`INSERT INTO pages (site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path, live, created_at, updated_at)
				VALUES (1, 1, '00010001', 2, 2, 'canopy.HomePage', 'Alpha', 'alpha-test-80', '/', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			`INSERT INTO pages (site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path, live, created_at, updated_at)
				VALUES (1, 2, '000100010001', 3, 1, 'canopy.StandardPage', 'A', 'a', '/a/', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			`INSERT INTO pages (site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path, live, created_at, updated_at)
				VALUES (1, 3, '0001000100010001', 4, 0, 'canopy.StandardPage', 'B', 'b', '/a/b/', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			`INSERT INTO pages (site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path, live, created_at, updated_at)
				VALUES (1, 2, '000100010002', 3, 0, 'canopy.StandardPage', 'Gone', 'gone', '/gone/', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			`INSERT INTO revisions (site_id, page_id, content, created_at) VALUES (1, 3, '{"title":"A"}', CURRENT_TIMESTAMP), (1, 4, '{"title":"B"}', CURRENT_TIMESTAMP)`,
			`DELETE FROM pages WHERE id = 5`,
			`UPDATE pages SET numchild = 1 WHERE id = 2`,
		} {
			must(t, db.ExecRaw(ctx, q))
		}
		pagesBefore, _ := db.Count(ctx, `SELECT count(*) FROM pages`)
		revsBefore, _ := db.Count(ctx, `SELECT count(*) FROM revisions`)
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		db.EndLegacy()
		site, err := db.SiteByID(ctx, 1)
		must(t, err)
		s := db.Site(site.ID, types(t))
		a, err := s.Page(ctx, 3)
		must(t, err)
		b, err := s.Page(ctx, 4)
		must(t, err)
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
		gone := mustCreatePage(t, s, site.RootPageID, canopy.StandardType, "Gone again", true)
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

// BenchmarkMigrateIDsRebuild times migrations 22 and 23 (every table
// rebuilt with AUTOINCREMENT, then the search tables created) on a SQLite
// database made before them with 10 sites of 10,000 published pages each
// (100,000 pages and their revisions).
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
		// Written directly, as a database of that version holds it: 10 sites,
		// each a home page with 9,999 published pages and their revisions.
		for i := 1; i <= 10; i++ {
			home := fmt.Sprintf("0001%04d", i)
			for _, q := range []string{
				`INSERT INTO sites (hostname, port, name, is_default, theme, created_at, updated_at) VALUES ($1, 80, $1, $2, 'default', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				`INSERT INTO pages (site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path, live, created_at, updated_at)
					SELECT id, 1, $3, 2, 9999, 'canopy.HomePage', name, hostname, '/', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM sites WHERE hostname = $1`,
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
					INSERT INTO pages (site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path, fields, live, created_at, updated_at)
					SELECT h.site_id, h.id, $3 || printf('%04d', n.i), 3, 0, 'canopy.StandardPage', 'Page ' || n.i, 'page-' || n.i, '/page-' || n.i || '/',
						'{"intro":"A generated page.","body":"<p>Generated content.</p>"}', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
					FROM n, pages h WHERE h.path = $3`,
				`INSERT INTO revisions (site_id, page_id, content, created_at) SELECT site_id, id, '{"title":"' || title || '"}', CURRENT_TIMESTAMP FROM pages WHERE path LIKE $3 || '%' AND $2 IN (TRUE, FALSE)`,
			} {
				if err := db.ExecRaw(ctx, q, "site"+strconv.Itoa(i)+".test", i == 1, home); err != nil {
					b.Fatal(err)
				}
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
