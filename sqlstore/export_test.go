package sqlstore

import "context"

// ExecRaw runs one statement in its own write transaction (tests only: to
// prove what the schema refuses whatever the code does).
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}
