package adminui

import (
	"crypto/hmac"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// The site's media library: images and documents listed (images as a
// grid or a list), searched through the search engine, filtered by tag and
// collection, ordered, paged; several files uploaded at once with a result
// per file; an item edited (images: alt text, a focal point and the crops it
// gives), its file replaced, its usage shown, deleted after showing that
// usage; bulk actions on a selection. Every control follows the user's
// collection permissions, and the service checks every POST again.

const libraryPageSize = 30

// libKind is what differs between the images and the documents screens.
type libKind struct {
	Kind, Plural, Label, Path string
}

var (
	imagesLib    = libKind{"image", "images", "Images", "/admin/images/"}
	documentsLib = libKind{"document", "documents", "Documents", "/admin/documents/"}
)

func libOf(q *req) libKind {
	if strings.HasPrefix(q.r.URL.Path, "/admin/documents/") {
		return documentsLib
	}
	return imagesLib
}

// libRow is one item of a listing.
type libRow struct {
	ID                                  int64
	Title, Thumb, Info, Filename, Where string
	Download                            string
	Tags                                []string
	Created                             time.Time
	Editable, Shared                    bool
}

type libList struct {
	K                      libKind
	Rows                   []libRow
	Q, Tag, Order, View    string
	Collection             int64
	Collections            []*service.CollectionWithPerms
	MoveTargets            []*service.CollectionWithPerms
	Total                  int
	Pager                  pager
	Columns                []sortColumn
	SortChoices            [][2]string
	GridURL, ListURL       string
	CanAdd, Shared, Offers bool
	Bulk                   bool
	Error                  string
	Here                   string // this listing's address, to come back to
}

var librarySortChoices = [][2]string{{"", "Newest first"}, {"created", "Oldest first"}, {"title", "Title, A to Z"}, {"-title", "Title, Z to A"},
	{"-file_size", "Largest first"}, {"file_size", "Smallest first"}}

func (u *UI) libraryAllowed(q *req, k libKind) error {
	q.section, q.library = k.Plural, true
	if !q.a.ManagesMedia(k.Kind) && !q.a.SharedLibraryVisible(k.Kind) {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not manage %s on this site", k.Plural)
	}
	return nil
}

func (u *UI) libraryList(q *req) error {
	k := libOf(q)
	if err := u.libraryAllowed(q, k); err != nil {
		return err
	}
	qs := q.r.URL.Query()
	d := libList{K: k, Q: strings.TrimSpace(qs.Get("q")), Tag: strings.TrimSpace(qs.Get("tag")), Order: qs.Get("ordering"), View: qs.Get("view"),
		Shared: qs.Get("library") == "shared", Offers: q.a.SharedLibraryVisible(k.Kind)}
	if d.View != "list" || k.Kind != "image" {
		d.View = "grid"
		if k.Kind != "image" {
			d.View = "list"
		}
	}
	if d.Order != "" && !slices.Contains(canopy.MediaOrders, d.Order) {
		d.Order = ""
	}
	if len(d.Q) > 200 {
		d.Error, d.Q = "The search is longer than 200 characters.", ""
	}
	if v := qs.Get("collection"); v != "" {
		d.Collection, _ = strconv.ParseInt(v, 10, 64)
	}
	if d.Shared && !d.Offers {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not see the shared library")
	}
	if !d.Shared && !q.a.ManagesMedia(k.Kind) {
		// Only the shared library is theirs to see.
		return q.redirect(k.Path+"?library=shared", "", "")
	}
	offset := pageNumber(q.r, libraryPageSize)
	mq := service.MediaQuery{Q: d.Q, Tag: d.Tag, Order: d.Order, CollectionID: d.Collection, Limit: libraryPageSize, Offset: offset, Shared: d.Shared}
	if d.Shared {
		mq.CollectionID = 0
	}
	colls, err := q.a.MediaCollections(q.ctx(), k.Kind)
	if err != nil {
		return err
	}
	names := colls.Names
	if !d.Shared {
		d.Collections, d.MoveTargets, d.CanAdd = colls.Managed, colls.Addable, len(colls.Addable) > 0
	}
	editable := !d.Shared || q.a.User.IsSuperuser
	if k.Kind == "image" {
		list, total, err := q.a.Images(q.ctx(), mq)
		if err != nil {
			return err
		}
		d.Total = total
		for _, im := range list {
			row := libRow{ID: im.ID, Title: im.Title, Filename: im.Filename, Info: strconv.Itoa(im.Width) + "×" + strconv.Itoa(im.Height) + " · " + byteSize(im.FileSize),
				Where: names[im.CollectionID], Tags: im.Tags, Created: im.CreatedAt, Editable: editable, Shared: im.SiteID == 0}
			if ref, err := u.kit.Svc.RenditionURL(q.ctx(), im, "max-320x240"); err == nil {
				row.Thumb = ref.URL
			}
			d.Rows = append(d.Rows, row)
		}
	} else {
		list, total, err := q.a.Documents(q.ctx(), mq)
		if err != nil {
			return err
		}
		d.Total = total
		for _, doc := range list {
			d.Rows = append(d.Rows, libRow{ID: doc.ID, Title: doc.Title, Filename: doc.Filename, Info: strings.ToUpper(strings.TrimPrefix(fileExt(doc.Filename), ".")) + " · " + byteSize(doc.FileSize),
				Where: names[doc.CollectionID], Tags: doc.Tags, Created: doc.CreatedAt, Editable: editable, Shared: doc.SiteID == 0, Download: service.DocumentPath(doc)})
		}
	}
	d.Bulk = editable && len(d.Rows) > 0
	d.Here = q.r.URL.RequestURI()
	keep := url.Values{}
	for key, v := range map[string]string{"q": d.Q, "tag": d.Tag} {
		if v != "" {
			keep.Set(key, v)
		}
	}
	if d.Collection != 0 && !d.Shared {
		keep.Set("collection", strconv.FormatInt(d.Collection, 10))
	}
	if d.Shared {
		keep.Set("library", "shared")
	}
	base := url.URL{Path: k.Path}
	with := func(key, v string) string {
		vals, _ := url.ParseQuery(keep.Encode())
		if d.Order != "" {
			vals.Set("ordering", d.Order)
		}
		if v == "" {
			vals.Del(key)
		} else {
			vals.Set(key, v)
		}
		b := base
		b.RawQuery = vals.Encode()
		return b.String()
	}
	d.GridURL, d.ListURL = with("view", ""), with("view", "list")
	if d.View == "list" {
		keep.Set("view", "list")
	}
	base.RawQuery = keep.Encode()
	d.Columns = sortColumns(base, d.Order, [][2]string{{"Title", "title"}, {"Size", "file_size"}, {"Uploaded", "created"}})
	d.SortChoices = librarySortChoices
	if d.Order != "" {
		keep.Set("ordering", d.Order)
		base.RawQuery = keep.Encode()
	}
	d.Pager = makePager(base, d.Total, offset, libraryPageSize)
	title := k.Label
	if d.Shared {
		title = "Shared " + k.Plural
	}
	q.crumbs = []crumb{{Label: k.Label}}
	return q.render(http.StatusOK, "library", title, d)
}

// ---- upload ----

// uploadResult is one file's outcome.
type uploadResult struct {
	Filename, Title, Error string
	ID                     int64
	Edit, Thumb            string
}

type uploadData struct {
	K           libKind
	Collections []*service.CollectionWithPerms
	Results     []uploadResult
	Collection  int64
	Tags        string
	Error       string
	MaxBytes    int64
}

func (u *UI) addCollections(q *req, k libKind) ([]*service.CollectionWithPerms, error) {
	list, err := q.a.Collections(q.ctx(), "add_"+k.Kind)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, canopy.Errorf(canopy.EFORBIDDEN, "you may not add %s on this site", k.Plural)
	}
	return list, nil
}

