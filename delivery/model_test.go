package delivery_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/delivery"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/theme"
)

// TestModelRendersWhatQueriesRender: a page rendered from the in-memory site
// model is byte for byte the page rendered from the database (the path a site
// too large for a model takes): pages, breadcrumbs, live children only, the
// menu, page links in rich text, drafts and unknown paths as 404, redirects;
// and after an edit both show it.
func TestModelRendersWhatQueriesRender(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.New(t, d, true)
			events := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.IndexType, "Events", true, nil)
			party := f.Page(f.Alpha, events.ID, canopy.EventType, "Party", true, map[string]any{"start": "2026-12-24T18:00:00Z"})
			f.Page(f.Alpha, events.ID, canopy.EventType, "Secret plans", false, map[string]any{"start": "2026-12-25T18:00:00Z"})
			f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true,
				map[string]any{"body": fmt.Sprintf(`<p>See <a href="/old/" data-page-id="%d">the party</a>.</p>`, party.ID)})
			about := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Team", true, nil)
			deep := f.Page(f.Alpha, about.ID, canopy.StandardType, "Kitchen", true, nil)
			f.Page(f.Alpha, deep.ID, canopy.StandardType, "Drinks", true, nil)

			themes, _ := theme.Load("")
			serve := func(modelBytes int64) string {
				srv, err := server.New(ctx, f.Svc, themes, server.Options{ModelBytes: modelBytes, PollInterval: time.Hour, Logger: testserver.Logger()})
				if err != nil {
					t.Fatal(err)
				}
				ts := httptest.NewServer(srv.Handler())
				t.Cleanup(ts.Close)
				return ts.URL
			}
			withModel, withQueries := serve(0), serve(-1)
			get := func(base, path string) string {
				req, _ := http.NewRequest("GET", base+path, nil)
				req.Host = "alpha.test"
				res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return fmt.Sprintf("%d %s\n%s", res.StatusCode, res.Header.Get("Location"), b)
			}
			paths := []string{"/", "/events/", "/events/party/", "/team/kitchen/drinks/", "/team/kitchen/", "/about/", "/events/secret-plans/", "/nope/", "/events"}
			compare := func() {
				t.Helper()
				for _, p := range paths {
					if a, b := get(withModel, p), get(withQueries, p); a != b {
						t.Fatalf("%s differs:\nmodel:\n%s\nqueries:\n%s", p, a, b)
					}
				}
			}
			compare()
			if body := get(withModel, "/about/"); !strings.Contains(body, `href="/events/party/"`) {
				t.Fatalf("rich text page link not resolved from the model:\n%s", body)
			}
			if body := get(withModel, "/events/"); strings.Contains(body, "Secret") || !strings.Contains(body, "/events/party/") {
				t.Fatalf("index lists drafts or misses live children:\n%s", body)
			}
			f.Page(f.Alpha, events.ID, canopy.EventType, "Concert", true, map[string]any{"start": "2026-12-26T18:00:00Z"})
			if body := get(withModel, "/events/"); !strings.Contains(body, "/events/concert/") {
				t.Fatalf("a page published after the model was built is not listed:\n%s", body)
			}
			compare()

			// A site larger than a model is rendered from the database.
			defer delivery.SetMaxModelPages(3)()
			f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Contact", true, nil)
			compare()
			if body := get(withModel, "/contact/"); !strings.HasPrefix(body, "200") {
				t.Fatalf("a site too large for a model: %s", body)
			}
		})
	}
}

// TestAnchorsAsTemplatesWriteThem: a link's Anchor is what the theme's own
// markup wrote before it existed: html/template's URL normalisation (non-ASCII
// paths percent-encoded) and escaping.
func TestAnchorsAsTemplatesWriteThem(t *testing.T) {
	f := testserver.New(t, testdb.Dialects[0], true)
	events := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.IndexType, "Events", true, nil)
	f.Page(f.Alpha, events.ID, canopy.StandardType, "Über <uns>", true, nil)
	body := f.Get("alpha.test", "/events/").Body
	if !strings.Contains(body, `<a href="/events/%c3%bcber-uns/">Über &lt;uns&gt;</a>`) {
		t.Fatalf("the listing's link is not written as html/template writes it:\n%s", body)
	}
}
