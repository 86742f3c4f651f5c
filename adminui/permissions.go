package adminui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/perm"
	"github.com/canopy-cms/canopy/service"
)

// A group's permissions as one matrix of checkboxes (issue 27 item 2): page
// grants (a page of this site chosen through the page chooser, then its
// actions), collection grants (one of this site's collections, then its
// permissions) and model permissions by what they govern. One form, saved
// in one transaction; a row with nothing ticked is removed.

// matrixCell is one checkbox: Short is its visible label where the column
// heading is not beside it (phones), Rest completes its accessible name.
type matrixCell struct {
	ID, Name, Value, Short, Rest string
	// Noun follows Short on phones (and in the accessible name): "images".
	Noun    string
	Checked bool
}

type matrixRow struct {
	ID      int64
	Title   string
	Missing bool
	Cells   []matrixCell
}

type modelRow struct {
	Label  string
	Cells  []*matrixCell // one per service.PermissionVerbs; nil where the row has none
	Others []matrixCell
}

type modelSection struct {
	Label string
	Rows  []modelRow
}

type collOption struct {
	ID    int64
	Label string
}

type permMatrix struct {
	G            *canopy.Group
	PageCols     []string
	Pages        []matrixRow
	NewPage      formField
	NewPageCells []matrixCell
	CollCols     []string
	Colls        []matrixRow
	NewColl      formField
	CollOptions  []collOption
	NewCollCells []matrixCell
	Models       []modelSection
	AdminAlways  bool
	Errors       []summaryItem
}

var pageActionLabels = map[string]string{"add": "Add", "change": "Edit", "publish": "Publish", "bulk_delete": "Bulk delete", "lock": "Lock", "unlock": "Unlock"}

var collPermLabels = map[string]string{"add_image": "Add", "change_image": "Edit", "choose_image": "Choose",
	"add_document": "Add", "change_document": "Edit", "choose_document": "Choose",
	"add_collection": "Add", "change_collection": "Edit", "delete_collection": "Delete"}

// collPermNoun is what a collection permission acts on, for its accessible name.
func collPermNoun(p string) string {
	_, noun, _ := strings.Cut(p, "_")
	return noun + "s"
}

// grantInput is the matrix as posted (or as stored).
type grantInput struct {
	pages  []canopy.PageGrantRow
	colls  []canopy.CollectionGrantRow
	models []string
	// newPage, newColl: what the "add" rows held, kept when the form is shown again.
	newPage, newColl           string
	newPageActs, newCollPerms  []string
	newPageError, newCollError string
}

func (u *UI) groupPermissions(q *req) error {
	g, acts, err := u.groupOf(q)
	if err != nil {
		return err
	}
	if !slices.Contains(acts, "change") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not change this site's groups' permissions")
	}
	if q.r.Method == http.MethodGet {
		gg, err := q.a.GroupGrants(q.ctx(), g.ID)
		if err != nil {
			return err
		}
		return u.showMatrix(q, http.StatusOK, g, grantInput{pages: gg.Pages, colls: gg.Collections, models: gg.Models})
	}
	in, err := u.parseMatrix(q, g)
	if err != nil {
		return err
	}
	if in.newPageError != "" || in.newCollError != "" {
		return u.showMatrix(q, http.StatusBadRequest, g, in)
	}
	if err := q.a.SetGroupGrants(q.ctx(), g.ID, in.pages, in.models, in.colls); err != nil {
		if !formError(err) && canopy.ErrorCode(err) != canopy.ENOTFOUND {
			return err
		}
		// A page or collection no longer (or never) of this site, a
		// permission the group must keep: said above the form, nothing saved.
		return u.showMatrix(q, http.StatusBadRequest, g, in, summaryItem{Message: sentence(canopy.ErrorMessage(err))})
	}
	return q.redirect("/admin/groups/"+strconv.FormatInt(g.ID, 10)+"/", "success", "The permissions of “"+g.Name+"” are saved. Its members have them from their next request.")
}

