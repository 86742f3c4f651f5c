package adminapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/perm"
	"github.com/canopy-cms/canopy/service"
)

func (s *API) mediaRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/api/collections", s.admin(s.listCollections, false))
	m.HandleFunc("POST /admin/api/collections", s.admin(s.createCollection, false))
	m.HandleFunc("GET /admin/api/collections/{id}", s.admin(s.getCollection, false))
	m.HandleFunc("PATCH /admin/api/collections/{id}", s.admin(s.updateCollection, false))
	m.HandleFunc("DELETE /admin/api/collections/{id}", s.admin(s.deleteCollection, false))
	m.HandleFunc("PUT /admin/api/collections/{id}/privacy", s.admin(s.setCollectionPrivacy, false))
	for _, k := range []string{"images", "documents"} {
		m.HandleFunc("GET /admin/api/"+k, s.admin(s.listMedia, false))
		m.HandleFunc("GET /admin/api/"+k+"/choose", s.admin(s.chooseMedia, false))
		m.HandleFunc("POST /admin/api/"+k, s.admin(s.uploadMedia, false))
		m.HandleFunc("GET /admin/api/"+k+"/{id}", s.admin(s.getMedia, false))
		m.HandleFunc("PATCH /admin/api/"+k+"/{id}", s.admin(s.updateMedia, false))
		m.HandleFunc("DELETE /admin/api/"+k+"/{id}", s.admin(s.deleteMedia, false))
	}
	m.HandleFunc("GET /admin/api/images/{id}/rendition", s.admin(s.imageRendition, false))
	m.HandleFunc("GET /admin/api/images/{id}/usage", s.admin(s.usage(canopy.RefImage), false))
	m.HandleFunc("GET /admin/api/documents/{id}/usage", s.admin(s.usage(canopy.RefDocument), false))
}

// usage lists where an image, document or snippet is used on this site.
func (s *API) usage(kind string) func(http.ResponseWriter, *http.Request, *httpkit.AdminRequest) error {
	return func(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		limit, offset, err := adminPaging(r)
		if err != nil {
			return err
		}
		list, total, err := ar.Admin.Usage(r.Context(), kind, r.PathValue("type"), id, limit, offset)
		if err != nil {
			return err
		}
		items := []map[string]any{}
		for _, u := range list {
			items = append(items, map[string]any{"source": u.SourceKind, "id": u.SourceID, "type": u.SourceType, "title": u.Title, "field": u.Field})
		}
		httpkit.WriteJSON(w, http.StatusOK, listBody(total, items))
		return nil
	}
}

func collectionBody(c *service.CollectionWithPerms) map[string]any {
	if c.SiteID == 0 {
		return map[string]any{"id": c.ID, "name": c.Name, "parent_id": nullable(c.ParentID), "depth": c.Depth, "installation_wide": true,
			"privacy": map[string]any{"type": "none"}, "permissions": c.Permissions, "created_at": c.CreatedAt}
	}
	var privacy any
	if c.Restriction != nil {
		privacy = c.Restriction
	} else {
		privacy = map[string]any{"type": "none"}
	}
	return map[string]any{"id": c.ID, "name": c.Name, "parent_id": nullable(c.ParentID), "depth": c.Depth,
		"privacy": privacy, "permissions": c.Permissions, "created_at": c.CreatedAt}
}

// listCollections is the tree; ?permission=choose_image (or any collection
// permission) keeps only the collections where the caller holds it, for
// choosers and upload forms.
func (s *API) listCollections(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	want := r.URL.Query().Get("permission")
	if _, ok := perm.ParseCollectionPerm(want); want != "" && !ok {
		return canopy.Errorf(canopy.EINVALID, "unknown collection permission %q (use %s)", want, strings.Join(perm.CollectionPermNames(), ", "))
	}
	var list []*service.CollectionWithPerms
	var err error
	switch r.URL.Query().Get("scope") {
	case "":
		list, err = ar.Admin.Collections(r.Context(), want)
	case "installation":
		list, err = ar.Admin.SharedCollections(r.Context())
	default:
		return canopy.Errorf(canopy.EINVALID, "scope must be installation (the shared library) or absent (this site)")
	}
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, c := range list {
		if want != "" && !slices.Contains(c.Permissions, want) {
			continue
		}
		items = append(items, collectionBody(c))
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(len(items), items))
	return nil
}

func (s *API) getCollection(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := ar.Admin.Collection(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, collectionBody(c))
	return nil
}

