package adminapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/media"
	"github.com/canopy-cms/canopy/service"
)

// TestSharedLibrary: installation-wide collections, managed by superusers
// only, hold media that every site may show and choose but not change.
func TestSharedLibrary(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			testserver.Must(t, db.Site(f.Alpha.ID, nil).SetGroupGrants(ctx, f.AlphaEditors.ID, []canopy.PageGrantRow{{PageID: f.Alpha.RootPageID, Actions: []string{"add", "change"}}},
				[]string{"access_admin"}, canopy.CollectionGrantRow{CollectionID: f.Alpha.RootCollectionID, Permissions: []string{"add_image", "choose_image"}}))
			root := f.Login("alpha.test", "root")
			ed := f.Login("alpha.test", "ed")
			bea := f.Login("beta.test", "bea")

			status, lib := root.Do("GET", "/admin/api/collections?scope=installation", nil)
			if status != 200 || lib["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("shared library: %d %v", status, lib)
			}
			libRoot := lib["items"].([]any)[0].(map[string]any)
			if libRoot["installation_wide"] != true {
				t.Fatalf("shared root: %v", libRoot)
			}
			if status, _ := ed.Do("GET", "/admin/api/collections?scope=installation", nil); status != 403 {
				t.Fatalf("an editor lists the shared library: %d", status)
			}
			status, brand := root.Do("POST", "/admin/api/collections", map[string]any{"name": "Brand", "parent_id": libRoot["id"]})
			if status != 201 || brand["installation_wide"] != true {
				t.Fatalf("shared collection: %d %v", status, brand)
			}
			if status, _ := ed.Do("POST", "/admin/api/collections", map[string]any{"name": "Mine", "parent_id": libRoot["id"]}); status != 404 {
				t.Fatalf("an editor adds to the shared library: %d", status)
			}
			if status, _ := ed.Upload("/admin/api/images", "x.jpg", testserver.JPEG(t, 20, 20), map[string]string{"collection_id": testserver.ID(brand["id"])}); status != 404 {
				t.Fatalf("an editor uploads to the shared library: %d", status)
			}
			if status, _ := root.Do("PUT", "/admin/api/collections/"+testserver.ID(brand["id"])+"/privacy", map[string]any{"type": "login"}); status != 400 {
				t.Fatalf("privacy on a shared collection: %d", status)
			}
			status, logo := root.Upload("/admin/api/images", "university-logo.png", testserver.PNG(t, 60, 30), map[string]string{"collection_id": testserver.ID(brand["id"])})
			if status != 201 {
				t.Fatalf("upload to the shared library: %d %v", status, logo)
			}
			logoID := int64(logo["id"].(float64))
			if keys, _ := f.Svc.Media.Keys(ctx, media.SitePrefix(0)); len(keys) != 1 {
				t.Fatalf("shared files: %v", keys)
			}

			// Choosers offer it to those who may choose images on their site.
			_, ch := ed.Do("GET", "/admin/api/images/choose", nil)
			if ch["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("ed's chooser: %v", ch)
			}
			if _, ch := bea.Do("GET", "/admin/api/images/choose", nil); ch["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("a user who may choose nothing: %v", ch)
			}
			if status, body := ed.Do("GET", fmt.Sprintf("/admin/api/images/%d", logoID), nil); status != 200 || fmt.Sprint(body["permissions"]) != "[choose]" {
				t.Fatalf("ed views the shared image: %d %v", status, body)
			}
			if status, _ := ed.Do("PATCH", fmt.Sprintf("/admin/api/images/%d", logoID), map[string]any{"title": "Mine"}); status == 200 {
				t.Fatal("an editor changed a shared image")
			}
			if status, _ := ed.Do("DELETE", fmt.Sprintf("/admin/api/images/%d", logoID), nil); status == 204 {
				t.Fatal("an editor deleted a shared image")
			}
			if _, list := root.Do("GET", "/admin/api/images?scope=installation", nil); list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("superuser's shared listing: %v", list)
			}
			if _, list := root.Do("GET", "/admin/api/images", nil); list["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("the site's own listing shows shared images: %v", list)
			}

			// Both sites may show it; it is served on each site's host.
			for _, site := range []*canopy.Site{f.Alpha, f.Beta} {
				p, err := f.Svc.Pages(site.ID).Create(ctx, site.RootPageID, service.PageInput{Type: canopy.StandardType, Title: "Brand",
					Fields: map[string]any{"image": logoID}}, 0, true)
				if err != nil {
					t.Fatalf("page on %s with the shared image: %v", site.Hostname, err)
				}
				html := f.Get(site.Hostname, p.URLPath).Body
				i := strings.Index(html, `<figure><img src="`)
				if i < 0 {
					t.Fatalf("%s: no image in\n%s", site.Hostname, html)
				}
				src := html[i+len(`<figure><img src="`):]
				src = src[:strings.Index(src, `"`)]
				c := &testserver.Client{T: t, F: f.Fixture, Host: site.Hostname}
				if status, h, _ := c.Fetch(src); status != 200 || h.Get("Content-Type") != "image/png" {
					t.Fatalf("%s serves the shared image: %d", site.Hostname, status)
				}
			}
			// Deleting a site leaves the shared library alone; deleting the
			// shared image takes it off every site at once.
			if _, err := f.Svc.DeleteSite(ctx, f.Beta.ID, 0); err != nil {
				t.Fatal(err)
			}
			if keys, _ := f.Svc.Media.Keys(ctx, media.SitePrefix(0)); len(keys) < 1 {
				t.Fatal("deleting a site removed shared files")
			}
			if status, _ := root.Do("DELETE", fmt.Sprintf("/admin/api/images/%d", logoID), nil); status != 204 {
				t.Fatal("superuser deletes a shared image")
			}
			if html := f.Get("alpha.test", "/brand/").Body; strings.Contains(html, "<figure>") {
				t.Fatal("a deleted shared image still shows")
			}
			if keys, _ := f.Svc.Media.Keys(ctx, media.SitePrefix(0)); len(keys) != 0 {
				t.Fatalf("shared files after deleting the image: %v", keys)
			}
		})
	}
}
