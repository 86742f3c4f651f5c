package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// growing are the tables that grow with the installation (sites, people,
// pages, grants): a statement run on every admin request must reach them by
// an index, never by reading them whole.
var growing = []string{"sites", "users", "sessions", "groups", "group_members", "group_page_grants",
	"group_collection_grants", "group_model_perms", "pages", "collections"}

// TestAccessQueriesUseIndexes reads the query plan of the statements every
// admin request runs (the session's user, the user's groups and grants on the
// site) and fails on a full scan of a growing table: SQLite's EXPLAIN QUERY
// PLAN must SEARCH them, PostgreSQL's EXPLAIN (sequential scans priced out, so
// that only a missing index leaves one) must not Seq Scan them.
func TestAccessQueriesUseIndexes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		{
			d := db.Dialect()
			ctx := context.Background()
			seedInstallation(t, db, 30, 60)
			for name, q := range sqlstore.AccessQueries {
				var plan []string
				err := db.ExplainConn(ctx, func(c *sql.Conn) error {
					stmt := "EXPLAIN QUERY PLAN " + q.Query
					if d == sqlstore.Postgres {
						if _, err := c.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
							return err
						}
						defer c.ExecContext(ctx, "RESET enable_seqscan")
						stmt = "EXPLAIN " + q.Query
					}
					rows, err := c.QueryContext(ctx, stmt, q.Args...)
					if err != nil {
						return err
					}
					defer rows.Close()
					cols, _ := rows.Columns()
					for rows.Next() {
						vals := make([]any, len(cols))
						ptrs := make([]any, len(cols))
						for i := range vals {
							ptrs[i] = &vals[i]
						}
						if err := rows.Scan(ptrs...); err != nil {
							return err
						}
						plan = append(plan, asString(vals[len(vals)-1]))
					}
					return rows.Err()
				})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				t.Logf("%s:\n%s", name, strings.Join(plan, "\n"))
				bad := fullScans(d, plan, q.Query)
				if d == sqlstore.Postgres {
					bad = append(bad, unboundedIndexScans(t, db, plan, q.Query)...)
				}
				if len(bad) > 0 {
					t.Errorf("%s scans %v whole:\n%s", name, bad, strings.Join(plan, "\n"))
				}
			}
		}
	})
}

// seedInstallation makes a small installation with the shape of a large one
// (sites, each with three groups, grants and pages; people in groups here and
// installation-wide) and gathers the planner's statistics, so plans are the
// ones a real installation gets.
func seedInstallation(t *testing.T, db *sqlstore.DB, sites, pages int) {
	t.Helper()
	ctx := context.Background()
	groups := []canopy.GroupSpec{
		{Name: sqlstore.AdminsGroup, PageActions: []string{"add", "change", "publish"}, CollectionPerms: []string{"add_image", "choose_image"}, Models: []string{"access_admin"}},
		{Name: "Editors", PageActions: []string{"add", "change"}, CollectionPerms: []string{"choose_image"}, Models: []string{"access_admin"}},
		{Name: "Viewers", Models: []string{"access_admin"}},
	}
	var u *canopy.User
	for i := 0; i < 300; i++ {
		u = &canopy.User{Username: fmt.Sprintf("member%d", i), IsActive: true, PasswordHash: "x"}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < sites; i++ {
		site, err := db.CreateSite(ctx, sqlstore.NewSite{Hostname: fmt.Sprintf("s%d.test", i), Groups: groups})
		if err != nil {
			t.Fatal(err)
		}
		var roots []*sqlstore.ImportPage
		for j := 0; j < pages; j++ {
			roots = append(roots, &sqlstore.ImportPage{Type: canopy.StandardType, Content: canopy.PageContent{Title: fmt.Sprintf("P%d", j), Fields: map[string]any{}}, Live: true})
		}
		sdb := db.Site(site.ID, types(t))
		if _, err := sdb.Import(ctx, site.RootPageID, roots, 0); err != nil {
			t.Fatal(err)
		}
		g, err := sdb.CreateGroup(ctx, "Members")
		if err != nil {
			t.Fatal(err)
		}
		if err := sdb.AddMember(ctx, g.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 3; k++ {
			if err := sdb.CreateSession(ctx, u.ID, fmt.Sprintf("hash-%d-%d", i, k), time.Hour, "", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.ExecRaw(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
}

func asString(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	}
	return ""
}

var (
	pgIndexScan = regexp.MustCompile(`(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using )?(?:on )?(\w+)`)
	identifier  = regexp.MustCompile(`[a-z_]+`)
	sqliteScan  = regexp.MustCompile(`^SCAN (\w+)`)
	pgSeqScan   = regexp.MustCompile(`Seq Scan on (\w+)`)
	aliasOf     = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?`)
)

// fullScans returns the growing tables a plan reads whole.
func fullScans(d sqlstore.Dialect, plan []string, query string) []string {
	tables := map[string]string{} // alias or name → table
	for _, m := range aliasOf.FindAllStringSubmatch(query, -1) {
		tables[m[1]] = m[1]
		if a := strings.ToLower(m[2]); a != "" && a != "where" && a != "on" && a != "join" {
			tables[m[2]] = m[1]
		}
	}
	var bad []string
	for _, line := range plan {
		var m []string
		if d == sqlstore.Postgres {
			m = pgSeqScan.FindStringSubmatch(line)
		} else {
			m = sqliteScan.FindStringSubmatch(strings.TrimSpace(line))
		}
		if m == nil {
			continue
		}
		for _, g := range growing {
			if tables[m[1]] == g || m[1] == g {
				bad = append(bad, g)
			}
		}
	}
	return bad
}

// unboundedIndexScans returns the growing tables a PostgreSQL plan reads by
// walking a whole index: a scan with no Index Cond, or whose condition does not
// name the index's first column (PostgreSQL can scan an index on a later
// column, reading all of it).
func unboundedIndexScans(t *testing.T, db *sqlstore.DB, plan []string, query string) []string {
	var bad []string
	for i, line := range plan {
		m := pgIndexScan.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		index := m[1]
		defs, err := db.Strings(context.Background(), `SELECT i.indrelid::regclass::text || ' ' || pg_get_indexdef(i.indexrelid, 1, true)
			FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`, index)
		if err != nil || len(defs) != 1 {
			t.Fatalf("index %s: %v %v", index, defs, err)
		}
		table, first, _ := strings.Cut(defs[0], " ")
		if !slices.Contains(growing, table) {
			continue
		}
		// The node's own lines: deeper than it, up to its first child.
		indent := len(line) - len(strings.TrimLeft(line, " "))
		cond := ""
		for _, l := range plan[i+1:] {
			tl := strings.TrimLeft(l, " ")
			if len(l)-len(tl) <= indent || strings.HasPrefix(tl, "->") {
				break
			}
			if strings.HasPrefix(tl, "Index Cond:") {
				cond = tl
			}
		}
		col := ""
		for _, w := range identifier.FindAllString(first, -1) {
			if w != "coalesce" && w != "lower" && w != "bigint" {
				col = w
				break
			}
		}
		if cond == "" || !regexp.MustCompile(`\b`+col+`\b`).MatchString(cond) {
			bad = append(bad, table+" (whole index "+index+")")
		}
	}
	return bad
}
