package service

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/perm"
)

// Read models of the admin web UI's screens. Each is built from the same
// permission answers as the JSON API and costs a fixed number of statements.

// MySiteIDs lists the sites the caller belongs to (their own memberships).
func (a *Admin) MySiteIDs(ctx context.Context) ([]int64, error) {
	return a.svc.DB.UserSiteIDs(ctx, a.User.ID)
}

// CanExplorePage reports whether the caller sees p in the explorer.
func (a *Admin) CanExplorePage(p *canopy.Page) bool {
	return p.SiteID == a.Site.ID && (a.Check.User.Superuser || a.Check.User.CanExplore(p.Path))
}

// Dashboard is what the caller's dashboard on this site shows.
type Dashboard struct {
	Reviews []canopy.ReviewItem
	Mine    []canopy.MyPage
	Recent  []canopy.RecentEdit
	// MyRecent are the pages the caller edited last (their latest edit of each).
	MyRecent      []canopy.RecentEdit
	Notifications []*canopy.Notification
	Unread        int
}

// Dashboard loads the caller's dashboard: pages awaiting their review,
// their pages in moderation, locked or scheduled, the site's recent edits
// (among pages they may explore) and their unread notifications.
func (a *Admin) Dashboard(ctx context.Context) (*Dashboard, error) {
	d := &Dashboard{}
	var groups []int64
	for _, g := range a.Access.Groups {
		groups = append(groups, g.ID)
	}
	var err error
	if d.Reviews, err = a.pages.Reviews(ctx, groups, a.User.IsSuperuser); err != nil {
		return nil, err
	}
	mine, err := a.pages.MyPages(ctx, a.User.ID, 20)
	if err != nil {
		return nil, err
	}
	for _, m := range mine {
		if a.CanExplorePage(m.Page) {
			d.Mine = append(d.Mine, m)
		}
	}
	recent, err := a.pages.RecentEdits(ctx, 0, 10)
	if err != nil {
		return nil, err
	}
	for _, e := range recent {
		if a.CanExplorePage(e.Page) && len(d.Recent) < 10 {
			d.Recent = append(d.Recent, e)
		}
	}
	mineRecent, err := a.pages.RecentEdits(ctx, a.User.ID, 5)
	if err != nil {
		return nil, err
	}
	for _, e := range mineRecent {
		if a.CanExplorePage(e.Page) && len(d.MyRecent) < 5 {
			d.MyRecent = append(d.MyRecent, e)
		}
	}
	notes, _, err := a.pages.Notifications(ctx, a.User.ID, 20, 0)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		if n.ReadAt == nil {
			d.Notifications = append(d.Notifications, n)
		}
	}
	d.Unread = len(d.Notifications)
	return d, nil
}

// ExplorerRow is one child in the explorer.
type ExplorerRow struct {
	*PageWithActions
	canopy.RowFacts
}

// Explorer is one page of the explorer: the parent, its ancestors from the
// caller's explorer root, and a page of its children.
type Explorer struct {
	Parent    *PageWithActions
	Ancestors []*canopy.Page // from the explorer root down to the parent's parent
	Rows      []ExplorerRow
	Total     int
	// Creatable are the page types the caller may add under the parent.
	Creatable []*canopy.PageType
}

// Explorer lists a page's children with what the caller may do with each.
func (a *Admin) Explorer(ctx context.Context, id int64, limit, offset int) (*Explorer, error) {
	return a.ExplorerOrdered(ctx, id, "", limit, offset)
}

// ExplorerOrdered is Explorer with the children in an order of
// sqlstore.ChildOrders ("" for the tree's own).
func (a *Admin) ExplorerOrdered(ctx context.Context, id int64, order string, limit, offset int) (*Explorer, error) {
	parent, err := a.Page(ctx, id)
	if err != nil {
		return nil, err
	}
	kids, total, err := a.childrenOf(ctx, parent.Page, order, limit, offset)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(kids)+1)
	for _, k := range kids {
		ids = append(ids, k.ID)
	}
	facts, err := a.pages.ExplorerFacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	e := &Explorer{Parent: parent, Total: total}
	for _, k := range kids {
		e.Rows = append(e.Rows, ExplorerRow{PageWithActions: k, RowFacts: facts[k.ID]})
	}
	if e.Ancestors, err = a.VisibleAncestors(ctx, parent.Page); err != nil {
		return nil, err
	}
	if slices.Contains(parent.Permissions, "add_subpage") {
		e.Creatable = a.CreatableTypes(parent.Page)
	}
	return e, nil
}

