package adminapi_test

import (
	"fmt"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestIsolationMediaAndModeration: even a superuser, asking on beta's host for
// alpha's objects by id (pages' privacy, schedule and moderation routes,
// workflows, collections, images, documents) gets 404, and nothing of alpha
// changes.
func TestIsolationMediaAndModeration(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			rootA := f.Login("alpha.test", "root")
			// Alpha's objects: a page in moderation, a workflow, a collection, an image, a document.
			groups, _ := db.Site(f.Alpha.ID, nil).Groups(ctx)
			_, wf := rootA.Do("POST", "/admin/api/workflows", map[string]any{"name": "Review", "tasks": []any{map[string]any{"name": "Check", "groups": []any{groups[0].ID}}}})
			rootA.Do("PUT", fmt.Sprintf("/admin/api/pages/%d/workflow", f.Alpha.RootPageID), map[string]any{"workflow_id": wf["id"]})
			p := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Alpha page", false, nil)
			if status, body := rootA.Do("POST", fmt.Sprintf("/admin/api/pages/%d/submit", p.ID), nil); status != 200 {
				t.Fatalf("submit: %d %v", status, body)
			}
			_, coll := rootA.Do("POST", "/admin/api/collections", map[string]any{"name": "Alpha photos"})
			_, img := rootA.Upload("/admin/api/images", "a.png", testserver.PNG(t, 10, 10), nil)
			_, doc := rootA.Upload("/admin/api/documents", "a.txt", []byte("alpha"), nil)
			before := snapshot(t, db)

			rootB := f.Login("beta.test", "root")
			pid := fmt.Sprint(p.ID)
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/admin/api/pages/" + pid + "/privacy", nil},
				{"PUT", "/admin/api/pages/" + pid + "/privacy", map[string]any{"type": "login"}},
				{"POST", "/admin/api/pages/" + pid + "/unschedule", nil},
				{"GET", "/admin/api/pages/" + pid + "/moderation", nil},
				{"PUT", "/admin/api/pages/" + pid + "/workflow", map[string]any{"workflow_id": nil}},
				{"POST", "/admin/api/pages/" + pid + "/submit", nil},
				{"POST", "/admin/api/pages/" + pid + "/approve", nil},
				{"POST", "/admin/api/pages/" + pid + "/reject", nil},
				{"POST", "/admin/api/pages/" + pid + "/cancel-moderation", nil},
				{"POST", "/admin/api/pages/" + pid + "/restart-moderation", nil},
				{"GET", "/admin/api/workflows/" + testserver.ID(wf["id"]), nil},
				{"PATCH", "/admin/api/workflows/" + testserver.ID(wf["id"]), map[string]any{"active": false}},
				{"GET", "/admin/api/collections/" + testserver.ID(coll["id"]), nil},
				{"PATCH", "/admin/api/collections/" + testserver.ID(coll["id"]), map[string]any{"name": "Mine"}},
				{"DELETE", "/admin/api/collections/" + testserver.ID(coll["id"]), nil},
				{"PUT", "/admin/api/collections/" + testserver.ID(coll["id"]) + "/privacy", map[string]any{"type": "login"}},
				{"GET", "/admin/api/images/" + testserver.ID(img["id"]), nil},
				{"PATCH", "/admin/api/images/" + testserver.ID(img["id"]), map[string]any{"title": "Mine"}},
				{"DELETE", "/admin/api/images/" + testserver.ID(img["id"]), nil},
				{"GET", "/admin/api/images/" + testserver.ID(img["id"]) + "/rendition?spec=width-5", nil},
				{"GET", "/admin/api/documents/" + testserver.ID(doc["id"]), nil},
				{"PATCH", "/admin/api/documents/" + testserver.ID(doc["id"]), map[string]any{"title": "Mine"}},
				{"DELETE", "/admin/api/documents/" + testserver.ID(doc["id"]), nil},
			} {
				if status, body := rootB.Do(c.method, c.path, c.body); status != 404 {
					t.Errorf("%s %s on beta's host: %d %v", c.method, c.path, status, body)
				}
			}
			for _, path := range []string{"/api/v2/images/" + testserver.ID(img["id"]) + "/", "/api/v2/documents/" + testserver.ID(doc["id"]) + "/", "/api/v2/pages/" + pid + "/"} {
				if r := f.Get("beta.test", path); r.Status != 404 {
					t.Errorf("content API %s on beta's host: %d", path, r.Status)
				}
			}
			if status, body := rootB.Upload("/admin/api/images", "b.png", testserver.PNG(t, 10, 10), map[string]string{"collection_id": testserver.ID(coll["id"])}); status != 404 {
				t.Errorf("upload into alpha's collection from beta: %d %v", status, body)
			}
			if after := snapshot(t, db); after != before {
				t.Fatalf("alpha changed: %s -> %s", before, after)
			}
		})
	}
}

// snapshot summarises alpha-relevant rows so that any change shows.
func snapshot(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	out := ""
	for _, q := range []string{
		`SELECT count(*) FROM page_restrictions`, `SELECT count(*) FROM workflow_states WHERE status = 'in_progress'`,
		`SELECT count(*) FROM workflow_pages`, `SELECT count(*) FROM workflows WHERE active`, `SELECT count(*) FROM collections WHERE name = 'Alpha photos'`,
		`SELECT count(*) FROM images WHERE title = 'a'`, `SELECT count(*) FROM documents WHERE title = 'a'`, `SELECT count(*) FROM collection_restrictions`,
		`SELECT count(*) FROM task_states WHERE status = 'in_progress'`, `SELECT count(*) FROM pages WHERE scheduled_revision_id IS NOT NULL`,
	} {
		n, err := db.Count(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf("%d ", n)
	}
	return out
}
