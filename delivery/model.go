package delivery

import (
	"context"
	"html/template"
	"strings"
	"sync"

	"github.com/maypok86/otter/v2"

	"github.com/canopy-cms/canopy"
)

// A site model is delivery's in-memory picture of one site's page tree at one
// content version (decision 0017): every page by URL path and id, each page's
// live children in tree order with their links ready, the menu, and — made
// on first use — each page's template data. Rendering a page from it reads
// nothing from the database. It is built by one range read the first time a
// version is rendered, kept in a cache bounded in bytes, and never updated: a
// change makes a new version, whose model is built when first asked for; the
// old one is evicted.
type siteModel struct {
	version int64
	byURL   map[string]*modelPage
	byID    map[int64]*modelPage
	menu    []Link
	// menuCurrent are the menu's anchors marked current.
	menuCurrent []template.HTML
	weight      uint32

	mu   sync.Mutex
	data map[int64]*pageDataOnce
}

type modelPage struct {
	page     *canopy.Page
	parent   *modelPage
	children []*modelPage // live only, tree order
	link     Link         // as listed by its parent (Current unset)
}

// pageDataOnce is a page's template data, made once per model.
type pageDataOnce struct {
	once sync.Once
	data PageData
	err  error
}

type modelKey struct{ site, version int64 }

// maxModelPages is the largest site kept as a model; a larger site renders
// with a few indexed reads per page instead (a model of it would cost too
// much to build after every change).
var maxModelPages = 2000

// newModelCache makes the cache of site models (budget 0: none).
func newModelCache(budget int64) *otter.Cache[modelKey, *siteModel] {
	if budget <= 0 {
		return nil
	}
	return otter.Must(&otter.Options[modelKey, *siteModel]{
		MaximumWeight: uint64(budget),
		Weigher:       func(_ modelKey, m *siteModel) uint32 { return m.weight },
	})
}

// model returns the site's model at its current version, building it (once,
// however many requests ask together) if needed; nil when models are off or
// the site is too large for one.
func (s *Server) model(ctx context.Context, site *canopy.Site) (*siteModel, error) {
	if s.models == nil {
		return nil, nil
	}
	m, err := s.models.Get(ctx, modelKey{site.ID, site.Version}, otter.LoaderFunc[modelKey, *siteModel](
		func(ctx context.Context, _ modelKey) (*siteModel, error) { return s.buildModel(ctx, site) }))
	if err != nil {
		return nil, err
	}
	if m.byURL == nil {
		return nil, nil // too large: remembered, so the site is not read again
	}
	return m, nil
}

func (s *Server) buildModel(ctx context.Context, site *canopy.Site) (*siteModel, error) {
	pages, ok, err := s.svc.Content(site.ID).SitePages(ctx, maxModelPages)
	if err != nil {
		return nil, err
	}
	m := &siteModel{version: site.Version, weight: 64, data: map[int64]*pageDataOnce{}}
	if !ok {
		return m, nil
	}
	m.byURL = make(map[string]*modelPage, len(pages))
	m.byID = make(map[int64]*modelPage, len(pages))
	size := 0
	for _, p := range pages { // tree order: a parent comes before its children
		mp := &modelPage{page: p, parent: m.byID[p.ParentID]}
		mp.link = s.link(p, "")
		m.byID[p.ID] = mp
		m.byURL[p.URLPath] = mp
		if mp.parent != nil && p.Live {
			mp.parent.children = append(mp.parent.children, mp)
		}
		size += 512 + len(p.Title) + len(p.URLPath) + len(p.Path) + valueSize(p.Fields)*2
	}
	if home := m.byID[site.RootPageID]; home != nil {
		for _, k := range home.children {
			if k.page.ShowInMenus {
				m.menu = append(m.menu, Link{ID: k.page.ID, Title: k.page.Title, URL: k.page.URLPath, Anchor: anchor(k.page.URLPath, k.page.Title, false)})
				m.menuCurrent = append(m.menuCurrent, anchor(k.page.URLPath, k.page.Title, true))
			}
		}
	}
	m.weight = uint32(min(size, 1<<31))
	return m, nil
}

// valueSize estimates the memory of a decoded JSON value.
func valueSize(v any) int {
	switch x := v.(type) {
	case string:
		return 16 + len(x)
	case map[string]any:
		n := 48
		for k, e := range x {
			n += 16 + len(k) + valueSize(e)
		}
		return n
	case []any:
		n := 24
		for _, e := range x {
			n += valueSize(e)
		}
		return n
	}
	return 16
}

// find returns the page at a URL path with its ancestors below the global
// root, home page first (as PageWithAncestors does), or nil.
func (m *siteModel) find(urlPath string) (*modelPage, []*canopy.Page) {
	mp := m.byURL[urlPath]
	if mp == nil {
		return nil, nil
	}
	var ancestors []*canopy.Page
	for a := mp.parent; a != nil; a = a.parent {
		ancestors = append(ancestors, a.page)
	}
	for i, j := 0, len(ancestors)-1; i < j; i, j = i+1, j-1 {
		ancestors[i], ancestors[j] = ancestors[j], ancestors[i]
	}
	return mp, ancestors
}

// childLinks returns a page's live children as links, marked current for the
// request path.
func (mp *modelPage) childLinks(current string) []Link {
	if len(mp.children) == 0 {
		return nil
	}
	out := make([]Link, len(mp.children))
	for i, c := range mp.children {
		l := c.link
		l.Current = current == c.page.URLPath || c.page.Depth > 2 && strings.HasPrefix(current, c.page.URLPath)
		out[i] = l
	}
	return out
}

// menuLinks returns the menu marked current for the request path.
func (m *siteModel) menuLinks(current string) []Link {
	out := make([]Link, len(m.menu))
	for i, l := range m.menu {
		l.Current = current == l.URL || strings.HasPrefix(current, l.URL)
		if l.Current {
			l.Anchor = m.menuCurrent[i]
		}
		out[i] = l
	}
	return out
}

// pageData returns a page's template data, made on first use.
func (m *siteModel) pageData(id int64, make func() (PageData, error)) (PageData, error) {
	m.mu.Lock()
	d := m.data[id]
	if d == nil {
		d = &pageDataOnce{}
		m.data[id] = d
	}
	m.mu.Unlock()
	d.once.Do(func() { d.data, d.err = make() })
	if d.err != nil {
		m.mu.Lock()
		delete(m.data, id) // not kept: the next request tries again
		m.mu.Unlock()
	}
	return d.data, d.err
}
