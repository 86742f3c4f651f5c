package perm

import (
	"strings"

	"github.com/canopy-cms/canopy"
)

// Page is what the engine needs to know about a page.
type Page struct {
	Path     string
	Type     string
	OwnerID  int64
	Live     bool
	NumChild int
	// Manual lock.
	Locked   bool
	LockedBy int64 // 0: locked by no one in particular (blocks everyone)
	// ScheduledPublish is set while a revision waits to go live (a schedule lock).
	ScheduledPublish bool
	// Task is the page's current in-progress workflow task, if any (the
	// moderation issue fills it in).
	Task *Task
	// HasActiveWorkflow: an active workflow applies to the page.
	HasActiveWorkflow bool
	// WorkflowInProgress: a workflow state of the page is in progress.
	WorkflowInProgress bool
}

// Task describes the current workflow task of a page for the user asking.
type Task struct {
	// Reviewer: the user is a reviewer of the task.
	Reviewer bool
	// GroupApproval: the task is a group approval task.
	GroupApproval bool
}

// Subtree holds facts about a page and everything below it that some decisions
// need (delete and move); the store computes them in one query when asked.
type Subtree struct {
	AnyLive     bool // the page or a page below it is live
	AllOwned    bool // every page of the subtree is owned by the user asking
	HasChildren bool
}

// Checker answers page questions for one user on one site.
type Checker struct {
	User  *User
	Types *canopy.PageTypes
}

// New returns a checker.
func New(u *User, types *canopy.PageTypes) *Checker { return &Checker{User: u, Types: types} }

func isRoot(p *Page) bool { return len(p.Path) <= canopy.StepLen }

func isHome(p *Page) bool { return len(p.Path) == 2*canopy.StepLen }

func (c *Checker) active() bool { return c.User != nil && c.User.Active }

func (c *Checker) super() bool { return c.active() && c.User.Superuser }

func (c *Checker) owns(p *Page) bool { return c.User.ID != 0 && p.OwnerID == c.User.ID }

// LockedForUser reports whether a lock stops the user saving, unpublishing or
// submitting the page: a scheduled publication blocks everyone; a manual lock
// blocks everyone but the locker (a lock without a locker blocks everyone,
// superusers included); an in-progress workflow task blocks everyone but
// superusers and the task's reviewers.
func (c *Checker) LockedForUser(p *Page) bool {
	switch {
	case p.ScheduledPublish:
		return true
	case p.Locked:
		return p.LockedBy == 0 || c.User == nil || p.LockedBy != c.User.ID
	case p.Task != nil:
		return !c.super() && !p.Task.Reviewer
	}
	return false
}

// canHaveCreatableChild reports whether some type can be created under p.
func (c *Checker) canHaveCreatableChild(p *Page) bool {
	return len(c.Types.CreatableUnder(p.Type)) > 0
}

// CanAddSubpage: some page type can be created under P, and add (or superuser).
func (c *Checker) CanAddSubpage(p *Page) bool {
	if !c.active() || !c.canHaveCreatableChild(p) {
		return false
	}
	return c.super() || c.User.On(p.Path).Has(Add)
}

// CanEdit: not the root, and superuser, change, add on a page one owns, or a
// reviewer of the page's current workflow task. A lock does not remove edit;
// it blocks saving (LockedForUser).
func (c *Checker) CanEdit(p *Page) bool {
	if !c.active() || isRoot(p) {
		return false
	}
	if c.super() {
		return true
	}
	a := c.User.On(p.Path)
	return a.Has(Change) || a.Has(Add) && c.owns(p) || p.Task != nil && p.Task.Reviewer
}

// CanDelete applies the delete rules: never the root (nor, in Canopy, a site's
// home page: delete the site instead); a page with children needs bulk_delete;
// with change, yes unless something in the subtree is live and the user cannot
// publish; with add only, every page of the subtree must be the user's own and,
// without publish, none live.
func (c *Checker) CanDelete(p *Page, sub Subtree) bool {
	return c.canDelete(p, sub, true)
}

func (c *Checker) canDelete(p *Page, sub Subtree, leafRule bool) bool {
	if !c.active() || isRoot(p) || isHome(p) {
		return false
	}
	if c.super() {
		return true
	}
	a := c.User.On(p.Path)
	if leafRule && (sub.HasChildren || p.NumChild > 0) && !a.Has(BulkDelete) {
		return false
	}
	if a.Has(Change) {
		return a.Has(Publish) || !sub.AnyLive
	}
	if a.Has(Add) {
		return sub.AllOwned && (a.Has(Publish) || !sub.AnyLive)
	}
	return false
}

// CanPublish: not the root, and publish (or superuser).
func (c *Checker) CanPublish(p *Page) bool {
	if !c.active() || isRoot(p) {
		return false
	}
	return c.super() || c.User.On(p.Path).Has(Publish)
}

// CanUnpublish: live, not the root, not locked for the user, and publish (or
// superuser). Unpublishing descendants too is decided on P alone.
func (c *Checker) CanUnpublish(p *Page) bool {
	if !c.active() || isRoot(p) || !p.Live || c.LockedForUser(p) {
		return false
	}
	return c.super() || c.User.On(p.Path).Has(Publish)
}

