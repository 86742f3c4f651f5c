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
}

func (u *UI) explorer(q *req) error {
	q.section = "pages"
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	offset := pageNumber(q.r, explorerPageSize)
	e, err := q.a.Explorer(q.ctx(), id, explorerPageSize, offset)
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
	d.Pager = makePager(url.URL{Path: q.r.URL.Path}, e.Total, offset, explorerPageSize)
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
