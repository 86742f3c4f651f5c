package delivery_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
)

// TestContentAPISearch: GET /api/v2/pages/?search= on both databases, as a
// front end would use it: each host finds only its own site's live pages
// (counts included), with stemming, phrases, operators, prefixes, a title
// match above a body match, the other filters, privacy, and bad input as a
// 400 with a message, never a database error.
func TestContentAPISearch(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			mk := func(site *canopy.Site, title, intro, body string, publish bool) *canopy.Page {
				return f.Page(site, site.RootPageID, canopy.StandardType, title, publish, map[string]any{"intro": intro, "body": body})
			}
			mk(f.Alpha, "Galaxy survey", "", "<p>Mapping the sky.</p>", true)
			mk(f.Alpha, "Annual report", "", "<p>Our telescopes observed distant galaxies this year.</p>", true)
			mk(f.Alpha, "Red giants", "Stars near the end", "<p>A red giant shines brightly before it fades.</p>", true)
			mk(f.Alpha, "Draft on galaxies", "", "", false)
			private := mk(f.Alpha, "Staff galaxy notes", "", "", true)
			mk(f.Beta, "Galaxy roses", "", "<p>A rose called Galaxy.</p>", true)
			mk(f.Beta, "Tomatoes", "", "<p>Red fruit.</p>", true)
			root := f.Login("alpha.test", "root")
			if status, body := root.Do("PUT", "/admin/api/pages/"+testserver.FmtID(private.ID)+"/privacy", map[string]any{"type": "login"}); status != 200 {
				t.Fatalf("restrict: %d %v", status, body)
			}
			search := func(host, q string, extra ...string) (int, []string, float64) {
				t.Helper()
				u := "/api/v2/pages/?search=" + url.QueryEscape(q)
				for _, e := range extra {
					u += "&" + e
				}
				status, body := f.JSON(host, u)
				if status != 200 {
					return status, []string{body["message"].(string)}, 0
				}
				var titles []string
				for _, it := range body["items"].([]any) {
					titles = append(titles, it.(map[string]any)["title"].(string))
				}
				return status, titles, body["meta"].(map[string]any)["total_count"].(float64)
			}
			// Stemming, ranking (the title match first), only alpha's live,
			// visible pages, counted as such.
			if _, got, n := search("alpha.test", "galaxy"); n != 2 || len(got) != 2 || got[0] != "Galaxy survey" || got[1] != "Annual report" {
				t.Errorf("alpha, galaxy: %v (%v)", got, n)
			}
			if _, got, n := search("beta.test", "galaxy"); n != 1 || got[0] != "Galaxy roses" {
				t.Errorf("beta, galaxy: %v (%v)", got, n)
			}
			if _, got, _ := search("alpha.test", "roses"); len(got) != 0 {
				t.Errorf("alpha finds beta's page: %v", got)
			}
			// Phrases, operators, prefixes.
			if _, got, _ := search("alpha.test", `"red giant"`); len(got) != 1 || got[0] != "Red giants" {
				t.Errorf("phrase: %v", got)
			}
			if _, got, _ := search("alpha.test", `"giant red"`); len(got) != 0 {
				t.Errorf("phrase in the wrong order: %v", got)
			}
			if _, got, _ := search("alpha.test", "telescopes sky", "search_operator=or"); len(got) != 2 {
				t.Errorf("or: %v", got)
			}
			if _, got, _ := search("alpha.test", "telescopes sky", "search_operator=and"); len(got) != 0 {
				t.Errorf("and: %v", got)
			}
			if _, got, _ := search("alpha.test", "telescopes OR sky"); len(got) != 2 {
				t.Errorf("OR: %v", got)
			}
			if _, got, _ := search("alpha.test", "gala*"); len(got) != 2 {
				t.Errorf("prefix: %v", got)
			}
			// With other filters and an explicit order.
			if _, got, _ := search("alpha.test", "galaxy", "order=title"); strings.Join(got, ",") != "Annual report,Galaxy survey" {
				t.Errorf("ordered by title: %v", got)
			}
			if _, got, _ := search("alpha.test", "galaxy", "type="+canopy.IndexType); len(got) != 0 {
				t.Errorf("type filter: %v", got)
			}
			// Bad input: a 400 that says what is wrong.
			for _, c := range []struct{ q, extra, want string }{
				{"", "", "type something"}, {"the and of", "", ""}, {strings.Repeat("x", 1001), "", "longer"},
				{"galaxy", "search_operator=xor", "search_operator"}, {"galaxy", "order=random", "random"},
			} {
				var extra []string
				if c.extra != "" {
					extra = append(extra, c.extra)
				}
				status, msg, _ := search("alpha.test", c.q, extra...)
				if status != 400 || !strings.Contains(msg[0], c.want) {
					t.Errorf("search %.20q %s: %d %v", c.q, c.extra, status, msg)
				}
			}
			// Images and documents: by title and tags, each host its own.
			rootB := f.Login("beta.test", "root")
			for _, up := range []struct {
				c                 *testserver.Client
				path, file, title string
				tags              string
				data              []byte
			}{
				{root, "/admin/api/images", "a.png", "Comet over the dome", "night,sky", testserver.PNG(t, 4, 4)},
				{root, "/admin/api/images", "b.png", "Telescope", "comet-hunting", testserver.PNG(t, 4, 4)},
				{rootB, "/admin/api/images", "c.png", "Comet tomato plant", "", testserver.PNG(t, 4, 4)},
				{root, "/admin/api/documents", "guide.pdf", "Comet observing guide", "", []byte("%PDF-1.4 guide")},
			} {
				if status, body := up.c.Upload(up.path, up.file, up.data, map[string]string{"title": up.title, "tags": up.tags}); status != 201 {
					t.Fatalf("upload %s: %d %v", up.title, status, body)
				}
			}
			media := func(host, path string) (int, []string) {
				status, body := f.JSON(host, path)
				var titles []string
				if items, ok := body["items"].([]any); ok {
					for _, it := range items {
						titles = append(titles, it.(map[string]any)["title"].(string))
					}
				}
				return status, titles
			}
			// The title match ranks above the tag match (comet-hunting).
			if status, got := media("alpha.test", "/api/v2/images/?search=comet"); status != 200 || strings.Join(got, ",") != "Comet over the dome,Telescope" {
				t.Errorf("alpha's images, comet: %d %v", status, got)
			}
			if _, got := media("alpha.test", "/api/v2/images/?search=sky"); len(got) != 1 {
				t.Errorf("alpha's images by tag: %v", got)
			}
			if _, got := media("beta.test", "/api/v2/images/?search=comet"); len(got) != 1 || got[0] != "Comet tomato plant" {
				t.Errorf("beta's images: %v", got)
			}
			if _, got := media("alpha.test", "/api/v2/documents/?search=guides"); len(got) != 1 {
				t.Errorf("alpha's documents: %v", got)
			}
			if status, _ := media("alpha.test", "/api/v2/images/?search="); status != 400 {
				t.Errorf("an empty image search: %d", status)
			}
			// FTS syntax typed by a visitor is just words.
			for _, q := range []string{`galaxy NEAR(sky)`, `"galaxy`, `galaxy:*`, `(galaxy)`, `-galaxy`, `galaxy^2`, `*`} {
				if status, msg, _ := search("alpha.test", q); status != 200 && status != 400 {
					t.Errorf("search %q: %d %v", q, status, msg)
				}
			}
		})
	}
}

