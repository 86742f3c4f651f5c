package httpkit

import (
	"bytes"
	"testing"
)

// TestPageCacheBudget: the cache keeps what fits in its byte budget however
// many sites ask, answers only the version an entry was rendered at, and
// counts hits and misses.
func TestPageCacheBudget(t *testing.T) {
	c := NewPageCache(1 << 20)
	// 2 KiB pages: the cache's admission window (about 1% of the budget)
	// holds a few, so a page just stored is kept (a window smaller than one
	// page would make it compete with the oldest at once).
	body := bytes.Repeat([]byte("x"), 2<<10)
	for site := int64(1); site <= 2000; site++ {
		c.Put(site, "/", NewCachedPage(1, 200, body, "application/octet-stream", "")) // not compressible: weighs its body
	}
	c.c.CleanUp()
	st := c.Stats()
	if st.Bytes > 1<<20 || st.Entries > 430 || st.Entries < 300 {
		t.Fatalf("2,000 pages of 2 KiB in a 1 MiB budget: %d entries, %d bytes", st.Entries, st.Bytes)
	}
	c.Put(7, "/a/", NewCachedPage(3, 200, body, "text/html", ""))
	if c.Get(7, "/a/", 3) == nil {
		t.Fatal("a page just stored is not served")
	}
	if c.Get(7, "/a/", 4) != nil {
		t.Fatal("a page of an older content version is served")
	}
	if st := c.Stats(); st.Hits != 1 || st.Misses != 1 {
		t.Fatalf("hits %d misses %d, want 1 and 1", st.Hits, st.Misses)
	}
	off := NewPageCache(0)
	off.Put(1, "/", NewCachedPage(1, 200, body, "text/html", ""))
	if off.Get(1, "/", 1) != nil {
		t.Fatal("a cache with no budget holds pages")
	}
}
