package delivery

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/theme"
)

const maxPathLen = 2048

// servePage is the public delivery hot path: resolve the site from memory, and
// answer from the page cache when the site has not changed since rendering.
// It returns the status it answered with.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) int {
	if bad := httpkit.BadPath(r); bad != "" {
		http.Error(w, bad, http.StatusBadRequest)
		return http.StatusBadRequest
	}
	site := s.kit.Resolve(r)
	if site == nil {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "404 page not found: no site is configured for this host", http.StatusNotFound)
		return http.StatusNotFound
	}
	publicHeaders(w.Header(), site.Features[AllowFraming])
	path := r.URL.Path
	if len(path) > maxPathLen {
		http.Error(w, "bad request: the path is too long", http.StatusRequestURITooLong)
		return http.StatusRequestURITooLong
	}
	if path == SearchPath && searchOn(site) {
		e, err := s.renderSearch(r, site)
		if err != nil {
			return s.internalError(w, r, err)
		}
		return httpkit.WritePage(w, r, e)
	}
	if s.unnamedHost(r, site, path) {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "404 page not found: no site is configured for this host", http.StatusNotFound)
		return http.StatusNotFound
	}
	cacheable := r.URL.RawQuery == ""
	if cacheable {
		if e := s.cache.Get(site.ID, path, site.Version); e != nil {
			return httpkit.WritePage(w, r, e)
		}
	}
	var e *httpkit.CachedPage
	var err error
	if se, ok, serr := s.sitemapFor(r, site, path); ok {
		e, err = se, serr
	} else if fe, ok, ferr := s.feedFor(r, site, path); ok {
		e, err = fe, ferr
	} else if strings.HasSuffix(path, "/") {
		e, err = s.renderPath(r, site, path)
	} else {
		// A redirect from this exact path wins; otherwise add the slash.
		e, err = s.redirectFor(r.Context(), site, path, r.URL.RawQuery)
		if err == nil && e == nil && (strings.Contains(path, "//") || hasExtension(path)) {
			// No page has an empty segment, and a Location that starts
			// with two slashes would send the visitor to another host; no
			// slug has a dot, so /favicon.ico is no page (the 404).
			e, err = s.renderPath(r, site, path)
		} else if err == nil && e == nil {
			target := path + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			e = httpkit.NewRedirect(site.Version, http.StatusMovedPermanently, target)
		}
	}
	if err == nil && !e.Private() {
		// What shared caches may do with it, and the tags they purge by.
		var cc string
		if cc, err = s.cacheControl(r.Context(), site); err == nil {
			e.SetCacheControl(cc)
			if !e.Tagged() {
				e.SetTags(SiteTag(site.ID))
			}
		}
	}
	if err != nil {
		return s.internalError(w, r, err)
	}
	if cacheable && !e.Private() {
		s.cache.Put(site.ID, path, e)
	}
	return httpkit.WritePage(w, r, e)
}

// AllowFraming is the site feature flag that lets other sites show the
// site's pages in frames (off: only the site itself may frame them).
const AllowFraming = "allow_framing"

var (
	hdrFrameSameOrigin = []string{"SAMEORIGIN"}
	hdrFrameAncestors  = []string{"frame-ancestors 'self'"}
	hdrReferrer        = []string{"strict-origin-when-cross-origin"}
)

// publicHeaders are the security headers of every public page: framing by
// the site itself only (unless the site allows framing, feature
// allow_framing) against clickjacking, and a referrer policy that sends
// other sites the origin, never the path and query. Password forms are never
// framed by another site, whatever the flag.
func publicHeaders(h http.Header, allowFraming bool) {
	h["Referrer-Policy"] = hdrReferrer
	if !allowFraming {
		h["X-Frame-Options"] = hdrFrameSameOrigin
		h["Content-Security-Policy"] = hdrFrameAncestors
	}
}

