package httpkit

import (
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"
)

// PageCache holds rendered public pages keyed by site and path. An entry is
// valid only for the site content version it was rendered at; a change to a
// site (in this process or seen by Watch) drops that site's entries.
type PageCache struct {
	mu      sync.RWMutex
	max     int
	entries map[cacheKey]*CachedPage
}

type cacheKey struct {
	site int64
	path string
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
	return &CachedPage{version: version, status: status, body: body, etag: etag,
		hdrType: []string{ctype}[:1:1], hdrETag: []string{etag}[:1:1], hdrCache: []string{cacheControl}[:1:1],
		hdrLen: []string{strconv.Itoa(len(body))}[:1:1]}
}

func NewPageCache(max int) *PageCache {
	return &PageCache{max: max, entries: map[cacheKey]*CachedPage{}}
}

func (c *PageCache) Get(site int64, path string, version int64) *CachedPage {
	if c.max <= 0 {
		return nil
	}
	c.mu.RLock()
	e := c.entries[cacheKey{site, path}]
	c.mu.RUnlock()
	if e == nil || e.version != version {
		return nil
	}
	return e
}

func (c *PageCache) Put(site int64, path string, e *CachedPage) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Evict about a tenth, in Go's random map order.
		n := c.max/10 + 1
		for k := range c.entries {
			delete(c.entries, k)
			if n--; n == 0 {
				break
			}
		}
	}
	c.entries[cacheKey{site, path}] = e
}

func (c *PageCache) DropSite(site int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if k.site == site {
			delete(c.entries, k)
		}
	}
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
	h["Etag"] = e.hdrETag
	h["Cache-Control"] = e.hdrCache
	h["X-Content-Type-Options"] = hdrNoSniff
	if e.status == http.StatusOK && r.Header.Get("If-None-Match") == e.etag {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified
	}
	h["Content-Length"] = e.hdrLen
	if e.hdrLocation != nil {
		h["Location"] = e.hdrLocation
	}
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(e.body)
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
func (e *CachedPage) MakePrivate() {
	e.private = true
	e.hdrCache = []string{"private, no-store"}[:1:1]
}

// Body is the answer's body.
func (e *CachedPage) Body() []byte { return e.body }
