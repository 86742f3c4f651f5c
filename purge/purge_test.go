package purge_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/purge"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/sqlstore"
)

var ctx = context.Background()

// frontEnd is a test server standing for a cache or a CDN's API: it keeps
// what it was asked, as lines.
type frontEnd struct {
	*httptest.Server
	mu   sync.Mutex
	got  []string
	seen chan struct{}
}

func newFrontEnd(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte) []string) *frontEnd {
	f := &frontEnd{seen: make(chan struct{}, 1000)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		lines := answer(w, r, body)
		f.mu.Lock()
		f.got = append(f.got, lines...)
		f.mu.Unlock()
		f.seen <- struct{}{}
	}))
	t.Cleanup(f.Close)
	return f
}

// lines returns what arrived so far, sorted, and forgets it.
func (f *frontEnd) lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.got
	f.got = nil
	sort.Strings(out)
	return out
}

func varnish(t *testing.T) *frontEnd {
	return newFrontEnd(t, func(w http.ResponseWriter, r *http.Request, _ []byte) []string {
		line := r.Method + " " + r.Host + r.URL.Path
		if k := r.Header.Get("Surrogate-Key"); k != "" {
			line += " key=" + k
		}
		return []string{line}
	})
}

func cloudflare(t *testing.T) *frontEnd {
	return newFrontEnd(t, func(w http.ResponseWriter, r *http.Request, body []byte) []string {
		if r.Header.Get("Authorization") != "Bearer cf-token" || r.URL.Path != "/zones/zone-1/purge_cache" {
			w.WriteHeader(403)
			return []string{"refused " + r.URL.Path}
		}
		var in map[string][]string
		_ = json.Unmarshal(body, &in)
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":{"id":"zone-1"}}`))
		var out []string
		for k, vs := range in {
			for _, v := range vs {
				out = append(out, k+" "+v)
			}
		}
		return out
	})
}

