package delivery

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// Feeds (issue 28 item 4): a live page whose type has Feed (the built-in
// index page: the demo's News and Events) answers /PATH/rss.xml (RSS 2.0)
// and /PATH/atom.xml (Atom) with its FeedSize newest live children — title,
// absolute link, first publication date, summary (the search description,
// else the introduction as plain text) — and its pages link them from
// their <head>. A page under a view restriction has no feed, and children
// under one are left out. Cached with the site's content version.

// FeedSize is how many items a feed carries.
const FeedSize = 20

// FeedLink is a feed as a page's <head> links it: Kind is "rss" or "atom"
// (type="application/{{.Kind}}+xml").
type FeedLink struct {
	Title, URL, Kind string
}

// feedOf splits a feed path into its page's address and kind ("rss",
// "atom"); ok is false for any other path.
func feedOf(path string) (page, kind string, ok bool) {
	if !strings.HasSuffix(path, ".xml") {
		return "", "", false
	}
	for _, f := range canopy.FeedPaths {
		if p, found := strings.CutSuffix(path, "/"+f); found {
			return p + "/", strings.TrimSuffix(f, ".xml"), true
		}
	}
	return "", "", false
}

// feedLinks are the feeds a page of type pt at url has.
func feedLinks(pt *canopy.PageType, title, url string) []FeedLink {
	if pt == nil || !pt.Feed {
		return nil
	}
	return []FeedLink{{Title: title + " (RSS)", URL: url + "rss.xml", Kind: "rss"}, {Title: title + " (Atom)", URL: url + "atom.xml", Kind: "atom"}}
}

// feedFor answers a feed path; ok is false for any other path.
func (s *Server) feedFor(r *http.Request, site *canopy.Site, path string) (e *httpkit.CachedPage, ok bool, err error) {
	pagePath, kind, ok := feedOf(path)
	if !ok {
		return nil, false, nil
	}
	ctx := r.Context()
	store := s.svc.Content(site.ID)
	page, _, err := store.PageWithAncestors(ctx, pagePath)
	if canopy.ErrorCode(err) == canopy.ENOTFOUND || err == nil && (!page.Live || feedLinks(s.svc.Types.Get(page.Type), "", "") == nil) {
		e, err := s.renderNotFound(ctx, site, nil, s.themes.Get(site.Theme), path, false)
		return e, true, err
	}
	if err != nil {
		return nil, true, err
	}
	restricted, err := s.kit.Privacy.Paths(r, site)
	if err != nil {
		return nil, true, err
	}
	var under []string
	for _, pr := range restricted {
		if strings.HasPrefix(page.Path, pr.Path) {
			e, err := s.renderNotFound(ctx, site, nil, s.themes.Get(site.Theme), path, false)
			return e, true, err
		}
		under = append(under, pr.Path)
	}
	items, _, err := store.QueryPages(ctx, canopy.PageQuery{LiveOnly: true, ChildOf: page.ID, ExcludeUnder: under,
		Order: []canopy.Order{{Name: "first_published_at", Desc: true}}, Limit: FeedSize})
	if err != nil {
		return nil, true, err
	}
	root := site.RootURL()
	var body []byte
	if kind == "rss" {
		body, err = rssFeed(site, page, items, root)
	} else {
		body, err = atomFeed(site, page, items, root)
	}
	if err != nil {
		return nil, true, err
	}
	ctype := "application/rss+xml; charset=utf-8"
	if kind == "atom" {
		ctype = "application/atom+xml; charset=utf-8"
	}
	e = httpkit.NewCachedPage(site.Version, http.StatusOK, body, ctype, "public, max-age=0, must-revalidate")
	e.SetTags(SiteTag(site.ID), PageTag(page.ID))
	return e, true, nil
}

// summary is what a feed says of a page: its search description, else its
// introduction as plain text (at most 500 characters).
func summary(p *canopy.Page) string {
	text := p.SearchDescription
	if text == "" {
		intro, _ := p.Fields["intro"].(string)
		text = service.PlainText(intro)
	}
	if r := []rune(text); len(r) > 500 {
		text = strings.TrimSpace(string(r[:499])) + "…"
	}
	return text
}

func published(p *canopy.Page) time.Time {
	switch {
	case p.FirstPublishedAt != nil:
		return p.FirstPublishedAt.UTC()
	case p.LastPublishedAt != nil:
		return p.LastPublishedAt.UTC()
	}
	return p.UpdatedAt.UTC()
}

func updated(p *canopy.Page) time.Time {
	if p.LastPublishedAt != nil {
		return p.LastPublishedAt.UTC()
	}
	return published(p)
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Self        rssSelf   `xml:"atom:link"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	LastBuild   string    `xml:"lastBuildDate,omitempty"`
	Items       []rssItem `xml:"item"`
}

type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Description string  `xml:"description,omitempty"`
}

type rssGUID struct {
	Permalink bool   `xml:"isPermaLink,attr"`
	Value     string `xml:",chardata"`
}

func rssFeed(site *canopy.Site, page *canopy.Page, items []*canopy.Page, root string) ([]byte, error) {
	desc := summary(page)
	if desc == "" {
		desc = page.Title + " · " + site.DisplayName()
	}
	ch := rssChannel{Title: page.Title + " · " + site.DisplayName(), Link: root + page.URLPath, Description: desc,
		Self: rssSelf{Href: root + page.URLPath + "rss.xml", Rel: "self", Type: "application/rss+xml"}}
	for i, p := range items {
		if i == 0 {
			ch.LastBuild = updated(p).Format(time.RFC1123Z)
		}
		ch.Items = append(ch.Items, rssItem{Title: p.Title, Link: root + p.URLPath, GUID: rssGUID{Permalink: true, Value: root + p.URLPath},
			PubDate: published(p).Format(time.RFC1123Z), Description: summary(p)})
	}
	return marshalFeed(rssDoc{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Channel: ch})
}

type atomDoc struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title     string   `xml:"title"`
	ID        string   `xml:"id"`
	Link      atomLink `xml:"link"`
	Published string   `xml:"published"`
	Updated   string   `xml:"updated"`
	Summary   string   `xml:"summary,omitempty"`
}

func atomFeed(site *canopy.Site, page *canopy.Page, items []*canopy.Page, root string) ([]byte, error) {
	doc := atomDoc{Title: page.Title + " · " + site.DisplayName(), ID: root + page.URLPath, Author: atomAuthor{Name: site.DisplayName()},
		Links: []atomLink{{Href: root + page.URLPath + "atom.xml", Rel: "self", Type: "application/atom+xml"}, {Href: root + page.URLPath, Rel: "alternate", Type: "text/html"}}}
	newest := updated(page)
	for _, p := range items {
		if u := updated(p); u.After(newest) {
			newest = u
		}
		doc.Entries = append(doc.Entries, atomEntry{Title: p.Title, ID: root + p.URLPath, Link: atomLink{Href: root + p.URLPath, Rel: "alternate"},
			Published: published(p).Format(time.RFC3339), Updated: updated(p).Format(time.RFC3339), Summary: summary(p)})
	}
	doc.Updated = newest.Format(time.RFC3339)
	return marshalFeed(doc)
}

func marshalFeed(v any) ([]byte, error) {
	out, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}
