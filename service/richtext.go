package service

import (
	"context"
	"html"
	"regexp"
	"strconv"

	"github.com/canopy-cms/canopy"
)

// Rich text refers to media by id; on save the references are checked
// against the site and their src/href filled in, so that delivery serves the
// stored HTML as it is:
//
//	<img data-image-id="12" alt="…">        → src, width and height of a max-1200x1200 rendition
//	<a data-document-id="7">Minutes</a>     → href of the document's download URL
var (
	richImgTag = regexp.MustCompile(`<img\b[^>]*\bdata-image-id="(\d+)"[^>]*>`)
	richDocTag = regexp.MustCompile(`<a\b[^>]*\bdata-document-id="(\d+)"[^>]*>`)
	altAttr    = regexp.MustCompile(`\balt="([^"]*)"`)
)

// RichTextImageSpec is the rendition rich-text images are shown at.
const RichTextImageSpec = "max-1200x1200"

// linkMedia fills in the media references of a page's rich text fields.
func (p *Pages) linkMedia(ctx context.Context, typeName string, fields map[string]any) (map[string]any, error) {
	pt := p.svc.Types.Get(typeName)
	if pt == nil {
		return fields, nil
	}
	for _, f := range pt.Fields {
		if f.Type != canopy.FieldRichText {
			continue
		}
		s, ok := fields[f.Name].(string)
		if !ok || s == "" {
			continue
		}
		out, err := p.svc.LinkRichTextMedia(ctx, p.store.SiteID(), s)
		if err != nil {
			return nil, canopy.FieldErrorf("fields."+f.Name, canopy.ErrorCode(err), "field %q: %s", f.Name, canopy.ErrorMessage(err))
		}
		fields[f.Name] = out
	}
	return fields, nil
}

// LinkRichTextMedia rewrites the media references of sanitised rich text of a
// site; a reference to another site's (or a missing) image or document is an
// error.
func (s *Service) LinkRichTextMedia(ctx context.Context, siteID int64, text string) (string, error) {
	text = s.ExpandEmbeds(ctx, text)
	imgs := richImgTag.FindAllStringSubmatch(text, -1)
	docs := richDocTag.FindAllStringSubmatch(text, -1)
	if len(imgs)+len(docs) == 0 {
		return text, nil
	}
	store := s.DB.Site(siteID, s.Types)
	ids := func(ms [][]string) []int64 {
		var out []int64
		for _, m := range ms {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			out = append(out, n)
		}
		return out
	}
	images, err := store.ImagesByID(ctx, ids(imgs))
	if err != nil {
		return "", err
	}
	documents, err := store.DocumentsByID(ctx, ids(docs))
	if err != nil {
		return "", err
	}
	var fail error
	text = richImgTag.ReplaceAllStringFunc(text, func(tag string) string {
		m := richImgTag.FindStringSubmatch(tag)
		id, _ := strconv.ParseInt(m[1], 10, 64)
		im := images[id]
		if im == nil {
			fail = canopy.Errorf(canopy.EINVALID, "the rich text refers to image %d, which is not on this site", id)
			return tag
		}
		ref, err := s.RenditionURL(ctx, im, RichTextImageSpec)
		if err != nil {
			fail = err
			return tag
		}
		alt := im.Title
		if a := altAttr.FindStringSubmatch(tag); a != nil {
			alt = html.UnescapeString(a[1])
		}
		return `<img data-image-id="` + m[1] + `" src="` + html.EscapeString(ref.URL) + `" width="` + strconv.Itoa(ref.Width) +
			`" height="` + strconv.Itoa(ref.Height) + `" alt="` + html.EscapeString(alt) + `">`
	})
	text = richDocTag.ReplaceAllStringFunc(text, func(tag string) string {
		m := richDocTag.FindStringSubmatch(tag)
		id, _ := strconv.ParseInt(m[1], 10, 64)
		d := documents[id]
		if d == nil {
			fail = canopy.Errorf(canopy.EINVALID, "the rich text links to document %d, which is not on this site", id)
			return tag
		}
		return `<a data-document-id="` + m[1] + `" href="` + html.EscapeString(DocumentPath(d)) + `">`
	})
	return text, fail
}

// DocumentPath is a document's download URL on its site.
func DocumentPath(d *canopy.Document) string {
	return "/media/documents/" + strconv.FormatInt(d.ID, 10) + "/" + canopy.SafeKeyName(d.Filename)
}
