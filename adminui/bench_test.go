package adminui_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// Server time of the admin's busiest screens, without the network: the
// request goes straight to the root handler, as the server runs it.
//
//	go test -run '^$' -bench . -benchtime 200x ./adminui/
//
// The site has 100,000 pages (100 sections of 1,000), the explorer lists a
// section of 1,000 children, the editor opens an event page with every field
// type, the snippet chooser searches 5,000 snippets. CANOPY_BENCH_PAGES
// changes the site's size.

func benchRequest(b *testing.B, c *client, path string) {
	u, _ := url.Parse("http://" + c.host + path)
	req := httptest.NewRequest("GET", path, nil)
	req.Host = c.host + ":" + c.d.port
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("%s: %d %.300s", path, w.Code, w.Body.String())
	}
}

// screenBench is one screen of a benchmark: a name and the address.
type screenBench struct{ name, path string }

// benchScreens runs a sub-benchmark per screen as c (after one warm-up
// request), reporting the statements one request runs.
func benchScreens(b *testing.B, d *demo, c *client, screens []screenBench) {
	for _, s := range screens {
		b.Run(s.name, func(b *testing.B) {
			benchRequest(b, c, s.path)
			before := d.svc.DB.Statements()
			benchRequest(b, c, s.path)
			n := d.svc.DB.Statements() - before
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				benchRequest(b, c, s.path)
			}
			b.ReportMetric(float64(n), "statements")
		})
	}
}

func BenchmarkAdminScreens(b *testing.B) {
	pages := 100_000
	if v := os.Getenv("CANOPY_BENCH_PAGES"); v != "" {
		fmt.Sscan(v, &pages)
	}
	for _, dialect := range testdb.Dialects {
		b.Run(string(dialect), func(b *testing.B) {
			d := newDemo(b, dialect)
			store := d.svc.DB.Site(d.alpha.ID, d.svc.Types)
			home := d.page(d.alpha, "/")
			var sections []*sqlstore.ImportPage
			for s := 0; s < pages/1000; s++ {
				sec := &sqlstore.ImportPage{Type: canopy.IndexType, Live: true, Content: canopy.PageContent{Title: fmt.Sprintf("Section %03d", s)}}
				for i := 0; i < 1000; i++ {
					sec.Children = append(sec.Children, &sqlstore.ImportPage{Type: canopy.StandardType, Live: i%3 != 0,
						Content: canopy.PageContent{Title: fmt.Sprintf("Page %03d-%04d", s, i), Fields: map[string]any{"intro": "Generated."}}})
				}
				sections = append(sections, sec)
			}
			if _, err := store.Import(ctx, home.ID, sections, 0); err != nil {
				b.Fatal(err)
			}
			st := d.svc.Snippets.Get(canopy.LocationType)
			for i := 0; i < 5000; i++ {
				if _, err := store.CreateSnippet(ctx, st, map[string]any{"name": fmt.Sprintf("Room %04d", i), "building_name": fmt.Sprintf("Building %d", i%50)}); err != nil {
					b.Fatal(err)
				}
			}
			section := d.page(d.alpha, "/section-042/")
			ev := d.page(d.alpha, "/events/open-lab-night/")
			admin := d.login("alpha.localhost", "alpha-admin")
			editor := d.login("alpha.localhost", "alpha-editor")
			for _, s := range []struct {
				name string
				c    *client
				path string
			}{
				// Baseline: the JSON API's listing of the same 50 children (same session, same checks).
				{"baseline-json-children-1000", admin, fmt.Sprintf("/admin/api/pages/%d/children?limit=50", section.ID)},
				{"explorer-1000-children", admin, fmt.Sprintf("/admin/pages/%d/", section.ID)},
				{"explorer-1000-children-editor", editor, fmt.Sprintf("/admin/pages/%d/", section.ID)},
				{"editor-every-field", admin, fmt.Sprintf("/admin/pages/%d/edit/", ev.ID)},
				{"dashboard", admin, "/admin/"},
				{"snippet-search-5000", admin, "/admin/choose/snippet/location/?q=Room%2042&results=1"},
			} {
				b.Run(s.name, func(b *testing.B) {
					benchRequest(b, s.c, s.path)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						benchRequest(b, s.c, s.path)
					}
				})
			}
		})
	}
}

