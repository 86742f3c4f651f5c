package httpkit

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Compression of public answers (issue 28 item 6). A cached answer keeps
// its compressed bodies beside the plain one: each coding is made once per
// entry, by the first request that accepts it, and every later request is
// answered from memory. Only text answers of at least minCompress bytes are
// compressed; media (already compressed) never are.

// Codings a client may be answered with, in the order of preference when it
// accepts several equally.
const (
	codingIdentity = iota
	codingBrotli
	codingGzip
)

// minCompress is the smallest body worth compressing: below it the coding's
// own framing eats most of the gain.
const minCompress = 512

// Compression levels: an entry is compressed once per content version, so
// the levels favour size, within a few milliseconds for a large page.
const (
	brotliQuality = 6
	gzipLevel     = gzip.BestCompression
)

var (
	hdrVary     = []string{"Accept-Encoding"}
	hdrBrotli   = []string{"br"}
	hdrGzip     = []string{"gzip"}
	gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzipLevel); return w }}
)

// encoded is one compressed body of an entry with its headers.
type encoded struct {
	body            []byte
	etag            string
	hdrETag, hdrLen []string
}

// compressible reports whether answers of this content type are compressed.
func compressible(ctype string) bool {
	t, _, _ := strings.Cut(ctype, ";")
	switch {
	case strings.HasPrefix(t, "text/"):
		return true
	case t == "application/json", t == "application/xml", t == "application/javascript",
		t == "application/rss+xml", t == "application/atom+xml", t == "image/svg+xml", t == "application/manifest+json":
		return true
	}
	return false
}

// variant returns the entry's body in coding c, compressing it the first
// time it is asked for (safe for concurrent use).
func (e *CachedPage) variant(c int) *encoded {
	once, slot := &e.gzOnce, &e.gz
	if c == codingBrotli {
		once, slot = &e.brOnce, &e.br
	}
	once.Do(func() {
		var b bytes.Buffer
		b.Grow(len(e.body) / 3)
		if c == codingBrotli {
			w := brotli.NewWriterLevel(&b, brotliQuality)
			_, _ = w.Write(e.body)
			_ = w.Close()
		} else {
			w := gzipWriters.Get().(*gzip.Writer)
			w.Reset(&b)
			_, _ = w.Write(e.body)
			_ = w.Close()
			gzipWriters.Put(w)
		}
		suffix := "-gz"
		if c == codingBrotli {
			suffix = "-br"
		}
		body := append([]byte(nil), b.Bytes()...)
		etag := e.etag[:len(e.etag)-1] + suffix + `"`
		*slot = &encoded{body: body, etag: etag, hdrETag: []string{etag}[:1:1], hdrLen: []string{strconv.Itoa(len(body))}[:1:1]}
	})
	return *slot
}

// negotiate picks the coding for an Accept-Encoding header (RFC 9110
// 12.5.3): Brotli or gzip when the client accepts it with a q-value above
// zero (the higher q wins, Brotli on a tie; "*" stands for codings not
// named), else identity. Unknown codings and malformed parts are ignored.
// It allocates nothing.
func negotiate(header string) int {
	if header == "" {
		return codingIdentity
	}
	qBr, qGz, qStar := -1, -1, -1 // in thousandths; -1: not named
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		q := 1000
		if params != "" {
			q = parseQ(params)
		}
		switch {
		case strings.EqualFold(name, "br"):
			qBr = q
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			qGz = q
		case name == "*":
			qStar = q
		}
	}
	if qBr < 0 {
		qBr = qStar
	}
	if qGz < 0 {
		qGz = qStar
	}
	switch {
	case qBr > 0 && qBr >= qGz:
		return codingBrotli
	case qGz > 0:
		return codingGzip
	}
	return codingIdentity
}

// parseQ reads the q parameter of an Accept-Encoding part ("q=0.5",
// surrounded by spaces and other parameters) in thousandths; a malformed
// value counts as 0 (not acceptable), a missing one as 1.
func parseQ(params string) int {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
			return 0
		}
		q := int(v[0]-'0') * 1000
		if len(v) > 1 {
			if v[1] != '.' {
				return 0
			}
			scale := 100
			for _, d := range v[2:] {
				if d < '0' || d > '9' {
					return 0
				}
				q += int(d-'0') * scale
				scale /= 10
			}
		}
		if q > 1000 { // "1.5": not a q-value
			return 0
		}
		return q
	}
	return 1000
}
