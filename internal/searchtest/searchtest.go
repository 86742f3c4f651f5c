// Package searchtest is the conformance suite of canopy.SearchEngine: what
// any engine behind Canopy's search must do, whatever it is built on. The
// built-in engine (sqlstore) runs it on SQLite and PostgreSQL; an external
// engine (docs/search.md) would run it too.
package searchtest

import (
	"context"
	"slices"
	"testing"

	"github.com/canopy-cms/canopy"
)

// Run checks an engine with two sites of the installation (ids of sites
// that exist, with language "en"); the engine must hold no documents of
// theirs when it starts.
func Run(t *testing.T, e canopy.SearchEngine, alpha, beta int64) {
	ctx := context.Background()
	doc := func(site int64, kind string, id int64, title, body string) canopy.IndexedDoc {
		d := canopy.IndexedDoc{Site: site, Kind: kind, ID: id, Live: true, Latest: true, Language: "en"}
		d.Doc.Text[0], d.Doc.Text[3] = title, body
		d.Doc.Title, d.Doc.Body = title, body
		return d
	}
	put := func(docs ...canopy.IndexedDoc) {
		t.Helper()
		if err := e.Replace(ctx, docs); err != nil {
			t.Fatalf("replace: %v", err)
		}
	}
	find := func(site int64, kind string, state canopy.SearchState, q, op string, limit int) []int64 {
		t.Helper()
		sq, err := canopy.ParseSearch(q, op)
		if err != nil {
			t.Fatalf("parse %q: %v", q, err)
		}
		hits, err := e.Match(ctx, site, kind, state, sq, limit)
		if err != nil {
			t.Fatalf("match %q: %v", q, err)
		}
		ids := []int64{}
		for i, h := range hits {
			if i > 0 && h.Rank > hits[i-1].Rank {
				t.Errorf("match %q: hits not best first: %v", q, hits)
			}
			ids = append(ids, h.ID)
		}
		return ids
	}
	same := func(what string, got []int64, want ...int64) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	set := func(what string, got []int64, want ...int64) {
		t.Helper()
		g, w := slices.Clone(got), slices.Clone(want)
		slices.Sort(g)
		slices.Sort(w)
		same(what, g, w...)
	}

	put(doc(alpha, "page", 1, "Galaxy survey", "We count the stars of the sky."),
		doc(alpha, "page", 2, "Observatory night", "Watching distant galaxies and shining stars."),
		doc(alpha, "page", 3, "Gardening", "Roses and tulips."),
		doc(alpha, "image", 1, "Galaxy photograph", "nebula"),
		doc(beta, "page", 1, "Beta galaxy garden", "Galaxy roses."),
		doc(beta, "page", 7, "Observatory of beta", "Distant galaxies too."))

	// Stemming, ranking (a title match first), one site and kind only.
	same("galaxies on alpha", find(alpha, "page", canopy.SearchLive, "galaxies", "", 10), 1, 2)
	same("galaxy on beta", find(beta, "page", canopy.SearchLive, "galaxy", "", 10), 1, 7)
	same("galaxy images on alpha", find(alpha, "image", canopy.SearchLive, "galaxy", "", 10), 1)
	same("roses on alpha", find(alpha, "page", canopy.SearchLive, "roses", "", 10), 3)
	// Phrases, operators, prefixes.
	same("phrase", find(alpha, "page", canopy.SearchLive, `"distant galaxies"`, "", 10), 2)
	same("phrase in another order", find(alpha, "page", canopy.SearchLive, `"galaxies distant"`, "", 10))
	set("and", find(alpha, "page", canopy.SearchLive, "galaxy stars", "and", 10), 1, 2)
	set("or", find(alpha, "page", canopy.SearchLive, "tulips observatory", "or", 10), 2, 3)
	same("and, nothing", find(alpha, "page", canopy.SearchLive, "tulips observatory", "and", 10))
	set("OR keyword", find(alpha, "page", canopy.SearchLive, "tulips OR observatory", "and", 10), 2, 3)
	same("prefix", find(alpha, "page", canopy.SearchLive, "observ*", "", 10), 2)
	same("limit", find(alpha, "page", canopy.SearchLive, "galaxy", "", 1), 1)

	// Live and latest documents of one page: visitors find the live words,
	// the admin the draft's.
	live, draft := doc(alpha, "page", 4, "Comet report", "Halley returns."), doc(alpha, "page", 4, "Comet report", "Hale-Bopp instead.")
	live.Latest, draft.Live = false, false
	put(live, draft)
	same("live words, live", find(alpha, "page", canopy.SearchLive, "halley", "", 10), 4)
	same("live words, latest", find(alpha, "page", canopy.SearchLatest, "halley", "", 10))
	same("draft words, latest", find(alpha, "page", canopy.SearchLatest, "bopp", "", 10), 4)
	same("draft words, live", find(alpha, "page", canopy.SearchLive, "bopp", "", 10))
	// Replacing an object's documents forgets the old ones (both states).
	put(doc(alpha, "page", 4, "Comet report", "Published at last."))
	same("replaced", find(alpha, "page", canopy.SearchLatest, "bopp", "", 10))
	same("replaced, live", find(alpha, "page", canopy.SearchLive, "published", "", 10), 4)

	// Removing: some ids, a kind, a whole site; never another site's.
	if err := e.Remove(ctx, alpha, "page", []int64{2}); err != nil {
		t.Fatal(err)
	}
	same("removed id", find(alpha, "page", canopy.SearchLive, "galaxy", "", 10), 1)
	if err := e.Remove(ctx, alpha, "page", nil); err != nil {
		t.Fatal(err)
	}
	same("removed kind", find(alpha, "page", canopy.SearchLive, "galaxy", "", 10))
	same("other kind kept", find(alpha, "image", canopy.SearchLive, "galaxy", "", 10), 1)
	if err := e.Remove(ctx, alpha, "", nil); err != nil {
		t.Fatal(err)
	}
	same("removed site", find(alpha, "image", canopy.SearchLive, "galaxy", "", 10))
	same("other site kept", find(beta, "page", canopy.SearchLive, "galaxy", "", 10), 1, 7)
	if err := e.Remove(ctx, beta, "", nil); err != nil {
		t.Fatal(err)
	}
}
