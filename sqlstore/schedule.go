package sqlstore

import (
	"context"
	"time"

	"github.com/canopy-cms/canopy"
)

// scheduledBatch bounds how many due items one run handles (the next run
// takes the rest).
const scheduledBatch = 500

// RunScheduled publishes the scheduled revisions whose go-live time has come
// and unpublishes the live pages whose expiry has come, each in its own
// transaction. Several nodes may run it at once: each item is claimed by a
// conditional update inside its transaction, so exactly one node acts on it
// (the others find it already claimed and skip it).
func (db *DB) RunScheduled(ctx context.Context, now time.Time, types *canopy.PageTypes) (published, expired int, err error) {
	type item struct{ site, page, rev int64 }
	var due []item
	err = db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT site_id, id, scheduled_revision_id FROM pages
			WHERE scheduled_revision_id IS NOT NULL AND go_live_at <= $1 ORDER BY go_live_at LIMIT $2`, now, scheduledBatch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.site, &it.page, &it.rev); err != nil {
				return err
			}
			due = append(due, it)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, 0, err
	}
	for _, it := range due {
		s := db.Site(it.site, types)
		err := db.write(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE pages SET scheduled_revision_id = NULL, go_live_at = NULL WHERE id = $1 AND scheduled_revision_id = $2 AND site_id = $3`, it.page, it.rev, it.site)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil // another node published it, or the schedule was cancelled
			}
			p, err := s.findPage(ctx, tx, it.page)
			if err != nil {
				return err
			}
			rev, err := s.findRevision(ctx, tx, it.page, it.rev)
			if err != nil {
				return err
			}
			// The type's rules may have changed since the publication was
			// scheduled: a revision that breaks them is not published; its
			// schedule ends, and the history says why.
			if pt := s.types.Get(p.Type); pt != nil {
				if errs := pt.RuleErrors(rev.Content.Fields); len(errs) > 0 {
					if err := tx.log(ctx, it.site, "unschedule", "page", p.ID, rev.Content.Title, map[string]any{"revision_id": rev.ID,
						"reason": "not published: " + errs[0].Message}); err != nil {
						return err
					}
					return tx.touchSite(ctx, it.site)
				}
			}
			if err := s.publishNow(ctx, tx, p, rev); err != nil {
				return err
			}
			if err := tx.log(ctx, it.site, "publish", "page", p.ID, rev.Content.Title, map[string]any{"revision_id": rev.ID, "scheduled": true}); err != nil {
				return err
			}
			published++
			return tx.touchSite(ctx, it.site)
		})
		if err != nil {
			return published, expired, err
		}
	}
	var exp []item
	err = db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT site_id, id FROM pages WHERE live AND expire_at IS NOT NULL AND expire_at <= $1 ORDER BY expire_at LIMIT $2`, now, scheduledBatch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.site, &it.page); err != nil {
				return err
			}
			exp = append(exp, it)
		}
		return rows.Err()
	})
	if err != nil {
		return published, expired, err
	}
	for _, it := range exp {
		err := db.write(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE pages SET live = FALSE, expired = TRUE, has_unpublished_changes = TRUE, live_revision_id = NULL, updated_at = $3
				WHERE id = $1 AND live AND expire_at <= $2 AND site_id = $4`, it.page, now, tx.now, it.site)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil
			}
			tx.searchPage(it.site, it.page)
			var title, urlPath string
			if err := tx.QueryRowContext(ctx, `SELECT title, url_path FROM pages WHERE id = $1 AND site_id = $2`, it.page, it.site).Scan(&title, &urlPath); err != nil {
				return err
			}
			tx.purgeWithParent(it.site, urlPath)
			if err := tx.log(ctx, it.site, "unpublish", "page", it.page, title, map[string]any{"expired": true}); err != nil {
				return err
			}
			expired++
			return tx.touchSite(ctx, it.site)
		})
		if err != nil {
			return published, expired, err
		}
	}
	return published, expired, nil
}
