package adminapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

func (s *API) adminRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /admin/api/login", s.login)
	m.HandleFunc("POST /admin/api/logout", s.admin(s.logout, true))
	m.HandleFunc("GET /admin/api/me", s.admin(s.me, true))
	m.HandleFunc("PATCH /admin/api/me", s.admin(s.updateAccount, true))
	m.HandleFunc("GET /admin/api/tokens", s.admin(s.listTokens, true))
	m.HandleFunc("POST /admin/api/tokens", s.admin(s.createToken, true))
	m.HandleFunc("DELETE /admin/api/tokens/{id}", s.admin(s.deleteToken, true))
	m.HandleFunc("GET /admin/api/site", s.admin(s.getSite, false))
	m.HandleFunc("GET /admin/api/page-types", s.admin(s.pageTypes, false))
	m.HandleFunc("GET /admin/api/pages/{id}", s.admin(s.adminPage, false))
	m.HandleFunc("PATCH /admin/api/pages/{id}", s.admin(s.adminSaveDraft, false))
	m.HandleFunc("DELETE /admin/api/pages/{id}", s.admin(s.adminDelete, false))
	m.HandleFunc("GET /admin/api/pages/{id}/children", s.admin(s.adminChildren, false))
	m.HandleFunc("POST /admin/api/pages/{id}/children", s.admin(s.adminCreateChild, false))
	m.HandleFunc("POST /admin/api/pages/{id}/children/order", s.admin(s.adminReorder, false))
	m.HandleFunc("POST /admin/api/pages/{id}/publish", s.admin(s.adminPublish, false))
	m.HandleFunc("POST /admin/api/pages/{id}/unpublish", s.admin(s.adminUnpublish, false))
	m.HandleFunc("POST /admin/api/pages/{id}/lock", s.admin(s.adminLock(true), false))
	m.HandleFunc("GET /admin/api/pages/{id}/privacy", s.admin(s.getPagePrivacy, false))
	m.HandleFunc("POST /admin/api/pages/{id}/unschedule", s.admin(s.unschedulePage, false))
	m.HandleFunc("PUT /admin/api/pages/{id}/privacy", s.admin(s.setPagePrivacy, false))
	m.HandleFunc("POST /admin/api/pages/{id}/unlock", s.admin(s.adminLock(false), false))
	m.HandleFunc("POST /admin/api/pages/{id}/move", s.admin(s.adminMove, false))
	m.HandleFunc("POST /admin/api/pages/{id}/copy", s.admin(s.adminCopy, false))
	m.HandleFunc("GET /admin/api/pages/{id}/revisions", s.admin(s.adminRevisions, false))
	m.HandleFunc("POST /admin/api/pages/{id}/revisions/{rid}/revert", s.admin(s.adminRevert, false))
	s.peopleRoutes(m)
	s.siteRoutes(m)
	s.snippetRoutes(m)
	s.mediaRoutes(m)
	s.workflowRoutes(m)
	s.settingsRoutes(m)
	s.redirectRoutes(m)
	m.HandleFunc("/admin/api/", func(w http.ResponseWriter, r *http.Request) {
		// A route that exists with other methods is 405 with Allow.
		if allow := allowedMethods(m, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			httpkit.WriteJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": map[string]string{"code": "method_not_allowed",
				"message": fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))}})
			return
		}
		s.adminError(w, r, canopy.Errorf(canopy.ENOTFOUND, "no such admin API route: %s %s", r.Method, r.URL.Path))
	})
}

func (s *API) adminPage(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := ar.Admin.Page(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, pageBody(p))
	return nil
}

// pageBody is a page as the admin API shows it (spec field names).
func pageBody(p *service.PageWithActions) map[string]any {
	owner := any(nil)
	if p.OwnerID != 0 {
		owner = p.OwnerID
	}
	return map[string]any{"id": p.ID, "type": p.Type, "title": p.Title, "slug": p.Slug, "url_path": p.URLPath,
		"parent_id": p.ParentID, "site_id": p.SiteID, "live": p.Live, "has_unpublished_changes": p.HasUnpublishedChanges,
		"locked": p.Locked, "locked_by": nullable(p.LockedBy), "owner": owner, "latest_revision_id": p.LatestRevisionID,
		"live_revision_id": nullable(p.LiveRevisionID), "first_published_at": p.FirstPublishedAt, "last_published_at": p.LastPublishedAt,
		"seo_title": p.SeoTitle, "search_description": p.SearchDescription, "show_in_menus": p.ShowInMenus,
		"hide_from_search": p.HideFromSearch,
		"numchild":         p.NumChild, "fields": p.Fields, "permissions": p.Permissions,
		"scheduled_revision_id": nullable(p.ScheduledRevisionID), "go_live_at": p.GoLiveAt, "expire_at": p.ExpireAt, "expired": p.Expired}
}