func (u *UI) libraryAdd(q *req) error {
	k := libOf(q)
	q.section = k.Plural
	colls, err := u.addCollections(q, k)
	if err != nil {
		return err
	}
	d := uploadData{K: k, Collections: colls, MaxBytes: u.limit(k)}
	q.library = true
	q.crumbs = []crumb{{Label: k.Label, URL: k.Path}, {Label: "Upload"}}
	return q.render(http.StatusOK, "library_add", "Upload "+k.Plural, d)
}

func (u *UI) limit(k libKind) int64 {
	if k.Kind == "document" {
		return u.kit.Svc.Limits.MaxDocumentBytes
	}
	return u.kit.Svc.Limits.MaxImageBytes
}

// maxFilesPerPost bounds the files of one upload form (without script, all
// chosen files come in one request; the script sends one per request).
const maxFilesPerPost = 50

// libraryUpload stores the files of a multipart form one by one, as they
// stream in (one file in memory at a time): the good ones go in, each bad
// one is named with its reason. The script's requests (one file each) get
// JSON; a form sent without script gets the page with every result.
func (u *UI) libraryUpload(q *req) error {
	k := libOf(q)
	q.section = k.Plural
	colls, err := u.addCollections(q, k)
	if err != nil {
		return err
	}
	limit := u.limit(k)
	d := uploadData{K: k, Collections: colls, MaxBytes: limit}
	release, err := u.kit.Svc.UploadSlot(q.ctx())
	if err != nil {
		return err
	}
	defer release()
	q.r.Body = http.MaxBytesReader(q.w, q.r.Body, maxFilesPerPost*(limit+1<<20))
	mr, err := q.r.MultipartReader()
	if err != nil {
		return canopy.Errorf(canopy.EINVALID, "send the files as a multipart form")
	}
	csrf := q.csrfOK
	var tags []string
	files := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.Error = "The upload was interrupted or is too large; the files listed below arrived."
			break
		}
		name := part.FormName()
		if name != "file" {
			b, _ := io.ReadAll(io.LimitReader(part, 64<<10))
			switch v := string(b); name {
			case "csrf":
				csrf = csrf || hmac.Equal(b, []byte(q.csrf))
			case "collection_id":
				d.Collection, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			case "tags":
				d.Tags = v
				tags = splitTagList(v)
			}
			continue
		}
		if !csrf {
			return errCSRF
		}
		_, params, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		filename := params["filename"]
		if filename == "" {
			continue // an empty file input
		}
		files++
		if files > maxFilesPerPost {
			d.Results = append(d.Results, uploadResult{Filename: filename, Error: "Not uploaded: send at most " + strconv.Itoa(maxFilesPerPost) + " files at once."})
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, limit+1))
		res := uploadResult{Filename: filename}
		switch {
		case err != nil:
			res.Error = "The upload of this file was interrupted."
		case int64(len(data)) > limit:
			res.Error = "The file is larger than " + byteSize(limit) + "."
		case len(data) == 0:
			res.Error = "The file is empty."
		default:
			u.storeUpload(q, k, service.Upload{Filename: filename, Data: data, CollectionID: d.Collection, Tags: tags}, &res)
		}
		d.Results = append(d.Results, res)
	}
	if !csrf {
		return errCSRF
	}
	if q.fragmentWanted() {
		status := http.StatusOK
		if len(d.Results) == 0 {
			d.Results = append(d.Results, uploadResult{Error: "Choose a file to upload."})
		}
		if d.Results[0].Error != "" {
			status = http.StatusBadRequest
		}
		httpkit.WriteJSON(q.w, status, d.Results[0])
		return nil
	}
	if len(d.Results) == 0 && d.Error == "" {
		d.Error = "Choose one or more files to upload."
	}
	q.library = true
	status := http.StatusOK
	for _, r := range d.Results {
		if r.Error != "" {
			status = http.StatusBadRequest
		}
	}
	q.crumbs = []crumb{{Label: k.Label, URL: k.Path}, {Label: "Upload"}}
	return q.render(status, "library_add", "Upload "+k.Plural, d)
}

