package contentapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
)

// The content API at /api/v2/ is shaped like Wagtail's API v2 (spec/api-v2.md).

// knownParams are the listing's operations; anything else must be a field filter.
var knownParams = map[string]bool{"limit": true, "offset": true, "fields": true, "order": true, "search": true,
	"search_operator": true, "type": true, "child_of": true, "descendant_of": true, "ancestor_of": true, "format": true}

// metaFields are the fields shown inside "meta", in output order.
var metaFields = []string{"type", "detail_url", "html_url", "slug", "show_in_menus", "seo_title", "search_description",
	"hide_from_search", "first_published_at", "last_published_at", "parent"}

var listingDefaults = []string{"id", "type", "detail_url", "html_url", "slug", "first_published_at", "title"}

// baseFields are the fields every page has; parent only in the detail view.
var baseFields = []string{"id", "title", "type", "detail_url", "html_url", "slug", "show_in_menus", "seo_title",
	"search_description", "hide_from_search", "first_published_at", "last_published_at"}

// filterColumns are base fields usable as exact filters and for ordering.
var filterColumns = map[string]canopy.FieldType{"id": canopy.FieldInteger, "title": canopy.FieldText, "slug": canopy.FieldText,
	"show_in_menus": canopy.FieldBoolean, "seo_title": canopy.FieldText, "search_description": canopy.FieldText,
	"hide_from_search": canopy.FieldBoolean, "first_published_at": canopy.FieldDateTime, "last_published_at": canopy.FieldDateTime}

type badRequest string

func (e badRequest) Error() string { return string(e) }

func bad(format string, args ...any) error { return badRequest(fmt.Sprintf(format, args...)) }

// apiContext is what serialising pages of one request needs.
type apiContext struct {
	s        *API
	site     *canopy.Site
	store    canopy.SiteContent
	base     string // the site's root URL
	refs     map[int64]*canopy.Page
	snippets map[int64]*canopy.Snippet
	images   map[int64]*canopy.Image
	docs     map[int64]*canopy.Document
	ctx      context.Context
	// hidden are the restricted subtrees this request does not pass.
	hidden []string
}

// newAPIContext starts an answer about site. Absolute URLs are made from the
// site's own root URL (its stored hostname and port, as Wagtail's
// Site.root_url), never from the request's Host or forwarded headers: the
// answer is cached for everyone who asks, whatever host they named.
func (s *API) newAPIContext(r *http.Request, site *canopy.Site) *apiContext {
	return &apiContext{s: s, site: site, store: s.svc.Content(site.ID), base: site.RootURL(), ctx: r.Context()}
}

// typeFields returns the API fields declared by every one of the given types.
func (s *API) typeFields(types []string) []canopy.Field {
	if len(types) == 0 {
		return nil
	}
	var out []canopy.Field
	first := s.svc.Types.Get(types[0])
	for _, f := range first.Fields {
		if f.NoAPI {
			continue
		}
		common := true
		for _, t := range types[1:] {
			if of := s.svc.Types.Get(t).Field(f.Name); of == nil || of.Type != f.Type {
				common = false
			}
		}
		if common {
			out = append(out, f)
		}
	}
	return out
}

// serveAPI writes a JSON body with an ETag, answering 304 when it matches. Listing
// and detail responses are cached like pages, per site content version.
func (s *API) serveAPI(w http.ResponseWriter, r *http.Request, site *canopy.Site, cacheable bool, build func() (any, error)) {
	key := "\x00api" + r.URL.RequestURI()
	if cacheable {
		if e := s.cache.Get(site.ID, key, site.Version); e != nil {
			httpkit.WritePage(w, r, e)
			return
		}
	}
	body, err := build()
	if err != nil {
		if br, ok := err.(badRequest); ok {
			apiError(w, http.StatusBadRequest, string(br))
			return
		}
		if canopy.ErrorCode(err) == canopy.ENOTFOUND {
			apiError(w, http.StatusNotFound, "not found")
			return
		}
		s.internalError(w, r, err)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(body); err != nil {
		s.internalError(w, r, err)
		return
	}
	e := httpkit.NewCachedPage(site.Version, http.StatusOK, buf.Bytes(), "application/json", "public, max-age=0, must-revalidate")
	if cacheable {
		s.cache.Put(site.ID, key, e)
	} else if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" {
		e.MakePrivate() // may depend on who asks
	}
	httpkit.WritePage(w, r, e)
}

