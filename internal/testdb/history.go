package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/canopy-cms/canopy/sqlstore"
)

// Writer is the store's connection pool that writes, for tests and
// benchmarks that fill tables straight with SQL.
func Writer(db *sqlstore.DB) *sql.DB {
	if p := db.Pools()["main"]; p != nil {
		return p
	}
	return db.Pools()["write"]
}

// SeedHistory writes n history entries of a site straight into the log
// table, for tests and benchmarks of the history screens: entry i is
// newer than entry i-1 by step, starting at start, by userID, on page
// objects with actions taken in turn from create, edit, publish, lock and an
// image edit every fifth. Batches of 500 rows a statement.
func SeedHistory(ctx context.Context, db *sqlstore.DB, siteID, userID int64, n int, start time.Time, step time.Duration) error {
	pool := Writer(db)
	kinds := []struct{ action, typ string }{{"create", "page"}, {"edit", "page"}, {"publish", "page"}, {"lock", "page"}, {"edit", "image"}}
	for done := 0; done < n; {
		batch := min(500, n-done)
		var rows []string
		var args []any
		for i := 0; i < batch; i++ {
			k := kinds[(done+i)%len(kinds)]
			j := len(args)
			rows = append(rows, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, '{}', $%d)", j+1, j+2, j+3, j+4, j+5, j+6, j+7))
			args = append(args, siteID, userID, k.action, k.typ, fmt.Sprint(done+i+1), fmt.Sprintf("Seeded %s %d", k.typ, done+i+1),
				start.Add(time.Duration(done+i)*step).UTC())
		}
		if _, err := pool.ExecContext(ctx, `INSERT INTO log_entries (site_id, user_id, action, object_type, object_id, object_title, data, created_at) VALUES `+
			strings.Join(rows, ", "), args...); err != nil {
			return err
		}
		done += batch
	}
	return nil
}