func cloudfront(t *testing.T) *frontEnd {
	return newFrontEnd(t, func(w http.ResponseWriter, r *http.Request, body []byte) []string {
		var in struct {
			Paths []string `xml:"Paths>Items>Path"`
		}
		_ = xml.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Location", "https://cloudfront.test/2020-05-31/distribution/DIST/invalidation/I1")
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>I1</Id><Status>InProgress</Status><CreateTime>2026-12-06T00:00:00Z</CreateTime></Invalidation>`))
		out := []string{r.Method + " " + r.URL.Path}
		for _, p := range in.Paths {
			out = append(out, "path "+p)
		}
		return out
	})
}

func build(t *testing.T, cfgs ...purge.Config) []purge.Backend {
	t.Helper()
	b, err := purge.Build(ctx, cfgs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wait waits up to a second for n requests to reach f.
func wait(t *testing.T, f *frontEnd, n int, what string) {
	t.Helper()
	deadline := time.After(time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-f.seen:
		case <-deadline:
			t.Fatalf("%s: %d of %d requests within a second", what, i, n)
		}
	}
}

// TestPurgeOnPublish: publishing, unpublishing and deleting a page sends,
// within a second, a purge of its address, its parent's and the sitemap to
// a Varnish-style cache (PURGE with the site's Host), Cloudflare (absolute
// URLs, its token) and CloudFront (an invalidation of the paths); a front
// end limited to beta hears nothing of alpha.
func TestPurgeOnPublish(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			v, cf, cfr, betaOnly := varnish(t), cloudflare(t), cloudfront(t), varnish(t)
			backends := build(t,
				purge.Config{Kind: "http", Endpoint: v.URL},
				purge.Config{Kind: "cloudflare", Endpoint: cf.URL, Zone: "zone-1", Token: "cf-token"},
				purge.Config{Kind: "cloudfront", Endpoint: cfr.URL, Distribution: "DIST", AccessKey: "AK", SecretKey: "SK"},
				purge.Config{Kind: "http", Endpoint: betaOnly.URL, Hosts: []string{"beta.test"}},
			)
			f := testserver.NewWith(t, dialect, false, func(o *server.Options) {
				o.Purge, o.PurgeOptions = backends, purge.Options{Window: 20 * time.Millisecond}
			})
			about := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true, nil)
			wait(t, v, 5, "varnish")
			if got := strings.Join(v.lines(), "|"); got != "PURGE alpha.test/|PURGE alpha.test/about/|PURGE alpha.test/atom.xml|PURGE alpha.test/rss.xml|PURGE alpha.test/sitemap.xml" {
				t.Errorf("varnish: %s", got)
			}
			wait(t, cf, 1, "cloudflare")
			root := f.Alpha.RootURL()
			if got := strings.Join(cf.lines(), "|"); got != "files "+root+"/|files "+root+"/about/|files "+root+"/atom.xml|files "+root+"/rss.xml|files "+root+"/sitemap.xml" {
				t.Errorf("cloudflare: %s", got)
			}
			wait(t, cfr, 1, "cloudfront")
			if got := strings.Join(cfr.lines(), "|"); got != "POST /2020-05-31/distribution/DIST/invalidation|path /|path /about/|path /atom.xml|path /rss.xml|path /sitemap.xml" {
				t.Errorf("cloudfront: %s", got)
			}
			// Deleting: the page and its parent again.
			if _, err := f.Svc.Pages(f.Alpha.ID).Store().Delete(ctx, about.ID); err != nil {
				t.Fatal(err)
			}
			wait(t, v, 5, "varnish after delete")
			if got := strings.Join(v.lines(), "|"); got != "PURGE alpha.test/|PURGE alpha.test/about/|PURGE alpha.test/atom.xml|PURGE alpha.test/rss.xml|PURGE alpha.test/sitemap.xml" {
				t.Errorf("varnish after delete: %s", got)
			}
			// Beta's own front end hears beta only.
			f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "News", true, nil)
			wait(t, betaOnly, 5, "beta's cache")
			if got := strings.Join(betaOnly.lines(), "|"); got != "PURGE beta.test/|PURGE beta.test/atom.xml|PURGE beta.test/news/|PURGE beta.test/rss.xml|PURGE beta.test/sitemap.xml" {
				t.Errorf("beta's cache: %s", got)
			}
		})
	}
}

// TestFailingFrontEndsNeverBlock: a front end that hangs and one that
// answers 500 delay no publish; the failing one is tried again with
// backoff and counted; a 4xx is not retried; a whole-site purge names the
// site's tag (Varnish, Cloudflare) or every path (CloudFront).
func TestFailingFrontEndsNeverBlock(t *testing.T) {
	release, arrived := make(chan struct{}), make(chan struct{}, 100)
	hang := newFrontEnd(t, func(w http.ResponseWriter, r *http.Request, _ []byte) []string {
		arrived <- struct{}{}
		<-release
		return nil
	})
	defer close(release)
	failing := newFrontEnd(t, func(w http.ResponseWriter, r *http.Request, _ []byte) []string {
		w.WriteHeader(500)
		return []string{r.Method + " " + r.URL.Path}
	})
	refusing := newFrontEnd(t, func(w http.ResponseWriter, r *http.Request, _ []byte) []string {
		w.WriteHeader(401)
		return nil
	})
	backends := build(t, purge.Config{Kind: "http", Endpoint: hang.URL}, purge.Config{Kind: "http", Endpoint: failing.URL, Method: "ban"},
		purge.Config{Kind: "cloudflare", Endpoint: refusing.URL, Zone: "z", Token: "t"})
	f := testserver.NewWith(t, sqlstore.SQLite, false, func(o *server.Options) {
		o.Purge, o.PurgeOptions = backends, purge.Options{Window: 10 * time.Millisecond, Attempts: 3, Backoff: 10 * time.Millisecond, Timeout: time.Minute}
		o.MetricsToken = "metrics-token"
	})
	// Each publish returns while the first front end hangs (were it waited
	// for, the test would hang here).
	for i := 0; i < 5; i++ {
		f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Page", true, nil)
	}
	select {
	case <-arrived: // and hangs still
	case <-time.After(time.Second):
		t.Fatal("the hanging front end was not asked within a second")
	}
	_ = hang
	wait(t, failing, 3, "the failing front end")
	wait(t, refusing, 1, "the refusing front end")
	if lines := failing.lines(); len(lines) < 3 || !strings.HasPrefix(lines[0], "BAN /") {
		t.Errorf("BAN requests: %v", lines)
	}
	// The failures are in the metrics.
	testserver.Eventually(t, "the failed purge in the metrics", func() bool {
		m := f.Get("alpha.test", "/_metrics", "Authorization", "Bearer metrics-token").Body
		metric := func(name string) int {
			v := regexp.MustCompile(regexp.QuoteMeta(name) + ` (\d+)`).FindStringSubmatch(m)
			if v == nil {
				return -1
			}
			n, _ := strconv.Atoi(v[1])
			return n
		}
		failed, tries := metric(`canopy_purge_batches_failed_total{backend="http#2"}`), metric(`canopy_purge_request_failures_total{backend="http#2"}`)
		refused, refusedTries := metric(`canopy_purge_batches_failed_total{backend="cloudflare#3"}`), metric(`canopy_purge_request_failures_total{backend="cloudflare#3"}`)
		return failed >= 1 && tries >= 3*failed && refused >= 1 && refusedTries == refused
	})
}

// TestWholeSitePurge: a change too big to name its addresses purges the
// site by its tag, or "/*" on CloudFront.
func TestWholeSitePurge(t *testing.T) {
	v, cf, cfr := varnish(t), cloudflare(t), cloudfront(t)
	backends := build(t, purge.Config{Kind: "http", Endpoint: v.URL}, purge.Config{Kind: "cloudflare", Endpoint: cf.URL, Zone: "zone-1", Token: "cf-token"},
		purge.Config{Kind: "cloudfront", Endpoint: cfr.URL, Distribution: "DIST", AccessKey: "AK", SecretKey: "SK"})
	site := &canopy.Site{ID: 7, Hostname: "alpha.test", Port: 80}
	p := purge.New(ctx, backends, func(id int64) *canopy.Site {
		if id == 7 {
			return site
		}
		return nil
	}, purge.Options{Window: 10 * time.Millisecond})
	p.Changed(sqlstore.Change{SiteID: 7, PurgeAll: true})
	p.Changed(sqlstore.Change{SiteID: 8, Purge: []string{"/gone/"}}) // a site no longer there
	wait(t, v, 1, "varnish")
	wait(t, cf, 1, "cloudflare")
	wait(t, cfr, 1, "cloudfront")
	if got := strings.Join(v.lines(), "|"); got != "PURGE alpha.test/ key=site-7" {
		t.Errorf("varnish: %s", got)
	}
	if got := strings.Join(cf.lines(), "|"); got != "tags site-7" {
		t.Errorf("cloudflare: %s", got)
	}
	if got := strings.Join(cfr.lines(), "|"); got != "POST /2020-05-31/distribution/DIST/invalidation|path /*" {
		t.Errorf("cloudfront: %s", got)
	}
	for _, st := range p.Stats() {
		if st.Requests != 1 || st.Failures != 0 {
			t.Errorf("%+v", st)
		}
	}
}

// TestBadPurgeConfig: each mistake is named.
func TestBadPurgeConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  purge.Config
		want string
	}{
		{purge.Config{Kind: "varnish"}, "kind must be"},
		{purge.Config{Kind: "http"}, "endpoint"},
		{purge.Config{Kind: "http", Endpoint: "http://cache", Method: "DELETE"}, "PURGE or BAN"},
		{purge.Config{Kind: "cloudflare", Zone: "z"}, "zone and token"},
		{purge.Config{Kind: "cloudfront"}, "distribution"},
	} {
		if _, err := purge.Build(ctx, []purge.Config{c.cfg}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.cfg, err)
		}
	}
}
