// Queries that adapters hand to the store: page listings (the content API)
// and media listings.
package canopy

// PageQuery selects pages of one site for listings such as the content API.
// Every filter is compiled into the SQL, so counts and pages are consistent.
type PageQuery struct {
	LiveOnly     bool
	Types        []string
	ChildOf      int64  // parent page id
	DescendantOf string // ancestor path (exclusive)
	AncestorOf   string // descendant path (exclusive): its ancestors below the root
	// ExcludeUnder leaves out these pages and everything below them.
	ExcludeUnder []string
	Filters      []FieldFilter
	Order        []Order // default: tree order, or relevance with Search
	Random       bool
	// Search keeps the pages that match, ordered by relevance unless Order
	// is given; SearchLatest matches their newest drafts (the admin) instead
	// of what is live.
	Search       *SearchQuery
	SearchLatest bool
	Limit        int
	Offset       int
}

// FieldFilter is an exact match on a page column or a declared field.
type FieldFilter struct {
	Name  string
	Type  FieldType // "" for a page column
	Value any
}

// Order is one ordering term.
type Order struct {
	Name string
	Type FieldType // "" for a page column
	Desc bool
}

// MediaFilter selects images or documents of a site.
type MediaFilter struct {
	// All shows every item (superusers); otherwise only items in Scopes.
	All          bool
	Scopes       []MediaScope
	CollectionID int64 // 0: any
	// ExcludePaths leaves out items in these collections and below.
	ExcludePaths []string
	// WithShared adds the shared library's items (site handles only).
	WithShared bool
	Tags       []string // items with every one of these tags
	Q          string   // in the title, case-insensitive
	// Search keeps the items that match in the search index (title and
	// tags), best match first when Relevance is set.
	Search    *SearchQuery
	Relevance bool
	Ascending bool // oldest first (default newest first)
	// Order, when set, sorts by a column instead: "title", "-title",
	// "created", "-created", "file_size", "-file_size" (MediaOrders).
	Order  string
	Limit  int
	Offset int
}

// MediaOrders are the orders a media listing may ask for.
var MediaOrders = []string{"title", "-title", "created", "-created", "file_size", "-file_size"}

// MediaBulk is one change to many images or documents: a move to a
// collection, tags added, or a delete.
type MediaBulk struct {
	MoveTo  int64
	AddTags []string
	Delete  bool
}

// MediaScope is part of what a media listing may show: items in the
// collection at Path and below, all of them or (OwnerID ≠ 0) only that
// user's own.
type MediaScope struct {
	Path    string
	OwnerID int64
}

// PathRestriction is a collection's restriction with the collection's path.
type PathRestriction struct {
	Path string
	Restriction
}

// PageHit is a page found by a search, with the indexed title and text of
// the version that matched (live, or the newest draft for the admin): what
// result snippets are cut from.
type PageHit struct {
	Page  *Page
	Title string
	Body  string
}
