package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/media"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
	"github.com/canopy-cms/canopy/theme"
)

var ctx = context.Background()

// testLogger discards the server's log unless CANOPY_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("CANOPY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// fixture is a running server over a fresh database with two sites.
type fixture struct {
	t           *testing.T
	url         string
	dbURL       string
	svc         *service.Service
	alpha, beta *canopy.Site
	ts          *httptest.Server
}

func newFixture(t *testing.T, d sqlstore.Dialect, withDefault bool) *fixture {
	t.Helper()
	return newFixtureWith(t, d, withDefault, nil)
}

// newFixtureWith is newFixture with the server's options changed by opts
// and the extra page types added to the built-in ones.
func newFixtureWith(t *testing.T, d sqlstore.Dialect, withDefault bool, opts func(*server.Options), extra ...canopy.PageType) *fixture {
	t.Helper()
	dbURL := testdb.URL(t, d)
	db, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	types, err := canopy.NewPageTypes(extra...)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(db, types)
	svc.BcryptCost = 4
	if svc.Media, err = media.OpenStore(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dbURL: dbURL, svc: svc}
	if f.alpha, err = svc.CreateSite(ctx, canopy.NewSite{Hostname: "alpha.test", Name: "Alpha", IsDefault: withDefault}); err != nil {
		t.Fatal(err)
	}
	if f.beta, err = svc.CreateSite(ctx, canopy.NewSite{Hostname: "beta.test", Name: "Beta"}); err != nil {
		t.Fatal(err)
	}
	themes, err := theme.Load("")
	if err != nil {
		t.Fatal(err)
	}
	o := server.Options{CacheBytes: 32 << 20, MediaCacheBytes: 8 << 20, PollInterval: 100 * time.Millisecond, Logger: testLogger()}
	if opts != nil {
		opts(&o)
	}
	srv, err := server.New(ctx, svc, themes, o)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	go srv.Watch(wctx)
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(func() { cancel(); f.ts.Close() })
	f.url = f.ts.URL
	return f
}

func (f *fixture) page(site *canopy.Site, parent int64, typ, title string, publish bool, fields map[string]any) *canopy.Page {
	f.t.Helper()
	p, err := f.svc.Pages(site.ID).Create(ctx, parent, service.PageInput{Type: typ, Title: title, Fields: fields}, 0, publish)
	if err != nil {
		f.t.Fatalf("create %q: %v", title, err)
	}
	return p
}

type response struct {
	status int
	body   string
	header http.Header
}

func (f *fixture) get(host, path string, hdr ...string) response {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.url+path, nil)
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, string(b), res.Header}
}

func (f *fixture) json(host, path string) (int, map[string]any) {
	f.t.Helper()
	r := f.get(host, path)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		f.t.Fatalf("GET %s%s: not JSON (%d): %s", host, path, r.status, r.body)
	}
	return r.status, m
}

