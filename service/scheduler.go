package service

import (
	"context"
	"log/slog"
	"time"
)

// RunScheduler publishes scheduled pages and expires pages every interval
// until ctx ends. Every node of an installation may run it: each due item is
// acted on by exactly one (sqlstore.RunScheduled).
func (s *Service) RunScheduler(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		published, expired, err := s.DB.RunScheduled(ctx, s.DB.Now(), s.Types)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("scheduled publishing", "err", err)
		case published+expired > 0:
			log.Info("scheduled publishing", "published", published, "expired", expired)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
