package adminapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/perm"
	"github.com/canopy-cms/canopy/service"
)

func (s *API) peopleRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/api/permissions", s.admin(s.listPermissions, false))
	m.HandleFunc("GET /admin/api/groups", s.admin(s.listGroups, false))
	m.HandleFunc("POST /admin/api/groups", s.admin(s.createGroup, false))
	m.HandleFunc("GET /admin/api/groups/{id}", s.admin(s.getGroup, false))
	m.HandleFunc("PATCH /admin/api/groups/{id}", s.admin(s.renameGroup, false))
	m.HandleFunc("DELETE /admin/api/groups/{id}", s.admin(s.deleteGroup, false))
	m.HandleFunc("GET /admin/api/groups/{id}/permissions", s.admin(s.getGroupGrants, false))
	m.HandleFunc("PUT /admin/api/groups/{id}/permissions", s.admin(s.putGroupGrants, false))
	m.HandleFunc("GET /admin/api/groups/{id}/members", s.admin(s.groupMembers, false))
	m.HandleFunc("POST /admin/api/groups/{id}/members", s.admin(s.addGroupMember, false))
	m.HandleFunc("DELETE /admin/api/groups/{id}/members/{uid}", s.admin(s.removeGroupMember, false))
	m.HandleFunc("GET /admin/api/users", s.admin(s.listUsers, false))
	m.HandleFunc("POST /admin/api/users", s.admin(s.createUser, false))
	m.HandleFunc("POST /admin/api/users/add", s.admin(s.addExistingUser, false))
	m.HandleFunc("GET /admin/api/history", s.admin(s.history, false))
	m.HandleFunc("GET /admin/api/users/{id}", s.admin(s.getUser, false))
	m.HandleFunc("PATCH /admin/api/users/{id}", s.admin(s.updateUser, false))
	m.HandleFunc("DELETE /admin/api/users/{id}", s.admin(s.removeUser, false))
}

func listBody(total int, items any) map[string]any {
	return map[string]any{"meta": map[string]any{"total_count": total}, "items": items}
}

func groupBody(g *canopy.Group) map[string]any {
	return map[string]any{"id": g.ID, "name": g.Name, "site_id": nullable(g.SiteID), "is_admin": g.IsAdmin, "created_at": g.CreatedAt}
}

func (s *API) listPermissions(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	perms := service.Permissions()
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"pages": perm.ActionNames(), "collections": perm.CollectionPermNames(), "models": perms})
	return nil
}

func (s *API) listGroups(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	gs, total, err := ar.Admin.GroupsPage(r.Context(), r.URL.Query().Get("q"), limit, offset)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, g := range gs {
		items = append(items, groupBody(g))
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, items))
	return nil
}

func (s *API) createGroup(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in struct {
		Name             string `json:"name"`
		InstallationWide bool   `json:"installation_wide"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	g, err := ar.Admin.CreateGroup(r.Context(), in.Name, in.InstallationWide)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, groupBody(g))
	return nil
}

func (s *API) getGroup(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := ar.Admin.Group(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, groupBody(g))
	return nil
}

func (s *API) renameGroup(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	g, err := ar.Admin.RenameGroup(r.Context(), id, in.Name)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, groupBody(g))
	return nil
}

func (s *API) deleteGroup(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ar.Admin.DeleteGroup(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *API) getGroupGrants(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := ar.Admin.GroupGrants(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, g)
	return nil
}

func (s *API) putGroupGrants(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Pages       []canopy.PageGrantRow       `json:"pages"`
		Collections []canopy.CollectionGrantRow `json:"collections"`
		Models      []string                    `json:"models"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := ar.Admin.SetGroupGrants(r.Context(), id, in.Pages, in.Models, in.Collections); err != nil {
		return err
	}
	return s.getGroupGrants(w, r, ar)
}

func memberBody(m *canopy.Member) map[string]any {
	groups := []map[string]any{}
	for _, g := range m.Groups {
		groups = append(groups, map[string]any{"id": g.ID, "name": g.Name})
	}
	return map[string]any{"id": m.ID, "username": m.Username, "email": m.Email, "first_name": m.FirstName, "last_name": m.LastName,
		"is_active": m.IsActive, "is_superuser": m.IsSuperuser, "is_superadmin": m.IsSuperadmin, "last_login": m.LastLogin,
		"site_local": m.SiteLocal, "identity_here": m.IdentityHere, "groups": groups}
}

func (s *API) listUsers(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	ms, total, err := ar.Admin.Members(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, m := range ms {
		items = append(items, memberBody(m))
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, items))
	return nil
}

func (s *API) getUser(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := ar.Admin.Member(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, memberBody(m))
	return nil
}

type userInput struct {
	Username     string   `json:"username"`
	Email        *string  `json:"email"`
	FirstName    *string  `json:"first_name"`
	LastName     *string  `json:"last_name"`
	Password     *string  `json:"password"`
	IsActive     *bool    `json:"is_active"`
	IsSuperuser  *bool    `json:"is_superuser"`
	IsSuperadmin *bool    `json:"is_superadmin"`
	Groups       *[]int64 `json:"groups"`
}

func (in userInput) service() service.MemberInput {
	return service.MemberInput{Username: in.Username, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
		Password: in.Password, IsActive: in.IsActive, IsSuperuser: in.IsSuperuser, IsSuperadmin: in.IsSuperadmin, Groups: in.Groups}
}

func (s *API) createUser(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in userInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Username == "" {
		return canopy.Errorf(canopy.EINVALID, "username is required")
	}
	m, err := ar.Admin.CreateMember(r.Context(), in.service())
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, memberBody(m))
	return nil
}

