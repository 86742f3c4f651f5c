package adminui_test

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestPermissionMatrix: alpha's site admin makes a group and gives it, in
// the permission matrix, admin access, a page grant on News (chosen through
// the page chooser) and image permissions in the root collection; a member
// of only that group sees News (not About) in the explorer and the images
// in the library on their next request. Unticking the page row takes News
// away again. A page or collection of beta, or nothing ticked for a chosen
// page, is refused beside the field and nothing changes; beta's admin gets
// 404 for alpha's group's matrix; an editor gets 403.
func TestPermissionMatrix(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/groups/add/"))
	waitFor(t, b, `document.querySelector("#id_name")`)
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_name"), "Newsroom"), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `location.pathname.endsWith("/permissions/") && document.querySelector("#models-heading")`)
	gid, err := strconv.ParseInt(strings.Split(b.Eval(`location.pathname`), "/")[3], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	look(t, b, "group-permissions-empty")

	// A member of that group only.
	site := d.svc.DB.Site(d.alpha.ID, nil)
	hash, _ := service.HashPassword("newsroom-pass", 4)
	if _, err := site.CreateMember(ctx, &canopy.User{Username: "reporter", Email: "reporter@alpha.test", IsActive: true, PasswordHash: hash}, []int64{gid}); err != nil {
		t.Fatal(err)
	}
	d.password["reporter"] = "newsroom-pass"
	member := d.login("alpha.localhost", "reporter")
	if status, _ := member.get("/admin/pages/"); status == 200 {
		t.Fatal("a member of a group without permissions reaches the explorer")
	}

	// Admin access, News and below (add, edit, publish), images in Root.
	b.Run(chromedp.Click(chromedp.CSS(`#model-access_admin`)))
	b.Run(chromedp.Click(chromedp.CSS(`button[data-chooser="/admin/choose/page/"]`)))
	waitFor(t, b, `document.querySelector("#chooser[open] button[data-choose][data-title='News']")`)
	b.Run(chromedp.Click(chromedp.CSS(`#chooser button[data-choose][data-title='News']`)))
	waitFor(t, b, `(document.querySelector("#new_page")?.value || "") !== ""`)
	for _, id := range []string{"#new-page-add", "#new-page-change", "#new-page-publish"} {
		b.Run(chromedp.Click(chromedp.CSS(id)))
	}
	b.Run(chromedp.SetValue(chromedp.CSS("#new_collection"), strconv.FormatInt(d.alpha.RootCollectionID, 10)))
	for _, id := range []string{"#new-collection-add_image", "#new-collection-choose_image", "#new-collection-change_image"} {
		b.Run(chromedp.Click(chromedp.CSS(id)))
	}
	look(t, b, "group-permissions-filled")
	b.Run(chromedp.Click(chromedp.CSS(`.matrix-form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") && document.querySelector("#can-heading")`)
	can := b.Text("#can-heading + ul")
	for _, want := range []string{"“News” and every page below it: add pages, edit pages and publish and unpublish", "add images", "access the admin"} {
		if !strings.Contains(can, want) {
			t.Errorf("the summary lacks %q: %q", want, can)
		}
	}
	news := d.page(d.alpha, "/news/")
	about := d.page(d.alpha, "/about/")
	_, explorer := member.get("/admin/pages/")
	if !strings.Contains(explorer, fmt.Sprintf(`/admin/pages/%d/`, news.ID)) || strings.Contains(explorer, fmt.Sprintf(`/admin/pages/%d/"`, about.ID)) {
		t.Errorf("the member's explorer after the grant should show News and not About:\n%s", explorer)
	}
	if status, body := member.get("/admin/images/"); status != 200 || !strings.Contains(body, "banner") {
		t.Errorf("the member's image library after the grant: %d", status)
	}

	// The matrix shows the grants; unticking News's row removes it.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/groups/%d/permissions/", alpha, gid)))
	waitFor(t, b, `document.querySelector("#models-heading")`)
	for _, sel := range []string{fmt.Sprintf("#page-%d-add", news.ID), fmt.Sprintf("#page-%d-publish", news.ID), fmt.Sprintf("#collection-%d-choose_image", d.alpha.RootCollectionID), "#model-access_admin"} {
		if b.Eval(`String(document.querySelector("`+sel+`").checked)`) != "true" {
			t.Errorf("%s is not ticked", sel)
		}
	}
	look(t, b, "group-permissions")
	for _, a := range []string{"add", "change", "publish"} {
		b.Run(chromedp.Click(chromedp.CSS(fmt.Sprintf("#page-%d-%s", news.ID, a))))
	}
	b.Run(chromedp.Click(chromedp.CSS(`.matrix-form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") && document.querySelector("#can-heading")`)
	if _, explorer := member.get("/admin/pages/"); strings.Contains(explorer, fmt.Sprintf(`/admin/pages/%d/`, news.ID)) {
		t.Error("News is still in the member's explorer after its row was cleared")
	}
	gg, err := site.GroupGrantsOf(ctx, gid)
	if err != nil || len(gg.Pages) != 0 || len(gg.Collections) != 1 {
		t.Fatalf("grants after clearing the page row: %+v %v", gg, err)
	}

	// Bad input: a page chosen with nothing ticked, nothing chosen with boxes ticked.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/groups/%d/permissions/", alpha, gid)))
	waitFor(t, b, `document.querySelector("#models-heading")`)
	b.Eval(fmt.Sprintf(`document.querySelector("#new_page").value = "%d", ""`, about.ID))
	b.Run(chromedp.Click(chromedp.CSS(`#new-collection-add_document`)), chromedp.Click(chromedp.CSS(`.matrix-form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#new_page-error") && document.querySelector("#new_collection-error")`)
	settled(t, b)
	look(t, b, "group-permissions-errors")
	if !strings.Contains(b.Text(".error-summary"), "Tick at least one permission") {
		t.Errorf("error summary: %q", b.Text(".error-summary"))
	}

	// Forged: beta's page, beta's collection, a row of beta's page.
	c := d.login("alpha.localhost", "alpha-admin")
	betaNews := d.page(d.beta, "/news/")
	path := fmt.Sprintf("/admin/groups/%d/permissions/", gid)
	for name, form := range map[string]url.Values{
		"new page of beta":       {"new_page": {strconv.FormatInt(betaNews.ID, 10)}, "new_page_action": {"change"}},
		"page row of beta":       {"page": {strconv.FormatInt(betaNews.ID, 10)}, "page_" + strconv.FormatInt(betaNews.ID, 10): {"change"}},
		"new collection of beta": {"new_collection": {strconv.FormatInt(d.beta.RootCollectionID, 10)}, "new_collection_perm": {"add_image"}},
		"collection row of beta": {"collection": {strconv.FormatInt(d.beta.RootCollectionID, 10)}, "collection_" + strconv.FormatInt(d.beta.RootCollectionID, 10): {"add_image"}},
	} {
		form.Set("model", "access_admin")
		status, _, body := c.post(path, form)
		if status != 400 || !strings.Contains(body, "error-summary") {
			t.Errorf("%s: %d", name, status)
		}
	}
	after, _ := site.GroupGrantsOf(ctx, gid)
	if len(after.Pages) != 0 || len(after.Collections) != 1 || !slices.Contains(after.Models, "access_admin") {
		t.Errorf("a refused matrix changed the grants: %+v", after)
	}
	bc := d.login("beta.localhost", "beta-admin")
	if status, _ := bc.get(path); status != 404 {
		t.Errorf("beta's admin GET alpha's matrix: %d", status)
	}
	if status, _, _ := bc.post(path, url.Values{"model": {"access_admin", "change_group"}}); status != 404 {
		t.Errorf("beta's admin POST alpha's matrix: %d", status)
	}
	ed := d.login("alpha.localhost", "alpha-editor")
	if status, _ := ed.get(path); status != 403 {
		t.Errorf("editor GET the matrix: %d", status)
	}
	final, _ := site.GroupGrantsOf(ctx, gid)
	if len(final.Models) != len(after.Models) {
		t.Errorf("beta's POST changed alpha's group: %+v", final)
	}
}
