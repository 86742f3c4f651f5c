package adminui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestAccountScreen: a person changes their name; a new password needs the
// current one and ends their other sessions but not this one; "log out
// everywhere else" ends the others; an API token is shown once and works,
// then is revoked.
func TestAccountScreen(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	other := d.login("alpha.localhost", "alpha-editor") // another browser
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	b.Run(chromedp.Navigate(alpha + "/admin/account/"))
	waitFor(t, b, `document.querySelector("#id_first_name")`)
	if n := b.Count("#sessions-heading ~ ul li"); n != 2 {
		t.Errorf("%d sessions listed, want 2", n)
	}
	look(t, b, "account")
	// A new password without the current one: refused beside the field.
	b.Run(chromedp.SetValue(chromedp.CSS("#id_first_name"), "Eddie"), chromedp.SendKeys(chromedp.CSS("#id_password"), "brand new password"),
		chromedp.SendKeys(chromedp.CSS("#id_password2"), "brand new password"), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_current_password-error")`)
	// The error page moves the focus to its summary once loaded: typed keys
	// would follow it, so the fields are filled once it has.
	settled(t, b)
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_password"), "brand new password"), chromedp.SendKeys(chromedp.CSS("#id_password2"), "brand new password"),
		chromedp.SendKeys(chromedp.CSS("#id_current_password"), d.password["alpha-editor"]), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success") || document.querySelector(".error-summary") && !document.querySelector("#id_current_password-error")`)
	if b.Count(".message.success") == 0 || !strings.Contains(b.Text(".message.success"), "password is changed") {
		t.Fatalf("the new password: %q %q", b.Text(".error-summary"), b.Text(".message"))
	}
	if status, _ := other.get("/admin/"); status != 303 {
		t.Errorf("the other session survived the new password: %d", status)
	}
	if u, _ := d.svc.DB.UserByUsername(ctx, "alpha-editor"); u.FirstName != "Eddie" {
		t.Errorf("the name: %q", u.FirstName)
	}
	d.password["alpha-editor"] = "brand new password"
	// Log out everywhere else.
	third := d.login("alpha.localhost", "alpha-editor")
	b.Run(chromedp.Navigate(alpha + "/admin/account/"))
	waitFor(t, b, `document.querySelector("#sessions-heading")`)
	b.Run(chromedp.Click(chromedp.CSS(`form[action="/admin/account/sessions/"] button`)))
	waitFor(t, b, `document.querySelector(".message.success") && /everywhere else/.test(document.querySelector(".message.success").textContent)`)
	if status, _ := third.get("/admin/"); status != 303 {
		t.Errorf("the third session survived: %d", status)
	}
	// A token, shown once, works on the API, then revoked.
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_token_name"), "deploy script"), chromedp.Click(chromedp.CSS(`form[action="/admin/account/tokens/"] button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#new-token code")`)
	secret := b.Text("#new-token code")
	look(t, b, "account-token")
	api := d.client("alpha.localhost")
	if status := apiStatus(t, api, secret); status != 200 {
		t.Errorf("the token on the API: %d", status)
	}
	b.Run(chromedp.Navigate(alpha + "/admin/account/"))
	waitFor(t, b, `document.querySelector("#tokens-heading")`)
	if strings.Contains(b.Text("main"), secret) {
		t.Error("the secret is shown again")
	}
	b.Run(chromedp.Click(chromedp.CSS(`form[action$="/delete/"] button`)))
	waitFor(t, b, `document.querySelector(".message.success") && /revoked/.test(document.querySelector(".message.success").textContent)`)
	if status := apiStatus(t, api, secret); status != 401 {
		t.Errorf("the revoked token: %d", status)
	}
	// Another person's token id: nothing happens to it.
	c := d.login("alpha.localhost", "alpha-admin")
	c.get("/admin/account/")
	if status, _, _ := c.post("/admin/account/tokens/999999/delete/", url.Values{}); status != 404 {
		t.Errorf("revoking an unknown token: %d", status)
	}
}

func apiStatus(t *testing.T, c *client, token string) int {
	t.Helper()
	req, _ := newRequest("GET", c.d.url+"/admin/api/images", c.host+":"+c.d.port)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

var httpClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func newRequest(method, u, host string) (*http.Request, error) {
	req, err := http.NewRequest(method, u, nil)
	if err == nil {
		req.Host = host
	}
	return req, err
}

// TestKeyboardShortcuts: "/" moves the focus to the search, "?" opens the
// list of shortcuts, Ctrl+S saves the draft in the editor; the account's
// preferences turn them off (then "/" and "?" do nothing) and set the theme.
func TestKeyboardShortcuts(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	waitFor(t, b, `document.documentElement.dataset.shortcuts === "on" && document.documentElement.classList.contains("js")`)
	b.Run(chromedp.KeyEvent("/"))
	waitFor(t, b, `document.activeElement && document.activeElement.id === "shell-search"`)
	b.Eval(`document.activeElement.blur(), ""`)
	b.Run(chromedp.KeyEvent("?"))
	waitFor(t, b, `document.querySelector("#shortcuts").open`)
	look(t, b, "shortcuts")
	b.Run(chromedp.KeyEvent(kb.Escape))
	waitFor(t, b, `!document.querySelector("#shortcuts").open`)
	// Ctrl+S in the editor saves the draft.
	page := d.page(d.alpha, "/about/")
	b.Run(chromedp.Navigate(alpha + "/admin/pages/" + strconv.FormatInt(page.ID, 10) + "/edit/"))
	waitFor(t, b, `document.querySelector("#id_title")`)
	b.Run(chromedp.SetValue(chromedp.CSS("#id_title"), "About and more"), chromedp.Focus(chromedp.CSS("#id_title")), chromedp.KeyEvent("s", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if p := d.page(d.alpha, "/about/"); p.DraftTitle != "About and more" {
		t.Errorf("Ctrl+S saved the title %q", p.DraftTitle)
	}
	// Off, and a dark theme, from the account's preferences.
	b.Run(chromedp.Navigate(alpha + "/admin/account/"))
	waitFor(t, b, `document.querySelector("#pref-shortcuts")`)
	look(t, b, "account-preferences")
	b.Run(chromedp.Click(chromedp.CSS("#pref-shortcuts")), chromedp.Click(chromedp.CSS("#pref-theme-dark")),
		chromedp.Click(chromedp.CSS(`form[action="/admin/account/preferences/"] button`)))
	waitFor(t, b, `document.querySelector(".message.success") && document.documentElement.dataset.theme === "dark"`)
	if b.Eval(`String(document.documentElement.dataset.shortcuts || "")`) != "" || b.Count("#shortcuts") != 0 {
		t.Fatal("the shortcuts are still on")
	}
	b.Eval(`document.activeElement.blur(), ""`)
	b.Run(chromedp.KeyEvent("/"))
	if b.Eval(`String(document.activeElement && document.activeElement.id)`) == "shell-search" {
		t.Error("/ focused the search with the shortcuts off")
	}
	u, _ := d.svc.DB.UserByUsername(ctx, "alpha-editor")
	if u.KeyboardShortcuts {
		t.Error("the preference was not stored")
	}
}
