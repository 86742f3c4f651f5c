package sqlstore_test

import (
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// BenchmarkMembers100kUsers: a site's members list (issue 27's size) in an
// installation of 100,000 accounts, of which 2,000 have a role on the site
// and 500 are its local accounts; baseline: the list as it was read before
// (every account of the installation tested for membership).
//
//	go test -run '^$' -bench Members100kUsers -benchtime 200x ./sqlstore/
func BenchmarkMembers100kUsers(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(string(d), func(b *testing.B) {
			db := testdb.Open(b, d)
			alpha := mustCreateSite(b, db, "alpha.example", true)
			beta := mustCreateSite(b, db, "beta.example", false)
			series := `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000) SELECT n FROM g`
			if d == sqlstore.Postgres {
				series = `SELECT n FROM generate_series(1, 100000) AS g(n)`
			}
			if err := db.ExecRaw(ctx, `INSERT INTO users (username, email, first_name, last_name, password_hash, is_active, home_site_id, created_at)
				SELECT 'user' || n, 'user' || n || '@example.org', 'First' || n, 'Last' || (n % 97), 'x', n % 10 <> 0,
				CASE WHEN n % 200 = 0 THEN CAST($1 AS BIGINT) WHEN n % 200 = 1 THEN CAST($2 AS BIGINT) ELSE NULL END, CURRENT_TIMESTAMP FROM (`+series+`) s`, alpha.ID, beta.ID); err != nil {
				b.Fatal(err)
			}
			g, err := db.Site(alpha.ID, nil).CreateGroup(ctx, "Editors")
			if err != nil {
				b.Fatal(err)
			}
			editors := g.ID
			if err := db.ExecRaw(ctx, `INSERT INTO group_members (group_id, user_id, site_id) SELECT $1, id, $2 FROM users WHERE id % 50 = 7`, editors, alpha.ID); err != nil {
				b.Fatal(err)
			}
			_ = db.ExecRaw(ctx, `ANALYZE`)
			s := db.Site(alpha.ID, nil)
			active := true
			for _, c := range []struct {
				name string
				f    canopy.MemberFilter
			}{
				{"first-page", canopy.MemberFilter{Limit: 50}},
				{"page-40", canopy.MemberFilter{Limit: 50, Offset: 1950}},
				{"search", canopy.MemberFilter{Q: "first1234", Limit: 50}},
				{"group", canopy.MemberFilter{GroupID: editors, Limit: 50}},
				{"active", canopy.MemberFilter{Active: &active, Limit: 50}},
			} {
				b.Run(c.name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if _, _, err := s.FilterMembers(ctx, c.f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("baseline-every-account-tested", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := s.CountMembersByScan(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
