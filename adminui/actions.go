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

// The explorer's actions on a page: delete, unpublish, move, copy, sort.
// Each screen is shown only with the engine's permission, and each POST is
// checked again by the service.

func (u *UI) actionPage(q *req, perm string) (*service.PageWithActions, int, int, error) {
	q.section = "pages"
	id, err := pathID(q.r, "id")
	if err != nil {
		return nil, 0, 0, err
	}
	p, below, live, err := q.a.SubtreeCounts(q.ctx(), id)
	if err != nil {
		return nil, 0, 0, err
	}
	if !slices.Contains(p.Permissions, perm) {
		return nil, 0, 0, canopy.Errorf(canopy.EFORBIDDEN, "you may not do that to “%s”", p.Title)
	}
	anc, err := q.a.VisibleAncestors(q.ctx(), p.Page)
	if err != nil {
		return nil, 0, 0, err
	}
	q.crumbsFor(anc, p.Page, true)
	return p, below, live, nil
}

func (u *UI) deleteConfirm(q *req) error {
	p, below, live, err := u.actionPage(q, "delete")
	if err != nil {
		return err
	}
	q.crumbs = append(q.crumbs, crumb{Label: "Delete"})
	return q.render(http.StatusOK, "confirm_delete", "Delete "+p.Title, map[string]any{"Page": p, "Below": below, "LiveBelow": live})
}

func (u *UI) deleteSubmit(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	p, err := q.a.Page(q.ctx(), id)
	if err != nil {
		return err
	}
	if err := q.a.Delete(q.ctx(), id); err != nil {
		return err
	}
	return q.redirect("/admin/pages/"+strconv.FormatInt(p.ParentID, 10)+"/", "success", "“"+p.Title+"” has been deleted.")
}

func (u *UI) unpublishConfirm(q *req) error {
	p, below, live, err := u.actionPage(q, "unpublish")
	if err != nil {
		return err
	}
	q.crumbs = append(q.crumbs, crumb{Label: "Unpublish"})
	return q.render(http.StatusOK, "confirm_unpublish", "Unpublish "+p.Title, map[string]any{"Page": p, "Below": below, "LiveBelow": live})
}

func (u *UI) unpublishSubmit(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	p, err := q.a.Unpublish(q.ctx(), id, q.r.PostFormValue("descendants") == "on")
	if err != nil {
		return err
	}
	return q.redirect("/admin/pages/"+strconv.FormatInt(p.ParentID, 10)+"/", "success", "“"+p.Title+"” has been unpublished.")
}

// ---- move ----

type destRow struct {
	Page      *canopy.Page
	TypeLabel string
	Allowed   bool
	BrowseURL string
}

func (u *UI) moveForm(q *req) error {
	p, _, _, err := u.actionPage(q, "move")
	if err != nil {
		return err
	}
	q.crumbs = append(q.crumbs, crumb{Label: "Move"})
	parentID := p.ParentID
	if v := q.r.URL.Query().Get("parent"); v != "" {
		if parentID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return canopy.Errorf(canopy.ENOTFOUND, "no such page")
		}
	}
	if parentID == 0 || p.Depth <= 2 {
		return canopy.Errorf(canopy.EINVALID, "a site's home page cannot be moved")
	}
	offset := pageNumber(q.r, explorerPageSize)
	e, err := q.a.Explorer(q.ctx(), parentID, explorerPageSize, offset)
	if err != nil {
		return err
	}
	cands := []*canopy.Page{e.Parent.Page}
	for _, r := range e.Rows {
		cands = append(cands, r.Page)
	}
	ok, err := q.a.MoveTargets(q.ctx(), p.ID, cands)
	if err != nil {
		return err
	}
	browse := func(id int64) string {
		return "/admin/pages/" + strconv.FormatInt(p.ID, 10) + "/move/?parent=" + strconv.FormatInt(id, 10)
	}
	var rows []destRow
	for _, r := range e.Rows {
		d := destRow{Page: r.Page, TypeLabel: typeLabel(q.a.Types(), r.Type), Allowed: ok[r.ID] && r.ID != p.ID}
		if r.NumChild > 0 && r.ID != p.ID && !strings.HasPrefix(r.Path, p.Path) {
			d.BrowseURL = browse(r.ID)
		}
		rows = append(rows, d)
	}
	var crumbs []crumb
	for _, a := range e.Ancestors {
		crumbs = append(crumbs, crumb{Label: a.Title, URL: browse(a.ID)})
	}
	redirects, err := q.a.MoveRedirects(q.ctx(), p.Page)
	if err != nil {
		return err
	}
	pu, _ := url.Parse(browse(parentID))
	return q.render(http.StatusOK, "move", "Move "+p.Title, map[string]any{"Page": p, "Here": e.Parent.Page, "HereAllowed": ok[e.Parent.ID] && e.Parent.ID != p.ParentID,
		"IsCurrentParent": e.Parent.ID == p.ParentID, "Rows": rows, "Crumbs": crumbs, "Pager": makePager(*pu, e.Total, offset, explorerPageSize),
		"Redirects": redirects, "Live": p.Live})
}