var assetRE = regexp.MustCompile(`(?:href|src)="(/admin/static/[^"]+\.(?:js|css))"`)

// chunkRE finds the chunks a module imports.
var chunkRE = regexp.MustCompile(`"\./(chunk-[A-Z0-9]+\.js)"`)

// TestFirstViewWeight: what each screen downloads on a first view (the
// files its page names and the chunks they import), gzipped, as the server
// sends them: the login page no script at all, the dashboard and the
// explorer only the shell's, the editor the rich-text editor too; every
// screen under 200 KB. The figures go to BENCHMARKS.md.
func TestFirstViewWeight(t *testing.T) {
	d := newDemo(t, testdb.Dialects[0])
	fetch := func(path string) (body []byte, gz int) {
		req, _ := http.NewRequest("GET", d.url+path, nil)
		req.Host = "alpha.localhost"
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %d %v", path, res.StatusCode, res.Header)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(zr)
		return body, len(raw)
	}
	weigh := func(html string) (files []string, gz int) {
		seen := map[string]bool{}
		var visit func(path string)
		visit = func(path string) {
			if seen[path] {
				return
			}
			seen[path] = true
			body, n := fetch(path)
			gz += n
			files = append(files, strings.TrimPrefix(path, "/admin/static/"))
			for _, m := range chunkRE.FindAllStringSubmatch(string(body), -1) {
				visit("/admin/static/" + m[1])
			}
		}
		for _, m := range assetRE.FindAllStringSubmatch(html, -1) {
			visit(m[1])
		}
		return files, gz
	}
	anon := d.client("alpha.localhost")
	_, login := anon.get("/admin/login/")
	c := d.login("alpha.localhost", "alpha-admin")
	_, dash := c.get("/admin/")
	_, explorer := c.get(fmt.Sprintf("/admin/pages/%d/", d.alpha.RootPageID))
	_, editor := c.get(fmt.Sprintf("/admin/pages/%d/edit/", d.page(d.alpha, "/about/").ID))
	for _, s := range []struct {
		name, html string
		editor     bool
	}{{"login", login, false}, {"dashboard", dash, false}, {"explorer", explorer, false}, {"editor", editor, true}} {
		files, gz := weigh(s.html)
		t.Logf("%-9s %d files, %6d bytes gzipped: %s", s.name, len(files), gz, strings.Join(files, " "))
		hasEditor := slices.ContainsFunc(files, func(f string) bool { return strings.HasPrefix(f, "editor-") })
		if hasEditor != s.editor {
			t.Errorf("%s loads the rich-text editor: %v", s.name, hasEditor)
		}
		if s.name == "login" && len(files) != 1 {
			t.Errorf("the login page loads %v", files)
		}
		if gz > 200_000 {
			t.Errorf("%s ships %d bytes gzipped (limit 200 KB)", s.name, gz)
		}
	}
}