// parseMatrix reads the posted matrix: the rows shown (page and collection
// ids with the boxes ticked), the new rows, the model permissions.
func (u *UI) parseMatrix(q *req, g *canopy.Group) (grantInput, error) {
	f := q.r.PostForm
	var in grantInput
	pick := func(vals []string, known []string) []string {
		var out []string
		for _, v := range known {
			if slices.Contains(vals, v) {
				out = append(out, v)
			}
		}
		return out
	}
	// rows reads the rows shown: ids under key, the boxes ticked under
	// key_ID; a repeated id counts once.
	rows := func(key, what string, known []string) ([]int64, [][]string, map[int64]int, error) {
		idx := map[int64]int{}
		var ids []int64
		var ticked [][]string
		for _, s := range f[key] {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return nil, nil, nil, canopy.Errorf(canopy.EINVALID, "%s %q is not a %s id", what, s, what)
			}
			if _, dup := idx[id]; !dup {
				idx[id] = len(ids)
				ids, ticked = append(ids, id), append(ticked, pick(f[key+"_"+s], known))
			}
		}
		return ids, ticked, idx, nil
	}
	pageIDs, pageActs, pageIdx, err := rows("page", "page", perm.ActionNames())
	if err != nil {
		return in, err
	}
	for i, id := range pageIDs {
		in.pages = append(in.pages, canopy.PageGrantRow{PageID: id, Actions: pageActs[i]})
	}
	collIDs, collPerms, collIdx, err := rows("collection", "collection", perm.CollectionPermNames())
	if err != nil {
		return in, err
	}
	for i, id := range collIDs {
		in.colls = append(in.colls, canopy.CollectionGrantRow{CollectionID: id, Permissions: collPerms[i]})
	}
	in.newPage = strings.TrimSpace(f.Get("new_page"))
	in.newPageActs = pick(f["new_page_action"], perm.ActionNames())
	if in.newPage != "" {
		id, err := strconv.ParseInt(in.newPage, 10, 64)
		refs, rerr := q.a.Refs(q.ctx(), map[string][]int64{"page": {id}})
		if rerr != nil {
			return in, rerr
		}
		_, found := refs["page"][id]
		switch {
		case err != nil || id <= 0 || !found:
			in.newPageError = "There is no page " + in.newPage + " on this site: choose one with “Choose a page”."
		case len(in.newPageActs) == 0:
			in.newPageError = "Tick at least one permission to give on this page."
		default:
			if i, ok := pageIdx[id]; ok {
				in.pages[i].Actions = pick(append(in.pages[i].Actions, in.newPageActs...), perm.ActionNames())
			} else {
				in.pages = append(in.pages, canopy.PageGrantRow{PageID: id, Actions: in.newPageActs})
			}
		}
	} else if len(in.newPageActs) > 0 {
		in.newPageError = "Choose the page these permissions are for."
	}
	in.newColl = strings.TrimSpace(f.Get("new_collection"))
	in.newCollPerms = pick(f["new_collection_perm"], perm.CollectionPermNames())
	if in.newColl != "" {
		id, err := strconv.ParseInt(in.newColl, 10, 64)
		names, nerr := q.a.CollectionNames(q.ctx())
		if nerr != nil {
			return in, nerr
		}
		_, found := names[id]
		switch {
		case err != nil || !found:
			in.newCollError = "Choose one of this site's collections."
		case len(in.newCollPerms) == 0:
			in.newCollError = "Tick at least one permission to give in this collection."
		default:
			if i, ok := collIdx[id]; ok {
				in.colls[i].Permissions = pick(append(in.colls[i].Permissions, in.newCollPerms...), perm.CollectionPermNames())
			} else {
				in.colls = append(in.colls, canopy.CollectionGrantRow{CollectionID: id, Permissions: in.newCollPerms})
			}
		}
	} else if len(in.newCollPerms) > 0 {
		in.newCollError = "Choose the collection these permissions are for."
	}
	// Rows with nothing ticked are removed.
	in.pages = slices.DeleteFunc(in.pages, func(p canopy.PageGrantRow) bool { return len(p.Actions) == 0 })
	in.colls = slices.DeleteFunc(in.colls, func(c canopy.CollectionGrantRow) bool { return len(c.Permissions) == 0 })
	known := map[string]bool{}
	for _, p := range service.Permissions() {
		known[p.Codename] = true
	}
	for _, m := range f["model"] {
		if known[m] && !slices.Contains(in.models, m) {
			in.models = append(in.models, m)
		}
	}
	// The administrators' group keeps admin access; only a superuser sees
	// (and may clear) that box.
	if g.IsAdmin && !q.a.User.IsSuperuser && !slices.Contains(in.models, "access_admin") {
		in.models = append(in.models, "access_admin")
	}
	return in, nil
}