func (u *UI) moveSubmit(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	dest, err := strconv.ParseInt(q.r.PostFormValue("destination"), 10, 64)
	if err != nil {
		return canopy.Errorf(canopy.EINVALID, "choose where to move the page")
	}
	var redirects int
	p, err := q.a.Move(service.CountRedirects(q.ctx(), &redirects), id, dest, nil)
	if err != nil {
		return err
	}
	msg := "“" + p.Title + "” has been moved."
	switch {
	case redirects == 1:
		msg += " A permanent redirect now sends visitors of its old address to the new one."
	case redirects > 1:
		msg += " " + strconv.Itoa(redirects) + " permanent redirects now send visitors of the old addresses of it and its subpages to the new ones."
	}
	return q.redirect("/admin/pages/"+strconv.FormatInt(p.ParentID, 10)+"/", "success", msg)
}

// ---- copy ----

func (u *UI) copyForm(q *req) error { return u.showCopy(q, http.StatusOK, nil) }

// showCopy shows the copy form: the posted input and its error, if any.
func (u *UI) showCopy(q *req, status int, fail error) error {
	p, below, _, err := u.actionPage(q, "copy")
	if err != nil {
		return err
	}
	q.crumbs = append(q.crumbs, crumb{Label: "Copy"})
	dest := formField{ID: "id_destination", Name: "destination", Label: "Copy to (the new parent page)", Kind: "page", Required: true,
		ChooserURL: "/admin/choose/page/", ChooseWhat: "a page", Value: strconv.FormatInt(p.ParentID, 10)}
	title := formField{ID: "id_title", Name: "title", Label: "Title of the copy", Kind: "text", Required: true, Value: p.Title + " (copy)"}
	slug := formField{ID: "id_slug", Name: "slug", Label: "Slug of the copy", Kind: "text", Value: p.Slug + "-copy", Help: "Its address: must be free among the new parent's children."}
	descendants, publish := false, false
	var summary []summaryItem
	if fail != nil {
		dest.Value, slug.Value, title.Value = strings.TrimSpace(q.r.PostFormValue("destination")), strings.TrimSpace(q.r.PostFormValue("slug")), q.r.PostFormValue("title")
		descendants, publish = q.r.PostFormValue("descendants") == "on", q.r.PostFormValue("publish") == "on"
		switch canopy.ErrorField(fail) {
		case "slug":
			slug.Error = friendly(canopy.ErrorMessage(fail))
		case "title":
			title.Error = friendly(canopy.ErrorMessage(fail))
		case "destination":
			dest.Error = friendly(canopy.ErrorMessage(fail))
		default:
			summary = append(summary, summaryItem{Message: canopy.ErrorMessage(fail)})
		}
		for _, f := range []*formField{&dest, &title, &slug} {
			if f.Error != "" {
				summary = append(summary, summaryItem{Anchor: f.ID, Label: f.Label, Message: f.Error})
			}
		}
	}
	if id, err := strconv.ParseInt(dest.Value, 10, 64); err == nil {
		if refs, err := q.a.Refs(q.ctx(), map[string][]int64{"page": {id}}); err == nil {
			if r, ok := refs["page"][id]; ok {
				dest.ChosenTitle = r.Title
			} else {
				dest.Missing = true
			}
		}
	}
	d := map[string]any{"Page": p, "Below": below, "CanPublish": slices.Contains(p.Permissions, "publish"), "Dest": dest, "Title": title, "Slug": slug,
		"Descendants": descendants, "Publish": publish, "Errors": summary}
	return q.render(status, "copy", "Copy "+p.Title, d)
}