// Link is a page as templates link to it.
type Link struct {
	ID      int64
	Title   string
	URL     string
	Intro   any
	Current bool
	Fields  map[string]any
	// Anchor is the link written out, <a href="URL">Title</a> (in the menu
	// with aria-current="page" when Current): one template action instead
	// of an escaper chain for each part.
	Anchor template.HTML
}

// anchorTemplate writes a link exactly as a theme template would (the URL
// normalised and escaped by html/template, not by hand).
var anchorTemplate = template.Must(template.New("anchor").Parse(`<a href="{{.URL}}"{{if .Current}} aria-current="page"{{end}}>{{.Title}}</a>`))

// anchor writes a link as HTML (made once per link and version, off the
// render path).
func anchor(url, title string, current bool) template.HTML {
	var b strings.Builder
	if err := anchorTemplate.Execute(&b, struct {
		URL, Title string
		Current    bool
	}{url, title, current}); err != nil {
		return template.HTML(template.HTMLEscapeString(title))
	}
	return template.HTML(b.String())
}

// PageData is the page as templates see it.
type PageData struct {
	ID                int64
	Title             string
	SeoTitle          string
	SearchDescription string
	URL               string
	Type              string
	TypeClass         string
	Fields            map[string]any
	FieldList         []FieldValue
	FirstPublishedAt  *time.Time
	LastPublishedAt   *time.Time
	// HideFromSearch: the page asks search engines not to index it.
	HideFromSearch bool
	// Description is what the page says of itself to search engines and
	// link previews: its search description, else its introduction as
	// plain text (made once with the page's data, which the site model
	// keeps per content version).
	Description string
}

// SnippetData is a referenced snippet as templates see it.
type SnippetData struct {
	ID     int64
	Title  string
	Fields map[string]any
}

// ImageData is an image field for templates: the image's title and its
// renditions by name ({{.Page.Fields.image.R.thumbnail.URL}}); URL, Width and
// Height are the "large" rendition's (else the first).
type ImageData struct {
	ID    int64
	Title string
	// Alt is the image's alt text, or its title when it has none.
	Alt           string
	URL           string
	Width, Height int
	R             map[string]*service.RenditionRef
}

// DocumentData is a document field for templates.
type DocumentData struct {
	ID       int64
	Title    string
	URL      string
	FileSize int64
}

// FieldValue is one labelled field, for generic templates.
type FieldValue struct {
	Label string
	Value any
}

// PageView is the data every page template receives.
type PageView struct {
	Site        *canopy.Site
	Theme       string
	Page        PageData
	Children    []Link
	Menu        []Link
	Breadcrumbs []Link
	RequestPath string
	// Settings are the site's settings groups by name (Settings.general.contact_email).
	Settings map[string]map[string]any
	// Form is the login or password form's state (login.html, password.html).
	Form *FormView
	// SiteName is Site.DisplayName(); HeadTitle the document title (the SEO
	// title, else the page title and the site name, the site name alone on
	// the home page).
	SiteName, HeadTitle string
	// SearchOn: the site answers searches at /search/ (the header's box);
	// Search is the search page's state (search.html).
	SearchOn bool
	Search   *SearchView
	// Meta is what search engines and link previews read of a page: its
	// canonical URL, Open Graph and Twitter card values (issue 28 item 5).
	Meta MetaView
	// NoIndex: search engines are asked not to index the page (the page is
	// hidden from them, or the whole site is): <meta name="robots" content="noindex">.
	NoIndex bool
	// Gone: the 404 page answers 410 for a page deleted a short while ago.
	Gone bool
	// Feeds are the page's RSS and Atom feeds (its type has Feed), for
	// <link rel="alternate"> in its <head>.
	Feeds []FeedLink
	// Error names a fault on the error page (error.html): "internal error
	// (id …)", the id the server's log has.
	Error string
}

// MetaView is a page's metadata for search engines and link previews. URLs
// are absolute, from the site's own root URL. The image is the page's image
// field (its large rendition; the field named image first), else the site's
// logo.
type MetaView struct {
	Canonical, Title, Description string
	Image, ImageAlt               string
	ImageWidth, ImageHeight       int
	// Card is the Twitter card: "summary_large_image" with the page's own
	// image, else "summary".
	Card string
}