func (u *UI) storeUpload(q *req, k libKind, up service.Upload, res *uploadResult) {
	if k.Kind == "image" {
		im, err := q.a.UploadImage(q.ctx(), up)
		if err != nil {
			res.Error = uploadMessage(err)
			return
		}
		res.ID, res.Title = im.ID, im.Title
		if ref, err := u.kit.Svc.RenditionURL(q.ctx(), im, service.ThumbSpec); err == nil {
			res.Thumb = ref.URL
		}
	} else {
		doc, err := q.a.UploadDocument(q.ctx(), up)
		if err != nil {
			res.Error = uploadMessage(err)
			return
		}
		res.ID, res.Title = doc.ID, doc.Title
	}
	res.Edit = k.Path + strconv.FormatInt(res.ID, 10) + "/"
}

// uploadMessage is a refused file's reason as a sentence.
func uploadMessage(err error) string {
	switch canopy.ErrorCode(err) {
	case canopy.EINVALID, canopy.ETOOLARGE, canopy.ECONFLICT, canopy.EFORBIDDEN, canopy.ENOTFOUND:
		return sentence(canopy.ErrorMessage(err))
	case canopy.EUNAVAILABLE:
		return "The server is busy making images; try this file again in a minute."
	}
	return "This file could not be stored; try again."
}

