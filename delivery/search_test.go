package delivery_test

import (
	"net/url"
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
			// FTS syntax typed by a visitor is just words.
			for _, q := range []string{`galaxy NEAR(sky)`, `"galaxy`, `galaxy:*`, `(galaxy)`, `-galaxy`, `galaxy^2`, `*`} {
				if status, msg, _ := search("alpha.test", q); status != 200 && status != 400 {
					t.Errorf("search %q: %d %v", q, status, msg)
				}
			}
		})
	}
}
