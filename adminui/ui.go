// Package adminui is Canopy's admin web UI at /admin/ on every site's own
// host: server-rendered html/template screens whose every control comes
// from the permission engine's answer, with small JavaScript enhancements
// bundled from npm packages by esbuild (internal/assetbuild) into dist/.
//
// Handlers call service.Admin, the same operations as the JSON API; the
// server checks every action again on every request (docs/admin-ui.md).
package adminui

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed dist
var distFS embed.FS

// Options configure the admin UI.
type Options struct {
	Logger *slog.Logger
	// SiteByID finds a site of the installation (for "my sites").
	SiteByID func(*http.Request, int64) *canopy.Site
	// Preview renders a page that is not live with its site's theme.
	Preview func(r *http.Request, site *canopy.Site, p *canopy.Page, ancestors []*canopy.Page) ([]byte, error)
}

// UI serves the admin web UI.
type UI struct {
	kit      *httpkit.Kit
	log      *slog.Logger
	opt      Options
	screens  map[string]*template.Template
	assets   map[string]asset // by file name
	manifest map[string]string
	previews *previews
}

type asset struct {
	data, gz    []byte
	contentType string
}

// New parses the templates and loads the bundled assets.
func New(kit *httpkit.Kit, opt Options) (*UI, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	u := &UI{kit: kit, log: opt.Logger, opt: opt, assets: map[string]asset{}, previews: newPreviews()}
	if err := u.loadAssets(); err != nil {
		return nil, err
	}
	if err := u.parseTemplates(); err != nil {
		return nil, err
	}
	return u, nil
}

func (u *UI) loadAssets() error {
	raw, err := distFS.ReadFile("dist/manifest.json")
	if err != nil {
		return fmt.Errorf("admin assets: %w", err)
	}
	if err := json.Unmarshal(raw, &u.manifest); err != nil {
		return fmt.Errorf("admin assets manifest: %w", err)
	}
	entries, err := fs.ReadDir(distFS, "dist")
	if err != nil {
		return err
	}
	for _, e := range entries {
		data, err := distFS.ReadFile("dist/" + e.Name())
		if err != nil {
			return err
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(data)
		_ = zw.Close()
		ct := "application/octet-stream"
		switch path.Ext(e.Name()) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".txt":
			ct = "text/plain; charset=utf-8"
		case ".json":
			ct = "application/json"
		}
		u.assets[e.Name()] = asset{data: data, gz: b.Bytes(), contentType: ct}
	}
	for logical, file := range u.manifest {
		if _, ok := u.assets[file]; !ok {
			return fmt.Errorf("admin assets: manifest names %s for %s, which is missing", file, logical)
		}
	}
	return nil
}

// AssetURL is the immutable URL of a bundled asset by its logical name.
func (u *UI) AssetURL(logical string) string { return "/admin/static/" + u.manifest[logical] }

// ShippedBytes is what a first admin page view downloads of JavaScript and
// CSS: raw and gzipped sizes.
func (u *UI) ShippedBytes() (raw, gz int) {
	for _, logical := range []string{"admin.js", "admin.css"} {
		a := u.assets[u.manifest[logical]]
		raw += len(a.data)
		gz += len(a.gz)
	}
	return raw, gz
}