func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func splitTagList(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// ---- edit ----

type libPreview struct {
	Label, URL    string
	Width, Height int
}

type libForm struct {
	K                         libKind
	ID                        int64
	Title, Alt, Tags          formField
	FocalX, FocalY            formField
	FocalW, FocalH            formField
	Collection                int64
	Collections               []*service.CollectionWithPerms
	Errors                    []summaryItem
	CollectionError           string
	FocalError, FileError     string
	Image                     *canopy.Image
	Document                  *canopy.Document
	Original                  libPreview
	Previews                  []libPreview
	Used                      []usageRow
	UsedTotal                 int
	CanDelete, Shared         bool
	Download, Filename, Info  string
	UploadedAt, UpdatedAt     time.Time
	MaxBytes                  int64
	HasFocal                  bool
	ClearFocal                bool
	ImageWidth, ImageHeight   int
	FileAccept                string
	CollectionName, OwnerName string
}

// usageRow is one place an item is used, with a link to it.
type usageRow struct {
	canopy.Usage
	Kind, URL, FieldLabel string
}

func (u *UI) usageRows(q *req, list []canopy.Usage) []usageRow {
	out := make([]usageRow, len(list))
	types := q.a.Types()
	for i, us := range list {
		r := usageRow{Usage: us, FieldLabel: us.Field}
		switch us.SourceKind {
		case "page":
			r.Kind, r.URL = "Page", "/admin/pages/"+strconv.FormatInt(us.SourceID, 10)+"/edit/"
			if pt := types.Get(us.SourceType); pt != nil {
				r.Kind = pt.Label
				for _, f := range pt.Fields {
					if f.Name == us.Field {
						r.FieldLabel = f.Label
					}
				}
			}
		case "snippet":
			r.Kind, r.URL = "Snippet", "/admin/snippets/"+url.PathEscape(us.SourceType)+"/"+strconv.FormatInt(us.SourceID, 10)+"/"
			if st, _, err := q.a.SnippetType(us.SourceType); err == nil {
				r.Kind = st.Label
				for _, f := range st.Fields {
					if f.Name == us.Field {
						r.FieldLabel = f.Label
					}
				}
			}
		case "settings":
			r.Kind, r.URL = "Settings", "/admin/settings/"+url.PathEscape(us.SourceType)+"/"
			if st := service.SettingsType(us.SourceType); st != nil {
				r.Title = st.Label
				for _, f := range st.Fields {
					if f.Name == us.Field {
						r.FieldLabel = f.Label
					}
				}
			}
		}
		out[i] = r
	}
	return out
}

func (u *UI) libraryItem(q *req, k libKind) (*libForm, error) {
	id, err := pathID(q.r, "id")
	if err != nil {
		return nil, err
	}
	f := &libForm{K: k, ID: id, MaxBytes: u.limit(k)}
	var perms []string
	var coll int64
	if k.Kind == "image" {
		im, err := q.a.Image(q.ctx(), id)
		if err != nil {
			return nil, err
		}
		f.Image, perms, coll = im.Image, im.Permissions, im.CollectionID
		f.Title.Value, f.Alt.Value, f.Tags.Value = im.Title, im.AltText, strings.Join(im.Tags, ", ")
		f.Filename, f.Shared, f.UploadedAt, f.UpdatedAt = im.Filename, im.SiteID == 0, im.CreatedAt, im.UpdatedAt
		f.Info = strings.ToUpper(im.Format) + " · " + strconv.Itoa(im.Width) + "×" + strconv.Itoa(im.Height) + " pixels · " + byteSize(im.FileSize)
		f.ImageWidth, f.ImageHeight, f.FileAccept = im.Width, im.Height, "image/*"
		if im.Focal != nil {
			f.HasFocal = true
			f.FocalX.Value, f.FocalY.Value = strconv.Itoa(im.Focal.X), strconv.Itoa(im.Focal.Y)
			f.FocalW.Value, f.FocalH.Value = strconv.Itoa(im.Focal.W), strconv.Itoa(im.Focal.H)
		}
	} else {
		doc, err := q.a.Document(q.ctx(), id)
		if err != nil {
			return nil, err
		}
		f.Document, perms, coll = doc.Document, doc.Permissions, doc.CollectionID
		f.Title.Value, f.Tags.Value = doc.Title, strings.Join(doc.Tags, ", ")
		f.Filename, f.Shared, f.UploadedAt, f.UpdatedAt = doc.Filename, doc.SiteID == 0, doc.CreatedAt, doc.UpdatedAt
		f.Info = strings.ToUpper(strings.TrimPrefix(fileExt(doc.Filename), ".")) + " · " + byteSize(doc.FileSize) + " · " + doc.ContentType
		f.Download = service.DocumentPath(doc.Document)
	}
	if !slices.Contains(perms, "change") {
		return nil, canopy.Errorf(canopy.EFORBIDDEN, "you may not change this %s", k.Kind)
	}
	f.Collection, f.CanDelete = coll, slices.Contains(perms, "delete")
	return f, nil
}

// prepare fills what the edit screen shows besides the fields.
func (u *UI) prepareLibForm(q *req, f *libForm) error {
	k := f.K
	f.Title = formField{ID: "id_title", Name: "title", Label: "Title", Kind: "text", Required: true, MaxLength: 255, Value: f.Title.Value, Error: f.Title.Error}
	f.Tags = formField{ID: "id_tags", Name: "tags", Label: "Tags", Kind: "text", MaxLength: 1000, Value: f.Tags.Value, Error: f.Tags.Error,
		Help: "Separate tags with commas: campus, winter."}
	if k.Kind == "image" {
		f.Alt = formField{ID: "id_alt_text", Name: "alt_text", Label: "Alt text", Kind: "textarea", MaxLength: 1000, Value: f.Alt.Value, Error: f.Alt.Error,
			Help: "What the image shows, for people who cannot see it. Leave empty if it is decoration only."}
		for _, ff := range []struct {
			f            *formField
			id, n, label string
		}{{&f.FocalX, "id_focal_x", "focal_x", "Left"}, {&f.FocalY, "id_focal_y", "focal_y", "Top"}, {&f.FocalW, "id_focal_w", "focal_width", "Width"}, {&f.FocalH, "id_focal_h", "focal_height", "Height"}} {
			ff.f.ID, ff.f.Name, ff.f.Label, ff.f.Kind = ff.id, ff.n, ff.label, "integer"
		}
		im := f.Image
		if ref, err := u.kit.Svc.RenditionURL(q.ctx(), im, "max-800x600"); err == nil {
			f.Original = libPreview{Label: "The image", URL: ref.URL, Width: ref.Width, Height: ref.Height}
		}
		for _, p := range []struct{ label, spec string }{{"Square crop (fill-240x240)", "fill-240x240"}, {"Wide crop (fill-400x200)", "fill-400x200"}, {"Tall crop (fill-160x240)", "fill-160x240"}} {
			if ref, err := u.kit.Svc.RenditionURL(q.ctx(), im, p.spec); err == nil {
				f.Previews = append(f.Previews, libPreview{Label: p.label, URL: ref.URL, Width: ref.Width, Height: ref.Height})
			}
		}
	}
	colls, err := q.a.Collections(q.ctx(), "add_"+k.Kind)
	if err != nil {
		return err
	}
	f.Collections = colls
	if !slices.ContainsFunc(colls, func(c *service.CollectionWithPerms) bool { return c.ID == f.Collection }) {
		if c, err := q.a.Collection(q.ctx(), f.Collection); err == nil {
			f.Collections = append([]*service.CollectionWithPerms{c}, colls...)
		}
	}
	if !f.Shared {
		used, total, err := q.a.Usage(q.ctx(), k.Kind, "", f.ID, 10, 0)
		if err != nil {
			return err
		}
		f.Used, f.UsedTotal = u.usageRows(q, used), total
	}
	return nil
}

func (u *UI) showLibForm(q *req, status int, f *libForm) error {
	if err := u.prepareLibForm(q, f); err != nil {
		return err
	}
	for _, ff := range []*formField{&f.Title, &f.Alt, &f.Tags} {
		if ff.Error != "" {
			f.Errors = append(f.Errors, summaryItem{Anchor: ff.ID, Label: ff.Label, Message: ff.Error})
		}
	}
	if f.CollectionError != "" {
		f.Errors = append(f.Errors, summaryItem{Anchor: "id_collection", Label: "Collection", Message: f.CollectionError})
	}
	if f.FocalError != "" {
		f.Errors = append(f.Errors, summaryItem{Anchor: "id_focal_x", Label: "Focal point", Message: f.FocalError})
	}
	if f.FileError != "" {
		f.Errors = append(f.Errors, summaryItem{Anchor: "id_file", Label: "Replace the file", Message: f.FileError})
	}
	q.section, q.library = f.K.Plural, true
	q.crumbs = []crumb{{Label: f.K.Label, URL: f.K.Path}, {Label: f.Title.Value}}
	return q.render(status, "library_edit", f.Title.Value, f)
}

func (u *UI) libraryEdit(q *req) error {
	k := libOf(q)
	q.section = k.Plural
	f, err := u.libraryItem(q, k)
	if err != nil {
		return err
	}
	return u.showLibForm(q, http.StatusOK, f)
}

func (u *UI) libraryEditSubmit(q *req) error {
	k := libOf(q)
	q.section = k.Plural
	f, err := u.libraryItem(q, k)
	if err != nil {
		return err
	}
	r := q.r
	title, alt := strings.TrimSpace(r.PostFormValue("title")), r.PostFormValue("alt_text")
	tags := splitTagList(r.PostFormValue("tags"))
	f.Title.Value, f.Alt.Value, f.Tags.Value = title, alt, r.PostFormValue("tags")
	ch := service.MediaChange{Title: &title, Tags: &tags}
	if v := r.PostFormValue("collection_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f.CollectionError = "Choose a collection from the list."
			return u.showLibForm(q, http.StatusBadRequest, f)
		}
		f.Collection, ch.CollectionID = id, &id
	}
	if title == "" {
		f.Title.Error = "This field is required."
	}
	if k.Kind == "image" {
		ch.AltText = &alt
		f.FocalX.Value, f.FocalY.Value = strings.TrimSpace(r.PostFormValue("focal_x")), strings.TrimSpace(r.PostFormValue("focal_y"))
		f.FocalW.Value, f.FocalH.Value = strings.TrimSpace(r.PostFormValue("focal_width")), strings.TrimSpace(r.PostFormValue("focal_height"))
		f.ClearFocal = r.PostFormValue("focal_clear") == "on"
		vals := []string{f.FocalX.Value, f.FocalY.Value, f.FocalW.Value, f.FocalH.Value}
		empty := vals[0] == "" && vals[1] == "" && vals[2] == "" && vals[3] == ""
		switch {
		case f.ClearFocal || empty:
			if f.Image.Focal != nil {
				ch.SetFocal = true
			}
		default:
			var n [4]int
			for i, v := range vals {
				x, err := strconv.Atoi(v)
				if err != nil || x < 0 {
					f.FocalError = "Give the focal area's left, top, width and height in whole pixels (or clear it)."
					break
				}
				n[i] = x
			}
			if f.FocalError == "" {
				focal := &canopy.Focal{X: n[0], Y: n[1], W: n[2], H: n[3]}
				if old := f.Image.Focal; old == nil || *old != *focal {
					ch.SetFocal, ch.Focal = true, focal
				}
			}
		}
	}
	if f.Title.Error != "" || f.FocalError != "" {
		return u.showLibForm(q, http.StatusBadRequest, f)
	}
	if k.Kind == "image" {
		_, err = q.a.UpdateImage(q.ctx(), f.ID, ch)
	} else {
		_, err = q.a.UpdateDocument(q.ctx(), f.ID, ch)
	}
	if err != nil {
		if !formError(err) && canopy.ErrorCode(err) != canopy.EFORBIDDEN && canopy.ErrorCode(err) != canopy.ENOTFOUND {
			return err
		}
		msg := sentence(canopy.ErrorMessage(err))
		field, text := canopy.ErrorField(err), canopy.ErrorMessage(err)
		switch {
		case field == "alt_text" || strings.Contains(text, "alt text"):
			f.Alt.Error = msg
		case field == "tags" || strings.Contains(text, "tag"):
			f.Tags.Error = msg
		case strings.Contains(text, "focal"):
			f.FocalError = msg
		case strings.Contains(text, "collection"):
			f.CollectionError = msg
		default:
			f.Title.Error = msg
		}
		return u.showLibForm(q, http.StatusBadRequest, f)
	}
	return q.redirect(k.Path+strconv.FormatInt(f.ID, 10)+"/", "success", "“"+title+"” saved.")
}

