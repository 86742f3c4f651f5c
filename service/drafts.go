package service

import (
	"context"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/perm"
)

// PagePatch is a change to a page's draft, as an editing form or the admin
// API sends it: nil fields stay as they are, Fields merge key by key over the
// draft's fields, and the go-live and expiry times apply when their Set flag
// is on (nil then clears them).
type PagePatch struct {
	Title, Slug, SeoTitle, SearchDescription *string
	ShowInMenus, HideFromSearch              *bool
	Fields                                   map[string]any
	GoLiveAt, ExpireAt                       *time.Time
	SetGoLiveAt, SetExpireAt                 bool
}

// Apply returns the page input that the patch makes of base.
func (pt PagePatch) Apply(base canopy.PageContent) PageInput {
	out := PageInput{Title: base.Title, Slug: base.Slug, SeoTitle: base.SeoTitle, SearchDescription: base.SearchDescription,
		ShowInMenus: base.ShowInMenus, HideFromSearch: base.HideFromSearch, Fields: base.Fields, GoLiveAt: base.GoLiveAt, ExpireAt: base.ExpireAt}
	if pt.SetGoLiveAt {
		out.GoLiveAt = pt.GoLiveAt
	}
	if pt.SetExpireAt {
		out.ExpireAt = pt.ExpireAt
	}
	for _, f := range []struct {
		v   *string
		out *string
	}{{pt.Title, &out.Title}, {pt.Slug, &out.Slug}, {pt.SeoTitle, &out.SeoTitle}, {pt.SearchDescription, &out.SearchDescription}} {
		if f.v != nil {
			*f.out = *f.v
		}
	}
	if pt.ShowInMenus != nil {
		out.ShowInMenus = *pt.ShowInMenus
	}
	if pt.HideFromSearch != nil {
		out.HideFromSearch = *pt.HideFromSearch
	}
	if pt.Fields != nil {
		merged := map[string]any{}
		for k, v := range base.Fields {
			merged[k] = v
		}
		for k, v := range pt.Fields {
			merged[k] = v
		}
		out.Fields = merged
	}
	return out
}

// EditDraft applies a patch over the page's latest draft (not the live
// version) and saves it as a new revision. baseRevisionID (if not 0) guards
// against overwriting someone else's newer save. It returns the page as saved,
// with the caller's actions, without reading it again.
func (a *Admin) EditDraft(ctx context.Context, id int64, patch PagePatch, baseRevisionID int64) (*PageWithActions, *canopy.Revision, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	pp := a.pp(p)
	if !a.Check.CanEdit(pp) {
		return nil, nil, forbidden("you may not edit %q", p.Title)
	}
	if a.Check.LockedForUser(pp) {
		return nil, nil, canopy.Errorf(canopy.ECONFLICT, "%q is locked; it cannot be saved until it is unlocked", p.Title)
	}
	base := p.Content()
	if p.LatestRevisionID != 0 {
		rev, err := a.pages.Revision(ctx, id, p.LatestRevisionID)
		if err != nil {
			return nil, nil, err
		}
		base = rev.Content
	}
	if err := a.checkFieldChanges(p.Type, base.Fields, patch.Fields); err != nil {
		return nil, nil, err
	}
	in := patch.Apply(base)
	pages := a.svc.Pages(a.Site.ID)
	c, err := pages.clean(p.Type, in)
	if err != nil {
		return nil, nil, err
	}
	if c.Fields, err = pages.linkMedia(ctx, p.Type, c.Fields); err != nil {
		return nil, nil, err
	}
	saved, rev, err := a.pages.SaveDraftOn(a.Ctx(ctx), p, c, a.User.ID, baseRevisionID, pp.WorkflowInProgress)
	if err != nil {
		return nil, nil, err
	}
	if pp.WorkflowInProgress {
		// A re-approval may have restarted the task: read the facts again.
		delete(a.facts, saved.ID)
		if _, err := a.loadFacts(ctx, saved); err != nil {
			return nil, nil, err
		}
	} else {
		f := *pp
		f.OwnerID, f.Live, f.NumChild, f.Locked, f.LockedBy = saved.OwnerID, saved.Live, saved.NumChild, saved.Locked, saved.LockedBy
		a.facts[saved.ID] = &f
	}
	pa, err := a.withActions(ctx, saved)
	return pa, rev, err
}

// withActions is p with the caller's actions on it (subtree facts read only
// when a decision depends on them and p has children).
func (a *Admin) withActions(ctx context.Context, p *canopy.Page) (*PageWithActions, error) {
	sub := perm.Subtree{HasChildren: p.NumChild > 0}
	if a.needsFacts(p) {
		var err error
		if sub, err = a.subtree(ctx, p); err != nil {
			return nil, err
		}
	}
	return &PageWithActions{Page: a.hidePage(p), Permissions: a.Check.PageActions(a.pp(p), sub)}, nil
}
