package delivery_test

import (
	"crypto/tls"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestErrorPagesAndCacheHeaders: the site's 404 page shows the text from
// its settings (rich text, page links resolved) in its theme; a live page
// deleted a short while ago answers 410 (another site's path and a page
// never there stay 404); a fault shows the site's error page with the
// correlation id, never the error; pages carry the site's CDN times in
// Cache-Control and Surrogate-Key/Cache-Tag naming the site and page.
func TestErrorPagesAndCacheHeaders(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			f := testserver.New(t, dialect, false)
			about := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true, nil)
			old := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Old news", true, nil)
			f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "Old news", true, nil)
			// Defaults: browsers and CDNs revalidate; tags name site and page.
			r := f.Get("alpha.test", about.URLPath)
			if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=0, must-revalidate" {
				t.Errorf("default Cache-Control %q", cc)
			}
			wantKey := fmt.Sprintf("site-%d page-%d", f.Alpha.ID, about.ID)
			if r.Header.Get("Surrogate-Key") != wantKey || r.Header.Get("Cache-Tag") != strings.ReplaceAll(wantKey, " ", ",") {
				t.Errorf("tags: Surrogate-Key %q, Cache-Tag %q", r.Header.Get("Surrogate-Key"), r.Header.Get("Cache-Tag"))
			}
			root, err := f.Svc.CreateUser(ctx, service.NewUser{Username: "root", Password: "password-root", IsSuperuser: true})
			testserver.Must(t, err)
			admin, err := f.Svc.AdminFor(ctx, f.Alpha, root)
			testserver.Must(t, err)
			if _, err := admin.SaveSettings(ctx, canopy.GeneralSettings, map[string]any{"cdn_max_age": 600, "cdn_stale_while_revalidate": 3601,
				"not_found_message": fmt.Sprintf(`<p>Try <a href="/about/" data-page-id="%d">About us</a>.</p><script>alert(1)</script>`, about.ID),
				"error_message":     "<p>We are on it: <b>back soon</b>.</p>"}); err != nil {
				t.Fatal(err)
			}
			// Bad input: a cache time out of range, said beside the field; nothing saved.
			if _, err := admin.SaveSettings(ctx, canopy.GeneralSettings, map[string]any{"cdn_max_age": -5}); canopy.ErrorField(err) != "cdn_max_age" {
				t.Errorf("a negative cache time: %v", err)
			}
			testserver.Eventually(t, "the CDN times", func() bool {
				return f.Get("alpha.test", about.URLPath).Header.Get("Cache-Control") == "public, max-age=0, must-revalidate, s-maxage=600, stale-while-revalidate=3601"
			})
			if cc := f.Get("beta.test", "/").Header.Get("Cache-Control"); strings.Contains(cc, "s-maxage") {
				t.Errorf("alpha's CDN time on beta: %q", cc)
			}
			nf := f.Get("alpha.test", "/nothing-here/")
			if nf.Status != 404 || !strings.Contains(nf.Body, `href="/about/">About us</a>`) || strings.Contains(nf.Body, "<script>alert") ||
				!strings.Contains(nf.Body, "Page not found") {
				t.Errorf("404 with the site's text: %d %s", nf.Status, nf.Body)
			}
			if nf.Header.Get("Surrogate-Key") != fmt.Sprintf("site-%d", f.Alpha.ID) {
				t.Errorf("404 tags: %q", nf.Header.Get("Surrogate-Key"))
			}
			// Deleted: 410 on alpha, with the site's text; beta's page stays.
			if _, err := f.Svc.Pages(f.Alpha.ID).Store().Delete(ctx, old.ID); err != nil {
				t.Fatal(err)
			}
			testserver.Eventually(t, "410 for the deleted page", func() bool {
				g := f.Get("alpha.test", old.URLPath)
				return g.Status == 410 && strings.Contains(g.Body, "Page removed") && strings.Contains(g.Body, "About us")
			})
			if r := f.Get("beta.test", old.URLPath); r.Status != 200 {
				t.Errorf("beta's page of the same address: %d", r.Status)
			}
			if r := f.Get("alpha.test", "/never-was/"); r.Status != 404 {
				t.Errorf("a page never there: %d", r.Status)
			}
			// A page made again at the address wins.
			f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Old news", true, nil)
			testserver.Eventually(t, "a page made again", func() bool { return f.Get("alpha.test", old.URLPath).Status == 200 })
			// A fault: the error page with the site's text and the id, no detail.
			broken := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Broken", true, nil)
			w := testdb.Writer(f.Svc.DB)
			if _, err := w.ExecContext(ctx, `UPDATE pages SET fields = 'not json' WHERE site_id = $1 AND id = $2`, f.Alpha.ID, broken.ID); err != nil {
				t.Fatal(err)
			}
			f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Contact", true, nil) // a new version: the cached page goes
			testserver.Eventually(t, "the error page", func() bool {
				e := f.Get("alpha.test", broken.URLPath)
				return e.Status == 500 && strings.Contains(e.Body, "<b>back soon</b>") && strings.Contains(e.Body, "internal error (id ") &&
					!strings.Contains(e.Body, "json") && strings.Contains(e.Header.Get("Cache-Control"), "no-store")
			})
		})
	}
}

// TestGoneForEnds: a deleted page answers 410 only within gone_for; then
// 404, even though the site has not changed since (the cached 410 ends
// with its window).
func TestGoneForEnds(t *testing.T) {
	f := testserver.NewWith(t, sqlstore.SQLite, false, func(o *server.Options) { o.GoneFor = 1500 * time.Millisecond })
	old := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Old", true, nil)
	if _, err := f.Svc.Pages(f.Alpha.ID).Store().Delete(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	testserver.Eventually(t, "410 at first", func() bool { return f.Get("alpha.test", old.URLPath).Status == 410 })
	time.Sleep(1600 * time.Millisecond)
	if r := f.Get("alpha.test", old.URLPath); r.Status != 404 {
		t.Errorf("after gone_for: %d", r.Status)
	}
}

// TestHSTS: over HTTPS a site with an HSTS time in its settings answers
// Strict-Transport-Security; over plain HTTP, and on another site, none.
func TestHSTS(t *testing.T) {
	f := testserver.New(t, sqlstore.SQLite, false)
	testserver.Must(t, f.Svc.DB.Site(f.Alpha.ID, nil).SaveSettings(ctx, canopy.GeneralSettings, map[string]any{"hsts_max_age": 300}))
	get := func(host string, secure bool) string {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		if secure {
			r.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		f.Srv.Handler().ServeHTTP(w, r)
		return w.Header().Get("Strict-Transport-Security")
	}
	testserver.Eventually(t, "HSTS over HTTPS", func() bool { return get("alpha.test", true) == "max-age=300" })
	if v := get("alpha.test", false); v != "" {
		t.Errorf("HSTS over plain HTTP: %q", v)
	}
	if v := get("beta.test", true); v != "" {
		t.Errorf("alpha's HSTS on beta: %q", v)
	}
}