// BenchmarkLibraryScreens: server time of the library's listings on a site
// with 10,000 images and 5,000 snippets (issue 26's sizes), against the
// admin JSON API's image listing of the same page as the baseline.
//
//	go test -run '^$' -bench LibraryScreens -benchtime 200x ./adminui/
func BenchmarkLibraryScreens(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(string(dialect), func(b *testing.B) {
			d := newDemo(b, dialect)
			store := d.svc.DB.Site(d.alpha.ID, d.svc.Types)
			words := []string{"harbour", "garden", "telescope", "campus", "winter", "lab", "library", "river"}
			for i := 0; i < 10_000; i++ {
				w := words[i%len(words)]
				if _, err := store.CreateImage(ctx, sqlstore.NewImage{CollectionID: d.alpha.RootCollectionID, Title: fmt.Sprintf("%s view %05d", w, i),
					Filename: fmt.Sprintf("%s-%05d.jpg", w, i), FileKey: fmt.Sprintf("bench/%d.jpg", i), Format: "jpeg", Width: 1600, Height: 1000,
					FileSize: int64(100_000 + i), FileHash: fmt.Sprint(i), Tags: []string{w, fmt.Sprintf("batch%d", i%20)}}); err != nil {
					b.Fatal(err)
				}
			}
			st := d.svc.Snippets.Get(canopy.LocationType)
			for i := 0; i < 5000; i++ {
				if _, err := store.CreateSnippet(ctx, st, map[string]any{"name": fmt.Sprintf("Room %04d", i), "building_name": fmt.Sprintf("Building %d", i%50),
					"room_number": fmt.Sprintf("%d.%02d", i%9, i%100)}); err != nil {
					b.Fatal(err)
				}
			}
			admin := d.login("alpha.localhost", "alpha-admin")
			benchScreens(b, d, admin, []screenBench{
				{"baseline-json-images-30", "/admin/api/images?limit=30"},
				{"images-grid-10000", "/admin/images/"},
				{"images-page-300-of-334", "/admin/images/?p=300"},
				{"images-list-by-title", "/admin/images/?view=list&ordering=title&p=150"},
				{"images-largest-first", "/admin/images/?ordering=-file_size"},
				{"images-search", "/admin/images/?q=telescope"},
				{"images-tag", "/admin/images/?tag=batch7"},
				{"snippets-5000", "/admin/snippets/location/"},
				{"snippets-5000-by-building", "/admin/snippets/location/?ordering=-building_name&p=50"},
				{"snippets-5000-search", "/admin/snippets/location/?q=building%2042"},
			})
		})
	}
}

// BenchmarkGroupScreens: a group of 200 grants (190 pages, 10 collections)
// on its page and in its permission matrix, as alpha's site admin; server
// time without the network. Baseline: the admin JSON API's grants of the
// same group, same session.
func BenchmarkGroupScreens(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(string(dialect), func(b *testing.B) {
			d := newDemo(b, dialect)
			store := d.svc.DB.Site(d.alpha.ID, d.svc.Types)
			events := d.page(d.alpha, "/events/")
			manyChildren(b, d.svc, d.alpha, events.ID, 190)
			children, err := store.Children(ctx, events.ID, false)
			if err != nil {
				b.Fatal(err)
			}
			g, err := store.CreateGroup(ctx, "Two hundred")
			if err != nil {
				b.Fatal(err)
			}
			var pages []canopy.PageGrantRow
			for _, c := range children[:190] {
				pages = append(pages, canopy.PageGrantRow{PageID: c.ID, Actions: []string{"add", "change", "publish"}})
			}
			var colls []canopy.CollectionGrantRow
			for i := 0; i < 10; i++ {
				c, err := store.CreateCollection(ctx, d.alpha.RootCollectionID, fmt.Sprintf("Department %d", i))
				if err != nil {
					b.Fatal(err)
				}
				colls = append(colls, canopy.CollectionGrantRow{CollectionID: c.ID, Permissions: []string{"add_image", "choose_image", "add_document"}})
			}
			if err := store.SetGroupGrants(ctx, g.ID, pages, []string{"access_admin", "view_history", "add_location"}, colls...); err != nil {
				b.Fatal(err)
			}
			admin := d.login("alpha.localhost", "alpha-admin")
			benchScreens(b, d, admin, []screenBench{
				{"baseline-json-grants", fmt.Sprintf("/admin/api/groups/%d/permissions", g.ID)},
				{"group-200-grants", fmt.Sprintf("/admin/groups/%d/", g.ID)},
				{"matrix-200-grants", fmt.Sprintf("/admin/groups/%d/permissions/", g.ID)},
			})
		})
	}
}

