package web

import (
	"net/http"
	"strconv"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/sqlstore"
)

func (s *Server) siteRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/api/sites", s.admin(s.listSites, false))
	m.HandleFunc("POST /admin/api/sites", s.admin(s.createSite, false))
	m.HandleFunc("GET /admin/api/sites/{id}", s.admin(s.getSiteByID, false))
	m.HandleFunc("PATCH /admin/api/sites/{id}", s.admin(s.updateSite, false))
	m.HandleFunc("DELETE /admin/api/sites/{id}", s.admin(s.deleteSite, false))
}

func (s *Server) listSites(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	sites, err := ar.admin.Sites(r.Context())
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, st := range sites {
		items = append(items, siteBody(st))
	}
	writeJSON(w, http.StatusOK, listBody(len(items), items))
	return nil
}

func (s *Server) getSiteByID(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := ar.admin.SiteByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, siteBody(st))
	return nil
}

type siteInput struct {
	Hostname  *string `json:"hostname"`
	Port      *int    `json:"port"`
	Name      *string `json:"name"`
	IsDefault *bool   `json:"is_default"`
	Theme     *string `json:"theme"`
}

func (s *Server) checkTheme(name *string) error {
	if name != nil && !s.themes.Exists(*name) {
		return canopy.Errorf(canopy.EINVALID, "theme %q does not exist", *name)
	}
	return nil
}

func (s *Server) createSite(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	var in siteInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Hostname == nil {
		return canopy.Errorf(canopy.EINVALID, "hostname is required")
	}
	if err := s.checkTheme(in.Theme); err != nil {
		return err
	}
	ns := sqlstore.NewSite{Hostname: *in.Hostname}
	if in.Port != nil {
		ns.Port = *in.Port
	}
	if in.Name != nil {
		ns.Name = *in.Name
	}
	if in.IsDefault != nil {
		ns.IsDefault = *in.IsDefault
	}
	if in.Theme != nil {
		ns.Theme = *in.Theme
	}
	st, err := ar.admin.CreateSite(r.Context(), ns)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, siteBody(st))
	return nil
}

func (s *Server) updateSite(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in siteInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.checkTheme(in.Theme); err != nil {
		return err
	}
	st, err := ar.admin.UpdateSite(r.Context(), id, sqlstore.SiteUpdate{Hostname: in.Hostname, Port: in.Port, Name: in.Name,
		IsDefault: in.IsDefault, Theme: in.Theme})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, siteBody(st))
	return nil
}

func (s *Server) deleteSite(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var newDefault int64
	if v := r.URL.Query().Get("new_default"); v != "" {
		if newDefault, err = strconv.ParseInt(v, 10, 64); err != nil || newDefault <= 0 {
			return canopy.Errorf(canopy.EINVALID, "new_default must be a site id")
		}
	}
	if _, err := ar.admin.DeleteSite(r.Context(), id, newDefault); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
