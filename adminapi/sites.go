package adminapi

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
)

func (s *API) siteRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/api/sites", s.admin(s.listSites, false))
	m.HandleFunc("POST /admin/api/sites", s.admin(s.createSite, false))
	m.HandleFunc("GET /admin/api/sites/{id}", s.admin(s.getSiteByID, false))
	m.HandleFunc("PATCH /admin/api/sites/{id}", s.admin(s.updateSite, false))
	m.HandleFunc("DELETE /admin/api/sites/{id}", s.admin(s.deleteSite, false))
	m.HandleFunc("GET /admin/api/site-templates", s.admin(s.listSiteTemplates, false))
}

func (s *API) listSiteTemplates(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	templates, def, err := ar.Admin.SiteTemplates()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	sort.Strings(names)
	items := []map[string]any{}
	for _, n := range names {
		t := templates[n]
		items = append(items, map[string]any{"name": n, "description": t.Description, "is_default": n == def,
			"theme": t.Theme, "features": nonNilFeatures(t.Features), "pages": countTemplatePages(t.Pages),
			"snippets": countTemplateSnippets(t.Snippets), "settings": sortedKeys(t.Settings), "definition": t})
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(len(items), items))
	return nil
}

func nonNilFeatures(m map[string]bool) map[string]bool {
	if m == nil {
		return map[string]bool{}
	}
	return m
}

func countTemplatePages(pages []canopy.TemplatePage) int {
	n := len(pages)
	for _, p := range pages {
		n += countTemplatePages(p.Children)
	}
	return n
}

func countTemplateSnippets(m map[string][]map[string]any) int {
	n := 0
	for _, list := range m {
		n += len(list)
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *API) listSites(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	sites, total, err := ar.Admin.SearchSites(r.Context(), q.Get("q"), q.Get("order"), limit, offset)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, st := range sites {
		items = append(items, siteBody(st))
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, items))
	return nil
}

func (s *API) getSiteByID(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := ar.Admin.SiteByID(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, siteBody(st))
	return nil
}

type siteInput struct {
	Hostname  *string `json:"hostname"`
	Port      *int    `json:"port"`
	Name      *string `json:"name"`
	IsDefault *bool   `json:"is_default"`
	Theme     *string `json:"theme"`
	// Language is the site's language code (search stems by it).
	Language *string `json:"language"`
	// Template names the site template (creation only).
	Template *string `json:"template"`
	// Features: on creation the flags; on update true/false sets a flag and
	// null removes it, leaving the others as they are.
	Features map[string]*bool `json:"features"`
	// Aliases replaces the site's other hostnames (update only).
	Aliases *[]string `json:"aliases"`
}

func (s *API) createSite(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in siteInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Hostname == nil {
		return canopy.Errorf(canopy.EINVALID, "hostname is required")
	}
	ns := canopy.NewSite{Hostname: *in.Hostname}
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
	if in.Language != nil {
		ns.Language = *in.Language
	}
	if in.Features != nil {
		ns.Features = map[string]bool{}
		for name, v := range in.Features {
			if v == nil {
				return canopy.Errorf(canopy.EINVALID, "feature flag %q must be true or false", name)
			}
			ns.Features[name] = *v
		}
	}
	template := ""
	if in.Template != nil {
		if template = *in.Template; template == "" {
			return canopy.Errorf(canopy.EINVALID, "template is empty: name a site template or leave it out for the default")
		}
	}
	st, err := ar.Admin.CreateSite(r.Context(), ns, template)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, siteBody(st))
	return nil
}

func (s *API) updateSite(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in siteInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Template != nil {
		return canopy.Errorf(canopy.EINVALID, "a site template applies only when a site is created")
	}
	st, err := ar.Admin.UpdateSite(r.Context(), id, canopy.SiteUpdate{Hostname: in.Hostname, Port: in.Port, Name: in.Name,
		IsDefault: in.IsDefault, Theme: in.Theme, Features: in.Features, Language: in.Language, Aliases: in.Aliases})
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, siteBody(st))
	return nil
}

func (s *API) deleteSite(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
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
	if _, err := ar.Admin.DeleteSite(r.Context(), id, newDefault); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
