package delivery

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
)

// SearchPath is where every site answers its visitors' searches (unless
// the site's feature flag search is off; a page at /search/ is then served).
const SearchPath = "/search/"

// searchPerPage is how many results a search page shows.
const searchPerPage = 10

// SearchView is what the theme's search.html shows.
type SearchView struct {
	Query   string
	Error   string // a message about the query, shown beside the box
	Total   int
	Results []SearchResult
	// Page is the page of results shown (from 1), Pages how many there are;
	// Prev and Next are their addresses ("" at either end).
	Page, Pages int
	Prev, Next  string
}

// SearchResult is one page found, with a snippet of the text that matched
// (Match parts are the matching words).
type SearchResult struct {
	Title   string
	URL     string
	Snippet []canopy.SnippetPart
}

// searchOn reports whether the site answers searches (feature flag
// search, on unless set to false).
func searchOn(site *canopy.Site) bool {
	on, set := site.Features["search"]
	return on || !set
}

// renderSearch answers /search/?q=&page= with the site's live pages that
// match and that the visitor may see. An answer that depends on who asks
// (the site has restricted pages and the visitor passes some) is private.
func (s *Server) renderSearch(r *http.Request, site *canopy.Site) (*httpkit.CachedPage, error) {
	ctx := r.Context()
	q := r.URL.Query()
	th := s.themes.Get(site.Theme)
	view := PageView{Site: site, Theme: th.Name, RequestPath: SearchPath, Page: PageData{Title: "Search", TypeClass: "search", URL: SearchPath}}
	sv := &SearchView{Query: q.Get("q"), Page: 1}
	view.Search = sv
	var err error
	if view.Settings, err = s.settingsView(ctx, site); err != nil {
		return nil, err
	}
	if view.Menu, err = s.menu(ctx, site, SearchPath); err != nil {
		return nil, err
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		sv.Page = n
	}
	status := http.StatusOK
	private := false
	if sv.Query != "" {
		sq, perr := canopy.ParseSearch(sv.Query, "")
		if perr != nil {
			msg := canopy.ErrorMessage(perr)
			sv.Error = strings.ToUpper(msg[:1]) + msg[1:] + "."
			status = http.StatusBadRequest
		} else {
			hidden, personal, err := s.kit.Privacy.Hidden(r, site)
			if err != nil {
				return nil, err
			}
			private = personal
			hits, total, err := s.svc.Content(site.ID).SearchPages(ctx, canopy.PageQuery{LiveOnly: true, Search: sq, ExcludeUnder: hidden,
				Limit: searchPerPage, Offset: (sv.Page - 1) * searchPerPage})
			if err != nil {
				return nil, err
			}
			sv.Total = total
			sv.Pages = (total + searchPerPage - 1) / searchPerPage
			for _, h := range hits {
				sv.Results = append(sv.Results, SearchResult{Title: h.Title, URL: h.Page.URLPath, Snippet: canopy.Highlight(h.Body, sq, 240)})
			}
			link := func(page int) string {
				v := url.Values{"q": {sv.Query}}
				if page > 1 {
					v.Set("page", strconv.Itoa(page))
				}
				return SearchPath + "?" + v.Encode()
			}
			if sv.Page > 1 && sv.Page <= sv.Pages+1 {
				sv.Prev = link(sv.Page - 1)
			}
			if sv.Page < sv.Pages {
				sv.Next = link(sv.Page + 1)
			}
		}
	}
	if sv.Query != "" {
		view.Page.Title = "Search: " + sv.Query
	}
	e, err := render(th, "search.html", view, status)
	if err == nil && private {
		e.MakePrivate()
	}
	return e, err
}
