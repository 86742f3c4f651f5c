package adminui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Collections: the site's collection tree (as far as the user manages it)
// with what each holds; add, rename, move, delete (refused with the reason
// while it holds anything); who may download its documents. The
// installation's shared library is listed read-only, and editable by
// superusers, marked as shared.

type collectionRow struct {
	*service.CollectionWithPerms
	Images, Documents int
	Privacy           string
}

func privacyLabel(r *canopy.Restriction) string {
	if r == nil {
		return ""
	}
	switch r.Kind {
	case "login":
		return "Logged-in members"
	case "password":
		return "Password"
	case "groups":
		return "Some groups"
	}
	return r.Kind
}

func collectionRows(list []*service.CollectionWithPerms, counts map[int64][2]int) []collectionRow {
	out := make([]collectionRow, len(list))
	for i, c := range list {
		n := counts[c.ID]
		out[i] = collectionRow{CollectionWithPerms: c, Images: n[0], Documents: n[1], Privacy: privacyLabel(c.Restriction)}
	}
	return out
}

func (u *UI) collectionsList(q *req) error {
	q.section = "collections"
	t, err := q.a.CollectionTree(q.ctx())
	if err != nil {
		return err
	}
	q.crumbs = []crumb{{Label: "Collections"}}
	return q.render(http.StatusOK, "collections", "Collections", map[string]any{"Site": collectionRows(t.Site, t.SiteCounts),
		"Shared": collectionRows(t.Shared, t.Counts), "SharedEditable": t.SharedEditable})
}

// collectionForm is the add and edit form.
type collectionForm struct {
	ID                 int64
	Name               formField
	Parent             int64
	ParentError        string
	Parents            []*service.CollectionWithPerms
	Errors             []summaryItem
	CanRename, CanMove bool
	CanDelete, Shared  bool
	Current            *service.CollectionWithPerms
}

