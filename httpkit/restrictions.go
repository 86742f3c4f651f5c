package httpkit

import (
	"net/http"
	"strings"
	"sync"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Restrictions answers who may see a site's restricted pages, for public
// delivery and the content API alike; the site's list of restrictions is
// kept per content version, so a site without privacy costs no query.
type Restrictions struct {
	svc    *service.Service
	kit    *Kit
	mu     sync.Mutex
	bySite map[int64]restrictedPaths
}

// Viewer loads the logged-in user of the request on the site (nil: anonymous).
func (s *Restrictions) Viewer(r *http.Request, site *canopy.Site) *service.Viewer {
	u, _, err := s.kit.Authenticate(r, site)
	if err != nil {
		return nil
	}
	v, err := s.svc.ViewerFor(r.Context(), site.ID, u)
	if err != nil || !u.IsActive {
		return nil
	}
	return v
}

type restrictedPaths struct {
	version int64
	list    []canopy.PathRestriction
}

func (s *Restrictions) Paths(r *http.Request, site *canopy.Site) ([]canopy.PathRestriction, error) {
	s.mu.Lock()
	c, ok := s.bySite[site.ID]
	s.mu.Unlock()
	if ok && c.version == site.Version {
		return c.list, nil
	}
	list, err := s.svc.Content(site.ID).RestrictedPaths(r.Context())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.bySite[site.ID] = restrictedPaths{version: site.Version, list: list}
	s.mu.Unlock()
	return list, nil
}

// Hidden are the restricted subtrees the content API leaves out for this
// request (password-protected ones always: the API cannot ask for a
// password), and whether the answer depends on who asks.
func (s *Restrictions) Hidden(r *http.Request, site *canopy.Site) ([]string, bool, error) {
	rs, err := s.Paths(r, site)
	if err != nil || len(rs) == 0 {
		return nil, false, err
	}
	// One session lookup: whether the answer is personal, and who asks.
	u, _, authErr := s.kit.Authenticate(r, site)
	personal := authErr == nil
	var v *service.Viewer
	loaded := false
	viewer := func() *service.Viewer {
		if !loaded && personal && u.IsActive {
			v, _ = s.svc.ViewerFor(r.Context(), site.ID, u)
		}
		loaded = true
		return v
	}
	var hidden []string
	for _, pr := range rs {
		if access, _ := service.CheckPage([]canopy.Restriction{pr.Restriction}, viewer, func(canopy.Restriction) bool { return false }); access != service.Allowed {
			hidden = append(hidden, pr.Path)
		}
	}
	return hidden, personal, nil
}

// UnderAny reports whether path is one of prefixes or below one.
func UnderAny(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
