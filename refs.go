package canopy

import (
	"regexp"
	"sort"
	"strconv"
)

// Reference is one object a field value refers to: what the "used on" of an
// image, a document, a snippet or a page lists (decision 0025).
type Reference struct {
	Kind  string // RefImage, RefDocument, RefSnippet or RefPage
	ID    int64
	Field string // the field's name
}

// Kinds of referenced objects.
const (
	RefImage    = "image"
	RefDocument = "document"
	RefSnippet  = "snippet"
	RefPage     = "page"
)

// Rich text refers to objects by id in the attributes the sanitiser writes:
// <img data-image-id="N">, <a data-document-id="N">, <a data-page-id="N">.
var richRefs = []struct {
	re   *regexp.Regexp
	kind string
}{
	{regexp.MustCompile(`data-image-id="(\d+)"`), RefImage},
	{regexp.MustCompile(`data-document-id="(\d+)"`), RefDocument},
	{regexp.MustCompile(`data-page-id="(\d+)"`), RefPage},
}

// RichTextRefs lists the objects rich text refers to, in the order of the
// kinds (images, documents, pages) then of the text; Field is empty.
func RichTextRefs(html string) []Reference {
	var out []Reference
	for _, r := range richRefs {
		for _, m := range r.re.FindAllStringSubmatch(html, -1) {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			out = append(out, Reference{Kind: r.kind, ID: id})
		}
	}
	return out
}

// FieldReferences lists the objects that field values refer to (chooser
// fields and rich text), each once per field, sorted.
func FieldReferences(defs []Field, fields map[string]any) []Reference {
	seen := map[Reference]bool{}
	add := func(kind string, id int64, field string) {
		if id > 0 {
			seen[Reference{kind, id, field}] = true
		}
	}
	for _, f := range defs {
		v, ok := fields[f.Name]
		if !ok || v == nil {
			continue
		}
		switch f.Type {
		case FieldImage:
			add(RefImage, RefID(v), f.Name)
		case FieldDocument:
			add(RefDocument, RefID(v), f.Name)
		case FieldSnippet:
			add(RefSnippet, RefID(v), f.Name)
		case FieldPage:
			add(RefPage, RefID(v), f.Name)
		case FieldRichText:
			html, _ := v.(string)
			for _, r := range RichTextRefs(html) {
				add(r.Kind, r.ID, f.Name)
			}
		}
	}
	out := make([]Reference, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Field < b.Field
	})
	return out
}

// RefID is the id a reference field's value holds (JSON numbers decode as
// float64), 0 for anything else.
func RefID(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case int:
		return int64(x)
	}
	return 0
}

// Usage is one place an object is used: a page, a snippet or a settings
// group of the site, and the field that refers to it.
type Usage struct {
	SourceKind string // "page", "snippet" or "settings"
	SourceID   int64  // the page's or snippet's id (0 for settings)
	SourceType string // the page type, snippet type or settings name
	Title      string
	Field      string
}
