package delivery_test

import (
	"fmt"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
)

// TestServedRightAfterChange: a page published by one request is served to
// the very next one, although the previous answer (404) was cached and the
// site table is reloaded concurrently by the change poller. (A reload that had
// started before a change once let a request use the old table: about 1 in
// 150 rounds on PostgreSQL.)
func TestServedRightAfterChange(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			root := f.Login("alpha.test", "root")
			for i := 0; i < 100; i++ {
				_, p := root.Do("POST", fmt.Sprintf("/admin/api/pages/%d/children", f.Alpha.RootPageID), map[string]any{"type": canopy.StandardType, "title": fmt.Sprintf("P%d", i)})
				path := fmt.Sprintf("/p%d/", i)
				if r := f.Get("alpha.test", path); r.Status != 404 {
					t.Fatalf("draft served: %d", r.Status)
				}
				if status, _ := root.Do("POST", "/admin/api/pages/"+testserver.ID(p["id"])+"/publish", nil); status != 200 {
					t.Fatal("publish")
				}
				if r := f.Get("alpha.test", path); r.Status != 200 {
					t.Fatalf("round %d: the page published by the previous request got %d", i, r.Status)
				}
			}
		})
	}
}
