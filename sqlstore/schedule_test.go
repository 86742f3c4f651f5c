package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

func at(t time.Time) *time.Time { return &t }

func TestScheduledPublishing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		site := mustCreateSite(t, db, "a.test", true)
		s := db.Site(site.ID, types(t))
		p := mustCreatePage(t, s, site.RootPageID, canopy.StandardType, "Launch", false)

		// A revision with a future go-live time is scheduled, not published;
		// the page is locked for editing until then.
		rev, err := s.SaveDraft(ctx, p.ID, canopy.PageContent{Title: "Launch", Slug: "launch", GoLiveAt: at(now.Add(time.Hour))}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := s.Publish(ctx, p.ID, rev.ID)
		if err != nil || pub.Live || pub.ScheduledRevisionID != rev.ID || !pub.GoLiveAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("scheduled: %+v %v", pub, err)
		}
		_, err = s.SaveDraft(ctx, p.ID, canopy.PageContent{Title: "Edited"}, 0, 0)
		wantCode(t, err, canopy.ECONFLICT)
		if n, e, err := db.RunScheduled(ctx, now, types(t)); n+e != 0 || err != nil {
			t.Fatalf("nothing due yet: %d %d %v", n, e, err)
		}
		now = now.Add(2 * time.Hour)
		if n, _, err := db.RunScheduled(ctx, now, types(t)); n != 1 || err != nil {
			t.Fatalf("due: %d %v", n, err)
		}
		if got, _ := s.Page(ctx, p.ID); !got.Live || got.ScheduledRevisionID != 0 || got.LiveRevisionID != rev.ID {
			t.Fatalf("published by the scheduler: %+v", got)
		}

		// Expiry unpublishes the live page when its time comes.
		rev2, _ := s.SaveDraft(ctx, p.ID, canopy.PageContent{Title: "Launch", Slug: "launch", ExpireAt: at(now.Add(time.Hour))}, 0, 0)
		if got, err := s.Publish(ctx, p.ID, rev2.ID); err != nil || !got.Live || got.ExpireAt == nil {
			t.Fatalf("publish with expiry: %+v %v", got, err)
		}
		now = now.Add(90 * time.Minute)
		if _, e, err := db.RunScheduled(ctx, now, types(t)); e != 1 || err != nil {
			t.Fatalf("expiry: %d %v", e, err)
		}
		if got, _ := s.Page(ctx, p.ID); got.Live || !got.Expired {
			t.Fatalf("expired: %+v", got)
		}

		// Bad schedules: nothing changes.
		for _, c := range []canopy.PageContent{
			{Title: "x", ExpireAt: at(now.Add(-time.Minute))},
			{Title: "x", GoLiveAt: at(now.Add(2 * time.Hour)), ExpireAt: at(now.Add(time.Hour))},
		} {
			r, err := s.SaveDraft(ctx, p.ID, c, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Publish(ctx, p.ID, r.ID)
			wantCode(t, err, canopy.EINVALID)
		}
		if got, _ := s.Page(ctx, p.ID); got.Live || got.ScheduledRevisionID != 0 {
			t.Fatalf("a refused schedule changed the page: %+v", got)
		}

		// Cancelling a schedule unlocks the page; publishing directly replaces it.
		r3, _ := s.SaveDraft(ctx, p.ID, canopy.PageContent{Title: "Later", GoLiveAt: at(now.Add(time.Hour))}, 0, 0)
		if _, err := s.Publish(ctx, p.ID, r3.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Unschedule(ctx, p.ID); err != nil || got.ScheduledRevisionID != 0 {
			t.Fatalf("unschedule: %+v %v", got, err)
		}
		if _, err := s.SaveDraft(ctx, p.ID, canopy.PageContent{Title: "Editable again"}, 0, 0); err != nil {
			t.Fatalf("edit after unschedule: %v", err)
		}
		_, err = s.Unschedule(ctx, p.ID)
		wantCode(t, err, canopy.EINVALID)
	})
}

// TestSchedulerTwoNodes: two nodes on one database run the scheduler at the
// same time; each due page is published exactly once.
func TestSchedulerTwoNodes(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			url := testdb.URL(t, d)
			var nodes []*sqlstore.DB
			for i := 0; i < 2; i++ {
				db, err := sqlstore.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				nodes = append(nodes, db)
			}
			now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
			for _, db := range nodes {
				db.Now = func() time.Time { return now }
			}
			site := mustCreateSite(t, nodes[0], "a.test", true)
			s := nodes[0].Site(site.ID, types(t))
			const n = 60
			for i := 0; i < n; i++ {
				p := mustCreatePage(t, s, site.RootPageID, canopy.StandardType, fmt.Sprintf("Page %d", i), false)
				r, err := s.SaveDraft(ctx, p.ID, canopy.PageContent{Title: p.Title, GoLiveAt: at(now.Add(time.Minute))}, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Publish(ctx, p.ID, r.ID); err != nil {
					t.Fatal(err)
				}
			}
			later := now.Add(time.Hour)
			var wg sync.WaitGroup
			counts := make([]int, 2)
			for i, db := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for round := 0; round < 3; round++ {
						k, _, err := db.RunScheduled(ctx, later, types(t))
						if err != nil {
							t.Error(err)
							return
						}
						counts[i] += k
					}
				}()
			}
			wg.Wait()
			if counts[0]+counts[1] != n {
				t.Fatalf("nodes published %v, want %d in all", counts, n)
			}
			logged, _ := nodes[0].Count(ctx, `SELECT count(*) FROM log_entries WHERE action = 'publish' AND object_type = 'page' AND data LIKE '%"scheduled":true%'`)
			live, _ := nodes[0].Count(ctx, `SELECT count(*) FROM pages WHERE site_id = $1 AND depth > 2 AND live`, site.ID)
			if logged != n || live != n {
				t.Fatalf("publications logged %d, live %d, want %d each", logged, live, n)
			}
			t.Logf("node A published %d, node B %d", counts[0], counts[1])
		})
	}
}