// apiPages is GET /api/v2/pages/.
func (s *API) apiPages(w http.ResponseWriter, r *http.Request, site *canopy.Site) {
	q := r.URL.Query()
	hidden, personal, err := s.kit.Privacy.Hidden(r, site)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.serveAPI(w, r, site, q.Get("order") != "random" && !personal, func() (any, error) {
		ac := s.newAPIContext(r, site)
		ac.hidden = hidden
		return s.listPages(r.Context(), ac, q)
	})
}

func (s *API) listPages(ctx context.Context, ac *apiContext, q url.Values) (any, error) {
	pq := canopy.PageQuery{LiveOnly: true}
	// Types first: they decide which fields can be filtered, ordered and shown.
	if t := q.Get("type"); t != "" {
		for _, name := range strings.Split(t, ",") {
			name = strings.TrimSpace(name)
			if s.svc.Types.Get(name) == nil || name == canopy.RootType {
				return nil, bad("type doesn't exist")
			}
			pq.Types = append(pq.Types, name)
		}
	}
	tfields := s.typeFields(pq.Types)
	fieldType := map[string]canopy.FieldType{}
	for n, t := range filterColumns {
		fieldType[n] = t
	}
	for _, f := range tfields {
		fieldType[f.Name] = f.Type
	}
	// Unknown parameters are refused, all named at once.
	var unknown []string
	for k := range q {
		if !knownParams[k] && fieldType[k] == "" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, bad("query parameter is not an operation or a recognised field: %s", strings.Join(unknown, ", "))
	}
	if q.Has("search") {
		// Wagtail's search: the site's live pages that match, by relevance
		// unless an order is given; combined with every other filter.
		sq, err := canopy.ParseSearch(q.Get("search"), q.Get("search_operator"))
		if err != nil {
			return nil, bad("%s", canopy.ErrorMessage(err))
		}
		if q.Get("order") == "random" {
			return nil, bad("random ordering with a search is not supported")
		}
		pq.Search = sq
	}
	if q.Has("child_of") && q.Has("descendant_of") {
		return nil, bad("filtering by descendant_of with child_of is not supported")
	}
	if v := q.Get("child_of"); q.Has("child_of") {
		p, err := ac.referencePage(ctx, "child_of", v, "parent page doesn't exist")
		if err != nil {
			return nil, err
		}
		pq.ChildOf = p.ID
	}
	if v := q.Get("descendant_of"); q.Has("descendant_of") {
		p, err := ac.referencePage(ctx, "descendant_of", v, "ancestor page doesn't exist")
		if err != nil {
			return nil, err
		}
		pq.DescendantOf = p.Path
	}
	if v := q.Get("ancestor_of"); q.Has("ancestor_of") {
		p, err := ac.referencePage(ctx, "ancestor_of", v, "descendant page doesn't exist")
		if err != nil {
			return nil, err
		}
		pq.AncestorOf = p.Path
	}
	// Exact filters, in a stable order.
	var filterNames []string
	for k := range q {
		if !knownParams[k] {
			filterNames = append(filterNames, k)
		}
	}
	sort.Strings(filterNames)
	for _, k := range filterNames {
		v, err := filterValue(k, fieldType[k], q.Get(k))
		if err != nil {
			return nil, err
		}
		ff := canopy.FieldFilter{Name: k, Value: v}
		if _, isColumn := filterColumns[k]; !isColumn {
			ff.Type = fieldType[k]
		}
		pq.Filters = append(pq.Filters, ff)
	}
	if o := q.Get("order"); o != "" {
		if o == "random" {
			if q.Has("offset") {
				return nil, bad("random ordering with offset is not supported")
			}
			pq.Random = true
		} else {
			desc := strings.HasPrefix(o, "-")
			name := strings.TrimPrefix(o, "-")
			ft, ok := fieldType[name]
			if !ok || ft == canopy.FieldRichText {
				return nil, bad("cannot order by '%s' (unknown field)", name)
			}
			ord := canopy.Order{Name: name, Desc: desc}
			if _, isColumn := filterColumns[name]; !isColumn {
				ord.Type = ft
			}
			pq.Order = []canopy.Order{ord}
		}
	}
	limit, offset, err := s.paging(q)
	if err != nil {
		return nil, err
	}
	pq.Limit, pq.Offset = limit, offset
	pq.ExcludeUnder = ac.hidden
	sel, nested, err := selectFields(q.Get("fields"), listingDefaults, availableFields(tfields, false), tfields)
	if err != nil {
		return nil, err
	}
	pages, total, err := ac.store.QueryPages(ctx, pq)
	if err != nil {
		return nil, err
	}
	if err := ac.loadRefs(ctx, pages, tfields, sel); err != nil {
		return nil, err
	}
	items := make([]any, 0, len(pages))
	for _, p := range pages {
		items = append(items, ac.serialize(p, sel, nested, tfields))
	}
	return newObj("meta", newObj("total_count", total), "items", items), nil
}

