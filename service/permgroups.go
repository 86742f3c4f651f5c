package service

import (
	"context"
	"sort"
	"strings"

	"github.com/canopy-cms/canopy"
)

// PermissionGroup is one row of the permission matrix: the model permissions
// that govern one thing (a snippet type, a settings group, users, …), by
// verb ("add", "change", "delete", "view"), and any others of it with their
// own labels.
type PermissionGroup struct {
	Label string
	// Kind says what the row governs: "admin", "snippet", "settings",
	// "people", "site" or "other".
	Kind   string
	Verbs  map[string]string
	Others []Permission
}

// PermissionVerbs are the matrix's columns, in order.
var PermissionVerbs = []string{"add", "change", "delete", "view"}

// PermissionGroups arranges every grantable model permission into the rows
// of the permission matrix: admin access first, then each snippet type and
// settings group, people (users, groups), the site (redirects, workflows,
// history), and any others (field permissions, custom ones) by label.
func (a *Admin) PermissionGroups() []PermissionGroup {
	s := a.svc
	all := map[string]string{}
	for _, p := range Permissions() {
		all[p.Codename] = p.Label
	}
	taken := map[string]bool{}
	row := func(label, kind, model string) PermissionGroup {
		g := PermissionGroup{Label: label, Kind: kind, Verbs: map[string]string{}}
		for _, v := range PermissionVerbs {
			if c := v + "_" + model; all[c] != "" {
				g.Verbs[v] = c
				taken[c] = true
			}
		}
		return g
	}
	out := []PermissionGroup{{Label: "Admin", Kind: "admin", Verbs: map[string]string{}, Others: []Permission{{"access_admin", "Access the admin"}}}}
	taken["access_admin"] = true
	for _, name := range s.Snippets.Names() {
		st := s.Snippets.Get(name)
		out = append(out, row(st.Label+" (snippets)", "snippet", st.Name))
	}
	for _, st := range canopy.BuiltinSettingsTypes() {
		out = append(out, row(st.Label, "settings", st.Name))
	}
	out = append(out, row("Users", "people", "user"), row("Groups", "people", "group"),
		row("Redirects", "site", "redirect"), row("Workflows", "site", "workflow"))
	history := PermissionGroup{Label: "History", Kind: "site", Verbs: map[string]string{"view": "view_history"}}
	taken["view_history"] = true
	out = append(out, history)
	var others []Permission
	for c, l := range all {
		if !taken[c] {
			others = append(others, Permission{c, l})
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].Label < others[j].Label })
	if len(others) > 0 {
		out = append(out, PermissionGroup{Label: "Other permissions", Kind: "other", Verbs: map[string]string{}, Others: others})
	}
	kept := out[:0]
	for _, g := range out {
		if len(g.Verbs) > 0 || len(g.Others) > 0 {
			kept = append(kept, g)
		}
	}
	return kept
}

// registerSnippetPermissions makes each snippet type's add, change, delete
// and view permissions grantable.
func registerSnippetPermissions(types *canopy.SnippetTypes) {
	for _, name := range types.Names() {
		st := types.Get(name)
		for _, v := range PermissionVerbs {
			RegisterPermission(v+"_"+st.Name, strings.ToUpper(v[:1])+v[1:]+" "+strings.ToLower(st.Label))
		}
	}
}

// GrantableCollections lists this site's collections in tree order, for
// choosing one in a group's collection grants.
func (a *Admin) GrantableCollections(ctx context.Context) ([]*canopy.Collection, error) {
	if err := a.requireAny("change_group"); err != nil {
		return nil, err
	}
	return a.pages.Collections(ctx)
}