// libraryReplace takes a new file for an item (multipart, streamed).
func (u *UI) libraryReplace(q *req) error {
	k := libOf(q)
	q.section = k.Plural
	f, err := u.libraryItem(q, k)
	if err != nil {
		return err
	}
	release, err := u.kit.Svc.UploadSlot(q.ctx())
	if err != nil {
		return err
	}
	defer release()
	extra := map[string]string{"csrf": ""}
	up, err := httpkit.ReadUpload(q.w, q.r, u.limit(k), extra)
	if !q.csrfOK && !hmac.Equal([]byte(extra["csrf"]), []byte(q.csrf)) {
		return errCSRF
	}
	if err == nil && len(up.Data) == 0 {
		err = canopy.Errorf(canopy.EINVALID, "choose a file")
		if up.Filename != "" {
			err = canopy.Errorf(canopy.EINVALID, "the file is empty")
		}
	}
	if err == nil {
		if k.Kind == "image" {
			_, err = q.a.ReplaceImage(q.ctx(), f.ID, up)
		} else {
			_, err = q.a.ReplaceDocument(q.ctx(), f.ID, up)
		}
	}
	if err != nil {
		if code := canopy.ErrorCode(err); code == canopy.EINTERNAL || code == canopy.ENOTFOUND || code == canopy.EFORBIDDEN {
			return err
		}
		f.FileError = uploadMessage(err)
		return u.showLibForm(q, http.StatusBadRequest, f)
	}
	return q.redirect(k.Path+strconv.FormatInt(f.ID, 10)+"/", "success", "The file of “"+f.Title.Value+"” is replaced; pages show the new one.")
}

