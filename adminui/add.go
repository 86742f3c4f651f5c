package adminui

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Adding a page: choose one of the types the engine and the type rules
// allow under the parent, then fill in the same form as the editor.

func (u *UI) addParent(q *req) (*service.PageWithActions, error) {
	id, err := pathID(q.r, "id")
	if err != nil {
		return nil, err
	}
	parent, err := q.a.Page(q.ctx(), id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(parent.Permissions, "add_subpage") {
		return nil, canopy.Errorf(canopy.EFORBIDDEN, "you may not add pages under %q", parent.Title)
	}
	return parent, nil
}

func (u *UI) addChooseType(q *req) error {
	q.section = "pages"
	parent, err := u.addParent(q)
	if err != nil {
		return err
	}
	types := q.a.CreatableTypes(parent.Page)
	if len(types) == 1 {
		http.Redirect(q.w, q.r, "/admin/pages/"+strconv.FormatInt(parent.ID, 10)+"/add/"+types[0].Name+"/", http.StatusSeeOther)
		return nil
	}
	anc, err := q.a.VisibleAncestors(q.ctx(), parent.Page)
	if err != nil {
		return err
	}
	q.crumbsFor(anc, parent.Page, true)
	q.crumbs = append(q.crumbs, crumb{Label: "Add a page"})
	return q.render(http.StatusOK, "add_type", "Add a page under "+parent.Title, map[string]any{"Parent": parent, "Types": types})
}

// addType checks that the type may be created under the parent by this user.
func (u *UI) addType(q *req, parent *service.PageWithActions) (*canopy.PageType, error) {
	name := q.r.PathValue("type")
	for _, pt := range q.a.CreatableTypes(parent.Page) {
		if pt.Name == name {
			return q.a.EditableType(pt), nil
		}
	}
	return nil, canopy.Errorf(canopy.ENOTFOUND, "a page of type %q cannot be added under %q", name, parent.Title)
}

// adding checks the request's {id} (the parent) and {type} for a new page.
func (u *UI) adding(q *req) (*service.PageWithActions, *canopy.PageType, error) {
	parent, err := u.addParent(q)
	if err != nil {
		return nil, nil, err
	}
	pt, err := u.addType(q, parent)
	return parent, pt, err
}

func (u *UI) addForm(q *req) error {
	parent, pt, err := u.adding(q)
	if err != nil {
		return err
	}
	return u.showAdd(q, http.StatusOK, parent, newPageForm(pt, canopy.PageContent{Fields: map[string]any{}}, u.kit.Svc.Snippets))
}

func (u *UI) showAdd(q *req, status int, parent *service.PageWithActions, form *pageForm) error {
	q.section = "pages"
	q.richText = form.hasRichText()
	if err := u.labelRefs(q, form); err != nil {
		return err
	}
	d := &editorData{Form: form, Parent: parent.Page, Action: "/admin/pages/" + strconv.FormatInt(parent.ID, 10) + "/add/" + form.Type.Name + "/",
		CanSave: true, CanPublish: slices.Contains(parent.Permissions, "publish_subpage"), TypeLabel: form.Type.Label}
	d.Schedule = form.GoLiveAt.Value != "" && scheduledLater(form.GoLiveAt.Value)
	// A workflow on the parent or above applies to the new page: it can be
	// submitted for moderation as it is created.
	workflow, pubs, err := q.a.Publishing(q.ctx(), parent.Page)
	if err != nil {
		return err
	}
	d.CanSubmit = workflow
	if !d.CanPublish && !d.CanSubmit {
		d.SaveOnly, d.Publishers = true, pubs
	}
	anc, err := q.a.VisibleAncestors(q.ctx(), parent.Page)
	if err != nil {
		return err
	}
	q.crumbsFor(anc, parent.Page, true)
	q.crumbs = append(q.crumbs, crumb{Label: "New " + form.Type.Label})
	return q.render(status, "editor", "New "+form.Type.Label, d)
}

func (u *UI) addSubmit(q *req) error {
	parent, pt, err := u.adding(q)
	if err != nil {
		return err
	}
	form, patch := parsePageForm(q.r, pt, u.kit.Svc.Snippets)
	if q.r.PostFormValue("restore") == "1" {
		form.Dirty = true
		q.flashes = append(q.flashes, flash{"warning", "Your input is back in the form but not saved yet: review it and save."})
		return u.showAdd(q, http.StatusOK, parent, form)
	}
	if form.summarize() {
		return u.showAdd(q, http.StatusBadRequest, parent, form)
	}
	in := patch.Apply(canopy.PageContent{})
	in.Type = pt.Name
	publish := q.r.PostFormValue("action") == "publish"
	p, err := q.a.CreateChild(q.ctx(), parent.ID, in, publish)
	if err != nil {
		form.setError(err)
		return u.showAdd(q, http.StatusBadRequest, parent, form)
	}
	switch {
	case q.r.PostFormValue("action") == "submit":
		edit := "/admin/pages/" + strconv.FormatInt(p.ID, 10) + "/edit/"
		if _, err := q.a.Submit(q.ctx(), p.ID); err != nil {
			return q.redirect(edit, "error", "“"+p.Title+"” has been created as a draft, but it could not be submitted: "+canopy.ErrorMessage(err))
		}
		return q.redirect(edit, "success", "“"+p.Title+"” has been created and submitted for moderation.")
	case publish && p.ScheduledRevisionID != 0:
		return q.redirect("/admin/pages/"+strconv.FormatInt(p.ID, 10)+"/edit/", "success", "“"+p.Title+"” is created and scheduled to go live on "+when(p.GoLiveAt)+".")
	case publish:
		return q.redirect("/admin/pages/"+strconv.FormatInt(parent.ID, 10)+"/", "success", "“"+p.Title+"” has been created and published.")
	}
	return q.redirect("/admin/pages/"+strconv.FormatInt(p.ID, 10)+"/edit/", "success", "“"+p.Title+"” has been created as a draft.")
}
