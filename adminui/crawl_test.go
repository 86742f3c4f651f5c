package adminui_test

import (
	"fmt"
	"image/color"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestLeakCrawler logs in on alpha as each demo role, follows every link
// and submits every harmless (GET) form reachable in alpha's admin, and
// checks that no page names any of beta's objects, addresses them by id or
// names beta's host; then asks alpha's host for every admin address of each
// of beta's objects, which must be 404. It runs again with beta holding ten
// times more content.
func TestLeakCrawler(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := newDemo(t, dialect)
			for round, scale := range []int{1, 10} {
				beta := fillBeta(t, d, scale)
				for _, role := range []string{"alpha-admin", "alpha-editor", "alpha-moderator", "admin"} {
					c := d.login("alpha.localhost", role)
					pages := crawl(t, c, beta, role == "admin")
					t.Logf("round %d, %s: %d pages", round, role, pages)
					if pages < 20 {
						t.Errorf("round %d, %s: only %d pages crawled", round, role, pages)
					}
				}
				c := d.login("alpha.localhost", "alpha-admin")
				su := d.login("alpha.localhost", "admin")
				for _, u := range beta.urls {
					for who, cl := range map[string]*client{"alpha-admin": c, "superuser": su} {
						if status, _ := cl.get(u); status != 404 {
							t.Errorf("round %d: %s GET %s on alpha: %d", round, who, u, status)
						}
					}
				}
			}
		})
	}
}

// betaContent is what must never show on alpha: names, and the admin
// addresses of beta's objects.
type betaContent struct {
	names []string
	urls  []string
	ids   *regexp.Regexp // an admin address naming one of beta's objects
}