// respondPage answers with the page as the caller now sees it.
func (s *API) respondPage(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest, status int, id int64) error {
	p, err := ar.Admin.Page(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, status, pageBody(p))
	return nil
}

func (s *API) adminChildren(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	kids, total, err := ar.Admin.ChildrenPage(r.Context(), id, limit, offset)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, k := range kids {
		items = append(items, pageBody(k))
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{"total_count": total}, "items": items})
	return nil
}

// adminPaging reads ?limit= (default 50, at most 500) and ?offset=.
func adminPaging(r *http.Request) (limit, offset int, err error) {
	limit = 50
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 || limit > 500 {
			return 0, 0, canopy.Errorf(canopy.EINVALID, "limit must be an integer from 0 to 500")
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, canopy.Errorf(canopy.EINVALID, "offset must be a non-negative integer")
		}
	}
	return limit, offset, nil
}

type pageInput struct {
	Type              string         `json:"type"`
	Title             *string        `json:"title"`
	Slug              *string        `json:"slug"`
	SeoTitle          *string        `json:"seo_title"`
	SearchDescription *string        `json:"search_description"`
	ShowInMenus       *bool          `json:"show_in_menus"`
	HideFromSearch    *bool          `json:"hide_from_search"`
	Fields            map[string]any `json:"fields"`
	Publish           bool           `json:"publish"`
	BaseRevisionID    int64          `json:"base_revision_id"`
	GoLiveAt          optTime        `json:"go_live_at"`
	ExpireAt          optTime        `json:"expire_at"`
}

// optTime is a date-time that may be absent (unchanged), null (cleared) or set.
type optTime struct {
	set bool
	t   *time.Time
}

func (o *optTime) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return canopy.Errorf(canopy.EINVALID, "go_live_at and expire_at are date-times like 2027-05-01T18:00:00Z, or null")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return canopy.Errorf(canopy.EINVALID, "%q is not a date-time like 2027-05-01T18:00:00Z", s)
	}
	o.t = &t
	return nil
}

// patch is the change the body asks for (nil fields stay as they are).
func (in *pageInput) patch() service.PagePatch {
	return service.PagePatch{Title: in.Title, Slug: in.Slug, SeoTitle: in.SeoTitle, SearchDescription: in.SearchDescription,
		ShowInMenus: in.ShowInMenus, HideFromSearch: in.HideFromSearch, Fields: in.Fields, GoLiveAt: in.GoLiveAt.t, SetGoLiveAt: in.GoLiveAt.set,
		ExpireAt: in.ExpireAt.t, SetExpireAt: in.ExpireAt.set}
}

func (s *API) adminCreateChild(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in pageInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Type == "" {
		return canopy.Errorf(canopy.EINVALID, "type is required (see GET /admin/api/page-types)")
	}
	if in.BaseRevisionID != 0 {
		return canopy.Errorf(canopy.EINVALID, "base_revision_id applies to saving an existing page")
	}
	pi := in.patch().Apply(canopy.PageContent{})
	pi.Type = in.Type
	p, err := ar.Admin.CreateChild(r.Context(), id, pi, in.Publish)
	if err != nil {
		return err
	}
	return s.respondPage(w, r, ar, http.StatusCreated, p.ID)
}

func (s *API) adminSaveDraft(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in pageInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Type != "" || in.Publish {
		return canopy.Errorf(canopy.EINVALID, "type and publish cannot be changed by PATCH (publish with POST …/publish)")
	}
	// Edits apply on top of the latest draft, not the live version.
	p, rev, err := ar.Admin.EditDraft(r.Context(), id, in.patch(), in.BaseRevisionID)
	if err != nil {
		return err
	}
	body := pageBody(p)
	body["revision"] = rev
	httpkit.WriteJSON(w, http.StatusOK, body)
	return nil
}

func (s *API) adminPublish(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		RevisionID int64 `json:"revision_id"`
	}
	if err := httpkit.DecodeOptionalJSON(r, &in); err != nil {
		return err
	}
	p, err := ar.Admin.Publish(r.Context(), id, in.RevisionID)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, pageBody(p))
	return nil
}

