package sqlstore_test

import (
	"slices"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/searchtest"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// searchTitles runs a search on a site's pages (live ones, or the newest
// drafts) and returns the titles found in order, and the total.
func searchTitles(t *testing.T, s *sqlstore.SiteDB, q string, op string, latest bool) ([]string, int) {
	t.Helper()
	sq, err := canopy.ParseSearch(q, op)
	if err != nil {
		t.Fatalf("parse %q: %v", q, err)
	}
	hits, total, err := s.SearchPages(ctx, sqlstore.PageQuery{Search: sq, SearchLatest: latest, LiveOnly: !latest, Limit: 50})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.Title)
	}
	return out, total
}

func page(t *testing.T, s *sqlstore.SiteDB, parent int64, title, intro, body string, publish bool) *canopy.Page {
	t.Helper()
	p, err := s.CreatePage(ctx, parent, sqlstore.NewPage{Type: canopy.StandardType, Content: canopy.PageContent{Title: title,
		Fields: map[string]any{"intro": intro, "body": body}}, Publish: publish})
	if err != nil {
		t.Fatalf("create %q: %v", title, err)
	}
	return p
}

func TestSearchIndex(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		pt := types(t)
		alpha := mustCreateSite(t, db, "alpha.example", true)
		beta := mustCreateSite(t, db, "beta.example", false)
		a, b := db.Site(alpha.ID, pt), db.Site(beta.ID, pt)
		home, _ := a.Home(ctx)
		bhome, _ := b.Home(ctx)

		news := page(t, a, home.ID, "News", "", "", true)
		galaxy := page(t, a, news.ID, "Galaxy survey", "", "<p>We count the stars of the sky.</p>", true)
		stars := page(t, a, news.ID, "Observatory night", "", "<p>Watching distant <b>galaxies</b> and shining stars.</p>", true)
		page(t, a, home.ID, "Draft about galaxies", "", "", false)
		page(t, b, bhome.ID, "Beta galaxy garden", "", "<p>Galaxy roses.</p>", true)

		// Stemming, and a title match ranks above a body match.
		got, total := searchTitles(t, a, "galaxies", "", false)
		if total != 2 || !slices.Equal(got, []string{"Galaxy survey", "Observatory night"}) {
			t.Fatalf("galaxies on alpha = %v (%d)", got, total)
		}
		// The other site finds only its own, counts included.
		if got, total := searchTitles(t, b, "galaxy", "", false); total != 1 || got[0] != "Beta galaxy garden" {
			t.Fatalf("galaxy on beta = %v (%d)", got, total)
		}
		// Drafts only in the admin's (latest) index.
		if got, _ := searchTitles(t, a, "galaxy", "", true); len(got) != 3 {
			t.Fatalf("admin search = %v", got)
		}
		// Phrases keep their order; AND is the default, OR widens.
		if got, _ := searchTitles(t, a, `"shining stars"`, "", false); !slices.Equal(got, []string{"Observatory night"}) {
			t.Fatalf("phrase = %v", got)
		}
		if got, _ := searchTitles(t, a, `"stars shining"`, "", false); len(got) != 0 {
			t.Fatalf("reversed phrase = %v", got)
		}
		if got, _ := searchTitles(t, a, "count distant", "", false); len(got) != 0 {
			t.Fatalf("AND = %v", got)
		}
		if got, _ := searchTitles(t, a, "count distant", "or", false); len(got) != 2 {
			t.Fatalf("OR operator = %v", got)
		}
		if got, _ := searchTitles(t, a, "count OR distant", "", false); len(got) != 2 {
			t.Fatalf("OR keyword = %v", got)
		}
		// Prefix, as typed in the admin box.
		if got, _ := searchTitles(t, a, "observ*", "", false); !slices.Equal(got, []string{"Observatory night"}) {
			t.Fatalf("prefix = %v", got)
		}
		// FTS syntax typed by a user is only words.
		for _, q := range []string{`NEAR(galaxy stars)`, `title:galaxy`, `(galaxy`, `galaxy"`, `"galaxy`, `galaxy -stars ^x`} {
			if _, _, err := a.SearchPages(ctx, sqlstore.PageQuery{Search: mustParse(t, q), LiveOnly: true}); err != nil {
				t.Fatalf("%q: %v", q, err)
			}
		}

		// A draft of a live page: the public index keeps the live text.
		c := galaxy.Content()
		c.Title = "Nebula survey"
		c.Fields = map[string]any{"intro": "", "body": "<p>A quasar seen.</p>"}
		if _, err := a.SaveDraft(ctx, galaxy.ID, c, 0, 0); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"nebula", "quasar"} {
			if got, _ := searchTitles(t, a, q, "", false); len(got) != 0 {
				t.Fatalf("draft's %s leaked to public = %v", q, got)
			}
		}
		if got, _ := searchTitles(t, a, "sky", "", false); !slices.Equal(got, []string{"Galaxy survey"}) {
			t.Fatalf("the live body is no longer found = %v", got)
		}
		if got, _ := searchTitles(t, a, "nebula", "", true); !slices.Equal(got, []string{"Nebula survey"}) {
			t.Fatalf("admin draft = %v", got)
		}
		// Unpublish, move and delete show at once.
		if _, err := a.Unpublish(ctx, stars.ID, false); err != nil {
			t.Fatal(err)
		}
		if got, _ := searchTitles(t, a, "shining", "", false); len(got) != 0 {
			t.Fatalf("unpublished still found = %v", got)
		}
		if _, err := a.Publish(ctx, stars.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Move(ctx, stars.ID, home.ID, nil); err != nil {
			t.Fatal(err)
		}
		hits, _, err := a.SearchPages(ctx, sqlstore.PageQuery{Search: mustParse(t, "shining"), LiveOnly: true, DescendantOf: news.Path})
		if err != nil || len(hits) != 0 {
			t.Fatalf("moved page still under news: %v %v", hits, err)
		}
		if _, err := a.Delete(ctx, news.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := searchTitles(t, a, "galaxy", "", true); !slices.Equal(got, []string{"Draft about galaxies", "Observatory night"}) {
			t.Fatalf("after delete = %v", got)
		}
		counts, err := db.SearchCounts(ctx, alpha.ID)
		if err != nil || counts["page"] != 3 { // home, the moved page, the draft
			t.Fatalf("alpha's documents = %v, %v", counts, err)
		}
		// Reindexing gives the same documents.
		if n, err := db.ReindexSite(ctx, alpha.ID, pt, nil); err != nil || n != 3 {
			t.Fatalf("reindex = %d, %v", n, err)
		}
		// Site deletion takes the site's entries with it.
		if _, err := db.DeleteSite(ctx, beta.ID, 0); err != nil {
			t.Fatal(err)
		}
		if counts, _ := db.SearchCounts(ctx, beta.ID); len(counts) != 0 {
			t.Fatalf("deleted site's documents = %v", counts)
		}
		if n, err := db.Count(ctx, `SELECT count(*) FROM search_documents`); err != nil || n != 3 {
			t.Fatalf("documents left = %d, %v", n, err)
		}
	})
}

func mustParse(t *testing.T, q string) *canopy.SearchQuery {
	t.Helper()
	sq, err := canopy.ParseSearch(q, "")
	if err != nil {
		t.Fatalf("parse %q: %v", q, err)
	}
	return sq
}

// TestSearchEngineConformance: the built-in engine, through the interface an
// external engine would implement, passes the engines' conformance suite.
func TestSearchEngineConformance(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		alpha := mustCreateSite(t, db, "alpha.example", true)
		beta := mustCreateSite(t, db, "beta.example", false)
		// The sites' own pages are indexed as they are written; the suite
		// works on objects of its own.
		e := db.SearchEngine()
		for _, s := range []int64{alpha.ID, beta.ID} {
			if err := e.Remove(ctx, s, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		searchtest.Run(t, e, alpha.ID, beta.ID)
	})
}
