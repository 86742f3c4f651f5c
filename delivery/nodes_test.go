package delivery_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
	"github.com/canopy-cms/canopy/theme"
)

// secondNode starts another server process's worth of Canopy (its own
// connections, site table and caches) on the fixture's database, watching for
// changes every poll.
func secondNode(t *testing.T, f *testserver.Fixture, poll time.Duration) string {
	t.Helper()
	db, err := sqlstore.Open(ctx, f.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	types, _ := canopy.NewPageTypes()
	svc := service.New(db, types)
	themes, err := theme.Load("")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, svc, themes, server.Options{CacheBytes: 32 << 20, PollInterval: poll, Logger: testserver.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	go srv.Watch(wctx)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { cancel(); ts.Close() })
	return ts.URL
}

// waitFor asks node for host+path until it answers want, and returns how long
// that took (failing after limit).
func waitFor(t *testing.T, node, host, path string, want int, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for {
		req, _ := http.NewRequest("GET", node+path, nil)
		req.Host = host
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == want {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s%s on the other node: still %d after %v, want %d", host, path, res.StatusCode, limit, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTwoNodesOneDatabase: what one node commits, another node on the same
// database serves: on PostgreSQL within well under a second although its poll
// is an hour away (LISTEN/NOTIFY carries it); on SQLite by the poll. Pages
// published, a site renamed, created and deleted all arrive.
func TestTwoNodesOneDatabase(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.New(t, d, false)
			poll, limit := time.Hour, 500*time.Millisecond
			if d == sqlstore.SQLite {
				poll, limit = 50*time.Millisecond, 2*time.Second
			}
			other := secondNode(t, f, poll)
			waitFor(t, other, "beta.test", "/news/", 404, limit) // cached 404 on the other node

			f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "News", true, nil)
			took := waitFor(t, other, "beta.test", "/news/", 200, limit)
			t.Logf("published page served by the other node after %v", took)

			if _, err := f.Svc.DB.UpdateSite(ctx, f.Beta.ID, canopy.SiteUpdate{Hostname: ptr("gamma.test")}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, other, "gamma.test", "/news/", 200, limit)
			waitFor(t, other, "beta.test", "/news/", 404, limit)

			site, err := f.Svc.CreateSite(ctx, canopy.NewSite{Hostname: "delta.test", Name: "Delta"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, other, "delta.test", "/", 200, limit)
			if _, err := f.Svc.DeleteSite(ctx, site.ID, 0); err != nil {
				t.Fatal(err)
			}
			waitFor(t, other, "delta.test", "/", 404, limit)
		})
	}
}

func ptr[T any](v T) *T { return &v }