// FormView is what the login and password templates show.
type FormView struct {
	Action   string // where the form posts
	Next     string // where to go after it
	PageID   int64  // the restricted page (password form)
	Document bool   // the password form is a collection's, for a document
	Username string
	Error    string
}

// renderPath renders whatever a visitor gets at path: the live page, or the
// site's 404 page.
func (s *Server) renderPath(r *http.Request, site *canopy.Site, path string) (*httpkit.CachedPage, error) {
	ctx, query := r.Context(), r.URL.RawQuery
	th := s.themes.Get(site.Theme)
	store := s.svc.Content(site.ID)
	m, err := s.model(ctx, site)
	if err != nil {
		return nil, err
	}
	var page *canopy.Page
	var ancestors []*canopy.Page
	var mp *modelPage
	if m != nil {
		if mp, ancestors = m.find(path); mp != nil {
			page = mp.page
		} else {
			err = canopy.Errorf(canopy.ENOTFOUND, "no page at %s", path)
		}
	} else {
		page, ancestors, err = store.PageWithAncestors(ctx, path)
	}
	if canopy.ErrorCode(err) == canopy.ENOTFOUND || err == nil && !page.Live {
		// The site's redirects apply before its 404 page; a page deleted
		// a short while ago is 410 Gone.
		if e, err := s.redirectFor(ctx, site, path, query); e != nil || err != nil {
			return e, err
		}
		var deleted time.Time
		gone := false
		if s.opt.GoneFor > 0 && canopy.ErrorCode(err) == canopy.ENOTFOUND {
			if deleted, gone, err = store.DeletedSince(ctx, path, time.Now().Add(-s.opt.GoneFor)); err != nil {
				return nil, err
			}
		}
		e, err := s.renderNotFound(ctx, site, m, th, path, gone)
		if err == nil && gone {
			e.ExpireAt(deleted.Add(s.opt.GoneFor)) // then a 404, even if the site has not changed
		}
		return e, err
	}
	if err != nil {
		return nil, err
	}
	// Privacy: the page's and its ancestors' restrictions must all pass;
	// whatever the answer, it depends on the visitor and is not cached.
	// (The site's restricted pages are kept per content version: no query.)
	restricted, err := s.kit.Privacy.Paths(r, site)
	if err != nil {
		return nil, err
	}
	var rs []canopy.Restriction
	for _, pr := range restricted {
		if strings.HasPrefix(page.Path, pr.Path) {
			rs = append(rs, pr.Restriction)
		}
	}
	if len(rs) > 0 {
		if e, err := s.checkPrivacy(r, site, th, page, rs); e != nil || err != nil {
			return e, err
		}
	}
	view := PageView{Site: site, Theme: th.Name, RequestPath: path}
	if view.Settings, err = s.settingsView(ctx, site); err != nil {
		return nil, err
	}
	if m != nil {
		view.Children = mp.childLinks(path)
		view.Menu = m.menuLinks(path)
		for _, a := range ancestors {
			if a.Live {
				l := m.byID[a.ID].link
				l.Current = path == a.URLPath || a.Depth > 2 && strings.HasPrefix(path, a.URLPath)
				view.Breadcrumbs = append(view.Breadcrumbs, l)
			}
		}
		view.Page, err = m.pageData(page.ID, func() (PageData, error) { return s.pageData(ctx, site, page) })
	} else {
		var children []*canopy.Page
		if children, err = store.Children(ctx, page.ID, true); err != nil {
			return nil, err
		}
		for _, c := range children {
			view.Children = append(view.Children, s.link(c, path))
		}
		if view.Menu, err = s.menu(ctx, site, path); err != nil {
			return nil, err
		}
		for _, a := range ancestors {
			if a.Live {
				view.Breadcrumbs = append(view.Breadcrumbs, s.link(a, path))
			}
		}
		view.Page, err = s.pageData(ctx, site, page)
	}
	if err != nil {
		return nil, err
	}
	pt := s.svc.Types.Get(page.Type)
	if len(rs) == 0 { // a private page's feed would be refused
		view.Feeds = feedLinks(pt, page.Title, page.URLPath)
	}
	tmpl := theme.Fallback
	if pt != nil && th.Has(pt.Template) {
		tmpl = pt.Template
	}
	e, err := render(th, tmpl, view, http.StatusOK)
	if err == nil && len(rs) > 0 {
		e.MakePrivate()
	} else if err == nil {
		e.SetTags(SiteTag(site.ID), PageTag(page.ID))
	}
	return e, err
}

