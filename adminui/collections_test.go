package adminui_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestCollectionsScreens: a site admin adds a collection and one inside it,
// renames and moves it, cannot delete one that holds an image (the reason
// is shown), deletes an empty one, protects one's documents with a password
// (an empty password is refused beside its field); the shared library is
// listed read-only; beta's admin gets 404 for alpha's collections; an editor
// has no Collections.
func TestCollectionsScreens(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	b.Run(chromedp.Click(chromedp.CSS(`#sidenav a[href="/admin/collections/"]`)))
	waitFor(t, b, `document.querySelector("table.listing")`)
	look(t, b, "collections")
	// Add "Press", then "Photos" inside it.
	b.Run(chromedp.Click(chromedp.CSS(`.page-head a[href^="/admin/collections/add/"]`)))
	waitFor(t, b, `document.querySelector("#id_name")`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_name-error")`)
	settled(t, b)
	look(t, b, "collection-form-error")
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_name"), "Press"), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	store := d.svc.DB.Site(d.alpha.ID, d.svc.Types)
	byName := func(name string) *canopy.Collection {
		t.Helper()
		list, _ := store.Collections(ctx)
		for _, c := range list {
			if c.Name == name {
				return c
			}
		}
		t.Fatalf("no collection %q", name)
		return nil
	}
	press := byName("Press")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/collections/add/?parent=%d", alpha, press.ID)))
	waitFor(t, b, `document.querySelector("#id_name")`)
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_name"), "Photos"), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	photos := byName("Photos")
	if photos.ParentID != press.ID {
		t.Fatalf("Photos is not inside Press: %+v", photos)
	}
	// Rename and move it to the top.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/collections/%d/", alpha, photos.ID)))
	waitFor(t, b, `document.querySelector("#id_parent")`)
	look(t, b, "collection-edit")
	b.Eval(fmt.Sprintf(`document.querySelector("#id_name").value = "Press photos", document.querySelector("#id_parent").value = "%d", ""`, d.alpha.RootCollectionID))
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if c := byName("Press photos"); c.ParentID != d.alpha.RootCollectionID {
		t.Errorf("moved: %+v", c)
	}
	// A collection holding an image cannot go; the reason is shown.
	ims, _, _ := store.Images(ctx, canopy.MediaFilter{All: true, Limit: 1})
	if _, err := store.BulkMedia(ctx, "image", []int64{ims[0].ID}, sqlstore.MediaBulk{MoveTo: press.ID}); err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/collections/%d/delete/", alpha, press.ID)))
	waitFor(t, b, `document.querySelector("main h1")`)
	if b.Count("button.danger") != 0 || !strings.Contains(b.Text("main"), "1 image") {
		t.Errorf("deleting a collection with an image: %q", b.Text(".page-head"))
	}
	look(t, b, "collection-delete-refused")
	c := d.login("alpha.localhost", "alpha-admin")
	c.get(fmt.Sprintf("/admin/collections/%d/delete/", press.ID))
	if status, _, body := c.post(fmt.Sprintf("/admin/collections/%d/delete/", press.ID), nil); status != 409 || !strings.Contains(body, "not empty") {
		t.Errorf("POST delete of a full collection: %d", status)
	}
	// An empty one goes.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/collections/%d/delete/", alpha, byName("Press photos").ID)))
	waitFor(t, b, `document.querySelector("button.danger")`)
	b.Run(chromedp.Click(chromedp.CSS("button.danger")))
	waitFor(t, b, `document.querySelector(".message.success")`)
	// Privacy: a password, first forgotten.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/collections/%d/privacy/", alpha, press.ID)))
	waitFor(t, b, `document.querySelector("#kind-password")`)
	b.Run(chromedp.Click(chromedp.CSS("#kind-password")), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_password-error")`)
	settled(t, b)
	look(t, b, "collection-privacy-error")
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_password"), "press only"), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if r := byName("Press").Restriction; r == nil || r.Kind != "password" || r.PasswordHash == "" {
		t.Errorf("privacy saved: %+v", r)
	}
	if !strings.Contains(b.Text("table.listing"), "Password") {
		t.Error("the listing does not show the password")
	}
	// The shared library: listed, read-only, for a site admin.
	if !strings.Contains(b.Text("main"), "Shared library") {
		t.Error("the shared library is not listed")
	}
	// Beta's admin: 404 for every address of alpha's collection, nothing changes.
	bc := d.login("beta.localhost", "beta-admin")
	for _, p := range []string{"/admin/collections/%d/", "/admin/collections/%d/privacy/", "/admin/collections/%d/delete/", "/admin/collections/add/?parent=%d"} {
		if status, _ := bc.get(fmt.Sprintf(p, press.ID)); status != 404 {
			t.Errorf("beta GET %s: %d", fmt.Sprintf(p, press.ID), status)
		}
	}
	for _, p := range []string{"/admin/collections/%d/", "/admin/collections/%d/privacy/", "/admin/collections/%d/delete/"} {
		if status, _, _ := bc.post(fmt.Sprintf(p, press.ID), url.Values{"name": {"Pwned"}, "kind": {"none"}}); status != 404 {
			t.Errorf("beta POST %s: %d", fmt.Sprintf(p, press.ID), status)
		}
	}
	if status, _, _ := bc.post("/admin/collections/add/", url.Values{"name": {"Inside alpha"}, "parent": {fmt.Sprint(press.ID)}}); status != 404 {
		t.Errorf("beta adding inside alpha's collection: %d", status)
	}
	if _, body := bc.get("/admin/collections/"); strings.Contains(body, "Press") {
		t.Error("beta's list shows alpha's collection")
	}
	if got := byName("Press"); got.Restriction == nil || got.Name != "Press" {
		t.Errorf("alpha's collection after beta: %+v", got)
	}
	// The shared library: a superuser adds a collection to it from alpha's
	// admin; a site admin may not (the shared collection does not exist for them).
	shared, _ := d.svc.DB.Shared(d.svc.Types).Collections(ctx)
	if len(shared) == 0 {
		t.Fatal("no shared library")
	}
	root := d.login("alpha.localhost", "admin")
	if status, body := root.get(fmt.Sprintf("/admin/collections/add/?parent=%d", shared[0].ID)); status != 200 || !strings.Contains(body, "Shared library") {
		t.Errorf("superuser adding to the shared library: %d", status)
	}
	if status, _, _ := root.post("/admin/collections/add/", url.Values{"name": {"Logos"}, "parent": {fmt.Sprint(shared[0].ID)}}); status != 303 {
		t.Errorf("superuser created a shared collection: %d", status)
	}
	after, _ := d.svc.DB.Shared(d.svc.Types).Collections(ctx)
	if len(after) != len(shared)+1 {
		t.Errorf("shared collections: %d then %d", len(shared), len(after))
	}
	if _, body := root.get("/admin/collections/"); !strings.Contains(body, "Logos") {
		t.Error("the superuser's listing lacks the new shared collection")
	}
	c.get("/admin/collections/")
	if status, _, _ := c.post("/admin/collections/add/", url.Values{"name": {"Mine"}, "parent": {fmt.Sprint(shared[0].ID)}}); status != 404 {
		t.Errorf("a site admin adding to the shared library: %d", status)
	}
	// An editor manages no collections.
	ed := d.login("alpha.localhost", "alpha-editor")
	if _, home := ed.get("/admin/"); strings.Contains(home, `href="/admin/collections/"`) {
		t.Error("the editor is offered Collections")
	}
	if status, _ := ed.get("/admin/collections/"); status != 403 {
		t.Errorf("editor GET collections: %d", status)
	}
}
