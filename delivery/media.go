package delivery

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// Public media: renditions and documents served on each site's host.

func (s *Server) mediaServingRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /media/images/{sig}/{id}/{spec}/{name}", s.serveRendition)
	m.HandleFunc("GET /media/documents/{id}/{name}", s.serveDocument)
}

// serveRendition sends an image rendition (made on its first request) from
// the request's site, if the URL's signature is right.
func (s *Server) serveRendition(w http.ResponseWriter, r *http.Request) {
	site := s.kit.Resolve(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if site == nil || err != nil || id <= 0 {
		http.NotFound(w, r)
		return
	}
	if e := s.media.Get(site.ID, r.URL.Path, site.Version); e != nil {
		httpkit.WritePage(w, r, e)
		return
	}
	spec := r.PathValue("spec")
	if !s.svc.CheckSignature(r.Context(), site.ID, id, spec, r.PathValue("sig")) {
		http.Error(w, "this image URL is not valid", http.StatusForbidden)
		return
	}
	f, err := s.svc.Rendition(r.Context(), site.ID, id, spec)
	if err != nil {
		s.mediaError(w, r, err)
		return
	}
	const immutable = "public, max-age=31536000, immutable"
	if s.media.Fits(f.Size) {
		data, err := s.svc.Media.ReadAll(r.Context(), f.Key)
		if err != nil {
			s.mediaError(w, r, err)
			return
		}
		e := httpkit.NewCachedPage(site.Version, http.StatusOK, data, f.ContentType, immutable)
		s.media.Put(site.ID, r.URL.Path, e)
		httpkit.WritePage(w, r, e)
		return
	}
	s.sendFile(w, r, f, immutable, "")
}

// serveDocument sends a document of the request's site to those its
// collection's privacy lets in.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request) {
	site := s.kit.Resolve(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if site == nil || err != nil || id <= 0 {
		http.NotFound(w, r)
		return
	}
	d, private, failing, err := s.svc.DocumentFile(r.Context(), site.ID, id, func() (*service.Viewer, error) {
		u, _, err := s.kit.Authenticate(r, site)
		if err != nil {
			return nil, nil // anonymous
		}
		return s.svc.ViewerFor(r.Context(), site.ID, u)
	}, func(x canopy.Restriction) bool { return s.hasPassword(r, site, x) })
	cache := "public, max-age=300"
	if private {
		cache = "private, no-store"
	}
	if failing != nil && failing.Kind == "password" {
		// The password form, posted to the collection's password check.
		w.Header().Set("Cache-Control", cache)
		e, ferr := s.renderForm(r, site, s.themes.Get(site.Theme), "password.html", http.StatusUnauthorized, "Password required",
			&FormView{Action: "/_password/collection/" + strconv.FormatInt(failing.CollectionID, 10) + "/", Next: r.URL.RequestURI(), Document: true})
		if ferr != nil {
			s.internalError(w, r, ferr)
			return
		}
		httpkit.WritePage(w, r, e)
		return
	}
	if err != nil {
		w.Header().Set("Cache-Control", cache)
		s.mediaError(w, r, err)
		return
	}
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename})
	if disp == "" {
		disp = mime.FormatMediaType("attachment", map[string]string{"filename": canopy.SafeKeyName(d.Filename)})
	}
	s.sendFile(w, r, &service.ServedFile{Key: d.FileKey, ContentType: d.ContentType, Size: d.FileSize}, cache, disp)
}

// mediaError answers a media download in plain text. A file link offers no
// login, so a private document asked for without a session is 403, as for
// someone who may not have it (documented in api.md).
func (s *Server) mediaError(w http.ResponseWriter, r *http.Request, err error) {
	code, status, msg := s.kit.Classify(w, r, err)
	switch code {
	case canopy.ENOTFOUND:
		http.NotFound(w, r)
		return
	case canopy.EUNAUTHENTICATED:
		status = http.StatusForbidden
	}
	http.Error(w, msg, status)
}

// sendFile streams a stored file with ranges and conditional requests.
func (s *Server) sendFile(w http.ResponseWriter, r *http.Request, f *service.ServedFile, cache, disposition string) {
	if s.svc.Media == nil {
		http.NotFound(w, r)
		return
	}
	rd, err := s.svc.Media.Open(r.Context(), f.Key)
	if err != nil {
		s.mediaError(w, r, err)
		return
	}
	defer rd.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Cache-Control", cache)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+f.Key[strings.LastIndexByte(f.Key, '/')+1:]+`"`)
	if disposition != "" {
		h.Set("Content-Disposition", disposition)
		h.Set("Content-Security-Policy", "sandbox")
	}
	http.ServeContent(w, r, "", rd.ModTime(), rd)
}