// ---- usage and delete ----

func (u *UI) libraryUsage(q *req) error {
	k := libOf(q)
	q.section = k.Plural
	f, err := u.libraryItem(q, k)
	if err != nil {
		return err
	}
	offset := pageNumber(q.r, 50)
	list, total, err := q.a.Usage(q.ctx(), k.Kind, "", f.ID, 50, offset)
	if err != nil {
		return err
	}
	q.crumbs = []crumb{{Label: k.Label, URL: k.Path}, {Label: f.Title.Value, URL: k.Path + strconv.FormatInt(f.ID, 10) + "/"}, {Label: "Used on"}}
	return q.render(http.StatusOK, "library_usage", "Where “"+f.Title.Value+"” is used", map[string]any{"K": k, "Item": f, "Rows": u.usageRows(q, list), "Total": total,
		"Pager": makePager(url.URL{Path: q.r.URL.Path}, total, offset, 50)})
}

func (u *UI) libraryDelete(q *req) error {
	k := libOf(q)
	q.section = k.Plural
	f, err := u.libraryItem(q, k)
	if err != nil {
		return err
	}
	if !f.CanDelete {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not delete this %s", k.Kind)
	}
	if q.r.Method == http.MethodPost {
		if k.Kind == "image" {
			err = q.a.DeleteImage(q.ctx(), f.ID)
		} else {
			err = q.a.DeleteDocument(q.ctx(), f.ID)
		}
		if err != nil {
			return err
		}
		return q.redirect(k.Path, "success", "“"+f.Title.Value+"” deleted.")
	}
	list, total, err := q.a.Usage(q.ctx(), k.Kind, "", f.ID, 50, 0)
	if err != nil {
		return err
	}
	q.crumbs = []crumb{{Label: k.Label, URL: k.Path}, {Label: f.Title.Value, URL: k.Path + strconv.FormatInt(f.ID, 10) + "/"}, {Label: "Delete"}}
	return q.render(http.StatusOK, "library_delete", "Delete “"+f.Title.Value+"”?", map[string]any{"K": k, "Item": f, "Rows": u.usageRows(q, list), "Total": total})
}

