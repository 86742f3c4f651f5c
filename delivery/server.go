// Package delivery is public delivery: every site's pages (rendered by its
// theme, cached), its media, and its login and password pages (the content
// API is contentapi). Every request is bound to exactly one site by the HTTP
// kit.
package delivery

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/theme"
)

// Options configure public delivery.
type Options struct {
	// Cache holds rendered pages (nil: none); the content API shares it.
	Cache *httpkit.PageCache
	// ModelBytes bounds the in-memory models of sites' page trees that
	// pages render from without reading the database (0: none, every render
	// reads its page, ancestors and children).
	ModelBytes int64
	// MediaCacheBytes bounds the in-memory cache of small renditions (0
	// disables it); renditions above 512 KiB are always read from storage.
	MediaCacheBytes int64
	// GoneFor is how long a deleted page's address answers 410 Gone rather
	// than 404 (0: DefaultGoneFor; negative: never).
	GoneFor time.Duration
	Logger  *slog.Logger
}

// DefaultGoneFor is how long deleted pages answer 410 by default: 30 days.
const DefaultGoneFor = 30 * 24 * time.Hour

// Server serves every site's public pages and media.
type Server struct {
	svc    *service.Service
	themes *theme.Set
	opt    Options
	media  *httpkit.ByteCache
	kit    *httpkit.Kit

	log *slog.Logger

	cache    *httpkit.PageCache
	models   *otter.Cache[modelKey, *siteModel]
	menuMu   sync.Mutex
	menus    map[int64]menuCache
	settings map[int64]settingsCache
}

// New builds public delivery over the shared kit.
func New(kit *httpkit.Kit, themes *theme.Set, opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Cache == nil {
		opt.Cache = httpkit.NewPageCache(0)
	}
	if opt.GoneFor == 0 {
		opt.GoneFor = DefaultGoneFor
	}
	return &Server{svc: kit.Svc, themes: themes, opt: opt, log: opt.Logger, kit: kit, cache: opt.Cache, models: newModelCache(opt.ModelBytes),
		media: httpkit.NewByteCache(opt.MediaCacheBytes, 512<<10), menus: map[int64]menuCache{}, settings: map[int64]settingsCache{}}
}

// Routes registers public media, theme files and the site login and
// password pages. Pages themselves are served by ServePage.
func (s *Server) Routes(m *http.ServeMux) {
	s.mediaServingRoutes(m)
	m.HandleFunc("GET /static/{theme}/{file...}", s.static)
	s.privacyRoutes(m)
}

// ServePage serves a public page (the fast path: from the page cache when
// it can) and returns the status it answered.
func (s *Server) ServePage(w http.ResponseWriter, r *http.Request) int { return s.servePage(w, r) }

// ServeCachedRendition serves a rendition held in memory, if it is: the
// fast path for /media/images/. It reports the status, or false.
func (s *Server) ServeCachedRendition(w http.ResponseWriter, r *http.Request) (int, bool) {
	if !s.media.On() {
		return 0, false
	}
	site := s.kit.Resolve(r)
	if site == nil {
		return 0, false
	}
	e := s.media.Get(site.ID, r.URL.Path, site.Version)
	if e == nil {
		return 0, false
	}
	return httpkit.WritePage(w, r, e), true
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	t := s.themes.Get(r.PathValue("theme"))
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, t.Static, r.PathValue("file"))
}

// internalError logs err with a correlation id and answers 500 with the
// site's error page (its theme's error.html with the text from its
// settings) naming only the id; if that cannot be made either (the
// database is down), a plain text answer. It returns the status.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) int {
	_, _, msg := s.kit.Classify(w, r, canopy.Errorf(canopy.EINTERNAL, "%v", err))
	w.Header().Set("Cache-Control", "no-store")
	if site := s.kit.Resolve(r); site != nil && r.Context().Err() == nil {
		if e, rerr := s.renderError(r.Context(), site, msg); rerr == nil {
			return httpkit.WritePage(w, r, e)
		}
	}
	http.Error(w, msg, http.StatusInternalServerError)
	return http.StatusInternalServerError
}

// renderError renders the site's error page for a fault named by msg.
func (s *Server) renderError(ctx context.Context, site *canopy.Site, msg string) (*httpkit.CachedPage, error) {
	th := s.themes.Get(site.Theme)
	if !th.Has("error.html") {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "theme %s has no error page", th.Name)
	}
	view := PageView{Site: site, Theme: th.Name, RequestPath: "", Error: msg, Page: PageData{Title: "Something went wrong", TypeClass: "error"}}
	var err error
	if view.Settings, err = s.settingsView(ctx, site); err != nil {
		return nil, err
	}
	e, err := render(th, "error.html", view, http.StatusInternalServerError)
	if err == nil {
		e.MakePrivate()
	}
	return e, err
}
