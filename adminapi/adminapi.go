// Package adminapi is the admin JSON API at /admin/api/ on each site's host
// (docs/behaviour/admin-api.md, docs/api.md): every route acts inside the
// request's site, as one user, through the service's operations.
package adminapi

import (
	"net/http"

	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/theme"
)

// API serves the admin JSON API.
type API struct {
	kit    *httpkit.Kit
	svc    *service.Service
	themes *theme.Set
}

// New returns the admin API over the shared kit; themes are checked when a
// site's theme is set.
func New(kit *httpkit.Kit, themes *theme.Set) *API {
	return &API{kit: kit, svc: kit.Svc, themes: themes}
}

// Routes registers the API's routes (and its 404/405 answers under /admin/).
func (s *API) Routes(m *http.ServeMux) { s.adminRoutes(m) }