func (s *API) paging(q url.Values) (limit, offset int, err error) {
	limit = 20
	if limit > s.opt.APIMaxLimit {
		limit = s.opt.APIMaxLimit
	}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 0 {
			return 0, 0, bad("limit must be a positive integer")
		}
		if n > s.opt.APIMaxLimit {
			return 0, 0, bad("limit cannot be higher than %d", s.opt.APIMaxLimit)
		}
		limit = n
	}
	if q.Has("offset") {
		n, err := strconv.Atoi(q.Get("offset"))
		if err != nil || n < 0 {
			return 0, 0, bad("offset must be a positive integer")
		}
		offset = n
	}
	if limit == 0 {
		limit = -1 // an empty page: only the count
	}
	return limit, offset, nil
}

func filterValue(name string, t canopy.FieldType, v string) (any, error) {
	switch t {
	case canopy.FieldBoolean:
		switch strings.ToLower(v) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, bad("field filter error. '%s' is not a valid value for %s (expected 'true' or 'false', got '%s')", v, name, v)
	case canopy.FieldInteger, canopy.FieldPage:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, bad("field filter error. '%s' is not a valid value for %s (expected an integer)", v, name)
		}
		return n, nil
	case canopy.FieldDateTime:
		tm, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, bad("field filter error. '%s' is not a valid value for %s (expected a date-time like 2026-05-01T18:00:00Z)", v, name)
		}
		if name == "first_published_at" || name == "last_published_at" {
			return tm.UTC(), nil
		}
		return tm.UTC().Format(time.RFC3339), nil
	}
	return v, nil
}

// referencePage resolves a child_of/descendant_of/ancestor_of value: an id of a
// page in the base set, or "root" for the site's home page.
func (ac *apiContext) referencePage(ctx context.Context, param, v, missing string) (*canopy.Page, error) {
	var id int64
	if v == "root" {
		id = ac.site.RootPageID
	} else {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, bad("%s must be a positive integer", param)
		}
		id = n
	}
	p, err := ac.store.Page(ctx, id)
	// A page below a restriction the request does not pass is as unknown as
	// a missing one.
	if canopy.ErrorCode(err) == canopy.ENOTFOUND || err == nil && (!p.Live || p.Depth < 2 || httpkit.UnderAny(p.Path, ac.hidden)) {
		return nil, bad("%s", missing)
	}
	return p, err
}

