package adminapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
)

// TestSchedulingOverHTTP: an editor with publish permission schedules a page
// through the admin API; it stays unpublished and locked until the scheduler
// publishes it, then expires.
func TestSchedulingOverHTTP(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			now := time.Now().UTC().Truncate(time.Second)
			root := f.Login("alpha.test", "root")
			goLive := now.Add(time.Hour).Format(time.RFC3339)
			status, p := root.Do("POST", fmt.Sprintf("/admin/api/pages/%d/children", f.Alpha.RootPageID),
				map[string]any{"type": canopy.StandardType, "title": "Announcement", "go_live_at": goLive, "publish": true})
			if status != 201 || p["live"] != false || p["go_live_at"] == nil || p["scheduled_revision_id"] == nil {
				t.Fatalf("create scheduled: %d %v", status, p)
			}
			pid := testserver.ID(p["id"])
			if status, body := root.Do("PATCH", "/admin/api/pages/"+pid, map[string]any{"title": "Changed"}); status != 409 {
				t.Fatalf("edit a scheduled page: %d %v", status, body)
			}
			if r := f.Get("alpha.test", "/announcement/"); r.Status != 404 {
				t.Fatalf("scheduled page served before its time: %d", r.Status)
			}
			for _, bad := range []map[string]any{{"expire_at": now.Add(-time.Hour).Format(time.RFC3339)}, {"go_live_at": "tomorrow"}} {
				if status, body := root.Do("POST", "/admin/api/pages/"+fmt.Sprint(f.Alpha.RootPageID)+"/children",
					map[string]any{"type": canopy.StandardType, "title": "Bad", "publish": true, "go_live_at": bad["go_live_at"], "expire_at": bad["expire_at"]}); status != 400 {
					t.Errorf("bad schedule %v: %d %v", bad, status, body)
				}
			}
			// Cancel and schedule again with an expiry; the scheduler's time comes.
			if status, body := root.Do("POST", "/admin/api/pages/"+pid+"/unschedule", nil); status != 200 || body["scheduled_revision_id"] != nil {
				t.Fatalf("unschedule: %d %v", status, body)
			}
			if status, body := root.Do("PATCH", "/admin/api/pages/"+pid, map[string]any{"go_live_at": goLive,
				"expire_at": now.Add(3 * time.Hour).Format(time.RFC3339)}); status != 200 {
				t.Fatalf("edit after unschedule: %d %v", status, body)
			}
			if status, body := root.Do("POST", "/admin/api/pages/"+pid+"/publish", nil); status != 200 || body["live"] != false {
				t.Fatalf("publish with a go-live time: %d %v", status, body)
			}
			if n, _, err := f.Svc.DB.RunScheduled(ctx, now.Add(2*time.Hour), f.Svc.Types); n != 1 || err != nil {
				t.Fatalf("scheduler: %d %v", n, err)
			}
			if r := f.Get("alpha.test", "/announcement/"); r.Status != 200 {
				t.Fatalf("scheduled page after its time: %d", r.Status)
			}
			if _, e, err := f.Svc.DB.RunScheduled(ctx, now.Add(4*time.Hour), f.Svc.Types); e != 1 || err != nil {
				t.Fatalf("expiry: %d %v", e, err)
			}
			if r := f.Get("alpha.test", "/announcement/"); r.Status != 404 {
				t.Fatalf("expired page still served: %d", r.Status)
			}
			_, hist := root.Do("GET", "/admin/api/history?object_type=page&object_id="+pid, nil)
			actions := map[string]int{}
			for _, it := range hist["items"].([]any) {
				actions[it.(map[string]any)["action"].(string)]++
			}
			if actions["schedule_publish"] != 2 || actions["unschedule"] != 1 || actions["publish"] != 1 || actions["unpublish"] != 1 {
				t.Fatalf("history: %v", actions)
			}
		})
	}
}