func (u *UI) showMatrix(q *req, status int, g *canopy.Group, in grantInput, errs ...summaryItem) error {
	m := &permMatrix{G: g, AdminAlways: g.IsAdmin && !q.a.User.IsSuperuser, Errors: errs}
	var pageIDs []int64
	for _, p := range in.pages {
		pageIDs = append(pageIDs, p.PageID)
	}
	refs, err := q.a.Refs(q.ctx(), map[string][]int64{"page": pageIDs})
	if err != nil {
		return err
	}
	for _, a := range perm.ActionNames() {
		m.PageCols = append(m.PageCols, pageActionLabels[a])
	}
	for _, p := range in.pages {
		r := matrixRow{ID: p.PageID}
		if ref, ok := refs["page"][p.PageID]; ok {
			r.Title = ref.Title
		} else {
			r.Title, r.Missing = "Page "+strconv.FormatInt(p.PageID, 10)+" (not on this site)", true
		}
		id := strconv.FormatInt(p.PageID, 10)
		for _, a := range perm.ActionNames() {
			r.Cells = append(r.Cells, matrixCell{ID: "page-" + id + "-" + a, Name: "page_" + id, Value: a, Short: pageActionLabels[a],
				Rest: " on “" + r.Title + "” and below", Checked: slices.Contains(p.Actions, a)})
		}
		m.Pages = append(m.Pages, r)
	}
	m.NewPage = formField{ID: "new_page", Name: "new_page", Label: "Page", Kind: "page", Value: in.newPage, Error: in.newPageError,
		ChooserURL: "/admin/choose/page/", ChooseWhat: "a page", Help: "The permissions apply to this page and every page below it."}
	if id, err := strconv.ParseInt(in.newPage, 10, 64); err == nil {
		nr, err := q.a.Refs(q.ctx(), map[string][]int64{"page": {id}})
		if err != nil {
			return err
		}
		if ref, ok := nr["page"][id]; ok {
			m.NewPage.ChosenTitle = ref.Title
		} else {
			m.NewPage.Missing = true
		}
	}
	for _, a := range perm.ActionNames() {
		m.NewPageCells = append(m.NewPageCells, matrixCell{ID: "new-page-" + a, Name: "new_page_action", Value: a, Short: pageActionLabels[a], Checked: slices.Contains(in.newPageActs, a)})
	}

	colls, err := q.a.GrantableCollections(q.ctx())
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, c := range colls {
		names[c.ID] = c.Name
		m.CollOptions = append(m.CollOptions, collOption{ID: c.ID, Label: strings.Repeat("— ", max(c.Depth-1, 0)) + c.Name})
	}
	for _, p := range perm.CollectionPermNames() {
		m.CollCols = append(m.CollCols, collPermLabels[p])
	}
	for _, c := range in.colls {
		r := matrixRow{ID: c.CollectionID}
		if n, ok := names[c.CollectionID]; ok {
			r.Title = n
		} else {
			r.Title, r.Missing = "Collection "+strconv.FormatInt(c.CollectionID, 10)+" (not on this site)", true
		}
		id := strconv.FormatInt(c.CollectionID, 10)
		for _, p := range perm.CollectionPermNames() {
			r.Cells = append(r.Cells, matrixCell{ID: "collection-" + id + "-" + p, Name: "collection_" + id, Value: p, Short: collPermLabels[p],
				Noun: " " + collPermNoun(p), Rest: " in “" + r.Title + "”", Checked: slices.Contains(c.Permissions, p)})
		}
		m.Colls = append(m.Colls, r)
	}
	m.NewColl = formField{ID: "new_collection", Name: "new_collection", Label: "Collection", Value: in.newColl, Error: in.newCollError,
		Help: "The permissions apply in this collection and every collection inside it."}
	for _, p := range perm.CollectionPermNames() {
		m.NewCollCells = append(m.NewCollCells, matrixCell{ID: "new-collection-" + p, Name: "new_collection_perm", Value: p, Short: collPermLabels[p],
			Rest: " " + collPermNoun(p), Checked: slices.Contains(in.newCollPerms, p)})
	}

	sections := map[string]*modelSection{}
	order := []string{"admin", "snippet", "settings", "people", "site", "other"}
	titles := map[string]string{"admin": "", "snippet": "Snippets", "settings": "Settings", "people": "People", "site": "Site", "other": "Other"}
	for _, pg := range q.a.PermissionGroups() {
		row := modelRow{Label: pg.Label}
		for _, v := range service.PermissionVerbs {
			c, ok := pg.Verbs[v]
			if !ok {
				row.Cells = append(row.Cells, nil)
				continue
			}
			row.Cells = append(row.Cells, &matrixCell{ID: "model-" + c, Name: "model", Value: c, Short: verbLabel(v), Rest: " " + strings.ToLower(pg.Label), Checked: slices.Contains(in.models, c)})
		}
		for _, o := range pg.Others {
			if o.Codename == "access_admin" && m.AdminAlways {
				continue
			}
			row.Others = append(row.Others, matrixCell{ID: "model-" + o.Codename, Name: "model", Value: o.Codename, Short: o.Label, Checked: slices.Contains(in.models, o.Codename)})
		}
		s := sections[pg.Kind]
		if s == nil {
			s = &modelSection{Label: titles[pg.Kind]}
			sections[pg.Kind] = s
		}
		s.Rows = append(s.Rows, row)
	}
	for _, k := range order {
		if s := sections[k]; s != nil {
			m.Models = append(m.Models, *s)
		}
	}
	for _, e := range []formField{m.NewPage, m.NewColl} {
		if e.Error != "" {
			m.Errors = append(m.Errors, summaryItem{Anchor: e.ID, Label: e.Label, Message: e.Error})
		}
	}
	q.crumbs = []crumb{{Label: "Groups", URL: "/admin/groups/"}, {Label: g.Name, URL: "/admin/groups/" + strconv.FormatInt(g.ID, 10) + "/"}, {Label: "Permissions"}}
	return q.render(status, "group_permissions", "Permissions of “"+g.Name+"”", m)
}

func verbLabel(v string) string {
	if v == "change" {
		return "Edit"
	}
	return strings.ToUpper(v[:1]) + v[1:]
}
