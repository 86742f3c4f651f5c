package service

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/perm"
	"github.com/canopy-cms/canopy/sqlstore"
)

// Admin is one user acting on one site: their grants there are loaded once,
// and every operation asks the permission engine before touching the store.
type Admin struct {
	svc    *Service
	Site   *canopy.Site
	User   *canopy.User
	Access *sqlstore.Access
	Check  *perm.Checker
	pages  *sqlstore.SiteDB
	facts  map[int64]*perm.Page // moderation facts of pages loaded by page()
	states map[int64]*canopy.WorkflowState
}

// AdminFor loads what user may do on site. A user who belongs to no group of
// the site (and is neither superuser nor super admin) is not authenticated there.
func (s *Service) AdminFor(ctx context.Context, site *canopy.Site, u *canopy.User) (*Admin, error) {
	if !u.IsActive {
		return nil, ErrInactive
	}
	acc, err := s.DB.Site(site.ID, nil).UserAccess(ctx, u)
	if err != nil {
		return nil, err
	}
	if !acc.Member {
		return nil, ErrNoAccount
	}
	pu := perm.NewUser(u.ID, u.IsActive, u.IsSuperuser, acc.Pages, acc.Models).WithCollections(acc.Collections)
	return &Admin{svc: s, Site: site, User: u, Access: acc, Check: perm.New(pu, s.Types), pages: s.DB.Site(site.ID, s.Types)}, nil
}

// Ctx attributes the writes made with the returned context to this user.
func (a *Admin) Ctx(ctx context.Context) context.Context {
	return sqlstore.WithActor(ctx, sqlstore.Actor{UserID: a.User.ID, Superuser: a.User.IsSuperuser})
}

// RequireAdminAccess is the coarse gate of the admin: access_admin (or superuser).
func (a *Admin) RequireAdminAccess() error {
	if !a.Check.User.HasModelPerm("access_admin") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you have no access to the admin of this site")
	}
	return nil
}

func forbidden(format string, args ...any) error {
	return canopy.Errorf(canopy.EFORBIDDEN, format, args...)
}

// permPage describes a page to the engine.
func permPage(p *canopy.Page) *perm.Page {
	return &perm.Page{Path: p.Path, Type: p.Type, OwnerID: p.OwnerID, Live: p.Live, NumChild: p.NumChild,
		Locked: p.Locked, LockedBy: p.LockedBy, ScheduledPublish: p.ScheduledRevisionID != 0}
}

// page loads a page the user may see in the explorer; anything else of this
// site is as unknown as another site's page.
//
// It also loads the page's moderation facts (its running workflow state and
// whether a workflow applies) for the permission engine: reviewers of the
// page's current task may open it without page grants.
func (a *Admin) page(ctx context.Context, id int64) (*canopy.Page, error) {
	p, err := a.pages.Page(ctx, id)
	if err != nil {
		return nil, err
	}
	pp, err := a.loadFacts(ctx, p)
	if err != nil {
		return nil, err
	}
	reviewer := pp.Task != nil && pp.Task.Reviewer
	if !a.Check.User.Superuser && !a.Check.User.CanExplore(p.Path) && !reviewer {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "page %d not found", id)
	}
	return p, nil
}

// pageLite is page without the moderation facts (listings).
func (a *Admin) pageLite(ctx context.Context, id int64) (*canopy.Page, error) {
	p, err := a.pages.Page(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Check.User.Superuser && !a.Check.User.CanExplore(p.Path) {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "page %d not found", id)
	}
	return p, nil
}

// loadFacts describes a page to the engine with its moderation state.
func (a *Admin) loadFacts(ctx context.Context, p *canopy.Page) (*perm.Page, error) {
	pp := permPage(p)
	st, applies, err := a.pages.ModerationFacts(ctx, p)
	if err != nil {
		return nil, err
	}
	if a.states == nil {
		a.states = map[int64]*canopy.WorkflowState{}
	}
	a.states[p.ID] = st
	if st != nil {
		pp.HasActiveWorkflow = true
		if st.Status == "in_progress" {
			pp.WorkflowInProgress = true
			if st.Task != nil && st.Task.Status == "in_progress" {
				pp.Task = &perm.Task{GroupApproval: true, Reviewer: a.Reviews(st.Task.Task.GroupIDs)}
			}
		}
	} else {
		pp.HasActiveWorkflow = applies
	}
	if a.facts == nil {
		a.facts = map[int64]*perm.Page{}
	}
	a.facts[p.ID] = pp
	return pp, nil
}

