package httpkit

import (
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
)

// PageCache holds rendered public answers (pages, redirects, content API
// answers) keyed by site and path, within a memory budget in bytes shared by
// every site (decision 0016): an entry weighs its body, its key and a fixed
// overhead. An entry is valid only for the site content version it was
// rendered at, so a change to a site needs no sweep: its old entries stop
// matching, are replaced as they are asked for again, and the rest are
// evicted first when the budget is reached (S3-FIFO: entries asked for once
// go before entries asked for again).
type PageCache struct {
	c            *otter.Cache[cacheKey, *CachedPage]
	hits, misses atomic.Int64
}

type cacheKey struct {
	site int64
	path string
}

// entryOverhead is what an entry costs beyond its body and key: the
// CachedPage, its header slices and the cache's own node.
const entryOverhead = 400

// NewPageCache makes a cache of at most budget bytes (0 or less: off).
func NewPageCache(budget int64) *PageCache {
	pc := &PageCache{}
	if budget > 0 {
		pc.c = otter.Must(&otter.Options[cacheKey, *CachedPage]{
			MaximumWeight: uint64(budget),
			Weigher: func(k cacheKey, e *CachedPage) uint32 {
				return uint32(min(e.weight()+len(k.path)+entryOverhead, 1<<31))
			},
		})
	}
	return pc
}

// Get returns the entry for a site's path rendered at version, or nil
// (counted as a hit or a miss).
func (c *PageCache) Get(site int64, path string, version int64) *CachedPage {
	if c.c == nil {
		return nil
	}
	e, ok := c.c.GetIfPresent(cacheKey{site, path})
	if !ok || e.version != version || !e.expires.IsZero() && time.Now().After(e.expires) {
		c.misses.Add(1)
		return nil
	}
	c.hits.Add(1)
	return e
}

// Put stores an entry (replacing the path's older one).
func (c *PageCache) Put(site int64, path string, e *CachedPage) {
	if c.c == nil {
		return
	}
	c.c.Set(cacheKey{site, path}, e)
}

// PageCacheStats are a cache's counters since it was made.
type PageCacheStats struct {
	Hits, Misses   int64
	Entries        int
	Bytes, Maximum uint64
}

// Stats returns the cache's counters.
func (c *PageCache) Stats() PageCacheStats {
	st := PageCacheStats{Hits: c.hits.Load(), Misses: c.misses.Load()}
	if c.c != nil {
		st.Entries, st.Bytes, st.Maximum = c.c.EstimatedSize(), c.c.WeightedSize(), c.c.GetMaximum()
	}
	return st
}

type CachedPage struct {
	version int64
	status  int
	body    []byte
	etag    string
	// Header values, built once so serving from the cache allocates nothing
	// for them (full slices: an append by a later handler copies).
	hdrType, hdrETag, hdrCache, hdrLen []string
	hdrLocation                        []string // for redirects
	// private answers (restricted pages, login and password forms) depend on
	// the visitor: never cached.
	private bool
	// compress: a text answer large enough to be sent compressed to the
	// clients that accept it; its compressed bodies are made once each
	// (compress.go).
	compress       bool
	gzOnce, brOnce sync.Once
	gz, br         *encoded
	// Surrogate-Key and Cache-Tag headers naming what the answer shows, for
	// front-end caches that purge by tag (nil: none).
	hdrSurrogate, hdrCacheTag []string
	// expires, if set, ends the entry before its site changes (a 410 at
	// the end of its window).
	expires time.Time
}

// ExpireAt makes the cache drop the entry at t, whatever its version.
func (e *CachedPage) ExpireAt(t time.Time) { e.expires = t }

// weight is what the entry costs the cache's budget: its body, and for a
// compressible answer a half more for its compressed bodies (text
// compresses to a fifth to a third of its size, made as clients ask).
func (e *CachedPage) weight() int {
	if e.compress {
		return len(e.body) + len(e.body)/2
	}
	return len(e.body)
}

// SetCacheControl replaces the answer's Cache-Control header (before it is
// cached or written; a private answer keeps its own).
func (e *CachedPage) SetCacheControl(v string) {
	if !e.private {
		e.hdrCache = []string{v}[:1:1]
	}
}

// Tagged reports whether SetTags was called.
func (e *CachedPage) Tagged() bool { return e.hdrSurrogate != nil }

// SetTags names what the answer shows in its Surrogate-Key (space
// separated) and Cache-Tag (comma separated) headers, for front-end caches
// that purge by tag.
func (e *CachedPage) SetTags(tags ...string) {
	e.hdrSurrogate = []string{strings.Join(tags, " ")}[:1:1]
	e.hdrCacheTag = []string{strings.Join(tags, ",")}[:1:1]
}

