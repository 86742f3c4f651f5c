package adminui

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Groups of this site: list with members counted, create, rename, delete
// (saying whom it affects), and what each group may do in plain words; the
// grants themselves are edited in the permission matrix (permissions.go).

type groupRow struct {
	*canopy.Group
	Members int
}

func (u *UI) groupsAllowed(q *req) ([]string, error) {
	q.section = "groups"
	acts := q.a.GroupActions()
	if len(acts) == 0 {
		return nil, canopy.Errorf(canopy.EFORBIDDEN, "you may not see this site's groups")
	}
	return acts, nil
}

func (u *UI) groupsList(q *req) error {
	acts, err := u.groupsAllowed(q)
	if err != nil {
		return err
	}
	groups, err := q.a.SiteGroups(q.ctx())
	if err != nil {
		return err
	}
	counts, err := q.a.GroupMemberCounts(q.ctx())
	if err != nil {
		return err
	}
	rows := make([]groupRow, len(groups))
	for i, g := range groups {
		rows[i] = groupRow{Group: g, Members: counts[g.ID]}
	}
	q.crumbs = []crumb{{Label: "Groups"}}
	return q.render(http.StatusOK, "groups", "Groups", map[string]any{"Rows": rows, "Actions": acts})
}

// groupOf loads one of this site's groups (another site's, or an
// installation-wide one, is not this screen's: 404).
func (u *UI) groupOf(q *req) (*canopy.Group, []string, error) {
	g, acts, err := objectOf(q, u.groupsAllowed, q.a.Group)
	if err == nil && g.SiteID != q.a.Site.ID {
		return nil, nil, canopy.Errorf(canopy.ENOTFOUND, "group %d not found", g.ID)
	}
	return g, acts, err
}

func (u *UI) groupAdd(q *req) error {
	acts, err := u.groupsAllowed(q)
	if err != nil {
		return err
	}
	if !slices.Contains(acts, "add") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not add groups")
	}
	name := nameField("")
	status := http.StatusOK
	if q.r.Method == http.MethodPost {
		name.Value = strings.TrimSpace(q.r.PostFormValue("name"))
		g, err := q.a.CreateGroup(q.ctx(), name.Value, false)
		if err == nil {
			return q.redirect("/admin/groups/"+strconv.FormatInt(g.ID, 10)+"/permissions/", "success", "The group “"+g.Name+"” is made. Now give it permissions.")
		}
		if !formError(err) {
			return err
		}
		name.Error, status = sentence(canopy.ErrorMessage(err)), http.StatusBadRequest
	}
	q.crumbs = []crumb{{Label: "Groups", URL: "/admin/groups/"}, {Label: "Add a group"}}
	var errs []summaryItem
	if name.Error != "" {
		errs = []summaryItem{{Anchor: name.ID, Label: name.Label, Message: name.Error}}
	}
	return q.render(status, "group_add", "Add a group", map[string]any{"Name": name, "Errors": errs})
}

type groupView struct {
	G                 *canopy.Group
	Name              formField
	Errors            []summaryItem
	CanRename         bool
	CanDelete         bool
	Summary           []string
	Members           []*canopy.User
	MembersTotal      int
	MoreMembersURL    string
	NoPermissions     bool
	AdminGroupWarning bool
}

// grantSummary says in plain words what a group may do on this site.
func (u *UI) grantSummary(q *req, gg canopy.GroupGrants) ([]string, error) {
	var out []string
	var pageIDs []int64
	for _, p := range gg.Pages {
		pageIDs = append(pageIDs, p.PageID)
	}
	refs, err := q.a.Refs(q.ctx(), map[string][]int64{"page": pageIDs})
	if err != nil {
		return nil, err
	}
	for _, p := range gg.Pages {
		title := "a page since deleted"
		if r, ok := refs["page"][p.PageID]; ok {
			title = "“" + r.Title + "”"
		}
		out = append(out, "On "+title+" and every page below it: "+joinWords(pageActionWords(p.Actions))+".")
	}
	names, err := q.a.CollectionNames(q.ctx())
	if err != nil {
		return nil, err
	}
	for _, c := range gg.Collections {
		name, ok := names[c.CollectionID]
		where := "a collection since deleted"
		if ok {
			where = "collection “" + name + "”"
		}
		out = append(out, "In "+where+" and the collections inside it: "+joinWords(collectionWords(c.Permissions))+".")
	}
	labels := map[string]string{}
	for _, p := range service.Permissions() {
		labels[p.Codename] = p.Label
	}
	var models []string
	for _, m := range gg.Models {
		if l, ok := labels[m]; ok {
			models = append(models, strings.TrimPrefix(strings.ToLower(l[:1])+l[1:], "can "))
		} else {
			models = append(models, m)
		}
	}
	sort.Strings(models)
	if len(models) > 0 {
		out = append(out, "Also: "+joinWords(models)+".")
	}
	return out, nil
}

