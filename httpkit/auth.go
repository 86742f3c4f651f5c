package httpkit

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// SessionCookie holds a login session's secret: host-only, HttpOnly,
// SameSite=Lax, Secure behind TLS.
const SessionCookie = "canopy_session"

// Authenticate finds the request's user on its site: a bearer token made for
// this site, or a session cookie made on this site's host.
func (k *Kit) Authenticate(r *http.Request, site *canopy.Site) (*canopy.User, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return nil, false, canopy.Errorf(canopy.EUNAUTHENTICATED, "the Authorization header must be 'Bearer <token>'")
		}
		u, err := k.Svc.TokenUser(r.Context(), site, tok)
		return u, false, err
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, false, canopy.Errorf(canopy.EUNAUTHENTICATED, "log in first (POST /admin/api/login) or send an API token")
	}
	u, err := k.Svc.SessionUser(r.Context(), site, c.Value)
	return u, true, err
}

// PasswordKeys are the throttle keys of a password check: the account and the
// client's address.
func PasswordKeys(r *http.Request, username string) map[string]string {
	return map[string]string{"user": strings.ToLower(username), "addr": ClientAddr(r)}
}

// PasswordThrottle refuses a password check while keys have failed too often
// (401 with Retry-After; field names the input, if any).
func (k *Kit) PasswordThrottle(w http.ResponseWriter, keys map[string]string, field string) error {
	wait := k.Logins.Blocked(keys)
	if wait <= 0 {
		return nil
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	return canopy.FieldErrorf(field, canopy.EUNAUTHENTICATED, "too many failed password attempts; try again in %d minutes", int(wait.Minutes())+1)
}

// Login checks a username and password for a site (throttled per
// username and per address; the same answer for every kind of failure) and
// starts a session for the user on this host.
func (k *Kit) Login(w http.ResponseWriter, r *http.Request, site *canopy.Site, username, password string) (*service.Admin, error) {
	keys := PasswordKeys(r, username)
	if err := k.PasswordThrottle(w, keys, ""); err != nil {
		return nil, err
	}
	a, err := k.Svc.Login(r.Context(), site, username, password)
	if errors.Is(err, service.ErrBadLogin) {
		k.Logins.Fail(keys)
	}
	if err != nil {
		return nil, err
	}
	k.Logins.Reset("user", keys["user"])
	// Rotate: a previous session of this browser ends here.
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		_ = k.Svc.EndSession(r.Context(), c.Value)
	}
	secret, err := k.Svc.StartSession(r.Context(), a, ClientAddr(r), r.UserAgent())
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: k.IsTLS(r), MaxAge: int(service.SessionTTL.Seconds())})
	return a, nil
}

// IsTLS reports whether the client reached us over TLS (directly, or as a
// trusted proxy says).
func (k *Kit) IsTLS(r *http.Request) bool {
	return r.TLS != nil || k.Trusted(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// EndSession ends the browser's session (if any) and clears its cookie.
func (k *Kit) EndSession(w http.ResponseWriter, r *http.Request) error {
	var err error
	if c, cerr := r.Cookie(SessionCookie); cerr == nil && c.Value != "" {
		err = k.Svc.EndSession(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1, Secure: k.IsTLS(r)})
	return err
}

// AdminRequest is an authenticated request of one user on one site.
type AdminRequest struct {
	Site  *canopy.Site
	Admin *service.Admin
	// ViaCookie: authenticated by the session cookie (not a bearer token).
	ViaCookie bool
}

// AdminFor authenticates a request on its site (a session cookie or a bearer
// token), checks cross-origin protection for cookie-authenticated writes,
// loads the user's grants once, and (unless open) requires admin access.
func (k *Kit) AdminFor(r *http.Request, open bool) (*AdminRequest, error) {
	site := k.Resolve(r)
	if site == nil {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "no site is configured for this host")
	}
	u, viaCookie, err := k.Authenticate(r, site)
	if err != nil {
		return nil, err
	}
	if viaCookie {
		if err := k.COP.Check(r); err != nil {
			return nil, canopy.Errorf(canopy.EFORBIDDEN, "cross-origin request refused: send it from this site's own pages, or use an API token")
		}
	}
	a, err := k.Svc.AdminFor(r.Context(), site, u)
	if err != nil {
		return nil, err
	}
	if !open {
		if err := a.RequireAdminAccess(); err != nil {
			return nil, err
		}
	}
	return &AdminRequest{Site: site, Admin: a, ViaCookie: viaCookie}, nil
}

// Throttle limits failed logins per username and per client address.
type Throttle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	window   time.Duration
	limit    map[string]int
}

// NewThrottle allows 5 failures per username, 20 per address and 10 per
// password-protected page in 15 minutes.
func NewThrottle() *Throttle {
	return &Throttle{failures: map[string][]time.Time{}, window: 15 * time.Minute, limit: map[string]int{"user": 5, "addr": 20, "page": 10}}
}

func (t *Throttle) recent(key string, now time.Time) []time.Time {
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
func (t *Throttle) Blocked(kinds map[string]string) time.Duration {
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

func (t *Throttle) Fail(kinds map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	for kind, key := range kinds {
		t.failures[kind+":"+key] = append(t.recent(kind+":"+key, now), now)
	}
}

func (t *Throttle) Reset(kind, key string) {
	t.mu.Lock()
	delete(t.failures, kind+":"+key)
	t.mu.Unlock()
}

// ClientAddr is the request's remote address without its port.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
