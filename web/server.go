// Package web is Canopy's HTTP adapter: public delivery of pages, the content
// API (/api/v2/), media and the admin JSON API (/admin/api/). Every request is bound to exactly
// one site, resolved from its Host header through an in-memory table.
package web

import (
	"context"
	"encoding/json"
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
	"github.com/canopy-cms/canopy/adminapi"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/theme"
)

// Options configure a Server.
type Options struct {
	// TrustedProxies are the networks whose X-Forwarded-Host/-Port/-Proto headers are believed.
	TrustedProxies []netip.Prefix
	// CacheEntries bounds the page cache (0 disables it).
	CacheEntries int
	// MediaCacheBytes bounds the in-memory cache of small renditions (0
	// disables it); renditions above 512 KiB are always read from storage.
	MediaCacheBytes int64
	// APIMaxLimit is the content API's largest page size (default 20).
	APIMaxLimit int
	// PollInterval is how often changes made by other processes are looked for.
	PollInterval time.Duration
	// AllowedHosts, if set, limits the Host headers served (".example.org"
	// matches the domain and its subdomains; "*" anything); others get 400.
	AllowedHosts []string
	Logger       *slog.Logger
}

// Server serves every site of one installation.
type Server struct {
	svc    *service.Service
	themes *theme.Set
	opt    Options
	media  *byteCache

	privMu     sync.Mutex
	restricted map[int64]restrictedPaths
	log        *slog.Logger

	table atomic.Pointer[canopy.SiteTable]
	// gen counts change notifications of this process; loaded is the gen the
	// site table reflects. A request finding them different reloads first, so
	// no request uses a table older than a change it could have seen.
	gen      atomic.Int64
	loaded   atomic.Int64
	reloadMu sync.Mutex
	cache    *pageCache
	mux      *http.ServeMux
	menuMu   sync.Mutex
	menus    map[int64]menuCache
	settings map[int64]settingsCache
	debug    bool
	kit      *httpkit.Kit
}

// New builds a server and loads the site table.
func New(ctx context.Context, svc *service.Service, themes *theme.Set, opt Options) (*Server, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.APIMaxLimit <= 0 {
		opt.APIMaxLimit = 20
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = 2 * time.Second
	}
	s := &Server{svc: svc, themes: themes, opt: opt, log: opt.Logger, cache: newPageCache(opt.CacheEntries), media: newByteCache(opt.MediaCacheBytes, 512<<10), restricted: map[int64]restrictedPaths{}, menus: map[int64]menuCache{}, settings: map[int64]settingsCache{}}
	s.kit = httpkit.New(svc, opt.Logger, s.resolve, s.trusted)
	svc.OnChange(func(int64) { s.gen.Add(1) })
	if err := s.reload(ctx, true); err != nil {
		return nil, err
	}
	s.debug = opt.Logger.Enabled(ctx, slog.LevelDebug)
	s.routes()
	return s, nil
}

// reload rebuilds the site table from the database and drops cached pages of
// every site whose content version changed.
//
// Unless force is set (a change seen by polling), it does nothing when the
// table already reflects every change notified so far. The table is marked
// current only once stored: a request arriving while another reload reads the
// database waits for it instead of using the old table.
func (s *Server) reload(ctx context.Context, force bool) error {
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
				s.cache.dropSite(o.ID)
			}
		}
	}
	return nil
}

// sites returns the current site table, reloading it first if this process
// changed something since it was built.
func (s *Server) sites(ctx context.Context) *canopy.SiteTable {
	if s.gen.Load() != s.loaded.Load() {
		if err := s.reload(ctx, false); err != nil {
			s.log.Error("reload sites", "err", err)
		}
	}
	return s.table.Load()
}