func (u *UI) copySubmit(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	dest, err := strconv.ParseInt(strings.TrimSpace(q.r.PostFormValue("destination")), 10, 64)
	if err != nil {
		return u.showCopy(q, http.StatusBadRequest, canopy.FieldErrorf("destination", canopy.EINVALID, "choose the page to copy under"))
	}
	if strings.TrimSpace(q.r.PostFormValue("title")) == "" {
		return u.showCopy(q, http.StatusBadRequest, canopy.FieldErrorf("title", canopy.EINVALID, "give the copy a title"))
	}
	c, err := q.a.Copy(q.ctx(), id, service.CopyInput{ParentID: dest, Slug: strings.TrimSpace(q.r.PostFormValue("slug")), Title: q.r.PostFormValue("title"),
		IncludeDescendants: q.r.PostFormValue("descendants") == "on", Publish: q.r.PostFormValue("publish") == "on"})
	if err != nil {
		if code := canopy.ErrorCode(err); code == canopy.EINVALID || code == canopy.ECONFLICT || code == canopy.EFORBIDDEN ||
			code == canopy.ENOTFOUND && strings.HasPrefix(canopy.ErrorMessage(err), "destination") {
			if canopy.ErrorField(err) == "" && strings.HasPrefix(canopy.ErrorMessage(err), "destination") {
				err = canopy.FieldErrorf("destination", code, "%s", canopy.ErrorMessage(err))
			}
			return u.showCopy(q, http.StatusBadRequest, err)
		}
		return err
	}
	return q.redirect("/admin/pages/"+strconv.FormatInt(c.ParentID, 10)+"/", "success", "The copy “"+c.Title+"” has been created at "+c.URLPath+".")
}

// ---- sort ----

func (u *UI) reorderForm(q *req) error {
	p, _, _, err := u.actionPage(q, "reorder")
	if err != nil {
		return err
	}
	q.crumbs = append(q.crumbs, crumb{Label: "Sort child pages"})
	kids, err := q.a.Children(q.ctx(), p.ID)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "reorder", "Sort the child pages of "+p.Title, map[string]any{"Page": p, "Kids": kids, "Last": len(kids) - 1})
}

// reorderSubmit moves one child up or down (or to a position), keyboard
// friendly: a button per move, no dragging.
func (u *UI) reorderSubmit(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	kids, err := q.a.Children(q.ctx(), id)
	if err != nil {
		return err
	}
	child, _ := strconv.ParseInt(q.r.PostFormValue("child"), 10, 64)
	at := -1
	ids := make([]int64, len(kids))
	for i, k := range kids {
		ids[i] = k.ID
		if k.ID == child {
			at = i
		}
	}
	if at < 0 {
		return canopy.Errorf(canopy.EINVALID, "that page is not a child of this page")
	}
	to := at
	switch q.r.PostFormValue("move") {
	case "up":
		to--
	case "down":
		to++
	case "first":
		to = 0
	case "last":
		to = len(ids) - 1
	}
	if to < 0 || to >= len(ids) || to == at {
		return q.redirect("/admin/pages/"+strconv.FormatInt(id, 10)+"/reorder/", "", "")
	}
	moved := ids[at]
	ids = append(ids[:at], ids[at+1:]...)
	ids = append(ids[:to], append([]int64{moved}, ids[to:]...)...)
	if err := q.a.ReorderChildren(q.ctx(), id, ids); err != nil {
		return err
	}
	return q.redirect("/admin/pages/"+strconv.FormatInt(id, 10)+"/reorder/#child-"+strconv.FormatInt(moved, 10), "success", "“"+kids[at].Title+"” moved to position "+strconv.Itoa(to+1)+".")
}