// TestPublicSearchPage: /search/?q= on every site, rendered by its theme:
// only the host's own live pages the visitor may see, with the matching
// words marked, paged; a bad query is a 400 with a message beside the box;
// an unpublished page is gone at once; a site can turn its search off.
func TestPublicSearchPage(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			var pages []*canopy.Page
			for i := range 12 {
				pages = append(pages, f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Comet report "+strconv.Itoa(i), true,
					map[string]any{"body": "<p>The bright comet returns every year.</p>"}))
			}
			staff := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Staff comet rota", true, nil)
			f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "Comet tomato", true, nil)
			root := f.Login("alpha.test", "root")
			if status, body := root.Do("PUT", "/admin/api/pages/"+testserver.FmtID(staff.ID)+"/privacy", map[string]any{"type": "login"}); status != 200 {
				t.Fatalf("restrict: %d %v", status, body)
			}
			r := f.Get("alpha.test", "/search/?q=comets")
			if r.Status != 200 || !strings.Contains(r.Body, "12 pages match “comets” (page 1 of 2)") || strings.Count(r.Body, `class="search-snippet"`) != 10 ||
				!strings.Contains(r.Body, "<mark>comet</mark>") || strings.Contains(r.Body, "tomato") || strings.Contains(r.Body, "Staff") ||
				!strings.Contains(r.Body, `rel="next"`) || !strings.Contains(r.Body, `value="comets"`) {
				t.Fatalf("alpha's search page: %d %s", r.Status, r.Body)
			}
			if r2 := f.Get("alpha.test", "/search/?q=comets&page=2"); strings.Count(r2.Body, `class="search-snippet"`) != 2 || !strings.Contains(r2.Body, `rel="prev"`) {
				t.Errorf("page 2: %s", r2.Body)
			}
			if rb := f.Get("beta.test", "/search/?q=comet"); !strings.Contains(rb.Body, "One page matches") || !strings.Contains(rb.Body, "Comet tomato") {
				t.Errorf("beta's search: %s", rb.Body)
			}
			// A visitor who passes the restriction finds the staff page; the
			// answer depends on them and is not cached.
			ed := f.Login("alpha.test", "ed")
			req, _ := http.NewRequest("GET", f.URL+"/search/?q=rota", nil)
			req.Host = "alpha.test"
			req.Header.Set("Cookie", "canopy_session="+ed.Cookie)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if !strings.Contains(string(b), "Staff comet rota") || !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
				t.Errorf("a member's search: %s %s", res.Header.Get("Cache-Control"), b)
			}
			if anon := f.Get("alpha.test", "/search/?q=rota"); strings.Contains(anon.Body, "Staff comet rota") || !strings.Contains(anon.Body, "No pages match") {
				t.Errorf("an anonymous visitor finds the restricted page: %s", anon.Body)
			}
			// Bad input: a message beside the box, never an error page.
			for _, q := range []string{"the", strings.Repeat("a", 1001)} {
				if bad := f.Get("alpha.test", "/search/?q="+url.QueryEscape(q)); bad.Status != 400 || !strings.Contains(bad.Body, `id="search-error"`) {
					t.Errorf("search %.10q: %d", q, bad.Status)
				}
			}
			if empty := f.Get("alpha.test", "/search/"); empty.Status != 200 || !strings.Contains(empty.Body, `id="search-q"`) || strings.Contains(empty.Body, "match") {
				t.Errorf("the empty search page: %d", empty.Status)
			}
			// Unpublished: gone at once.
			if status, body := root.Do("POST", "/admin/api/pages/"+testserver.FmtID(pages[0].ID)+"/unpublish", nil); status != 200 {
				t.Fatalf("unpublish: %d %v", status, body)
			}
			if r := f.Get("alpha.test", "/search/?q=comets"); !strings.Contains(r.Body, "11 pages match") {
				t.Errorf("after the unpublish: %s", r.Body)
			}
			// The site turns its search off: /search/ is an ordinary path again.
			if status, body := root.Do("PATCH", "/admin/api/sites/"+testserver.FmtID(f.Alpha.ID), map[string]any{"features": map[string]any{"search": false}}); status != 200 {
				t.Fatalf("search off: %d %v", status, body)
			}
			testserver.Eventually(t, "search off", func() bool {
				r := f.Get("alpha.test", "/search/?q=comets")
				return r.Status == 404 && !strings.Contains(r.Body, `id="site-search-q"`)
			})
		})
	}
}

