package sqlstore_test

import (
	"testing"

	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestForeignKeysIndexed: every foreign key column leads an index, so that
// deleting or cascading a referenced row is a lookup rather than a scan of
// the referencing table per row (what made deleting a large site slow on
// PostgreSQL). site_id columns are exempt: a site's rows are deleted by
// site_id before the site row, and the site row's own check runs once.
func TestForeignKeysIndexed(t *testing.T) {
	queries := map[sqlstore.Dialect]string{
		sqlstore.Postgres: `SELECT c.conrelid::regclass::text || '.' || a.attname
			FROM pg_constraint c
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
			WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
			AND a.attname NOT IN ('site_id')
			AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
			ORDER BY 1`,
		sqlstore.SQLite: `SELECT m.name || '.' || f."from"
			FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
			WHERE m.type = 'table' AND f."from" NOT IN ('site_id')
			AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii
				WHERE ii.seqno = 0 AND ii.name = f."from")
			ORDER BY 1`,
	}
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		missing, err := db.Strings(ctx, queries[db.Dialect()])
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Fatalf("foreign key columns without an index leading with them: %v", missing)
		}
	})
}
