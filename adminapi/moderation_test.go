package adminapi_test

import (
	"fmt"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

func TestModeration(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			groups, _ := db.Site(f.Alpha.ID, nil).Groups(ctx)
			byName := map[string]*canopy.Group{}
			for _, g := range groups {
				byName[g.Name] = g
			}
			mods, err := db.Site(f.Alpha.ID, nil).CreateGroup(ctx, "Moderators")
			if err != nil {
				t.Fatal(err)
			}
			testserver.Must(t, db.Site(f.Alpha.ID, nil).SetGroupGrants(ctx, mods.ID, nil, []string{"access_admin"}))
			member := func(name string, g *canopy.Group) {
				u, err := f.Svc.CreateUser(ctx, service.NewUser{Username: name, Password: "password-" + name})
				if err != nil {
					t.Fatal(err)
				}
				testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, g.ID, u.ID))
			}
			member("mod", mods)
			member("boss", byName["Admins"])
			root := f.Login("alpha.test", "root")
			ed := f.Login("alpha.test", "ed")
			mod := f.Login("alpha.test", "mod")
			boss := f.Login("alpha.test", "boss")
			bea := f.Login("beta.test", "bea")

			// The site's admin defines a two-step workflow and attaches it to the home page.
			status, wf := boss.Do("POST", "/admin/api/workflows", map[string]any{"name": "Two steps", "tasks": []any{
				map[string]any{"name": "Moderators review", "groups": []any{mods.ID}},
				map[string]any{"name": "Admins sign off", "groups": []any{byName["Admins"].ID}}}})
			if status != 201 || len(wf["tasks"].([]any)) != 2 {
				t.Fatalf("create workflow: %d %v", status, wf)
			}
			wid := testserver.ID(wf["id"])
			// The list searches and pages in SQL; another site's list never has it.
			if _, list := boss.Do("GET", "/admin/api/workflows?q=TWO&limit=1", nil); list["meta"].(map[string]any)["total_count"].(float64) != 1 ||
				len(list["items"].([]any)) != 1 || list["items"].([]any)[0].(map[string]any)["name"] != "Two steps" {
				t.Fatalf("workflows search: %v", list)
			}
			if _, list := f.Login("beta.test", "root").Do("GET", "/admin/api/workflows?q=two", nil); list["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("beta lists alpha's workflow: %v", list)
			}
			betaGroups, _ := db.Site(f.Beta.ID, nil).Groups(ctx)
			if status, body := boss.Do("POST", "/admin/api/workflows", map[string]any{"name": "Bad", "tasks": []any{
				map[string]any{"name": "x", "groups": []any{betaGroups[0].ID}}}}); status != 400 {
				t.Fatalf("a workflow naming another site's group: %d %v", status, body)
			}
			if status, _ := ed.Do("POST", "/admin/api/workflows", map[string]any{"name": "Mine", "tasks": []any{}}); status != 403 {
				t.Fatalf("an editor creates a workflow: %d", status)
			}
			betaAdmin := f.Login("beta.test", "root")
			if status, _ := betaAdmin.Do("GET", "/admin/api/workflows/"+wid, nil); status != 404 {
				t.Fatalf("another site's admin sees the workflow: %d", status)
			}
			if _, list := betaAdmin.Do("GET", "/admin/api/workflows", nil); list["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("beta's workflows list alpha's: %v", list)
			}
			if status, _ := betaAdmin.Do("PATCH", "/admin/api/workflows/"+wid, map[string]any{"active": false}); status != 404 {
				t.Fatalf("another site's admin deactivates the workflow: %d", status)
			}
			if status, body := boss.Do("PUT", fmt.Sprintf("/admin/api/pages/%d/workflow", f.Alpha.RootPageID), map[string]any{"workflow_id": wf["id"]}); status != 200 {
				t.Fatalf("attach: %d %v", status, body)
			}

			// An editor without publish permission submits a draft.
			_, page := ed.Do("POST", fmt.Sprintf("/admin/api/pages/%d/children", f.Alpha.RootPageID), map[string]any{"type": canopy.StandardType, "title": "Proposal"})
			pid := testserver.ID(page["id"])
			// ed locks it; the first task's start removes a non-reviewer's lock.
			if status, body := root.Do("POST", "/admin/api/pages/"+pid+"/lock", nil); status != 200 || body["locked"] != true {
				t.Fatalf("lock: %d %v", status, body)
			}
			root.Do("POST", "/admin/api/pages/"+pid+"/unlock", nil)
			if _, err := db.Site(f.Alpha.ID, f.Svc.Types).SetLock(sqlstore.WithActor(ctx, sqlstore.Actor{UserID: f.Ed.ID}), int64(page["id"].(float64)), true); err != nil {
				t.Fatal(err)
			}
			status, st := ed.Do("POST", "/admin/api/pages/"+pid+"/submit", nil)
			if status != 200 || st["state"].(map[string]any)["status"] != "in_progress" {
				t.Fatalf("submit: %d %v", status, st)
			}
			if status, _ := ed.Do("POST", "/admin/api/pages/"+pid+"/submit", nil); status != 409 {
				t.Fatalf("submit twice: %d", status)
			}
			if _, pg := root.Do("GET", "/admin/api/pages/"+pid, nil); pg["locked"] != false {
				t.Fatalf("a non-reviewer's lock survived the task's start: %v", pg["locked"])
			}
			if status, _ := ed.Do("POST", "/admin/api/pages/"+pid+"/approve", nil); status != 403 {
				t.Fatalf("approve by a non-reviewer: %d", status)
			}
			if status, _ := ed.Do("PATCH", "/admin/api/pages/"+pid, map[string]any{"title": "Sneaky edit"}); status != 409 {
				t.Fatalf("edit under the workflow lock: %d", status)
			}
			// The reviewer opens and edits it without page grants, then approves.
			if status, body := mod.Do("GET", "/admin/api/pages/"+pid, nil); status != 200 {
				t.Fatalf("reviewer opens the page: %d %v", status, body)
			}
			if status, body := mod.Do("PATCH", "/admin/api/pages/"+pid, map[string]any{"title": "Proposal (edited by review)"}); status != 200 {
				t.Fatalf("reviewer edits: %d %v", status, body)
			}
			if _, list := mod.Do("GET", "/admin/api/reviews", nil); list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("mod's reviews: %v", list)
			}
			status, res := mod.Do("POST", "/admin/api/pages/"+pid+"/approve", map[string]any{"comment": "Looks good"})
			if status != 200 || res["published"] != false || res["state"].(map[string]any)["current_task"].(map[string]any)["task"].(map[string]any)["name"] != "Admins sign off" {
				t.Fatalf("first approval: %d %v", status, res)
			}
			if _, list := mod.Do("GET", "/admin/api/reviews", nil); list["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("mod's reviews after approving: %v", list)
			}
			// The moderation report names the task it now waits on, for the
			// site's admins; beta's never see it; one workflow or all.
			report := func(c *testserver.Client, q string) (int, []any) {
				status, body := c.Do("GET", "/admin/api/reports/moderation"+q, nil)
				if status != 200 {
					return status, nil
				}
				return status, body["items"].([]any)
			}
			if _, items := report(boss, ""); len(items) != 1 || items[0].(map[string]any)["task"] != "Admins sign off" ||
				items[0].(map[string]any)["requested_by"] != "ed" || items[0].(map[string]any)["status"] != "in_progress" {
				t.Fatalf("moderation report: %v", items)
			}
			if _, items := report(boss, "?workflow="+wid); len(items) != 1 {
				t.Fatalf("moderation report of the workflow: %v", items)
			}
			if _, items := report(boss, "?workflow=999999"); len(items) != 0 {
				t.Fatalf("moderation report of another workflow: %v", items)
			}
			if status, _ := report(boss, "?workflow=x"); status != 400 {
				t.Fatalf("moderation report of workflow x: %d", status)
			}
			if status, items := report(bea, ""); status == 200 && len(items) != 0 {
				t.Fatalf("beta's admin sees alpha's moderation: %v", items)
			}
			if status, _ := report(ed, ""); status != 403 {
				t.Fatalf("an editor reads the moderation report: %d", status)
			}
			// The next task's reviewers see it (paged in SQL: limit=0 is the count
			// alone, an offset past the end an empty page); others do not.
			if _, list := boss.Do("GET", "/admin/api/reviews?limit=0", nil); list["meta"].(map[string]any)["total_count"].(float64) != 1 || len(list["items"].([]any)) != 0 {
				t.Fatalf("boss's review count: %v", list)
			}
			if _, list := boss.Do("GET", "/admin/api/reviews?limit=1", nil); len(list["items"].([]any)) != 1 {
				t.Fatalf("boss's reviews: %v", list)
			}
			if _, list := boss.Do("GET", "/admin/api/reviews?offset=1", nil); list["meta"].(map[string]any)["total_count"].(float64) != 1 || len(list["items"].([]any)) != 0 {
				t.Fatalf("boss's reviews past the end: %v", list)
			}
			// Changes requested, resubmitted: resumes at the rejecting task.
			if status, res := boss.Do("POST", "/admin/api/pages/"+pid+"/reject", map[string]any{"comment": "Add a budget"}); status != 200 ||
				res["state"].(map[string]any)["status"] != "needs_changes" {
				t.Fatalf("reject: %d %v", status, res)
			}
			if status, _ := boss.Do("POST", "/admin/api/pages/"+pid+"/approve", nil); status != 400 {
				t.Fatalf("approve with no task in progress: %d", status)
			}
			if status, body := ed.Do("PATCH", "/admin/api/pages/"+pid, map[string]any{"fields": map[string]any{"body": "<p>Budget: 10</p>"}}); status != 200 {
				t.Fatalf("edit after changes were requested: %d %v", status, body)
			}
			status, st = ed.Do("POST", "/admin/api/pages/"+pid+"/submit", nil)
			if status != 200 || st["state"].(map[string]any)["current_task"].(map[string]any)["task"].(map[string]any)["name"] != "Admins sign off" {
				t.Fatalf("resubmit resumes at the rejecting task: %d %v", status, st)
			}
			if r := f.Get("alpha.test", "/proposal/"); r.Status != 404 {
				t.Fatalf("not live before the last approval: %d", r.Status)
			}
			status, res = boss.Do("POST", "/admin/api/pages/"+pid+"/approve", map[string]any{"comment": "Approved"})
			if status != 200 || res["published"] != true || res["state"] != nil {
				t.Fatalf("final approval: %d %v", status, res)
			}
			if r := f.Get("alpha.test", "/proposal/"); r.Status != 200 {
				t.Fatalf("live after the last approval: %d", r.Status)
			}

			// Publishing directly cancels a running workflow; cancel and restart work.
			_, p2 := ed.Do("POST", fmt.Sprintf("/admin/api/pages/%d/children", f.Alpha.RootPageID), map[string]any{"type": canopy.StandardType, "title": "Second"})
			p2id := testserver.ID(p2["id"])
			ed.Do("POST", "/admin/api/pages/"+p2id+"/submit", nil)
			if status, _ := root.Do("POST", "/admin/api/pages/"+p2id+"/publish", nil); status != 200 {
				t.Fatal("direct publish")
			}
			if _, m := root.Do("GET", "/admin/api/pages/"+p2id+"/moderation", nil); m["state"] != nil {
				t.Fatalf("direct publish left the workflow running: %v", m)
			}
			ed.Do("PATCH", "/admin/api/pages/"+p2id, map[string]any{"title": "Second, again"})
			ed.Do("POST", "/admin/api/pages/"+p2id+"/submit", nil)
			if status, _ := bea.Do("POST", "/admin/api/pages/"+p2id+"/cancel-moderation", nil); status != 404 {
				t.Fatalf("another site's admin cancels: %d", status)
			}
			if status, m := ed.Do("POST", "/admin/api/pages/"+p2id+"/restart-moderation", nil); status != 200 || m["state"] == nil {
				t.Fatalf("requester restarts: %d %v", status, m)
			}
			// Deactivating the workflow cancels its running states and detaches it.
			if status, body := boss.Do("PATCH", "/admin/api/workflows/"+wid, map[string]any{"active": false}); status != 200 || body["active"] != false {
				t.Fatalf("deactivate: %d %v", status, body)
			}
			if _, m := root.Do("GET", "/admin/api/pages/"+p2id+"/moderation", nil); m["state"] != nil {
				t.Fatalf("deactivation left a running state: %v", m)
			}
			if status, body := ed.Do("POST", "/admin/api/pages/"+p2id+"/submit", nil); status != 400 {
				t.Fatalf("submit with no workflow: %d %v", status, body)
			}
			_, hist := root.Do("GET", "/admin/api/history?object_type=page&object_id="+pid, nil)
			actions := map[string]int{}
			taskStates := map[float64]string{}
			for _, it := range hist["items"].([]any) {
				e := it.(map[string]any)
				action := e["action"].(string)
				actions[action]++
				// As Wagtail's: each entry names its task state; an approval
				// or rejection also the task state's status.
				data, _ := e["data"].(map[string]any)
				switch action {
				case "workflow_submit", "workflow_resume", "workflow_approve", "workflow_reject":
					ts, ok := data["task_state_id"].(float64)
					if !ok || ts <= 0 {
						t.Errorf("%s without task_state_id: %v", action, data)
					}
					want := map[string]string{"workflow_approve": "approved", "workflow_reject": "rejected"}[action]
					if data["task_status"] != nil && data["task_status"] != want || want != "" && data["task_status"] != want {
						t.Errorf("%s task_status %v, want %q", action, data["task_status"], want)
					}
					if want != "" {
						taskStates[ts] += action
					}
				}
			}
			if len(taskStates) != 3 {
				t.Errorf("approvals and rejections name %d task states, want 3 different ones: %v", len(taskStates), taskStates)
			}
			for a, n := range map[string]int{"workflow_submit": 1, "workflow_approve": 2, "workflow_reject": 1, "workflow_resume": 1, "publish": 1} {
				if actions[a] != n {
					t.Errorf("history %s: %d, want %d (%v)", a, actions[a], n, actions)
				}
			}
		})
	}
}