// TestSiteLanguageStemsSearch: a site's language chooses how PostgreSQL
// stems its words (German: Häuser finds Haus); changing it rebuilds the
// site's index at once. SQLite's stemmer is English's whatever the
// language. An unknown language is refused beside the field.
func TestSiteLanguageStemsSearch(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "Die Häuser am See", true, nil)
			root := f.Login("beta.test", "root")
			found := func() float64 {
				_, body := f.JSON("beta.test", "/api/v2/pages/?search=haus")
				return body["meta"].(map[string]any)["total_count"].(float64)
			}
			if n := found(); n != 0 {
				t.Fatalf("English stemming found Häuser for haus: %v", n)
			}
			if status, body := root.Do("PATCH", "/admin/api/sites/"+testserver.FmtID(f.Beta.ID), map[string]any{"language": "klingon"}); status != 400 || body["error"].(map[string]any)["field"] != "language" {
				t.Errorf("unknown language: %d %v", status, body)
			}
			status, body := root.Do("PATCH", "/admin/api/sites/"+testserver.FmtID(f.Beta.ID), map[string]any{"language": "DE"})
			if status != 200 || body["language"] != "de" {
				t.Fatalf("German: %d %v", status, body)
			}
			want := 0.0
			if d == "postgres" {
				want = 1
			}
			testserver.Eventually(t, "the German index", func() bool { return found() == want })
			// Alpha, still English, is untouched.
			if status, body := f.JSON("alpha.test", "/api/v2/pages/?search=alpha"); status != 200 || body["meta"].(map[string]any)["total_count"].(float64) < 1 {
				t.Errorf("alpha after beta's change: %d %v", status, body)
			}
		})
	}
}
