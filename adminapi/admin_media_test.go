package adminapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/media"
)

func TestAdminMedia(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			root := f.Login("alpha.test", "root")
			bea := f.Login("beta.test", "bea")
			anon := &testserver.Client{T: t, F: f.Fixture, Host: "alpha.test"}

			// Collections: a tree under the site's root collection.
			status, photos := root.Do("POST", "/admin/api/collections", map[string]any{"name": "Photos"})
			if status != 201 || photos["parent_id"].(float64) != float64(f.Alpha.RootCollectionID) {
				t.Fatalf("create collection: %d %v", status, photos)
			}
			pid := testserver.ID(photos["id"])
			_, events := root.Do("POST", "/admin/api/collections", map[string]any{"name": "Events", "parent_id": photos["id"]})
			if status, body := root.Do("POST", "/admin/api/collections", map[string]any{"name": "photos"}); status != 409 {
				t.Fatalf("duplicate sibling name: %d %v", status, body)
			}
			// ed gets add_image on Photos only; choose on the root.
			testserver.Must(t, db.Site(f.Alpha.ID, nil).SetGroupGrants(ctx, f.AlphaEditors.ID, []canopy.PageGrantRow{{PageID: f.Alpha.RootPageID, Actions: []string{"add", "change"}}},
				[]string{"access_admin"},
				canopy.CollectionGrantRow{CollectionID: int64(photos["id"].(float64)), Permissions: []string{"add_image", "add_document"}},
				canopy.CollectionGrantRow{CollectionID: f.Alpha.RootCollectionID, Permissions: []string{"choose_image"}}))
			ed := f.Login("alpha.test", "ed")

			// Upload: the type comes from the content.
			src := testserver.JPEG(t, 640, 480)
			status, img := ed.Upload("/admin/api/images", "Sunset at the Lake.jpg", src, map[string]string{"collection_id": pid, "tags": "Lake, sunset"})
			if status != 201 || img["width"].(float64) != 640 || img["title"] != "Sunset at the Lake" || fmt.Sprint(img["tags"]) != "[lake sunset]" {
				t.Fatalf("upload: %d %v", status, img)
			}
			imgID := testserver.ID(img["id"])
			for _, bad := range []struct {
				name   string
				data   []byte
				fields map[string]string
				status int
				msg    string
			}{
				{"notes.jpg", []byte("just text, not an image"), map[string]string{"collection_id": pid}, 400, "not a JPEG, PNG, GIF or WebP"},
				{"photo.png", src, map[string]string{"collection_id": pid}, 400, "content is a JPEG"},
				{"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), map[string]string{"collection_id": pid}, 400, "SVG"},
				{"half.jpg", src[:len(src)/2], map[string]string{"collection_id": pid}, 400, "truncated"},
				{"../../etc/passwd.jpg", src, map[string]string{"collection_id": pid}, 400, "path separator"},
				{"bad\x01name.jpg", src, map[string]string{"collection_id": pid}, 400, "control characters"},
				{"root.jpg", src, map[string]string{"collection_id": fmt.Sprint(f.Alpha.RootCollectionID)}, 403, "may not add"},
				{"beta.jpg", src, map[string]string{"collection_id": fmt.Sprint(f.Beta.RootCollectionID)}, 404, "not found"},
				{"focal.jpg", src, map[string]string{"collection_id": pid, "focal_point_x": "600", "focal_point_y": "0", "focal_point_width": "100", "focal_point_height": "10"}, 400, "focal point"},
			} {
				status, body := ed.Upload("/admin/api/images", bad.name, bad.data, bad.fields)
				if status != bad.status || !strings.Contains(fmt.Sprint(body), bad.msg) {
					t.Errorf("upload %q: %d %v, want %d with %q", bad.name, status, body, bad.status, bad.msg)
				}
			}
			f.Svc.Limits.MaxImageBytes = 1000
			if status, body := ed.Upload("/admin/api/images", "big.jpg", src, map[string]string{"collection_id": pid}); status != 413 || testserver.ErrCode(body) != "too_large" {
				t.Errorf("oversized: %d %v", status, body)
			}
			f.Svc.Limits.MaxImageBytes = 10 << 20
			f.Svc.Limits.MaxImagePixels = 1000
			if status, body := ed.Upload("/admin/api/images", "many.png", testserver.PNG(t, 100, 100), map[string]string{"collection_id": pid}); status != 413 {
				t.Errorf("too many pixels: %d %v", status, body)
			}
			f.Svc.Limits.MaxImagePixels = 50_000_000
			// Nothing of the refused uploads was left in storage or the database.
			keys, _ := f.Svc.Media.Keys(ctx, media.SitePrefix(f.Alpha.ID))
			if n, _ := db.Count(ctx, `SELECT count(*) FROM images`); n != 1 || len(keys) != 1 {
				t.Fatalf("refused uploads left %d rows and files %v", n, keys)
			}

			// Listings show what the user may change; choosers what they may choose.
			_, other := root.Upload("/admin/api/images", "other.png", testserver.PNG(t, 40, 30), map[string]string{"collection_id": pid})
			if _, list := ed.Do("GET", "/admin/api/images", nil); list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("ed's listing (own images with add permission): %v", list)
			}
			if _, list := ed.Do("GET", "/admin/api/images/choose", nil); list["meta"].(map[string]any)["total_count"].(float64) != 2 {
				t.Fatalf("ed's chooser (choose on the root collection): %v", list)
			}
			if _, list := root.Do("GET", "/admin/api/images?tag=lake", nil); list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("tag filter: %v", list)
			}
			if status, _ := ed.Do("PATCH", "/admin/api/images/"+testserver.ID(other["id"]), map[string]any{"title": "Mine now"}); status != 403 {
				t.Fatalf("ed edits root's image: %d", status)
			}
			status, body := ed.Do("PATCH", "/admin/api/images/"+imgID, map[string]any{"title": "Lake", "focal_point": map[string]int{"x": 500, "y": 100, "width": 100, "height": 100}})
			if status != 200 || body["title"] != "Lake" || body["focal_point"] == nil {
				t.Fatalf("owner edits with add permission: %d %v", status, body)
			}

			// Renditions: signed URLs, made once, long-lived cache headers.
			status, ref := ed.Do("GET", "/admin/api/images/"+imgID+"/rendition?spec=fill-200x100-c50", nil)
			if status != 200 || ref["width"].(float64) != 200 || ref["height"].(float64) != 100 {
				t.Fatalf("rendition ref: %d %v", status, ref)
			}
			for _, bad := range []string{"blur-3", "width-99999", ""} {
				if status, body := ed.Do("GET", "/admin/api/images/"+imgID+"/rendition?spec="+bad, nil); status != 400 {
					t.Errorf("spec %q: %d %v", bad, status, body)
				}
			}
			made := f.Svc.RenditionsMade()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var bodies [][]byte
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, h, b := anon.Fetch(ref["url"].(string))
					if status != 200 || h.Get("Content-Type") != "image/jpeg" || !strings.Contains(h.Get("Cache-Control"), "immutable") {
						t.Errorf("rendition: %d %v", status, h)
					}
					mu.Lock()
					bodies = append(bodies, b)
					mu.Unlock()
				}()
			}
			wg.Wait()
			if got := f.Svc.RenditionsMade() - made; got != 1 {
				t.Fatalf("8 concurrent first requests generated %d renditions, want 1", got)
			}
			if info, err := media.InspectImage(bodies[0], 0); err != nil || info.Width != 200 || info.Height != 100 {
				t.Fatalf("rendition content: %+v %v", info, err)
			}
			if status, _, _ := anon.Fetch(strings.Replace(ref["url"].(string), "fill-200x100-c50", "fill-201x100-c50", 1)); status != 403 {
				t.Fatalf("a spec the signature does not cover: %d", status)
			}
			if status, _, _ := (&testserver.Client{T: t, F: f.Fixture, Host: "beta.test"}).Fetch(ref["url"].(string)); status == 200 {
				t.Fatal("alpha's rendition URL served on beta's host")
			}
			if status, _, b := anon.Fetch(img["download_url"].(string)); status != 200 || !bytes.Equal(b, src) {
				t.Fatalf("original download: %d", status)
			}

			// Isolation: beta's admin asking for alpha's objects by id gets 404 and changes nothing.
			for _, c := range []struct{ method, path string }{
				{"GET", "/admin/api/images/" + imgID}, {"PATCH", "/admin/api/images/" + imgID}, {"DELETE", "/admin/api/images/" + imgID},
				{"GET", "/admin/api/images/" + imgID + "/rendition?spec=width-10"},
				{"GET", "/admin/api/collections/" + pid}, {"PATCH", "/admin/api/collections/" + pid}, {"DELETE", "/admin/api/collections/" + pid},
				{"PUT", "/admin/api/collections/" + pid + "/privacy"},
			} {
				var body any
				switch {
				case strings.HasSuffix(c.path, "/privacy"):
					body = map[string]any{"type": "login"}
				case c.method == "PATCH" && strings.Contains(c.path, "images"):
					body = map[string]any{"title": "x"}
				case c.method == "PATCH":
					body = map[string]any{"name": "x"}
				}
				if status, resp := bea.Do(c.method, c.path, body); status != 404 {
					t.Errorf("beta's admin: %s %s = %d %v", c.method, c.path, status, resp)
				}
			}
			if _, list := bea.Do("GET", "/admin/api/images", nil); list["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("beta sees alpha's images: %v", list)
			}
			if st, _ := bea.Upload("/admin/api/images", "x.jpg", src, map[string]string{"collection_id": pid}); st != 404 {
				t.Fatalf("upload into another site's collection: %d", st)
			}

			// Documents, with a private collection.
			_, docs := root.Do("POST", "/admin/api/collections", map[string]any{"name": "Minutes"})
			did := testserver.ID(docs["id"])
			pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
			status, doc := root.Upload("/admin/api/documents", "Board minutes, May.pdf", pdf, map[string]string{"collection_id": did})
			if status != 201 || doc["content_type"] != "application/pdf" {
				t.Fatalf("document upload: %d %v", status, doc)
			}
			if status, body := root.Upload("/admin/api/documents", "fake.pdf", []byte("<html><script>x</script></html>"), map[string]string{"collection_id": did}); status != 400 {
				t.Fatalf("a .pdf that is not a PDF: %d %v", status, body)
			}
			status, h, b := anon.Fetch(doc["download_url"].(string))
			if status != 200 || !bytes.Equal(b, pdf) || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || h.Get("Content-Type") != "application/pdf" {
				t.Fatalf("public download: %d %v", status, h)
			}
			_, groups := root.Do("GET", "/admin/api/groups", nil)
			var admins float64
			for _, g := range groups["items"].([]any) {
				if g.(map[string]any)["name"] == "Admins" {
					admins = g.(map[string]any)["id"].(float64)
				}
			}
			if status, body := root.Do("PUT", "/admin/api/collections/"+did+"/privacy", map[string]any{"type": "groups", "groups": []any{admins}}); status != 200 {
				t.Fatalf("privacy: %d %v", status, body)
			}
			for _, bad := range []map[string]any{{"type": "groups"}, {"type": "groups", "groups": []any{999999}}, {"type": "secret"}} {
				if status, body := root.Do("PUT", "/admin/api/collections/"+did+"/privacy", bad); status != 400 {
					t.Errorf("privacy %v: %d %v", bad, status, body)
				}
			}
			if status, h, _ := anon.Fetch(doc["download_url"].(string)); status != 403 || h.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("anonymous download of a private document: %d %v", status, h)
			}
			if status, _, _ := ed.Fetch(doc["download_url"].(string)); status != 403 {
				t.Fatalf("a member outside the allowed group: %d", status)
			}
			if status, h, _ := root.Fetch(doc["download_url"].(string)); status != 200 || h.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("superuser download: %d %v", status, h)
			}
			if status, _, _ := (&testserver.Client{T: t, F: f.Fixture, Host: "beta.test"}).Fetch(doc["download_url"].(string)); status != 404 {
				t.Fatal("alpha's document served on beta's host")
			}

			// Choosers list only the collections the user may choose from.
			if _, cl := ed.Do("GET", "/admin/api/collections?permission=add_image", nil); cl["meta"].(map[string]any)["total_count"].(float64) != 2 {
				t.Fatalf("ed's collections with add_image (Photos and its child): %v", cl)
			}
			if status, _ := ed.Do("GET", "/admin/api/collections?permission=fly", nil); status != 400 {
				t.Fatal("unknown permission filter accepted")
			}

			// Collection management granted on Photos: rename it and manage below
			// it, but neither move nor delete Photos itself.
			mg, _ := db.Site(f.Alpha.ID, nil).CreateGroup(ctx, "Librarians")
			testserver.Must(t, db.Site(f.Alpha.ID, nil).SetGroupGrants(ctx, mg.ID, nil, []string{"access_admin"},
				canopy.CollectionGrantRow{CollectionID: int64(photos["id"].(float64)), Permissions: []string{"add_collection", "change_collection", "delete_collection"}}))
			testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, mg.ID, f.Bea.ID))
			lib := f.Login("alpha.test", "bea")
			if status, body := lib.Do("PATCH", "/admin/api/collections/"+pid, map[string]any{"name": "Pictures"}); status != 200 {
				t.Fatalf("rename the granted collection: %d %v", status, body)
			}
			if status, _ := lib.Do("PATCH", "/admin/api/collections/"+pid, map[string]any{"parent_id": docs["id"]}); status != 403 {
				t.Fatalf("move the granted collection: %d", status)
			}
			if status, _ := lib.Do("DELETE", "/admin/api/collections/"+pid, nil); status != 403 {
				t.Fatalf("delete the granted collection: %d", status)
			}
			if status, _ := lib.Do("POST", "/admin/api/collections", map[string]any{"name": "Elsewhere"}); status != 403 {
				t.Fatalf("create outside the grant: %d", status)
			}
			status, tmp := lib.Do("POST", "/admin/api/collections", map[string]any{"name": "Temp", "parent_id": photos["id"]})
			if status != 201 {
				t.Fatalf("create below the grant: %d %v", status, tmp)
			}
			if status, _ := lib.Do("DELETE", "/admin/api/collections/"+testserver.ID(tmp["id"]), nil); status != 204 {
				t.Fatalf("delete below the grant: %d", status)
			}

			// Collections: only empty ones are deleted; the grant's own collection is not moved by its holder.
			if status, body := root.Do("DELETE", "/admin/api/collections/"+pid, nil); status != 409 {
				t.Fatalf("delete non-empty: %d %v", status, body)
			}
			if status, body := root.Do("PATCH", "/admin/api/collections/"+pid, map[string]any{"parent_id": events["id"]}); status != 400 {
				t.Fatalf("move into own child: %d %v", status, body)
			}
			if status, body := root.Do("PATCH", "/admin/api/collections/"+testserver.ID(events["id"]), map[string]any{"parent_id": f.Alpha.RootCollectionID, "name": "Event photos"}); status != 200 || body["depth"].(float64) != 2 {
				t.Fatalf("move and rename: %d %v", status, body)
			}
			if status, _ := root.Do("DELETE", "/admin/api/collections/"+testserver.ID(events["id"]), nil); status != 204 {
				t.Fatal("delete an empty collection")
			}
			if status, _ := root.Do("DELETE", "/admin/api/collections/"+fmt.Sprint(f.Alpha.RootCollectionID), nil); status != 400 {
				t.Fatal("the root collection was deletable")
			}

			// Deleting an image removes its file and its renditions' files.
			before, _ := f.Svc.Media.Keys(ctx, media.SitePrefix(f.Alpha.ID))
			if status, _ := ed.Do("DELETE", "/admin/api/images/"+imgID, nil); status != 204 {
				t.Fatal("owner deletes own image")
			}
			after, _ := f.Svc.Media.Keys(ctx, media.SitePrefix(f.Alpha.ID))
			if len(before)-len(after) != 2 {
				t.Fatalf("files before %v, after %v: want the original and its rendition gone", before, after)
			}
			if status, _, _ := anon.Fetch(ref["url"].(string)); status != 404 {
				t.Fatalf("deleted image's rendition: %d", status)
			}

			// Deleting the site removes its media files; beta's stay.
			if st, body := f.Login("beta.test", "root").Upload("/admin/api/images", "b.png", testserver.PNG(t, 10, 10), nil); st != 201 {
				t.Fatalf("beta upload: %d %v", st, body)
			}
			if _, err := f.Svc.DeleteSite(ctx, f.Alpha.ID, f.Beta.ID); err != nil {
				t.Fatal(err)
			}
			if left, _ := f.Svc.Media.Keys(ctx, media.SitePrefix(f.Alpha.ID)); len(left) != 0 {
				t.Fatalf("the deleted site's files remain: %v", left)
			}
			if left, _ := f.Svc.Media.Keys(ctx, media.SitePrefix(f.Beta.ID)); len(left) != 1 {
				t.Fatalf("beta's files: %v", left)
			}
			_ = canopy.EINVALID
		})
	}
}
