package adminui

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/canopy-cms/canopy"
)

// Preview renders the form's current contents with the site's own theme,
// never cached, never public: the rendering is kept in memory for a few
// minutes under a random token bound to the user and the site, and served
// only to them, with noindex.

const previewTTL = 15 * time.Minute

type previewEntry struct {
	site, user int64
	html       []byte
	title      string
	editURL    string
	expires    time.Time
}

type previews struct {
	mu sync.Mutex
	m  map[string]*previewEntry
}

func newPreviews() *previews { return &previews{m: map[string]*previewEntry{}} }

func (p *previews) put(e *previewEntry) string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now()
	e.expires = now.Add(previewTTL)
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range p.m {
		if now.After(v.expires) {
			delete(p.m, k)
		}
	}
	// Bound the memory: at most 1,000 previews at once.
	if len(p.m) >= 1000 {
		for k := range p.m {
			delete(p.m, k)
			break
		}
	}
	p.m[tok] = e
	return tok
}

func (p *previews) get(tok string, site, user int64) *previewEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.m[tok]
	if e == nil || time.Now().After(e.expires) || e.site != site || e.user != user {
		return nil
	}
	return e
}

func (u *UI) previewSubmit(q *req) error {
	v, pt, err := u.editing(q)
	if err != nil {
		return err
	}
	back := "/admin/pages/" + strconv.FormatInt(v.Page.ID, 10) + "/edit/"
	form, patch := parsePageForm(q.r, pt, u.kit.Svc.Snippets)
	if form.summarize() {
		return u.showPreviewError(q, form, back)
	}
	p, anc, err := q.a.Preview(q.ctx(), v.Page.ID, patch)
	if err != nil {
		return err
	}
	return u.storePreview(q, p, anc, back)
}

func (u *UI) previewNew(q *req) error {
	parent, pt, err := u.adding(q)
	if err != nil {
		return err
	}
	form, patch := parsePageForm(q.r, pt, u.kit.Svc.Snippets)
	if form.Slug.Value == "" {
		s := canopy.Slugify(form.Title.Value)
		patch.Slug = &s
	}
	back := "/admin/pages/" + strconv.FormatInt(parent.ID, 10) + "/add/" + pt.Name + "/"
	if form.summarize() {
		return u.showPreviewError(q, form, back)
	}
	p, anc, err := q.a.PreviewNew(q.ctx(), parent.ID, pt.Name, patch)
	if err != nil {
		return err
	}
	return u.storePreview(q, p, anc, back)
}

func (u *UI) showPreviewError(q *req, form *pageForm, back string) error {
	for i := range form.Errors {
		form.Errors[i].Anchor = "" // the fields are in the editor's tab
	}
	return q.render(http.StatusBadRequest, "preview_error", "Preview", map[string]any{"Errors": form.Errors, "Back": back})
}

func (u *UI) storePreview(q *req, p *canopy.Page, anc []*canopy.Page, back string) error {
	if u.opt.Preview == nil {
		return canopy.Errorf(canopy.EINTERNAL, "preview is not configured")
	}
	html, err := u.opt.Preview(q.r, q.site, p, anc)
	if err != nil {
		return err
	}
	tok := u.previews.put(&previewEntry{site: q.site.ID, user: q.a.User.ID, html: html, title: p.Title, editURL: back})
	http.Redirect(q.w, q.r, "/admin/preview/"+tok+"/", http.StatusSeeOther)
	return nil
}

func (u *UI) previewShell(q *req) error {
	e := u.previews.get(q.r.PathValue("token"), q.site.ID, q.a.User.ID)
	if e == nil {
		return canopy.Errorf(canopy.ENOTFOUND, "this preview has expired: preview the page again from its editor")
	}
	q.section = "pages"
	size := q.r.URL.Query().Get("size")
	if size != "mobile" {
		size = "desktop"
	}
	q.crumbs = []crumb{{Label: e.title, URL: e.editURL}, {Label: "Preview"}}
	return q.render(http.StatusOK, "preview", "Preview of "+e.title, map[string]any{"Token": q.r.PathValue("token"), "Size": size, "Title": e.title, "Edit": e.editURL})
}

func (u *UI) previewRender(q *req) error {
	e := u.previews.get(q.r.PathValue("token"), q.site.ID, q.a.User.ID)
	if e == nil {
		return canopy.Errorf(canopy.ENOTFOUND, "this preview has expired: preview the page again from its editor")
	}
	h := q.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store, private")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("X-Content-Type-Options", "nosniff")
	// Content under preview never runs scripts; only the admin may frame it.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; form-action 'none'")
	_, _ = q.w.Write(e.html)
	return nil
}
