package adminui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Choosers are fragments loaded into the admin's <dialog> (and full pages
// without JavaScript). They offer this site's objects only, and among them
// only what the user may choose; the server checks every reference again
// when the form is saved.

const chooserPageSize = 30

type pageChoice struct {
	*service.PageWithActions
	TypeLabel string
	Choosable bool
	BrowseURL string
}

type pageChooserData struct {
	Q, Types, Link string
	Parent         *canopy.Page
	Crumbs         []crumb
	Rows           []pageChoice
	Pager          pager
	Searching      bool
	Error          string
	BaseURL        string
}

func (u *UI) choosePage(q *req) error {
	qs := q.r.URL.Query()
	var types []string
	if t := strings.TrimSpace(qs.Get("types")); t != "" {
		types = strings.Split(t, ",")
	}
	d := pageChooserData{Q: strings.TrimSpace(qs.Get("q")), Types: qs.Get("types"), Link: qs.Get("link")}
	base := url.Values{}
	if d.Types != "" {
		base.Set("types", d.Types)
	}
	if d.Link != "" {
		base.Set("link", d.Link)
	}
	d.BaseURL = "/admin/choose/page/?" + base.Encode()
	offset := pageNumber(q.r, chooserPageSize)
	typeOK := func(t string) bool {
		if len(types) == 0 {
			return true
		}
		return slices.Contains(types, t)
	}
	browse := func(p *canopy.Page) string {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		v.Set("parent", strconv.FormatInt(p.ID, 10))
		return "/admin/choose/page/?" + v.Encode()
	}
	var rows []*service.PageWithActions
	var total int
	var err error
	if d.Q != "" {
		d.Searching = true
		rows, total, err = q.a.SearchPages(q.ctx(), d.Q, nil, chooserPageSize, offset)
		if canopy.ErrorCode(err) == canopy.EINVALID {
			d.Error, err = canopy.ErrorMessage(err), nil
		}
	} else {
		var parentID int64
		if v := qs.Get("parent"); v != "" {
			if parentID, err = strconv.ParseInt(v, 10, 64); err != nil {
				return canopy.Errorf(canopy.ENOTFOUND, "no such page")
			}
		} else {
			root, err := q.a.ExplorerRoot(q.ctx())
			if err != nil {
				return err
			}
			if root == nil {
				return canopy.Errorf(canopy.ENOTFOUND, "you have no pages to choose from on this site")
			}
			parentID = root.ID
		}
		e, err := q.a.Explorer(q.ctx(), parentID, chooserPageSize, offset)
		if err != nil {
			return err
		}
		d.Parent = e.Parent.Page
		for _, a := range e.Ancestors {
			d.Crumbs = append(d.Crumbs, crumb{Label: a.Title, URL: browse(a)})
		}
		// The parent itself can be chosen too.
		rows = append(rows, e.Parent)
		for _, r := range e.Rows {
			rows = append(rows, r.PageWithActions)
		}
		total = e.Total
	}
	if err != nil {
		return err
	}
	for _, r := range rows {
		c := pageChoice{PageWithActions: r, TypeLabel: typeLabel(q.a.Types(), r.Type), Choosable: typeOK(r.Type)}
		if r.NumChild > 0 && (d.Parent == nil || r.ID != d.Parent.ID) {
			c.BrowseURL = browse(r.Page)
		}
		d.Rows = append(d.Rows, c)
	}
	pu, _ := url.Parse(d.BaseURL)
	if d.Parent != nil {
		pu, _ = url.Parse(browse(d.Parent))
	}
	if d.Q != "" {
		v := pu.Query()
		v.Set("q", d.Q)
		pu.RawQuery = v.Encode()
	}
	d.Pager = makePager(*pu, total, offset, chooserPageSize)
	return u.chooserAnswer(q, "choose_page", "Choose a page", d)
}

// chooserAnswer writes a chooser: its results alone for a live search, the
// fragment for the dialog, or a whole page without JavaScript.
func (u *UI) chooserAnswer(q *req, screen, title string, d any) error {
	switch {
	case q.r.URL.Query().Get("results") == "1":
		return q.partial(screen, "results", d)
	case q.fragmentWanted():
		return q.fragment(screen, d)
	}
	return q.render(http.StatusOK, screen, title, d)
}