// VisibleAncestors are p's ancestors within this site that the caller may
// explore (breadcrumbs), home first.
func (a *Admin) VisibleAncestors(ctx context.Context, p *canopy.Page) ([]*canopy.Page, error) {
	if p.Depth <= 2 {
		return nil, nil
	}
	all, err := a.pages.AncestorsOf(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []*canopy.Page
	for _, anc := range all {
		if anc.ID != p.ID && a.CanExplorePage(anc) {
			out = append(out, anc)
		}
	}
	return out, nil
}

// CreatableTypes are the page types the caller may create under parent
// (type rules only; counts are checked on save).
func (a *Admin) CreatableTypes(parent *canopy.Page) []*canopy.PageType {
	var out []*canopy.PageType
	for _, n := range a.svc.Types.CreatableUnder(parent.Type) {
		out = append(out, a.svc.Types.Get(n))
	}
	slices.SortFunc(out, func(x, y *canopy.PageType) int { return strings.Compare(x.Label, y.Label) })
	return out
}

// UserNames names users for this site's screens (lock holders, authors).
func (a *Admin) UserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return a.pages.UserNames(ctx, ids)
}

// PageFacts are the engine's facts about a page the caller has opened
// (its moderation state), for screens that explain the allowed actions.
func (a *Admin) PageFacts(id int64) *perm.Page { return a.facts[id] }

// Types are the installation's page types.
func (a *Admin) Types() *canopy.PageTypes { return a.svc.Types }

// UIKey is the installation's secret for the admin UI's CSRF tokens and
// signed cookies (made on first use, kept in the database so every node
// shares it).
func (s *Service) UIKey(ctx context.Context) ([]byte, error) {
	if k := s.uiKey.Load(); k != nil {
		return *k, nil
	}
	v, err := s.DB.Secret(ctx, "admin_ui_key", func() (string, error) { return randomHex(32), nil })
	if err != nil {
		return nil, err
	}
	k := []byte(v)
	s.uiKey.Store(&k)
	return k, nil
}

// EditorView is what the page editor shows: the page with the caller's
// actions, the content the edit starts from (the latest revision's), and
// the page's moderation.
type EditorView struct {
	Page    *PageWithActions
	Content canopy.PageContent
	// CanEdit: the caller may change the content (edit permission, not
	// locked by someone else). A reviewer without page grants sees the page
	// read-only, with the review controls.
	CanEdit bool
	// LockedByOther: locked by someone else (the caller may not save).
	LockedByOther bool
	State         *canopy.WorkflowState
	// Reviewer: the caller reviews the current task.
	Reviewer bool
	// CanCancel: the caller may cancel (or restart) the running workflow.
	CanCancel bool
	// WorkflowApplies: a workflow would run if the page were submitted.
	WorkflowApplies bool
	Comments        []canopy.TaskComment
	Names           map[int64]string
}

// Editor loads a page for the editor.
func (a *Admin) Editor(ctx context.Context, id int64) (*EditorView, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	pa, err := a.withActions(ctx, p)
	if err != nil {
		return nil, err
	}
	v := &EditorView{Page: pa, Content: p.Content(), State: a.states[p.ID]}
	pp := a.pp(p)
	v.WorkflowApplies = pp.HasActiveWorkflow
	v.LockedByOther = a.Check.LockedForUser(pp)
	v.CanEdit = a.Check.CanEdit(pp) && !v.LockedByOther
	if p.LatestRevisionID != 0 {
		rev, err := a.pages.Revision(ctx, id, p.LatestRevisionID)
		if err != nil {
			return nil, err
		}
		v.Content = rev.Content
	}
	v.Content.Fields = a.hideFields(p.Type, v.Content.Fields)
	if st := v.State; st != nil {
		v.Reviewer = st.Status == "in_progress" && st.Task != nil && st.Task.Status == "in_progress" && a.Reviews(st.Task.Task.GroupIDs)
		v.CanCancel = a.User.IsSuperuser || st.RequestedBy == a.User.ID || p.OwnerID == a.User.ID || st.Task != nil && a.Reviews(st.Task.Task.GroupIDs)
		if !a.User.IsSuperuser && p.Locked && p.LockedBy != a.User.ID {
			v.CanCancel = false
		}
	}
	if v.State != nil {
		if v.Comments, err = a.pages.TaskComments(ctx, id); err != nil {
			return nil, err
		}
	}
	var ids []int64
	if p.LockedBy != 0 {
		ids = append(ids, p.LockedBy)
	}
	if v.State != nil && v.State.RequestedBy != 0 {
		ids = append(ids, v.State.RequestedBy)
	}
	if p.OwnerID != 0 {
		ids = append(ids, p.OwnerID)
	}
	if v.Names, err = a.pages.UserNames(ctx, ids); err != nil {
		return nil, err
	}
	return v, nil
}