// Reviews reports whether the user reviews a task of these groups (superusers
// review every task).
func (a *Admin) Reviews(groups []int64) bool {
	if a.User.IsSuperuser {
		return true
	}
	for _, g := range a.Access.Groups {
		for _, id := range groups {
			if g.ID == id {
				return true
			}
		}
	}
	return false
}

// pp describes a page to the engine: with its moderation facts when page()
// loaded them.
func (a *Admin) pp(p *canopy.Page) *perm.Page {
	if f := a.facts[p.ID]; f != nil {
		return f
	}
	return permPage(p)
}

// subtree returns the facts delete and move decisions need about p.
func (a *Admin) subtree(ctx context.Context, p *canopy.Page) (perm.Subtree, error) {
	if p.NumChild == 0 {
		// A leaf is its own subtree: no query.
		return perm.Subtree{AnyLive: p.Live, AllOwned: p.OwnerID == a.User.ID}, nil
	}
	anyLive, allOwned, err := a.pages.SubtreeFacts(ctx, p, a.User.ID)
	return perm.Subtree{AnyLive: anyLive, AllOwned: allOwned, HasChildren: p.NumChild > 0}, err
}

// needsFacts reports whether a decision on p depends on its subtree facts.
func (a *Admin) needsFacts(p *canopy.Page) bool {
	if a.Check.User.Superuser {
		return false
	}
	acts := a.Check.User.On(p.Path)
	return !(acts.Has(perm.Change) && acts.Has(perm.Publish)) && (acts.Has(perm.Change) || acts.Has(perm.Add))
}

// PageWithActions is a page and what the caller may do with it.
type PageWithActions struct {
	*canopy.Page
	Permissions []string `json:"permissions"`
}

// Page returns a page with the caller's actions on it.
func (a *Admin) Page(ctx context.Context, id int64) (*PageWithActions, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.withActions(ctx, p)
}

// Children lists a page's children, each with the caller's actions, in a
// constant number of queries: the children, and one grouped query for subtree
// facts only when some row's decision depends on them.
func (a *Admin) Children(ctx context.Context, id int64) ([]*PageWithActions, error) {
	out, _, err := a.ChildrenPage(ctx, id, 0, 0)
	return out, err
}

