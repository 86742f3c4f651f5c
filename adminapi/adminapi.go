// Package adminapi is the admin JSON API at /admin/api/ on each site's host
// (docs/behaviour/admin-api.md, docs/api.md): every route acts inside the
// request's site, as one user, through the service's operations.
package adminapi

import (
	"net/http"

	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// API serves the admin JSON API.
type API struct {
	kit *httpkit.Kit
	svc *service.Service
}

// New returns the admin API over the shared kit.
func New(kit *httpkit.Kit) *API {
	return &API{kit: kit, svc: kit.Svc}
}

// Routes registers the API's routes (and its 404/405 answers under /admin/).
func (s *API) Routes(m *http.ServeMux) { s.adminRoutes(m) }
