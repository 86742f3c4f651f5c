package canopy

import (
	"context"
	"time"
)

// SiteContent is what public delivery and the content API read of one site:
// its pages, media, snippets, settings, redirects and view restrictions,
// through a handle bound to that site (sqlstore.SiteDB implements it; the
// service hands it out). Nothing of another site can be reached through it.
type SiteContent interface {
	Page(ctx context.Context, id int64) (*Page, error)
	PageByURLPath(ctx context.Context, urlPath string) (*Page, error)
	PagesByID(ctx context.Context, ids []int64) ([]*Page, error)
	// PageWithAncestors finds the page at urlPath with its ancestors below the
	// site's home page.
	PageWithAncestors(ctx context.Context, urlPath string) (page *Page, ancestors []*Page, err error)
	Children(ctx context.Context, parentID int64, liveOnly bool) ([]*Page, error)
	// SitePages returns the site's pages in tree order, home page first, or
	// ok=false (and none) if it has more than max: one range read, for the
	// in-memory model of a site delivery keeps per content version.
	SitePages(ctx context.Context, max int) (pages []*Page, ok bool, err error)
	QueryPages(ctx context.Context, q PageQuery) (pages []*Page, total int, err error)
	// SitemapEntries lists one page of the site's live pages below the
	// root, in tree order, with how many there are: what a sitemap needs.
	SitemapEntries(ctx context.Context, limit, offset int) (out []SitemapEntry, total int, err error)
	// DeletedSince reports whether a live page at urlPath was deleted at or
	// after since, and when (410 Gone rather than 404).
	DeletedSince(ctx context.Context, urlPath string, since time.Time) (at time.Time, gone bool, err error)
	// SearchPages is QueryPages with q.Search set, each page with the text
	// that matched.
	SearchPages(ctx context.Context, q PageQuery) (hits []PageHit, total int, err error)

	SnippetsByID(ctx context.Context, ids []int64) (map[int64]*Snippet, error)
	ImagesByID(ctx context.Context, ids []int64) (map[int64]*Image, error)
	DocumentsByID(ctx context.Context, ids []int64) (map[int64]*Document, error)
	Images(ctx context.Context, f MediaFilter) ([]*Image, int, error)
	Documents(ctx context.Context, f MediaFilter) ([]*Document, int, error)
	Image(ctx context.Context, id int64) (*Image, error)
	Document(ctx context.Context, id int64) (*Document, error)
	Collection(ctx context.Context, id int64) (*Collection, error)

	FindRedirect(ctx context.Context, pathWithQuery, path string) (r *Redirect, targetURL string, err error)
	Settings(ctx context.Context, name string) (map[string]any, error)
	AllSettings(ctx context.Context) (map[string]map[string]any, error)
	RestrictedCollections(ctx context.Context) ([]PathRestriction, error)
	PageRestrictions(ctx context.Context, pageIDs []int64) ([]Restriction, error)
	RestrictedPaths(ctx context.Context) ([]PathRestriction, error)
}

// SitemapEntry is a live page as a sitemap lists it.
type SitemapEntry struct {
	Path, URLPath string
	LastMod       time.Time
}