func (s *Server) renderNotFound(ctx context.Context, site *canopy.Site, m *siteModel, th *theme.Theme, path string, gone bool) (*httpkit.CachedPage, error) {
	view := PageView{Site: site, Theme: th.Name, RequestPath: path, Page: PageData{Title: "Page not found", TypeClass: "not-found"}, Gone: gone}
	status := http.StatusNotFound
	if gone {
		view.Page.Title, status = "Page removed", http.StatusGone
	}
	var err error
	if view.Settings, err = s.settingsView(ctx, site); err != nil {
		return nil, err
	}
	if m != nil {
		view.Menu = m.menuLinks(path)
	} else if view.Menu, err = s.menu(ctx, site, path); err != nil {
		return nil, err
	}
	return render(th, "404.html", view, status)
}

func render(th *theme.Theme, tmpl string, view PageView, status int) (*httpkit.CachedPage, error) {
	view.SiteName = view.Site.DisplayName()
	view.SearchOn = searchOn(view.Site)
	switch {
	case view.Page.SeoTitle != "":
		view.HeadTitle = view.Page.SeoTitle
	case view.Page.URL == "/":
		view.HeadTitle = view.SiteName
	default:
		view.HeadTitle = view.Page.Title + " · " + view.SiteName
	}
	if status == http.StatusOK && view.Page.URL != "" {
		view.Meta = metaOf(view)
	}
	hidden, _ := view.Settings[canopy.GeneralSettings]["hide_from_search_engines"].(bool)
	view.NoIndex = hidden || view.Page.HideFromSearch
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := th.Render(buf, tmpl, view); err != nil {
		return nil, err
	}
	// The body is kept (cached): a copy of its exact size, the buffer reused.
	body := append([]byte(nil), buf.Bytes()...)
	return httpkit.NewCachedPage(view.Site.Version, status, body, "text/html; charset=utf-8", "public, max-age=0, must-revalidate"), nil
}

// metaOf fills a page's metadata from its SEO fields, its image field
// and the site's settings.
func metaOf(view PageView) MetaView {
	root := view.Site.RootURL()
	abs := func(u string) string {
		if strings.HasPrefix(u, "/") {
			return root + u
		}
		return u
	}
	m := MetaView{Canonical: root + view.Page.URL, Title: view.Page.SeoTitle, Description: view.Page.Description, Card: "summary"}
	if m.Title == "" {
		m.Title = view.Page.Title
	}
	// The field named image, else the first image field by name.
	names := make([]string, 0, len(view.Page.Fields))
	for k := range view.Page.Fields {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] == "image" || names[j] != "image" && names[i] < names[j] })
	for _, k := range names {
		if im, ok := view.Page.Fields[k].(*ImageData); ok && im != nil && im.URL != "" {
			m.Image, m.ImageAlt, m.ImageWidth, m.ImageHeight, m.Card = abs(im.URL), im.Alt, im.Width, im.Height, "summary_large_image"
			return m
		}
	}
	if logo, ok := view.Settings[canopy.GeneralSettings]["logo"].(*ImageData); ok && logo != nil && logo.URL != "" {
		m.Image, m.ImageAlt, m.ImageWidth, m.ImageHeight = abs(logo.URL), logo.Alt, logo.Width, logo.Height
	}
	return m
}

