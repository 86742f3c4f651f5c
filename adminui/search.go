package adminui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// The admin's search: one box (in the header, and on this screen) that
// searches this site's pages (drafts included), images, documents and each
// snippet type the user may see, through the search index. Each area is a
// link with its count; the chosen one lists its matches, a page at a time.

// searchArea is one part of the search: "pages", "images", "documents" or
// "snippet:TYPE".
type searchArea struct {
	Key, Label string
	Total      int
	URL        string
	Current    bool
}

type snippetHit struct {
	*canopy.Snippet
	TypeLabel string
}

type searchData struct {
	Q, In     string
	Error     string
	Areas     []searchArea
	Pages     []row
	Images    []mediaChoice
	Documents []mediaChoice
	Snippets  []snippetHit
	Pager     pager
	// Found: something matched in some area.
	Found bool
}

const searchPageSize = 20

func (u *UI) searchPages(q *req) error { return u.search(q, "pages") }

func (u *UI) searchAll(q *req) error { return u.search(q, q.r.URL.Query().Get("in")) }

// search counts the matches of every area the user may see and lists those
// of the chosen one (the first with matches when none is chosen).
func (u *UI) search(q *req, in string) error {
	q.section = "search"
	qs := strings.TrimSpace(q.r.URL.Query().Get("q"))
	d := &searchData{Q: qs}
	q.crumbs = []crumb{{Label: "Search"}}
	if qs == "" {
		return q.render(http.StatusOK, "search", "Search", d)
	}
	offset := pageNumber(q.r, searchPageSize)
	type area struct {
		searchArea
		list func(limit, offset int) (int, error)
	}
	var areas []area
	if q.a.Check.User.Superuser || q.a.Check.User.ExplorableRoot() != "" {
		areas = append(areas, area{searchArea{Key: "pages", Label: "Pages"}, func(limit, offset int) (int, error) {
			rows, total, err := q.a.SearchPages(q.ctx(), qs, nil, limit, offset)
			if limit > 1 {
				private := u.privacy(q)
				for _, r := range rows {
					d.Pages = append(d.Pages, row{ExplorerRow: service.ExplorerRow{PageWithActions: r}, Private: private(r.Path), TypeLabel: typeLabel(q.a.Types(), r.Type)})
				}
			}
			return total, err
		}})
	}
	if q.a.SeesMedia("image") {
		areas = append(areas, area{searchArea{Key: "images", Label: "Images"}, func(limit, offset int) (int, error) {
			ims, total, err := q.a.Images(q.ctx(), service.MediaQuery{Q: qs, See: true, Limit: limit, Offset: offset})
			if limit > 1 {
				for _, im := range ims {
					d.Images = append(d.Images, u.imageChoice(q, im))
				}
			}
			return total, err
		}})
	}
	if q.a.SeesMedia("document") {
		areas = append(areas, area{searchArea{Key: "documents", Label: "Documents"}, func(limit, offset int) (int, error) {
			docs, total, err := q.a.Documents(q.ctx(), service.MediaQuery{Q: qs, See: true, Limit: limit, Offset: offset})
			if limit > 1 {
				for _, doc := range docs {
					d.Documents = append(d.Documents, documentChoice(doc))
				}
			}
			return total, err
		}})
	}
	for _, st := range q.a.SnippetTypes() {
		areas = append(areas, area{searchArea{Key: "snippet:" + st.Name, Label: st.Label}, func(limit, offset int) (int, error) {
			list, total, err := q.a.Snippets(q.ctx(), st.Name, qs, limit, offset)
			if limit > 1 {
				for _, sn := range list {
					d.Snippets = append(d.Snippets, snippetHit{Snippet: sn, TypeLabel: st.Label})
				}
			}
			return total, err
		}})
	}
	if len(qs) > 200 {
		d.Error = "The search is longer than 200 characters."
		return q.render(http.StatusOK, "search", "Search", d)
	}
	// Count every area (the parser's verdict on the query comes with the
	// first), then list the chosen one.
	chosen := -1
	for i := range areas {
		a := &areas[i]
		n, err := a.list(1, 0)
		if canopy.ErrorCode(err) == canopy.EINVALID {
			d.Error = canopy.ErrorMessage(err)
			return q.render(http.StatusOK, "search", "Search", d)
		}
		if err != nil {
			return err
		}
		a.Total = n
		a.URL = (&url.URL{Path: "/admin/search/", RawQuery: url.Values{"q": {qs}, "in": {a.Key}}.Encode()}).String()
		if a.Key == in {
			chosen = i
		}
		if n > 0 {
			d.Found = true
		}
	}
	if chosen < 0 {
		for i := range areas {
			if areas[i].Total > 0 {
				chosen = i
				break
			}
		}
	}
	if chosen >= 0 {
		a := &areas[chosen]
		a.Current = true
		d.In = a.Key
		if _, err := a.list(searchPageSize, offset); err != nil {
			return err
		}
		base := url.URL{Path: "/admin/search/", RawQuery: url.Values{"q": {qs}, "in": {a.Key}}.Encode()}
		d.Pager = makePager(base, a.Total, offset, searchPageSize)
	}
	for _, a := range areas {
		d.Areas = append(d.Areas, a.searchArea)
	}
	return q.render(http.StatusOK, "search", "Search", d)
}

// documentChoice is a document as listings show it.
func documentChoice(doc *canopy.Document) mediaChoice {
	return mediaChoice{ID: doc.ID, Title: doc.Title, URL: service.DocumentPath(doc), Filename: doc.Filename,
		Info: strings.ToUpper(strings.TrimPrefix(fileExt(doc.Filename), ".")) + " · " + byteSize(doc.FileSize), Shared: doc.SiteID == 0}
}