// Revision returns one revision of a page the caller may see the revisions of.
func (a *Admin) Revision(ctx context.Context, id, revisionID int64) (*canopy.Page, *canopy.Revision, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !a.Check.CanViewRevisions(a.pp(p)) && !(a.facts[p.ID] != nil && a.facts[p.ID].Task != nil && a.facts[p.ID].Task.Reviewer) {
		return nil, nil, forbidden("you may not see the revisions of %q", p.Title)
	}
	rev, err := a.pages.Revision(ctx, id, revisionID)
	if rev != nil {
		rev.Content.Fields = a.hideFields(p.Type, rev.Content.Fields)
	}
	return a.hidePage(p), rev, err
}

// Ref is how a screen shows a referenced object: its title and, for an
// image, a thumbnail URL.
type Ref struct {
	Title, Thumb string
}

// Refs names the objects that reference fields point at, by kind ("page",
// "image", "document", "snippet") and id: this site's objects (and shared
// media) only; an id of anything else is simply not named.
func (a *Admin) Refs(ctx context.Context, ids map[string][]int64) (map[string]map[int64]Ref, error) {
	out := map[string]map[int64]Ref{"page": {}, "image": {}, "document": {}, "snippet": {}}
	titles, err := a.pages.RefTitles(ctx, ids["page"], ids["document"], ids["snippet"])
	if err != nil {
		return nil, err
	}
	for kind, m := range titles {
		for id, t := range m {
			out[kind][id] = Ref{Title: t}
		}
	}
	if len(ids["image"]) > 0 {
		ims, err := a.pages.ImagesByID(ctx, ids["image"])
		if err != nil {
			return nil, err
		}
		for id, im := range ims {
			r := Ref{Title: im.Title}
			if ref, err := a.svc.RenditionURL(ctx, im, ThumbSpec); err == nil {
				r.Thumb = ref.URL
			}
			out["image"][id] = r
		}
	}
	return out, nil
}

// typedSearch parses what someone is typing into an admin search box: the
// last word counts as a prefix ("gal" finds "galaxy").
func typedSearch(q string) (*canopy.SearchQuery, error) {
	q = strings.TrimSpace(q)
	if r, _ := utf8.DecodeLastRuneInString(q); unicode.IsLetter(r) || unicode.IsDigit(r) {
		q += "*"
	}
	return canopy.ParseSearch(q, "and")
}

// shortQuery: one or two characters typed, which an autocomplete matches
// anywhere in a name rather than as the start of a word.
func shortQuery(q string) bool {
	return utf8.RuneCountInString(strings.TrimSpace(q)) < 3
}

// ThumbSpec is the rendition the admin shows images at in choosers and fields.
const ThumbSpec = "fill-160x160"

// SearchPages finds this site's pages whose newest version (drafts
// included) matches q in the search index, among those the caller may
// explore (of the given types, if any), best match first, with the caller's
// actions on each. As the admin searches while one types, the last word is a
// prefix ("gal" finds "galaxy").
func (a *Admin) SearchPages(ctx context.Context, q string, types []string, limit, offset int) ([]*PageWithActions, int, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, 0, canopy.FieldErrorf("q", canopy.EINVALID, "type something to search for")
	}
	if len(q) > 200 {
		return nil, 0, canopy.FieldErrorf("q", canopy.EINVALID, "the search is longer than 200 characters")
	}
	sq, err := typedSearch(q)
	if err != nil {
		return nil, 0, canopy.FieldErrorf("q", canopy.EINVALID, "%s", canopy.ErrorMessage(err))
	}
	all, within := a.Check.User.ExplorePaths()
	found, total, err := a.pages.SearchLatest(ctx, sq, all || a.User.IsSuperuser, within, types, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*PageWithActions, 0, len(found))
	for _, p := range found {
		out = append(out, &PageWithActions{Page: a.hidePage(p), Permissions: a.Check.PageActions(permPage(p), perm.Subtree{HasChildren: p.NumChild > 0, AnyLive: true})})
	}
	return out, total, nil
}