// renderBuffers are reused for rendering, so a render does not grow a buffer
// from nothing.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// menu lists the home page's live children that are shown in menus. The list
// is kept per site content version, so most renders need no query for it.
func (s *Server) menu(ctx context.Context, site *canopy.Site, current string) ([]Link, error) {
	s.menuMu.Lock()
	m, ok := s.menus[site.ID]
	s.menuMu.Unlock()
	if !ok || m.version != site.Version {
		kids, err := s.svc.Content(site.ID).Children(ctx, site.RootPageID, true)
		if err != nil {
			return nil, err
		}
		m = menuCache{version: site.Version}
		for _, k := range kids {
			if k.ShowInMenus {
				m.links = append(m.links, Link{ID: k.ID, Title: k.Title, URL: k.URLPath, Anchor: anchor(k.URLPath, k.Title, false)})
			}
		}
		s.menuMu.Lock()
		s.menus[site.ID] = m
		s.menuMu.Unlock()
	}
	out := make([]Link, len(m.links))
	for i, l := range m.links {
		l.Current = current == l.URL || strings.HasPrefix(current, l.URL)
		if l.Current {
			l.Anchor = anchor(l.URL, l.Title, true)
		}
		out[i] = l
	}
	return out, nil
}

type menuCache struct {
	version int64
	links   []Link
}

func (s *Server) link(p *canopy.Page, current string) Link {
	l := Link{ID: p.ID, Title: p.Title, URL: p.URLPath, Fields: s.templateFields(p, nil, nil), Anchor: anchor(p.URLPath, p.Title, false)}
	l.Current = current == p.URLPath || p.Depth > 2 && strings.HasPrefix(current, p.URLPath)
	l.Intro = l.Fields["intro"]
	return l
}

// pageData converts a page for templates: rich text becomes trusted HTML (it
// was sanitised on save), datetimes become times, page references links.
func (s *Server) pageData(ctx context.Context, site *canopy.Site, p *canopy.Page) (PageData, error) {
	refs := map[int64]*Link{}
	pt := s.svc.Types.Get(p.Type)
	var ids []int64
	if pt != nil {
		for _, f := range pt.Fields {
			if f.Type == canopy.FieldPage {
				if id, ok := canopy.AsID(p.Fields[f.Name]); ok {
					ids = append(ids, id)
				}
			}
		}
	}
	var embedURLs []string
	if pt != nil {
		// Rich text links to pages by id (one query with the page fields'),
		// and its embeds by URL (one more, only if there are some).
		for _, f := range pt.Fields {
			if f.Type == canopy.FieldRichText {
				if html, ok := p.Fields[f.Name].(string); ok {
					ids = append(ids, richPageIDs(html)...)
					embedURLs = append(embedURLs, richEmbedURLs(html)...)
				}
			}
		}
	}
	embeds, err := s.svc.EmbedsByURL(ctx, embedURLs)
	if err != nil {
		return PageData{}, err
	}
	if len(ids) > 0 {
		pages, err := s.svc.Content(site.ID).PagesByID(ctx, ids)
		if err != nil {
			return PageData{}, err
		}
		for _, rp := range pages {
			if rp.Live {
				l := Link{ID: rp.ID, Title: rp.Title, URL: rp.URLPath}
				refs[rp.ID] = &l
			}
		}
	}
	var snippetIDs []int64
	if pt != nil {
		for _, f := range pt.Fields {
			if f.Type == canopy.FieldSnippet {
				if id, ok := canopy.AsID(p.Fields[f.Name]); ok {
					snippetIDs = append(snippetIDs, id)
				}
			}
		}
	}
	snippets, err := s.svc.Content(site.ID).SnippetsByID(ctx, snippetIDs)
	if err != nil {
		return PageData{}, err
	}
	fields := s.templateFields(p, refs, embeds)
	if pt != nil {
		for _, f := range pt.Fields {
			if f.Type != canopy.FieldSnippet {
				continue
			}
			delete(fields, f.Name)
			if id, ok := canopy.AsID(p.Fields[f.Name]); ok && snippets[id] != nil {
				fields[f.Name] = SnippetData{ID: id, Title: snippets[id].Title, Fields: snippets[id].Fields}
			}
		}
		if err := s.mediaFields(ctx, site.ID, pt.Fields, p.Fields, fields); err != nil {
			return PageData{}, err
		}
	}
	d := PageData{ID: p.ID, Title: p.Title, SeoTitle: p.SeoTitle, SearchDescription: p.SearchDescription, URL: p.URLPath,
		Type: p.Type, TypeClass: typeClass(p.Type), Fields: fields,
		FirstPublishedAt: p.FirstPublishedAt, LastPublishedAt: p.LastPublishedAt, HideFromSearch: p.HideFromSearch,
		Description: p.SearchDescription}
	if d.Description == "" {
		if intro, ok := p.Fields["intro"].(string); ok {
			if pt != nil && pt.Field("intro") != nil && pt.Field("intro").Type == canopy.FieldRichText {
				intro = service.PlainText(intro)
			}
			d.Description = intro
		}
	}
	if pt != nil {
		for _, f := range pt.Fields {
			if v, ok := d.Fields[f.Name]; ok {
				switch x := v.(type) {
				case *Link:
					v = template.HTML(`<a href="` + template.HTMLEscapeString(x.URL) + `">` + template.HTMLEscapeString(x.Title) + `</a>`)
				case SnippetData:
					v = x.Title
				case *ImageData:
					v = template.HTML(fmt.Sprintf(`<img src="%s" width="%d" height="%d" alt="%s">`, template.HTMLEscapeString(x.URL), x.Width, x.Height, template.HTMLEscapeString(x.Alt)))
				case *DocumentData:
					v = template.HTML(`<a href="` + template.HTMLEscapeString(x.URL) + `">` + template.HTMLEscapeString(x.Title) + `</a>`)
				}
				d.FieldList = append(d.FieldList, FieldValue{Label: f.Label, Value: v})
			}
		}
	}
	return d, nil
}

