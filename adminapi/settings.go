package adminapi

import (
	"net/http"

	"github.com/canopy-cms/canopy/httpkit"
)

func (s *API) settingsRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/api/settings/{name}", s.admin(s.getSettings, false))
	m.HandleFunc("PUT /admin/api/settings/{name}", s.admin(s.putSettings, false))
}

func (s *API) getSettings(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	f, err := ar.Admin.Settings(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, f)
	return nil
}

func (s *API) putSettings(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in map[string]any
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	f, err := ar.Admin.SaveSettings(r.Context(), r.PathValue("name"), in)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, f)
	return nil
}
