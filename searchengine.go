package canopy

import "context"

// The search engine's interface (decision 0019). The built-in engine is the
// database's own full-text search (sqlstore: SQLite FTS5 or PostgreSQL
// tsvector), written in the transaction of each change. An installation that
// outgrows it can put an external engine (OpenSearch, Meilisearch) behind
// this interface; docs/search.md describes how it would be fed and queried.
// Every call names one site: an engine keeps each site's documents apart
// (the built-in one by prefixing every indexed word with its site), so a
// search reads that site's entries only.

// SearchState says which document of an object a search reads: what
// visitors may find (live), or the newest version (the admin's, drafts
// included).
type SearchState int

const (
	SearchLive SearchState = iota
	SearchLatest
)

// IndexedDoc is one document of an object for an engine: a page has a live
// document and, while it has a newer draft, a latest one (one document with
// both flags when they are the same); images, documents and snippets have
// one with both flags.
type IndexedDoc struct {
	Site   int64  // 0: the installation's shared media library
	Kind   string // "page", "image", "document", "snippet"
	ID     int64  // the object's id
	Live   bool
	Latest bool
	Doc    SearchDoc
	// Language is the site's language code ("en"): how its words are stemmed.
	Language string
}

// SearchHit is an object that matches, with its relevance (higher is
// better; comparable only within one answer).
type SearchHit struct {
	ID   int64
	Rank float64
}

// SearchEngine indexes and finds the documents of each site.
type SearchEngine interface {
	// Replace makes docs the documents of their objects: every document an
	// engine held for a (site, kind, id) that appears in docs is replaced by
	// those given for it.
	Replace(ctx context.Context, docs []IndexedDoc) error
	// Remove forgets objects of a site: the given ids of a kind, every
	// object of the kind when ids is nil, or the whole site when kind is
	// empty.
	Remove(ctx context.Context, site int64, kind string, ids []int64) error
	// Match returns the objects of a site and kind whose document in the
	// state matches q, best first, at most limit (the caller filters them
	// further by tree, type and privacy, and fetches the objects).
	Match(ctx context.Context, site int64, kind string, state SearchState, q *SearchQuery, limit int) ([]SearchHit, error)
}
