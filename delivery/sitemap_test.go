package delivery_test

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/delivery"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

type sitemapDoc struct {
	URLs []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

func parseSitemap(t *testing.T, r testserver.Response) sitemapDoc {
	t.Helper()
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("sitemap: %d %s %q", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var d sitemapDoc
	if err := xml.Unmarshal([]byte(r.Body), &d); err != nil {
		t.Fatalf("sitemap does not parse: %v\n%s", err, r.Body)
	}
	return d
}

func locs(d sitemapDoc) string {
	var out []string
	for _, u := range d.URLs {
		out = append(out, u.Loc)
	}
	for _, s := range d.Sitemaps {
		out = append(out, s.Loc)
	}
	return strings.Join(out, " ")
}

// TestSitemapAndRobots: each site's /sitemap.xml lists its live pages that
// everyone may see, by absolute URL from the site's root URL with lastmod —
// no drafts, nothing under a view restriction, nothing of another site —
// and is renewed by a publish; above the size limit it is an index of
// parts (a part out of range is 404); /robots.txt names the sitemap, or is
// the site's own from its settings, or disallows everything when the site is
// hidden from search engines (its pages then say noindex); a path
// with a file extension is answered 404, never redirected.
func TestSitemapAndRobots(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			f := testserver.New(t, dialect, true)
			about := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true, nil)
			f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Unfinished", false, nil)
			private := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Staff", true, nil)
			f.Page(f.Alpha, private.ID, canopy.StandardType, "Payroll", true, nil)
			testserver.Must(t, f.Svc.DB.Site(f.Alpha.ID, nil).SetPageRestriction(ctx, private.ID, &canopy.Restriction{Kind: "login"}))
			f.Page(f.Beta, f.Beta.RootPageID, canopy.StandardType, "Beta only", true, nil)
			// A page hidden from search engines: live, but not in the sitemap, and noindex.
			hidden, err := f.Svc.Pages(f.Alpha.ID).Create(ctx, f.Alpha.RootPageID, service.PageInput{Type: canopy.StandardType, Title: "Thanks", HideFromSearch: true}, 0, true)
			testserver.Must(t, err)
			if r := f.Get("alpha.test", hidden.URLPath); r.Status != 200 || !strings.Contains(r.Body, `<meta name="robots" content="noindex">`) {
				t.Errorf("a page hidden from search engines: %d, noindex %v", r.Status, strings.Contains(r.Body, "noindex"))
			}
			// The content API says so, and filters by it (a headless front end's sitemap).
			if status, body := f.JSON("alpha.test", "/api/v2/pages/?hide_from_search=true&fields=hide_from_search"); status != 200 ||
				fmt.Sprint(body["meta"]) != "map[total_count:1]" || !strings.Contains(fmt.Sprint(body["items"]), "hide_from_search:true") {
				t.Errorf("content API: %d %v", status, body)
			}
			root := f.Alpha.RootURL()
			for round := 0; round < 2; round++ { // the second from the cache
				d := parseSitemap(t, f.Get("alpha.test", "/sitemap.xml"))
				got := locs(d)
				for _, want := range []string{root + "/", root + about.URLPath} {
					if !strings.Contains(got+" ", want+" ") {
						t.Errorf("round %d: the sitemap lacks %s: %s", round, want, got)
					}
				}
				for _, not := range []string{"unfinished", "staff", "payroll", "beta", "thanks"} {
					if strings.Contains(got, not) {
						t.Errorf("round %d: the sitemap lists %s: %s", round, not, got)
					}
				}
				for _, u := range d.URLs {
					if len(u.LastMod) != len("2006-01-02T15:04:05Z") {
						t.Errorf("lastmod %q of %s", u.LastMod, u.Loc)
					}
				}
			}
			// A publish renews it.
			news := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "News", true, nil)
			testserver.Eventually(t, "the sitemap lists a page just published", func() bool {
				return strings.Contains(locs(parseSitemap(t, f.Get("alpha.test", "/sitemap.xml"))), root+news.URLPath)
			})
			// Beta's sitemap is beta's.
			if got := locs(parseSitemap(t, f.Get("beta.test", "/sitemap.xml"))); !strings.Contains(got, "beta-only") || strings.Contains(got, "about") {
				t.Errorf("beta's sitemap: %s", got)
			}
			// robots.txt
			r := f.Get("alpha.test", "/robots.txt")
			if r.Status != 200 || !strings.Contains(r.Body, "Sitemap: "+root+"/sitemap.xml") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("robots.txt: %d %q", r.Status, r.Body)
			}
			// The site's own robots.txt, from its settings; then the whole site
			// hidden from search engines: everything disallowed, pages noindex.
			sdb := f.Svc.DB.Site(f.Alpha.ID, nil)
			testserver.Must(t, sdb.SaveSettings(ctx, canopy.GeneralSettings, map[string]any{"robots_txt": "User-agent: *\r\nDisallow: /drafts/"}))
			testserver.Eventually(t, "robots.txt from the settings", func() bool {
				r := f.Get("alpha.test", "/robots.txt")
				return r.Body == "User-agent: *\nDisallow: /drafts/\n"
			})
			if home := f.Get("alpha.test", "/"); strings.Contains(home.Body, `name="robots"`) {
				t.Error("a public site's page says noindex")
			}
			testserver.Must(t, sdb.SaveSettings(ctx, canopy.GeneralSettings, map[string]any{"robots_txt": "User-agent: *", "hide_from_search_engines": true}))
			testserver.Eventually(t, "a hidden site disallows everything", func() bool {
				return f.Get("alpha.test", "/robots.txt").Body == "User-agent: *\nDisallow: /\n"
			})
			if home := f.Get("alpha.test", "/"); !strings.Contains(home.Body, `<meta name="robots" content="noindex">`) {
				t.Error("a hidden site's page lacks noindex")
			}
			if r := f.Get("beta.test", "/robots.txt"); !strings.Contains(r.Body, "Allow: /") {
				t.Errorf("alpha's settings changed beta's robots.txt: %q", r.Body)
			}
			// A file path is not a page: 404, no slash added; nor a part of a small sitemap.
			for _, p := range []string{"/favicon.ico", "/about.html", "/sitemap-1.xml", "/sitemap-0.xml", "/sitemap.xml/"} {
				if r := f.Get("alpha.test", p); r.Status != 404 {
					t.Errorf("GET %s: %d %s", p, r.Status, r.Header.Get("Location"))
				}
			}
			// A host no site has (the default site answers its pages) gets
			// no sitemap and no robots.txt, also when alpha's are cached.
			for _, p := range []string{"/sitemap.xml", "/robots.txt"} {
				if r := f.Get("nowhere.test", p); r.Status != 404 || strings.Contains(r.Body, "alpha") {
					t.Errorf("an unknown host's %s: %d %q", p, r.Status, r.Body)
				}
			}
		})
	}
}