// ChildrenPage is one page of Children (limit 0: all) with the total count
// of the children the caller may explore; the paging is done in SQL.
func (a *Admin) ChildrenPage(ctx context.Context, id int64, limit, offset int) ([]*PageWithActions, int, error) {
	parent, err := a.pageLite(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	return a.childrenOf(ctx, parent, "", limit, offset)
}

// childrenOf is ChildrenPage of a parent already loaded (and explorable).
func (a *Admin) childrenOf(ctx context.Context, parent *canopy.Page, order string, limit, offset int) ([]*PageWithActions, int, error) {
	all, within := a.Check.User.ExplorePaths()
	kids, total, err := a.pages.ChildrenPage(ctx, parent.ID, all, within, order, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	var facts map[string]perm.Subtree
	for _, k := range kids {
		if a.needsFacts(k) {
			f, err := a.pages.ChildrenFacts(ctx, parent, a.User.ID)
			if err != nil {
				return nil, 0, err
			}
			facts = map[string]perm.Subtree{}
			for path, cf := range f {
				facts[path] = perm.Subtree{AnyLive: cf[0], AllOwned: cf[1]}
			}
			break
		}
	}
	out := make([]*PageWithActions, 0, len(kids))
	for _, k := range kids {
		sub := facts[k.Path]
		sub.HasChildren = k.NumChild > 0
		out = append(out, &PageWithActions{Page: a.hidePage(k), Permissions: a.Check.PageActions(permPage(k), sub)})
	}
	return out, total, nil
}

// CreateChild creates a draft child of parentID owned by the caller (published
// at once if publish is set and the caller may publish subpages there).
func (a *Admin) CreateChild(ctx context.Context, parentID int64, in PageInput, publish bool) (*canopy.Page, error) {
	parent, err := a.page(ctx, parentID)
	if err != nil {
		return nil, err
	}
	if !a.Check.CanAddSubpage(a.pp(parent)) {
		return nil, forbidden("you may not add pages under %q", parent.Title)
	}
	if publish && !a.Check.CanPublishSubpage(a.pp(parent)) {
		return nil, forbidden("you may not publish pages under %q", parent.Title)
	}
	if err := a.checkFieldChanges(in.Type, nil, in.Fields); err != nil {
		return nil, err
	}
	p, err := a.svc.Pages(a.Site.ID).Create(a.Ctx(ctx), parentID, in, a.User.ID, publish)
	return a.hidePage(p), err
}

// Publish makes a revision (default the latest) live, and returns the page
// as published with the caller's actions on it (not read again).
func (a *Admin) Publish(ctx context.Context, id, revisionID int64) (*PageWithActions, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	pp := a.pp(p)
	if !a.Check.CanPublish(pp) {
		return nil, forbidden("you may not publish %q", p.Title)
	}
	if revisionID != 0 && revisionID != p.LatestRevisionID && len(a.hiddenFields(p.Type)) > 0 {
		// An older revision would change fields the user may not change.
		old, err := a.pages.Revision(ctx, id, revisionID)
		if err != nil {
			return nil, err
		}
		latest, err := a.pages.Revision(ctx, id, p.LatestRevisionID)
		if err != nil {
			return nil, err
		}
		if err := a.checkFieldChanges(p.Type, latest.Content.Fields, old.Content.Fields); err != nil {
			return nil, err
		}
	}
	published, err := a.pages.Publish(a.Ctx(ctx), id, revisionID)
	if err != nil {
		return nil, err
	}
	// Publishing directly cancelled any running workflow.
	f := *pp
	f.Live, f.Locked, f.LockedBy, f.ScheduledPublish = published.Live, published.Locked, published.LockedBy, published.ScheduledRevisionID != 0
	f.WorkflowInProgress, f.Task = false, nil
	if a.facts == nil {
		a.facts = map[int64]*perm.Page{}
	}
	a.facts[published.ID] = &f
	return a.withActions(ctx, published)
}

// Unschedule cancels a page's scheduled publication (publish permission).
func (a *Admin) Unschedule(ctx context.Context, id int64) (*canopy.Page, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Check.CanPublish(a.pp(p)) {
		return nil, forbidden("you may not change the schedule of %q", p.Title)
	}
	return a.pages.Unschedule(a.Ctx(ctx), id)
}

// Unpublish takes a page (and optionally its subtree) off the site.
func (a *Admin) Unpublish(ctx context.Context, id int64, includeDescendants bool) (*canopy.Page, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.Live {
		return nil, canopy.Errorf(canopy.EINVALID, "%q is not live", p.Title)
	}
	if !a.Check.CanUnpublish(a.pp(p)) {
		return nil, forbidden("you may not unpublish %q", p.Title)
	}
	return a.pages.Unpublish(a.Ctx(ctx), id, includeDescendants)
}

// SetLock locks or unlocks a page.
func (a *Admin) SetLock(ctx context.Context, id int64, lock bool) (*canopy.Page, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	if lock && !p.Locked && !a.Check.CanLock(a.pp(p)) {
		return nil, forbidden("you may not lock %q", p.Title)
	}
	if !lock && p.Locked && !a.Check.CanUnlock(a.pp(p)) {
		return nil, forbidden("you may not unlock %q", p.Title)
	}
	return a.pages.SetLock(a.Ctx(ctx), id, lock)
}

// Move moves a page under another page of this site.
func (a *Admin) Move(ctx context.Context, id, parentID int64, position *int) (*canopy.Page, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	dest, err := a.page(ctx, parentID)
	if err != nil {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "destination page %d not found", parentID)
	}
	sub, err := a.subtree(ctx, p)
	if err != nil {
		return nil, err
	}
	if !a.Check.CanMoveTo(a.pp(p), a.pp(dest), sub) {
		if dest.Path == p.Path || len(dest.Path) > len(p.Path) && dest.Path[:len(p.Path)] == p.Path {
			return nil, canopy.Errorf(canopy.EINVALID, "a page cannot be moved under itself or one of its descendants")
		}
		if canopy.ParentPath(p.Path) != dest.Path && !a.svc.Types.AllowedUnder(dest.Type, p.Type) {
			return nil, canopy.Errorf(canopy.EINVALID, "a %s cannot be placed under a %s", p.Type, dest.Type)
		}
		return nil, forbidden("you may not move %q under %q", p.Title, dest.Title)
	}
	return a.pages.Move(a.Ctx(ctx), id, parentID, position)
}

// CopyInput is what copying a page takes.
type CopyInput struct {
	ParentID           int64
	Slug               string
	Title              string // the copy's title (default: the original's)
	IncludeDescendants bool
	Publish            bool
}

// Copy copies a page (and optionally its subtree) under a page of this site.
func (a *Admin) Copy(ctx context.Context, id int64, in CopyInput) (*canopy.Page, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	dest, err := a.page(ctx, in.ParentID)
	if err != nil {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "destination page %d not found", in.ParentID)
	}
	if in.Slug != "" {
		if err := canopy.ValidateSlug(in.Slug); err != nil {
			return nil, err
		}
	}
	in.Title = strings.TrimSpace(in.Title)
	if utf8.RuneCountInString(in.Title) > 255 {
		return nil, canopy.FieldErrorf("title", canopy.EINVALID, "the title is longer than 255 characters")
	}
	if canopy.HasControl(in.Title) {
		return nil, canopy.FieldErrorf("title", canopy.EINVALID, "the title must not contain control characters")
	}
	if !a.Check.CanCopy(a.pp(p)) || !a.Check.CanCopyTo(a.pp(p), a.pp(dest), in.IncludeDescendants, in.Publish) {
		if in.IncludeDescendants && (dest.Path == p.Path || len(dest.Path) > len(p.Path) && dest.Path[:len(p.Path)] == p.Path) {
			return nil, canopy.Errorf(canopy.EINVALID, "a page cannot be copied with its descendants into its own subtree")
		}
		return nil, forbidden("you may not copy %q under %q", p.Title, dest.Title)
	}
	return a.pages.Copy(a.Ctx(ctx), id, in.ParentID, sqlstore.CopyOptions{Slug: in.Slug, Title: in.Title, IncludeDescendants: in.IncludeDescendants,
		KeepLive: in.Publish, UserID: a.User.ID})
}

