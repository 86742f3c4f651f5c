package delivery_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
)

type rssFeed struct {
	Version string `xml:"version,attr"`
	Channel struct {
		Title       string `xml:"title"`
		Link        string `xml:"link"`
		Description string `xml:"description"`
		Items       []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			GUID        string `xml:"guid"`
			PubDate     string `xml:"pubDate"`
			Description string `xml:"description"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Author  string   `xml:"author>name"`
	Entries []struct {
		Title string `xml:"title"`
		ID    string `xml:"id"`
		Link  struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
		Summary   string `xml:"summary"`
	} `xml:"entry"`
}

// TestFeeds: an index page (the demo's News) answers rss.xml and atom.xml
// with its live children, newest first — title, absolute link, date,
// summary — that parse back; drafts and children under a view restriction
// are left out, another site's pages never appear; its page links them
// from <head>; a standard page has none (404); a publish renews them.
func TestFeeds(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			f := testserver.New(t, dialect, false)
			news := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.IndexType, "News", true, map[string]any{"intro": "<p>What happens at <b>Alpha</b>.</p>"})
			first := f.Page(f.Alpha, news.ID, canopy.StandardType, "Lab opens", true, map[string]any{"intro": "The new lab opens its doors & welcomes all."})
			time.Sleep(10 * time.Millisecond) // distinct publication times
			second, err := f.Svc.Pages(f.Alpha.ID).Create(ctx, news.ID, service.PageInput{Type: canopy.StandardType, Title: "Prize <won>", SearchDescription: "A prize for the team"}, 0, true)
			testserver.Must(t, err)
			f.Page(f.Alpha, news.ID, canopy.StandardType, "Unfinished", false, nil)
			staff := f.Page(f.Alpha, news.ID, canopy.StandardType, "Staff only", true, nil)
			testserver.Must(t, f.Svc.DB.Site(f.Alpha.ID, nil).SetPageRestriction(ctx, staff.ID, &canopy.Restriction{Kind: "login"}))
			bnews := f.Page(f.Beta, f.Beta.RootPageID, canopy.IndexType, "News", true, nil)
			f.Page(f.Beta, bnews.ID, canopy.StandardType, "Beta story", true, nil)
			root := f.Alpha.RootURL()

			r := f.Get("alpha.test", "/news/rss.xml")
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/rss+xml") {
				t.Fatalf("rss: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			var rss rssFeed
			if err := xml.Unmarshal([]byte(r.Body), &rss); err != nil {
				t.Fatalf("rss does not parse: %v\n%s", err, r.Body)
			}
			if rss.Version != "2.0" || rss.Channel.Link != root+"/news/" || rss.Channel.Description != "What happens at Alpha." {
				t.Errorf("rss channel: %+v", rss.Channel)
			}
			var titles []string
			for _, it := range rss.Channel.Items {
				titles = append(titles, it.Title)
				if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
					t.Errorf("pubDate %q: %v", it.PubDate, err)
				}
				if !strings.HasPrefix(it.Link, root+"/news/") || it.GUID != it.Link {
					t.Errorf("item link %q guid %q", it.Link, it.GUID)
				}
			}
			if got := strings.Join(titles, "|"); got != "Prize <won>|Lab opens" {
				t.Errorf("rss items: %s", got)
			}
			if d := rss.Channel.Items[0].Description + "|" + rss.Channel.Items[1].Description; d != "A prize for the team|The new lab opens its doors & welcomes all." {
				t.Errorf("rss summaries: %s", d)
			}

			a := f.Get("alpha.test", "/news/atom.xml")
			var atom atomFeed
			if a.Status != 200 || !strings.HasPrefix(a.Header.Get("Content-Type"), "application/atom+xml") {
				t.Fatalf("atom: %d %s", a.Status, a.Header.Get("Content-Type"))
			}
			if err := xml.Unmarshal([]byte(a.Body), &atom); err != nil {
				t.Fatalf("atom does not parse: %v\n%s", err, a.Body)
			}
			if atom.ID != root+"/news/" || atom.Author != "Alpha" || len(atom.Entries) != 2 || atom.Entries[0].Link.Href != root+second.URLPath {
				t.Errorf("atom: %+v", atom)
			}
			for _, ts := range []string{atom.Updated, atom.Entries[1].Published, atom.Entries[1].Updated} {
				if _, err := time.Parse(time.RFC3339, ts); err != nil {
					t.Errorf("atom time %q: %v", ts, err)
				}
			}
			// The page links its feeds; a standard page has none.
			page := f.Get("alpha.test", "/news/").Body
			for _, want := range []string{`<link rel="alternate" type="application/rss+xml" title="News (RSS)" href="/news/rss.xml">`,
				`<link rel="alternate" type="application/atom+xml" title="News (Atom)" href="/news/atom.xml">`} {
				if !strings.Contains(page, want) {
					t.Errorf("the News page lacks %s: %.900s", want, page)
				}
			}
			if strings.Contains(f.Get("alpha.test", first.URLPath).Body, "application/rss+xml") {
				t.Error("a standard page links a feed")
			}
			for _, p := range []string{first.URLPath + "rss.xml", "/nothing/atom.xml", "/news/feed.xml", "/news/unfinished/rss.xml"} {
				if r := f.Get("alpha.test", p); r.Status != 404 {
					t.Errorf("%s: %d", p, r.Status)
				}
			}
			// Beta's feed is beta's.
			if b := f.Get("beta.test", "/news/rss.xml").Body; !strings.Contains(b, "Beta story") || strings.Contains(b, "Lab opens") {
				t.Errorf("beta's feed: %s", b)
			}
			// A publish renews the feed.
			f.Page(f.Alpha, news.ID, canopy.StandardType, "Fresh", true, nil)
			testserver.Eventually(t, "the feed renewed", func() bool {
				return strings.Contains(f.Get("alpha.test", "/news/atom.xml").Body, "Fresh")
			})
		})
	}
}
