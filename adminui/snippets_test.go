package adminui_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestSnippetsScreens: the side navigation's Snippets › Location lists this
// site's locations (sortable, searchable); a site admin adds one (a missing
// required field and a duplicate name are refused beside the field), edits
// and deletes one; beta's admin never reaches alpha's by id.
func TestSnippetsScreens(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	list := alpha + "/admin/snippets/location/"
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	waitFor(t, b, `document.querySelector("#sidenav")`)
	if b.Count(`#sidenav details a[href="/admin/snippets/location/"]`) != 1 {
		t.Fatal("no Snippets › Location in the navigation")
	}
	b.Run(chromedp.Navigate(list))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if n := b.Count("table.listing tbody tr"); n != 2 {
		t.Errorf("%d locations listed", n)
	}
	if b.Eval(`String(document.querySelector("#sidenav details").open)`) != "true" {
		t.Error("the current section's sub-menu is closed")
	}
	look(t, b, "snippets-list")
	// Add: the name is required, then unique on the site.
	b.Run(chromedp.Click(chromedp.CSS(`a[href="/admin/snippets/location/add/"]`)))
	waitFor(t, b, `document.querySelector("#id_name")`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_name-error")`)
	settled(t, b)
	look(t, b, "snippet-form-error")
	b.Eval(`document.querySelector("#id_name").value = "Main Hall", document.querySelector("#id_room_number").value = "1.01", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.readyState === "complete" && document.querySelector("#id_name-error") && /already exists/.test(document.querySelector("#id_name-error").textContent)`)
	settled(t, b)
	if v := b.Eval(`document.querySelector("#id_room_number").value`); v != "1.01" {
		t.Errorf("the input was lost: %q", v)
	}
	b.Eval(`document.querySelector("#id_name").value = "Observatory dome", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	// Sorted by title, reversed; searched.
	b.Run(chromedp.Navigate(list + "?ordering=-title"))
	waitFor(t, b, `document.querySelector("th[aria-sort=descending]")`)
	if first := b.Text("table.listing tbody tr td.title"); first != "Seminar Room" {
		t.Errorf("first by title, Z to A: %q", first)
	}
	b.Run(chromedp.Navigate(list + "?q=dome"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if n, first := b.Count("table.listing tbody tr"), b.Text("table.listing tbody tr td.title"); n != 1 || first != "Observatory dome" {
		t.Errorf("search: %d rows, %q", n, first)
	}
	// Sorted by a listed field (the room number).
	b.Run(chromedp.Navigate(list + "?ordering=-room_number"))
	waitFor(t, b, `document.querySelector("th[aria-sort=descending]")`)
	if col := b.Text("th[aria-sort=descending]"); !strings.Contains(col, "Room number") {
		t.Errorf("sorted column: %q", col)
	}
	// Chosen in an event page through the editor's chooser: "used on" lists it.
	events := d.page(d.alpha, "/events/")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/add/canopy.EventPage/", alpha, events.ID)))
	waitFor(t, b, `document.activeElement && document.activeElement.id === "id_title"`)
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_title"), "Dome night"), chromedp.SetValue(chromedp.CSS("#id_f_start"), "2027-03-06T20:00"))
	b.Run(chromedp.Click(chromedp.CSS(`button[data-chooser^="/admin/choose/snippet/location/"]`)))
	waitFor(t, b, `document.querySelector("#chooser[open] #snippet-q")`)
	b.Run(chromedp.SendKeys(chromedp.CSS("#snippet-q"), "dome"))
	waitFor(t, b, `document.querySelectorAll("#chooser [data-chooser-results] button[data-choose]").length === 1`)
	b.Run(chromedp.Click(chromedp.CSS(`#chooser [data-chooser-results] button[data-choose]`)))
	waitFor(t, b, `!document.querySelector("#chooser").open && document.querySelector("#id_f_location").value !== ""`)
	b.Run(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	// Edit, then delete.
	b.Run(chromedp.Navigate(list + "?q=dome"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	b.Run(chromedp.Click(chromedp.CSS("table.listing td.title a")))
	waitFor(t, b, `document.querySelector("#usage-heading")`)
	if used := b.Text("#usage-heading + ul"); !strings.Contains(used, "Dome night") || !strings.Contains(used, "Event page") {
		t.Errorf("used on: %q", used)
	}
	look(t, b, "snippet-edit")
	b.Run(chromedp.Navigate(b.Eval(`location.href`) + "usage/"))
	waitFor(t, b, `document.querySelector("table.listing td.title a")`)
	look(t, b, "snippet-usage")
	b.Run(chromedp.Navigate(list + "?q=dome"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	b.Run(chromedp.Click(chromedp.CSS("table.listing td.title a")))
	waitFor(t, b, `document.querySelector("#usage-heading")`)
	waitFor(t, b, `document.querySelector("#id_building_name")`)
	b.Eval(`document.querySelector("#id_building_name").value = "East Tower", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	store := d.svc.DB.Site(d.alpha.ID, d.svc.Types)
	all, _, _ := store.Snippets(ctx, canopy.LocationType, "dome", 10, 0)
	if len(all) != 1 || all[0].Fields["building_name"] != "East Tower" {
		t.Fatalf("after editing: %+v", all)
	}
	b.Run(chromedp.Navigate(fmt.Sprintf("%s%d/delete/", list, all[0].ID)))
	waitFor(t, b, `document.querySelector("button.danger")`)
	if !strings.Contains(b.Text("main"), "Dome night") {
		t.Error("the delete screen does not show the usage")
	}
	look(t, b, "snippet-delete")
	b.Run(chromedp.Click(chromedp.CSS("button.danger")))
	waitFor(t, b, `document.querySelector(".message.success")`)
	left, _, _ := store.Snippets(ctx, canopy.LocationType, "", 10, 0)
	if len(left) != 2 {
		t.Errorf("%d locations after deleting", len(left))
	}
	// Beta's admin: alpha's snippets by id are 404, the list shows only beta's.
	bc := d.login("beta.localhost", "beta-admin")
	for _, sn := range left {
		for _, p := range []string{"/admin/snippets/location/%d/", "/admin/snippets/location/%d/delete/", "/admin/snippets/location/%d/usage/"} {
			if status, _ := bc.get(fmt.Sprintf(p, sn.ID)); status != 404 {
				t.Errorf("beta GET %s: %d", fmt.Sprintf(p, sn.ID), status)
			}
		}
		if status, _, _ := bc.post(fmt.Sprintf("/admin/snippets/location/%d/", sn.ID), nil); status != 404 {
			t.Errorf("beta POST alpha's snippet %d: %d", sn.ID, status)
		}
	}
	if _, body := bc.get("/admin/snippets/location/"); strings.Contains(body, "Observatory") {
		t.Error("beta's list shows alpha's")
	}
	if status, _ := bc.get("/admin/snippets/nope/"); status != 404 {
		t.Errorf("an unknown snippet type: %d", status)
	}
}
