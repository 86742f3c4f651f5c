// People and permissions as the domain sees them: groups and their grants,
// a site's members, the history, API tokens.
package canopy

import (
	"encoding/json"
	"time"
)

// Group is a set of users holding grants; SiteID 0 means installation-wide.
type Group struct {
	ID     int64  `json:"id"`
	SiteID int64  `json:"site_id"`
	Name   string `json:"name"`
	// IsAdmin marks the site's administrators group: super admins act as
	// its members; it cannot be deleted nor left without members.
	IsAdmin   bool      `json:"is_admin"`
	CreatedAt time.Time `json:"created_at"`
}

// GroupGrants are a group's permissions as the admin API shows them.
type GroupGrants struct {
	Pages       []PageGrantRow       `json:"pages"`
	Collections []CollectionGrantRow `json:"collections"`
	Models      []string             `json:"models"`
}

// CollectionGrantRow is one collection grant of a group.
type CollectionGrantRow struct {
	CollectionID int64    `json:"collection_id"`
	Permissions  []string `json:"permissions"`
}

// PageGrantRow is one page grant of a group.
type PageGrantRow struct {
	PageID  int64    `json:"page_id"`
	Actions []string `json:"actions"`
}

// Member is a user as one site sees them: their groups on that site only,
// LastLogin on that site only, and whether the account is this site's own.
type Member struct {
	*User
	Groups []*Group `json:"groups"`
	// SiteLocal: the account was created on this site (is local to it).
	SiteLocal bool `json:"site_local"`
	// IdentityHere: the account is local to this site and belongs to no other
	// site (nor to an installation-wide group), so this site's admins may
	// change its email, names, password and active state.
	IdentityHere bool `json:"identity_here"`
}

// MemberFilter narrows a site's members list: a search in username, name
// and email, one of the site's groups, the active state.
type MemberFilter struct {
	Q       string
	GroupID int64
	Active  *bool
	Limit   int
	Offset  int
}

// AccountMatch is an active account the add-a-person search found: its
// username and name, and whether it is already a member of the asking
// site — never where else it is one.
type AccountMatch struct {
	ID             int64
	Username, Name string
	MemberHere     bool
}

// SessionInfo is one of a person's live sessions on a site: Key is its
// stored hash (never the secret).
type SessionInfo struct {
	Key                              string
	CreatedAt, LastSeenAt, ExpiresAt time.Time
	RemoteAddr, UserAgent            string
}

// LogEntry is one recorded action.
type LogEntry struct {
	ID          int64  `json:"id"`
	SiteID      int64  `json:"site_id"`
	UserID      int64  `json:"user_id"`
	Action      string `json:"action"`
	ObjectType  string `json:"object_type"`
	ObjectID    string `json:"object_id"`
	ObjectTitle string `json:"object_title"`
	// Username is who acted ("" for the system or a deleted account).
	Username  string          `json:"username"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
}

// HistoryFilter selects log entries. SiteID 0 with AllSites false selects
// installation-level entries only.
type HistoryFilter struct {
	SiteID         int64
	IncludeInstall bool // also installation-level entries (site created, renamed, deleted)
	AllSites       bool // every site (superusers)
	UserID         int64
	Action         string
	ObjectType     string
	ObjectID       string
	// From and To (exclusive) bound the entries' time; zero: unbounded.
	From, To      time.Time
	Limit, Offset int
	// BeforeID, AfterID page by id instead of offset: the entries older than
	// BeforeID, or the oldest ones newer than AfterID (newest first either way).
	BeforeID, AfterID int64
	// CountCap > 0 counts at most CountCap+1 entries (a million need not be
	// counted to say "more than 10,000"); < 0 counts nothing (total 0).
	CountCap int
}

// Token is an API token's record (never its secret).
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	SiteID     int64      `json:"site_id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// ReportPage is a page as a page report lists it: who and when for the
// report's question (who locked it and when; who scheduled it and for when;
// who last edited it and when).
type ReportPage struct {
	Page *Page
	Who  string
	At   time.Time
}

// BrokenRef is a reference of the site's content to something that is gone
// (a page, image, document or snippet since deleted) or to a page that is
// not live: what refers (a page, snippet or settings group, by its title),
// through which field, to what.
type BrokenRef struct {
	SourceKind, SourceName string
	SourceID               int64
	SourceTitle            string
	Field                  string
	TargetKind             string
	TargetID               int64
	// TargetTitle is a page's title when it exists but is not live.
	TargetTitle string
}

// Comment is a comment on a page, with who wrote it (Username "" for a
// deleted account) and, once resolved, who resolved it.
type Comment struct {
	ID         int64      `json:"id"`
	PageID     int64      `json:"page_id"`
	UserID     int64      `json:"user_id"`
	Username   string     `json:"username"`
	Body       string     `json:"body"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	ResolvedBy string     `json:"resolved_by"`
}