func (s *Server) templateFields(p *canopy.Page, refs map[int64]*Link, embeds map[string]*canopy.Embed) map[string]any {
	pt := s.svc.Types.Get(p.Type)
	out := make(map[string]any, len(p.Fields))
	for k, v := range p.Fields {
		out[k] = v
		if pt == nil {
			continue
		}
		f := pt.Field(k)
		if f == nil {
			continue
		}
		switch f.Type {
		case canopy.FieldRichText:
			if str, ok := v.(string); ok {
				out[k] = template.HTML(resolveEmbeds(resolvePageLinks(str, refs), embeds))
			}
		case canopy.FieldDateTime:
			if str, ok := v.(string); ok {
				if t, err := time.Parse(time.RFC3339, str); err == nil {
					out[k] = t
				}
			}
		case canopy.FieldPage:
			delete(out, k)
			if id, ok := canopy.AsID(v); ok && refs != nil && refs[id] != nil {
				out[k] = refs[id]
			}
		}
	}
	return out
}

func typeClass(t string) string {
	return strings.ToLower(strings.ReplaceAll(t, ".", "-"))
}

// redirectFor returns the answer of the site's redirect for a path (with its
// query first, then without), or nil if there is none.
func (s *Server) redirectFor(ctx context.Context, site *canopy.Site, path, query string) (*httpkit.CachedPage, error) {
	withQuery := path
	if query != "" {
		withQuery += "?" + query
	}
	nq, err := canopy.NormalizeRedirectPath(withQuery)
	if err != nil {
		return nil, nil
	}
	np, _ := canopy.NormalizeRedirectPath(path)
	r, target, err := s.svc.Content(site.ID).FindRedirect(ctx, nq, np)
	if err != nil || r == nil || target == "" {
		return nil, err
	}
	status := http.StatusFound
	if r.IsPermanent {
		status = http.StatusMovedPermanently
	}
	return httpkit.NewRedirect(site.Version, status, target), nil
}

