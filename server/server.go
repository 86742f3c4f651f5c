// Package server composes Canopy's HTTP interfaces into one handler: the
// site table and the shared kit, public delivery (web), the content API
// (contentapi), the admin JSON API (adminapi) and the admin web UI
// (adminui), behind one router with
// request logging.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/adminapi"
	"github.com/canopy-cms/canopy/adminui"
	"github.com/canopy-cms/canopy/contentapi"
	"github.com/canopy-cms/canopy/delivery"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/purge"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/theme"
)

// Options configure a Server.
type Options struct {
	// TrustedProxies are the networks whose X-Forwarded-Host/-Port/-Proto headers are believed.
	TrustedProxies []netip.Prefix
	// CacheBytes is the memory budget of rendered public answers, pages and
	// content API answers of every site together (0 disables the cache).
	CacheBytes int64
	// ModelBytes bounds the in-memory models of sites' page trees that pages
	// render from (0: DefaultModelBytes; negative: none).
	ModelBytes int64
	// MediaCacheBytes bounds the in-memory cache of small renditions (0
	// disables it); renditions above 512 KiB are always read from storage.
	MediaCacheBytes int64
	// GoneFor is how long a deleted page's address answers 410 Gone rather
	// than 404 (0: delivery.DefaultGoneFor, 30 days; negative: never).
	GoneFor time.Duration
	// APIMaxLimit is the content API's largest page size (default 20).
	APIMaxLimit int
	// PollInterval is how often changes made by other processes are looked for.
	PollInterval time.Duration
	// AllowedHosts, if set, limits the Host headers served (".example.org"
	// matches the domain and its subdomains; "*" anything); others get 400.
	AllowedHosts []string
	// MetricsToken, if set, serves the Prometheus metrics on this listener at
	// /_metrics to requests bearing it ("Authorization: Bearer TOKEN"); the
	// metrics can also be served on a listener of their own (MetricsHandler).
	MetricsToken string
	// Purge are the front-end caches told to drop a site's changed answers
	// (package purge; none: no purges).
	Purge []purge.Backend
	// PurgeOptions tune the purger (zero: its defaults).
	PurgeOptions purge.Options
	Logger       *slog.Logger
}

// DefaultModelBytes is the default memory budget of the site models: 128 MiB.
const DefaultModelBytes = 128 << 20

// Server serves every site of one installation.
type Server struct {
	opt     Options
	log     *slog.Logger
	debug   bool
	sites   *httpkit.Sites
	pub     *delivery.Server
	mux     *http.ServeMux
	metrics *metrics
}

// New builds the server and loads the site table.
func New(ctx context.Context, svc *service.Service, themes *theme.Set, opt Options) (*Server, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = 2 * time.Second
	}
	if svc.ThemeExists == nil {
		svc.ThemeExists = themes.Exists
	}
	sites, err := httpkit.NewSites(ctx, svc, opt.Logger, opt.TrustedProxies)
	if err != nil {
		return nil, err
	}
	kit := httpkit.New(svc, opt.Logger, sites.Resolve, sites.Trusted)
	kit.Named = sites.Named
	kit.TrustedAddr = sites.TrustedAddr
	cache := httpkit.NewPageCache(opt.CacheBytes)
	if opt.ModelBytes == 0 {
		opt.ModelBytes = DefaultModelBytes
	}
	pub := delivery.New(kit, themes, delivery.Options{Cache: cache, ModelBytes: opt.ModelBytes, MediaCacheBytes: opt.MediaCacheBytes, GoneFor: opt.GoneFor, Logger: opt.Logger})
	api := contentapi.New(kit, contentapi.Options{Cache: cache, APIMaxLimit: opt.APIMaxLimit, Logger: opt.Logger})
	if opt.PurgeOptions.Logger == nil {
		opt.PurgeOptions.Logger = opt.Logger
	}
	purger := purge.New(context.WithoutCancel(ctx), opt.Purge, func(id int64) *canopy.Site { return sites.Table(context.Background()).ByID(id) }, opt.PurgeOptions)
	svc.OnChange(purger.Changed)
	s := &Server{opt: opt, log: opt.Logger, debug: opt.Logger.Enabled(ctx, slog.LevelDebug), sites: sites, pub: pub, mux: http.NewServeMux(),
		metrics: newMetrics(svc, sites, cache, purger)}
	pub.Routes(s.mux)
	api.Routes(s.mux)
	adminapi.New(kit).Routes(s.mux)
	ui, err := adminui.New(kit, adminui.Options{Logger: opt.Logger,
		SiteByID: func(r *http.Request, id int64) *canopy.Site { return sites.Table(r.Context()).ByID(id) },
		Preview:  pub.RenderPreview})
	if err != nil {
		return nil, err
	}
	ui.Routes(s.mux)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	return s, nil
}