// TestSitemapIndex: a site with more pages than one sitemap holds answers
// /sitemap.xml with an index of its parts, each listing its share; a part
// past the last is 404.
func TestSitemapIndex(t *testing.T) {
	old := delivery.SitemapSize
	delivery.SitemapSize = 2
	t.Cleanup(func() { delivery.SitemapSize = old })
	f := testserver.New(t, testdb.Dialects[0], true)
	for _, title := range []string{"One", "Two", "Three", "Four"} {
		f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, title, true, nil)
	}
	root := f.Alpha.RootURL()
	idx := parseSitemap(t, f.Get("alpha.test", "/sitemap.xml"))
	if len(idx.Sitemaps) != 3 || idx.Sitemaps[0].Loc != root+"/sitemap-1.xml" || len(idx.URLs) != 0 {
		t.Fatalf("index of 5 pages by 2: %s", locs(idx))
	}
	all := ""
	for i, s := range idx.Sitemaps {
		part := parseSitemap(t, f.Get("alpha.test", strings.TrimPrefix(s.Loc, root)))
		if len(part.URLs) == 0 || len(part.URLs) > 2 {
			t.Errorf("part %d: %s", i+1, locs(part))
		}
		all += locs(part) + " "
	}
	for _, slug := range []string{"/one/", "/two/", "/three/", "/four/"} {
		if !strings.Contains(all, root+slug) {
			t.Errorf("no part lists %s: %s", slug, all)
		}
	}
	if r := f.Get("alpha.test", "/sitemap-4.xml"); r.Status != 404 {
		t.Errorf("part 4 of 3: %d", r.Status)
	}
}

// TestSitemapIndexAt50000: a generated site of 50,010 live pages (plus its
// home page) answers /sitemap.xml with an index of two parts at the
// protocol's real size: the first lists 50,000 addresses, the second the
// rest, none twice; a third part is 404. On both databases.
func TestSitemapIndexAt50000(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			f := testserver.New(t, dialect, true)
			var pages []*sqlstore.ImportPage
			for i := 0; i < 50_010; i++ {
				pages = append(pages, &sqlstore.ImportPage{Type: canopy.StandardType, Live: true, Content: canopy.PageContent{Title: fmt.Sprintf("Page %05d", i)}})
			}
			if _, err := f.Svc.DB.Site(f.Alpha.ID, f.Svc.Types).Import(ctx, f.Alpha.RootPageID, pages, 0); err != nil {
				t.Fatal(err)
			}
			root := f.Alpha.RootURL()
			var idx sitemapDoc
			testserver.Eventually(t, "the sitemap index", func() bool {
				idx = parseSitemap(t, f.Get("alpha.test", "/sitemap.xml"))
				return len(idx.Sitemaps) == 2
			})
			seen := map[string]bool{}
			for i, want := range []int{50_000, 11} {
				part := parseSitemap(t, f.Get("alpha.test", fmt.Sprintf("/sitemap-%d.xml", i+1)))
				if len(part.URLs) != want {
					t.Errorf("part %d: %d addresses, want %d", i+1, len(part.URLs), want)
				}
				for _, u := range part.URLs {
					if seen[u.Loc] || !strings.HasPrefix(u.Loc, root+"/") {
						t.Fatalf("part %d: %s twice or not alpha's", i+1, u.Loc)
					}
					seen[u.Loc] = true
				}
			}
			if r := f.Get("alpha.test", "/sitemap-3.xml"); r.Status != 404 {
				t.Errorf("part 3 of 2: %d", r.Status)
			}
		})
	}
}
