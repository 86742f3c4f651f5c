package delivery

import (
	"html"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/theme"
)

// RenderPreview renders a page that is not (or not yet) live, as the site's
// theme would show it: for the admin's preview. Nothing of it is cached.
// ancestors are the page's ancestors within the site, home first.
func (s *Server) RenderPreview(r *http.Request, site *canopy.Site, page *canopy.Page, ancestors []*canopy.Page) ([]byte, error) {
	ctx := r.Context()
	th := s.themes.Get(site.Theme)
	store := s.svc.Content(site.ID)
	path := page.URLPath
	view := PageView{Site: site, Theme: th.Name, RequestPath: path}
	var err error
	if view.Settings, err = s.settingsView(ctx, site); err != nil {
		return nil, err
	}
	if page.ID != 0 {
		children, err := store.Children(ctx, page.ID, true)
		if err != nil {
			return nil, err
		}
		for _, c := range children {
			view.Children = append(view.Children, s.link(c, path))
		}
	}
	if view.Menu, err = s.menu(ctx, site, path); err != nil {
		return nil, err
	}
	for _, a := range ancestors {
		view.Breadcrumbs = append(view.Breadcrumbs, s.link(a, path))
	}
	if view.Page, err = s.pageData(ctx, site, page); err != nil {
		return nil, err
	}
	pt := s.svc.Types.Get(page.Type)
	tmpl := theme.Fallback
	if pt != nil && th.Has(pt.Template) {
		tmpl = pt.Template
	}
	e, err := render(th, tmpl, view, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return e.Body(), nil
}

// Rich text links to pages by id: <a data-page-id="12" href="…">. Delivery
// points each at the page's current URL (so moves and slug changes keep the
// link working); a link to a page that is not live loses its href.
var (
	richPageLink = regexp.MustCompile(`<a\b[^>]*\bdata-page-id="(\d+)"[^>]*>`)
	hrefAttr     = regexp.MustCompile(`\s+href="[^"]*"`)
)

// richPageIDs returns the page ids that rich text links to.
func richPageIDs(html string) []int64 {
	var out []int64
	for _, m := range richPageLink.FindAllStringSubmatch(html, -1) {
		if id, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// resolvePageLinks rewrites the page links of rich text to current URLs.
func resolvePageLinks(html string, refs map[int64]*Link) string {
	if !strings.Contains(html, "data-page-id") {
		return html
	}
	return richPageLink.ReplaceAllStringFunc(html, func(tag string) string {
		m := richPageLink.FindStringSubmatch(tag)
		id, _ := strconv.ParseInt(m[1], 10, 64)
		tag = hrefAttr.ReplaceAllString(tag, "")
		if l := refs[id]; l != nil {
			tag = strings.TrimSuffix(tag, ">") + ` href="` + templateEscape(l.URL) + `">`
		}
		return tag
	})
}

func templateEscape(s string) string { return template.HTMLEscapeString(s) }

// Embeds in rich text are placeholders (service/embeds.go):
// <figure class="embed" data-embed-url="URL"><a href="URL">Title</a></figure>.
// Delivery puts the kept HTML in the figure; without it the link stays.
var richEmbed = regexp.MustCompile(`<figure class="embed" data-embed-url="([^"]+)">(.*?)</figure>`)

// richEmbedURLs returns the URLs of rich text's embeds.
func richEmbedURLs(s string) []string {
	if !strings.Contains(s, "data-embed-url") {
		return nil
	}
	var out []string
	for _, m := range richEmbed.FindAllStringSubmatch(s, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// resolveEmbeds fills rich text's embed placeholders with the kept HTML.
func resolveEmbeds(s string, embeds map[string]*canopy.Embed) string {
	if len(embeds) == 0 || !strings.Contains(s, "data-embed-url") {
		return s
	}
	return richEmbed.ReplaceAllStringFunc(s, func(tag string) string {
		m := richEmbed.FindStringSubmatch(tag)
		e := embeds[html.UnescapeString(m[1])]
		if e == nil {
			return tag
		}
		return `<figure class="embed embed-` + templateEscape(strings.ToLower(e.Type)) + `" data-embed-url="` + m[1] + `">` + e.HTML + `</figure>`
	})
}