type collectionInput struct {
	Name     *string `json:"name"`
	ParentID *int64  `json:"parent_id"`
}

func (s *API) createCollection(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in collectionInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return canopy.Errorf(canopy.EINVALID, "name is required")
	}
	parent := ar.Site.RootCollectionID
	if in.ParentID != nil {
		parent = *in.ParentID
	}
	c, err := ar.Admin.CreateCollection(r.Context(), parent, *in.Name)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, collectionBody(c))
	return nil
}

func (s *API) updateCollection(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in collectionInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	var parent int64
	if in.ParentID != nil {
		if parent = *in.ParentID; parent <= 0 {
			return canopy.Errorf(canopy.EINVALID, "parent_id must be a collection id")
		}
	}
	c, err := ar.Admin.UpdateCollection(r.Context(), id, in.Name, parent)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, collectionBody(c))
	return nil
}

func (s *API) deleteCollection(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ar.Admin.DeleteCollection(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *API) setCollectionPrivacy(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Type     string  `json:"type"`
		GroupIDs []int64 `json:"group_ids"`
		Groups   []int64 `json:"groups"`
		Password string  `json:"password"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	groups, err := privacyGroups(in.GroupIDs, in.Groups)
	if err != nil {
		return err
	}
	c, err := ar.Admin.SetCollectionPrivacy(r.Context(), id, in.Type, groups, in.Password)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, collectionBody(c))
	return nil
}

// isImages tells the images routes from the documents routes.
func isImages(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/admin/api/images") }

// imageBody is an image in the admin API, with its download URL and a thumbnail.
func (s *API) imageBody(ctx context.Context, im *canopy.Image, perms []string) (map[string]any, error) {
	orig, err := s.svc.RenditionURL(ctx, im, "original")
	if err != nil {
		return nil, err
	}
	thumb, err := s.svc.RenditionURL(ctx, im, "max-165x165")
	if err != nil {
		return nil, err
	}
	out := map[string]any{"id": im.ID, "title": im.Title, "collection_id": im.CollectionID, "tags": im.Tags, "owner": nullable(im.OwnerID),
		"filename": im.Filename, "file_size": im.FileSize, "file_hash": im.FileHash, "width": im.Width, "height": im.Height,
		"alt_text": im.AltText, "focal_point": im.Focal, "download_url": orig.URL, "thumbnail": thumb, "created_at": im.CreatedAt, "updated_at": im.UpdatedAt}
	if perms != nil {
		out["permissions"] = perms
	}
	return out, nil
}

func documentBody(d *canopy.Document, perms []string) map[string]any {
	out := map[string]any{"id": d.ID, "title": d.Title, "collection_id": d.CollectionID, "tags": d.Tags, "owner": nullable(d.OwnerID),
		"filename": d.Filename, "file_size": d.FileSize, "file_hash": d.FileHash, "content_type": d.ContentType,
		"download_url": documentURL(d), "created_at": d.CreatedAt, "updated_at": d.UpdatedAt}
	if perms != nil {
		out["permissions"] = perms
	}
	return out
}

func documentURL(d *canopy.Document) string { return service.DocumentPath(d) }

func mediaQuery(r *http.Request, choose bool) (service.MediaQuery, error) {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return service.MediaQuery{}, err
	}
	q := r.URL.Query()
	mq := service.MediaQuery{Tag: q.Get("tag"), Q: q.Get("q"), Limit: limit, Offset: offset, Choose: choose}
	switch q.Get("scope") {
	case "":
	case "installation":
		mq.Shared = true
	default:
		return mq, canopy.Errorf(canopy.EINVALID, "scope must be installation (the shared library) or absent (this site)")
	}
	if v := q.Get("collection_id"); v != "" {
		if mq.CollectionID, err = strconv.ParseInt(v, 10, 64); err != nil || mq.CollectionID <= 0 {
			return mq, canopy.Errorf(canopy.EINVALID, "collection_id must be a collection id")
		}
	}
	return mq, nil
}

func (s *API) listMedia(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	return s.mediaListing(w, r, ar, false)
}

// chooseMedia lists what the caller may choose (for choosers).
func (s *API) chooseMedia(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	return s.mediaListing(w, r, ar, true)
}

func (s *API) mediaListing(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest, choose bool) error {
	mq, err := mediaQuery(r, choose)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	var total int
	if isImages(r) {
		list, n, err := ar.Admin.Images(r.Context(), mq)
		if err != nil {
			return err
		}
		for _, im := range list {
			b, err := s.imageBody(r.Context(), im, nil)
			if err != nil {
				return err
			}
			items = append(items, b)
		}
		total = n
	} else {
		list, n, err := ar.Admin.Documents(r.Context(), mq)
		if err != nil {
			return err
		}
		for _, d := range list {
			items = append(items, documentBody(d, nil))
		}
		total = n
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, items))
	return nil
}

func (s *API) getMedia(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if isImages(r) {
		im, err := ar.Admin.Image(r.Context(), id)
		if err != nil {
			return err
		}
		b, err := s.imageBody(r.Context(), im.Image, im.Permissions)
		if err != nil {
			return err
		}
		httpkit.WriteJSON(w, http.StatusOK, b)
		return nil
	}
	d, err := ar.Admin.Document(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, documentBody(d.Document, d.Permissions))
	return nil
}

func (s *API) uploadMedia(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	release, err := s.svc.UploadSlot(r.Context())
	if err != nil {
		return err
	}
	defer release()
	limits := s.svc.Limits
	if isImages(r) {
		up, err := httpkit.ReadUpload(w, r, limits.MaxImageBytes, nil)
		if err != nil {
			return err
		}
		im, err := ar.Admin.UploadImage(r.Context(), up)
		if err != nil {
			return err
		}
		b, err := s.imageBody(r.Context(), im, nil)
		if err != nil {
			return err
		}
		httpkit.WriteJSON(w, http.StatusCreated, b)
		return nil
	}
	up, err := httpkit.ReadUpload(w, r, limits.MaxDocumentBytes, nil)
	if err != nil {
		return err
	}
	if up.Focal != nil {
		return canopy.Errorf(canopy.EINVALID, "documents have no focal point")
	}
	d, err := ar.Admin.UploadDocument(r.Context(), up)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, documentBody(d, nil))
	return nil
}

type mediaInput struct {
	Title        *string         `json:"title"`
	Tags         *[]string       `json:"tags"`
	CollectionID *int64          `json:"collection_id"`
	AltText      *string         `json:"alt_text"`
	FocalPoint   json2FocalPoint `json:"focal_point"`
}

// json2FocalPoint distinguishes "focal_point": null (clear) from absent.
type json2FocalPoint struct {
	set   bool
	value *canopy.Focal
}

func (f *json2FocalPoint) UnmarshalJSON(b []byte) error {
	f.set = true
	if string(b) == "null" {
		return nil
	}
	var v struct {
		X      *int `json:"x"`
		Y      *int `json:"y"`
		Width  *int `json:"width"`
		Height *int `json:"height"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.X == nil || v.Y == nil || v.Width == nil || v.Height == nil {
		return canopy.Errorf(canopy.EINVALID, "focal_point must be {x, y, width, height} or null")
	}
	f.value = &canopy.Focal{X: *v.X, Y: *v.Y, W: *v.Width, H: *v.Height}
	return nil
}

func (s *API) updateMedia(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in := mediaInput{}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.AltText != nil && !isImages(r) {
		return canopy.Errorf(canopy.EINVALID, "documents have no alt text")
	}
	ch := service.MediaChange{Title: in.Title, Tags: in.Tags, CollectionID: in.CollectionID, AltText: in.AltText}
	if in.FocalPoint.set {
		ch.SetFocal, ch.Focal = true, in.FocalPoint.value
	}
	if isImages(r) {
		im, err := ar.Admin.UpdateImage(r.Context(), id, ch)
		if err != nil {
			return err
		}
		b, err := s.imageBody(r.Context(), im, nil)
		if err != nil {
			return err
		}
		httpkit.WriteJSON(w, http.StatusOK, b)
		return nil
	}
	d, err := ar.Admin.UpdateDocument(r.Context(), id, ch)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, documentBody(d, nil))
	return nil
}

// imageRendition answers the URL and size of a rendition (?spec=fill-300x200),
// for front ends and editors; the file is made on its first request.
func (s *API) imageRendition(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, err := ar.Admin.Image(r.Context(), id)
	if err != nil {
		return err
	}
	ref, err := s.svc.RenditionURL(r.Context(), im.Image, r.URL.Query().Get("spec"))
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, ref)
	return nil
}

func (s *API) deleteMedia(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if isImages(r) {
		err = ar.Admin.DeleteImage(r.Context(), id)
	} else {
		err = ar.Admin.DeleteDocument(r.Context(), id)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