func availableFields(tfields []canopy.Field, detail bool) map[string]bool {
	m := map[string]bool{}
	for _, f := range baseFields {
		m[f] = true
	}
	if detail {
		m["parent"] = true
	}
	for _, f := range tfields {
		m[f.Name] = true
	}
	return m
}

// selectFields applies the fields parameter to the defaults.
func selectFields(param string, defaults []string, available map[string]bool, tfields []canopy.Field) (map[string]bool, map[string][]fieldItem, error) {
	sel := map[string]bool{}
	for _, d := range defaults {
		sel[d] = true
	}
	nested := map[string][]fieldItem{}
	if param == "" {
		return sel, nested, nil
	}
	items, err := parseFields(param)
	if err != nil {
		return nil, nil, bad("fields error: %s", err)
	}
	refField := map[string]bool{"parent": true}
	for _, f := range tfields {
		if f.Type == canopy.FieldPage {
			refField[f.Name] = true
		}
	}
	var unknown []string
	for _, it := range items {
		switch {
		case it.name == "*":
			for f := range available {
				sel[f] = true
			}
		case it.name == "_":
			sel = map[string]bool{}
		case !available[it.name]:
			unknown = append(unknown, it.name)
		case it.remove:
			delete(sel, it.name)
		default:
			if it.sub != nil {
				if !refField[it.name] {
					return nil, nil, bad("'%s' does not support nested fields", it.name)
				}
				for _, sub := range it.sub {
					if sub.name != "*" && sub.name != "_" && !refSubFields[sub.name] {
						unknown = append(unknown, sub.name)
					}
				}
				nested[it.name] = it.sub
			}
			sel[it.name] = true
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, nil, bad("unknown fields: %s", strings.Join(unknown, ", "))
	}
	return sel, nested, nil
}

// refSubFields are the fields a nested page reference may show.
var refSubFields = map[string]bool{"id": true, "title": true, "type": true, "detail_url": true, "html_url": true, "slug": true,
	"show_in_menus": true, "seo_title": true, "search_description": true, "hide_from_search": true, "first_published_at": true, "last_published_at": true}

var refDefaults = []string{"id", "type", "detail_url", "html_url", "title"}

// loadRefs fetches every live page and snippet that the selected reference
// fields point at (two queries at most, whatever the number of pages).
func (ac *apiContext) loadRefs(ctx context.Context, pages []*canopy.Page, tfields []canopy.Field, sel map[string]bool) error {
	var snippetIDs []int64
	for _, p := range pages {
		for _, f := range tfields {
			if f.Type == canopy.FieldSnippet && sel[f.Name] {
				if id, ok := canopy.AsID(p.Fields[f.Name]); ok {
					snippetIDs = append(snippetIDs, id)
				}
			}
		}
	}
	var err error
	if ac.snippets, err = ac.store.SnippetsByID(ctx, snippetIDs); err != nil {
		return err
	}
	var imageIDs, docIDs []int64
	for _, p := range pages {
		for _, f := range tfields {
			if id, ok := canopy.AsID(p.Fields[f.Name]); ok && sel[f.Name] {
				switch f.Type {
				case canopy.FieldImage:
					imageIDs = append(imageIDs, id)
				case canopy.FieldDocument:
					docIDs = append(docIDs, id)
				}
			}
		}
	}
	if ac.images, err = ac.store.ImagesByID(ctx, imageIDs); err != nil {
		return err
	}
	if ac.docs, err = ac.store.DocumentsByID(ctx, docIDs); err != nil {
		return err
	}
	var ids []int64
	for _, p := range pages {
		for _, f := range tfields {
			if f.Type == canopy.FieldPage && sel[f.Name] {
				if id, ok := canopy.AsID(p.Fields[f.Name]); ok {
					ids = append(ids, id)
				}
			}
		}
		if sel["parent"] && p.Depth > 2 {
			ids = append(ids, p.ParentID)
		}
	}
	ac.refs = map[int64]*canopy.Page{}
	if len(ids) == 0 {
		return nil
	}
	refs, err := ac.store.PagesByID(ctx, ids)
	if err != nil {
		return err
	}
	for _, rp := range refs {
		if rp.Live && rp.Depth >= 2 && !httpkit.UnderAny(rp.Path, ac.hidden) {
			ac.refs[rp.ID] = rp
		}
	}
	return nil
}

func (ac *apiContext) detailURL(id int64) string {
	return ac.base + "/api/v2/pages/" + strconv.FormatInt(id, 10) + "/"
}

func apiTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}