func (s *API) updateUser(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in userInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	m, err := ar.Admin.UpdateMember(r.Context(), id, in.service())
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, memberBody(m))
	return nil
}

func (s *API) removeUser(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ar.Admin.RemoveMember(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *API) addExistingUser(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in struct {
		User   string  `json:"user"`
		Groups []int64 `json:"groups"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	m, err := ar.Admin.AddExistingMember(r.Context(), in.User, in.Groups)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, memberBody(m))
	return nil
}

func (s *API) history(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := canopy.HistoryFilter{Action: q.Get("action"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Limit: limit, Offset: offset}
	if v := q.Get("user"); v != "" {
		if f.UserID, err = strconv.ParseInt(v, 10, 64); err != nil || f.UserID <= 0 {
			return canopy.Errorf(canopy.EINVALID, "user must be a user id")
		}
	}
	// from and to: a day (YYYY-MM-DD, to includes the whole day) or an
	// RFC 3339 time (to excluded); before: entries older than that id.
	for _, b := range []struct {
		name string
		t    *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := q.Get(b.name)
		if v == "" {
			continue
		}
		if t, err := time.Parse("2006-01-02", v); err == nil {
			if b.name == "to" {
				t = t.AddDate(0, 0, 1)
			}
			*b.t = t
		} else if t, err := time.Parse(time.RFC3339, v); err == nil {
			*b.t = t
		} else {
			return canopy.FieldErrorf(b.name, canopy.EINVALID, "%s must be a day (YYYY-MM-DD) or an RFC 3339 time", b.name)
		}
	}
	if v := q.Get("before"); v != "" {
		if f.BeforeID, err = strconv.ParseInt(v, 10, 64); err != nil || f.BeforeID <= 0 {
			return canopy.Errorf(canopy.EINVALID, "before must be an entry id")
		}
	}
	scope := q.Get("scope")
	if scope != "" && scope != "site" && scope != "all" {
		return canopy.Errorf(canopy.EINVALID, "scope must be site or all")
	}
	entries, total, err := ar.Admin.History(r.Context(), f, scope == "all")
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, entries))
	return nil
}

func accountBody(u *canopy.User) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Username, "first_name": u.FirstName, "last_name": u.LastName, "email": u.Email}
}

func (s *API) groupMembers(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	us, total, err := ar.Admin.GroupMembers(r.Context(), id, r.URL.Query().Get("q"), limit, offset)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, u := range us {
		items = append(items, accountBody(u))
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, items))
	return nil
}

func (s *API) addGroupMember(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		User string `json:"user"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	u, err := ar.Admin.AddGroupMember(r.Context(), id, in.User)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, accountBody(u))
	return nil
}

func (s *API) removeGroupMember(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(r, "uid")
	if err != nil {
		return err
	}
	if err := ar.Admin.RemoveGroupMember(r.Context(), id, uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