// ReorderChildren puts a page's children in the given order.
func (a *Admin) ReorderChildren(ctx context.Context, id int64, ids []int64) error {
	p, err := a.page(ctx, id)
	if err != nil {
		return err
	}
	if !a.Check.CanReorderChildren(a.pp(p)) {
		return forbidden("you may not reorder the children of %q", p.Title)
	}
	return a.pages.ReorderChildren(a.Ctx(ctx), id, ids)
}

// Delete deletes a page and its subtree.
func (a *Admin) Delete(ctx context.Context, id int64) error {
	p, err := a.page(ctx, id)
	if err != nil {
		return err
	}
	if p.Depth <= 2 {
		return canopy.Errorf(canopy.EINVALID, "a site's home page cannot be deleted; delete the site instead")
	}
	sub, err := a.subtree(ctx, p)
	if err != nil {
		return err
	}
	if !a.Check.CanDelete(a.pp(p), sub) {
		return forbidden("you may not delete %q", p.Title)
	}
	_, err = a.pages.Delete(a.Ctx(ctx), id)
	return err
}

// Revisions lists a page's revisions.
func (a *Admin) Revisions(ctx context.Context, id int64) ([]*canopy.Revision, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Check.CanViewRevisions(a.pp(p)) {
		return nil, forbidden("you may not see the revisions of %q", p.Title)
	}
	revs, err := a.pages.Revisions(ctx, id)
	a.hideRevisions(p.Type, revs)
	return revs, err
}

