package sqlstore

import (
	"context"

	"github.com/canopy-cms/canopy"
)

// ExecRaw runs one statement in its own write transaction (tests only: to
// prove what the schema refuses whatever the code does).
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// Descendants returns every page below a page, in tree order (one range scan).
func (s *SiteDB) Descendants(ctx context.Context, id int64, liveOnly bool) (out []*canopy.Page, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, id)
		if err != nil {
			return err
		}
		q := `SELECT ` + pageColumns + ` FROM pages WHERE site_id = $1 AND path > $2 AND path < $3`
		if liveOnly {
			q += ` AND live`
		}
		out, err = scanPages(tx.QueryContext(ctx, q+` ORDER BY path`, s.site, p.Path, canopy.PathUpperBound(p.Path)))
		return err
	})
	return out, err
}
