package canopy

import (
	"strings"
	"time"
)

// Read models of the admin's screens (the store fills them in one
// statement each).

// DisplayName is how the admin names a person: their full name, else the username.
func DisplayName(first, last, username string) string {
	if n := strings.TrimSpace(first + " " + last); n != "" {
		return n
	}
	return username
}

// RowFacts are what an explorer row shows beyond the page itself.
type RowFacts struct {
	// EditedBy is the display name of the latest revision's author ("" if none).
	EditedBy string
	EditedAt *time.Time
	// InModeration: a workflow is in progress on the page.
	InModeration bool
}

// MyPage is a page on a user's dashboard and why it is there.
type MyPage struct {
	Page *Page
	// Why is "locked" (locked by the user), "scheduled" (a publication the
	// user scheduled or of a page they own), "moderation" (a workflow they
	// started is in progress) or "changes" (a reviewer asked for changes).
	Why string
}

// RecentEdit is one page's latest edit.
type RecentEdit struct {
	Page     *Page
	EditedBy string
	EditedAt time.Time
}

// ReviewItem is a page waiting for a review, with its workflow state.
type ReviewItem struct {
	State       *WorkflowState
	Page        *Page
	RequestedBy string
}

// TaskComment is one task of a page's latest workflow run and its outcome.
type TaskComment struct {
	Task       string
	Status     string
	By         string
	Comment    string
	FinishedAt *time.Time
}
