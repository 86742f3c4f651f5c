package adminui_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// manyChildren adds n live standard pages under parent.
func manyChildren(t testing.TB, svc *service.Service, site *canopy.Site, parent int64, n int) {
	t.Helper()
	var pages []*sqlstore.ImportPage
	for i := 0; i < n; i++ {
		pages = append(pages, &sqlstore.ImportPage{Type: canopy.StandardType, Live: true, Content: canopy.PageContent{Title: fmt.Sprintf("Child %04d", i),
			Fields: map[string]any{"intro": "A child page."}}})
	}
	if _, err := svc.DB.Site(site.ID, svc.Types).Import(ctx, parent, pages, 0); err != nil {
		t.Fatal(err)
	}
}

// TestScreenStatementCounts: the explorer of a page with 1,000 children, the
// editor of a page with every field type, the dashboard, the library's
// screens, a group of 200 grants with its permission matrix, the workflows
// and the reports (a site history of 5,000 entries) each run at most 10 SQL statements, the session and the grants
// included.
func TestScreenStatementCounts(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := newDemo(t, dialect)
			events := d.page(d.alpha, "/events/")
			manyChildren(t, d.svc, d.alpha, events.ID, 1000)
			// An event page with every field set, and a page in moderation for the dashboard.
			ed := d.login("alpha.localhost", "alpha-admin")
			ev := d.page(d.alpha, "/events/open-lab-night/")
			ims, _, _ := d.svc.DB.Site(d.alpha.ID, d.svc.Types).Images(ctx, canopy.MediaFilter{All: true, Limit: 10})
			ed.get(fmt.Sprintf("/admin/pages/%d/edit/", ev.ID))
			form := url.Values{"title": {"Open lab night"}, "f.start": {"2027-01-01T18:00"}, "f.end": {"2027-01-01T20:00"},
				"f.location": {fmt.Sprint(ev.Fields["location"])}, "f.image": {fmt.Sprint(ims[0].ID)}, "f.description": {"<p>Hello</p>"},
				"f.capacity": {"30"}, "f.booking_required": {"on"}, "f.related": {fmt.Sprint(d.page(d.alpha, "/about/").ID)},
				"base_revision": {fmt.Sprint(ev.LatestRevisionID)}, "action": {"save"}}
			if status, _, body := ed.post(fmt.Sprintf("/admin/pages/%d/edit/", ev.ID), form); status != 303 {
				t.Fatalf("save: %d %.300s", status, body)
			}
			editor := d.login("alpha.localhost", "alpha-editor")
			news := d.page(d.alpha, "/news/new-telescope-installed/")
			editor.get(fmt.Sprintf("/admin/pages/%d/edit/", news.ID))
			if status, _, body := editor.post(fmt.Sprintf("/admin/pages/%d/edit/", news.ID), url.Values{"title": {"Telescope"}, "f.intro": {"x"},
				"base_revision": {fmt.Sprint(news.LatestRevisionID)}, "action": {"submit"}}); status != 303 {
				t.Fatalf("submit: %d %.300s", status, body)
			}
			mod := d.login("alpha.localhost", "alpha-moderator")
			// A group with 200 page grants and a collection grant.
			site := d.svc.DB.Site(d.alpha.ID, d.svc.Types)
			big, err := site.CreateGroup(ctx, "Two hundred")
			if err != nil {
				t.Fatal(err)
			}
			children, err := site.Children(ctx, events.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			var grants []canopy.PageGrantRow
			for _, c := range children[:200] {
				grants = append(grants, canopy.PageGrantRow{PageID: c.ID, Actions: []string{"add", "change", "publish"}})
			}
			if err := site.SetGroupGrants(ctx, big.ID, grants, []string{"access_admin", "view_history"},
				canopy.CollectionGrantRow{CollectionID: d.alpha.RootCollectionID, Permissions: []string{"add_image"}}); err != nil {
				t.Fatal(err)
			}
			// Thirty more workflows for the workflows list.
			for i := 0; i < 30; i++ {
				if _, err := site.SaveWorkflow(ctx, 0, canopy.WorkflowInput{Name: fmt.Sprintf("Flow %02d", i),
					Tasks: []canopy.WorkflowTask{{Name: "Check", Active: true, GroupIDs: []int64{big.ID}}}}); err != nil {
					t.Fatal(err)
				}
			}
			// A site history of 5,000 entries.
			edUser, _ := d.svc.DB.UserByUsername(ctx, "alpha-editor")
			if err := testdb.SeedHistory(ctx, d.svc.DB, d.alpha.ID, edUser.ID, 5000, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Hour); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				cl   *client
				path string
			}{
				{"explorer of 1,000 children", ed, fmt.Sprintf("/admin/pages/%d/", events.ID)},
				{"explorer (editor)", editor, fmt.Sprintf("/admin/pages/%d/", events.ID)},
				{"editor, every field type", ed, fmt.Sprintf("/admin/pages/%d/edit/", ev.ID)},
				{"editor in moderation (reviewer)", mod, fmt.Sprintf("/admin/pages/%d/edit/", news.ID)},
				{"dashboard (reviewer)", mod, "/admin/"},
				{"dashboard (editor)", editor, "/admin/"},
				{"images, grid", ed, "/admin/images/"},
				{"images, list by title", ed, "/admin/images/?view=list&ordering=title"},
				{"images, searched", ed, "/admin/images/?q=banner&tag=demo"},
				{"images (editor)", editor, "/admin/images/"},
				{"documents", ed, "/admin/documents/"},
				{"image edit", ed, fmt.Sprintf("/admin/images/%d/", ims[0].ID)},
				{"snippets", ed, "/admin/snippets/location/?ordering=-building_name"},
				{"collections", ed, "/admin/collections/"},
				{"settings", ed, "/admin/settings/general/"},
				{"group of 200 grants", ed, fmt.Sprintf("/admin/groups/%d/", big.ID)},
				{"permission matrix of 200 grants", ed, fmt.Sprintf("/admin/groups/%d/permissions/", big.ID)},
				{"site history", ed, "/admin/reports/history/"},
				{"site history, every filter", ed, "/admin/reports/history/?user=alpha-editor&action=edit&type=image&from=2025-02-01&to=2025-03-01"},
				{"site history, older", ed, "/admin/reports/history/?before=3000"},
				{"workflows (31)", ed, "/admin/workflows/"},
				{"workflow", ed, "/admin/workflows/1/"},
				{"pages in moderation", ed, "/admin/reports/moderation/"},
				{"locked pages", ed, "/admin/reports/locked/"},
				{"aging pages", ed, "/admin/reports/aging/?days=1"},
				{"broken links", ed, "/admin/reports/broken-links/"},
			} {
				c.cl.get(c.path) // warm
				before := d.svc.DB.Statements()
				status, body := c.cl.get(c.path)
				n := d.svc.DB.Statements() - before
				if status != 200 {
					t.Fatalf("%s: %d %.300s", c.name, status, body)
				}
				t.Logf("%s: %d statements", c.name, n)
				if n > 10 {
					t.Errorf("%s ran %d statements, want at most 10", c.name, n)
				}
			}
		})
	}
}
