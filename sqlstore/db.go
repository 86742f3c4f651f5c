// Package sqlstore is Canopy's storage: one SQL implementation for SQLite
// (embedded, pure Go, WAL) and PostgreSQL. Statements use $N placeholders, which
// both drivers bind by position; the few dialect differences are the schema
// tokens in migrate.go (dialectTokens) and the error translation below.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/canopy-cms/canopy"
)

// Dialect names a supported database.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open Canopy database. Writes go through w (a single connection on
// SQLite, so writers queue instead of failing with SQLITE_BUSY); reads through r.
type DB struct {
	dialect Dialect
	w, r    *sql.DB
	reads   *stmtCache
	writes  atomic.Int64 // statements run in write transactions
	dsn     string

	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// QueueMail makes notifications queue emails (set when a mail server is
	// configured).
	QueueMail bool

	// legacy (tests of upgrades only) makes migrations before 22 create
	// SQLite tables as they used to, without AUTOINCREMENT, and writes
	// nothing to the search index (which such a database does not have
	// yet) until EndLegacy.
	legacy bool

	// node names this open database in change notifications.
	node      string
	mu        sync.Mutex
	listeners []func(Change)
	// pageTypes are the installation's page types, for the search index.
	pageTypes    atomic.Pointer[canopy.PageTypes]
	snippetTypes atomic.Pointer[canopy.SnippetTypes]
}

// ParseDatabaseURL splits a Canopy database URL ("sqlite:PATH" or
// "postgres://…") into its dialect and driver DSN.
func ParseDatabaseURL(u string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if p == "" {
			return "", "", canopy.Errorf(canopy.EINVALID, "database URL %q names no file (use sqlite:PATH)", u)
		}
		return SQLite, p, nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		if _, err := url.Parse(u); err != nil {
			return "", "", canopy.Errorf(canopy.EINVALID, "database URL is not a valid postgres:// URL: %v", err)
		}
		return Postgres, u, nil
	}
	return "", "", canopy.Errorf(canopy.EINVALID, "database URL %q: use sqlite:PATH or postgres://user@host/dbname", u)
}

// sqliteReadPragmas are added to SQLite's read connections (benchmarks
// compare page cache sizes with it).
var sqliteReadPragmas = ""

// Open connects to the database named by a Canopy database URL. It does not
// migrate; call Migrate (or CheckSchema to refuse an unknown schema).
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	dialect, dsn, err := ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: dialect, dsn: dsn, node: rand.Text(), Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	switch dialect {
	case SQLite:
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
		if db.w, err = sql.Open("sqlite", "file:"+dsn+"?"+pragmas+"&_txlock=immediate"); err != nil {
			return nil, err
		}
		db.w.SetMaxOpenConns(1)
		db.w.SetConnMaxIdleTime(0)
		if db.r, err = sql.Open("sqlite", "file:"+dsn+"?"+pragmas+sqliteReadPragmas); err != nil {
			return nil, err
		}
		db.r.SetMaxOpenConns(max(4, 2*runtime.NumCPU()))
		db.r.SetMaxIdleConns(max(4, 2*runtime.NumCPU()))
	case Postgres:
		if db.w, err = sql.Open("pgx", dsn); err != nil {
			return nil, err
		}
		db.w.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
		db.w.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
		db.r = db.w
	}
	db.reads = newStmtCache(db.r)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.w.PingContext(pctx); err != nil {
		db.Close()
		return nil, canopy.Errorf(canopy.EINVALID, "cannot connect to the %s database: %v", dialect, err)
	}
	return db, nil
}

// ReadQueries returns how many read statements this DB has run: tests use it to
// check that a view costs a constant number of queries.
func (db *DB) ReadQueries() int64 { return db.reads.queries.Load() }

// Statements returns how many statements this DB has run, reads and the
// statements of write transactions (not counting BEGIN and COMMIT): tests use
// it to check what an operation costs.
func (db *DB) Statements() int64 { return db.reads.queries.Load() + db.writes.Load() }

// countingTx counts the statements run in a write transaction.
type countingTx struct {
	*sql.Tx
	n *atomic.Int64
}

func (c countingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.Tx.ExecContext(ctx, query, args...)
}

func (c countingTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.Tx.QueryContext(ctx, query, args...)
}