// baseValue returns a base field of a page.
func (ac *apiContext) baseValue(p *canopy.Page, name string) any {
	switch name {
	case "id":
		return p.ID
	case "title":
		return p.Title
	case "type":
		return p.Type
	case "detail_url":
		return ac.detailURL(p.ID)
	case "html_url":
		return ac.base + p.URLPath
	case "slug":
		return p.Slug
	case "show_in_menus":
		return p.ShowInMenus
	case "hide_from_search":
		return p.HideFromSearch
	case "seo_title":
		return p.SeoTitle
	case "search_description":
		return p.SearchDescription
	case "first_published_at":
		return apiTime(p.FirstPublishedAt)
	case "last_published_at":
		return apiTime(p.LastPublishedAt)
	}
	return nil
}

// serialize renders one page with the selected fields in Wagtail's layout:
// id, meta{…}, title, then the type's fields in declared order.
func (ac *apiContext) serialize(p *canopy.Page, sel map[string]bool, nested map[string][]fieldItem, tfields []canopy.Field) *obj {
	out := &obj{}
	if sel["id"] {
		out.set("id", p.ID)
	}
	meta := &obj{}
	for _, m := range metaFields {
		if !sel[m] {
			continue
		}
		if m == "parent" {
			meta.set("parent", ac.refValue(p.ParentID, nested["parent"]))
			continue
		}
		meta.set(m, ac.baseValue(p, m))
	}
	if len(meta.keys) > 0 {
		out.set("meta", meta)
	}
	if sel["title"] {
		out.set("title", p.Title)
	}
	for _, f := range tfields {
		if !sel[f.Name] {
			continue
		}
		v, ok := p.Fields[f.Name]
		if !ok {
			v = nil
		}
		switch f.Type {
		case canopy.FieldPage:
			id, _ := canopy.AsID(v)
			v = ac.refValue(id, nested[f.Name])
		case canopy.FieldImage:
			id, _ := canopy.AsID(v)
			v = nil
			if im := ac.images[id]; im != nil {
				v = ac.imageValue(im, f.RenditionSpecs())
			}
		case canopy.FieldDocument:
			id, _ := canopy.AsID(v)
			v = nil
			if d := ac.docs[id]; d != nil {
				v = ac.documentValue(d)
			}
		case canopy.FieldSnippet:
			id, _ := canopy.AsID(v)
			v = nil
			if sn := ac.snippets[id]; sn != nil {
				o := newObj("id", sn.ID, "meta", newObj("type", sn.Type), "title", sn.Title)
				keys := make([]string, 0, len(sn.Fields))
				for k := range sn.Fields {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					o.set(k, sn.Fields[k])
				}
				v = o
			}
		}
		out.set(f.Name, v)
	}
	return out
}

// refValue shows a referenced page (or null if it is outside the base set).
func (ac *apiContext) refValue(id int64, items []fieldItem) any {
	rp := ac.refs[id]
	if rp == nil {
		return nil
	}
	sel := map[string]bool{}
	for _, d := range refDefaults {
		sel[d] = true
	}
	for _, it := range items {
		switch {
		case it.name == "*":
			for f := range refSubFields {
				sel[f] = true
			}
		case it.name == "_":
			sel = map[string]bool{}
		case it.remove:
			delete(sel, it.name)
		default:
			sel[it.name] = true
		}
	}
	out := &obj{}
	if sel["id"] {
		out.set("id", rp.ID)
	}
	meta := &obj{}
	for _, m := range metaFields {
		if sel[m] && m != "parent" {
			meta.set(m, ac.baseValue(rp, m))
		}
	}
	if len(meta.keys) > 0 {
		out.set("meta", meta)
	}
	if sel["title"] {
		out.set("title", rp.Title)
	}
	return out
}

