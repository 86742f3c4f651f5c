package adminapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
)

// policyType has a field only the legal team may see and change.
var policyType = canopy.PageType{Name: "test.PolicyPage", Label: "Policy page", Template: "standard_page.html",
	ParentTypes: []string{canopy.HomeType}, Fields: []canopy.Field{
		{Name: "body", Label: "Body", Type: canopy.FieldRichText},
		{Name: "legal_note", Label: "Legal note", Type: canopy.FieldText, Permission: "change_legal_note"},
	}}

// TestFieldPermissions replays Wagtail's panel permission: an editor
// without the field's permission does not see it in any edit data and
// cannot change it through the JSON API, the editor form, a revert or
// publishing an older revision; a member of a group holding it can.
func TestFieldPermissions(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := &testserver.AdminFixture{Fixture: testserver.NewWith(t, d, true, nil, policyType)}
			db := f.Svc.DB
			mk := func(name string) *canopy.User {
				u, err := f.Svc.CreateUser(ctx, service.NewUser{Username: name, Password: "password-" + name, IsSuperuser: name == "root"})
				testserver.Must(t, err)
				return u
			}
			root, ed, lena := mk("root"), mk("ed"), mk("lena")
			_ = root
			s := db.Site(f.Alpha.ID, nil)
			writers, _ := s.CreateGroup(ctx, "Writers")
			testserver.Must(t, s.SetGroupGrants(ctx, writers.ID, []canopy.PageGrantRow{{PageID: f.Alpha.RootPageID, Actions: []string{"add", "change", "publish"}}}, []string{"access_admin"}))
			testserver.Must(t, s.AddMember(ctx, writers.ID, ed.ID))
			legal, _ := s.CreateGroup(ctx, "Legal")
			testserver.Must(t, s.SetGroupGrants(ctx, legal.ID, []canopy.PageGrantRow{{PageID: f.Alpha.RootPageID, Actions: []string{"change"}}}, []string{"access_admin", "change_legal_note"}))
			testserver.Must(t, s.AddMember(ctx, legal.ID, lena.ID))

			rc := f.Login("alpha.test", "root")
			if _, perms := rc.Do("GET", "/admin/api/permissions", nil); !strings.Contains(fmt.Sprint(perms), "change_legal_note") {
				t.Errorf("the field's permission is not grantable: %v", perms)
			}
			status, created := rc.Do("POST", "/admin/api/pages/"+testserver.FmtID(f.Alpha.RootPageID)+"/children", map[string]any{"type": policyType.Name, "title": "Privacy",
				"fields": map[string]any{"body": "<p>First</p>", "legal_note": "Approved wording"}, "publish": true})
			if status != 201 {
				t.Fatalf("create: %d %v", status, created)
			}
			pid := testserver.ID(created["id"])
			// note is the field in the latest revision, as the superuser sees it.
			note := func() string {
				_, rp := rc.Do("GET", "/admin/api/pages/"+pid+"/revisions?limit=1", nil)
				v, _ := rp["items"].([]any)[0].(map[string]any)["content"].(map[string]any)["fields"].(map[string]any)["legal_note"].(string)
				return v
			}
			revisions := func() int {
				n, err := db.Count(ctx, `SELECT count(*) FROM revisions WHERE page_id = `+pid)
				testserver.Must(t, err)
				return n
			}
			e := f.Login("alpha.test", "ed")
			// Not in the edit data.
			_, p := e.Do("GET", "/admin/api/pages/"+pid, nil)
			if _, ok := p["fields"].(map[string]any)["legal_note"]; ok || p["fields"].(map[string]any)["body"] == nil {
				t.Errorf("ed's page data: %v", p["fields"])
			}
			_, revs := e.Do("GET", "/admin/api/pages/"+pid+"/revisions", nil)
			for _, r := range revs["items"].([]any) {
				if _, ok := r.(map[string]any)["content"].(map[string]any)["fields"].(map[string]any)["legal_note"]; ok {
					t.Errorf("ed sees the field in a revision")
				}
			}
			firstRev := int64(revs["items"].([]any)[0].(map[string]any)["id"].(float64))
			// A change through the JSON API: refused beside the field, nothing saved.
			before := revisions()
			status, body := e.Do("PATCH", "/admin/api/pages/"+pid, map[string]any{"fields": map[string]any{"legal_note": "Ed's wording", "body": "<p>Ed</p>"}})
			if status != 403 || body["error"].(map[string]any)["field"] != "fields.legal_note" {
				t.Errorf("ed changes the field: %d %v", status, body)
			}
			if revisions() != before || note() != "Approved wording" {
				t.Fatalf("a refused change was saved")
			}
			// Other fields save and the restricted one keeps its value.
			if status, body := e.Do("PATCH", "/admin/api/pages/"+pid, map[string]any{"fields": map[string]any{"body": "<p>Ed</p>"}}); status != 200 {
				t.Fatalf("ed saves the body: %d %v", status, body)
			}
			if note() != "Approved wording" {
				t.Errorf("the note after ed's save: %q", note())
			}
			// A new page with the field set: refused; without it, fine.
			if status, _ := e.Do("POST", "/admin/api/pages/"+testserver.FmtID(f.Alpha.RootPageID)+"/children", map[string]any{"type": policyType.Name, "title": "Cookies",
				"fields": map[string]any{"legal_note": "x"}}); status != 403 {
				t.Errorf("ed creates with the field: %d", status)
			}
			if status, _ := e.Do("POST", "/admin/api/pages/"+testserver.FmtID(f.Alpha.RootPageID)+"/children", map[string]any{"type": policyType.Name, "title": "Cookies"}); status != 201 {
				t.Errorf("ed creates without the field: %d", status)
			}
			// The legal team changes it.
			l := f.Login("alpha.test", "lena")
			if status, body := l.Do("PATCH", "/admin/api/pages/"+pid, map[string]any{"fields": map[string]any{"legal_note": "New wording"}}); status != 200 {
				t.Fatalf("lena changes the note: %d %v", status, body)
			}
			// Ed reverts to the first revision: the body goes back, the note stays.
			if status, body := e.Do("POST", "/admin/api/pages/"+pid+"/revisions/"+testserver.FmtID(firstRev)+"/revert", nil); status != 200 && status != 201 {
				t.Fatalf("revert: %d %v", status, body)
			}
			_, rp := rc.Do("GET", "/admin/api/pages/"+pid+"/revisions?limit=1", nil)
			latest := rp["items"].([]any)[0].(map[string]any)["content"].(map[string]any)["fields"].(map[string]any)
			if latest["legal_note"] != "New wording" || latest["body"] != "<p>First</p>" {
				t.Errorf("after ed's revert: %v", latest)
			}
			// Publishing the first revision would bring the old note back: refused.
			if status, body := e.Do("POST", "/admin/api/pages/"+pid+"/publish", map[string]any{"revision_id": firstRev}); status != 403 {
				t.Errorf("ed publishes the old revision: %d %v", status, body)
			}
			// The editor form: no input for the field; a posted one is ignored.
			ui := testserver.NewUIClient(t, f, "ed")
			page, form := ui.Get("/admin/pages/" + pid + "/edit/")
			if page != 200 || strings.Contains(form, `name="f.legal_note"`) || !strings.Contains(form, `name="f.body"`) {
				t.Fatalf("ed's editor: %d, legal note input shown: %v", page, strings.Contains(form, `name="f.legal_note"`))
			}
			if status := ui.Post("/admin/pages/"+pid+"/edit/", url.Values{"title": {"Privacy"}, "f.body": {"<p>Form</p>"}, "f.legal_note": {"Forged"}, "action": {"save"}}); status != 303 {
				t.Fatalf("ed's form save: %d", status)
			}
			if note() != "New wording" {
				t.Errorf("the form changed the note: %q", note())
			}
			_, lf := testserver.NewUIClient(t, f, "lena").Get("/admin/pages/" + pid + "/edit/")
			if !strings.Contains(lf, `name="f.legal_note"`) {
				t.Error("lena's editor has no input for the note")
			}
		})
	}
}