// Watch looks for changes made by other processes (the CLI, other nodes) every
// PollInterval until ctx ends: one small query comparing each site's version.
func (s *Server) Watch(ctx context.Context) {
	tk := time.NewTicker(s.opt.PollInterval)
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

// Handler returns the root HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// logRequest logs a finished request: 5xx at error level, 4xx other than 404
// at warn, everything at debug (start is zero unless debug logging is on).
func (s *Server) logRequest(r *http.Request, status int, start time.Time) {
	level := slog.LevelDebug
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400 && status != http.StatusNotFound:
		level = slog.LevelWarn
	}
	if level == slog.LevelDebug && !s.debug {
		return
	}
	attrs := []any{"method", r.Method, "host", r.Host, "path", r.URL.Path, "status", status, "remote", r.RemoteAddr}
	if !start.IsZero() {
		attrs = append(attrs, "duration", time.Since(start))
	}
	s.log.Log(r.Context(), level, "request", attrs...)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /api/v2/pages/{$}", s.withSite(s.apiPages))
	m.HandleFunc("GET /api/v2/pages/find/{$}", s.withSite(s.apiFind))
	m.HandleFunc("GET /api/v2/pages/{id}/{$}", s.withSite(s.apiPage))
	s.apiMediaRoutes(m)
	s.apiSettingsRoutes(m)
	s.mediaServingRoutes(m)
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
	m.HandleFunc("GET /static/{theme}/{file...}", s.static)
	adminapi.New(s.kit, s.themes).Routes(m)
	s.privacyRoutes(m)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.mux = m
}

// ServeHTTP makes Server an http.Handler: public pages take the fast path,
// which knows its status and logs for itself; everything else goes through the
// mux behind a status recorder.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var start time.Time
	if s.debug {
		start = time.Now()
	}
	if len(s.opt.AllowedHosts) > 0 && !s.hostAllowed(r.Host) {
		http.Error(w, "bad request: this host is not served here", http.StatusBadRequest)
		s.logRequest(r, http.StatusBadRequest, start)
		return
	}
	p := r.URL.Path
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.HasPrefix(p, "/api/") &&
		!strings.HasPrefix(p, "/static/") && p != "/healthz" && !strings.HasPrefix(p, "/admin/") && !strings.HasPrefix(p, "/media/") &&
		!strings.HasPrefix(p, "/_") {
		s.logRequest(r, s.servePage(w, r), start)
		return
	}
	if r.Method == http.MethodGet && strings.HasPrefix(p, "/media/images/") && s.media.max > 0 {
		// Stored renditions in memory take the fast path too.
		if site := s.resolve(r); site != nil {
			if e := s.media.get(site.ID, p, site.Version); e != nil {
				s.logRequest(r, writePage(w, r, e), start)
				return
			}
		}
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if bad := badPath(r); bad != "" {
		http.Error(rec, bad, http.StatusBadRequest)
	} else {
		s.mux.ServeHTTP(rec, r)
	}
	s.logRequest(r, rec.status, start)
}

// resolve binds a request to its site, or nil.
func (s *Server) resolve(r *http.Request) *canopy.Site {
	host := r.Host
	trusted := s.trusted(r)
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
	return s.sites(r.Context()).Match(hostname, port)
}

func (s *Server) trusted(r *http.Request) bool {
	if len(s.opt.TrustedProxies) == 0 {
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
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// withSite binds a content API request to its site (404 when there is none
// or the site's content_api feature flag is off).
func (s *Server) withSite(h func(http.ResponseWriter, *http.Request, *canopy.Site)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		site := s.resolve(r)
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

// badPath rejects paths that try to escape or confuse routing: encoded slashes
// or backslashes, dot segments, NUL bytes.
func badPath(r *http.Request) string {
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

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	t := s.themes.Get(r.PathValue("theme"))
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, t.Static, r.PathValue("file"))
}

// apiError writes a content-API error in Wagtail's shape: {"message": "…"}.
func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// internalError logs err with a correlation id and shows only the id.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error, api bool) {
	_, _, msg := s.kit.Classify(r, canopy.Errorf(canopy.EINTERNAL, "%v", err))
	if api {
		apiError(w, http.StatusInternalServerError, msg)
		return
	}
	http.Error(w, msg, http.StatusInternalServerError)
}

func (s *Server) hostAllowed(host string) bool {
	h, _, ok := canopy.ParseHostHeader(host)
	if !ok {
		return false
	}
	for _, a := range s.opt.AllowedHosts {
		switch {
		case a == "*", a == h:
			return true
		case strings.HasPrefix(a, ".") && (h == a[1:] || strings.HasSuffix(h, a)):
			return true
		}
	}
	return false
}