func pageActionWords(actions []string) []string {
	words := map[string]string{"add": "add pages", "change": "edit pages", "publish": "publish and unpublish", "bulk_delete": "delete pages with their subpages",
		"lock": "lock pages", "unlock": "unlock pages locked by others", "set_privacy": "set privacy"}
	var out []string
	for _, a := range actions {
		if w, ok := words[a]; ok {
			out = append(out, w)
		} else {
			out = append(out, a)
		}
	}
	return out
}

func collectionWords(perms []string) []string {
	var out []string
	for _, p := range perms {
		out = append(out, strings.ReplaceAll(strings.Replace(p, "_", " ", 1), "_", " ")+"s")
	}
	return out
}

// joinWords is "a", "a and b", "a, b and c".
func joinWords(w []string) string {
	switch len(w) {
	case 0:
		return "nothing"
	case 1:
		return w[0]
	}
	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}

func (u *UI) showGroup(q *req, status int, v *groupView) error {
	gg, err := q.a.GroupGrants(q.ctx(), v.G.ID)
	if err == nil {
		if v.Summary, err = u.grantSummary(q, gg); err != nil {
			return err
		}
		v.NoPermissions = len(v.Summary) == 0
	} else if canopy.ErrorCode(err) != canopy.EFORBIDDEN {
		return err
	}
	members, total, err := q.a.GroupMembers(q.ctx(), v.G.ID, "", 20, 0)
	if err != nil && canopy.ErrorCode(err) != canopy.EFORBIDDEN {
		return err
	}
	v.Members, v.MembersTotal = members, total
	if total > len(members) {
		v.MoreMembersURL = "/admin/users/?" + url.Values{"group": {strconv.FormatInt(v.G.ID, 10)}}.Encode()
	}
	if v.Name.Error != "" {
		v.Errors = []summaryItem{{Anchor: v.Name.ID, Label: v.Name.Label, Message: v.Name.Error}}
	}
	q.crumbs = []crumb{{Label: "Groups", URL: "/admin/groups/"}, {Label: v.G.Name}}
	return q.render(status, "group", v.G.Name, v)
}

func (u *UI) groupEdit(q *req) error {
	g, acts, err := u.groupOf(q)
	if err != nil {
		return err
	}
	v := &groupView{G: g, Name: nameField(g.Name), CanRename: slices.Contains(acts, "change"), CanDelete: slices.Contains(acts, "delete") && !g.IsAdmin}
	if q.r.Method == http.MethodGet {
		return u.showGroup(q, http.StatusOK, v)
	}
	if !v.CanRename {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not rename groups")
	}
	v.Name.Value = strings.TrimSpace(q.r.PostFormValue("name"))
	saved, err := q.a.RenameGroup(q.ctx(), g.ID, v.Name.Value)
	if err != nil {
		if !formError(err) {
			return err
		}
		v.Name.Error = sentence(canopy.ErrorMessage(err))
		return u.showGroup(q, http.StatusBadRequest, v)
	}
	return q.redirect("/admin/groups/"+strconv.FormatInt(g.ID, 10)+"/", "success", "The group is now called “"+saved.Name+"”.")
}

func (u *UI) groupDelete(q *req) error {
	g, acts, err := u.groupOf(q)
	if err != nil {
		return err
	}
	if !slices.Contains(acts, "delete") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not delete groups")
	}
	_, total, err := q.a.GroupMembers(q.ctx(), g.ID, "", 1, 0)
	if err != nil {
		return err
	}
	d := map[string]any{"G": g, "Members": total}
	if q.r.Method == http.MethodPost {
		if err := q.a.DeleteGroup(q.ctx(), g.ID); err != nil {
			if !formError(err) && canopy.ErrorCode(err) != canopy.EFORBIDDEN {
				return err
			}
			d["Error"] = sentence(canopy.ErrorMessage(err))
			q.crumbs = []crumb{{Label: "Groups", URL: "/admin/groups/"}, {Label: "Delete " + g.Name}}
			return q.render(http.StatusConflict, "group_delete", "Delete “"+g.Name+"”?", d)
		}
		return q.redirect("/admin/groups/", "success", "The group “"+g.Name+"” is deleted.")
	}
	q.crumbs = []crumb{{Label: "Groups", URL: "/admin/groups/"}, {Label: "Delete " + g.Name}}
	return q.render(http.StatusOK, "group_delete", "Delete “"+g.Name+"”?", d)
}