// CanPublishSubpage: P allows some creatable child type, and publish on P (or superuser).
func (c *Checker) CanPublishSubpage(p *Page) bool {
	if !c.active() || !c.canHaveCreatableChild(p) {
		return false
	}
	return c.super() || c.User.On(p.Path).Has(Publish)
}

// CanReorderChildren: publish on P (or superuser).
func (c *Checker) CanReorderChildren(p *Page) bool {
	return c.active() && (c.super() || c.User.On(p.Path).Has(Publish))
}

// CanSetPrivacy is the same as publishing P.
func (c *Checker) CanSetPrivacy(p *Page) bool { return c.CanPublish(p) }

// CanMove is delete without the bulk_delete condition.
func (c *Checker) CanMove(p *Page, sub Subtree) bool { return c.canDelete(p, sub, false) }

// CanMoveTo decides moving P (with its subtree) under D, both of the request's
// site: D is not P nor inside P; the type rules allow P under D (unless P is
// already D's child); superuser yes; otherwise move P, add on D, and publish on
// D if P or any page below it is live.
func (c *Checker) CanMoveTo(p, dest *Page, sub Subtree) bool {
	if !c.active() || isRoot(p) || isHome(p) {
		return false
	}
	if dest.Path == p.Path || strings.HasPrefix(dest.Path, p.Path) {
		return false
	}
	if canopy.ParentPath(p.Path) != dest.Path && !c.Types.AllowedUnder(dest.Type, p.Type) {
		return false
	}
	if c.super() {
		return true
	}
	if !c.CanMove(p, sub) {
		return false
	}
	a := c.User.On(dest.Path)
	return a.Has(Add) && (!sub.AnyLive || a.Has(Publish))
}

// CanCopy is edit, offered only to someone who may add pages somewhere
// (a copy goes under a page where they may add subpages; with add nowhere,
// every destination would refuse it).
func (c *Checker) CanCopy(p *Page) bool { return c.CanEdit(p) && c.User.AddsPagesAnywhere() }

// CanCopyTo decides copying P under D: a recursive copy cannot go inside P;
// P's type must be creatable under D; superuser yes; otherwise add subpage on
// D, and keeping copies live also needs publish subpage on D.
func (c *Checker) CanCopyTo(p, dest *Page, recursive, keepLive bool) bool {
	if !c.active() || isRoot(p) || isHome(p) {
		return false
	}
	if recursive && (dest.Path == p.Path || strings.HasPrefix(dest.Path, p.Path)) {
		return false
	}
	pt := c.Types.Get(p.Type)
	if pt == nil || pt.NotCreatable || !c.Types.AllowedUnder(dest.Type, p.Type) {
		return false
	}
	if c.super() {
		return true
	}
	if !c.CanAddSubpage(dest) {
		return false
	}
	return !keepLive || c.CanPublishSubpage(dest)
}

// CanViewRevisions (drafts, previews, revisions, revert): edit or publish.
func (c *Checker) CanViewRevisions(p *Page) bool { return c.CanEdit(p) || c.CanPublish(p) }

// CanSubmit (for moderation): not locked for the user, an active workflow
// applies, none is in progress; the gate is edit.
func (c *Checker) CanSubmit(p *Page) bool {
	return c.CanEdit(p) && !c.LockedForUser(p) && p.HasActiveWorkflow && !p.WorkflowInProgress
}

// CanLock: superuser yes; on a workflow task the task decides (its reviewers
// may lock); otherwise the lock grant.
func (c *Checker) CanLock(p *Page) bool {
	if !c.active() || isRoot(p) {
		return false
	}
	if c.super() {
		return true
	}
	if p.Task != nil {
		return p.Task.Reviewer
	}
	return c.User.On(p.Path).Has(Lock)
}

// CanUnlock: superuser yes; the locker yes; on a group approval task no one
// else; otherwise the unlock grant.
func (c *Checker) CanUnlock(p *Page) bool {
	if !c.active() || isRoot(p) {
		return false
	}
	if c.super() {
		return true
	}
	if p.Locked && p.LockedBy != 0 && p.LockedBy == c.User.ID {
		return true
	}
	if p.Task != nil && p.Task.GroupApproval {
		return false
	}
	return c.User.On(p.Path).Has(Unlock)
}

// PageActions lists what the user may do with P, by the admin API's names, in
// a fixed order. sub is needed for delete and move.
func (c *Checker) PageActions(p *Page, sub Subtree) []string {
	out := make([]string, 0, 14)
	add := func(ok bool, name string) {
		if ok {
			out = append(out, name)
		}
	}
	add(c.CanAddSubpage(p), "add_subpage")
	add(c.CanPublishSubpage(p), "publish_subpage")
	add(c.CanEdit(p), "edit")
	add(c.CanDelete(p, sub), "delete")
	add(c.CanPublish(p), "publish")
	add(c.CanUnpublish(p), "unpublish")
	add(c.CanLock(p), "lock")
	add(c.CanUnlock(p), "unlock")
	add(c.CanMove(p, sub), "move")
	add(c.CanCopy(p), "copy")
	// Sorting is offered where there is something to sort.
	add(c.CanReorderChildren(p) && sub.HasChildren, "reorder")
	add(c.CanViewRevisions(p), "view_revisions")
	add(c.CanSetPrivacy(p), "set_privacy")
	add(c.CanSubmit(p), "submit")
	return out
}