func (s *API) adminUnpublish(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		IncludeDescendants bool `json:"include_descendants"`
	}
	if err := httpkit.DecodeOptionalJSON(r, &in); err != nil {
		return err
	}
	if _, err := ar.Admin.Unpublish(r.Context(), id, in.IncludeDescendants); err != nil {
		return err
	}
	return s.respondPage(w, r, ar, http.StatusOK, id)
}

func (s *API) adminLock(lock bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if _, err := ar.Admin.SetLock(r.Context(), id, lock); err != nil {
			return err
		}
		return s.respondPage(w, r, ar, http.StatusOK, id)
	}
}

func (s *API) adminMove(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		ParentID int64 `json:"parent_id"`
		Position *int  `json:"position"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.ParentID <= 0 {
		return canopy.Errorf(canopy.EINVALID, "parent_id is required")
	}
	if _, err := ar.Admin.Move(r.Context(), id, in.ParentID, in.Position); err != nil {
		return err
	}
	return s.respondPage(w, r, ar, http.StatusOK, id)
}

func (s *API) adminCopy(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		ParentID           int64  `json:"parent_id"`
		Slug               string `json:"slug"`
		Title              string `json:"title"`
		IncludeDescendants bool   `json:"include_descendants"`
		Publish            bool   `json:"publish"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.ParentID <= 0 {
		return canopy.Errorf(canopy.EINVALID, "parent_id is required")
	}
	p, err := ar.Admin.Copy(r.Context(), id, service.CopyInput{ParentID: in.ParentID, Slug: in.Slug, Title: in.Title, IncludeDescendants: in.IncludeDescendants, Publish: in.Publish})
	if err != nil {
		return err
	}
	return s.respondPage(w, r, ar, http.StatusCreated, p.ID)
}

func (s *API) adminReorder(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		IDs []int64 `json:"ids"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := ar.Admin.ReorderChildren(r.Context(), id, in.IDs); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *API) adminDelete(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ar.Admin.Delete(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *API) adminRevisions(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	revs, total, err := ar.Admin.RevisionsPage(r.Context(), id, limit, offset)
	if err != nil {
		return err
	}
	if revs == nil {
		revs = []*canopy.Revision{}
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{"total_count": total}, "items": revs})
	return nil
}

func (s *API) adminRevert(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	rev, err := ar.Admin.Revert(r.Context(), id, rid)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, rev)
	return nil
}

func privacyBody(p *service.PagePrivacy) map[string]any {
	own := map[string]any{"type": "none"}
	if p.Own != nil {
		own = map[string]any{"type": p.Own.Kind}
		if p.Own.Kind == "groups" {
			own["groups"] = p.Own.GroupIDs
		}
	}
	inherited := []map[string]any{}
	for _, r := range p.Inherited {
		x := map[string]any{"page_id": r.PageID, "type": r.Kind}
		if r.Kind == "groups" {
			x["groups"] = r.GroupIDs
		}
		inherited = append(inherited, x)
	}
	return map[string]any{"type": own["type"], "groups": own["groups"], "inherited": inherited}
}

func (s *API) getPagePrivacy(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := ar.Admin.PagePrivacy(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, privacyBody(p))
	return nil
}

func (s *API) setPagePrivacy(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Type     string  `json:"type"`
		Password string  `json:"password"`
		GroupIDs []int64 `json:"group_ids"`
		Groups   []int64 `json:"groups"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	groups, err := privacyGroups(in.GroupIDs, in.Groups)
	if err != nil {
		return err
	}
	p, err := ar.Admin.SetPagePrivacy(r.Context(), id, in.Type, in.Password, groups)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, privacyBody(p))
	return nil
}

func (s *API) unschedulePage(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := ar.Admin.Unschedule(r.Context(), id); err != nil {
		return err
	}
	return s.respondPage(w, r, ar, http.StatusOK, id)
}

// privacyGroups takes a privacy body's group ids from group_ids (the spec's
// name) or groups (its earlier name, still accepted), not both.
func privacyGroups(groupIDs, groups []int64) ([]int64, error) {
	if groupIDs != nil && groups != nil {
		return nil, canopy.Errorf(canopy.EINVALID, "give the groups as group_ids only (groups is its older name)")
	}
	if groupIDs != nil {
		return groupIDs, nil
	}
	return groups, nil
}

// allowedMethods lists the methods that have a route of their own for r's
// path (the catch-all /admin/ pattern does not count).
func allowedMethods(m *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := &http.Request{Method: method, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := m.Handler(probe); pattern != "/admin/api/" && pattern != "" {
			out = append(out, method)
		}
	}
	if len(out) > 0 && slices.Contains(out, http.MethodGet) {
		out = append(out, http.MethodHead)
	}
	return out
}
