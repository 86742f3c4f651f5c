package delivery_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestCompressedDelivery: pages, the sitemap and content API answers are
// sent gzip- or Brotli-compressed to clients that accept it (bodies decode
// to exactly the plain answer), with Vary: Accept-Encoding, from the page
// cache; an Accept-Encoding the server cannot honour gets the plain body.
func TestCompressedDelivery(t *testing.T) {
	f := testserver.New(t, sqlstore.SQLite, true)
	intro := strings.Repeat("Canopy serves every site of the installation from one binary. ", 14)
	about := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true, map[string]any{"intro": intro})
	for i := 0; i < 15; i++ { // a sitemap worth compressing
		f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, fmt.Sprintf("Department %d", i), true, nil)
	}
	for _, path := range []string{about.URLPath, "/sitemap.xml", "/api/v2/pages/?fields=*"} {
		plain := f.Get("alpha.test", path, "Accept-Encoding", "identity")
		if plain.Status != 200 || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s plain: %d %v", path, plain.Status, plain.Header)
		}
		for round := 0; round < 2; round++ { // the second from the cache
			for _, c := range []struct{ accept, coding string }{
				{"gzip", "gzip"}, {"gzip, deflate, br, zstd", "br"}, {"br;q=0.1, gzip;q=0.8", "gzip"},
				{"zstd, compress;q=0.5", ""}, {"br;q=0, gzip;q=0", ""},
			} {
				r := f.Get("alpha.test", path, "Accept-Encoding", c.accept)
				if got := r.Header.Get("Content-Encoding"); got != c.coding || r.Status != 200 {
					t.Fatalf("%s with %q: %d, Content-Encoding %q, want %q", path, c.accept, r.Status, got, c.coding)
				}
				if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
					t.Errorf("%s with %q: no Vary: %v", path, c.accept, r.Header)
				}
				var rd io.Reader = strings.NewReader(r.Body)
				switch c.coding {
				case "gzip":
					gz, err := gzip.NewReader(rd)
					if err != nil {
						t.Fatal(err)
					}
					rd = gz
				case "br":
					rd = brotli.NewReader(rd)
				}
				body, err := io.ReadAll(rd)
				if err != nil || !bytes.Equal(body, []byte(plain.Body)) {
					t.Errorf("%s %s: decodes to %d bytes, plain %d (%v)", path, c.coding, len(body), len(plain.Body), err)
				}
				if c.coding != "" && len(r.Body) >= len(plain.Body)/2 {
					t.Errorf("%s %s: %d bytes of %d", path, c.coding, len(r.Body), len(plain.Body))
				}
			}
		}
	}
}