// BenchmarkHistoryScreens: the site history with 1,000,000 entries in the
// installation (500,000 on alpha, 500,000 on beta), as alpha's site admin:
// the newest page, a page deep in the past, each filter, a three-day range
// half a year back; server time without the network. Baseline: the admin
// JSON API's first page of the history, same session.
func BenchmarkHistoryScreens(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(string(dialect), func(b *testing.B) {
			d := newDemo(b, dialect)
			db := d.svc.DB
			ed, err := db.UserByUsername(ctx, "alpha-editor")
			if err != nil {
				b.Fatal(err)
			}
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			for _, s := range []*canopy.Site{d.alpha, d.beta} {
				if err := testdb.SeedHistory(ctx, db, s.ID, ed.ID, 500_000, start, time.Minute); err != nil {
					b.Fatal(err)
				}
			}
			if err := db.Analyze(ctx); err != nil {
				b.Fatal(err)
			}
			deep, _, err := db.Site(d.alpha.ID, nil).History(ctx, canopy.HistoryFilter{Limit: 1, Offset: 400_000})
			if err != nil || len(deep) == 0 {
				b.Fatal(err)
			}
			admin := d.login("alpha.localhost", "alpha-admin")
			benchScreens(b, d, admin, []screenBench{
				{"baseline-json-history", "/admin/api/history?limit=50"},
				{"history-newest", "/admin/reports/history/"},
				{"history-400000-back", fmt.Sprintf("/admin/reports/history/?before=%d", deep[0].ID)},
				{"history-by-person", "/admin/reports/history/?user=alpha-editor"},
				{"history-by-action", "/admin/reports/history/?action=publish"},
				{"history-by-object", "/admin/reports/history/?type=image"},
				{"history-three-days", "/admin/reports/history/?from=2025-06-01&to=2025-06-03"},
				{"history-all-filters", "/admin/reports/history/?user=alpha-editor&action=edit&type=image&from=2025-06-01&to=2025-06-03"},
			})
		})
	}
}

// BenchmarkUsersScreen: the Users screen of alpha in an installation of
// 100,000 accounts (2,000 with a role on alpha, 500 alpha's own), as alpha's
// site admin; server time without the network.
func BenchmarkUsersScreen(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(string(dialect), func(b *testing.B) {
			d := newDemo(b, dialect)
			db := d.svc.DB
			pool := testdb.Writer(db)
			series := `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000) SELECT n FROM g`
			if dialect == sqlstore.Postgres {
				series = `SELECT n FROM generate_series(1, 100000) AS g(n)`
			}
			if _, err := pool.ExecContext(ctx, `INSERT INTO users (username, email, first_name, last_name, password_hash, is_active, home_site_id, created_at)
				SELECT 'user' || n, 'user' || n || '@example.org', 'First' || n, 'Last' || (n % 97), 'x', n % 10 <> 0,
				CASE WHEN n % 200 = 0 THEN CAST($1 AS BIGINT) ELSE NULL END, CURRENT_TIMESTAMP FROM (`+series+`) s`, d.alpha.ID); err != nil {
				b.Fatal(err)
			}
			editors := groupID(b, d, d.alpha, "Editors")
			if _, err := pool.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, site_id) SELECT $1, id, $2 FROM users WHERE id % 50 = 7 AND username LIKE 'user%'`, editors, d.alpha.ID); err != nil {
				b.Fatal(err)
			}
			if err := db.Analyze(ctx); err != nil {
				b.Fatal(err)
			}
			admin := d.login("alpha.localhost", "alpha-admin")
			benchScreens(b, d, admin, []screenBench{
				{"baseline-json-users", "/admin/api/users?limit=50"},
				{"users-first-page", "/admin/users/"},
				{"users-page-40", "/admin/users/?p=40"},
				{"users-search", "/admin/users/?q=first1234"},
				{"users-group", fmt.Sprintf("/admin/users/?group=%d", editors)},
				{"users-inactive", "/admin/users/?status=inactive"},
			})
		})
	}
}
