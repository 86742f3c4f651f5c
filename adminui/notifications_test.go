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

// TestNotificationsScreen: an editor submits a page; the site admin's
// notifications list it as a sentence, unread; "mark all as read" marks
// it; the admin turns a kind off and the choice is kept.
func TestNotificationsScreen(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	editor := d.login("alpha.localhost", "alpha-editor")
	news := d.page(d.alpha, "/news/new-telescope-installed/")
	editor.get(fmt.Sprintf("/admin/pages/%d/edit/", news.ID))
	if status, _, body := editor.post(fmt.Sprintf("/admin/pages/%d/edit/", news.ID), url.Values{"title": {"Telescope"}, "f.intro": {"x"},
		"base_revision": {fmt.Sprint(news.LatestRevisionID)}, "action": {"submit"}}); status != 303 {
		t.Fatalf("submit: %d %.300s", status, body)
	}
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	b.Run(chromedp.Click(chromedp.CSS(`main a[href="/admin/notifications/"]`)))
	waitFor(t, b, `document.querySelector(".notes")`)
	if got := b.Text(".notes li.unread"); !strings.Contains(got, "alpha-editor submitted “Telescope” for moderation") {
		t.Errorf("the notification: %q", got)
	}
	look(t, b, "notifications")
	b.Run(chromedp.Click(chromedp.CSS(`.page-head form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") && location.pathname === "/admin/notifications/"`)
	if b.Count(".notes li.unread") != 0 {
		t.Error("still unread after marking all as read")
	}
	b.Run(chromedp.Click(chromedp.CSS("#kind-submitted")), chromedp.Click(chromedp.CSS(`section[aria-labelledby=prefs-heading] button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") && /choices are saved/.test(document.querySelector(".message.success").textContent)`)
	if b.Eval(`String(document.querySelector("#kind-submitted").checked)`) != "false" {
		t.Error("the page shows the kind still on")
	}
	u, _ := d.svc.DB.UserByUsername(ctx, "alpha-admin")
	if prefs, _ := d.svc.DB.NotificationPrefs(ctx, u.ID); prefs["submitted"] {
		t.Errorf("the choice was not kept: %v", prefs)
	}
}
