package httpkit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/netip"
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

// DeviceCookie marks a browser in which an account has logged in: its value
// is a random device id and a signature binding it to the username. Failed
// logins from elsewhere never lock that browser out (docs/security.md).
const DeviceCookie = "canopy_device"

// PasswordKeys are the throttle keys of a password check (decision 21).
// From a browser where the account has logged in before (its device
// cookie), the account on that device alone: failures anywhere else, even
// from the same address, never lock it out. From anywhere else, the account
// from this address, the address, and (a slower limit) the account from
// every unknown device.
func (k *Kit) PasswordKeys(r *http.Request, username string) map[string]string {
	user := strings.ToLower(strings.TrimSpace(username))
	if dev := k.knownDevice(r, user); dev != "" {
		return map[string]string{"userdevice": user + "|" + dev}
	}
	addr := k.ClientAddr(r)
	return map[string]string{"useraddr": user + "|" + addr, "addr": addr, "user": user}
}

// deviceSignature binds a device id to a username.
func (k *Kit) deviceSignature(r *http.Request, user, dev string) string {
	key, err := k.Svc.UIKey(r.Context())
	if err != nil {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("device\x00" + user + "\x00" + dev))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// knownDevice returns the id of this browser's device cookie if it was
// issued to user, else "".
func (k *Kit) knownDevice(r *http.Request, user string) string {
	c, err := r.Cookie(DeviceCookie)
	if err != nil {
		return ""
	}
	dev, sig, ok := strings.Cut(c.Value, ".")
	if !ok || dev == "" || len(dev) > 64 {
		return ""
	}
	want := k.deviceSignature(r, user, dev)
	if want == "" || !hmac.Equal([]byte(sig), []byte(want)) {
		return ""
	}
	return dev
}

// rememberDevice gives the browser a device cookie for user after a
// successful login (keeping its device id if it has one).
func (k *Kit) rememberDevice(w http.ResponseWriter, r *http.Request, user string) {
	dev := ""
	if c, err := r.Cookie(DeviceCookie); err == nil {
		if d, _, ok := strings.Cut(c.Value, "."); ok && d != "" && len(d) <= 64 && !strings.ContainsAny(d, ".; ") {
			dev = d
		}
	}
	if dev == "" {
		dev = rand.Text()
	}
	sig := k.deviceSignature(r, user, dev)
	if sig == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: dev + "." + sig, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: k.IsTLS(r), MaxAge: 400 * 24 * 3600})
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
	keys := k.PasswordKeys(r, username)
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
	k.Logins.Reset("useraddr", keys["useraddr"])
	k.Logins.Reset("userdevice", keys["userdevice"])
	k.rememberDevice(w, r, strings.ToLower(strings.TrimSpace(username)))
	// Rotate: a previous session of this browser ends here.
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		_ = k.Svc.EndSession(r.Context(), c.Value)
	}
	secret, err := k.Svc.StartSession(r.Context(), a, k.ClientAddr(r), r.UserAgent())
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

// Throttle limits failed password checks per key kind (PasswordKeys).
type Throttle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	window   time.Duration
	limit    map[string]int
}

// NewThrottle allows, in 15 minutes: 5 failures per account and address,
// 5 per account on a known device, 20 per address, 50 per account from
// unknown devices overall; for a password-protected page, 10 per page and
// address and 100 per page overall.
func NewThrottle() *Throttle {
	return &Throttle{failures: map[string][]time.Time{}, window: 15 * time.Minute,
		limit: map[string]int{"useraddr": 5, "userdevice": 5, "addr": 20, "user": 50, "pageaddr": 10, "page": 100}}
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
	if key == "" {
		return
	}
	t.mu.Lock()
	delete(t.failures, kind+":"+key)
	t.mu.Unlock()
}

// peerAddr is the connection peer's address without its port.
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ClientAddr is the client's address: the connection's peer, or, when the
// peer is a trusted proxy, the last X-Forwarded-For address that no trusted
// proxy added (a client cannot choose it by sending the header itself).
// Throttles key on it: behind a proxy every client would otherwise share
// the proxy's address.
func (k *Kit) ClientAddr(r *http.Request) string {
	peer := peerAddr(r)
	if k.Trusted == nil || k.TrustedAddr == nil || !k.Trusted(r) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer
		}
		if !k.TrustedAddr(a) {
			return a.Unmap().String()
		}
	}
	return peer
}
