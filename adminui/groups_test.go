package adminui_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestGroupsScreens: alpha's site admin lists alpha's groups with their
// members, reads what Editors can do in plain words, adds a group (an empty
// name refused beside the field), renames and deletes it; the
// administrators' group cannot be deleted; beta's admin gets 404 for
// alpha's groups; an editor has no Groups.
func TestGroupsScreens(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	b.Run(chromedp.Click(chromedp.CSS(`#sidenav a[href="/admin/groups/"]`)))
	waitFor(t, b, `document.querySelector("table.listing")`)
	list := b.Text("table.listing tbody")
	for _, want := range []string{"Admins", "Editors", "Moderators"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %s: %q", want, list)
		}
	}
	look(t, b, "groups")
	b.Eval(`[...document.querySelectorAll("table.listing td.title a")].find(a => a.textContent === "Editors").click(), ""`)
	waitFor(t, b, `document.querySelector("#can-heading")`)
	can := b.Text("#can-heading + ul")
	for _, want := range []string{"every page below it: add pages, edit pages and lock pages", "In collection “Root”", "add images", "access the admin"} {
		if !strings.Contains(can, want) {
			t.Errorf("what Editors can do lacks %q: %q", want, can)
		}
	}
	if !strings.Contains(b.Text("#members-heading + ul"), "alpha-editor") {
		t.Error("Editors' members lack alpha-editor")
	}
	look(t, b, "group")
	// Add, rename, delete.
	b.Run(chromedp.Navigate(alpha + "/admin/groups/add/"))
	waitFor(t, b, `document.querySelector("#id_name")`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_name-error")`)
	settled(t, b)
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_name"), "Lab techs"), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	// A new group opens on its permissions; its page says it has none yet.
	waitFor(t, b, `document.querySelector(".message.success") && document.querySelector("#models-heading")`)
	b.Run(chromedp.Click(chromedp.CSS(`.breadcrumbs a[href^="/admin/groups/"]:not([href="/admin/groups/"])`)))
	waitFor(t, b, `document.querySelector("#can-heading")`)
	if !strings.Contains(b.Text("#can-heading + p"), "Nothing yet") {
		t.Errorf("a new group's powers: %q", b.Text("#can-heading + p"))
	}
	b.Eval(`document.querySelector("#id_name").value = "Technicians", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") && document.querySelector("main h1").textContent === "Technicians"`)
	b.Run(chromedp.Click(chromedp.CSS(`.page-head a[href$="/delete/"]`)))
	waitFor(t, b, `document.querySelector("button.danger")`)
	look(t, b, "group-delete")
	b.Run(chromedp.Click(chromedp.CSS("button.danger")))
	waitFor(t, b, `document.querySelector(".message.success") && location.pathname === "/admin/groups/"`)
	if strings.Contains(b.Text("table.listing"), "Technicians") {
		t.Error("the deleted group is listed")
	}
	// The administrators' group has no Delete; beta's admin gets 404.
	groups, _ := d.svc.DB.Site(d.alpha.ID, nil).Groups(ctx)
	var admins int64
	for _, g := range groups {
		if g.IsAdmin && g.SiteID == d.alpha.ID {
			admins = g.ID
		}
	}
	c := d.login("alpha.localhost", "alpha-admin")
	if _, body := c.get(fmt.Sprintf("/admin/groups/%d/", admins)); strings.Contains(body, fmt.Sprintf(`/admin/groups/%d/delete/`, admins)) {
		t.Error("the administrators' group offers Delete")
	}
	bc := d.login("beta.localhost", "beta-admin")
	for _, p := range []string{"/admin/groups/%d/", "/admin/groups/%d/delete/"} {
		if status, _ := bc.get(fmt.Sprintf(p, admins)); status != 404 {
			t.Errorf("beta GET %s: %d", fmt.Sprintf(p, admins), status)
		}
		if status, _, _ := bc.post(fmt.Sprintf(p, admins), url.Values{"name": {"Pwned"}}); status != 404 {
			t.Errorf("beta POST %s: %d", fmt.Sprintf(p, admins), status)
		}
	}
	ed := d.login("alpha.localhost", "alpha-editor")
	if status, _ := ed.get("/admin/groups/"); status != 403 {
		t.Errorf("editor GET groups: %d", status)
	}
}
