package sqlstore_test

import (
	"context"
	"testing"

	"github.com/canopy-cms/canopy"
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

// TestSchemaRefusesCrossSiteGrants: a page or collection grant whose site is
// not its object's, and a membership of a site's group recorded for another
// site, are refused by the schema itself (composite same-site foreign keys).
func TestSchemaRefusesCrossSiteGrants(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a, err := db.CreateSite(ctx, sqlstore.NewSite{Hostname: "a.test", IsDefault: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.CreateSite(ctx, sqlstore.NewSite{Hostname: "b.test"})
		if err != nil {
			t.Fatal(err)
		}
		ga, err := db.Site(a.ID, nil).CreateGroup(ctx, "A editors")
		if err != nil {
			t.Fatal(err)
		}
		u := &canopy.User{Username: "u", IsActive: true}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, q string
			args    []any
		}{
			{"page grant on b's page recorded for a", `INSERT INTO group_page_grants (group_id, page_id, site_id, actions) VALUES ($1, $2, $3, 1)`, []any{ga.ID, b.RootPageID, a.ID}},
			{"collection grant on b's collection recorded for a", `INSERT INTO group_collection_grants (group_id, collection_id, site_id, permissions) VALUES ($1, $2, $3, 1)`, []any{ga.ID, b.RootCollectionID, a.ID}},
			{"membership of a's group recorded for b", `INSERT INTO group_members (group_id, user_id, site_id) VALUES ($1, $2, $3)`, []any{ga.ID, u.ID, b.ID}},
		} {
			if err := db.ExecRaw(ctx, c.q, c.args...); err == nil {
				t.Errorf("%s: stored", c.name)
			}
		}
		// The same rows for the right site are fine.
		if err := db.ExecRaw(ctx, `INSERT INTO group_members (group_id, user_id, site_id) VALUES ($1, $2, $3)`, ga.ID, u.ID, a.ID); err != nil {
			t.Fatal(err)
		}
	})
}
