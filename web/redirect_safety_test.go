package web_test

import (
	"bufio"
	"fmt"
	"github.com/canopy-cms/canopy"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

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
	f := newFixture(t, sqlstore.SQLite, true)
	for _, target := range []string{
		"//evil.test", "///evil.test", "//evil.test/about", "////evil.test", "/\\evil.test", "/%5Cevil.test", "/%5cevil.test",
		"/%2F%2Fevil.test", "/%2f/evil.test", "/%09/evil.test", "/%0A/evil.test", "/%0D%0A/evil.test", "/%2F%09/evil.test",
		"/\\/evil.test", "//\\evil.test", "/about//evil.test", "//%09evil.test",
	} {
		for round := 0; round < 2; round++ {
			status, loc := rawGet(t, f.url, "alpha.test", target)
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
	if status, loc := rawGet(t, f.url, "alpha.test", "/about?x=1"); status != 301 || loc != "/about/?x=1" {
		t.Errorf("GET /about: %d %q", status, loc)
	}
}

// TestContentAPIURLsComeFromTheSite: the content API's absolute URLs are the
// site's root URL whatever Host (case, port, an unknown host falling back
// to the default site) or forwarded header the request carries, also when
// the answer comes from the cache.
func TestContentAPIURLsComeFromTheSite(t *testing.T) {
	f := newFixture(t, sqlstore.SQLite, true)
	p := f.page(f.alpha, f.alpha.RootPageID, canopy.StandardType, "About", true, nil)
	for _, c := range []struct{ host, hdr, val string }{
		{"evil.test", "", ""}, {"ALPHA.TEST:8081", "", ""}, {"alpha.test", "X-Forwarded-Host", "evil.test"},
		{"evil.test:1234", "X-Forwarded-Proto", "https"}, {"alpha.test", "", ""},
	} {
		for _, path := range []string{"/api/v2/pages/", "/api/v2/pages/" + strconv.FormatInt(p.ID, 10) + "/"} {
			var r response
			if c.hdr != "" {
				r = f.get(c.host, path, c.hdr, c.val)
			} else {
				r = f.get(c.host, path)
			}
			if r.status != 200 {
				t.Fatalf("GET %s on %s: %d %s", path, c.host, r.status, r.body)
			}
			if strings.Contains(r.body, "evil") || strings.Contains(r.body, "8081") || strings.Contains(r.body, "1234") || strings.Contains(r.body, "https:") ||
				!strings.Contains(r.body, `"http://alpha.test/`) {
				t.Errorf("GET %s on %s (%s: %s): %s", path, c.host, c.hdr, c.val, r.body)
			}
		}
	}
}