// mediaFields replaces image and document ids in out with template data (two
// queries at most); a reference to a deleted item disappears.
func (s *Server) mediaFields(ctx context.Context, siteID int64, defs []canopy.Field, values, out map[string]any) error {
	var imageIDs, docIDs []int64
	for _, f := range defs {
		if id, ok := canopy.AsID(values[f.Name]); ok {
			switch f.Type {
			case canopy.FieldImage:
				imageIDs = append(imageIDs, id)
			case canopy.FieldDocument:
				docIDs = append(docIDs, id)
			}
		}
	}
	if len(imageIDs)+len(docIDs) == 0 {
		return nil
	}
	store := s.svc.Content(siteID)
	images, err := store.ImagesByID(ctx, imageIDs)
	if err != nil {
		return err
	}
	docs, err := store.DocumentsByID(ctx, docIDs)
	if err != nil {
		return err
	}
	for _, f := range defs {
		if f.Type != canopy.FieldImage && f.Type != canopy.FieldDocument {
			continue
		}
		delete(out, f.Name)
		id, ok := canopy.AsID(values[f.Name])
		if !ok {
			continue
		}
		if im := images[id]; im != nil && f.Type == canopy.FieldImage {
			d, err := s.imageData(ctx, im, f.RenditionSpecs())
			if err != nil {
				return err
			}
			out[f.Name] = d
		}
		if d := docs[id]; d != nil && f.Type == canopy.FieldDocument {
			out[f.Name] = &DocumentData{ID: d.ID, Title: d.Title, URL: service.DocumentPath(d), FileSize: d.FileSize}
		}
	}
	return nil
}

func (s *Server) imageData(ctx context.Context, im *canopy.Image, specs map[string]string) (*ImageData, error) {
	d := &ImageData{ID: im.ID, Title: im.Title, Alt: im.AltText, R: map[string]*service.RenditionRef{}}
	if d.Alt == "" {
		d.Alt = im.Title
	}
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ref, err := s.svc.RenditionURL(ctx, im, specs[n])
		if err != nil {
			return nil, err
		}
		d.R[n] = ref
	}
	main := d.R["large"]
	if main == nil && len(names) > 0 {
		main = d.R[names[0]]
	}
	if main != nil {
		d.URL, d.Width, d.Height = main.URL, main.Width, main.Height
	}
	return d, nil
}

// logoRenditions are what templates get for the settings' logo.
var logoRenditions = map[string]string{"large": "max-400x120", "small": "max-200x60"}

// settingsView is the site's settings for templates, with image references
// (the logo) resolved to image data.
//
// The view is kept per site content version (templates only read it), so most
// renders need no query for it.
func (s *Server) settingsView(ctx context.Context, site *canopy.Site) (map[string]map[string]any, error) {
	c, err := s.siteSettings(ctx, site)
	return c.view, err
}

// siteSettings is the site's settings entry: the view and the response
// headers derived from it, made once per content version.
func (s *Server) siteSettings(ctx context.Context, site *canopy.Site) (settingsCache, error) {
	s.menuMu.Lock()
	c, ok := s.settings[site.ID]
	s.menuMu.Unlock()
	if ok && c.version == site.Version {
		return c, nil
	}
	view, err := s.loadSettingsView(ctx, site.ID)
	if err != nil {
		return settingsCache{}, err
	}
	c = settingsCache{version: site.Version, view: view}
	g := view[canopy.GeneralSettings]
	c.cacheControl = "public, max-age=0, must-revalidate"
	if n, ok := canopy.AsID(g["cdn_max_age"]); ok {
		c.cacheControl += ", s-maxage=" + strconv.FormatInt(n, 10)
	}
	if n, ok := canopy.AsID(g["cdn_stale_while_revalidate"]); ok {
		c.cacheControl += ", stale-while-revalidate=" + strconv.FormatInt(n, 10)
	}
	if n, ok := canopy.AsID(g["hsts_max_age"]); ok {
		c.hsts = []string{"max-age=" + strconv.FormatInt(n, 10)}[:1:1]
	}
	s.menuMu.Lock()
	s.settings[site.ID] = c
	s.menuMu.Unlock()
	return c, nil
}