// eventually retries check until it passes or 10 seconds have gone by.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 10s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDelivery(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, d, true)
			events := f.page(f.alpha, f.alpha.RootPageID, canopy.IndexType, "Events", true, nil)
			f.page(f.alpha, events.ID, canopy.EventType, "Party", true, map[string]any{"start": "2026-12-24T18:00:00Z",
				"description": `<p onclick="x()">Fun<script>alert(1)</script></p>`})
			f.page(f.alpha, events.ID, canopy.EventType, "Secret plans", false, map[string]any{"start": "2026-12-25T18:00:00Z"})
			f.page(f.beta, f.beta.RootPageID, canopy.StandardType, "Beta only", true, nil)

			if r := f.get("alpha.test", "/"); r.status != 200 || !strings.Contains(r.body, "<h1>Alpha</h1>") || !strings.Contains(r.body, `href="/events/"`) {
				t.Fatalf("alpha home: %d %s", r.status, r.body)
			}
			if r := f.get("beta.test:8000", "/"); r.status != 200 || !strings.Contains(r.body, "<h1>Beta</h1>") {
				t.Fatalf("beta home on another port: %d", r.status)
			}
			r := f.get("alpha.test", "/events/party/")
			if r.status != 200 || !strings.Contains(r.body, "Party") || strings.Contains(r.body, "<script>") || strings.Contains(r.body, "onclick") {
				t.Fatalf("event page (sanitised): %d %s", r.status, r.body)
			}
			if !strings.Contains(f.get("alpha.test", "/events/").body, "/events/party/") || strings.Contains(f.get("alpha.test", "/events/").body, "Secret") {
				t.Fatal("index page must list live children only")
			}
			// Drafts, other sites' pages and unknown paths are the site's 404 page.
			for _, p := range []string{"/events/secret-plans/", "/beta-only/", "/nope/"} {
				if r := f.get("alpha.test", p); r.status != 404 || !strings.Contains(r.body, "Page not found") || !strings.Contains(r.body, "Alpha") {
					t.Fatalf("%s: %d %s", p, r.status, r.body)
				}
			}
			if r := f.get("alpha.test", "/events"); r.status != 301 || r.header.Get("Location") != "/events/" {
				t.Fatalf("append slash: %d %v", r.status, r.header)
			}
			for _, p := range []string{"/a/..%2f..%2fetc/", "/a%5cb/", "/x%00/"} {
				if r := f.get("alpha.test", p); r.status != 400 {
					t.Fatalf("%s: %d", p, r.status)
				}
			}
			if r := f.get("alpha.test", "/"+strings.Repeat("a", 3000)+"/"); r.status != 414 {
				t.Fatalf("long path: %d", r.status)
			}
			// An unknown or malformed host goes to the default site.
			if r := f.get("unknown.example", "/"); r.status != 200 || !strings.Contains(r.body, "<h1>Alpha</h1>") {
				t.Fatalf("unknown host: %d", r.status)
			}
			// Non-ASCII slugs work end to end (the path arrives percent-encoded).
			f.page(f.alpha, f.alpha.RootPageID, canopy.StandardType, "Über uns", true, nil)
			if r := f.get("alpha.test", "/%C3%BCber-uns/"); r.status != 200 || !strings.Contains(r.body, "Über uns") {
				t.Fatalf("unicode slug: %d", r.status)
			}
			if r := f.get("alpha.test", "/"); r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("no nosniff header: %v", r.header)
			}
			// Conditional requests.
			r = f.get("alpha.test", "/")
			if r2 := f.get("alpha.test", "/", "If-None-Match", r.header.Get("ETag")); r2.status != 304 {
				t.Fatalf("If-None-Match: %d", r2.status)
			}
		})
	}
}

func TestNoDefaultSite(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, d, false)
			for _, p := range []string{"/", "/api/v2/pages/", "/anything/"} {
				if r := f.get("unknown.example", p); r.status != 404 {
					t.Fatalf("%s on unknown host without default: %d", p, r.status)
				}
			}
			if r := f.get("beta.test", "/"); r.status != 200 {
				t.Fatalf("known host: %d", r.status)
			}
		})
	}
}

func TestCacheInvalidation(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, d, true)
			pages := f.svc.Pages(f.alpha.ID)
			news := f.page(f.alpha, f.alpha.RootPageID, canopy.StandardType, "News", true, nil)
			if r := f.get("alpha.test", "/news/"); !strings.Contains(r.body, "<h1>News</h1>") {
				t.Fatal(r.body)
			}
			// A draft changes nothing visible; publishing it does, at once.
			if _, err := pages.SaveDraft(ctx, news.ID, service.PageInput{Title: "Latest news", Slug: "news"}, 0, 0); err != nil {
				t.Fatal(err)
			}
			if r := f.get("alpha.test", "/news/"); !strings.Contains(r.body, "<h1>News</h1>") {
				t.Fatal("draft was served")
			}
			if _, err := pages.Store().Publish(ctx, news.ID, 0); err != nil {
				t.Fatal(err)
			}
			if r := f.get("alpha.test", "/news/"); !strings.Contains(r.body, "<h1>Latest news</h1>") {
				t.Fatal("publish not served at once")
			}
			// Beta's cache is untouched by alpha's changes, and vice versa.
			if r := f.get("beta.test", "/"); r.status != 200 {
				t.Fatal(r.status)
			}
			other := f.page(f.alpha, f.alpha.RootPageID, canopy.IndexType, "Archive", true, nil)
			if _, err := pages.Store().Move(ctx, news.ID, other.ID, nil); err != nil {
				t.Fatal(err)
			}
			if f.get("alpha.test", "/news/").status != 404 || f.get("alpha.test", "/archive/news/").status != 200 {
				t.Fatal("move not served at once")
			}
			if _, err := pages.Store().Unpublish(ctx, other.ID, true); err != nil {
				t.Fatal(err)
			}
			if f.get("alpha.test", "/archive/news/").status != 404 {
				t.Fatal("unpublish not served at once")
			}
			if r := f.get("alpha.test", "/api/v2/pages/?type=canopy.StandardPage"); strings.Contains(r.body, "Latest news") {
				t.Fatal("API still lists an unpublished page")
			}
		})
	}
}

