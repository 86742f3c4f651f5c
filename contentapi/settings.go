package contentapi

import (
	"net/http"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

func (s *API) apiSettingsRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v2/settings/{name}/{$}", s.withSite(s.apiSettings))
}

// apiSettings is GET /api/v2/settings/{name}/: a site's settings for headless
// front ends (the same values templates see).
func (s *API) apiSettings(w http.ResponseWriter, r *http.Request, site *canopy.Site) {
	s.serveAPI(w, r, site, true, func() (any, error) {
		st := service.SettingsType(r.PathValue("name"))
		if st == nil {
			return nil, canopy.Errorf(canopy.ENOTFOUND, "not found")
		}
		f, err := s.svc.Content(site.ID).Settings(r.Context(), st.Name)
		if err != nil {
			return nil, err
		}
		out := newObj("meta", newObj("type", st.Name))
		for _, fd := range st.Fields {
			if fd.Type == canopy.FieldImage {
				continue
			}
			out.set(fd.Name, f[fd.Name])
		}
		return out, nil
	})
}
