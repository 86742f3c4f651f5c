package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

// Front-end cache purges (issue 28 item 7). A write that changes what live
// addresses answer — publish, unpublish, move, a slug change, delete — names
// those addresses; after the commit they reach the change listeners in
// Change.Purge, and the purger (package purge) sends them to the configured
// CDNs and caches. The site's other answers (menus, listings on other
// pages) may keep their cached copies until those expire, as with any CDN.

// MaxPurgePaths is the most addresses one change names; a larger change
// (moving or deleting a big subtree) purges the whole site instead
// (Change.PurgeAll).
const MaxPurgePaths = 1000

// purge records addresses of a site whose public answers the transaction
// changes.
func (tx *Tx) purge(siteID int64, paths ...string) {
	if tx.purges == nil {
		tx.purges = map[int64][]string{}
	}
	tx.purges[siteID] = append(tx.purges[siteID], paths...)
}

// purgeWithParent records a page's address and its parent's (whose listing
// shows it).
func (tx *Tx) purgeWithParent(siteID int64, urlPath string) {
	tx.purge(siteID, urlPath)
	tx.purgeParentOf(siteID, urlPath)
}

// purgeParentOf records the address of the page above urlPath and its
// feeds (if it has them).
func (tx *Tx) purgeParentOf(siteID int64, urlPath string) {
	if parent := parentURL(urlPath); parent != "" {
		tx.purge(siteID, parent)
		for _, f := range canopy.FeedPaths {
			tx.purge(siteID, parent+f)
		}
	}
}

// purgeLiveSubtree records the addresses of the live pages at and below a
// tree path (before they change), or marks the whole site when they are too
// many; rename, if given, also records each address as it will be.
func (tx *Tx) purgeLiveSubtree(ctx context.Context, siteID int64, path string, rename func(string) string) error {
	var urls []string
	err := eachRow(func(r scanner) (string, error) {
		var u string
		return u, r.Scan(&u)
	}, func(u string) { urls = append(urls, u) })(tx.QueryContext(ctx, `SELECT url_path FROM pages WHERE site_id = $1 AND path >= $2 AND path < $3 AND live
		ORDER BY path LIMIT $4`, siteID, path, canopy.PathUpperBound(path), MaxPurgePaths+1))
	if err != nil {
		return err
	}
	for _, u := range urls {
		tx.purge(siteID, u)
		if rename != nil {
			tx.purge(siteID, rename(u))
		}
	}
	if len(urls) > 0 {
		tx.purgeParentOf(siteID, urls[0])
	}
	return nil
}

// parentURL is the address of the page above urlPath ("/news/a/" →
// "/news/"), "" for the home page.
func parentURL(urlPath string) string {
	if len(urlPath) <= 1 {
		return ""
	}
	i := strings.LastIndexByte(urlPath[:len(urlPath)-1], '/')
	if i < 0 {
		return ""
	}
	return urlPath[:i+1]
}

// attachPurges gives each changed site its addresses to purge, distinct,
// or PurgeAll above MaxPurgePaths.
func (tx *Tx) attachPurges() {
	for i := range tx.changed {
		c := &tx.changed[i]
		paths := tx.purges[c.SiteID]
		if len(paths) == 0 {
			continue
		}
		seen := make(map[string]bool, len(paths))
		for _, p := range paths {
			if !seen[p] {
				seen[p] = true
				c.Purge = append(c.Purge, p)
			}
		}
		if len(c.Purge) > MaxPurgePaths {
			c.Purge, c.PurgeAll = nil, true
		}
	}
}

// DeletedSince reports whether a live page at urlPath was deleted at or
// after since, and when (the caller asks only for an address that is not a
// page: a page made there since wins).
func (s *SiteDB) DeletedSince(ctx context.Context, urlPath string, since time.Time) (at time.Time, gone bool, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		return eachRow(func(r scanner) (time.Time, error) {
			var t time.Time
			return t, r.Scan(&t)
		}, func(t time.Time) { at, gone = t.UTC(), true })(tx.QueryContext(ctx,
			`SELECT deleted_at FROM deleted_pages WHERE site_id = $1 AND url_path = $2 AND deleted_at >= $3`, s.site, urlPath, since))
	})
	return at, gone, err
}
