package delivery_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

var ctx = context.Background()

func TestDelivery(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.New(t, d, true)
			events := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.IndexType, "Events", true, nil)
			f.Page(f.Alpha, events.ID, canopy.EventType, "Party", true, map[string]any{"start": "2026-12-24T18:00:00Z",
				"description": `<p onclick="x()">Fun<script>alert(1)</script></p>`})
			f.Page(f.Alpha, events.ID, canopy.EventType, "Secret plans", false, map[string]any{"start": "2026-12-25T18:00:00Z"})
			f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "Beta only", true, nil)

			if r := f.Get("alpha.test", "/"); r.Status != 200 || !strings.Contains(r.Body, "<h1>Alpha</h1>") || !strings.Contains(r.Body, `href="/events/"`) {
				t.Fatalf("alpha home: %d %s", r.Status, r.Body)
			}
			if r := f.Get("beta.test:8000", "/"); r.Status != 200 || !strings.Contains(r.Body, "<h1>Beta</h1>") {
				t.Fatalf("beta home on another port: %d", r.Status)
			}
			r := f.Get("alpha.test", "/events/party/")
			if r.Status != 200 || !strings.Contains(r.Body, "Party") || strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, "onclick") {
				t.Fatalf("event page (sanitised): %d %s", r.Status, r.Body)
			}
			if !strings.Contains(f.Get("alpha.test", "/events/").Body, "/events/party/") || strings.Contains(f.Get("alpha.test", "/events/").Body, "Secret") {
				t.Fatal("index page must list live children only")
			}
			// Drafts, other sites' pages and unknown paths are the site's 404 page.
			for _, p := range []string{"/events/secret-plans/", "/beta-only/", "/nope/"} {
				if r := f.Get("alpha.test", p); r.Status != 404 || !strings.Contains(r.Body, "Page not found") || !strings.Contains(r.Body, "Alpha") {
					t.Fatalf("%s: %d %s", p, r.Status, r.Body)
				}
			}
			if r := f.Get("alpha.test", "/events"); r.Status != 301 || r.Header.Get("Location") != "/events/" {
				t.Fatalf("append slash: %d %v", r.Status, r.Header)
			}
			for _, p := range []string{"/a/..%2f..%2fetc/", "/a%5cb/", "/x%00/"} {
				if r := f.Get("alpha.test", p); r.Status != 400 {
					t.Fatalf("%s: %d", p, r.Status)
				}
			}
			if r := f.Get("alpha.test", "/"+strings.Repeat("a", 3000)+"/"); r.Status != 414 {
				t.Fatalf("long path: %d", r.Status)
			}
			// An unknown or malformed host goes to the default site.
			if r := f.Get("unknown.example", "/"); r.Status != 200 || !strings.Contains(r.Body, "<h1>Alpha</h1>") {
				t.Fatalf("unknown host: %d", r.Status)
			}
			// Non-ASCII slugs work end to end (the path arrives percent-encoded).
			f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Über uns", true, nil)
			if r := f.Get("alpha.test", "/%C3%BCber-uns/"); r.Status != 200 || !strings.Contains(r.Body, "Über uns") {
				t.Fatalf("unicode slug: %d", r.Status)
			}
			if r := f.Get("alpha.test", "/"); r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("no nosniff header: %v", r.Header)
			}
			// Conditional requests.
			r = f.Get("alpha.test", "/")
			if r2 := f.Get("alpha.test", "/", "If-None-Match", r.Header.Get("ETag")); r2.Status != 304 {
				t.Fatalf("If-None-Match: %d", r2.Status)
			}
		})
	}
}

func TestNoDefaultSite(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.New(t, d, false)
			for _, p := range []string{"/", "/api/v2/pages/", "/anything/"} {
				if r := f.Get("unknown.example", p); r.Status != 404 {
					t.Fatalf("%s on unknown host without default: %d", p, r.Status)
				}
			}
			if r := f.Get("beta.test", "/"); r.Status != 200 {
				t.Fatalf("known host: %d", r.Status)
			}
		})
	}
}

