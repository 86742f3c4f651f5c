package adminui

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// view is what every screen's template receives.
type view struct {
	Title string
	Site  *canopy.Site
	User  *canopy.User
	Menu  []menuItem
	// Search: the shell shows its search box (everywhere but on the search
	// screen, which has its own).
	Search  bool
	Crumbs  []crumb
	CSRF    string
	Theme   string // "", "light" or "dark"
	CSS, JS string
	// EditorJS is the rich-text editor's script, on screens that edit rich
	// text only.
	EditorJS string
	// LibraryJS is the media library's script (uploads, focal point).
	LibraryJS string
	// NavCollapsed: the person keeps the side navigation hidden.
	NavCollapsed bool
	Flash        []flash
	// Fragment: rendered without the shell (chooser contents).
	Fragment bool
	Data     any
}

type menuItem struct {
	Label, URL string
	Current    bool
	// Children make a sub-menu (Open when one of them is current).
	Children []menuItem
	Open     bool
}

type crumb struct{ Label, URL string }

type flash struct{ Kind, Text string }

// req is one authenticated admin UI request.
type req struct {
	w    http.ResponseWriter
	r    *http.Request
	ui   *UI
	site *canopy.Site
	a    *service.Admin
	csrf string
	// section names the menu item this screen belongs to.
	section string
	flashes []flash
	crumbs  []crumb
	// csrfOK: the request's CSRF token was checked (uploads check theirs).
	csrfOK bool
	// richText: the screen edits rich text (it loads the editor's script).
	richText bool
	// library: a media library screen (it loads the library's script).
	library bool
}

func (q *req) ctx() context.Context { return q.r.Context() }

type handler func(q *req) error

func (u *UI) parseTemplates() error {
	shared := []string{"templates/layout.html", "templates/components.html"}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	u.screens = map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" || name == "components" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, append(shared, f)...)
		if err != nil {
			return fmt.Errorf("admin template %s: %w", name, err)
		}
		u.screens[name] = t
	}
	return nil
}

// render writes a screen (status 200 unless given).
func (q *req) render(status int, screen, title string, data any) error {
	v := q.view(title, data)
	return q.ui.write(q.w, status, screen, v)
}

// fragment writes a screen's "main" block alone (a chooser's contents).
func (q *req) fragment(screen string, data any) error {
	v := q.view("", data)
	v.Fragment = true
	return q.ui.write(q.w, http.StatusOK, screen, v)
}

// partial writes one named block of a screen (a chooser's results).
func (q *req) partial(screen, block string, data any) error {
	v := q.view("", data)
	v.Fragment = true
	return q.ui.writeBlock(q.w, http.StatusOK, screen, block, v)
}

func (u *UI) write(w http.ResponseWriter, status int, screen string, v *view) error {
	root := "layout"
	if v.Fragment {
		root = "main"
	}
	return u.writeBlock(w, status, screen, root, v)
}

func (u *UI) writeBlock(w http.ResponseWriter, status int, screen, root string, v *view) error {
	t := u.screens[screen]
	if t == nil {
		return fmt.Errorf("no admin screen %q", screen)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, root, v); err != nil {
		return err
	}
	securityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
	return nil
}

func (q *req) view(title string, data any) *view {
	v := &view{Title: title, Site: q.site, CSRF: q.csrf, Theme: themeOf(q.r), CSS: q.ui.AssetURL("admin.css"),
		Flash: q.flashes, Data: data, Crumbs: q.crumbs}
	if q.richText {
		v.EditorJS = q.ui.AssetURL("editor.js")
	}
	if q.library {
		v.LibraryJS = q.ui.AssetURL("library.js")
	}
	if q.a != nil {
		// The login page and other screens without a user need no script.
		v.JS = q.ui.AssetURL("admin.js")
		v.User = q.a.User
		v.NavCollapsed = q.a.User.NavCollapsed
		v.Menu = q.ui.menu(q)
		v.Search = !strings.HasPrefix(q.r.URL.Path, "/admin/search/")
	}
	return v
}

