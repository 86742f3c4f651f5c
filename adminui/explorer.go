package adminui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// The page explorer: a page's children with their status and, per row, the
// actions the permission engine allows the user.

const explorerPageSize = 50

type row struct {
	service.ExplorerRow
	Private   bool
	TypeLabel string
}

func (r row) status() (*canopy.Page, bool, bool) { return r.Page, r.InModeration, r.Private }

type pager struct {
	Page, Pages, Total int
	PrevURL, NextURL   string
}

func makePager(base url.URL, total, offset, size int) pager {
	p := pager{Total: total, Page: offset/size + 1, Pages: (total + size - 1) / size}
	link := func(off int) string {
		q := base.Query()
		if off > 0 {
			q.Set("p", strconv.Itoa(off/size+1))
		} else {
			q.Del("p")
		}
		base.RawQuery = q.Encode()
		return base.String()
	}
	if offset > 0 {
		p.PrevURL = link(offset - size)
	}
	if offset+size < total {
		p.NextURL = link(offset + size)
	}
	return p
}

// pageNumber reads ?p= (1-based) as an offset.
func pageNumber(r *http.Request, size int) int {
	n, err := strconv.Atoi(r.URL.Query().Get("p"))
	if err != nil || n < 1 || n > 1_000_000 {
		return 0
	}
	return (n - 1) * size
}

func (u *UI) explorerRoot(q *req) error {
	root, err := q.a.ExplorerRoot(q.ctx())
	if err != nil {
		return err
	}
	if root == nil {
		return canopy.Errorf(canopy.ENOTFOUND, "you have no pages to explore on this site")
	}
	http.Redirect(q.w, q.r, "/admin/pages/"+strconv.FormatInt(root.ID, 10)+"/", http.StatusSeeOther)
	return nil
}

// private reports which pages lie under a view restriction of the site.
func (u *UI) privacy(q *req) func(path string) bool {
	list, err := u.kit.Privacy.Paths(q.r, q.site)
	if err != nil || len(list) == 0 {
		return func(string) bool { return false }
	}
	return func(path string) bool {
		for _, r := range list {
			if strings.HasPrefix(path, r.Path) {
				return true
			}
		}
		return false
	}
}

type explorerData struct {
	Parent      row
	Rows        []row
	Pager       pager
	Creatable   []*canopy.PageType
	IsHome      bool
	ParentLabel string
	// Columns are the sortable column headers, in order; SortChoices the
	// same orders for the phone's list.
	Columns     []sortColumn
	SortChoices []sortChoice
	Order       string
}

type sortChoice struct{ Value, Label string }

var explorerSortChoices = []sortChoice{{"", "Their order in the tree"}, {"title", "Title, A to Z"}, {"-title", "Title, Z to A"},
	{"type", "Type"}, {"status", "Status, drafts first"}, {"-edited", "Last edited, newest first"}, {"edited", "Last edited, oldest first"}}

// sortColumn is a column header that sorts the listing: a click sorts by it,
// a second click reverses; the order is kept in the address (?ordering=).
type sortColumn struct {
	Label, URL string
	// Sort is "ascending" or "descending" on the current column (aria-sort).
	Sort string
}

// sortColumns makes the headers of a listing at base ordered by current.
func sortColumns(base url.URL, current string, cols [][2]string) []sortColumn {
	out := make([]sortColumn, 0, len(cols))
	for _, c := range cols {
		label, key := c[0], c[1]
		sc := sortColumn{Label: label}
		next := key
		switch current {
		case key:
			sc.Sort, next = "ascending", "-"+key
		case "-" + key:
			sc.Sort = "descending"
		}
		q := base.Query()
		q.Set("ordering", next)
		base.RawQuery = q.Encode()
		sc.URL = base.String()
		out = append(out, sc)
	}
	return out
}

func (u *UI) explorer(q *req) error {
	q.section = "pages"
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	offset := pageNumber(q.r, explorerPageSize)
	order := q.r.URL.Query().Get("ordering")
	e, err := q.a.ExplorerOrdered(q.ctx(), id, order, explorerPageSize, offset)
	if err != nil {
		return err
	}
	private := u.privacy(q)
	types := q.a.Types()
	d := explorerData{Parent: row{ExplorerRow: service.ExplorerRow{PageWithActions: e.Parent}, Private: private(e.Parent.Path), TypeLabel: typeLabel(types, e.Parent.Type)},
		Creatable: e.Creatable, IsHome: e.Parent.Depth == 2}
	for _, r := range e.Rows {
		d.Rows = append(d.Rows, row{ExplorerRow: r, Private: private(r.Path), TypeLabel: typeLabel(types, r.Type)})
	}
	base := url.URL{Path: q.r.URL.Path}
	d.Columns = sortColumns(base, order, [][2]string{{"Title", "title"}, {"Type", "type"}, {"Status", "status"}, {"Last edited", "edited"}})
	d.Order, d.SortChoices = order, explorerSortChoices
	if order != "" {
		base.RawQuery = url.Values{"ordering": {order}}.Encode()
	}
	d.Pager = makePager(base, e.Total, offset, explorerPageSize)
	q.crumbsFor(e.Ancestors, e.Parent.Page, false)
	return q.render(http.StatusOK, "explorer", e.Parent.Title, d)
}

// crumbsFor sets the breadcrumbs: Pages, the visible ancestors, the page
// (linked when link is set: a screen about the page rather than its listing).
func (q *req) crumbsFor(ancestors []*canopy.Page, p *canopy.Page, link bool) {
	var cs []crumb
	for _, a := range ancestors {
		cs = append(cs, crumb{Label: a.Title, URL: "/admin/pages/" + strconv.FormatInt(a.ID, 10) + "/"})
	}
	c := crumb{Label: p.Title}
	if link {
		c.URL = "/admin/pages/" + strconv.FormatInt(p.ID, 10) + "/"
	}
	q.crumbs = append(cs, c)
}