func TestCacheInvalidation(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.New(t, d, true)
			pages := f.Svc.Pages(f.Alpha.ID)
			news := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "News", true, nil)
			if r := f.Get("alpha.test", "/news/"); !strings.Contains(r.Body, "<h1>News</h1>") {
				t.Fatal(r.Body)
			}
			// A draft changes nothing visible; publishing it does, at once.
			if _, err := pages.SaveDraft(ctx, news.ID, service.PageInput{Title: "Latest news", Slug: "news"}, 0, 0); err != nil {
				t.Fatal(err)
			}
			if r := f.Get("alpha.test", "/news/"); !strings.Contains(r.Body, "<h1>News</h1>") {
				t.Fatal("draft was served")
			}
			if _, err := pages.Store().Publish(ctx, news.ID, 0); err != nil {
				t.Fatal(err)
			}
			if r := f.Get("alpha.test", "/news/"); !strings.Contains(r.Body, "<h1>Latest news</h1>") {
				t.Fatal("publish not served at once")
			}
			// Beta's cache is untouched by alpha's changes, and vice versa.
			if r := f.Get("beta.test", "/"); r.Status != 200 {
				t.Fatal(r.Status)
			}
			other := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.IndexType, "Archive", true, nil)
			if _, err := pages.Store().Move(ctx, news.ID, other.ID, nil); err != nil {
				t.Fatal(err)
			}
			// The old address redirects to the new one (decision 23).
			if r := f.Get("alpha.test", "/news/"); r.Status != 301 || f.Get("alpha.test", "/archive/news/").Status != 200 {
				t.Fatalf("move not served at once: old address %d", r.Status)
			}
			if _, err := pages.Store().Unpublish(ctx, other.ID, true); err != nil {
				t.Fatal(err)
			}
			if f.Get("alpha.test", "/archive/news/").Status != 404 {
				t.Fatal("unpublish not served at once")
			}
			if r := f.Get("alpha.test", "/api/v2/pages/?type=canopy.StandardPage"); strings.Contains(r.Body, "Latest news") {
				t.Fatal("API still lists an unpublished page")
			}
		})
	}
}

func TestChangesFromAnotherProcess(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.New(t, d, true)
			f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true, nil)
			if f.Get("alpha.test", "/about/").Status != 200 || f.Get("gamma.test", "/").Body == "" {
				t.Fatal("setup")
			}
			// A second connection stands for the CLI or another node.
			other, err := sqlstore.Open(ctx, f.DBURL)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			types, _ := canopy.NewPageTypes()
			osvc := service.New(other, types)
			if _, err := osvc.CreateSite(ctx, canopy.NewSite{Hostname: "gamma.test", Name: "Gamma"}); err != nil {
				t.Fatal(err)
			}
			testserver.Eventually(t, "new site", func() bool { return strings.Contains(f.Get("gamma.test", "/").Body, "<h1>Gamma</h1>") })
			about, _ := osvc.Pages(f.Alpha.ID).Store().PageByURLPath(ctx, "/about/")
			if _, err := osvc.Pages(f.Alpha.ID).Store().Unpublish(ctx, about.ID, false); err != nil {
				t.Fatal(err)
			}
			testserver.Eventually(t, "unpublish", func() bool { return f.Get("alpha.test", "/about/").Status == 404 })
		})
	}
}

func TestContentAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.New(t, d, true)
			events := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.IndexType, "Events", true, nil)
			a := f.Page(f.Alpha, events.ID, canopy.EventType, "Gala", true, map[string]any{"start": "2026-12-02T18:00:00Z", "description": "<p>Hi</p>"})
			b := f.Page(f.Alpha, events.ID, canopy.EventType, "Ball", true, map[string]any{"start": "2026-12-01T18:00:00Z"})
			f.Page(f.Alpha, events.ID, canopy.EventType, "Draft", false, map[string]any{"start": "2026-12-03T18:00:00Z"})
			betaPage := f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "Beta page", true, nil)

			status, body := f.JSON("alpha.test", "/api/v2/pages/")
			if status != 200 || body["meta"].(map[string]any)["total_count"].(float64) != 4 {
				t.Fatalf("listing: %d %v", status, body)
			}
			first := body["items"].([]any)[0].(map[string]any)
			meta := first["meta"].(map[string]any)
			if first["title"] != "Alpha" || meta["type"] != canopy.HomeType || meta["html_url"] != "http://alpha.test/" ||
				meta["detail_url"] != "http://alpha.test/api/v2/pages/"+strconv.FormatInt(f.Alpha.RootPageID, 10)+"/" {
				t.Fatalf("first item: %v", first)
			}
			_, body = f.JSON("alpha.test", "/api/v2/pages/?type=canopy.EventPage&order=start&fields=start")
			items := body["items"].([]any)
			if len(items) != 2 || items[0].(map[string]any)["title"] != "Ball" || items[0].(map[string]any)["start"] != "2026-12-01T18:00:00Z" {
				t.Fatalf("typed, ordered listing: %v", items)
			}
			_, body = f.JSON("alpha.test", "/api/v2/pages/?child_of="+strconv.FormatInt(events.ID, 10)+"&slug=gala&fields=_,id")
			items = body["items"].([]any)
			if len(items) != 1 || len(items[0].(map[string]any)) != 1 || items[0].(map[string]any)["id"].(float64) != float64(a.ID) {
				t.Fatalf("child_of + slug + fields=_,id: %v", items)
			}
			_, body = f.JSON("alpha.test", "/api/v2/pages/?descendant_of=root&limit=1&offset=1")
			if body["meta"].(map[string]any)["total_count"].(float64) != 3 || len(body["items"].([]any)) != 1 {
				t.Fatalf("descendant_of root with paging: %v", body)
			}
			status, body = f.JSON("alpha.test", "/api/v2/pages/"+strconv.FormatInt(b.ID, 10)+"/")
			if status != 200 || body["meta"].(map[string]any)["parent"].(map[string]any)["title"] != "Events" || body["start"] != "2026-12-01T18:00:00Z" {
				t.Fatalf("detail: %v", body)
			}
			// Home page's parent is outside the base set.
			_, body = f.JSON("alpha.test", "/api/v2/pages/"+strconv.FormatInt(f.Alpha.RootPageID, 10)+"/")
			if body["meta"].(map[string]any)["parent"] != nil {
				t.Fatalf("home parent: %v", body["meta"])
			}
			// Isolation: another site's page, a draft, the tree root are 404 and never counted.
			for _, id := range []int64{betaPage.ID, f.Beta.RootPageID, 1, 999999} {
				status, body = f.JSON("alpha.test", "/api/v2/pages/"+strconv.FormatInt(id, 10)+"/")
				if status != 404 || body["message"] != "not found" {
					t.Fatalf("page %d on alpha: %d %v", id, status, body)
				}
			}
			status, body = f.JSON("alpha.test", "/api/v2/pages/?child_of="+strconv.FormatInt(f.Beta.RootPageID, 10))
			if status != 400 || body["message"] != "parent page doesn't exist" {
				t.Fatalf("child_of another site's page: %d %v", status, body)
			}
			if _, body = f.JSON("beta.test", "/api/v2/pages/"); body["meta"].(map[string]any)["total_count"].(float64) != 2 {
				t.Fatalf("beta listing: %v", body)
			}
			_, body = f.JSON("alpha.test", "/api/v2/pages/?ancestor_of="+strconv.FormatInt(a.ID, 10))
			if items := body["items"].([]any); len(items) != 2 || items[0].(map[string]any)["title"] != "Alpha" || items[1].(map[string]any)["title"] != "Events" {
				t.Fatalf("ancestor_of: %v", body)
			}
			if r := f.Get("alpha.test", "/api/v2/pages?limit=1"); (r.Status != 301 && r.Status != 307) || r.Header.Get("Location") != "/api/v2/pages/?limit=1" {
				t.Fatalf("API without trailing slash: %d %v", r.Status, r.Header.Get("Location"))
			}
			// find
			r := f.Get("alpha.test", "/api/v2/pages/find/?html_path=events/gala&fields=title")
			if r.Status != 302 || r.Header.Get("Location") != "/api/v2/pages/"+strconv.FormatInt(a.ID, 10)+"/?fields=title" {
				t.Fatalf("find: %d %v", r.Status, r.Header.Get("Location"))
			}
			if r := f.Get("alpha.test", "/api/v2/pages/find/?html_path=/beta-page/"); r.Status != 404 {
				t.Fatalf("find other site's page: %d", r.Status)
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
				status, body := f.JSON("alpha.test", "/api/v2/pages/?"+q)
				if status != 400 || body["message"] != msg {
					t.Errorf("?%s: %d %v, want 400 %q", q, status, body, msg)
				}
			}
			_, body = f.JSON("alpha.test", "/api/v2/pages/?type=canopy.EventPage&start=2026-12-02T18:00:00Z")
			if body["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("field filter: %v", body)
			}
			// Caching headers for CDNs.
			r = f.Get("alpha.test", "/api/v2/pages/")
			if r.Header.Get("ETag") == "" || r.Header.Get("Cache-Control") == "" {
				t.Fatalf("headers: %v", r.Header)
			}
			if f.Get("alpha.test", "/api/v2/pages/", "If-None-Match", r.Header.Get("ETag")).Status != 304 {
				t.Fatal("no 304 for a matching ETag")
			}
		})
	}
}
