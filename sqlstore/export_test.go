package sqlstore

import (
	"context"
	"database/sql"

	"github.com/canopy-cms/canopy"
)

// AccessQueries are the statements every admin request runs to know who asks
// and what they may do, with example arguments.
var AccessQueries = map[string]struct {
	Query string
	Args  []any
}{
	"session user": {sessionUserQuery, []any{"hash", int64(2), "2026-01-01 00:00:00"}},
	"user access":  {userAccessQuery, []any{int64(1), int64(2), true}},
	"groups list":  {groupsQuery, []any{int64(2), "%"}},
}

// ExplainConn runs fn on one connection of the read pool (tests set planner
// options on it).
func (db *DB) ExplainConn(ctx context.Context, fn func(c *sql.Conn) error) error {
	c, err := db.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

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

// OpenLegacy opens a SQLite database whose migrations before 22 create
// tables as databases made before it have them (ids without AUTOINCREMENT).
func OpenLegacy(ctx context.Context, url string) (*DB, error) {
	db, err := Open(ctx, url)
	if err != nil {
		return nil, err
	}
	db.legacy = true
	return db, nil
}

// EndLegacy makes an upgraded legacy database an ordinary one.
func (db *DB) EndLegacy() { db.legacy = false }

// MigrateTo applies the migrations up to version.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// ReopenSQLite opens a SQLite database's file again with more pragmas on its
// read connections (benchmarks compare page cache sizes on the same data).
func ReopenSQLite(ctx context.Context, db *DB, readPragmas string) (*DB, error) {
	old := sqliteReadPragmas
	sqliteReadPragmas = readPragmas
	defer func() { sqliteReadPragmas = old }()
	return Open(ctx, "sqlite:"+db.dsn)
}

// CountMembersByScan counts a site's members as the list did before issue
// 27 (every account of the installation tested): the benchmark's baseline.
func (s *SiteDB) CountMembersByScan(ctx context.Context) (n int, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+memberCondition, s.site).Scan(&n)
	})
	return n, err
}
