package adminui

import (
	"crypto/hmac"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// The image and document choosers: this site's media (and the shared
// library where the user may choose from it), search, a collection filter,
// and an upload form that chooses what it uploaded.

type mediaChoice struct {
	ID                    int64
	Title, Thumb, Preview string
	URL, Filename, Info   string
	Shared                bool
}

type mediaChooserData struct {
	Kind, Q     string
	Collection  int64
	Collections []*service.CollectionWithPerms
	Uploadable  []*service.CollectionWithPerms
	Items       []mediaChoice
	Pager       pager
	Rich        string
	Error       string
	Title       string
	Action      string
}

func (u *UI) mediaQuery(q *req) (service.MediaQuery, int, error) {
	qs := q.r.URL.Query()
	mq := service.MediaQuery{Q: strings.TrimSpace(qs.Get("q")), Choose: true, Limit: chooserPageSize}
	if len(mq.Q) > 200 {
		return mq, 0, canopy.Errorf(canopy.EINVALID, "the search is longer than 200 characters")
	}
	if v := qs.Get("collection"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return mq, 0, canopy.Errorf(canopy.EINVALID, "choose a collection from the list")
		}
		mq.CollectionID = n
	}
	offset := pageNumber(q.r, chooserPageSize)
	mq.Offset = offset
	return mq, offset, nil
}

func (u *UI) chooseImage(q *req) error    { return u.chooseMedia(q, "image", nil) }
func (u *UI) chooseDocument(q *req) error { return u.chooseMedia(q, "document", nil) }

func (u *UI) chooseMedia(q *req, kind string, uploadErr error) error {
	d := mediaChooserData{Kind: kind, Rich: q.r.URL.Query().Get("rich"), Title: "Choose an image", Action: "/admin/choose/image/"}
	if kind == "document" {
		d.Title, d.Action = "Choose a document", "/admin/choose/document/"
	}
	if uploadErr != nil {
		d.Error = canopy.ErrorMessage(uploadErr)
	}
	mq, offset, err := u.mediaQuery(q)
	if err != nil {
		return err
	}
	d.Q, d.Collection = mq.Q, mq.CollectionID
	if d.Collections, err = q.a.Collections(q.ctx(), "choose_"+kind); err != nil {
		return err
	}
	if d.Uploadable, err = q.a.Collections(q.ctx(), "add_"+kind); err != nil {
		return err
	}
	var total int
	if kind == "image" {
		ims, n, err := q.a.Images(q.ctx(), mq)
		if err != nil {
			return err
		}
		total = n
		for _, im := range ims {
			d.Items = append(d.Items, u.imageChoice(q, im))
		}
	} else {
		docs, n, err := q.a.Documents(q.ctx(), mq)
		if err != nil {
			return err
		}
		total = n
		for _, doc := range docs {
			d.Items = append(d.Items, documentChoice(doc))
		}
	}
	base, _ := url.Parse(d.Action)
	v := url.Values{}
	if d.Q != "" {
		v.Set("q", d.Q)
	}
	if d.Collection != 0 {
		v.Set("collection", strconv.FormatInt(d.Collection, 10))
	}
	if d.Rich != "" {
		v.Set("rich", d.Rich)
	}
	base.RawQuery = v.Encode()
	d.Pager = makePager(*base, total, offset, chooserPageSize)
	return u.chooserAnswer(q, "choose_media", d.Title, d)
}

func (u *UI) imageChoice(q *req, im *canopy.Image) mediaChoice {
	c := mediaChoice{ID: im.ID, Title: im.Title, Filename: im.Filename, Info: strconv.Itoa(im.Width) + "×" + strconv.Itoa(im.Height), Shared: im.SiteID == 0}
	if ref, err := u.kit.Svc.RenditionURL(q.ctx(), im, service.ThumbSpec); err == nil {
		c.Thumb = ref.URL
	}
	if ref, err := u.kit.Svc.RenditionURL(q.ctx(), im, service.RichTextImageSpec); err == nil {
		c.Preview = ref.URL
	}
	return c
}

func fileExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func (u *UI) uploadImage(q *req) error    { return u.upload(q, "image") }
func (u *UI) uploadDocument(q *req) error { return u.upload(q, "document") }

// upload stores a file from the chooser's form and chooses it.
func (u *UI) upload(q *req, kind string) error {
	limit := u.kit.Svc.Limits.MaxImageBytes
	if kind == "document" {
		limit = u.kit.Svc.Limits.MaxDocumentBytes
	}
	release, err := u.kit.Svc.UploadSlot(q.ctx())
	if err != nil {
		return err
	}
	defer release()
	extra := map[string]string{"csrf": "", "rich": ""}
	up, err := httpkit.ReadUpload(q.w, q.r, limit, extra)
	if !q.csrfOK && !hmac.Equal([]byte(extra["csrf"]), []byte(q.csrf)) {
		return errCSRF
	}
	if err != nil {
		return u.chooseMedia(q, kind, err)
	}
	var chosen mediaChoice
	if kind == "image" {
		im, err := q.a.UploadImage(q.ctx(), up)
		if err != nil {
			return u.chooseMedia(q, kind, err)
		}
		chosen = u.imageChoice(q, im)
	} else {
		doc, err := q.a.UploadDocument(q.ctx(), up)
		if err != nil {
			return u.chooseMedia(q, kind, err)
		}
		chosen = mediaChoice{ID: doc.ID, Title: doc.Title, URL: service.DocumentPath(doc)}
	}
	if q.fragmentWanted() {
		return q.partial("choose_media", "chosen", chosen)
	}
	return q.render(http.StatusCreated, "choose_media_done", "Uploaded", chosen)
}
