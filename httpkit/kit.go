// Package httpkit is what Canopy's HTTP interfaces share: the request's site,
// authentication (host-bound sessions and API tokens), the login throttle,
// cross-origin protection, the one mapping from error codes to statuses, and
// JSON bodies. Public delivery, the content API, the admin JSON API and the
// admin UI are built on it; none of them reaches another's code.
package httpkit

import (
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Kit is one installation's shared HTTP machinery.
type Kit struct {
	Svc *service.Service
	Log *slog.Logger
	// Resolve binds a request to its site (nil: no site for this host).
	Resolve func(*http.Request) *canopy.Site
	// Named reports whether the request names the site by its hostname
	// (not an unknown host the default site answers); nil: always.
	Named func(*http.Request, *canopy.Site) bool
	// Trusted reports whether the request comes through a trusted proxy
	// (whose X-Forwarded-* headers are believed).
	Trusted func(*http.Request) bool
	// TrustedAddr reports whether an address is a trusted proxy's (nil:
	// none is), to find the client in X-Forwarded-For.
	TrustedAddr func(netip.Addr) bool
	COP         *http.CrossOriginProtection
	Logins      *Throttle
	// Privacy answers who passes the view restrictions of a site's pages.
	Privacy *Restrictions
}

// New returns a kit with fresh cross-origin protection and login throttle.
func New(svc *service.Service, log *slog.Logger, resolve func(*http.Request) *canopy.Site, trusted func(*http.Request) bool) *Kit {
	k := &Kit{Svc: svc, Log: log, Resolve: resolve, Trusted: trusted, COP: http.NewCrossOriginProtection(), Logins: NewThrottle()}
	k.Privacy = &Restrictions{svc: svc, kit: k, bySite: map[int64]restrictedPaths{}}
	return k
}