// Watch looks for changes made by other processes (the CLI, other nodes)
// every PollInterval until ctx ends.
func (s *Server) Watch(ctx context.Context) { s.sites.Watch(ctx, s.opt.PollInterval) }

// ServesHostname reports whether a site of the installation has this
// hostname (the names HTTPS certificates are obtained for).
func (s *Server) ServesHostname(name string) bool {
	return s.sites.Table(context.Background()).HasHostname(strings.ToLower(name))
}

// Handler returns the root HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP makes Server an http.Handler: public pages take the fast path,
// which knows its status and logs for itself; everything else goes through the
// mux behind a status recorder.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	p := r.URL.Path
	class := routeClass(p)
	if r.TLS != nil {
		if v := s.pub.HSTS(r); v != nil {
			w.Header()["Strict-Transport-Security"] = v
		}
	}
	if len(s.opt.AllowedHosts) > 0 && !s.hostAllowed(r.Host) {
		http.Error(w, "bad request: this host is not served here", http.StatusBadRequest)
		s.finish(r, class, http.StatusBadRequest, start)
		return
	}
	if site := s.sites.AliasOf(r); site != nil {
		// Another hostname of a site: to the site's own address, path and
		// query kept (308 keeps a POST a POST).
		status := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			status = http.StatusPermanentRedirect
		}
		http.Redirect(w, r, site.RootURL()+r.URL.RequestURI(), status)
		s.finish(r, class, status, start)
		return
	}
	if class == classPage && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.finish(r, class, s.pub.ServePage(w, r), start)
		return
	}
	if r.Method == http.MethodGet && strings.HasPrefix(p, "/media/images/") {
		// Stored renditions in memory take the fast path too.
		if status, ok := s.pub.ServeCachedRendition(w, r); ok {
			s.finish(r, class, status, start)
			return
		}
	}
	if p == "/_metrics" && r.Method == http.MethodGet {
		s.finish(r, classOther, s.tokenMetrics(w, r), start)
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if bad := httpkit.BadPath(r); bad != "" {
		http.Error(rec, bad, http.StatusBadRequest)
	} else {
		s.mux.ServeHTTP(rec, r)
	}
	s.finish(r, class, rec.status, start)
}

// finish records an answered request in the metrics and the log. A request
// whose client went away before the answer counts as 499, whatever the
// handler wrote.
func (s *Server) finish(r *http.Request, class, status int, start time.Time) {
	if status >= 500 && errors.Is(r.Context().Err(), context.Canceled) {
		status = httpkit.StatusClientClosed
	}
	took := time.Since(start)
	s.metrics.observe(class, status, took)
	s.logRequest(r, status, took)
}

// logRequest logs a finished request: 5xx at error level, 4xx other than 404
// and 499 (the client went away) at warn, everything at debug.
func (s *Server) logRequest(r *http.Request, status int, took time.Duration) {
	level := slog.LevelDebug
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400 && status != http.StatusNotFound && status != httpkit.StatusClientClosed:
		level = slog.LevelWarn
	}
	if level == slog.LevelDebug && !s.debug {
		return
	}
	s.log.Log(context.WithoutCancel(r.Context()), level, "request", "method", r.Method, "host", r.Host, "path", r.URL.Path,
		"status", status, "remote", r.RemoteAddr, "duration", took)
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
