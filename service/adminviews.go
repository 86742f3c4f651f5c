package service

import (
	"context"
	"slices"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/perm"
	"github.com/canopy-cms/canopy/sqlstore"
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
	Reviews       []sqlstore.ReviewItem
	Mine          []sqlstore.MyPage
	Recent        []sqlstore.RecentEdit
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
	recent, err := a.pages.RecentEdits(ctx, 10)
	if err != nil {
		return nil, err
	}
	for _, e := range recent {
		if a.CanExplorePage(e.Page) && len(d.Recent) < 10 {
			d.Recent = append(d.Recent, e)
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
	sqlstore.RowFacts
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
	parent, err := a.Page(ctx, id)
	if err != nil {
		return nil, err
	}
	kids, total, err := a.ChildrenPage(ctx, id, limit, offset)
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
	all, err := a.pages.Ancestors(ctx, p.ID)
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
