package httpkit

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestNegotiate: Accept-Encoding with q-values, wildcards, unknown codings
// and malformed parts picks Brotli, gzip or identity as RFC 9110 says.
func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		header string
		want   int
	}{
		{"", codingIdentity},
		{"gzip", codingGzip},
		{"br", codingBrotli},
		{"gzip, deflate, br, zstd", codingBrotli},
		{"gzip;q=1.0, br;q=0.5", codingGzip},
		{"br;q=0, gzip", codingGzip},
		{"br;q=0, gzip;q=0", codingIdentity},
		{"identity", codingIdentity},
		{"*", codingBrotli},
		{"*;q=0.3, br;q=0", codingGzip},
		{"compress, x-unknown;q=0.9", codingIdentity},
		{"GZIP ; Q=0.7 , Br ; q=0.6", codingGzip},
		{"br;q=abc, gzip;q=0.001", codingGzip},
		{"br;q=1.5", codingIdentity},       // malformed: not acceptable
		{"gzip;level=9", codingGzip},       // other parameters ignored
		{",,; ;=,gzip;q=", codingIdentity}, // junk, and an empty q
		{"x-gzip", codingGzip},
	} {
		if got := negotiate(c.header); got != c.want {
			t.Errorf("negotiate(%q) = %d, want %d", c.header, got, c.want)
		}
	}
}

// TestCompressedAnswers: a text answer is sent in the coding the client
// asks for — gzip and Brotli bodies decode to the plain bytes —, with Vary,
// a coding's own ETag (a 304 for it), and is compressed once per entry;
// media and small answers never are.
func TestCompressedAnswers(t *testing.T) {
	page := bytes.Repeat([]byte("<p>Canopy serves hundreds of sites from one binary.</p>\n"), 200)
	e := NewCachedPage(1, 200, page, "text/html; charset=utf-8", "public, max-age=0")
	get := func(e *CachedPage, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		WritePage(w, r, e)
		return w
	}
	plain := get(e)
	if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), page) || plain.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("no Accept-Encoding: %v", plain.Header())
	}
	decode := map[string]func(io.Reader) (io.Reader, error){
		"gzip": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		"br":   func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	}
	etags := map[string]bool{plain.Header().Get("Etag"): true}
	for _, c := range []struct{ accept, coding string }{{"gzip, deflate", "gzip"}, {"gzip, br", "br"}, {"br;q=0.2, gzip;q=0.9", "gzip"}} {
		w := get(e, "Accept-Encoding", c.accept)
		if got := w.Header().Get("Content-Encoding"); got != c.coding {
			t.Fatalf("%q: Content-Encoding %q, want %q", c.accept, got, c.coding)
		}
		if w.Header().Get("Content-Length") != itoa(w.Body.Len()) || w.Body.Len() > len(page)/5 {
			t.Errorf("%q: %d bytes of %d, Content-Length %s", c.accept, w.Body.Len(), len(page), w.Header().Get("Content-Length"))
		}
		r, err := decode[c.coding](w.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, page) {
			t.Errorf("%s body decodes to %d other bytes (%v)", c.coding, len(got), err)
		}
		etag := w.Header().Get("Etag")
		etags[etag] = true
		if nm := get(e, "Accept-Encoding", c.accept, "If-None-Match", etag); nm.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match its own ETag: %d", c.coding, nm.Code)
		}
	}
	if len(etags) != 3 {
		t.Errorf("the codings share ETags: %v", etags)
	}
	// Compressed once: the same body each time.
	if a, b := e.variant(codingBrotli), e.variant(codingBrotli); a != b {
		t.Error("Brotli body made twice")
	}
	// Media and small answers are sent as they are.
	for _, m := range []*CachedPage{
		NewCachedPage(1, 200, page, "image/jpeg", "public"),
		NewCachedPage(1, 200, []byte("<p>small</p>"), "text/html", "public"),
	} {
		if w := get(m, "Accept-Encoding", "br, gzip"); w.Header().Get("Content-Encoding") != "" || w.Header().Get("Vary") != "" {
			t.Errorf("%s of %d bytes compressed: %v", m.hdrType[0], len(m.body), w.Header())
		}
	}
	// HEAD: the coding's length, no body.
	r := httptest.NewRequest("HEAD", "/", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := httptest.NewRecorder()
	WritePage(w, r, e)
	if w.Body.Len() != 0 || w.Header().Get("Content-Length") != itoa(len(e.gz.body)) || !strings.Contains(w.Header().Get("Etag"), "-gz") {
		t.Errorf("HEAD: %v, %d bytes", w.Header(), w.Body.Len())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestPrivateAnswersUncompressed: an answer that depends on the visitor (a
// login form with its CSRF token) is sent as it is.
func TestPrivateAnswersUncompressed(t *testing.T) {
	e := NewCachedPage(1, 200, bytes.Repeat([]byte(`<input name="csrf" value="secret">`), 40), "text/html", "public")
	e.MakePrivate()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Encoding", "br, gzip")
	w := httptest.NewRecorder()
	WritePage(w, r, e)
	if w.Header().Get("Content-Encoding") != "" || w.Header().Get("Cache-Control") != "private, no-store" {
		t.Errorf("private answer: %v", w.Header())
	}
}