func (u *UI) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	a, ok := u.assets[name]
	if !ok || name == "manifest.json" {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if strings.HasSuffix(name, ".txt") {
		h.Set("Cache-Control", "public, max-age=3600")
	} else {
		// Content-hashed names: a new build is a new URL.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	body := a.data
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// Routes registers the admin UI's routes (the JSON API keeps /admin/api/).
func (u *UI) Routes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/static/{file}", u.serveStatic)
	m.HandleFunc("GET /admin/login/{$}", u.loginPage)
	m.HandleFunc("POST /admin/login/{$}", u.loginSubmit)
	m.HandleFunc("GET /admin/invite/{token}/{$}", u.invitePage)
	m.HandleFunc("POST /admin/invite/{token}/{$}", u.invitePage)
	m.HandleFunc("POST /admin/logout/{$}", u.logout)
	m.HandleFunc("GET /admin/{$}", u.screen(u.dashboard))
	m.HandleFunc("POST /admin/reviews/{id}/{$}", u.screen(u.reviewFromDashboard))
	m.HandleFunc("POST /admin/notifications/read/{$}", u.screen(u.markRead))
	m.HandleFunc("GET /admin/notifications/{$}", u.screen(u.notificationsPage))
	m.HandleFunc("GET /admin/account/{$}", u.screen(u.account))
	m.HandleFunc("POST /admin/account/{$}", u.screen(u.accountSubmit))
	m.HandleFunc("POST /admin/account/sessions/{$}", u.screen(u.accountEndSessions))
	m.HandleFunc("POST /admin/account/preferences/{$}", u.screen(u.accountPreferences))
	m.HandleFunc("POST /admin/account/tokens/{$}", u.screen(u.accountCreateToken))
	m.HandleFunc("POST /admin/account/tokens/{id}/delete/{$}", u.screen(u.accountDeleteToken))
	m.HandleFunc("POST /admin/notifications/prefs/{$}", u.screen(u.notificationPrefs))
	m.HandleFunc("GET /admin/my-sites/{$}", u.screen(u.mySites))
	m.HandleFunc("POST /admin/theme/{$}", u.screen(u.setTheme))
	m.HandleFunc("POST /admin/nav/{$}", u.screen(u.setNav))
	m.HandleFunc("GET /admin/pages/{$}", u.screen(u.explorerRoot))
	m.HandleFunc("GET /admin/pages/{id}/{$}", u.screen(u.explorer))
	m.HandleFunc("GET /admin/pages/{id}/add/{$}", u.screen(u.addChooseType))
	m.HandleFunc("GET /admin/pages/{id}/add/{type}/{$}", u.screen(u.addForm))
	m.HandleFunc("POST /admin/pages/{id}/add/{type}/{$}", u.screen(u.addSubmit))
	m.HandleFunc("GET /admin/pages/{id}/edit/{$}", u.screen(u.editForm))
	m.HandleFunc("POST /admin/pages/{id}/edit/{$}", u.screen(u.editSubmit))
	m.HandleFunc("POST /admin/pages/{id}/lock/{$}", u.screen(u.lock(true)))
	m.HandleFunc("POST /admin/pages/{id}/unlock/{$}", u.screen(u.lock(false)))
	m.HandleFunc("POST /admin/pages/{id}/comments/{$}", u.screen(u.addComment))
	m.HandleFunc("POST /admin/pages/{id}/comments/follow/{$}", u.screen(u.followComments))
	m.HandleFunc("POST /admin/pages/{id}/comments/{cid}/resolve/{$}", u.screen(u.resolveComment))
	m.HandleFunc("POST /admin/pages/{id}/unschedule/{$}", u.screen(u.unschedule))
	m.HandleFunc("POST /admin/pages/{id}/workflow/{$}", u.screen(u.workflowAction))
	m.HandleFunc("GET /admin/choose/page/{$}", u.screen(u.choosePage))
	m.HandleFunc("GET /admin/choose/image/{$}", u.screen(u.chooseImage))
	m.HandleFunc("POST /admin/choose/image/{$}", u.screen(u.uploadImage))
	m.HandleFunc("GET /admin/choose/document/{$}", u.screen(u.chooseDocument))
	m.HandleFunc("POST /admin/choose/document/{$}", u.screen(u.uploadDocument))
	m.HandleFunc("GET /admin/choose/snippet/{type}/{$}", u.screen(u.chooseSnippet))
	m.HandleFunc("POST /admin/choose/snippet/{type}/{$}", u.screen(u.createSnippet))
	m.HandleFunc("POST /admin/pages/{id}/preview/{$}", u.screen(u.previewSubmit))
	m.HandleFunc("POST /admin/pages/{id}/add/{type}/preview/{$}", u.screen(u.previewNew))
	m.HandleFunc("GET /admin/preview/{token}/{$}", u.screen(u.previewShell))
	m.HandleFunc("GET /admin/preview/{token}/render/{$}", u.screen(u.previewRender))
	m.HandleFunc("GET /admin/pages/{id}/delete/{$}", u.screen(u.deleteConfirm))
	m.HandleFunc("POST /admin/pages/{id}/delete/{$}", u.screen(u.deleteSubmit))
	m.HandleFunc("GET /admin/pages/{id}/unpublish/{$}", u.screen(u.unpublishConfirm))
	m.HandleFunc("POST /admin/pages/{id}/unpublish/{$}", u.screen(u.unpublishSubmit))
	m.HandleFunc("GET /admin/pages/{id}/move/{$}", u.screen(u.moveForm))
	m.HandleFunc("POST /admin/pages/{id}/move/{$}", u.screen(u.moveSubmit))
	m.HandleFunc("GET /admin/pages/{id}/copy/{$}", u.screen(u.copyForm))
	m.HandleFunc("POST /admin/pages/{id}/copy/{$}", u.screen(u.copySubmit))
	m.HandleFunc("GET /admin/pages/{id}/reorder/{$}", u.screen(u.reorderForm))
	m.HandleFunc("POST /admin/pages/{id}/reorder/{$}", u.screen(u.reorderSubmit))
	m.HandleFunc("GET /admin/snippets/{type}/{$}", u.screen(u.snippetsList))
	m.HandleFunc("GET /admin/snippets/{type}/add/{$}", u.screen(u.snippetAdd))
	m.HandleFunc("POST /admin/snippets/{type}/add/{$}", u.screen(u.snippetAdd))
	m.HandleFunc("GET /admin/snippets/{type}/{id}/{$}", u.screen(u.snippetEdit))
	m.HandleFunc("POST /admin/snippets/{type}/{id}/{$}", u.screen(u.snippetEdit))
	m.HandleFunc("GET /admin/snippets/{type}/{id}/usage/{$}", u.screen(u.snippetUsage))
	m.HandleFunc("GET /admin/snippets/{type}/{id}/delete/{$}", u.screen(u.snippetDelete))
	m.HandleFunc("POST /admin/snippets/{type}/{id}/delete/{$}", u.screen(u.snippetDelete))
	for _, k := range []string{"images", "documents"} {
		base := "/admin/" + k + "/"
		m.HandleFunc("GET "+base+"{$}", u.screen(u.libraryList))
		m.HandleFunc("GET "+base+"add/{$}", u.screen(u.libraryAdd))
		m.HandleFunc("POST "+base+"add/{$}", u.screen(u.libraryUpload))
		m.HandleFunc("GET "+base+"bulk/{$}", u.screen(u.libraryBulk))
		m.HandleFunc("POST "+base+"bulk/{$}", u.screen(u.libraryBulk))
		m.HandleFunc("GET "+base+"{id}/{$}", u.screen(u.libraryEdit))
		m.HandleFunc("POST "+base+"{id}/{$}", u.screen(u.libraryEditSubmit))
		m.HandleFunc("POST "+base+"{id}/file/{$}", u.screen(u.libraryReplace))
		m.HandleFunc("GET "+base+"{id}/usage/{$}", u.screen(u.libraryUsage))
		m.HandleFunc("GET "+base+"{id}/delete/{$}", u.screen(u.libraryDelete))
		m.HandleFunc("POST "+base+"{id}/delete/{$}", u.screen(u.libraryDelete))
	}
	m.HandleFunc("GET /admin/collections/{$}", u.screen(u.collectionsList))
	m.HandleFunc("GET /admin/collections/add/{$}", u.screen(u.collectionAdd))
	m.HandleFunc("POST /admin/collections/add/{$}", u.screen(u.collectionAdd))
	m.HandleFunc("GET /admin/collections/{id}/{$}", u.screen(u.collectionEdit))
	m.HandleFunc("POST /admin/collections/{id}/{$}", u.screen(u.collectionEdit))
	m.HandleFunc("GET /admin/collections/{id}/privacy/{$}", u.screen(u.collectionPrivacy))
	m.HandleFunc("POST /admin/collections/{id}/privacy/{$}", u.screen(u.collectionPrivacy))
	m.HandleFunc("GET /admin/collections/{id}/delete/{$}", u.screen(u.collectionDelete))
	m.HandleFunc("POST /admin/collections/{id}/delete/{$}", u.screen(u.collectionDelete))
	m.HandleFunc("GET /admin/groups/{$}", u.screen(u.groupsList))
	m.HandleFunc("GET /admin/groups/add/{$}", u.screen(u.groupAdd))
	m.HandleFunc("POST /admin/groups/add/{$}", u.screen(u.groupAdd))
	m.HandleFunc("GET /admin/groups/{id}/{$}", u.screen(u.groupEdit))
	m.HandleFunc("POST /admin/groups/{id}/{$}", u.screen(u.groupEdit))
	m.HandleFunc("GET /admin/workflows/{$}", u.screen(u.workflowsList))
	m.HandleFunc("GET /admin/workflows/add/{$}", u.screen(u.workflowAdd))
	m.HandleFunc("POST /admin/workflows/add/{$}", u.screen(u.workflowAdd))
	m.HandleFunc("GET /admin/workflows/{id}/{$}", u.screen(u.workflowEdit))
	m.HandleFunc("POST /admin/workflows/{id}/{$}", u.screen(u.workflowEdit))
	m.HandleFunc("POST /admin/workflows/{id}/pages/{$}", u.screen(u.workflowAttach))
	m.HandleFunc("GET /admin/workflows/{id}/deactivate/{$}", u.screen(u.workflowActive))
	m.HandleFunc("POST /admin/workflows/{id}/deactivate/{$}", u.screen(u.workflowActive))
	m.HandleFunc("POST /admin/workflows/{id}/activate/{$}", u.screen(u.workflowActive))
	m.HandleFunc("GET /admin/reports/moderation/{$}", u.screen(u.moderationReport))
	m.HandleFunc("GET /admin/reports/history/{$}", u.screen(u.siteHistory))
	m.HandleFunc("GET /admin/reports/history/export/{$}", u.screen(u.historyExport))
	m.HandleFunc("GET /admin/reports/locked/{$}", u.screen(u.pageReport("locked")))
	m.HandleFunc("GET /admin/reports/scheduled/{$}", u.screen(u.pageReport("scheduled")))
	m.HandleFunc("GET /admin/reports/aging/{$}", u.screen(u.pageReport("aging")))
	m.HandleFunc("GET /admin/reports/broken-links/{$}", u.screen(u.brokenLinks))
	m.HandleFunc("GET /admin/groups/{id}/permissions/{$}", u.screen(u.groupPermissions))
	m.HandleFunc("POST /admin/groups/{id}/permissions/{$}", u.screen(u.groupPermissions))
	m.HandleFunc("GET /admin/groups/{id}/delete/{$}", u.screen(u.groupDelete))
	m.HandleFunc("POST /admin/groups/{id}/delete/{$}", u.screen(u.groupDelete))
	m.HandleFunc("GET /admin/users/{$}", u.screen(u.usersList))
	m.HandleFunc("GET /admin/users/add/{$}", u.screen(u.userAdd))
	m.HandleFunc("POST /admin/users/add/{$}", u.screen(u.userAdd))
	m.HandleFunc("GET /admin/users/{id}/{$}", u.screen(u.userEdit))
	m.HandleFunc("POST /admin/users/{id}/{$}", u.screen(u.userEdit))
	m.HandleFunc("GET /admin/users/{id}/remove/{$}", u.screen(u.userRemove))
	m.HandleFunc("POST /admin/users/{id}/remove/{$}", u.screen(u.userRemove))
	m.HandleFunc("GET /admin/settings/{$}", u.screen(u.settingsIndex))
	m.HandleFunc("GET /admin/settings/{name}/{$}", u.screen(u.settingsEdit))
	m.HandleFunc("POST /admin/settings/{name}/{$}", u.screen(u.settingsEdit))
	m.HandleFunc("GET /admin/redirects/{$}", u.screen(u.redirectsList))
	m.HandleFunc("GET /admin/redirects/add/{$}", u.screen(u.redirectAdd))
	m.HandleFunc("POST /admin/redirects/add/{$}", u.screen(u.redirectAddSubmit))
	m.HandleFunc("GET /admin/redirects/import/{$}", u.screen(u.redirectImportForm))
	m.HandleFunc("POST /admin/redirects/import/{$}", u.screen(u.redirectImport))
	m.HandleFunc("GET /admin/redirects/export/{$}", u.screen(u.redirectExport))
	m.HandleFunc("GET /admin/redirects/{id}/{$}", u.screen(u.redirectEdit))
	m.HandleFunc("POST /admin/redirects/{id}/{$}", u.screen(u.redirectEditSubmit))
	m.HandleFunc("GET /admin/redirects/{id}/delete/{$}", u.screen(u.redirectDelete))
	m.HandleFunc("POST /admin/redirects/{id}/delete/{$}", u.screen(u.redirectDelete))
	m.HandleFunc("GET /admin/search/{$}", u.screen(u.searchAll))
	m.HandleFunc("GET /admin/search/pages/{$}", u.screen(u.searchPages))
	m.HandleFunc("GET /admin/pages/{id}/history/{$}", u.screen(u.pageHistory))
	m.HandleFunc("GET /admin/pages/{id}/revisions/{$}", u.screen(u.revisions))
	m.HandleFunc("GET /admin/pages/{id}/revisions/compare/{$}", u.screen(u.revisionCompare))
	m.HandleFunc("GET /admin/pages/{id}/revisions/{rid}/{$}", u.screen(u.revisionView))
	m.HandleFunc("POST /admin/pages/{id}/revisions/{rid}/revert/{$}", u.screen(u.revert))
	m.HandleFunc("GET /admin/pages/{id}/privacy/{$}", u.screen(u.privacyForm))
	m.HandleFunc("POST /admin/pages/{id}/privacy/{$}", u.screen(u.privacySubmit))
	m.HandleFunc("/admin/", u.screen(u.notFound))
}

// securityHeaders are set on every admin HTML answer: a strict CSP (no
// inline script or style, no eval), no caching, no framing by other origins.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "+
		"connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "SAMEORIGIN")
}
