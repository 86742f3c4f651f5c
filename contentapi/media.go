package contentapi

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// The content API's images and documents (spec/api-v2.md): the request's
// site only; documents in private collections are left out for requests that
// do not pass the restriction.

func (s *API) apiMediaRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v2/images/{$}", s.withSite(s.apiImages))
	m.HandleFunc("GET /api/v2/images/{id}/{$}", s.withSite(s.apiImage))
	m.HandleFunc("GET /api/v2/documents/{$}", s.withSite(s.apiDocuments))
	m.HandleFunc("GET /api/v2/documents/{id}/{$}", s.withSite(s.apiDocument))
}

// imageValue is an image as the content API shows it, with the renditions of
// the field (or listing) it appears in.
func (ac *apiContext) imageValue(im *canopy.Image, specs map[string]string) *obj {
	orig, err := ac.s.svc.RenditionURL(ac.ctx, im, "original")
	download := ""
	if err == nil {
		download = ac.base + orig.URL
	}
	out := newObj("id", im.ID, "meta", newObj("type", "canopy.Image",
		"detail_url", ac.base+"/api/v2/images/"+strconv.FormatInt(im.ID, 10)+"/", "tags", im.Tags, "download_url", download),
		"title", im.Title, "width", im.Width, "height", im.Height)
	if len(specs) > 0 {
		names := make([]string, 0, len(specs))
		for n := range specs {
			names = append(names, n)
		}
		sort.Strings(names)
		r := &obj{}
		for _, n := range names {
			ref, err := ac.s.svc.RenditionURL(ac.ctx, im, specs[n])
			if err != nil {
				continue
			}
			r.set(n, newObj("url", ac.base+ref.URL, "width", ref.Width, "height", ref.Height))
		}
		out.set("renditions", r)
	}
	return out
}

func (ac *apiContext) documentValue(d *canopy.Document) *obj {
	return newObj("id", d.ID, "meta", newObj("type", "canopy.Document",
		"detail_url", ac.base+"/api/v2/documents/"+strconv.FormatInt(d.ID, 10)+"/", "tags", d.Tags, "download_url", ac.base+service.DocumentPath(d)),
		"title", d.Title)
}

// apiMediaFilter parses limit, offset, tags and order (id or -id), refusing
// anything else.
func (s *API) apiMediaFilter(q url.Values) (canopy.MediaFilter, error) {
	f := canopy.MediaFilter{All: true, Limit: 20, Ascending: true}
	var unknown []string
	for k := range q {
		switch k {
		case "limit", "offset", "tags", "order", "format", "search", "search_operator":
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return f, bad("query parameter is not an operation or a recognised field: %s", strings.Join(unknown, ", "))
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, bad("limit must be a positive integer")
		}
		if n > s.opt.APIMaxLimit {
			return f, bad("limit cannot be higher than %d", s.opt.APIMaxLimit)
		}
		f.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, bad("offset must be a positive integer")
		}
		f.Offset = n
	}
	if v := q.Get("tags"); v != "" {
		f.Tags = strings.Split(v, ",")
	}
	switch q.Get("order") {
	case "", "id":
	case "-id":
		f.Ascending = false
	default:
		return f, bad("cannot order by %s (use id or -id)", q.Get("order"))
	}
	if q.Has("search") {
		// The items whose title or tags match, best first unless ordered.
		sq, err := canopy.ParseSearch(q.Get("search"), q.Get("search_operator"))
		if err != nil {
			return f, bad("%s", canopy.ErrorMessage(err))
		}
		f.Search, f.Relevance = sq, !q.Has("order")
	}
	return f, nil
}

func (s *API) apiImages(w http.ResponseWriter, r *http.Request, site *canopy.Site) {
	s.serveAPI(w, r, site, true, func() (any, error) {
		f, err := s.apiMediaFilter(r.URL.Query())
		if err != nil {
			return nil, err
		}
		ac := s.newAPIContext(r, site)
		list, total, err := ac.store.Images(r.Context(), f)
		if err != nil {
			return nil, err
		}
		items := []any{}
		for _, im := range list {
			items = append(items, ac.imageValue(im, nil))
		}
		return newObj("meta", newObj("total_count", total), "items", items), nil
	})
}

func (s *API) apiImage(w http.ResponseWriter, r *http.Request, site *canopy.Site) {
	s.serveAPI(w, r, site, true, func() (any, error) {
		id, err := detailID(r)
		if err != nil {
			return nil, err
		}
		ac := s.newAPIContext(r, site)
		im, err := ac.store.Image(r.Context(), id)
		if err != nil {
			return nil, err
		}
		return ac.imageValue(im, canopy.DefaultRenditions), nil
	})
}

// detailID checks a detail request (no parameters but format) and parses its id.
func detailID(r *http.Request) (int64, error) {
	q := r.URL.Query()
	if len(q) > 0 && !(len(q) == 1 && q.Has("format")) {
		return 0, bad("query parameter is not an operation or a recognised field: %s", firstKey(q))
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, canopy.Errorf(canopy.ENOTFOUND, "not found")
	}
	return id, nil
}

func firstKey(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// hiddenCollections are the restricted collections that this request's
// viewer does not pass, and whether the answer depends on who asks (then it
// is not cached).
func (s *API) hiddenCollections(ctx context.Context, r *http.Request, site *canopy.Site) ([]string, bool, error) {
	rs, err := s.svc.Content(site.ID).RestrictedCollections(ctx)
	if err != nil || len(rs) == 0 {
		return nil, false, err
	}
	var viewer *service.Viewer
	personal := false
	if u, _, err := s.kit.Authenticate(r, site); err == nil {
		personal = true
		if viewer, err = s.svc.ViewerFor(ctx, site.ID, u); err != nil {
			return nil, true, err
		}
	}
	var hidden []string
	for _, pr := range rs {
		if !service.Passes([]canopy.Restriction{pr.Restriction}, viewer) {
			hidden = append(hidden, pr.Path)
		}
	}
	return hidden, personal, nil
}

func (s *API) apiDocuments(w http.ResponseWriter, r *http.Request, site *canopy.Site) {
	hidden, personal, err := s.hiddenCollections(r.Context(), r, site)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.serveAPI(w, r, site, !personal, func() (any, error) {
		f, err := s.apiMediaFilter(r.URL.Query())
		if err != nil {
			return nil, err
		}
		f.ExcludePaths = hidden
		ac := s.newAPIContext(r, site)
		list, total, err := ac.store.Documents(r.Context(), f)
		if err != nil {
			return nil, err
		}
		items := []any{}
		for _, d := range list {
			items = append(items, ac.documentValue(d))
		}
		return newObj("meta", newObj("total_count", total), "items", items), nil
	})
}

func (s *API) apiDocument(w http.ResponseWriter, r *http.Request, site *canopy.Site) {
	hidden, personal, err := s.hiddenCollections(r.Context(), r, site)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.serveAPI(w, r, site, !personal, func() (any, error) {
		id, err := detailID(r)
		if err != nil {
			return nil, err
		}
		ac := s.newAPIContext(r, site)
		d, err := ac.store.Document(r.Context(), id)
		if err != nil {
			return nil, err
		}
		if d.SiteID == 0 { // the shared library is public
			return ac.documentValue(d), nil
		}
		c, err := ac.store.Collection(r.Context(), d.CollectionID)
		if err != nil {
			return nil, err
		}
		for _, p := range hidden {
			if strings.HasPrefix(c.Path, p) {
				return nil, canopy.Errorf(canopy.ENOTFOUND, "not found")
			}
		}
		return ac.documentValue(d), nil
	})
}
