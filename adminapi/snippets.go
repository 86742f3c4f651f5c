package adminapi

import (
	"net/http"
	"strconv"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
)

func (s *API) snippetRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/api/snippets/{type}", s.admin(s.listSnippets, false))
	m.HandleFunc("POST /admin/api/snippets/{type}", s.admin(s.createSnippet, false))
	m.HandleFunc("GET /admin/api/snippets/{type}/choose", s.admin(s.chooseSnippet, false))
	m.HandleFunc("GET /admin/api/snippets/{type}/{id}", s.admin(s.getSnippet, false))
	m.HandleFunc("PATCH /admin/api/snippets/{type}/{id}", s.admin(s.updateSnippet, false))
	m.HandleFunc("DELETE /admin/api/snippets/{type}/{id}", s.admin(s.deleteSnippet, false))
	m.HandleFunc("GET /admin/api/snippets/{type}/{id}/usage", s.admin(s.usage(canopy.RefSnippet), false))
}

// snippetBody shows a snippet with its fields by name at the top level.
func snippetBody(sn *canopy.Snippet) map[string]any {
	out := map[string]any{}
	for k, v := range sn.Fields {
		out[k] = v
	}
	out["id"], out["site_id"], out["type"], out["title"] = sn.ID, sn.SiteID, sn.Type, sn.Title
	out["created_at"], out["updated_at"] = sn.CreatedAt, sn.UpdatedAt
	return out
}

func (s *API) listSnippets(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	list, total, err := ar.Admin.Snippets(r.Context(), r.PathValue("type"), r.URL.Query().Get("q"), limit, offset)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, sn := range list {
		items = append(items, snippetBody(sn))
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, items))
	return nil
}

// chooseSnippet is the autocomplete for snippet fields: this site's snippets
// whose searchable fields contain q, as {id, title}.
func (s *API) chooseSnippet(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return canopy.Errorf(canopy.EINVALID, "limit must be an integer from 1 to 100")
		}
		limit = n
	}
	list, total, err := ar.Admin.Snippets(r.Context(), r.PathValue("type"), r.URL.Query().Get("q"), limit, 0)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, sn := range list {
		items = append(items, map[string]any{"id": sn.ID, "title": sn.Title})
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, items))
	return nil
}

func (s *API) getSnippet(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sn, err := ar.Admin.Snippet(r.Context(), r.PathValue("type"), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, snippetBody(sn))
	return nil
}

func (s *API) createSnippet(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var fields map[string]any
	if err := httpkit.DecodeJSON(r, &fields); err != nil {
		return err
	}
	sn, err := ar.Admin.CreateSnippet(r.Context(), r.PathValue("type"), fields)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, snippetBody(sn))
	return nil
}

func (s *API) updateSnippet(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var fields map[string]any
	if err := httpkit.DecodeJSON(r, &fields); err != nil {
		return err
	}
	sn, err := ar.Admin.UpdateSnippet(r.Context(), r.PathValue("type"), id, fields)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, snippetBody(sn))
	return nil
}

func (s *API) deleteSnippet(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ar.Admin.DeleteSnippet(r.Context(), r.PathValue("type"), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