// PageHistory lists what was done to a page, newest first (one action, or
// every one when action is empty), a page at a time, with the total: who
// may see its revisions may see its history.
func (a *Admin) PageHistory(ctx context.Context, id int64, action string, limit, offset int) ([]*canopy.LogEntry, int, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if !a.Check.CanViewRevisions(a.pp(p)) {
		return nil, 0, forbidden("you may not see the history of %q", p.Title)
	}
	return a.pages.History(ctx, canopy.HistoryFilter{SiteID: a.Site.ID, ObjectType: "page", ObjectID: strconv.FormatInt(id, 10),
		Action: action, Limit: limit, Offset: offset})
}

// RevisionsPage lists one page of a page's revisions, newest first, with
// their total count.
func (a *Admin) RevisionsPage(ctx context.Context, id int64, limit, offset int) ([]*canopy.Revision, int, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if !a.Check.CanViewRevisions(a.pp(p)) {
		return nil, 0, forbidden("you may not see the revisions of %q", p.Title)
	}
	revs, total, err := a.pages.RevisionsPage(ctx, id, limit, offset)
	a.hideRevisions(p.Type, revs)
	return revs, total, err
}

// Revert saves an old revision's content as the newest draft.
func (a *Admin) Revert(ctx context.Context, id, revisionID int64) (*canopy.Revision, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Check.CanEdit(a.pp(p)) {
		return nil, forbidden("you may not edit %q", p.Title)
	}
	if a.Check.LockedForUser(a.pp(p)) {
		return nil, canopy.Errorf(canopy.ECONFLICT, "%q is locked", p.Title)
	}
	old, err := a.pages.Revision(ctx, id, revisionID)
	if err != nil {
		return nil, err
	}
	c := old.Content
	if len(a.hiddenFields(p.Type)) > 0 && p.LatestRevisionID != 0 {
		// Fields the user may not change keep their current values.
		latest, err := a.pages.Revision(ctx, id, p.LatestRevisionID)
		if err != nil {
			return nil, err
		}
		a.keepHiddenFields(p.Type, latest.Content.Fields, &c)
	}
	rev, err := a.pages.SaveDraft(sqlstore.WithRevert(a.Ctx(ctx), revisionID), id, c, a.User.ID, 0)
	if rev != nil {
		rev.Content.Fields = a.hideFields(p.Type, rev.Content.Fields)
	}
	return rev, err
}

// Draft returns the content an edit starts from: the latest revision's.
func (a *Admin) Draft(ctx context.Context, id int64) (*canopy.Page, canopy.PageContent, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, canopy.PageContent{}, err
	}
	if !a.Check.CanEdit(a.pp(p)) {
		return nil, canopy.PageContent{}, forbidden("you may not edit %q", p.Title)
	}
	a.hidePage(p)
	if p.LatestRevisionID == 0 {
		return p, p.Content(), nil
	}
	rev, err := a.pages.Revision(ctx, id, p.LatestRevisionID)
	if err != nil {
		return nil, canopy.PageContent{}, err
	}
	c := rev.Content
	c.Fields = a.hideFields(p.Type, c.Fields)
	return p, c, nil
}

// ExplorerRoot returns the page where the user's explorer starts: the site's
// home page for superusers, else the deepest common ancestor of the pages the
// user holds grants on within this site (nil when they hold none).
func (a *Admin) ExplorerRoot(ctx context.Context) (*canopy.Page, error) {
	if a.Check.User.Superuser {
		return a.pages.Page(ctx, a.Site.RootPageID)
	}
	path := a.Check.User.ExplorableRoot()
	if len(path) < 2*canopy.StepLen {
		// Grants reaching above the site (the tree root) start at the home page.
		if path == "" {
			return nil, nil
		}
		return a.pages.Page(ctx, a.Site.RootPageID)
	}
	return a.pages.PageByPath(ctx, path)
}
