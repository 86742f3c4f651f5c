package httpkit

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Sites binds requests to sites from an in-memory table of every site,
// rebuilt when a site changes (docs/behaviour/sites.md).
type Sites struct {
	svc     *service.Service
	log     *slog.Logger
	proxies []netip.Prefix
	// stale is called, after a reload, for each site whose content version
	// changed or that is gone (caches drop what they hold of it).
	stale func(siteID int64)

	table atomic.Pointer[canopy.SiteTable]
	// gen counts change notifications of this process; loaded is the gen the
	// table reflects. A request finding them different reloads first, so no
	// request uses a table older than a change it could have seen.
	gen      atomic.Int64
	loaded   atomic.Int64
	reloadMu sync.Mutex
}

// NewSites loads the site table. proxies are the networks whose
// X-Forwarded-Host/-Port/-Proto headers are believed.
func NewSites(ctx context.Context, svc *service.Service, log *slog.Logger, proxies []netip.Prefix) (*Sites, error) {
	s := &Sites{svc: svc, log: log, proxies: proxies, stale: func(int64) {}}
	svc.OnChange(func(int64) { s.gen.Add(1) })
	if err := s.reload(ctx, true); err != nil {
		return nil, err
	}
	return s, nil
}

// OnStale sets the function told about each site whose content changed.
func (s *Sites) OnStale(fn func(siteID int64)) { s.stale = fn }

// reload rebuilds the site table from the database and reports every site
// whose content version changed.
//
// Unless force is set (a change seen by polling), it does nothing when the
// table already reflects every change notified so far. The table is marked
// current only once stored: a request arriving while another reload reads the
// database waits for it instead of using the old table.
func (s *Sites) reload(ctx context.Context, force bool) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	g := s.gen.Load()
	if !force && s.loaded.Load() == g {
		return nil
	}
	sites, err := s.svc.Sites(ctx)
	if err != nil {
		return err
	}
	old := s.table.Load()
	t := canopy.NewSiteTable(sites)
	s.table.Store(t)
	s.loaded.Store(g)
	if old != nil {
		for _, o := range old.Sites() {
			if n := t.ByID(o.ID); n == nil || n.Version != o.Version {
				s.stale(o.ID)
			}
		}
	}
	return nil
}

// Table returns the current site table, reloading it first if this process
// changed something since it was built.
func (s *Sites) Table(ctx context.Context) *canopy.SiteTable {
	if s.gen.Load() != s.loaded.Load() {
		if err := s.reload(ctx, false); err != nil {
			s.log.Error("reload sites", "err", err)
		}
	}
	return s.table.Load()
}

// Watch looks for changes made by other processes (the CLI, other nodes)
// every interval until ctx ends: one small query comparing each site's version.
func (s *Sites) Watch(ctx context.Context, interval time.Duration) {
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		versions, err := s.svc.SiteVersions(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("poll site versions", "err", err)
			}
			continue
		}
		t := s.table.Load()
		changed := len(versions) != len(t.Sites())
		for _, site := range t.Sites() {
			if versions[site.ID] != site.Version {
				changed = true
				break
			}
		}
		if changed {
			if err := s.reload(ctx, true); err != nil {
				s.log.Error("reload sites", "err", err)
			}
		}
	}
}

// Resolve binds a request to its site, or nil.
func (s *Sites) Resolve(r *http.Request) *canopy.Site {
	host := r.Host
	trusted := s.Trusted(r)
	if trusted {
		if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
			host = strings.TrimSpace(strings.Split(fh, ",")[0])
		}
	}
	hostname, port, ok := canopy.ParseHostHeader(host)
	if !ok {
		hostname = ""
	}
	if port == 0 {
		if fp := r.Header.Get("X-Forwarded-Port"); trusted && fp != "" {
			port, _ = strconv.Atoi(strings.TrimSpace(strings.Split(fp, ",")[0]))
		}
	}
	if port == 0 {
		port = 80
		if r.TLS != nil || trusted && strings.EqualFold(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]), "https") {
			port = 443
		}
	}
	return s.Table(r.Context()).Match(hostname, port)
}

// Trusted reports whether the request comes from a trusted proxy.
func (s *Sites) Trusted(r *http.Request) bool {
	if len(s.proxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// BadPath rejects paths that try to escape or confuse routing: encoded slashes
// or backslashes, dot segments, NUL bytes.
func BadPath(r *http.Request) string {
	raw := r.URL.EscapedPath()
	lower := strings.ToLower(raw)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(lower, "%00") || strings.ContainsRune(r.URL.Path, 0) {
		return "bad request: encoded slashes, backslashes and NUL bytes are not allowed in paths"
	}
	for _, seg := range strings.Split(r.URL.Path, "/") {
		if seg == ".." || seg == "." {
			return "bad request: the path contains a dot segment"
		}
	}
	if strings.Contains(r.URL.Path, "\\") {
		return "bad request: backslashes are not allowed in paths"
	}
	return ""
}
