package adminui_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestWorkflowScreens: alpha's site admin creates a workflow of two tasks in
// the browser (a workflow without a name, a task without reviewers refused
// beside the fields; tasks added and reordered by buttons, unsaved until
// Save), attaches it to About through the page chooser; an editor submits
// About: the reviewers of task one see it on their dashboard, not those of
// task two; once task one approves, task two's reviewers see it, and the
// moderation report names its task. Deactivating says what it cancels and
// empties the report. Beta's admin gets 404 for alpha's workflow; an editor
// has no Workflows.
func TestWorkflowScreens(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	site := d.svc.DB.Site(d.alpha.ID, nil)
	// Task two's reviewers: a group with one member, alpha-signer.
	signers, err := site.CreateGroup(ctx, "Sign-off")
	if err != nil {
		t.Fatal(err)
	}
	if err := site.SetGroupGrants(ctx, signers.ID, []canopy.PageGrantRow{{PageID: d.alpha.RootPageID, Actions: []string{"change"}}}, []string{"access_admin"}); err != nil {
		t.Fatal(err)
	}
	hash, _ := service.HashPassword("signer-pass", 4)
	if _, err := site.CreateMember(ctx, &canopy.User{Username: "alpha-signer", Email: "signer@alpha.test", IsActive: true, PasswordHash: hash}, []int64{signers.ID}); err != nil {
		t.Fatal(err)
	}
	d.password["alpha-signer"] = "signer-pass"

	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	b.Run(chromedp.Click(chromedp.CSS(`#sidenav a[href="/admin/workflows/"]`)))
	waitFor(t, b, `document.querySelector("main h1") && document.querySelector("main h1").textContent === "Workflows"`)
	look(t, b, "workflows")
	b.Run(chromedp.Click(chromedp.CSS(`.page-head a[href="/admin/workflows/add/"]`)))
	waitFor(t, b, `document.querySelector("#task-0-name")`)
	// Nothing filled: the name and the task's reviewers are asked for.
	b.Run(chromedp.SendKeys(chromedp.CSS("#task-0-name"), "Review"), chromedp.Click(chromedp.CSS(`.form-actions button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_name-error") && document.querySelector("#task-0-groups-error")`)
	settled(t, b)
	look(t, b, "workflow-errors")
	moderators := groupID(t, d, d.alpha, "Moderators")
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_name"), "Two-step review"), chromedp.Click(chromedp.CSS(fmt.Sprintf("#task-0-group-%d", moderators))))
	// A second task, then moved above the first and back.
	b.Run(chromedp.Click(chromedp.CSS(`button[name=op][value=add]`)))
	waitFor(t, b, `document.querySelector("#task-1-name")`)
	b.Run(chromedp.SendKeys(chromedp.CSS("#task-1-name"), "Sign-off"), chromedp.Click(chromedp.CSS(fmt.Sprintf("#task-1-group-%d", signers.ID))))
	b.Run(chromedp.Click(chromedp.CSS(`button[name=op][value=up-1]`)))
	waitFor(t, b, `document.querySelector("#task-0-name")?.value === "Sign-off"`)
	if b.Eval(`String(document.querySelector(".message.info") !== null)`) != "true" {
		t.Error("a rearranged form does not say it is unsaved")
	}
	b.Run(chromedp.Click(chromedp.CSS(`button[name=op][value=down-0]`)))
	waitFor(t, b, `document.querySelector("#task-0-name")?.value === "Review"`)
	look(t, b, "workflow-two-tasks")
	b.Run(chromedp.Click(chromedp.CSS(`.form-actions button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") && document.querySelector("#pages-heading")`)
	wid, _ := strconv.ParseInt(strings.Split(b.Eval(`location.pathname`), "/")[3], 10, 64)
	w, err := site.Workflow(ctx, wid)
	if err != nil || w.Name != "Two-step review" || len(w.Tasks) != 2 || w.Tasks[0].Name != "Review" || w.Tasks[1].Name != "Sign-off" {
		t.Fatalf("saved workflow: %+v %v", w, err)
	}
	// Attach to About through the chooser.
	b.Run(chromedp.Click(chromedp.CSS(`.attach-form button[data-chooser]`)))
	waitFor(t, b, `document.querySelector("#chooser[open] button[data-choose][data-title='About']")`)
	b.Run(chromedp.Click(chromedp.CSS(`#chooser button[data-choose][data-title='About']`)))
	waitFor(t, b, `(document.querySelector("#attach_page")?.value || "") !== ""`)
	b.Run(chromedp.Click(chromedp.CSS(`.attach-form .form-actions button`)))
	waitFor(t, b, `document.querySelector(".message.success") && document.querySelector("#pages-heading + p + ul")`)
	if !strings.Contains(b.Text("#pages-heading + p + ul"), "About") {
		t.Errorf("pages it moderates: %q", b.Text("#pages-heading + p + ul"))
	}
	look(t, b, "workflow")

	// An editor submits About.
	about := d.page(d.alpha, "/about/")
	editor := d.login("alpha.localhost", "alpha-editor")
	editor.get(fmt.Sprintf("/admin/pages/%d/edit/", about.ID))
	if status, _, body := editor.post(fmt.Sprintf("/admin/pages/%d/edit/", about.ID), url.Values{"title": {"About us"}, "f.intro": {"Who we are."},
		"base_revision": {strconv.FormatInt(about.LatestRevisionID, 10)}, "action": {"submit"}}); status != 303 {
		t.Fatalf("submit: %d %.300s", status, body)
	}
	review := fmt.Sprintf(`action="/admin/reviews/%d/"`, about.ID)
	mod := d.login("alpha.localhost", "alpha-moderator")
	signer := d.login("alpha.localhost", "alpha-signer")
	if _, body := mod.get("/admin/"); !strings.Contains(body, review) {
		t.Error("task one's reviewer does not see About on the dashboard")
	}
	if _, body := signer.get("/admin/"); strings.Contains(body, review) {
		t.Error("task two's reviewer sees About before task one approved it")
	}
	b.Run(chromedp.Navigate(alpha + "/admin/reports/moderation/"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if row := b.Text("table.listing tbody"); !strings.Contains(row, "About us") || !strings.Contains(row, "Review") || !strings.Contains(row, "alpha-editor") {
		t.Errorf("moderation report: %q", row)
	}
	look(t, b, "report-moderation")
	mod.get("/admin/")
	if status, _, body := mod.post(fmt.Sprintf("/admin/reviews/%d/", about.ID), url.Values{"decision": {"approve"}, "comment": {"Fine by me"}}); status != 303 {
		t.Fatalf("approve task one: %d %.300s", status, body)
	}
	if _, body := signer.get("/admin/"); !strings.Contains(body, review) {
		t.Error("task two's reviewer does not see About after task one approved it")
	}
	if _, body := mod.get("/admin/"); strings.Contains(body, review) {
		t.Error("task one's reviewer still sees About after approving it")
	}
	b.Run(chromedp.Reload())
	waitFor(t, b, `document.querySelector("table.listing")`)
	if row := b.Text("table.listing tbody"); !strings.Contains(row, "Sign-off") {
		t.Errorf("moderation report after task one: %q", row)
	}
	// Deactivate: the confirmation counts the page waiting; the report empties.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/workflows/%d/", alpha, wid)))
	waitFor(t, b, `document.querySelector("#waiting-heading")`)
	if !strings.Contains(b.Text("#waiting-heading + ul"), "waiting for “Sign-off”") {
		t.Errorf("in this workflow now: %q", b.Text("#waiting-heading + ul"))
	}
	b.Run(chromedp.Click(chromedp.CSS(`.page-head a[href$="/deactivate/"]`)))
	waitFor(t, b, `document.querySelector("button.danger")`)
	if sub := b.Text(".page-head .sub"); !strings.Contains(sub, "1 page is in this workflow now") {
		t.Errorf("deactivate says: %q", sub)
	}
	look(t, b, "workflow-deactivate")
	b.Run(chromedp.Click(chromedp.CSS("button.danger")))
	waitFor(t, b, `document.querySelector(".message.success") && document.querySelector("#waiting-heading")`)
	if _, body := d.login("alpha.localhost", "alpha-admin").get("/admin/reports/moderation/"); !strings.Contains(body, "No page is in moderation") {
		t.Error("the report still lists pages after the workflow was deactivated")
	}

	// Isolation and permissions.
	bc := d.login("beta.localhost", "beta-admin")
	for _, p := range []string{"/admin/workflows/%d/", "/admin/workflows/%d/deactivate/"} {
		if status, _ := bc.get(fmt.Sprintf(p, wid)); status != 404 {
			t.Errorf("beta GET %s: %d", fmt.Sprintf(p, wid), status)
		}
	}
	for _, p := range []string{"/admin/workflows/%d/", "/admin/workflows/%d/pages/", "/admin/workflows/%d/activate/"} {
		if status, _, _ := bc.post(fmt.Sprintf(p, wid), url.Values{"name": {"Pwned"}, "tasks": {"0"}, "page": {strconv.FormatInt(d.beta.RootPageID, 10)}}); status != 404 {
			t.Errorf("beta POST %s: %d", fmt.Sprintf(p, wid), status)
		}
	}
	// Alpha's admin cannot attach a beta page or name a beta group.
	admin := d.login("alpha.localhost", "alpha-admin")
	admin.post(fmt.Sprintf("/admin/workflows/%d/activate/", wid), nil)
	if status, _, _ := admin.post(fmt.Sprintf("/admin/workflows/%d/pages/", wid), url.Values{"page": {strconv.FormatInt(d.page(d.beta, "/about/").ID, 10)}}); status != 400 {
		t.Errorf("attach a beta page: %d", status)
	}
	betaGroups, _ := d.svc.DB.Site(d.beta.ID, nil).Groups(ctx)
	betaMods := betaGroups[0].ID
	if status, _, _ := admin.post(fmt.Sprintf("/admin/workflows/%d/", wid), url.Values{"name": {"Two-step review"}, "tasks": {"1"},
		"task-0-name": {"Review"}, "task-0-groups": {strconv.FormatInt(betaMods, 10)}}); status != 400 {
		t.Errorf("a task reviewed by beta's group: %d", status)
	}
	if w2, _ := site.Workflow(ctx, wid); len(w2.PageIDs) != 0 || w2.Tasks[0].GroupIDs[0] != moderators {
		t.Errorf("refused changes changed the workflow: %+v", w2)
	}
	if status, _ := editor.get("/admin/workflows/"); status != 403 {
		t.Errorf("editor GET workflows: %d", status)
	}
}

// groupID finds a site's own group by name.
func groupID(t testing.TB, d *demo, s *canopy.Site, name string) int64 {
	t.Helper()
	groups, err := d.svc.DB.Site(s.ID, nil).Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g.Name == name && g.SiteID == s.ID {
			return g.ID
		}
	}
	t.Fatalf("no group %s on %s", name, s.Hostname)
	return 0
}
