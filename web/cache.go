package web

import (
	"hash/fnv"
	"strconv"
	"sync"
)

// pageCache holds rendered public pages keyed by site and path. An entry is
// valid only for the site content version it was rendered at; a change to a
// site (in this process or seen by Watch) drops that site's entries.
type pageCache struct {
	mu      sync.RWMutex
	max     int
	entries map[cacheKey]*cachedPage
}

type cacheKey struct {
	site int64
	path string
}

type cachedPage struct {
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

// newRedirect is a cached redirect answer.
func newRedirect(version int64, status int, location string) *cachedPage {
	e := newCachedPage(version, status, nil, "text/html; charset=utf-8", "public, max-age=0, must-revalidate")
	e.hdrLocation = []string{location}[:1:1]
	return e
}

var hdrNoSniff = []string{"nosniff"}[:1:1]

func newCachedPage(version int64, status int, body []byte, ctype, cacheControl string) *cachedPage {
	h := fnv.New64a()
	_, _ = h.Write(body)
	etag := `"` + strconv.FormatUint(h.Sum64(), 36) + `"`
	return &cachedPage{version: version, status: status, body: body, etag: etag,
		hdrType: []string{ctype}[:1:1], hdrETag: []string{etag}[:1:1], hdrCache: []string{cacheControl}[:1:1],
		hdrLen: []string{strconv.Itoa(len(body))}[:1:1]}
}

func newPageCache(max int) *pageCache {
	return &pageCache{max: max, entries: map[cacheKey]*cachedPage{}}
}

func (c *pageCache) get(site int64, path string, version int64) *cachedPage {
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

func (c *pageCache) put(site int64, path string, e *cachedPage) {
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

func (c *pageCache) dropSite(site int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if k.site == site {
			delete(c.entries, k)
		}
	}
}

// byteCache holds small media answers (renditions) in memory, bounded by
// their total size; like the page cache, an entry is valid only for the site
// content version it was filled at, so deleting an image (which changes the
// site's version) stops its renditions being served at once.
type byteCache struct {
	mu       sync.RWMutex
	max      int64
	maxEntry int64
	size     int64
	entries  map[cacheKey]*cachedPage
}

func newByteCache(max, maxEntry int64) *byteCache {
	return &byteCache{max: max, maxEntry: maxEntry, entries: map[cacheKey]*cachedPage{}}
}

func (c *byteCache) get(site int64, key string, version int64) *cachedPage {
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

func (c *byteCache) put(site int64, key string, e *cachedPage) {
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
