package service

import (
	"context"

	"github.com/canopy-cms/canopy"
)

// ReindexSearch rebuilds the search index of a site, each in one
// transaction, and returns how many documents it holds (the index is kept
// current by every change; this is for repairs and upgrades).
func (s *Service) ReindexSearch(ctx context.Context, site *canopy.Site) (int, error) {
	return s.DB.ReindexSite(ctx, site.ID, s.Types, s.Snippets)
}

// ReindexAllSearch rebuilds the index of every site and of the shared media
// library, site by site, calling done after each; it returns how many
// documents were written.
func (s *Service) ReindexAllSearch(ctx context.Context, done func(site *canopy.Site, docs int)) (int, error) {
	sites, err := s.DB.Sites(ctx)
	if err != nil {
		return 0, err
	}
	total, err := s.DB.ReindexSite(ctx, 0, s.Types, s.Snippets)
	if err != nil {
		return 0, err
	}
	for _, site := range sites {
		n, err := s.DB.ReindexSite(ctx, site.ID, s.Types, s.Snippets)
		if err != nil {
			return total, err
		}
		total += n
		if done != nil {
			done(site, n)
		}
	}
	// One merged index answers faster than the many pieces a rebuild leaves.
	return total, s.DB.OptimizeSearchIndex(ctx)
}

// EnsureSearchIndex builds the whole index once when the installation has
// pages but no search document (a database upgraded to the search schema);
// it reports whether it did.
func (s *Service) EnsureSearchIndex(ctx context.Context) (bool, error) {
	empty, err := s.DB.SearchIndexEmpty(ctx)
	if err != nil || !empty {
		return false, err
	}
	_, err = s.ReindexAllSearch(ctx, nil)
	return err == nil, err
}

// EnsureReferences fills the reference index once after the upgrade that
// made it (a pending job the migration left), site by site; it reports
// whether it did. A search rebuild writes references too.
func (s *Service) EnsureReferences(ctx context.Context) (bool, error) {
	pending, err := s.DB.PendingJob(ctx, "references")
	if err != nil || !pending {
		return false, err
	}
	sites, err := s.DB.Sites(ctx)
	if err != nil {
		return false, err
	}
	for _, site := range sites {
		if err := s.DB.RebuildReferences(ctx, site.ID, s.Types, s.Snippets); err != nil {
			return false, err
		}
	}
	return true, s.DB.JobDone(ctx, "references")
}