func TestChangesFromAnotherProcess(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, d, true)
			f.page(f.alpha, f.alpha.RootPageID, canopy.StandardType, "About", true, nil)
			if f.get("alpha.test", "/about/").status != 200 || f.get("gamma.test", "/").body == "" {
				t.Fatal("setup")
			}
			// A second connection stands for the CLI or another node.
			other, err := sqlstore.Open(ctx, f.dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			types, _ := canopy.NewPageTypes()
			osvc := service.New(other, types)
			if _, err := osvc.CreateSite(ctx, canopy.NewSite{Hostname: "gamma.test", Name: "Gamma"}); err != nil {
				t.Fatal(err)
			}
			eventually(t, "new site", func() bool { return strings.Contains(f.get("gamma.test", "/").body, "<h1>Gamma</h1>") })
			about, _ := osvc.Pages(f.alpha.ID).Store().PageByURLPath(ctx, "/about/")
			if _, err := osvc.Pages(f.alpha.ID).Store().Unpublish(ctx, about.ID, false); err != nil {
				t.Fatal(err)
			}
			eventually(t, "unpublish", func() bool { return f.get("alpha.test", "/about/").status == 404 })
		})
	}
}

func TestContentAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, d, true)
			events := f.page(f.alpha, f.alpha.RootPageID, canopy.IndexType, "Events", true, nil)
			a := f.page(f.alpha, events.ID, canopy.EventType, "Gala", true, map[string]any{"start": "2026-12-02T18:00:00Z", "description": "<p>Hi</p>"})
			b := f.page(f.alpha, events.ID, canopy.EventType, "Ball", true, map[string]any{"start": "2026-12-01T18:00:00Z"})
			f.page(f.alpha, events.ID, canopy.EventType, "Draft", false, map[string]any{"start": "2026-12-03T18:00:00Z"})
			betaPage := f.page(f.beta, f.beta.RootPageID, canopy.StandardType, "Beta page", true, nil)

			status, body := f.json("alpha.test", "/api/v2/pages/")
			if status != 200 || body["meta"].(map[string]any)["total_count"].(float64) != 4 {
				t.Fatalf("listing: %d %v", status, body)
			}
			first := body["items"].([]any)[0].(map[string]any)
			meta := first["meta"].(map[string]any)
			if first["title"] != "Alpha" || meta["type"] != canopy.HomeType || meta["html_url"] != "http://alpha.test/" ||
				meta["detail_url"] != "http://alpha.test/api/v2/pages/"+strconv.FormatInt(f.alpha.RootPageID, 10)+"/" {
				t.Fatalf("first item: %v", first)
			}
			_, body = f.json("alpha.test", "/api/v2/pages/?type=canopy.EventPage&order=start&fields=start")
			items := body["items"].([]any)
			if len(items) != 2 || items[0].(map[string]any)["title"] != "Ball" || items[0].(map[string]any)["start"] != "2026-12-01T18:00:00Z" {
				t.Fatalf("typed, ordered listing: %v", items)
			}
			_, body = f.json("alpha.test", "/api/v2/pages/?child_of="+strconv.FormatInt(events.ID, 10)+"&slug=gala&fields=_,id")
			items = body["items"].([]any)
			if len(items) != 1 || len(items[0].(map[string]any)) != 1 || items[0].(map[string]any)["id"].(float64) != float64(a.ID) {
				t.Fatalf("child_of + slug + fields=_,id: %v", items)
			}
			_, body = f.json("alpha.test", "/api/v2/pages/?descendant_of=root&limit=1&offset=1")
			if body["meta"].(map[string]any)["total_count"].(float64) != 3 || len(body["items"].([]any)) != 1 {
				t.Fatalf("descendant_of root with paging: %v", body)
			}
			status, body = f.json("alpha.test", "/api/v2/pages/"+strconv.FormatInt(b.ID, 10)+"/")
			if status != 200 || body["meta"].(map[string]any)["parent"].(map[string]any)["title"] != "Events" || body["start"] != "2026-12-01T18:00:00Z" {
				t.Fatalf("detail: %v", body)
			}
			// Home page's parent is outside the base set.
			_, body = f.json("alpha.test", "/api/v2/pages/"+strconv.FormatInt(f.alpha.RootPageID, 10)+"/")
			if body["meta"].(map[string]any)["parent"] != nil {
				t.Fatalf("home parent: %v", body["meta"])
			}
			// Isolation: another site's page, a draft, the tree root are 404 and never counted.
			for _, id := range []int64{betaPage.ID, f.beta.RootPageID, 1, 999999} {
				status, body = f.json("alpha.test", "/api/v2/pages/"+strconv.FormatInt(id, 10)+"/")
				if status != 404 || body["message"] != "not found" {
					t.Fatalf("page %d on alpha: %d %v", id, status, body)
				}
			}
			status, body = f.json("alpha.test", "/api/v2/pages/?child_of="+strconv.FormatInt(f.beta.RootPageID, 10))
			if status != 400 || body["message"] != "parent page doesn't exist" {
				t.Fatalf("child_of another site's page: %d %v", status, body)
			}
			if _, body = f.json("beta.test", "/api/v2/pages/"); body["meta"].(map[string]any)["total_count"].(float64) != 2 {
				t.Fatalf("beta listing: %v", body)
			}
			_, body = f.json("alpha.test", "/api/v2/pages/?ancestor_of="+strconv.FormatInt(a.ID, 10))
			if items := body["items"].([]any); len(items) != 2 || items[0].(map[string]any)["title"] != "Alpha" || items[1].(map[string]any)["title"] != "Events" {
				t.Fatalf("ancestor_of: %v", body)
			}
			if r := f.get("alpha.test", "/api/v2/pages?limit=1"); (r.status != 301 && r.status != 307) || r.header.Get("Location") != "/api/v2/pages/?limit=1" {
				t.Fatalf("API without trailing slash: %d %v", r.status, r.header.Get("Location"))
			}
			// find
			r := f.get("alpha.test", "/api/v2/pages/find/?html_path=events/gala&fields=title")
			if r.status != 302 || r.header.Get("Location") != "/api/v2/pages/"+strconv.FormatInt(a.ID, 10)+"/?fields=title" {
				t.Fatalf("find: %d %v", r.status, r.header.Get("Location"))
			}
			if r := f.get("alpha.test", "/api/v2/pages/find/?html_path=/beta-page/"); r.status != 404 {
				t.Fatalf("find other site's page: %d", r.status)
			}
			// Errors in Wagtail's shape.
			errs := map[string]string{
				"type=foo.Bar":                   "type doesn't exist",
				"child_of=x":                     "child_of must be a positive integer",
				"descendant_of=-1":               "descendant_of must be a positive integer",
				"child_of=root&descendant_of=1":  "filtering by descendant_of with child_of is not supported",
				"not_a_field=1":                  "query parameter is not an operation or a recognised field: not_a_field",
				"start=2026-12-01T18:00:00Z":     "query parameter is not an operation or a recognised field: start",
				"order=nope":                     "cannot order by 'nope' (unknown field)",
				"order=random&offset=2":          "random ordering with offset is not supported",
				"limit=21":                       "limit cannot be higher than 20",
				"limit=x":                        "limit must be a positive integer",
				"offset=-3":                      "offset must be a positive integer",
				"fields=start":                   "unknown fields: start",
				"fields=title(":                  "fields error: unexpected end of input (did you miss out a field name?)",
				"id=abc":                         "field filter error. 'abc' is not a valid value for id (expected an integer)",
				"type=canopy.EventPage&start=no": "field filter error. 'no' is not a valid value for start (expected a date-time like 2026-05-01T18:00:00Z)",
			}
			for q, msg := range errs {
				status, body := f.json("alpha.test", "/api/v2/pages/?"+q)
				if status != 400 || body["message"] != msg {
					t.Errorf("?%s: %d %v, want 400 %q", q, status, body, msg)
				}
			}
			_, body = f.json("alpha.test", "/api/v2/pages/?type=canopy.EventPage&start=2026-12-02T18:00:00Z")
			if body["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("field filter: %v", body)
			}
			// Caching headers for CDNs.
			r = f.get("alpha.test", "/api/v2/pages/")
			if r.header.Get("ETag") == "" || r.header.Get("Cache-Control") == "" {
				t.Fatalf("headers: %v", r.header)
			}
			if f.get("alpha.test", "/api/v2/pages/", "If-None-Match", r.header.Get("ETag")).status != 304 {
				t.Fatal("no 304 for a matching ETag")
			}
		})
	}
}
