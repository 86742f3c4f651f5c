package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// The admin JSON API at /admin/api/ (docs/behaviour/admin-api.md, docs/api.md).

const (
	sessionCookie = "canopy_session"
	maxJSONBody   = 1 << 20
)

// adminError writes {"error":{"code","message"}} (and "field" when the
// error names the input it is about).
func (s *Server) adminError(w http.ResponseWriter, r *http.Request, err error) {
	code, status, msg := s.classify(r, err)
	body := map[string]string{"code": code, "message": msg}
	if f := canopy.ErrorField(err); f != "" {
		body["field"] = f
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON body into v: application/json only, at most 1 MiB,
// one JSON object (not null, an array or a scalar), unknown fields refused.
func decodeJSON(r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return canopy.Errorf(canopy.EINVALID, "send a JSON body with Content-Type: application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return canopy.Errorf(canopy.ETOOLARGE, "the request body is larger than 1 MiB")
		case errors.Is(err, io.EOF):
			return canopy.Errorf(canopy.EINVALID, "the request body is empty; send a JSON object")
		}
		return canopy.Errorf(canopy.EINVALID, "the request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return canopy.Errorf(canopy.EINVALID, "the request body must hold a single JSON object")
	}
	if raw[0] != '{' {
		return canopy.Errorf(canopy.EINVALID, "the request body must be a JSON object ({...}), not %s", jsonKind(raw[0]))
	}
	obj := json.NewDecoder(bytes.NewReader(raw))
	obj.DisallowUnknownFields()
	if err := obj.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return canopy.Errorf(canopy.EINVALID, "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return canopy.Errorf(canopy.EINVALID, "the request body does not fit: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// jsonKind names the kind of JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// decodeOptionalJSON decodes a body if there is one (an empty body leaves v as is).
func decodeOptionalJSON(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(r, v)
}

// adminRequest is what an authenticated admin handler gets.
type adminRequest struct {
	site  *canopy.Site
	admin *service.Admin
	// viaCookie: authenticated by the session cookie (not a bearer token).
	viaCookie bool
}

type adminHandler func(w http.ResponseWriter, r *http.Request, ar *adminRequest) error

// authenticate finds the request's user on its site: a bearer token made for
// this site, or a session cookie made on this site's host.
func (s *Server) authenticate(r *http.Request, site *canopy.Site) (*canopy.User, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return nil, false, canopy.Errorf(canopy.EUNAUTHENTICATED, "the Authorization header must be 'Bearer <token>'")
		}
		u, err := s.svc.TokenUser(r.Context(), site, tok)
		return u, false, err
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false, canopy.Errorf(canopy.EUNAUTHENTICATED, "log in first (POST /admin/api/login) or send an API token")
	}
	u, err := s.svc.SessionUser(r.Context(), site, c.Value)
	return u, true, err
}

// admin wraps a handler: site, authentication, cross-origin protection for
// cookie-authenticated writes, grants loaded once, and (unless open) the
// access_admin gate.
func (s *Server) admin(h adminHandler, open bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		site := s.resolve(r)
		if site == nil {
			s.adminError(w, r, canopy.Errorf(canopy.ENOTFOUND, "no site is configured for this host"))
			return
		}
		u, viaCookie, err := s.authenticate(r, site)
		if err != nil {
			s.adminError(w, r, err)
			return
		}
		if viaCookie {
			if err := s.cop.Check(r); err != nil {
				s.adminError(w, r, canopy.Errorf(canopy.EFORBIDDEN, "cross-origin request refused: send it from this site's own pages, or use an API token"))
				return
			}
		}
		a, err := s.svc.AdminFor(r.Context(), site, u)
		if err != nil {
			s.adminError(w, r, err)
			return
		}
		if !open {
			if err := a.RequireAdminAccess(); err != nil {
				s.adminError(w, r, err)
				return
			}
		}
		if err := h(w, r, &adminRequest{site: site, admin: a, viaCookie: viaCookie}); err != nil {
			s.adminError(w, r, err)
		}
	}
}

// throttle limits failed logins per username and per client address.
type throttle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	window   time.Duration
	limit    map[string]int
}

func newThrottle() *throttle {
	return &throttle{failures: map[string][]time.Time{}, window: 15 * time.Minute, limit: map[string]int{"user": 5, "addr": 20, "page": 10}}
}

func (t *throttle) recent(key string, now time.Time) []time.Time {
	var keep []time.Time
	for _, f := range t.failures[key] {
		if now.Sub(f) < t.window {
			keep = append(keep, f)
		}
	}
	if len(keep) == 0 {
		delete(t.failures, key)
	} else {
		t.failures[key] = keep
	}
	return keep
}

// blocked reports how long the keys must wait, or 0.
func (t *throttle) blocked(kinds map[string]string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	var wait time.Duration
	for kind, key := range kinds {
		f := t.recent(kind+":"+key, now)
		if len(f) >= t.limit[kind] {
			if w := t.window - now.Sub(f[0]); w > wait {
				wait = w
			}
		}
	}
	return wait
}

func (t *throttle) fail(kinds map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	for kind, key := range kinds {
		t.failures[kind+":"+key] = append(t.recent(kind+":"+key, now), now)
	}
}

