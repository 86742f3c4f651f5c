// Package contentapi is the content API at /api/v2/, shaped like Wagtail's
// API v2 (docs/behaviour/content-api.md): live content of the request's site
// that the request may see, as JSON, cached per site content version.
package contentapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// Options configure the content API.
type Options struct {
	// Cache holds public answers (nil: none); delivery shares it.
	Cache *httpkit.PageCache
	// APIMaxLimit is the largest page size (default 20).
	APIMaxLimit int
	Logger      *slog.Logger
}

// API serves the content API.
type API struct {
	kit   *httpkit.Kit
	svc   *service.Service
	opt   Options
	log   *slog.Logger
	cache *httpkit.PageCache
}

// New returns the content API over the shared kit.
func New(kit *httpkit.Kit, opt Options) *API {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.APIMaxLimit <= 0 {
		opt.APIMaxLimit = 20
	}
	if opt.Cache == nil {
		opt.Cache = httpkit.NewPageCache(0)
	}
	return &API{kit: kit, svc: kit.Svc, opt: opt, log: opt.Logger, cache: opt.Cache}
}

// Routes registers the API's routes.
func (s *API) Routes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v2/pages/{$}", s.withSite(s.apiPages))
	m.HandleFunc("GET /api/v2/pages/find/{$}", s.withSite(s.apiFind))
	m.HandleFunc("GET /api/v2/pages/{id}/{$}", s.withSite(s.apiPage))
	s.apiMediaRoutes(m)
	s.apiSettingsRoutes(m)
	m.HandleFunc("/api/", s.withSite(func(w http.ResponseWriter, r *http.Request, _ *canopy.Site) {
		if !strings.HasSuffix(r.URL.Path, "/") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			target := r.URL.Path + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		apiError(w, http.StatusNotFound, "not found")
	}))
}

// withSite binds a content API request to its site (404 when there is none
// or the site's content_api feature flag is off).
func (s *API) withSite(h func(http.ResponseWriter, *http.Request, *canopy.Site)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		site := s.kit.Resolve(r)
		if site == nil {
			apiError(w, http.StatusNotFound, "no site is configured for this host")
			return
		}
		if !site.FeatureOn(canopy.FeatureContentAPI, true) {
			apiError(w, http.StatusNotFound, "the content API is turned off for this site")
			return
		}
		h(w, r, site)
	}
}

// apiError writes a content-API error in Wagtail's shape: {"message": "…"}.
func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// internalError logs err with a correlation id and shows only the id.
func (s *API) internalError(w http.ResponseWriter, r *http.Request, err error) {
	_, _, msg := s.kit.Classify(w, r, canopy.Errorf(canopy.EINTERNAL, "%v", err))
	apiError(w, http.StatusInternalServerError, msg)
}