func TestDefaultWorkflowAndReapproval(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			root := f.Login("alpha.test", "root")
			ed := f.Login("alpha.test", "ed")
			if status, _ := ed.Do("PUT", "/admin/api/default-workflow", map[string]any{"workflow": nil}); status != 403 {
				t.Fatalf("an editor sets the default workflow: %d", status)
			}
			if status, body := root.Do("PUT", "/admin/api/default-workflow", map[string]any{"workflow": map[string]any{"name": "Editorial",
				"tasks": []any{map[string]any{"name": "x", "groups": []any{"Nope"}}}}}); status != 400 {
				t.Fatalf("default workflow naming an unknown group: %d %v", status, body)
			}
			if status, body := root.Do("PUT", "/admin/api/default-workflow", map[string]any{"workflow": map[string]any{"name": "Editorial", "reapprove_on_edit": true,
				"tasks": []any{map[string]any{"name": "Editors check", "groups": []any{"Editors"}}, map[string]any{"name": "Admins approve", "groups": []any{"admins"}}}}}); status != 200 {
				t.Fatalf("set default workflow: %d %v", status, body)
			}
			// The site creator gives the new site its own copy, attached to its home page.
			_, site := root.Do("POST", "/admin/api/sites", map[string]any{"hostname": "gamma.test", "name": "Gamma"})
			g := f.Login("gamma.test", "root")
			_, list := g.Do("GET", "/admin/api/workflows", nil)
			if list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("new site's workflows: %v", list)
			}
			wf := list["items"].([]any)[0].(map[string]any)
			if wf["name"] != "Editorial" || fmt.Sprint(wf["pages"]) != fmt.Sprintf("[%v]", site["root_page_id"]) {
				t.Fatalf("new site's workflow: %v", wf)
			}
			// Re-approval: an edit during moderation sends it back to the first task.
			gamma, _ := f.Svc.DB.SiteByID(ctx, int64(site["id"].(float64)))
			p := f.Page(gamma, gamma.RootPageID, canopy.StandardType, "Draft", false, nil)
			pid := fmt.Sprint(p.ID)
			if status, body := g.Do("POST", "/admin/api/pages/"+pid+"/submit", nil); status != 200 {
				t.Fatalf("submit: %d %v", status, body)
			}
			_, res := g.Do("POST", "/admin/api/pages/"+pid+"/approve", nil)
			if res["state"].(map[string]any)["current_task"].(map[string]any)["task"].(map[string]any)["name"] != "Admins approve" {
				t.Fatalf("after the first approval: %v", res)
			}
			if status, body := g.Do("PATCH", "/admin/api/pages/"+pid, map[string]any{"title": "Draft, changed in review"}); status != 200 {
				t.Fatalf("edit during moderation: %d %v", status, body)
			}
			_, m := g.Do("GET", "/admin/api/pages/"+pid+"/moderation", nil)
			if m["state"].(map[string]any)["current_task"].(map[string]any)["task"].(map[string]any)["name"] != "Editors check" {
				t.Fatalf("re-approval did not restart at the first task: %v", m)
			}
			// Clearing the default: the next site has no workflow.
			root.Do("PUT", "/admin/api/default-workflow", map[string]any{"workflow": nil})
			root.Do("POST", "/admin/api/sites", map[string]any{"hostname": "delta.test", "name": "Delta"})
			if _, list := f.Login("delta.test", "root").Do("GET", "/admin/api/workflows", nil); list["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("a site created after clearing the default: %v", list)
			}
		})
	}
}
