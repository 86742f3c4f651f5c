// Package perm is Canopy's permission engine: pure functions over one user's
// grants on one site. It does no I/O and holds no globals; the caller loads the
// grants once per request (or from a versioned cache) and asks as many
// questions as it likes, each answered in well under a microsecond.
//
// The rules are those of docs/behaviour/permissions.md.
package perm

import (
	"sort"
	"strings"

	"github.com/canopy-cms/canopy"
)

// Action is one page permission that a group can be granted on a page. Grants
// apply to the page and every page below it.
type Action uint8

// Page permissions.
const (
	Add Action = 1 << iota
	Change
	Publish
	BulkDelete
	Lock
	Unlock
)

// Actions is a set of page permissions.
type Actions uint8

// Has reports whether every action of a is in the set.
func (s Actions) Has(a Action) bool { return s&Actions(a) == Actions(a) }

var actionNames = []struct {
	a    Action
	name string
}{{Add, "add"}, {Change, "change"}, {Publish, "publish"}, {BulkDelete, "bulk_delete"}, {Lock, "lock"}, {Unlock, "unlock"}}

// ParseAction returns the action named name ("add", "change", "publish",
// "bulk_delete", "lock", "unlock").
func ParseAction(name string) (Action, bool) {
	for _, n := range actionNames {
		if n.name == name {
			return n.a, true
		}
	}
	return 0, false
}

// Names lists the actions in the set, in a fixed order.
func (s Actions) Names() []string {
	out := []string{}
	for _, n := range actionNames {
		if s.Has(n.a) {
			out = append(out, n.name)
		}
	}
	return out
}

// ActionNames lists every grantable page action.
func ActionNames() []string { return Actions(0xff).Names() }

// PageGrant is a set of actions granted on the page at Path.
type PageGrant struct {
	Path    string
	Actions Actions
}

// User is what the engine knows about the person asking, on one site: their
// flags and the grants of their groups that count there (the site's groups and
// installation-wide groups; for a super admin, the site's Admins group too).
type User struct {
	ID         int64
	Active     bool
	Superuser  bool
	pageGrants map[string]Actions
	grantPaths []string
	models     map[string]bool
	collGrants map[string]CollectionPerms
	collPaths  []string
}

// NewUser indexes a user's grants for fast checks.
func NewUser(id int64, active, superuser bool, pages []PageGrant, models []string) *User {
	u := &User{ID: id, Active: active, Superuser: superuser, pageGrants: map[string]Actions{}, models: map[string]bool{}}
	for _, g := range pages {
		if g.Actions == 0 {
			continue
		}
		if _, seen := u.pageGrants[g.Path]; !seen {
			u.grantPaths = append(u.grantPaths, g.Path)
		}
		u.pageGrants[g.Path] |= g.Actions
	}
	sort.Strings(u.grantPaths)
	for _, m := range models {
		u.models[m] = true
	}
	return u
}

// On returns the actions the user's grants give on the page at path: the union
// of the grants on the page and on each of its ancestors. It costs one map
// lookup per tree level, whatever the number of grants.
func (u *User) On(path string) Actions {
	if u == nil || !u.Active {
		return 0
	}
	var s Actions
	for l := canopy.StepLen; l <= len(path); l += canopy.StepLen {
		s |= u.pageGrants[path[:l]]
	}
	return s
}

// AddsPagesAnywhere reports whether the user may add pages somewhere on
// the site (superusers: yes).
func (u *User) AddsPagesAnywhere() bool {
	if u == nil || !u.Active {
		return false
	}
	if u.Superuser {
		return true
	}
	for _, a := range u.pageGrants {
		if a.Has(Add) {
			return true
		}
	}
	return false
}

// HasModelPerm reports whether the user holds a model permission by codename
// (add_location, change_general, access_admin…). Superusers hold all.
func (u *User) HasModelPerm(codename string) bool {
	if u == nil || !u.Active {
		return false
	}
	return u.Superuser || u.models[codename]
}

// ExplorableRoot returns the path where the user's page explorer starts: the
// deepest common ancestor of the pages they hold any direct grant on ("" when
// they have none).
func (u *User) ExplorableRoot() string {
	if u == nil || !u.Active || len(u.grantPaths) == 0 {
		return ""
	}
	common := u.grantPaths[0]
	for _, p := range u.grantPaths[1:] {
		n := 0
		for n < len(common) && n < len(p) && common[n] == p[n] {
			n++
		}
		common = common[:n-n%canopy.StepLen]
	}
	return common
}

// CanExplore reports whether the explorer shows the page at path: it lies in a
// granted subtree or is an ancestor of a granted page.
// ExplorePaths returns what CanExplore decides on, for listings that filter
// in SQL: all for a superuser, else the paths of the user's page grants (a
// page is explorable at or below one of them, or as an ancestor of one).
func (u *User) ExplorePaths() (all bool, paths []string) {
	if u == nil || !u.Active {
		return false, nil
	}
	if u.Superuser {
		return true, nil
	}
	return false, append([]string{}, u.grantPaths...)
}

func (u *User) CanExplore(path string) bool {
	if u == nil || !u.Active {
		return false
	}
	if u.Superuser {
		return true
	}
	for _, g := range u.grantPaths {
		if strings.HasPrefix(path, g) || strings.HasPrefix(g, path) {
			return true
		}
	}
	return false
}
