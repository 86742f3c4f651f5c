package service

import (
	"context"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/media"
)

// DeleteSite deletes a site and everything it owns in one transaction, then
// (after the commit) its media files.
func (s *Service) DeleteSite(ctx context.Context, id, newDefault int64) (map[string]int64, error) {
	deleted, err := s.DB.DeleteSite(ctx, id, newDefault)
	if err != nil {
		return nil, err
	}
	if s.Media != nil {
		n, err := s.Media.DeletePrefix(context.WithoutCancel(ctx), media.SitePrefix(id))
		deleted["media_files"] = int64(n)
		if err != nil {
			return deleted, canopy.Errorf(canopy.EINTERNAL, "the site was deleted but some of its media files could not be removed: %v", err)
		}
	}
	return deleted, nil
}

// requireSuperuser refuses anyone but a superuser, saying what only
// superusers may do ("manage sites").
func (a *Admin) requireSuperuser(what string) error {
	if !a.User.IsSuperuser {
		return forbidden("only superusers %s", what)
	}
	return nil
}

// SearchSites lists one page of the sites whose hostname or name contains q,
// in the given order, with the number that match (superusers only).
func (a *Admin) SearchSites(ctx context.Context, q, order string, limit, offset int) ([]*canopy.Site, int, error) {
	if err := a.requireSuperuser("manage sites"); err != nil {
		return nil, 0, err
	}
	return a.svc.DB.SearchSites(ctx, q, order, limit, offset)
}

// SiteByID returns a site (superusers only).
func (a *Admin) SiteByID(ctx context.Context, id int64) (*canopy.Site, error) {
	if err := a.requireSuperuser("manage sites"); err != nil {
		return nil, err
	}
	return a.svc.DB.SiteByID(ctx, id)
}

// CreateSite creates a ready-to-use site from a site template ("" for the
// default one) (superusers only).
func (a *Admin) CreateSite(ctx context.Context, in canopy.NewSite, template string) (*canopy.Site, error) {
	if err := a.requireSuperuser("manage sites"); err != nil {
		return nil, err
	}
	if err := a.svc.checkTheme(in.Theme); err != nil {
		return nil, err
	}
	in.OwnerID = a.User.ID
	return a.svc.CreateSiteFrom(a.Ctx(ctx), in, template)
}

// SiteTemplates lists the site templates a new site can start from
// (superusers only).
func (a *Admin) SiteTemplates() (map[string]*canopy.SiteTemplate, string, error) {
	if err := a.requireSuperuser("manage sites"); err != nil {
		return nil, "", err
	}
	return a.svc.SiteTemplates(), a.svc.DefaultTemplate(), nil
}

// UpdateSite renames a site or changes its port, name, theme or default flag
// (superusers only): one row changes, everything else follows.
func (a *Admin) UpdateSite(ctx context.Context, id int64, upd canopy.SiteUpdate) (*canopy.Site, error) {
	if err := a.requireSuperuser("manage sites"); err != nil {
		return nil, err
	}
	if upd.Theme != nil {
		if err := a.svc.checkTheme(*upd.Theme); err != nil {
			return nil, err
		}
	}
	return a.svc.DB.UpdateSite(a.Ctx(ctx), id, upd)
}

// DeleteSite deletes a site (superusers only).
func (a *Admin) DeleteSite(ctx context.Context, id, newDefault int64) (map[string]int64, error) {
	if err := a.requireSuperuser("manage sites"); err != nil {
		return nil, err
	}
	return a.svc.DeleteSite(a.Ctx(ctx), id, newDefault)
}