// apiPage is GET /api/v2/pages/{id}/.
func (s *API) apiPage(w http.ResponseWriter, r *http.Request, site *canopy.Site) {
	hidden, personal, err := s.kit.Privacy.Hidden(r, site)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.serveAPI(w, r, site, !personal, func() (any, error) {
		ctx := r.Context()
		q := r.URL.Query()
		var unknown []string
		for k := range q {
			if k != "fields" && k != "format" {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return nil, bad("query parameter is not an operation or a recognised field: %s", strings.Join(unknown, ", "))
		}
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			return nil, canopy.Errorf(canopy.ENOTFOUND, "not found")
		}
		ac := s.newAPIContext(r, site)
		p, err := ac.store.Page(ctx, id)
		if err != nil {
			return nil, err
		}
		if !p.Live || p.Depth < 2 || httpkit.UnderAny(p.Path, hidden) {
			return nil, canopy.Errorf(canopy.ENOTFOUND, "not found")
		}
		ac.hidden = hidden
		pt := s.svc.Types.Get(p.Type)
		var tfields []canopy.Field
		if pt != nil {
			tfields = s.typeFields([]string{p.Type})
		}
		avail := availableFields(tfields, true)
		defaults := make([]string, 0, len(avail))
		for f := range avail {
			defaults = append(defaults, f)
		}
		sel, nested, err := selectFields(q.Get("fields"), defaults, avail, tfields)
		if err != nil {
			return nil, err
		}
		if err := ac.loadRefs(ctx, []*canopy.Page{p}, tfields, sel); err != nil {
			return nil, err
		}
		return ac.serialize(p, sel, nested, tfields), nil
	})
}

// apiFind is GET /api/v2/pages/find/?html_path=… (or ?id=…): a redirect to the
// page's detail URL, keeping the other parameters.
func (s *API) apiFind(w http.ResponseWriter, r *http.Request, site *canopy.Site) {
	q := r.URL.Query()
	ac := s.newAPIContext(r, site)
	hidden, _, err := s.kit.Privacy.Hidden(r, site)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	var p *canopy.Page
	switch {
	case q.Has("html_path"):
		path := "/" + strings.Trim(q.Get("html_path"), "/") + "/"
		if path == "//" {
			path = "/"
		}
		p, err = ac.store.PageByURLPath(r.Context(), path)
	case q.Has("id"):
		id, perr := strconv.ParseInt(q.Get("id"), 10, 64)
		if perr != nil {
			apiError(w, http.StatusNotFound, "not found")
			return
		}
		p, err = ac.store.Page(r.Context(), id)
	default:
		apiError(w, http.StatusNotFound, "not found")
		return
	}
	if canopy.ErrorCode(err) == canopy.ENOTFOUND || err == nil && (!p.Live || p.Depth < 2 || httpkit.UnderAny(p.Path, hidden)) {
		apiError(w, http.StatusNotFound, "not found")
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	q.Del("html_path")
	q.Del("id")
	target := "/api/v2/pages/" + strconv.FormatInt(p.ID, 10) + "/"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
}

// obj is a JSON object that keeps its keys in insertion order.
type obj struct {
	keys []string
	vals []any
}

func newObj(kv ...any) *obj {
	o := &obj{}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

func (o *obj) set(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

func (o *obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		var vb bytes.Buffer
		enc := json.NewEncoder(&vb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(o.vals[i]); err != nil {
			return nil, err
		}
		b.Write(bytes.TrimRight(vb.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