// menu is built from this site's permissions only: an item the user may
// not use is not there.
func (u *UI) menu(q *req) []menuItem {
	items := []menuItem{{Label: "Dashboard", URL: "/admin/", Current: q.section == "dashboard"}}
	if q.a.Check.User.Superuser || q.a.Check.User.ExplorableRoot() != "" {
		items = append(items, menuItem{Label: "Pages", URL: "/admin/pages/", Current: q.section == "pages"})
	}
	for _, k := range []libKind{imagesLib, documentsLib} {
		if q.a.ManagesMedia(k.Kind) || q.a.SharedLibraryVisible(k.Kind) {
			items = append(items, menuItem{Label: k.Label, URL: k.Path, Current: q.section == k.Plural})
		}
	}
	if q.a.User.IsSuperuser || q.a.Check.User.ManagesCollections() {
		items = append(items, menuItem{Label: "Collections", URL: "/admin/collections/", Current: q.section == "collections"})
	}
	if types := q.a.SnippetTypes(); len(types) > 0 {
		sn := menuItem{Label: "Snippets"}
		for _, st := range types {
			cur := q.section == "snippet:"+st.Name
			sn.Children = append(sn.Children, menuItem{Label: st.Label, URL: "/admin/snippets/" + url.PathEscape(st.Name) + "/", Current: cur})
			sn.Open, sn.Current = sn.Open || cur, sn.Current || cur
		}
		items = append(items, sn)
	}
	if sets := q.a.SettingsTypes(); len(sets) == 1 {
		items = append(items, menuItem{Label: "Settings", URL: "/admin/settings/" + url.PathEscape(sets[0].Type.Name) + "/", Current: q.section == "settings"})
	} else if len(sets) > 1 {
		m := menuItem{Label: "Settings"}
		for _, s := range sets {
			cur := q.section == "settings" && q.r.PathValue("name") == s.Type.Name
			m.Children = append(m.Children, menuItem{Label: s.Type.Label, URL: "/admin/settings/" + url.PathEscape(s.Type.Name) + "/", Current: cur})
			m.Open, m.Current = m.Open || cur, m.Current || cur
		}
		items = append(items, m)
	}
	if len(q.a.RedirectActions()) > 0 {
		items = append(items, menuItem{Label: "Redirects", URL: "/admin/redirects/", Current: q.section == "redirects"})
	}
	if len(q.a.UserActions()) > 0 {
		items = append(items, menuItem{Label: "Users", URL: "/admin/users/", Current: q.section == "users"})
	}
	if len(q.a.GroupActions()) > 0 {
		items = append(items, menuItem{Label: "Groups", URL: "/admin/groups/", Current: q.section == "groups"})
	}
	if len(q.a.WorkflowActions()) > 0 {
		items = append(items, menuItem{Label: "Workflows", URL: "/admin/workflows/", Current: q.section == "workflows"})
	}
	if reports := q.ui.reports(q); len(reports) > 0 {
		m := menuItem{Label: "Reports"}
		for _, r := range reports {
			cur := q.r.URL.Path == r.URL
			m.Children = append(m.Children, menuItem{Label: r.Label, URL: r.URL, Current: cur})
			m.Open, m.Current = m.Open || cur, m.Current || cur
		}
		items = append(items, m)
	}
	return items
}

// reports lists the reports the user may read on this site.
func (u *UI) reports(q *req) []menuItem {
	var out []menuItem
	if q.a.ReadsHistory() {
		out = append(out, menuItem{Label: "Site history", URL: "/admin/reports/history/"},
			menuItem{Label: "Locked pages", URL: "/admin/reports/locked/"},
			menuItem{Label: "Waiting to go live", URL: "/admin/reports/scheduled/"},
			menuItem{Label: "Aging pages", URL: "/admin/reports/aging/"},
			menuItem{Label: "Broken links", URL: "/admin/reports/broken-links/"})
	}
	if len(q.a.WorkflowActions()) > 0 {
		out = append(out, menuItem{Label: "Pages in moderation", URL: "/admin/reports/moderation/"})
	}
	return out
}

func themeOf(r *http.Request) string {
	if c, err := r.Cookie("canopy_theme"); err == nil && (c.Value == "light" || c.Value == "dark") {
		return c.Value
	}
	return ""
}

// ---- the request wrapper ----

// screen authenticates an admin UI request on its site and runs h: a
// visitor without a session goes to the login page (a form post is kept and
// can be re-sent after logging in); unsafe methods need the CSRF token as
// well as the kit's cross-origin check; errors become error screens.
func (u *UI) screen(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := &req{w: w, r: r, ui: u, site: u.kit.Resolve(r)}
		if q.site == nil {
			securityHeaders(w.Header())
			http.Error(w, "no site is configured for this host", http.StatusNotFound)
			return
		}
		c, err := r.Cookie(httpkit.SessionCookie)
		if err != nil || c.Value == "" {
			u.needLogin(q, "")
			return
		}
		ar, err := u.kit.AdminFor(r, true)
		if err != nil {
			switch {
			case errors.Is(err, service.ErrNoAccount):
				u.noAccount(q)
			case errors.Is(err, service.ErrInactive):
				u.needLogin(q, "This account is inactive. Ask an administrator of "+q.site.Name+" to reactivate it.")
			case canopy.ErrorCode(err) == canopy.EUNAUTHENTICATED:
				u.needLogin(q, "") // an ended or unknown session
			default:
				u.fail(q, err)
			}
			return
		}
		q.a = ar.Admin
		q.csrf = u.csrfToken(r, c.Value)
		if err := q.a.RequireAdminAccess(); err != nil {
			u.fail(q, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			q.csrfOK = hmac.Equal([]byte(r.Header.Get("X-CSRF-Token")), []byte(q.csrf))
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
				// Uploads are streamed by their handler, which checks the
				// form's token itself (q.csrfOK says whether the header did).
				if !q.csrfOK && !streamsUpload(r.URL.Path) {
					u.fail(q, errCSRF)
					return
				}
			} else {
				if err := parseFormBody(w, r); err != nil {
					u.fail(q, err)
					return
				}
				if !q.csrfOK && !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(q.csrf)) {
					u.fail(q, errCSRF)
					return
				}
				q.csrfOK = true
			}
		}
		q.flashes = u.takeFlash(w, r)
		if err := h(q); err != nil {
			u.fail(q, err)
		}
	}
}