// parentChoices are the collections a collection may be added to or moved
// under: of the same tree (the site's or the shared library), where the
// user may add collections, never the collection itself or below it.
func (u *UI) parentChoices(q *req, self *service.CollectionWithPerms, shared bool) ([]*service.CollectionWithPerms, error) {
	t, err := q.a.CollectionTree(q.ctx())
	if err != nil {
		return nil, err
	}
	list := t.Site
	if shared {
		list = t.Shared
	}
	var out []*service.CollectionWithPerms
	for _, c := range list {
		if !slices.Contains(c.Permissions, "add_subcollection") {
			continue
		}
		if self != nil && (c.ID == self.ID || strings.HasPrefix(c.Path, self.Path)) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func (u *UI) showCollectionForm(q *req, status int, f *collectionForm) error {
	q.section = "collections"
	if f.Name.Error != "" {
		f.Errors = append(f.Errors, summaryItem{Anchor: f.Name.ID, Label: f.Name.Label, Message: f.Name.Error})
	}
	if f.ParentError != "" {
		f.Errors = append(f.Errors, summaryItem{Anchor: "id_parent", Label: "Parent collection", Message: f.ParentError})
	}
	title := "Add a collection"
	if f.ID != 0 {
		title = f.Current.Name
	}
	q.crumbs = []crumb{{Label: "Collections", URL: "/admin/collections/"}, {Label: title}}
	return q.render(status, "collection_form", title, f)
}

func nameField(v string) formField {
	return formField{ID: "id_name", Name: "name", Label: "Name", Kind: "text", Required: true, MaxLength: 255, Value: v}
}

func (u *UI) collectionAdd(q *req) error {
	q.section = "collections"
	f := &collectionForm{Name: nameField(""), CanRename: true, CanMove: true}
	f.Parent, _ = strconv.ParseInt(q.r.FormValue("parent"), 10, 64)
	shared := false
	if f.Parent != 0 {
		p, err := q.a.Collection(q.ctx(), f.Parent)
		if err != nil {
			return err
		}
		shared = p.SiteID == 0
	}
	parents, err := u.parentChoices(q, nil, shared)
	if err != nil {
		return err
	}
	if len(parents) == 0 {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not add collections on this site")
	}
	f.Parents, f.Shared = parents, shared
	if f.Parent == 0 {
		f.Parent = parents[0].ID
	}
	if q.r.Method == http.MethodGet {
		return u.showCollectionForm(q, http.StatusOK, f)
	}
	f.Name.Value = strings.TrimSpace(q.r.PostFormValue("name"))
	c, err := q.a.CreateCollection(q.ctx(), f.Parent, f.Name.Value)
	if err != nil {
		if !formError(err) {
			return err
		}
		f.Name.Error = sentence(canopy.ErrorMessage(err))
		return u.showCollectionForm(q, http.StatusBadRequest, f)
	}
	return q.redirect("/admin/collections/", "success", "Collection “"+c.Name+"” added.")
}

func (u *UI) collectionOf(q *req) (*service.CollectionWithPerms, error) {
	q.section = "collections"
	id, err := pathID(q.r, "id")
	if err != nil {
		return nil, err
	}
	c, err := q.a.Collection(q.ctx(), id)
	if err != nil {
		return nil, err
	}
	// Only collections the user manages have screens (a shared one: superusers).
	if !slices.ContainsFunc(c.Permissions, func(p string) bool {
		return p == "rename" || p == "move" || p == "delete" || p == "add_subcollection" || p == "set_privacy"
	}) {
		return nil, canopy.Errorf(canopy.EFORBIDDEN, "you may not manage the collection %q", c.Name)
	}
	return c, nil
}

func (u *UI) collectionEdit(q *req) error {
	c, err := u.collectionOf(q)
	if err != nil {
		return err
	}
	f := &collectionForm{ID: c.ID, Current: c, Name: nameField(c.Name), Parent: c.ParentID, Shared: c.SiteID == 0,
		CanRename: slices.Contains(c.Permissions, "rename") && c.Depth > 1, CanMove: slices.Contains(c.Permissions, "move") && c.Depth > 1,
		CanDelete: slices.Contains(c.Permissions, "delete") && c.Depth > 1}
	if f.CanMove {
		if f.Parents, err = u.parentChoices(q, c, f.Shared); err != nil {
			return err
		}
		if !slices.ContainsFunc(f.Parents, func(p *service.CollectionWithPerms) bool { return p.ID == c.ParentID }) {
			if p, err := q.a.Collection(q.ctx(), c.ParentID); err == nil {
				f.Parents = append([]*service.CollectionWithPerms{p}, f.Parents...)
			}
		}
	}
	if q.r.Method == http.MethodGet {
		return u.showCollectionForm(q, http.StatusOK, f)
	}
	var name *string
	if f.CanRename {
		f.Name.Value = strings.TrimSpace(q.r.PostFormValue("name"))
		name = &f.Name.Value
	}
	var parent int64
	if f.CanMove {
		if parent, err = strconv.ParseInt(q.r.PostFormValue("parent"), 10, 64); err != nil {
			f.ParentError = "Choose a collection from the list."
			return u.showCollectionForm(q, http.StatusBadRequest, f)
		}
		f.Parent = parent
	}
	if name == nil && parent == 0 {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not rename or move %q", c.Name)
	}
	saved, err := q.a.UpdateCollection(q.ctx(), c.ID, name, parent)
	if err != nil {
		if !formError(err) && canopy.ErrorCode(err) != canopy.EFORBIDDEN {
			return err
		}
		msg := sentence(canopy.ErrorMessage(err))
		if strings.Contains(canopy.ErrorMessage(err), "name") {
			f.Name.Error = msg
		} else {
			f.ParentError = msg
		}
		return u.showCollectionForm(q, http.StatusBadRequest, f)
	}
	return q.redirect("/admin/collections/", "success", "Collection “"+saved.Name+"” saved.")
}

func (u *UI) collectionDelete(q *req) error {
	c, err := u.collectionOf(q)
	if err != nil {
		return err
	}
	if !slices.Contains(c.Permissions, "delete") || c.Depth == 1 {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not delete the collection %q", c.Name)
	}
	t, err := q.a.CollectionTree(q.ctx())
	if err != nil {
		return err
	}
	counts, children := t.SiteCounts[c.ID], 0
	list := t.Site
	if c.SiteID == 0 {
		counts, list = t.Counts[c.ID], t.Shared
	}
	for _, o := range list {
		if o.ParentID == c.ID {
			children++
		}
	}
	d := map[string]any{"C": c, "Images": counts[0], "Documents": counts[1], "Children": children}
	if q.r.Method == http.MethodPost {
		if err := q.a.DeleteCollection(q.ctx(), c.ID); err != nil {
			if canopy.ErrorCode(err) != canopy.ECONFLICT {
				return err
			}
			d["Error"] = sentence(canopy.ErrorMessage(err))
			q.crumbs = []crumb{{Label: "Collections", URL: "/admin/collections/"}, {Label: "Delete " + c.Name}}
			return q.render(http.StatusConflict, "collection_delete", "Delete “"+c.Name+"”?", d)
		}
		return q.redirect("/admin/collections/", "success", "Collection “"+c.Name+"” deleted.")
	}
	q.crumbs = []crumb{{Label: "Collections", URL: "/admin/collections/"}, {Label: "Delete " + c.Name}}
	return q.render(http.StatusOK, "collection_delete", "Delete “"+c.Name+"”?", d)
}

type collectionPrivacyForm struct {
	C                     *service.CollectionWithPerms
	Current               string
	Groups                []*canopy.Group
	Chosen                map[int64]bool
	Error, PasswordError  string
	GroupsError           string
	HasPassword, Inherits bool
}

func (u *UI) collectionPrivacy(q *req) error {
	c, err := u.collectionOf(q)
	if err != nil {
		return err
	}
	if !slices.Contains(c.Permissions, "set_privacy") || c.SiteID == 0 {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not change who may download the documents of %q", c.Name)
	}
	groups, err := q.a.CollectionPrivacyGroups(q.ctx())
	if err != nil {
		return err
	}
	f := &collectionPrivacyForm{C: c, Current: "none", Groups: groups, Chosen: map[int64]bool{}}
	if r := c.Restriction; r != nil {
		f.Current, f.HasPassword = r.Kind, r.Kind == "password"
		for _, g := range r.GroupIDs {
			f.Chosen[g] = true
		}
	}
	status := http.StatusOK
	if q.r.Method == http.MethodPost {
		kind := q.r.PostFormValue("kind")
		var ids []int64
		if kind == "groups" {
			for _, v := range q.r.PostForm["groups"] {
				id, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return canopy.Errorf(canopy.EINVALID, "choose groups from the list")
				}
				ids = append(ids, id)
			}
		}
		password := ""
		if kind == "password" {
			password = q.r.PostFormValue("password")
		}
		_, err := q.a.SetCollectionPrivacy(q.ctx(), c.ID, kind, ids, password)
		if err == nil {
			return q.redirect("/admin/collections/", "success", "Who may download the documents of “"+c.Name+"” is saved.")
		}
		if !formError(err) && canopy.ErrorCode(err) != canopy.ENOTFOUND {
			return err
		}
		f.Current, f.Chosen = kind, map[int64]bool{}
		for _, id := range ids {
			f.Chosen[id] = true
		}
		switch canopy.ErrorField(err) {
		case "password":
			f.PasswordError = sentence(canopy.ErrorMessage(err))
		case "groups":
			f.GroupsError = sentence(canopy.ErrorMessage(err))
		default:
			f.Error = sentence(canopy.ErrorMessage(err))
		}
		status = http.StatusBadRequest
	}
	q.crumbs = []crumb{{Label: "Collections", URL: "/admin/collections/"}, {Label: "Privacy of " + c.Name}}
	return q.render(status, "collection_privacy", "Privacy of “"+c.Name+"”", f)
}
