package adminui_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestUsersScreens: alpha's site admin lists alpha's users (never beta's),
// filters them, finds beta's admin through the search (a short query finds
// nothing; nothing says where else they are a member), adds them as an
// editor, changes their roles (at least one), removes them (they keep
// beta); creates an account (errors beside the fields); cannot see or set
// the superuser flag, even by a forged POST; beta's admin gets 404 for
// alpha's users; an editor has no Users.
func TestUsersScreens(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	b.Run(chromedp.Click(chromedp.CSS(`#sidenav a[href="/admin/users/"]`)))
	waitFor(t, b, `document.querySelector("table.listing")`)
	names := b.Text("table.listing tbody")
	for _, want := range []string{"alpha-admin", "alpha-editor", "alpha-moderator"} {
		if !strings.Contains(names, want) {
			t.Errorf("the list lacks %s", want)
		}
	}
	if strings.Contains(names, "beta-admin") {
		t.Error("alpha's list shows beta's admin")
	}
	look(t, b, "users")
	// Filter by group.
	b.Eval(`(() => { const s = document.querySelector("#users-group"); s.value = [...s.options].find(o => o.text === "Moderators").value; })(), ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.filter-form button[type=submit]`)))
	waitFor(t, b, `location.search.includes("group=") && document.querySelector("table.listing")`)
	if got := b.Text("table.listing tbody"); !strings.Contains(got, "alpha-moderator") || strings.Contains(got, "alpha-editor") {
		t.Errorf("the Moderators filter: %q", got)
	}
	// Add beta's admin: too short, then found.
	b.Run(chromedp.Navigate(alpha + "/admin/users/add/?q=be"))
	waitFor(t, b, `document.querySelector("#find-error")`)
	b.Run(chromedp.Navigate(alpha + "/admin/users/add/?q=beta-"))
	waitFor(t, b, `document.querySelector(".account-matches")`)
	found := b.Text(".account-matches")
	if !strings.Contains(found, "beta-admin") || strings.Contains(strings.ToLower(b.Text("main")), "gardening") || strings.Contains(b.Text("main"), "beta.localhost") {
		t.Errorf("the search: %q", found)
	}
	look(t, b, "user-add")
	b.Eval(`(() => { const f = document.querySelector("form.add-existing"); [...f.querySelectorAll("label")].find(l => l.textContent === "Editors").click(); })(), ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.add-existing button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	ba, _ := d.svc.DB.UserByUsername(ctx, "beta-admin")
	store := d.svc.DB.Site(d.alpha.ID, nil)
	m, err := store.Member(ctx, ba.ID)
	if err != nil || len(m.Groups) != 1 || m.Groups[0].Name != "Editors" {
		t.Fatalf("beta-admin on alpha: %+v %v", m, err)
	}
	// Beta still sees only beta's roles for them.
	bm, _ := d.svc.DB.Site(d.beta.ID, nil).Member(ctx, ba.ID)
	for _, g := range bm.Groups {
		if g.SiteID != d.beta.ID {
			t.Errorf("beta sees a group of another site: %+v", g)
		}
	}
	// Roles: none is refused, Moderators saved.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/users/%d/", alpha, ba.ID)))
	waitFor(t, b, `document.querySelector("#groups")`)
	if b.Count("#id_is_superuser") != 0 || b.Count("#id_is_superadmin") != 0 {
		t.Error("a site admin is shown the superuser flags")
	}
	if b.Count("#id_email") != 0 {
		t.Error("a site admin may change the identity of an account of another site")
	}
	b.Eval(`document.querySelectorAll("#groups input[type=checkbox]").forEach(c => c.checked = false), ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#groups-error")`)
	settled(t, b)
	look(t, b, "user-form-error")
	b.Eval(`(() => { [...document.querySelectorAll("#groups label")].find(l => l.textContent.startsWith("Moderators")).click(); })(), ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if m, _ := store.Member(ctx, ba.ID); len(m.Groups) != 1 || m.Groups[0].Name != "Moderators" {
		t.Errorf("roles after saving: %+v", m.Groups)
	}
	// A forged superuser flag is ignored.
	c := d.login("alpha.localhost", "alpha-admin")
	c.get(fmt.Sprintf("/admin/users/%d/", ba.ID))
	c.post(fmt.Sprintf("/admin/users/%d/", ba.ID), url.Values{"groups": {fmt.Sprint(m.Groups[0].ID)}, "is_superuser": {"on"}, "is_superadmin": {"on"}})
	if u, _ := d.svc.DB.UserByUsername(ctx, "beta-admin"); u.IsSuperuser || u.IsSuperadmin {
		t.Error("a forged POST made a superuser")
	}
	// Remove from alpha: they keep beta.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/users/%d/remove/", alpha, ba.ID)))
	waitFor(t, b, `document.querySelector("button.danger")`)
	look(t, b, "user-remove")
	b.Run(chromedp.Click(chromedp.CSS("button.danger")))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if _, err := store.Member(ctx, ba.ID); err == nil {
		t.Error("still a member of alpha")
	}
	if _, err := d.svc.DB.Site(d.beta.ID, nil).Member(ctx, ba.ID); err != nil {
		t.Errorf("no longer a member of beta: %v", err)
	}
	// Create an account: a duplicate username is refused beside the field.
	b.Run(chromedp.Navigate(alpha + "/admin/users/add/"))
	waitFor(t, b, `document.querySelector("#id_username")`)
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_username"), "alpha-editor"), chromedp.SendKeys(chromedp.CSS("#id_password"), "a good password"))
	b.Eval(`document.querySelector("#new-groups input[type=checkbox]").checked = true, ""`)
	b.Run(chromedp.Click(chromedp.CSS(`section[aria-labelledby=new-heading] button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_username-error")`)
	settled(t, b)
	b.Eval(`document.querySelector("#id_username").value = "lab-tech", document.querySelector("#id_password").value = "a good password", ""`)
	b.Eval(`document.querySelector("#new-groups input[type=checkbox]").checked = true, ""`)
	b.Run(chromedp.Click(chromedp.CSS(`section[aria-labelledby=new-heading] button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") || document.querySelector(".error-summary") && !document.querySelector("#id_username-error")`)
	if b.Count(".message.success") == 0 {
		t.Fatalf("creating lab-tech: %s", b.Text(".error-summary"))
	}
	if u, err := d.svc.DB.UserByUsername(ctx, "lab-tech"); err != nil || u.HomeSiteID != d.alpha.ID {
		t.Errorf("the new account: %+v %v", u, err)
	}
	// Beta's admin: alpha's users by id are 404.
	bc := d.login("beta.localhost", "beta-admin")
	ed, _ := d.svc.DB.UserByUsername(ctx, "alpha-editor")
	for _, p := range []string{"/admin/users/%d/", "/admin/users/%d/remove/"} {
		if status, _ := bc.get(fmt.Sprintf(p, ed.ID)); status != 404 {
			t.Errorf("beta GET %s: %d", fmt.Sprintf(p, ed.ID), status)
		}
		if status, _, _ := bc.post(fmt.Sprintf(p, ed.ID), url.Values{"groups": {"1"}}); status != 404 {
			t.Errorf("beta POST %s: %d", fmt.Sprintf(p, ed.ID), status)
		}
	}
	if _, body := bc.get("/admin/users/"); strings.Contains(body, "alpha-editor") {
		t.Error("beta's list shows alpha's editor")
	}
	// An editor may not manage users.
	edc := d.login("alpha.localhost", "alpha-editor")
	if _, home := edc.get("/admin/"); strings.Contains(home, `href="/admin/users/"`) {
		t.Error("the editor is offered Users")
	}
	if status, _ := edc.get("/admin/users/"); status != 403 {
		t.Errorf("editor GET users: %d", status)
	}
}

// TestUserInvitation: a site admin creates an account with an invitation;
// the e-mail (through the outbox) carries a link that sets the password
// once; the person logs in with it; the link used again, or expired, says
// so and changes nothing; beta's host does not know alpha's invitation.
func TestUserInvitation(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	d.svc.DB.QueueMail = true
	c := d.login("alpha.localhost", "alpha-admin")
	_, page := c.get("/admin/users/add/")
	if !strings.Contains(page, `id="how-invite"`) {
		t.Fatal("no invitation offered although mail is configured")
	}
	gs, _ := d.svc.DB.Site(d.alpha.ID, nil).Groups(ctx)
	// An address another account has is refused beside the field, and no mail goes.
	status, _, body := c.post("/admin/users/add/", url.Values{"action": {"create"}, "how": {"invite"}, "username": {"twin"},
		"email": {"ALPHA-EDITOR@alpha.localhost"}, "groups": {fmt.Sprint(gs[0].ID)}})
	if status != 409 && status != 400 || !strings.Contains(body, "Another account already uses") {
		t.Fatalf("an e-mail already used: %d %s", status, excerpt(body, "error"))
	}
	status, _, body = c.post("/admin/users/add/", url.Values{"action": {"create"}, "how": {"invite"}, "username": {"newcomer"},
		"email": {"newcomer@example.org"}, "first_name": {"Nia"}, "groups": {fmt.Sprint(gs[0].ID)}})
	if status != 303 {
		t.Fatalf("invite: %d %s", status, excerpt(body, "error"))
	}
	mails, err := d.svc.DB.ClaimMail(ctx, time.Now().Add(time.Minute), 10, time.Minute)
	if err != nil || len(mails) != 1 || mails[0].To != "newcomer@example.org" {
		t.Fatalf("the outbox: %+v %v", mails, err)
	}
	m := regexp.MustCompile(`http://alpha\.localhost[^\s]*/admin/invite/([A-Za-z0-9_-]+)/`).FindStringSubmatch(mails[0].Body)
	if m == nil {
		t.Fatalf("no link in %q", mails[0].Body)
	}
	link := "/admin/invite/" + m[1] + "/"
	// Beta's host does not know the link.
	if status, _ := d.client("beta.localhost").get(link); status != 404 {
		t.Errorf("alpha's invitation on beta: %d", status)
	}
	// The person: a browser, a short password refused, then set.
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	b.Run(chromedp.Navigate(alpha + link))
	waitFor(t, b, `document.querySelector("#password")`)
	look(t, b, "invite")
	b.Run(chromedp.SendKeys(chromedp.CSS("#password"), "short"), chromedp.SendKeys(chromedp.CSS("#password2"), "short"),
		chromedp.Click(chromedp.CSS("form.form button[type=submit]")))
	waitFor(t, b, `document.querySelector("#password-error")`)
	b.Run(chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"), chromedp.SendKeys(chromedp.CSS("#password2"), "a long enough password"),
		chromedp.Click(chromedp.CSS("form.form button[type=submit]")))
	waitFor(t, b, `document.querySelector("#username") && document.querySelector(".message.success")`)
	d.password["newcomer"] = "a long enough password"
	login(b, alpha, "newcomer", "a long enough password")
	// Used once: the link says so.
	b.Run(chromedp.Navigate(alpha + link))
	waitFor(t, b, `document.querySelector("#invite-error")`)
	if !strings.Contains(b.Text("#invite-error"), "used already") || b.Count("#password") != 0 {
		t.Errorf("the used link: %q", b.Text("#invite-error"))
	}
	// An expired invitation: refused, the password stays unset.
	d.svc.InvitationTTL = time.Millisecond
	c.get("/admin/users/add/")
	c.post("/admin/users/add/", url.Values{"action": {"create"}, "how": {"invite"}, "username": {"latecomer"}, "email": {"late@example.org"}, "groups": {fmt.Sprint(gs[0].ID)}})
	mails, _ = d.svc.DB.ClaimMail(ctx, time.Now().Add(time.Minute), 10, time.Minute)
	m = regexp.MustCompile(`/admin/invite/([A-Za-z0-9_-]+)/`).FindStringSubmatch(mails[0].Body)
	time.Sleep(5 * time.Millisecond)
	anon := d.client("alpha.localhost")
	if status, body := anon.get("/admin/invite/" + m[1] + "/"); status != 410 || !strings.Contains(body, "expired") {
		t.Errorf("an expired link: %d", status)
	}
	if u, _ := d.svc.DB.UserByUsername(ctx, "latecomer"); u.PasswordHash != "" {
		t.Error("the expired invitation set a password")
	}
}
