package adminui

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// The login page is on each site's own host; its session is that host's.
// A wrong password and an unknown user get the same answer; a throttled
// account, and (after the right password) an inactive one or one with no
// account on this site, are told so.

const loginCookie = "canopy_login"

type loginData struct {
	CSRF, Next, Username, Error, Resume string
}

// loginToken is the login form's CSRF token, bound to a random cookie of
// this browser (there is no session yet).
func (u *UI) loginToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) >= 20 {
		v = c.Value
	} else {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v, Path: "/admin/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.kit.IsTLS(r)})
	}
	return u.sign(r, "login", v)
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	q := &req{w: w, r: r, ui: u, site: u.kit.Resolve(r)}
	if q.site == nil {
		securityHeaders(w.Header())
		http.Error(w, "no site is configured for this host", http.StatusNotFound)
		return
	}
	// Already logged in here: straight on.
	if c, err := r.Cookie(httpkit.SessionCookie); err == nil && c.Value != "" {
		if usr, err := u.kit.Svc.SessionUser(r.Context(), q.site, c.Value); err == nil && usr.IsActive {
			http.Redirect(w, r, localNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	q.flashes = u.takeFlash(w, r)
	u.showLogin(q, http.StatusOK, loginData{Next: localNext(r.URL.Query().Get("next"))})
}

func (u *UI) showLogin(q *req, status int, d loginData) {
	d.CSRF = u.loginToken(q.w, q.r)
	if err := q.render(status, "login", "Log in", d); err != nil {
		u.log.Error("render login", "err", err)
	}
}

// needLogin answers a request without a live session: a GET goes to the
// login page; a form post is kept, signed, in the login form so that the
// typed content survives an expired session.
func (u *UI) needLogin(q *req, msg string) {
	r := q.r
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if q.fragmentWanted() {
			securityHeaders(q.w.Header())
			q.w.WriteHeader(http.StatusUnauthorized)
			_, _ = q.w.Write([]byte(`<div class="message error" role="alert">Your session has ended. Reload the page to log in again.</div>`))
			return
		}
		http.Redirect(q.w, r, "/admin/login/?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	d := loginData{Next: refererPath(r), Error: "Your session has ended: log in again."}
	if msg != "" {
		d.Error = msg
	}
	r.Body = http.MaxBytesReader(q.w, r.Body, maxForm)
	if err := r.ParseForm(); err == nil && len(r.PostForm) > 0 && r.URL.Path != "/admin/logout/" {
		form := url.Values{}
		for k, v := range r.PostForm {
			if k != "csrf" {
				form[k] = v
			}
		}
		payload := base64.RawURLEncoding.EncodeToString([]byte(r.URL.Path + "\x00" + form.Encode()))
		d.Resume = payload + "." + u.sign(r, "resume", payload)
	}
	u.showLogin(q, http.StatusUnauthorized, d)
}

func (u *UI) loginSubmit(w http.ResponseWriter, r *http.Request) {
	q := &req{w: w, r: r, ui: u, site: u.kit.Resolve(r)}
	if q.site == nil {
		securityHeaders(w.Header())
		http.Error(w, "no site is configured for this host", http.StatusNotFound)
		return
	}
	if err := parseFormBody(w, r); err != nil {
		_, status, msg := u.kit.Classify(w, r, err)
		u.showLogin(q, status, loginData{Next: "/admin/", Error: msg})
		return
	}
	d := loginData{Next: localNext(r.FormValue("next")), Username: strings.TrimSpace(r.PostFormValue("username")), Resume: r.PostFormValue("resume")}
	c, err := r.Cookie(loginCookie)
	if err != nil || !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(u.sign(r, "login", c.Value))) {
		d.Error = "This login form has expired. Please try again."
		u.showLogin(q, http.StatusForbidden, d)
		return
	}
	if err := u.kit.COP.Check(r); err != nil {
		d.Error = "Cross-origin login refused."
		u.showLogin(q, http.StatusForbidden, d)
		return
	}
	if d.Username == "" || r.PostFormValue("password") == "" {
		d.Error = "Enter your username and your password."
		u.showLogin(q, http.StatusBadRequest, d)
		return
	}
	a, err := u.kit.Login(w, r, q.site, d.Username, r.PostFormValue("password"))
	if err != nil {
		_, status, msg := u.kit.Classify(w, r, err)
		switch {
		case errors.Is(err, service.ErrBadLogin):
			msg = "Wrong username or password."
		case errors.Is(err, service.ErrNoAccount):
			msg = "You have no account on " + q.site.Name + ". Ask one of its administrators to add you."
		case errors.Is(err, service.ErrInactive):
			msg = "This account is inactive. Ask an administrator of " + q.site.Name + " to reactivate it."
		}
		d.Error = msg
		u.showLogin(q, status, d)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/admin/", MaxAge: -1})
	if d.Resume != "" {
		if action, fields, ok := u.openResume(r, d.Resume); ok {
			q.a = a
			// The new session's cookie is in the answer; its token is what the form needs.
			q.csrf = u.csrfToken(r, sessionFrom(w))
			if err := q.render(http.StatusOK, "resume", "Continue editing", map[string]any{"Action": action, "Fields": fields}); err != nil {
				u.log.Error("render resume", "err", err)
			}
			return
		}
	}
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

type hiddenField struct{ Name, Value string }

// openResume checks and decodes a kept form post.
func (u *UI) openResume(r *http.Request, v string) (action string, fields []hiddenField, ok bool) {
	payload, sig, found := strings.Cut(v, ".")
	if !found || !hmac.Equal([]byte(sig), []byte(u.sign(r, "resume", payload))) {
		return "", nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", nil, false
	}
	action, enc, _ := strings.Cut(string(raw), "\x00")
	if !strings.HasPrefix(action, "/admin/") || !canopy.IsLocalPath(action) {
		return "", nil, false
	}
	form, err := url.ParseQuery(enc)
	if err != nil {
		return "", nil, false
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		if k != "restore" && k != "action" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, val := range form[k] {
			fields = append(fields, hiddenField{k, val})
		}
	}
	return action, fields, true
}

// sessionFrom reads the session secret that Login set on the answer.
func sessionFrom(w http.ResponseWriter) string {
	for _, line := range w.Header().Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == httpkit.SessionCookie {
			return c.Value
		}
	}
	return ""
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(httpkit.SessionCookie)
	if err == nil && c.Value != "" {
		q := &req{w: w, r: r, ui: u, site: u.kit.Resolve(r)}
		if err := parseFormBody(w, r); err != nil {
			u.fail(q, err)
			return
		}
		if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(u.csrfToken(r, c.Value))) {
			u.fail(q, canopy.Errorf(canopy.EFORBIDDEN, "this form has expired (missing or wrong CSRF token); reload the page and try again"))
			return
		}
		if err := u.kit.EndSession(w, r); err != nil {
			u.log.Error("logout", "err", err)
		}
	}
	u.setFlash(w, r, "info", "You have logged out.")
	http.Redirect(w, r, "/admin/login/", http.StatusSeeOther)
}

// noAccount tells a signed-in person that this site has no account of theirs.
func (u *UI) noAccount(q *req) {
	c, _ := q.r.Cookie(httpkit.SessionCookie)
	name := ""
	if usr, err := u.kit.Svc.SessionUser(q.r.Context(), q.site, c.Value); err == nil {
		name = usr.Username
	}
	if err := q.render(http.StatusForbidden, "noaccount", "No account on this site", map[string]string{"Username": name, "CSRF": u.csrfToken(q.r, c.Value)}); err != nil {
		u.log.Error("render", "err", err)
	}
}

func (u *UI) setTheme(q *req) error {
	u.themeCookie(q, q.r.FormValue("theme"))
	return q.redirect(refererPath(q.r), "", "")
}

// themeCookie remembers the theme for this browser ("light", "dark"; anything
// else follows the system's setting).
func (u *UI) themeCookie(q *req, v string) {
	c := &http.Cookie{Name: "canopy_theme", Value: v, Path: "/admin/", SameSite: http.SameSiteLaxMode, Secure: u.kit.IsTLS(q.r), MaxAge: 365 * 24 * 3600, HttpOnly: true}
	if v != "light" && v != "dark" {
		c.Value, c.MaxAge = "", -1
	}
	http.SetCookie(q.w, c)
}

// setNav hides or shows the side navigation, remembered for the person (a
// script sends it in the background and answers 204; a form comes back to
// its page).
func (u *UI) setNav(q *req) error {
	collapsed := q.r.PostFormValue("collapsed") == "1"
	if err := q.a.SetNavCollapsed(q.ctx(), collapsed); err != nil {
		return err
	}
	if q.r.Header.Get("X-Requested-With") == "canopy" {
		q.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return q.redirect(refererPath(q.r), "", "")
}
