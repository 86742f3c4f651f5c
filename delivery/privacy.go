package delivery

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/theme"
)

// Page privacy in public delivery: a restricted page is served only to
// visitors who pass every restriction on it and its ancestors, with
// Cache-Control: no-store, and never from (or into) the shared page cache.
// Visitors who must log in are sent to the site's own login page; a password
// restriction shows the password form.

const passwordCookiePrefix = "canopy_pw_"

// passwordCookie names the cookie that proves a restriction's password:
// canopy_pw_PAGE for a page, canopy_pw_cCOLLECTION for a collection.
func passwordCookie(rs canopy.Restriction) string {
	if rs.CollectionID != 0 {
		return passwordCookiePrefix + "c" + strconv.FormatInt(rs.CollectionID, 10)
	}
	return passwordCookiePrefix + strconv.FormatInt(rs.PageID, 10)
}

// hasPassword reports whether the request carries the proof of having entered
// a password restriction's password.
func (s *Server) hasPassword(r *http.Request, site *canopy.Site, rs canopy.Restriction) bool {
	c, err := r.Cookie(passwordCookie(rs))
	if err != nil {
		return false
	}
	want, err := s.svc.PasswordToken(r.Context(), site.ID, rs)
	return err == nil && c.Value == want
}

// checkPrivacy answers for a visitor who does not pass a page's restrictions
// (nil when they pass).
func (s *Server) checkPrivacy(r *http.Request, site *canopy.Site, th *theme.Theme, page *canopy.Page, rs []canopy.Restriction) (*httpkit.CachedPage, error) {
	access, failing := service.CheckPage(rs, func() *service.Viewer { return s.kit.Privacy.Viewer(r, site) },
		func(x canopy.Restriction) bool { return s.hasPassword(r, site, x) })
	switch access {
	case service.NeedLogin:
		e := httpkit.NewRedirect(site.Version, http.StatusFound, "/_login/?next="+url.QueryEscape(r.URL.RequestURI()))
		e.MakePrivate()
		return e, nil
	case service.NeedPassword:
		return s.renderForm(r, site, th, "password.html", http.StatusOK, "Password required", &FormView{Action: "/_password/", Next: r.URL.RequestURI(), PageID: failing.PageID})
	case service.Denied:
		return s.renderForm(r, site, th, "login.html", http.StatusForbidden, "Access denied", &FormView{Action: "/_login/", Next: r.URL.RequestURI(),
			Error: "Your account may not see this page. Log in with another account, or go back to the home page."})
	}
	_ = page
	return nil, nil
}

// renderForm renders the login or password page of a site; private.
func (s *Server) renderForm(r *http.Request, site *canopy.Site, th *theme.Theme, tmpl string, status int, title string, form *FormView) (*httpkit.CachedPage, error) {
	view := PageView{Site: site, Theme: th.Name, RequestPath: r.URL.Path, Form: form,
		Page: PageData{Title: title, TypeClass: strings.TrimSuffix(tmpl, ".html")}}
	var err error
	if view.Settings, err = s.settingsView(r.Context(), site); err != nil {
		return nil, err
	}
	if view.Menu, err = s.menu(r.Context(), site, r.URL.Path); err != nil {
		return nil, err
	}
	e, err := render(th, tmpl, view, status)
	if err == nil {
		e.MakePrivate()
	}
	return e, err
}

// safeNext keeps a post-login destination on this site: a local path only.
func safeNext(next string) string {
	if !canopy.IsLocalPath(next) {
		return "/"
	}
	return next
}

func (s *Server) privacyRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /_login/{$}", s.loginPage)
	m.HandleFunc("POST /_login/{$}", s.loginPage)
	m.HandleFunc("POST /_logout/{$}", s.logoutPage)
	m.HandleFunc("POST /_password/{$}", s.passwordPage)
	m.HandleFunc("POST /_password/collection/{id}/{$}", s.passwordPage)
}