type settingsCache struct {
	version int64
	view    map[string]map[string]any
	// cacheControl is the Cache-Control of the site's public answers; hsts
	// its Strict-Transport-Security value (nil: none), built once so that
	// requests allocate nothing for them.
	cacheControl string
	hsts         []string
}

func (s *Server) loadSettingsView(ctx context.Context, siteID int64) (map[string]map[string]any, error) {
	all, err := s.svc.Content(siteID).AllSettings(ctx)
	if err != nil {
		return nil, err
	}
	for name, values := range all {
		st := service.SettingsType(name)
		if st == nil {
			continue
		}
		defs := make([]canopy.Field, len(st.Fields))
		copy(defs, st.Fields)
		for i := range defs {
			if defs[i].Type == canopy.FieldImage && defs[i].Renditions == nil {
				defs[i].Renditions = logoRenditions
			}
		}
		out := make(map[string]any, len(values))
		for k, v := range values {
			out[k] = v
		}
		if err := s.mediaFields(ctx, siteID, defs, values, out); err != nil {
			return nil, err
		}
		if err := s.richSettings(ctx, siteID, defs, out); err != nil {
			return nil, err
		}
		all[name] = out
	}
	return all, nil
}

// richSettings makes a settings group's rich text trusted HTML (sanitised
// on save) with its page links resolved, as on pages.
func (s *Server) richSettings(ctx context.Context, siteID int64, defs []canopy.Field, out map[string]any) error {
	var ids []int64
	for _, f := range defs {
		if html, ok := out[f.Name].(string); ok && f.Type == canopy.FieldRichText {
			ids = append(ids, richPageIDs(html)...)
		}
	}
	refs := map[int64]*Link{}
	if len(ids) > 0 {
		pages, err := s.svc.Content(siteID).PagesByID(ctx, ids)
		if err != nil {
			return err
		}
		for _, p := range pages {
			if p.Live {
				refs[p.ID] = &Link{ID: p.ID, Title: p.Title, URL: p.URLPath}
			}
		}
	}
	for _, f := range defs {
		if html, ok := out[f.Name].(string); ok && f.Type == canopy.FieldRichText {
			if strings.TrimSpace(html) == "" {
				delete(out, f.Name)
				continue
			}
			out[f.Name] = template.HTML(resolvePageLinks(html, refs))
		}
	}
	return nil
}

// cacheControl is the Cache-Control of the site's public answers: browsers
// always revalidate (max-age=0), shared caches and CDNs keep them for the
// site's front-end cache time (s-maxage) and may serve them stale while
// they refresh (stale-while-revalidate), from the general settings.
func (s *Server) cacheControl(ctx context.Context, site *canopy.Site) (string, error) {
	c, err := s.siteSettings(ctx, site)
	return c.cacheControl, err
}

// HSTS is the Strict-Transport-Security header value of the request's site
// (its General settings' HSTS time), nil when it has none or the settings
// cannot be read. Sent on HTTPS answers only (the server decides).
func (s *Server) HSTS(r *http.Request) []string {
	site := s.kit.Resolve(r)
	if site == nil {
		return nil
	}
	c, err := s.siteSettings(r.Context(), site)
	if err != nil {
		return nil
	}
	return c.hsts
}

// SiteTag and PageTag name a site's answers and a page's in the
// Surrogate-Key and Cache-Tag headers (front-end caches purge by them).
func SiteTag(siteID int64) string { return "site-" + strconv.FormatInt(siteID, 10) }

// PageTag: see SiteTag.
func PageTag(pageID int64) string { return "page-" + strconv.FormatInt(pageID, 10) }
