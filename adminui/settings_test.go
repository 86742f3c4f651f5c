package adminui_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestSettingsScreen: a site admin changes the site's settings (a bad
// address is refused beside its field, nothing saved; the logo is chosen
// by id and named), the public site follows, the logo's "used on" names the
// settings; an editor has no Settings; beta's admin changes only beta's.
func TestSettingsScreen(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	b.Run(chromedp.Click(chromedp.CSS(`#sidenav a[href="/admin/settings/general/"]`)))
	waitFor(t, b, `document.querySelector("#id_contact_email")`)
	if b.Text("#id_logo-chosen") == "" || strings.Contains(b.Text("#id_logo-chosen"), "Nothing chosen") {
		t.Errorf("the demo's logo is not named: %q", b.Text("#id_logo-chosen"))
	}
	look(t, b, "settings")
	b.Eval(`document.querySelector("#id_contact_email").value = "not an address", document.querySelector("#id_facebook_url").value = "https://facebook.example/alpha", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#id_contact_email-error")`)
	settled(t, b)
	if v := b.Eval(`document.querySelector("#id_facebook_url").value`); v != "https://facebook.example/alpha" {
		t.Errorf("the input was lost: %q", v)
	}
	look(t, b, "settings-error")
	store := d.svc.DB.Site(d.alpha.ID, d.svc.Types)
	if got, _ := store.Settings(ctx, canopy.GeneralSettings); got["facebook_url"] == "https://facebook.example/alpha" {
		t.Error("a refused form was half-saved")
	}
	b.Eval(`document.querySelector("#id_contact_email").value = "physics@alpha.example", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	got, _ := store.Settings(ctx, canopy.GeneralSettings)
	if got["contact_email"] != "physics@alpha.example" || got["facebook_url"] != "https://facebook.example/alpha" {
		t.Errorf("saved: %v", got)
	}
	// The logo's usage names the settings.
	logo := fmt.Sprint(got["logo"])
	c := d.login("alpha.localhost", "alpha-admin")
	if _, body := c.get("/admin/images/" + strings.TrimSuffix(logo, ".0") + "/"); !strings.Contains(body, "General settings") {
		t.Error("the logo's used-on does not name the settings")
	}
	// An editor: no menu entry, 403 by URL and by POST.
	ed := d.login("alpha.localhost", "alpha-editor")
	if _, home := ed.get("/admin/"); strings.Contains(home, `/admin/settings/`) {
		t.Error("the editor is offered the settings")
	}
	if status, _ := ed.get("/admin/settings/general/"); status != 403 {
		t.Errorf("editor GET settings: %d", status)
	}
	if status, _, _ := ed.post("/admin/settings/general/", url.Values{"contact_email": {"x@y.example"}}); status != 403 {
		t.Errorf("editor POST settings: %d", status)
	}
	// Beta's admin saves beta's settings only; an unknown group is 404.
	bc := d.login("beta.localhost", "beta-admin")
	bc.get("/admin/settings/general/")
	if status, _, _ := bc.post("/admin/settings/general/", url.Values{"contact_email": {"beta@beta.example"}, "logo": {logo}}); status != 400 {
		t.Errorf("beta choosing alpha's logo: %d", status)
	}
	if status, _, _ := bc.post("/admin/settings/general/", url.Values{"contact_email": {"beta@beta.example"}}); status != 303 {
		t.Errorf("beta saving its settings: %d", status)
	}
	if got, _ := store.Settings(ctx, canopy.GeneralSettings); got["contact_email"] != "physics@alpha.example" {
		t.Errorf("alpha's settings changed: %v", got)
	}
	if status, _ := bc.get("/admin/settings/nope/"); status != 404 {
		t.Errorf("unknown settings: %d", status)
	}
}

// TestHideFromSearchInTheEditor: an editor ticks "Hide from search engines"
// on the Promote tab and publishes; the page stays live but leaves the
// sitemap and says noindex; the box shows ticked when the editor opens
// again, and unticking it brings the page back into the sitemap.
func TestHideFromSearchInTheEditor(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := newDemo(t, dialect)
			c := d.login("alpha.localhost", "alpha-admin")
			about := d.page(d.alpha, "/about/")
			edit := fmt.Sprintf("/admin/pages/%d/edit/", about.ID)
			publish := func(hide bool) {
				t.Helper()
				p := d.page(d.alpha, "/about/")
				c.get(edit)
				form := url.Values{"title": {"About"}, "slug": {"about"}, "show_in_menus": {"on"}, "base_revision": {fmt.Sprint(p.LatestRevisionID)}, "action": {"publish"}}
				if hide {
					form.Set("hide_from_search", "on")
				}
				if status, _, body := c.post(edit, form); status != 303 {
					t.Fatalf("publish (hide %v): %d %.300s", hide, status, body)
				}
			}
			publish(true)
			_, body := c.get(edit)
			if !regexp.MustCompile(`<input[^>]*name="hide_from_search"[^>]*checked`).MatchString(body) {
				t.Error("the editor does not show the page as hidden from search engines")
			}
			status, page := d.publicGet("alpha.localhost", "/about/")
			if status != 200 || !strings.Contains(page, `<meta name="robots" content="noindex">`) {
				t.Errorf("hidden page: %d, noindex %v", status, strings.Contains(page, "noindex"))
			}
			if _, sm := d.publicGet("alpha.localhost", "/sitemap.xml"); strings.Contains(sm, "/about/") || !strings.Contains(sm, "/contact/") {
				t.Errorf("sitemap with /about/ hidden: %s", sm)
			}
			publish(false)
			if _, sm := d.publicGet("alpha.localhost", "/sitemap.xml"); !strings.Contains(sm, "/about/") {
				t.Errorf("sitemap after unhiding /about/: %s", sm)
			}
			if _, page := d.publicGet("alpha.localhost", "/about/"); strings.Contains(page, "noindex") {
				t.Error("an unhidden page still says noindex")
			}
		})
	}
}
