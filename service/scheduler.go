package service

import (
	"context"
	"log/slog"
	"time"
)

// SiteChangeRetention is how long the site change log is kept.
const SiteChangeRetention = 24 * time.Hour

// RunScheduler publishes scheduled pages and expires pages every interval
// until ctx ends. Every node of an installation may run it: each due item is
// acted on by exactly one (sqlstore.RunScheduled).
func (s *Service) RunScheduler(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var pruned time.Time
	for {
		published, expired, err := s.DB.RunScheduled(ctx, s.DB.Now(), s.Types)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("scheduled publishing", "err", err)
		case published+expired > 0:
			log.Info("scheduled publishing", "published", published, "expired", expired)
		}
		if s.OnSchedulerRun != nil {
			s.OnSchedulerRun(err)
		}
		if now := s.DB.Now(); now.Sub(pruned) >= time.Hour {
			// The site change log only needs to reach back as far as a
			// node can fall behind; one that falls further reloads all.
			if _, err := s.DB.PruneSiteChanges(ctx, now.Add(-SiteChangeRetention)); err != nil && ctx.Err() == nil {
				log.Warn("prune site changes", "err", err)
			}
			pruned = now
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
