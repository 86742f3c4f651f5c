package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
)

// sqliteGoMigrations are the versions that SQLite runs as Go code outside a
// migration transaction (their .sql file is what PostgreSQL runs).
var sqliteGoMigrations = map[int64]func(ctx context.Context, db *sql.DB) error{
	22: rebuildWithAutoincrement,
}

// reusingKey finds a rowid primary key declared without AUTOINCREMENT.
var reusingKey = regexp.MustCompile(`(?i)\bid\s+INTEGER\s+PRIMARY\s+KEY\b(\s+AUTOINCREMENT\b)?`)

// createTableName is the table name in a stored CREATE TABLE statement
// (SQLite keeps the text as written, quoting a name it renamed).
var createTableName = regexp.MustCompile(`(?i)^CREATE\s+TABLE\s+("[^"]+"|\S+)`)

// rebuildWithAutoincrement gives every table whose id is a rowid without
// AUTOINCREMENT that keyword, by SQLite's documented table rebuild (create
// the new table, copy, drop, rename, re-create indexes) with foreign keys
// off, in one transaction on one connection, and checks every foreign key
// before committing. Ids and rows are kept as they are; sqlite_sequence
// starts each table at its largest id.
func rebuildWithAutoincrement(ctx context.Context, db *sql.DB) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); ferr != nil && err == nil {
			err = ferr
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	type table struct{ name, sql string }
	var tables []table
	// Not SQLite's own tables, nor the shadow tables of a virtual table
	// (an FTS5 index keeps its data in name_data, name_idx, …).
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master m WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' AND substr(m.name, 1, length(v.name) + 1) = v.name || '_')
		ORDER BY name`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.name, &t.sql); err != nil {
			rows.Close()
			return err
		}
		if m := reusingKey.FindStringSubmatch(t.sql); m != nil && m[1] == "" {
			tables = append(tables, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		if err := rebuildTable(ctx, tx, t.name, t.sql); err != nil {
			return fmt.Errorf("rebuild %s with AUTOINCREMENT: %w", t.name, err)
		}
	}
	var problems int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&problems); err != nil {
		return err
	}
	if problems > 0 {
		return fmt.Errorf("rebuild with AUTOINCREMENT: %d foreign key violations after the rebuild; nothing was changed", problems)
	}
	return tx.Commit()
}

func rebuildTable(ctx context.Context, tx *sql.Tx, name, createSQL string) error {
	tmp := name + "_autoinc"
	loc := createTableName.FindStringSubmatchIndex(createSQL)
	if loc == nil {
		return fmt.Errorf("unexpected table definition %q", createSQL)
	}
	newSQL := createSQL[:loc[2]] + `"` + tmp + `"` + createSQL[loc[3]:]
	newSQL = reusingKey.ReplaceAllStringFunc(newSQL, func(s string) string { return s + " AUTOINCREMENT" })
	var extras []string
	rows, err := tx.QueryContext(ctx, `SELECT sql FROM sqlite_master WHERE tbl_name = $1 AND type IN ('index', 'trigger') AND sql IS NOT NULL`, name)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		extras = append(extras, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	quoted := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
	for _, stmt := range append([]string{newSQL,
		`INSERT INTO "` + tmp + `" SELECT * FROM ` + quoted,
		`DROP TABLE ` + quoted,
		`ALTER TABLE "` + tmp + `" RENAME TO ` + quoted}, extras...) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	return nil
}