// MoveTargets reports, for each candidate destination, whether the caller
// may move the page there (the move chooser offers only those).
func (a *Admin) MoveTargets(ctx context.Context, id int64, dests []*canopy.Page) (map[int64]bool, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	sub, err := a.subtree(ctx, p)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, d := range dests {
		out[d.ID] = d.SiteID == a.Site.ID && a.Check.CanMoveTo(a.pp(p), permPage(d), sub)
	}
	return out, nil
}

// Preview returns the page as it would be with the patch applied to its
// latest draft, cleaned as a save would clean it, for rendering only:
// nothing is saved. The caller must be able to edit the page (or review it).
func (a *Admin) Preview(ctx context.Context, id int64, patch PagePatch) (*canopy.Page, []*canopy.Page, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	pp := a.pp(p)
	if !a.Check.CanEdit(pp) && !(pp.Task != nil && pp.Task.Reviewer) {
		return nil, nil, forbidden("you may not preview %q", p.Title)
	}
	base := p.Content()
	if p.LatestRevisionID != 0 {
		rev, err := a.pages.Revision(ctx, id, p.LatestRevisionID)
		if err != nil {
			return nil, nil, err
		}
		base = rev.Content
	}
	// A preview shows no change the user may not make.
	patch.Fields = a.hideFields(p.Type, patch.Fields)
	c, err := a.previewContent(ctx, p.Type, patch.Apply(base))
	if err != nil {
		return nil, nil, err
	}
	out := *p
	out.Title, out.SeoTitle, out.SearchDescription, out.ShowInMenus, out.Fields = c.Title, c.SeoTitle, c.SearchDescription, c.ShowInMenus, c.Fields
	out.HideFromSearch = c.HideFromSearch
	anc, err := a.pages.Ancestors(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	if len(anc) > 0 && anc[len(anc)-1].ID == p.ID {
		anc = anc[:len(anc)-1]
	}
	return &out, anc, nil
}

// PreviewNew is Preview for a page not created yet under parentID.
func (a *Admin) PreviewNew(ctx context.Context, parentID int64, typeName string, patch PagePatch) (*canopy.Page, []*canopy.Page, error) {
	parent, err := a.page(ctx, parentID)
	if err != nil {
		return nil, nil, err
	}
	if !a.Check.CanAddSubpage(a.pp(parent)) {
		return nil, nil, forbidden("you may not add pages under %q", parent.Title)
	}
	patch.Fields = a.hideFields(typeName, patch.Fields)
	c, err := a.previewContent(ctx, typeName, patch.Apply(canopy.PageContent{}))
	if err != nil {
		return nil, nil, err
	}
	anc, err := a.pages.Ancestors(ctx, parent.ID)
	if err != nil {
		return nil, nil, err
	}
	p := &canopy.Page{SiteID: a.Site.ID, ParentID: parent.ID, Depth: parent.Depth + 1, Type: typeName, Title: c.Title, Slug: c.Slug,
		URLPath: strings.TrimSuffix(parent.URLPath, "/") + "/" + c.Slug + "/", SeoTitle: c.SeoTitle, SearchDescription: c.SearchDescription, Fields: c.Fields}
	return p, anc, nil
}

func (a *Admin) previewContent(ctx context.Context, typeName string, in PageInput) (canopy.PageContent, error) {
	pages := a.svc.Pages(a.Site.ID)
	// A preview shows what is typed, even where the schedule is not valid yet.
	in.GoLiveAt, in.ExpireAt = nil, nil
	c, err := pages.clean(typeName, in)
	if err != nil {
		return c, err
	}
	c.Fields, err = pages.linkMedia(ctx, typeName, c.Fields)
	return c, err
}

// SubtreeCounts counts the pages below a page the caller may explore, and the live ones.
func (a *Admin) SubtreeCounts(ctx context.Context, id int64) (*PageWithActions, int, int, error) {
	p, err := a.Page(ctx, id)
	if err != nil {
		return nil, 0, 0, err
	}
	below, live, err := a.pages.SubtreeCounts(ctx, p.Page)
	return p, below, live, err
}

// EditableNow reports whether the caller may save a new revision of a page
// loaded with Page: edit permission, not locked by someone else, no
// publication scheduled (what EditDraft and Revert check).
func (a *Admin) EditableNow(p *PageWithActions) bool {
	return slices.Contains(p.Permissions, "edit") && !a.Check.LockedForUser(a.pp(p.Page)) && p.ScheduledRevisionID == 0
}