// fillBeta gives beta scale× a set of uniquely named objects and lists
// every name and admin address of beta's that alpha must not show.
func fillBeta(t *testing.T, d *demo, scale int) *betaContent {
	t.Helper()
	su, _ := d.svc.DB.UserByUsername(ctx, "admin")
	a, err := d.svc.AdminFor(ctx, d.beta, su)
	if err != nil {
		t.Fatal(err)
	}
	home := d.page(d.beta, "/")
	for i := 0; i < scale; i++ {
		tag := fmt.Sprintf("Zinnia%dx%d", scale, i)
		p, err := a.CreateChild(ctx, home.ID, service.PageInput{Type: canopy.StandardType, Title: tag + " page", Fields: map[string]any{"intro": tag + " intro"}}, i%2 == 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateSnippet(ctx, canopy.LocationType, map[string]any{"name": tag + " shed"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.UploadImage(ctx, service.Upload{Filename: strings.ToLower(tag) + ".png", Title: tag + " photo", Tags: []string{strings.ToLower(tag)},
			Data: pngOf(t, 8, 8, canopyColour(i), canopyColour(i+1))}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.UploadDocument(ctx, service.Upload{Filename: strings.ToLower(tag) + ".txt", Title: tag + " notes", Data: []byte("beta's notes")}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateCollection(ctx, d.beta.RootCollectionID, tag+" folder"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateRedirect(ctx, service.RedirectInput{OldPath: "/" + strings.ToLower(tag) + "-old", RedirectPageID: p.ID, IsPermanent: true}); err != nil {
			t.Fatal(err)
		}
		// People and governance: a group with a grant, a workflow it
		// reviews attached to the page, a comment on the page.
		g, err := a.CreateGroup(ctx, tag+" crew", false)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetGroupGrants(ctx, g.ID, []canopy.PageGrantRow{{PageID: p.ID, Actions: []string{"change"}}}, []string{"access_admin"}, nil); err != nil {
			t.Fatal(err)
		}
		w, err := a.SaveWorkflow(ctx, 0, canopy.WorkflowInput{Name: tag + " review", Tasks: []canopy.WorkflowTask{{Name: tag + " check", Active: true, GroupIDs: []int64{g.ID}}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.AttachWorkflow(ctx, p.ID, w.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.AddComment(ctx, p.ID, tag+" remark"); err != nil {
			t.Fatal(err)
		}
	}
	// The searches type "Zinnia", which the search box shows again: the
	// names looked for are longer.
	b := &betaContent{names: []string{"beta.localhost", "beta gardening", "zinnia1x", "zinnia10x"}}
	store := d.svc.DB.Site(d.beta.ID, d.svc.Types)
	var ids []string
	add := func(kind string, id int64, paths ...string) {
		ids = append(ids, fmt.Sprintf("%s/%d/", kind, id))
		for _, p := range paths {
			b.urls = append(b.urls, fmt.Sprintf(p, id))
		}
	}
	pages, _, err := store.QueryPages(ctx, sqlstore.PageQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		add("pages", p.ID, "/admin/pages/%d/", "/admin/pages/%d/edit/", "/admin/pages/%d/history/", "/admin/pages/%d/revisions/", "/admin/pages/%d/delete/", "/admin/pages/%d/privacy/")
	}
	ims, _, _ := store.Images(ctx, canopy.MediaFilter{All: true, Limit: 10000})
	for _, im := range ims {
		add("images", im.ID, "/admin/images/%d/", "/admin/images/%d/usage/", "/admin/images/%d/delete/", "/admin/images/bulk/?action=tag&id=%d")
	}
	docs, _, _ := store.Documents(ctx, canopy.MediaFilter{All: true, Limit: 10000})
	for _, doc := range docs {
		add("documents", doc.ID, "/admin/documents/%d/", "/admin/documents/%d/usage/", "/admin/documents/%d/delete/")
	}
	sns, _, _ := store.Snippets(ctx, canopy.LocationType, "", 10000, 0)
	for _, sn := range sns {
		add("snippets/location", sn.ID, "/admin/snippets/location/%d/", "/admin/snippets/location/%d/usage/", "/admin/snippets/location/%d/delete/")
	}
	colls, _ := store.Collections(ctx)
	for _, c := range colls {
		add("collections", c.ID, "/admin/collections/%d/", "/admin/collections/%d/privacy/", "/admin/collections/%d/delete/", "/admin/collections/add/?parent=%d")
	}
	reds, _, _ := store.Redirects(ctx, "", 10000, 0)
	for _, r := range reds {
		add("redirects", r.ID, "/admin/redirects/%d/", "/admin/redirects/%d/delete/")
	}
	groups, _ := store.Groups(ctx)
	for _, g := range groups {
		if g.SiteID == d.beta.ID {
			add("groups", g.ID, "/admin/groups/%d/", "/admin/groups/%d/permissions/", "/admin/groups/%d/delete/")
		}
	}
	wfs, _, _ := store.Workflows(ctx, "", -1, 0)
	for _, w := range wfs {
		add("workflows", w.ID, "/admin/workflows/%d/", "/admin/workflows/%d/deactivate/")
	}
	b.ids = regexp.MustCompile(`/admin/(` + strings.Join(ids, "|") + `)`)
	return b
}

func canopyColour(i int) color.NRGBA {
	return color.NRGBA{uint8(40 * i), uint8(90 + 7*i), uint8(200 - 9*i), 255}
}

var (
	hrefRE2   = regexp.MustCompile(`href="(/admin/[^"#]*)"`)
	getFormRE = regexp.MustCompile(`(?s)<form[^>]*method="get"[^>]*action="(/admin/[^"]*)"[^>]*>(.*?)</form>`)
	inputRE   = regexp.MustCompile(`<(?:input|select)[^>]*name="([^"]+)"[^>]*?(?:value="([^"]*)")?[^>]*>`)
)

// crawl visits alpha's admin breadth-first from the dashboard (at most 400
// addresses), fails the test on any page that shows beta (a superuser's
// list of sites excepted), and returns how many pages it read.
func crawl(t *testing.T, c *client, beta *betaContent, superuser bool) int {
	t.Helper()
	seen := map[string]bool{}
	queue := []string{"/admin/"}
	// Searches for beta's names through every search box reachable.
	queue = append(queue, "/admin/search/?q=Zinnia", "/admin/search/?q=beta", "/admin/choose/page/?q=Zinnia", "/admin/choose/image/?q=Zinnia",
		"/admin/choose/document/?q=Zinnia", "/admin/choose/snippet/location/?q=Zinnia")
	read := 0
	for len(queue) > 0 && read < 400 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		status, body := c.get(u)
		read++
		if status >= 500 {
			t.Errorf("GET %s: %d", u, status)
		}
		lower := strings.ToLower(body)
		if superuser && (strings.HasPrefix(u, "/admin/my-sites/") || strings.HasPrefix(u, "/admin/sites/")) {
			// A superuser belongs to every site: the list of sites names them.
			lower = ""
		}
		for _, n := range beta.names {
			if strings.Contains(lower, n) {
				t.Errorf("GET %s shows beta's %q: %s", u, n, excerpt(lower, n))
			}
		}
		if m := beta.ids.FindString(body); m != "" {
			t.Errorf("GET %s links to beta's object %s", u, m)
		}
		for _, m := range hrefRE2.FindAllStringSubmatch(body, -1) {
			link := strings.ReplaceAll(m[1], "&amp;", "&")
			if strings.HasPrefix(link, "/admin/static/") || strings.Contains(link, "/export/") || strings.Contains(link, "logout") {
				continue
			}
			if !seen[link] {
				queue = append(queue, link)
			}
		}
		// Harmless forms: those sent with GET (search, filters, sorting), with
		// their values, and with beta's name typed into their text fields.
		for _, f := range getFormRE.FindAllStringSubmatch(body, -1) {
			v := url.Values{}
			for _, in := range inputRE.FindAllStringSubmatch(f[2], -1) {
				v.Set(in[1], in[2])
			}
			if v.Has("q") {
				v.Set("q", "Zinnia")
			}
			link := f[1] + "?" + v.Encode()
			if !seen[link] {
				queue = append(queue, link)
			}
		}
	}
	return read
}
