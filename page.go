package canopy

import "time"

// Page is one node of the page tree. Its content columns hold the live version
// (or, for a page never published, its latest draft); drafts live in revisions.
type Page struct {
	ID                    int64          `json:"id"`
	SiteID                int64          `json:"site_id"`
	ParentID              int64          `json:"parent_id"`
	Path                  string         `json:"-"`
	Depth                 int            `json:"depth"`
	NumChild              int            `json:"numchild"`
	Type                  string         `json:"type"`
	Title                 string         `json:"title"`
	Slug                  string         `json:"slug"`
	URLPath               string         `json:"url_path"`
	SeoTitle              string         `json:"seo_title"`
	SearchDescription     string         `json:"search_description"`
	ShowInMenus           bool           `json:"show_in_menus"`
	HideFromSearch        bool           `json:"hide_from_search"`
	Fields                map[string]any `json:"fields"`
	Live                  bool           `json:"live"`
	HasUnpublishedChanges bool           `json:"has_unpublished_changes"`
	FirstPublishedAt      *time.Time     `json:"first_published_at"`
	LastPublishedAt       *time.Time     `json:"last_published_at"`
	LiveRevisionID        int64          `json:"live_revision_id"`
	LatestRevisionID      int64          `json:"latest_revision_id"`
	OwnerID               int64          `json:"owner"`
	// DraftTitle is the title of the newest version (a live page's draft may
	// rename it): the admin names pages by it (AdminTitle).
	DraftTitle string     `json:"draft_title"`
	Locked     bool       `json:"locked"`
	LockedBy   int64      `json:"locked_by"`
	LockedAt   *time.Time `json:"locked_at"`
	// ScheduledRevisionID is a published revision waiting for GoLiveAt.
	ScheduledRevisionID int64      `json:"scheduled_revision_id"`
	GoLiveAt            *time.Time `json:"go_live_at"`
	// ExpireAt is when the live page is unpublished; Expired says it was.
	ExpireAt  *time.Time `json:"expire_at"`
	Expired   bool       `json:"expired"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// IsRoot reports whether p is the global tree root.
func (p *Page) IsRoot() bool { return p.Depth == 1 }

// IsHome reports whether p is a site's home page.
func (p *Page) IsHome() bool { return p.Depth == 2 }

// Content returns the page's current content columns as PageContent.
func (p *Page) Content() PageContent {
	return PageContent{Title: p.Title, Slug: p.Slug, SeoTitle: p.SeoTitle,
		SearchDescription: p.SearchDescription, ShowInMenus: p.ShowInMenus, HideFromSearch: p.HideFromSearch, Fields: p.Fields}
}

// PageContent is what an editor changes: what one revision records.
type PageContent struct {
	Title             string `json:"title"`
	Slug              string `json:"slug"`
	SeoTitle          string `json:"seo_title"`
	SearchDescription string `json:"search_description"`
	ShowInMenus       bool   `json:"show_in_menus"`
	// HideFromSearch keeps the page out of the sitemap and asks search
	// engines not to index it (robots noindex).
	HideFromSearch bool           `json:"hide_from_search,omitempty"`
	Fields         map[string]any `json:"fields"`
	// GoLiveAt and ExpireAt schedule publishing this content and its expiry.
	GoLiveAt *time.Time `json:"go_live_at,omitempty"`
	ExpireAt *time.Time `json:"expire_at,omitempty"`
}

// ValidateSchedule checks a content's go-live and expiry times at now: expiry
// after go-live, and not in the past.
func (c PageContent) ValidateSchedule(now time.Time) error {
	if c.ExpireAt != nil && !c.ExpireAt.After(now) {
		return FieldErrorf("expire_at", EINVALID, "the expiry time %s is in the past", c.ExpireAt.UTC().Format(time.RFC3339))
	}
	if c.ExpireAt != nil && c.GoLiveAt != nil && !c.ExpireAt.After(*c.GoLiveAt) {
		return FieldErrorf("expire_at", EINVALID, "the expiry time must be after the go-live time")
	}
	return nil
}

// Revision is one saved version of a page's content.
type Revision struct {
	ID        int64       `json:"id"`
	PageID    int64       `json:"page_id"`
	SiteID    int64       `json:"site_id"`
	UserID    int64       `json:"user_id"`
	Content   PageContent `json:"content"`
	CreatedAt time.Time   `json:"created_at"`
}

// User is one identity, valid on every site it belongs to.
type User struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	Email        string     `json:"email"`
	FirstName    string     `json:"first_name"`
	LastName     string     `json:"last_name"`
	IsActive     bool       `json:"is_active"`
	IsSuperuser  bool       `json:"is_superuser"`
	IsSuperadmin bool       `json:"is_superadmin"`
	HomeSiteID   int64      `json:"home_site_id,omitempty"`
	PasswordHash string     `json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
	LastLogin    *time.Time `json:"last_login"`
	// NavCollapsed: they keep the admin's side navigation hidden.
	NavCollapsed bool `json:"-"`
	// KeyboardShortcuts: the admin's keyboard shortcuts are on for them.
	KeyboardShortcuts bool `json:"-"`
}

// AdminTitle is the title the admin shows: the newest version's.
func (p *Page) AdminTitle() string {
	if p.DraftTitle != "" {
		return p.DraftTitle
	}
	return p.Title
}