func (c countingTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.Tx.QueryRowContext(ctx, query, args...)
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes every connection.
func (db *DB) Close() error {
	if db.reads != nil {
		db.reads.close()
	}
	var err error
	if db.w != nil {
		err = db.w.Close()
	}
	if db.r != nil && db.r != db.w {
		if e := db.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Change is one site's part of a committed write, as listeners are told.
type Change struct {
	SiteID int64 // 0: every site (the shared media library changed)
	// Version is the site's new content version (0 with Reread).
	Version int64
	// Reread is set when the site's own row changed (created, edited,
	// renamed, deleted): its entry must be read again.
	Reread bool
	// Seq is the change's number in site_changes.
	Seq int64
	// Purge are the site's addresses (URL paths) whose public answers the
	// change altered, for front-end caches to drop; PurgeAll: too many to
	// name, drop everything of the site (purge.go).
	Purge    []string
	PurgeAll bool
}

// OnChange registers fn to be called after any committed write that changed
// a site or what it shows, once per site the write touched.
func (db *DB) OnChange(fn func(Change)) {
	db.mu.Lock()
	db.listeners = append(db.listeners, fn)
	db.mu.Unlock()
}

func (db *DB) notify(changes []Change) {
	db.mu.Lock()
	ls := db.listeners
	db.mu.Unlock()
	for _, c := range changes {
		for _, fn := range ls {
			fn(c)
		}
	}
}

// queryer is what store helpers run statements on: *sql.Tx for writes, the
// read pool itself for reads.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// Tx is one unit of work. Lower-case store helpers take a *Tx.
type Tx struct {
	queryer
	db  *DB
	now time.Time
	// changed are the sites this transaction changed (SiteID 0: every
	// site); before the commit they go into site_changes, after it to the
	// listeners.
	changed []Change
	// searchMarks are the pages to index again before the commit.
	searchMarks map[searchKey]bool
	// purges are the addresses per site whose answers changed (purge.go).
	purges map[int64][]string
}

func (tx *Tx) change(siteID int64) *Change {
	for i := range tx.changed {
		if tx.changed[i].SiteID == siteID {
			return &tx.changed[i]
		}
	}
	return nil
}

// touchSite bumps a site's content version inside the transaction; in
// PostgreSQL the row lock also serialises concurrent tree changes on one site.
func (tx *Tx) touchSite(ctx context.Context, siteID int64) error {
	if tx.change(siteID) != nil {
		return nil
	}
	if siteID == 0 {
		// A change to the shared media library may show on every site.
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET content_version = content_version + 1`); err != nil {
			return err
		}
		tx.changed = append(tx.changed, Change{SiteID: 0, Reread: true})
		return nil
	}
	var v int64
	err := tx.QueryRowContext(ctx, `UPDATE sites SET content_version = content_version + 1 WHERE id = $1 RETURNING content_version`, siteID).Scan(&v)
	if err == sql.ErrNoRows {
		return canopy.Errorf(canopy.ENOTFOUND, "site not found")
	}
	if err != nil {
		return err
	}
	tx.changed = append(tx.changed, Change{SiteID: siteID, Version: v})
	return nil
}

// siteRowChanged records that a site's own row changed (created, edited,
// renamed) or went (deleted) in the transaction: listeners read it again.
func (tx *Tx) siteRowChanged(siteID int64) {
	if c := tx.change(siteID); c != nil {
		c.Reread, c.Version = true, 0
		return
	}
	tx.changed = append(tx.changed, Change{SiteID: siteID, Reread: true})
}

// SiteChangesChannel is the PostgreSQL notification channel a committed site
// change is announced on; the payload names the process that made it (so it
// does not wake itself), and listeners read site_changes for the rest.
const SiteChangesChannel = "canopy_site_changes"

// logChanges appends the transaction's changed sites to site_changes and, on
// PostgreSQL, announces them to the other nodes (delivered at commit).
func (tx *Tx) logChanges(ctx context.Context) error {
	if len(tx.changed) == 0 {
		return nil
	}
	// One statement: the rows, their numbers back, and on PostgreSQL the
	// notification (sent at commit; identical ones in a transaction fold).
	var b strings.Builder
	args := []any{tx.now}
	if tx.db.dialect == Postgres {
		args = append(args, SiteChangesChannel, tx.db.node)
		b.WriteString(`WITH ins AS (`)
	}
	b.WriteString(`INSERT INTO site_changes (site_id, changed_at) VALUES `)
	for i, c := range tx.changed {
		if i > 0 {
			b.WriteByte(',')
		}
		args = append(args, c.SiteID)
		fmt.Fprintf(&b, "($%d, $1)", len(args))
	}
	b.WriteString(` RETURNING site_id, seq`)
	if tx.db.dialect == Postgres {
		b.WriteString(`), n AS (SELECT pg_notify($2, $3)) SELECT ins.site_id, ins.seq FROM ins, n`)
	}
	rows, err := tx.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return err
		}
		tx.change(id).Seq = seq
	}
	return rows.Err()
}

// write runs fn in a read-write transaction, committing if it returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	tx := &Tx{queryer: countingTx{sqlTx, &db.writes}, db: db, now: db.Now()}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return translate(err)
	}
	if err := tx.flushSearch(ctx); err != nil {
		_ = sqlTx.Rollback()
		return translate(err)
	}
	if err := tx.logChanges(ctx); err != nil {
		_ = sqlTx.Rollback()
		return translate(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return translate(err)
	}
	if len(tx.changed) > 0 {
		tx.attachPurges()
		db.notify(tx.changed)
	}
	return nil
}

// read runs fn against the read pool without a transaction: each statement
// sees the latest committed data (PostgreSQL's READ COMMITTED gives a
// transaction no more than that), and a single-row read costs one round trip.
func (db *DB) read(ctx context.Context, fn func(tx *Tx) error) error {
	return translate(fn(&Tx{queryer: db.reads, db: db, now: db.Now()}))
}

// translate turns driver errors into domain errors: unique violations become
// conflicts, foreign-key violations invalid references, no rows not found.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ce *canopy.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return canopy.Errorf(canopy.ENOTFOUND, "not found")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueConflict(se.Error())
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return canopy.Errorf(canopy.ECONFLICT, "the object is still referenced, or refers to something that does not exist")
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return uniqueConflict(pe.ConstraintName)
		case "23503":
			return canopy.Errorf(canopy.ECONFLICT, "the object is still referenced, or refers to something that does not exist")
		}
	}
	return err
}

// uniqueViolations names, for each unique index, the columns SQLite reports and
// the message a user sees.
var uniqueViolations = []struct{ index, sqliteColumns, message string }{
	{"pages_sibling_slug", "pages.parent_id, pages.slug", "a sibling page already uses this slug"},
	{"sites_hostname_port", "sites.hostname, sites.port", "a site with this hostname and port already exists"},
	{"sites_one_default", "sites.is_default", "another site is already the default site"},
	{"users_username", "index 'users_username'", "a user with this username already exists"},
	{"pages_site_home", "pages.site_id", "the site already has a home page"},
}

func uniqueConflict(detail string) error {
	for _, u := range uniqueViolations {
		if strings.Contains(detail, u.index) || strings.Contains(detail, u.sqliteColumns) {
			return canopy.Errorf(canopy.ECONFLICT, "%s", u.message)
		}
	}
	return canopy.Errorf(canopy.ECONFLICT, "an object with the same unique value already exists")
}

// Count runs a counting query (for tests and checks that span tables).
func (db *DB) Count(ctx context.Context, query string, args ...any) (n int, err error) {
	err = db.read(ctx, func(tx *Tx) error { return tx.QueryRowContext(ctx, query, args...).Scan(&n) })
	return n, err
}

// Strings runs a query whose rows are one text column (for tests and checks
// that read the catalog).
func (db *DB) Strings(ctx context.Context, query string, args ...any) (out []string, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	return out, err
}

// Analyze refreshes the query planner's statistics (PostgreSQL's autovacuum
// does this on its own schedule; call it after bulk changes).
func (db *DB) Analyze(ctx context.Context) error {
	_, err := db.w.ExecContext(ctx, `ANALYZE`)
	return translate(err)
}

// eachRow returns a function that takes a query's result, feeds every row,
// decoded by scan, to fn, and closes the rows:
// eachRow(scanX, fn)(tx.QueryContext(…)).
func eachRow[T any](scan func(scanner) (T, error), fn func(T)) func(*sql.Rows, error) error {
	return func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			fn(v)
		}
		return rows.Err()
	}
}

func scanString(row scanner) (s string, err error) { err = row.Scan(&s); return s, err }

// Pools returns the connection pools by name, for pool statistics: on SQLite
// the one-connection writer and the readers, on PostgreSQL one pool.
func (db *DB) Pools() map[string]*sql.DB {
	if db.r == db.w {
		return map[string]*sql.DB{"main": db.w}
	}
	return map[string]*sql.DB{"write": db.w, "read": db.r}
}