// loginPage is the site's own login form for visitors (restricted pages).
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	site := s.kit.Resolve(r)
	if site == nil {
		http.NotFound(w, r)
		return
	}
	publicHeaders(w.Header(), false)
	th := s.themes.Get(site.Theme)
	form := &FormView{Action: "/_login/", Next: safeNext(r.FormValue("next"))}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		if err := s.kit.COP.Check(r); err != nil {
			http.Error(w, "cross-origin login refused", http.StatusForbidden)
			return
		}
		form.Username = r.PostFormValue("username")
		if _, err := s.kit.Login(w, r, site, form.Username, r.PostFormValue("password")); err == nil {
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, form.Next, http.StatusSeeOther)
			return
		} else {
			form.Error = canopy.ErrorMessage(err)
			status = http.StatusUnauthorized
			if canopy.ErrorCode(err) == canopy.EINTERNAL {
				s.internalError(w, r, err)
				return
			}
		}
	}
	e, err := s.renderForm(r, site, th, "login.html", status, "Log in", form)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	httpkit.WritePage(w, r, e)
}

// logoutPage ends the visitor's session on this site.
func (s *Server) logoutPage(w http.ResponseWriter, r *http.Request) {
	if err := s.kit.COP.Check(r); err != nil {
		http.Error(w, "cross-origin logout refused", http.StatusForbidden)
		return
	}
	if c, err := r.Cookie(httpkit.SessionCookie); err == nil && c.Value != "" {
		_ = s.svc.EndSession(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: httpkit.SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1, Secure: s.kit.IsTLS(r)})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther)
}

// passwordPage checks a page's password and gives the visitor its proof.
func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	site := s.kit.Resolve(r)
	if site == nil {
		http.NotFound(w, r)
		return
	}
	publicHeaders(w.Header(), false)
	if err := s.kit.COP.Check(r); err != nil {
		http.Error(w, "cross-origin form refused", http.StatusForbidden)
		return
	}
	next := safeNext(r.PostFormValue("next"))
	var rs []canopy.Restriction
	var pageID int64
	form := &FormView{Action: "/_password/", Next: next}
	if v := r.PathValue("id"); v != "" {
		// A collection's password (its documents).
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		c, err := s.svc.Content(site.ID).Collection(r.Context(), id)
		if canopy.ErrorCode(err) == canopy.ENOTFOUND {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if c.Restriction != nil {
			rs = []canopy.Restriction{*c.Restriction}
		}
		pageID = -id // the throttle's key: never a page's
		form.Action, form.Document = "/_password/collection/"+v+"/", true
	} else {
		id, err := strconv.ParseInt(r.PostFormValue("page_id"), 10, 64)
		if err != nil {
			http.Error(w, "bad request: page_id", http.StatusBadRequest)
			return
		}
		pageID, form.PageID = id, id
		if rs, err = s.svc.Content(site.ID).PageRestrictions(r.Context(), []int64{pageID}); err != nil {
			s.internalError(w, r, err)
			return
		}
	}
	if len(rs) != 1 || rs[0].Kind != "password" {
		http.NotFound(w, r)
		return
	}
	// Per page and address, and a slower limit per page: a visitor cannot
	// lock everyone else out of the page.
	page := strconv.FormatInt(pageID, 10)
	keys := map[string]string{"pageaddr": page + "|" + s.kit.ClientAddr(r), "page": page}
	if wait := s.kit.Logins.Blocked(keys); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		http.Error(w, "too many wrong passwords; try again later", http.StatusTooManyRequests)
		return
	}
	if !service.CheckPassword(&canopy.User{PasswordHash: rs[0].PasswordHash}, r.PostFormValue("password")) {
		s.kit.Logins.Fail(keys)
		form.Error = "That password is not right."
		e, err := s.renderForm(r, site, s.themes.Get(site.Theme), "password.html", http.StatusUnauthorized, "Password required", form)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		httpkit.WritePage(w, r, e)
		return
	}
	token, err := s.svc.PasswordToken(r.Context(), site.ID, rs[0])
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: passwordCookie(rs[0]), Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.kit.IsTLS(r)})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, next, http.StatusSeeOther)
}
