package sqlstore_test

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestPurgeAddressesAndGonePages: each change that alters what live
// addresses answer names them to the change listeners — publish (the page
// and its parent), a slug change and a move (the subtree's old and new
// addresses), unpublish, delete — never another site's; a deleted live page
// is remembered for 410 Gone, a draft is not; a big subtree purges the
// whole site.
func TestPurgeAddressesAndGonePages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		pt := types(t)
		alpha := mustCreateSite(t, db, "alpha.example", true)
		beta := mustCreateSite(t, db, "beta.example", false)
		a := db.Site(alpha.ID, pt)
		var mu sync.Mutex
		var got []sqlstore.Change
		db.OnChange(func(c sqlstore.Change) {
			mu.Lock()
			got = append(got, c)
			mu.Unlock()
		})
		// last returns the addresses the last change of site named.
		last := func(site int64) string {
			t.Helper()
			mu.Lock()
			defer mu.Unlock()
			for i := len(got) - 1; i >= 0; i-- {
				if got[i].SiteID == site {
					p := slices.Clone(got[i].Purge)
					sort.Strings(p)
					got = nil
					return strings.Join(p, " ")
				}
			}
			t.Fatalf("no change of site %d", site)
			return ""
		}
		home, _ := a.Home(ctx)
		news := page(t, a, home.ID, "News", "", "", true)
		if p := last(alpha.ID); p != "/ /atom.xml /news/ /rss.xml" {
			t.Errorf("publish News: %q", p)
		}
		lab := page(t, a, news.ID, "Lab night", "", "", true)
		page(t, a, lab.ID, "Notes", "", "", true)
		page(t, a, lab.ID, "Draft", "", "", false)
		events := page(t, a, home.ID, "Events", "", "", true)
		last(alpha.ID)
		if _, err := a.Move(ctx, lab.ID, events.ID, nil); err != nil {
			t.Fatal(err)
		}
		if p := last(alpha.ID); p != "/events/ /events/atom.xml /events/lab-night/ /events/lab-night/notes/ /events/rss.xml /news/ /news/atom.xml /news/lab-night/ /news/lab-night/notes/ /news/rss.xml" {
			t.Errorf("move: %q", p)
		}
		if _, err := a.Unpublish(ctx, lab.ID, false); err != nil {
			t.Fatal(err)
		}
		if p := last(alpha.ID); p != "/events/ /events/atom.xml /events/lab-night/ /events/rss.xml" {
			t.Errorf("unpublish: %q", p)
		}
		if _, err := a.Delete(ctx, events.ID); err != nil {
			t.Fatal(err)
		}
		if p := last(alpha.ID); p != "/ /atom.xml /events/ /events/lab-night/notes/ /rss.xml" {
			t.Errorf("delete: %q", p)
		}
		since := db.Now().Add(-time.Minute)
		for path, want := range map[string]bool{"/events/": true, "/events/lab-night/notes/": true, "/events/lab-night/": false, "/events/lab-night/draft/": false, "/news/": false} {
			at, gone, err := a.DeletedSince(ctx, path, since)
			if err != nil || gone != want || gone && at.Before(since) {
				t.Errorf("%s deleted: %v at %v, want %v (%v)", path, gone, at, want, err)
			}
		}
		if _, gone, _ := a.DeletedSince(ctx, "/events/", db.Now().Add(time.Minute)); gone {
			t.Error("a deletion counted before it happened")
		}
		if _, gone, _ := db.Site(beta.ID, pt).DeletedSince(ctx, "/events/", since); gone {
			t.Error("alpha's deletion is beta's")
		}
	})
}
