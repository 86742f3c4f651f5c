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

// TestPageComments: an editor comments on About below its editor (an empty
// comment refused beside the field) and so follows its comments; the
// moderator's reply reaches the editor as a "comment" notification, which
// the editor can turn off; the editor resolves their comment (anyone who may
// edit the page may resolve any comment on it). Beta's admin
// gets 404 commenting on alpha's page and alpha's comments are in no beta
// screen.
func TestPageComments(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	about := d.page(d.alpha, "/about/")
	edit := fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, about.ID)
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	b.Run(chromedp.Navigate(edit))
	waitFor(t, b, `document.querySelector("#comments-heading")`)
	b.Run(chromedp.Click(chromedp.CSS(`.comments-panel form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_new_comment-error")`)
	settled(t, b)
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_new_comment"), "Please check the opening hours.\nThey changed in May."),
		chromedp.Click(chromedp.CSS(`.comments-panel form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") && document.querySelector(".comment-list")`)
	if got := b.Text(".comment-list"); !strings.Contains(got, "alpha-editor") || !strings.Contains(got, "They changed in May.") {
		t.Errorf("comments: %q", got)
	}
	if !strings.Contains(b.Text("#comments-heading + form button"), "Stop following") {
		t.Error("the commenter does not follow the comments")
	}
	look(t, b, "editor-comments")

	// The moderator replies: the editor is told.
	mod := d.login("alpha.localhost", "alpha-moderator")
	mod.get(fmt.Sprintf("/admin/pages/%d/edit/", about.ID))
	if status, _, body := mod.post(fmt.Sprintf("/admin/pages/%d/comments/", about.ID), url.Values{"body": {"Done: 9 to 5 now."}}); status != 303 {
		t.Fatalf("moderator's comment: %d %.300s", status, body)
	}
	b.Run(chromedp.Navigate(alpha + "/admin/notifications/"))
	waitFor(t, b, `document.querySelector("main h1")`)
	if got := b.Text("main"); !strings.Contains(got, "alpha-moderator commented on “About”") || !strings.Contains(got, "Done: 9 to 5 now.") {
		t.Errorf("the editor's notifications: %q", got)
	}
	// Turned off: the next comment tells them nothing.
	b.Run(chromedp.Click(chromedp.CSS("#kind-comment")), chromedp.Click(chromedp.CSS(`form[action="/admin/notifications/prefs/"] button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	mod.post(fmt.Sprintf("/admin/pages/%d/comments/", about.ID), url.Values{"body": {"One more thing."}})
	b.Run(chromedp.Navigate(alpha + "/admin/notifications/"))
	waitFor(t, b, `document.querySelector("main h1")`)
	if got := b.Text("main"); strings.Contains(got, "One more thing.") {
		t.Error("a comment notification came after the kind was turned off")
	}
	// The editor resolves their own comment; the moderator's stay.
	b.Run(chromedp.Navigate(edit))
	waitFor(t, b, `document.querySelector(".comment-list")`)
	b.Run(chromedp.Click(chromedp.CSS(`.comment-list li:first-child form button`)))
	waitFor(t, b, `document.querySelector(".message.success") && document.querySelector(".comment-list")`)
	if got := b.Text(".comment-list"); strings.Contains(got, "opening hours") || !strings.Contains(got, "One more thing.") {
		t.Errorf("after resolving: %q", got)
	}
	// Whoever may edit the page resolves any comment on it (the editor may).
	if n := b.Count(".comment-list li form"); n != 2 {
		t.Errorf("resolve buttons: %d, want 2", n)
	}
	// History says so.
	_, hist := mod.get(fmt.Sprintf("/admin/pages/%d/history/", about.ID))
	if !strings.Contains(hist, "commented") || !strings.Contains(hist, "resolved a comment") {
		t.Error("the page's history lacks the comments")
	}

	// Beta.
	bc := d.login("beta.localhost", "beta-admin")
	for _, p := range []string{"/admin/pages/%d/comments/", "/admin/pages/%d/comments/follow/", "/admin/pages/%d/comments/1/resolve/"} {
		if status, _, _ := bc.post(fmt.Sprintf(p, about.ID), url.Values{"body": {"Pwned"}, "on": {"1"}}); status != 404 {
			t.Errorf("beta POST %s: %d", fmt.Sprintf(p, about.ID), status)
		}
	}
	if list, _ := d.svc.DB.Site(d.alpha.ID, nil).Comments(ctx, about.ID, true); len(list) != 3 {
		t.Errorf("alpha's About has %d comments, want 3", len(list))
	}
}