// streamsUpload reports whether a path's handler reads a multipart upload
// itself, the form's CSRF token included (it must check it).
func streamsUpload(p string) bool {
	if strings.HasPrefix(p, "/admin/choose/") || p == "/admin/redirects/import/" {
		return true
	}
	return (strings.HasPrefix(p, "/admin/images/") || strings.HasPrefix(p, "/admin/documents/")) &&
		(strings.HasSuffix(p, "/add/") || strings.HasSuffix(p, "/file/"))
}

var errCSRF = canopy.Errorf(canopy.EFORBIDDEN, "this form has expired or did not come from this site's admin (missing or wrong CSRF token); go back, reload the page and try again")

// maxForm bounds a form body; uploads have their own, larger limit.
const maxForm = 4 << 20

// parseFormBody reads a form body of at most maxForm bytes. The CSRF token
// is then read from the body (PostFormValue) or the header, never from the
// query string, where it would leak into logs and Referer headers.
func parseFormBody(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return canopy.Errorf(canopy.ETOOLARGE, "the form is larger than %d MiB and was not saved: shorten the text (large files go in the image or document library), then try again", maxForm>>20)
		}
		return canopy.Errorf(canopy.EINVALID, "the form could not be read: %v", err)
	}
	return nil
}

// fail renders an error screen: not found and forbidden alike show no detail
// of the object.
func (u *UI) fail(q *req, err error) {
	code, status, msg := u.kit.Classify(q.w, q.r, err)
	title := map[string]string{canopy.ENOTFOUND: "Not found", canopy.EFORBIDDEN: "Not allowed", canopy.EINVALID: "That did not work",
		canopy.ECONFLICT: "That did not work", canopy.ETOOLARGE: "Too large", canopy.EUNAVAILABLE: "Busy, try again", canopy.EINTERNAL: "Something went wrong"}[code]
	if title == "" {
		title = "Error"
	}
	if q.fragmentWanted() {
		securityHeaders(q.w.Header())
		q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q.w.WriteHeader(status)
		fmt.Fprintf(q.w, `<div class="message error" role="alert">%s</div>`, template.HTMLEscapeString(msg))
		return
	}
	if err := q.render(status, "error", title, map[string]any{"Message": msg, "Status": status}); err != nil {
		u.log.Error("render error page", "err", err)
	}
}

func (q *req) fragmentWanted() bool { return q.r.Header.Get("X-Requested-With") == "canopy" }

func (u *UI) notFound(q *req) error {
	return canopy.Errorf(canopy.ENOTFOUND, "there is no admin screen at %s", q.r.URL.Path)
}

// redirect answers a form post with 303 and a message shown on the next screen.
func (q *req) redirect(to, kind, text string) error {
	if text != "" {
		q.ui.setFlash(q.w, q.r, kind, text)
	}
	http.Redirect(q.w, q.r, to, http.StatusSeeOther)
	return nil
}

// ---- CSRF and signed cookies ----

func (u *UI) key(r *http.Request) []byte {
	k, err := u.kit.Svc.UIKey(r.Context())
	if err != nil {
		u.log.Error("admin UI key", "err", err)
		return nil
	}
	return k
}

func (u *UI) sign(r *http.Request, purpose, value string) string {
	m := hmac.New(sha256.New, u.key(r))
	m.Write([]byte(purpose + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfToken is bound to the session: a token of one session (or site) is
// worthless in another.
func (u *UI) csrfToken(r *http.Request, session string) string {
	return u.sign(r, "csrf", service.SessionKey(session))
}

const flashCookie = "canopy_flash"

func (u *UI) setFlash(w http.ResponseWriter, r *http.Request, kind, text string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + text))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v + "." + u.sign(r, "flash", v), Path: "/admin/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: u.kit.IsTLS(r), MaxAge: 60})
}

func (u *UI) takeFlash(w http.ResponseWriter, r *http.Request) []flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/admin/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.kit.IsTLS(r)})
	v, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(u.sign(r, "flash", v))) {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	kind, text, _ := strings.Cut(string(raw), "\x00")
	return []flash{{Kind: kind, Text: text}}
}

// localNext keeps a next= target only if it is a path of this admin.
func localNext(next string) string {
	if !canopy.IsLocalPath(next) || !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "/admin/login/") {
		return "/admin/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" {
		return "/admin/"
	}
	return next
}

// refererPath is the admin path the request came from on this host ("/admin/" otherwise).
func refererPath(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return "/admin/"
	}
	return localNext(ref.RequestURI())
}
