package adminapi_test

import (
	"fmt"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
)

// maxWrite bounds the statements of a draft save or a publish: 11 for the
// page itself (one more than a read: the row of the site change log that
// other nodes read, decision 0015) and 5 for its search documents, written
// in the same transaction (SQLite: the FTS rows and the documents deleted and
// written, and the page read; PostgreSQL needs 3 of them; decision 0019), and
// 2 for its rows of the reference index (deleted, and written when it refers
// to anything; decision 0025).
const maxWrite = 18

// TestAdminPageStatementCounts: a page GET through the admin API runs at most
// 10 SQL statements, the session lookup and the loading of the caller's grants
// included; a draft save and a publish at most maxWrite.
func TestAdminPageStatementCounts(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			p := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Counted", true, nil)
			ed := f.Login("alpha.test", "ed")
			path := fmt.Sprintf("/admin/api/pages/%d", p.ID)
			ed.Do("GET", path, nil) // warm: prepared statements, site table
			// count runs a request five times and keeps the fewest
			// statements: the fixture's change poller (every 100 ms) may
			// add its one read to a measurement.
			count := func(c *testserver.Client, method, path string, body any, want int) int64 {
				t.Helper()
				best := int64(1 << 62)
				for range 5 {
					before := db.Statements()
					status, res := c.Do(method, path, body)
					best = min(best, db.Statements()-before)
					if status != want {
						t.Fatalf("%s %s: %d %v", method, path, status, res)
					}
				}
				return best
			}
			for _, c := range []struct {
				name, method, path string
				body               any
				want               int
			}{
				{"page GET", "GET", path, nil, 200},
				{"draft save", "PATCH", path, map[string]any{"title": "Counted again"}, 200},
				{"publish", "POST", path + "/publish", nil, 403}, // ed may not publish: still every check
			} {
				n := count(ed, c.method, c.path, c.body, c.want)
				t.Logf("%s: %d statements", c.name, n)
				if limit := map[bool]int64{false: 10, true: maxWrite}[c.method != "GET"]; n > limit {
					t.Errorf("%s ran %d statements, want at most %d", c.name, n, limit)
				}
			}
			root := f.Login("alpha.test", "root")
			n := count(root, "POST", path+"/publish", nil, 200)
			t.Logf("publish (superuser): %d statements", n)
			if n > maxWrite {
				t.Errorf("publish ran %d statements, want at most %d", n, maxWrite)
			}
		})
	}
}

// TestChildrenPagedInSQL: the children listing pages in SQL and counts only
// what the caller may explore.
func TestChildrenPagedInSQL(t *testing.T) {
	f := testserver.NewAdmin(t, testdb.Dialects[0])
	for i := 0; i < 5; i++ {
		f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, fmt.Sprintf("Child %d", i), true, nil)
	}
	ed := f.Login("alpha.test", "ed")
	status, body := ed.Do("GET", fmt.Sprintf("/admin/api/pages/%d/children?limit=2&offset=3", f.Alpha.RootPageID), nil)
	if status != 200 || body["meta"].(map[string]any)["total_count"].(float64) != 5 || len(body["items"].([]any)) != 2 ||
		body["items"].([]any)[0].(map[string]any)["title"] != "Child 3" {
		t.Fatalf("paged children: %d %v", status, body)
	}
}