// NewRedirect is a cached redirect answer.
func NewRedirect(version int64, status int, location string) *CachedPage {
	e := NewCachedPage(version, status, nil, "text/html; charset=utf-8", "public, max-age=0, must-revalidate")
	e.hdrLocation = []string{location}[:1:1]
	return e
}

var hdrNoSniff = []string{"nosniff"}[:1:1]

func NewCachedPage(version int64, status int, body []byte, ctype, cacheControl string) *CachedPage {
	h := fnv.New64a()
	_, _ = h.Write(body)
	etag := `"` + strconv.FormatUint(h.Sum64(), 36) + `"`
	return &CachedPage{version: version, status: status, body: body, etag: etag, compress: len(body) >= minCompress && compressible(ctype),
		hdrType: []string{ctype}[:1:1], hdrETag: []string{etag}[:1:1], hdrCache: []string{cacheControl}[:1:1],
		hdrLen: []string{strconv.Itoa(len(body))}[:1:1]}
}

// ByteCache holds small media answers (renditions) in memory, bounded by
// their total size; like the page cache, an entry is valid only for the site
// content version it was filled at, so deleting an image (which changes the
// site's version) stops its renditions being served at once.
type ByteCache struct {
	mu       sync.RWMutex
	max      int64
	maxEntry int64
	size     int64
	entries  map[cacheKey]*CachedPage
}

func NewByteCache(max, maxEntry int64) *ByteCache {
	return &ByteCache{max: max, maxEntry: maxEntry, entries: map[cacheKey]*CachedPage{}}
}

func (c *ByteCache) Get(site int64, key string, version int64) *CachedPage {
	if c.max <= 0 {
		return nil
	}
	c.mu.RLock()
	e := c.entries[cacheKey{site, key}]
	c.mu.RUnlock()
	if e == nil || e.version != version {
		return nil
	}
	return e
}

func (c *ByteCache) Put(site int64, key string, e *CachedPage) {
	n := int64(len(e.body))
	if c.max <= 0 || n > c.maxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cacheKey{site, key}
	if old := c.entries[k]; old != nil {
		c.size -= int64(len(old.body))
	}
	for c.size+n > c.max && len(c.entries) > 0 {
		for ek, ev := range c.entries { // map order: a random victim
			c.size -= int64(len(ev.body))
			delete(c.entries, ek)
			break
		}
	}
	c.entries[k] = e
	c.size += n
}

// WritePage writes a cached answer (304 when the client holds its ETag) and
// returns the status.
func WritePage(w http.ResponseWriter, r *http.Request, e *CachedPage) int {
	h := w.Header()
	h["Content-Type"] = e.hdrType
	h["Cache-Control"] = e.hdrCache
	h["X-Content-Type-Options"] = hdrNoSniff
	if e.hdrSurrogate != nil {
		h["Surrogate-Key"] = e.hdrSurrogate
		h["Cache-Tag"] = e.hdrCacheTag
	}
	etag, hdrETag, hdrLen, body := e.etag, e.hdrETag, e.hdrLen, e.body
	if e.compress {
		// The answer depends on Accept-Encoding, whichever coding is sent.
		h["Vary"] = hdrVary
		if c := negotiate(r.Header.Get("Accept-Encoding")); c != codingIdentity {
			v := e.variant(c)
			etag, hdrETag, hdrLen, body = v.etag, v.hdrETag, v.hdrLen, v.body
			if c == codingBrotli {
				h["Content-Encoding"] = hdrBrotli
			} else {
				h["Content-Encoding"] = hdrGzip
			}
		}
	}
	h["Etag"] = hdrETag
	if e.status == http.StatusOK && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified
	}
	h["Content-Length"] = hdrLen
	if e.hdrLocation != nil {
		h["Location"] = e.hdrLocation
	}
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return e.status
}

// Private reports whether the answer depends on the visitor (never cached).
func (e *CachedPage) Private() bool { return e.private }

// Fits reports whether a body of size bytes may be kept by the cache.
func (c *ByteCache) Fits(size int64) bool { return c.max > 0 && size <= c.maxEntry }

// On reports whether the cache keeps anything at all.
func (c *ByteCache) On() bool { return c.max > 0 }

// MakePrivate marks an answer as depending on the visitor: never cached,
// Cache-Control: private, no-store.
//
// A private answer is never compressed: login and password forms carry a
// CSRF token beside what the visitor typed, the pattern a compression side
// channel (BREACH) needs.
func (e *CachedPage) MakePrivate() {
	e.private, e.compress = true, false
	e.hdrCache = []string{"private, no-store"}[:1:1]
}

// Body is the answer's body.
func (e *CachedPage) Body() []byte { return e.body }
