package delivery_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"

	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// rawGet sends a request line exactly as written (no client normalises it)
// and returns the status and the Location header.
func rawGet(t *testing.T, baseURL, host, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %q: %v", target, err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// TestTrailingSlashRedirectStaysOnSite: the redirect that adds a trailing
// slash never answers with a Location a browser would read as another host,
// however the path is written; a second request (from the cache) neither.
func TestTrailingSlashRedirectStaysOnSite(t *testing.T) {
	f := testserver.New(t, sqlstore.SQLite, true)
	for _, target := range []string{
		"//evil.test", "///evil.test", "//evil.test/about", "////evil.test", "/\\evil.test", "/%5Cevil.test", "/%5cevil.test",
		"/%2F%2Fevil.test", "/%2f/evil.test", "/%09/evil.test", "/%0A/evil.test", "/%0D%0A/evil.test", "/%2F%09/evil.test",
		"/\\/evil.test", "//\\evil.test", "/about//evil.test", "//%09evil.test",
	} {
		for round := 0; round < 2; round++ {
			status, loc := rawGet(t, f.URL, "alpha.test", target)
			if loc != "" {
				clean := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(loc)
				if strings.HasPrefix(clean, "//") || strings.Contains(clean, "://") || !strings.HasPrefix(clean, "/") {
					t.Errorf("GET %q (round %d): %d Location %q leaves the site", target, round, status, loc)
				}
			}
			if status >= 300 && status < 400 && loc == "" {
				t.Errorf("GET %q: %d without a Location", target, status)
			}
			if status != 404 && status != 400 {
				t.Errorf("GET %q (round %d): %d %q, want 404 or 400", target, round, status, loc)
			}
		}
	}
	// The ordinary redirect still works.
	if status, loc := rawGet(t, f.URL, "alpha.test", "/about?x=1"); status != 301 || loc != "/about/?x=1" {
		t.Errorf("GET /about: %d %q", status, loc)
	}
}

// TestContentAPIURLsComeFromTheSite: the content API's absolute URLs are the
// site's root URL whatever Host (case, port, an unknown host falling back
// to the default site) or forwarded header the request carries, also when
// the answer comes from the cache.
func TestContentAPIURLsComeFromTheSite(t *testing.T) {
	f := testserver.New(t, sqlstore.SQLite, true)
	p := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true, nil)
	for _, c := range []struct{ host, hdr, val string }{
		{"evil.test", "", ""}, {"ALPHA.TEST:8081", "", ""}, {"alpha.test", "X-Forwarded-Host", "evil.test"},
		{"evil.test:1234", "X-Forwarded-Proto", "https"}, {"alpha.test", "", ""},
	} {
		for _, path := range []string{"/api/v2/pages/", "/api/v2/pages/" + strconv.FormatInt(p.ID, 10) + "/"} {
			var r testserver.Response
			if c.hdr != "" {
				r = f.Get(c.host, path, c.hdr, c.val)
			} else {
				r = f.Get(c.host, path)
			}
			if r.Status != 200 {
				t.Fatalf("GET %s on %s: %d %s", path, c.host, r.Status, r.Body)
			}
			if strings.Contains(r.Body, "evil") || strings.Contains(r.Body, "8081") || strings.Contains(r.Body, "1234") || strings.Contains(r.Body, "https:") ||
				!strings.Contains(r.Body, `"http://alpha.test/`) {
				t.Errorf("GET %s on %s (%s: %s): %s", path, c.host, c.hdr, c.val, r.Body)
			}
		}
	}
}

// TestPublicFramingAndReferrer: public pages (cached or not, 404s and
// redirects too) may be framed by their own site only, unless the site
// allows framing; the visitor login form never; every answer says how much
// of its address other sites get.
func TestPublicFramingAndReferrer(t *testing.T) {
	f := testserver.NewAdmin(t, sqlstore.SQLite)
	for round := 0; round < 2; round++ {
		for _, path := range []string{"/", "/no-such-page/", "/about", "/_login/"} {
			r := f.Get("alpha.test", path)
			if r.Header.Get("X-Frame-Options") != "SAMEORIGIN" || r.Header.Get("Content-Security-Policy") != "frame-ancestors 'self'" ||
				r.Header.Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
				t.Errorf("GET %s (%d): %v", path, r.Status, r.Header)
			}
		}
	}
	root := f.Login("beta.test", "root")
	if status, body := root.Do("PATCH", "/admin/api/sites/"+testserver.FmtID(f.Beta.ID), map[string]any{"features": map[string]any{"allow_framing": true}}); status != 200 {
		t.Fatalf("allow framing: %d %v", status, body)
	}
	testserver.Eventually(t, "beta allows framing", func() bool {
		r := f.Get("beta.test", "/")
		return r.Status == 200 && r.Header.Get("X-Frame-Options") == "" && r.Header.Get("Content-Security-Policy") == "" &&
			r.Header.Get("Referrer-Policy") != ""
	})
	if r := f.Get("beta.test", "/_login/"); r.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("beta's login form may be framed: %v", r.Header)
	}
	// A site admin asking for the shared library is told what it is about.
	badmin, _ := f.Svc.CreateUser(ctx, service.NewUser{Username: "badmin", Password: "password-badmin"})
	testserver.Must(t, f.Svc.DB.Site(f.Beta.ID, nil).AddMember(ctx, testserver.GroupNamed(t, f.Svc.DB, f.Beta.ID, "Admins").ID, badmin.ID))
	b := f.Login("beta.test", "badmin")
	status, body := b.Do("GET", "/admin/api/collections?scope=installation", nil)
	if status != 403 || !testserver.ContainsMessage(body, "shared") || testserver.ContainsMessage(body, "sites") {
		t.Errorf("shared collections as a site admin: %d %v", status, body)
	}
}