// ---- bulk actions ----

type bulkData struct {
	K           libKind
	Action      string
	Items       []libRow
	IDs         []int64
	Targets     []*service.CollectionWithPerms
	Used        map[int64]int
	MoveTo      int64
	Tags, Error string
	Back        string
}

func (u *UI) libraryBulk(q *req) error {
	k := libOf(q)
	if err := u.libraryAllowed(q, k); err != nil {
		return err
	}
	form := q.r.URL.Query()
	if q.r.Method == http.MethodPost {
		form = q.r.PostForm
	}
	d := bulkData{K: k, Action: form.Get("action"), Back: k.Path}
	if back := form.Get("back"); strings.HasPrefix(back, k.Path) && !strings.HasPrefix(back, "//") {
		d.Back = back
	}
	if !slices.Contains([]string{"move", "tag", "delete"}, d.Action) {
		return canopy.Errorf(canopy.EINVALID, "choose an action: move, tag or delete")
	}
	for _, v := range form["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return canopy.Errorf(canopy.ENOTFOUND, "not found")
		}
		if !slices.Contains(d.IDs, id) {
			d.IDs = append(d.IDs, id)
		}
	}
	if len(d.IDs) == 0 {
		return q.redirect(d.Back, "error", "Select one or more "+k.Plural+" first.")
	}
	if len(d.IDs) > service.MaxBulk {
		return canopy.Errorf(canopy.EINVALID, "select at most %d %s at once", service.MaxBulk, k.Plural)
	}
	// Every item must be one the user may change: another site's id is 404.
	for _, id := range d.IDs {
		q.r.SetPathValue("id", strconv.FormatInt(id, 10))
		f, err := u.libraryItem(q, k)
		if err != nil {
			return err
		}
		if d.Action == "delete" && !f.CanDelete {
			return canopy.Errorf(canopy.EFORBIDDEN, "you may not delete “%s”", f.Title.Value)
		}
		row := libRow{ID: id, Title: f.Title.Value, Info: f.Info}
		if f.Image != nil {
			if ref, err := u.kit.Svc.RenditionURL(q.ctx(), f.Image, service.ThumbSpec); err == nil {
				row.Thumb = ref.URL
			}
		}
		d.Items = append(d.Items, row)
	}
	var err error
	if d.Targets, err = q.a.Collections(q.ctx(), "add_"+k.Kind); err != nil {
		return err
	}
	if d.Used, err = q.a.UsageCounts(q.ctx(), k.Kind, d.IDs); err != nil {
		return err
	}
	if q.r.Method == http.MethodPost {
		op := canopy.MediaBulk{}
		switch d.Action {
		case "move":
			d.MoveTo, _ = strconv.ParseInt(form.Get("collection_id"), 10, 64)
			if d.MoveTo == 0 {
				d.Error = "Choose the collection to move them to."
			}
			op.MoveTo = d.MoveTo
		case "tag":
			d.Tags = form.Get("tags")
			op.AddTags = splitTagList(d.Tags)
			if len(op.AddTags) == 0 {
				d.Error = "Type at least one tag."
			}
		case "delete":
			op.Delete = true
		}
		if d.Error == "" {
			n, err := q.a.BulkMedia(q.ctx(), k.Kind, d.IDs, op)
			if err == nil {
				done := map[string]string{"move": "moved", "tag": "tagged", "delete": "deleted"}[d.Action]
				return q.redirect(d.Back, "success", plural(n, k.Kind)+" "+done+".")
			}
			if !formError(err) {
				return err
			}
			d.Error = sentence(canopy.ErrorMessage(err))
		}
		q.crumbs = []crumb{{Label: k.Label, URL: k.Path}, {Label: bulkTitle(d)}}
		return q.render(http.StatusBadRequest, "library_bulk", bulkTitle(d), d)
	}
	q.crumbs = []crumb{{Label: k.Label, URL: k.Path}, {Label: bulkTitle(d)}}
	return q.render(http.StatusOK, "library_bulk", bulkTitle(d), d)
}

func bulkTitle(d bulkData) string {
	n := plural(len(d.IDs), d.K.Kind)
	switch d.Action {
	case "move":
		return "Move " + n + " to a collection"
	case "tag":
		return "Add tags to " + n
	}
	return "Delete " + n + "?"
}