func (t *throttle) reset(kind, key string) {
	t.mu.Lock()
	delete(t.failures, kind+":"+key)
	t.mu.Unlock()
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	site := s.resolve(r)
	if site == nil {
		s.adminError(w, r, canopy.Errorf(canopy.ENOTFOUND, "no site is configured for this host"))
		return
	}
	if err := s.cop.Check(r); err != nil {
		s.adminError(w, r, canopy.Errorf(canopy.EFORBIDDEN, "cross-origin login refused"))
		return
	}
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.adminError(w, r, err)
		return
	}
	a, err := s.checkLogin(w, r, site, in.Username, in.Password)
	if err != nil {
		s.adminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.meBody(a, site))
}

// checkLogin checks a username and password for a site (throttled per
// username and per address; the same answer for every kind of failure) and
// starts a session for the user on this host.
func (s *Server) checkLogin(w http.ResponseWriter, r *http.Request, site *canopy.Site, username, password string) (*service.Admin, error) {
	keys := map[string]string{"user": strings.ToLower(username), "addr": clientAddr(r)}
	if wait := s.logins.blocked(keys); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return nil, canopy.Errorf(canopy.EUNAUTHENTICATED, "too many failed logins; try again in %d minutes", int(wait.Minutes())+1)
	}
	a, err := s.svc.Login(r.Context(), site, username, password)
	if errors.Is(err, service.ErrBadLogin) {
		s.logins.fail(keys)
	}
	if err != nil {
		return nil, err
	}
	s.logins.reset("user", keys["user"])
	// Rotate: a previous session of this browser ends here.
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		_ = s.svc.EndSession(r.Context(), c.Value)
	}
	secret, err := s.svc.StartSession(r.Context(), a, clientAddr(r), r.UserAgent())
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.isTLS(r), MaxAge: int(service.SessionTTL.Seconds())})
	return a, nil
}

func (s *Server) isTLS(r *http.Request) bool {
	return r.TLS != nil || s.trusted(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	if c, err := r.Cookie(sessionCookie); err == nil && ar.viaCookie {
		if err := s.svc.EndSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1, Secure: s.isTLS(r)})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) meBody(a *service.Admin, site *canopy.Site) map[string]any {
	groups := []map[string]any{}
	for _, g := range a.Access.Groups {
		groups = append(groups, map[string]any{"id": g.ID, "name": g.Name, "site_id": nullable(g.SiteID)})
	}
	models := a.Access.Models
	if models == nil {
		models = []string{}
	}
	return map[string]any{"user": a.User, "site": siteBody(site), "groups": groups, "model_permissions": models}
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func siteBody(site *canopy.Site) map[string]any {
	return map[string]any{"id": site.ID, "hostname": site.Hostname, "port": site.Port, "name": site.Name,
		"is_default": site.IsDefault, "root_page_id": site.RootPageID, "root_collection_id": site.RootCollectionID,
		"theme": site.Theme, "features": nonNilFeatures(site.Features), "root_url": site.RootURL()}
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	body := s.meBody(ar.admin, ar.site)
	root, err := ar.admin.ExplorerRoot(r.Context())
	if err != nil {
		return err
	}
	body["explorer_root_page_id"] = nil
	if root != nil {
		body["explorer_root_page_id"] = root.ID
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// updateAccount changes the caller's own account: names, and with the
// current password, email and password. A new password ends every other
// session and every token of the account, on every site.
func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	var in struct {
		CurrentPassword string  `json:"current_password"`
		Email           *string `json:"email"`
		FirstName       *string `json:"first_name"`
		LastName        *string `json:"last_name"`
		Password        *string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	keep := ""
	if c, err := r.Cookie(sessionCookie); err == nil && ar.viaCookie {
		keep = service.SessionKey(c.Value)
	}
	u, err := ar.admin.UpdateAccount(r.Context(), service.AccountInput{CurrentPassword: in.CurrentPassword, Email: in.Email,
		FirstName: in.FirstName, LastName: in.LastName, Password: in.Password}, keep)
	if err != nil {
		return err
	}
	ar.admin.User = u
	return s.me(w, r, ar)
}

func (s *Server) getSite(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	body := siteBody(ar.site)
	body["features"] = map[string]any{}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) pageTypes(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	items := []map[string]any{}
	for _, pt := range s.svc.Types.All() {
		if pt.Name == canopy.RootType {
			continue
		}
		var parents, subs any = pt.ParentTypes, pt.SubpageTypes
		if pt.ParentTypes == nil {
			parents = "any"
		}
		if pt.SubpageTypes == nil {
			subs = "any"
		}
		items = append(items, map[string]any{"name": pt.Name, "label": pt.Label, "fields": pt.Fields,
			"parent_page_types": parents, "subpage_types": subs, "creatable": !pt.NotCreatable})
	}
	writeJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{"total_count": len(items)}, "items": items})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	toks, err := ar.admin.Tokens(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{"total_count": len(toks)}, "items": toks})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	var in struct {
		Name          string `json:"name"`
		ExpiresInDays int    `json:"expires_in_days"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	tok, secret, err := ar.admin.CreateToken(r.Context(), in.Name, in.ExpiresInDays)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": tok.ID, "name": tok.Name, "site_id": tok.SiteID, "created_at": tok.CreatedAt,
		"expires_at": tok.ExpiresAt, "token": secret})
	return nil
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request, ar *adminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ar.admin.DeleteToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, canopy.Errorf(canopy.ENOTFOUND, "%s %q not found", name, r.PathValue(name))
	}
	return id, nil
}
