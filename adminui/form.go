package adminui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// The page form: generated from the page type's schema, with every field
// type Canopy has. Values travel as strings; errors sit beside their fields
// and in a summary that links to them.

type formField struct {
	ID, Name, Label, Kind, Help string
	Value                       string
	Checked                     bool
	Required                    bool
	MaxLength                   int
	Error                       string
	// Reference fields: the chooser to open and what is chosen now.
	ChooserURL, ChosenTitle, ChosenThumb string
	// ChooseWhat names what the chooser offers ("a page", "a location").
	ChooseWhat string
	Missing    bool // an id that names nothing on this site
	// SectionStart is the heading of the group of fields this one starts
	// (settings), "" within a group.
	SectionStart string
}

type summaryItem struct{ Anchor, Label, Message string }

type pageForm struct {
	Type                                              *canopy.PageType
	Title, Slug, SeoTitle, SearchDescription          formField
	ShowInMenus, HideFromSearch, GoLiveAt, ExpireAt   formField
	Fields                                            []formField
	BaseRevision                                      int64
	Errors                                            []summaryItem
	Dirty                                             bool // restored input not saved yet
	RichLinkChooser, RichImageChooser, RichDocChooser string
}

const dtLocal = "2006-01-02T15:04"

// article is "a location" or "an event".
func article(label string) string {
	l := strings.ToLower(label)
	if l != "" && strings.ContainsRune("aeiou", rune(l[0])) {
		return "an " + l
	}
	return "a " + l
}

func dtValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(dtLocal)
}

// newPageForm builds the form for a page type from content.
func newPageForm(pt *canopy.PageType, c canopy.PageContent, snippets *canopy.SnippetTypes) *pageForm {
	f := &pageForm{Type: pt,
		Title:             formField{ID: "id_title", Name: "title", Label: "Title", Kind: "text", Value: c.Title, Required: true, MaxLength: canopy.MaxTitleLen},
		Slug:              formField{ID: "id_slug", Name: "slug", Label: "Slug", Kind: "text", Value: c.Slug, Help: "The name of the page in its URL: lower-case letters, digits and hyphens. Left empty, it is made from the title."},
		SeoTitle:          formField{ID: "id_seo_title", Name: "seo_title", Label: "Title for search engines", Kind: "text", Value: c.SeoTitle, MaxLength: 255, Help: "Shown in search results and the browser tab instead of the title, if set."},
		SearchDescription: formField{ID: "id_search_description", Name: "search_description", Label: "Search description", Kind: "textarea", Value: c.SearchDescription},
		ShowInMenus:       formField{ID: "id_show_in_menus", Name: "show_in_menus", Label: "Show in menus", Kind: "boolean", Checked: c.ShowInMenus},
		HideFromSearch:    formField{ID: "id_hide_from_search", Name: "hide_from_search", Label: "Hide from search engines", Kind: "boolean", Checked: c.HideFromSearch, Help: "Leaves the page out of the sitemap and asks search engines not to list it."},
		GoLiveAt:          formField{ID: "id_go_live_at", Name: "go_live_at", Label: "Go-live date and time (UTC)", Kind: "datetime", Value: dtValue(c.GoLiveAt), Help: "Publishing before then schedules the page instead."},
		ExpireAt:          formField{ID: "id_expire_at", Name: "expire_at", Label: "Expiry date and time (UTC)", Kind: "datetime", Value: dtValue(c.ExpireAt), Help: "The live page is unpublished then."},
		RichLinkChooser:   "/admin/choose/page/?link=1", RichImageChooser: "/admin/choose/image/?rich=1", RichDocChooser: "/admin/choose/document/?rich=1",
	}
	for _, def := range pt.Fields {
		ff := formField{ID: "id_f_" + def.Name, Name: "f." + def.Name, Label: def.Label, Kind: string(def.Type), Required: def.Required,
			MaxLength: def.MaxLength, Help: def.HelpText}
		v := c.Fields[def.Name]
		switch def.Type {
		case canopy.FieldText:
			if def.MaxLength == 0 || def.MaxLength > 255 {
				ff.Kind = "textarea"
			}
			ff.Value, _ = v.(string)
		case canopy.FieldRichText:
			ff.Value, _ = v.(string)
		case canopy.FieldDateTime:
			if s, ok := v.(string); ok {
				if t, err := time.Parse(time.RFC3339, s); err == nil {
					ff.Value = t.UTC().Format(dtLocal)
				} else {
					ff.Value = s
				}
			}
			ff.Label += " (UTC)"
		case canopy.FieldBoolean:
			ff.Checked, _ = v.(bool)
		default:
			if id, ok := canopy.AsID(v); ok {
				ff.Value = strconv.FormatInt(id, 10)
			} else if n, ok := v.(int64); ok {
				ff.Value = strconv.FormatInt(n, 10)
			} else if n, ok := v.(float64); ok {
				ff.Value = strconv.FormatInt(int64(n), 10)
			}
		}
		switch def.Type {
		case canopy.FieldPage:
			ff.ChooseWhat = "a page"
			ff.ChooserURL = "/admin/choose/page/"
			if len(def.PageTypes) > 0 {
				ff.ChooserURL += "?types=" + url.QueryEscape(strings.Join(def.PageTypes, ","))
			}
		case canopy.FieldImage:
			ff.ChooseWhat, ff.ChooserURL = "an image", "/admin/choose/image/"
		case canopy.FieldDocument:
			ff.ChooseWhat, ff.ChooserURL = "a document", "/admin/choose/document/"
		case canopy.FieldSnippet:
			ff.ChooseWhat = "an item"
			if st := snippets.Get(def.SnippetType); st != nil {
				ff.ChooseWhat = article(st.Label)
			}
			ff.ChooserURL = "/admin/choose/snippet/" + url.PathEscape(def.SnippetType) + "/"
		}
		f.Fields = append(f.Fields, ff)
	}
	return f
}

// parsePageForm reads a posted page form: the patch to save and the form
// to show again (with the user's input) if anything is wrong.
func parsePageForm(r *http.Request, pt *canopy.PageType, snippets *canopy.SnippetTypes) (*pageForm, service.PagePatch) {
	str := func(name string) string { return r.PostFormValue(name) }
	title, slug, seo, desc := strings.TrimSpace(str("title")), strings.TrimSpace(str("slug")), str("seo_title"), str("search_description")
	menus, hide := str("show_in_menus") == "on", str("hide_from_search") == "on"
	c := canopy.PageContent{Title: str("title"), Slug: slug, SeoTitle: seo, SearchDescription: desc, ShowInMenus: menus, HideFromSearch: hide, Fields: map[string]any{}}
	values := map[string]any{}
	form := newPageForm(pt, c, snippets)
	form.Title.Value = str("title")
	form.BaseRevision, _ = strconv.ParseInt(str("base_revision"), 10, 64)
	patch := service.PagePatch{Title: &title, Slug: &slug, SeoTitle: &seo, SearchDescription: &desc, ShowInMenus: &menus, HideFromSearch: &hide,
		SetGoLiveAt: true, SetExpireAt: true}
	for _, sched := range []struct {
		field *formField
		dst   **time.Time
	}{{&form.GoLiveAt, &patch.GoLiveAt}, {&form.ExpireAt, &patch.ExpireAt}} {
		v := strings.TrimSpace(str(sched.field.Name))
		sched.field.Value = v
		if v == "" {
			continue
		}
		t, err := parseDateTime(v)
		if err != nil {
			sched.field.Error = "Enter a date and time like 2026-05-01 18:00."
			continue
		}
		*sched.dst = &t
	}
	for i := range form.Fields {
		ff := &form.Fields[i]
		def := pt.Field(strings.TrimPrefix(ff.Name, "f."))
		raw := str(ff.Name)
		switch def.Type {
		case canopy.FieldText, canopy.FieldRichText:
			ff.Value = raw
			values[def.Name] = raw
		case canopy.FieldDateTime:
			ff.Value = strings.TrimSpace(raw)
			if ff.Value == "" {
				values[def.Name] = nil
				continue
			}
			t, err := parseDateTime(ff.Value)
			if err != nil {
				ff.Error = "Enter a date and time like 2026-05-01 18:00."
				continue
			}
			values[def.Name] = t.Format(time.RFC3339)
		case canopy.FieldBoolean:
			ff.Checked = raw == "on"
			values[def.Name] = ff.Checked
		default:
			ff.Value = strings.TrimSpace(raw)
			if ff.Value == "" {
				values[def.Name] = nil
				continue
			}
			n, err := strconv.ParseInt(ff.Value, 10, 64)
			if err != nil {
				if def.Type == canopy.FieldInteger {
					ff.Error = "Enter a whole number."
				} else {
					ff.Error = "Choose an item with the chooser (or enter its id)."
				}
				continue
			}
			values[def.Name] = n
		}
	}
	patch.Fields = values
	// Every field's own check, so that all problems show at once.
	if _, err := canopy.ValidateTitle(title); err != nil {
		form.Title.Error = friendly(canopy.ErrorMessage(err))
	}
	if slug != "" {
		if err := canopy.ValidateSlug(slug); err != nil {
			form.Slug.Error = canopy.ErrorMessage(err)
		}
	}
	if len(seo) > 255 {
		form.SeoTitle.Error = "Keep it to 255 characters or fewer."
	}
	for _, e := range pt.FieldErrors(values) {
		if ff := form.field(e.Field); ff != nil && ff.Error == "" {
			ff.Error = friendly(e.Message)
		}
	}
	return form, patch
}

func parseDateTime(v string) (time.Time, error) {
	for _, layout := range []string{dtLocal, "2006-01-02T15:04:05", "2006-01-02 15:04", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, canopy.Errorf(canopy.EINVALID, "not a date-time")
}

// friendly turns a field error of the API ("field \"start\" is required")
// into one for the form, where the field is beside it.
func friendly(msg string) string {
	switch {
	case strings.HasSuffix(msg, "is required"):
		return "This field is required."
	case strings.Contains(msg, "is longer than"):
		return "This is too long: " + msg[strings.Index(msg, "is longer than")+3:] + "."
	}
	if i := strings.Index(msg, "\": "); strings.HasPrefix(msg, "field \"") && i > 0 {
		msg = msg[i+3:]
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}

// field finds a form field by an error's field name ("title", "fields.start").
func (f *pageForm) field(name string) *formField {
	switch name {
	case "title":
		return &f.Title
	case "slug":
		return &f.Slug
	case "seo_title":
		return &f.SeoTitle
	case "search_description":
		return &f.SearchDescription
	case "go_live_at":
		return &f.GoLiveAt
	case "expire_at":
		return &f.ExpireAt
	}
	for i := range f.Fields {
		if f.Fields[i].Name == "f."+strings.TrimPrefix(name, "fields.") {
			return &f.Fields[i]
		}
	}
	return nil
}

// setError puts an error of the service beside its field, or in the summary.
func (f *pageForm) setError(err error) {
	if ff := f.field(canopy.ErrorField(err)); ff != nil {
		ff.Error = friendly(canopy.ErrorMessage(err))
	} else {
		f.Errors = append(f.Errors, summaryItem{Message: canopy.ErrorMessage(err)})
	}
	f.summarize()
}

// summarize lists every field error in the summary, in form order.
func (f *pageForm) summarize() bool {
	var items []summaryItem
	for _, ff := range f.all() {
		if ff.Error != "" {
			items = append(items, summaryItem{Anchor: ff.ID, Label: strings.TrimSuffix(ff.Label, " (UTC)"), Message: ff.Error})
		}
	}
	for _, e := range f.Errors {
		if e.Anchor == "" {
			items = append(items, e)
		}
	}
	f.Errors = items
	return len(items) > 0
}

func (f *pageForm) all() []*formField {
	out := []*formField{&f.Title}
	for i := range f.Fields {
		out = append(out, &f.Fields[i])
	}
	return append(out, &f.Slug, &f.SeoTitle, &f.SearchDescription, &f.ShowInMenus, &f.HideFromSearch, &f.GoLiveAt, &f.ExpireAt)
}

// label names what the reference fields point at (this site's objects only).
func (u *UI) labelRefs(q *req, f *pageForm) error {
	ids := map[string][]int64{}
	for _, ff := range f.Fields {
		if ff.ChooserURL == "" || ff.Value == "" {
			continue
		}
		if id, err := strconv.ParseInt(ff.Value, 10, 64); err == nil {
			ids[ff.Kind] = append(ids[ff.Kind], id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	refs, err := q.a.Refs(q.ctx(), ids)
	if err != nil {
		return err
	}
	for i := range f.Fields {
		ff := &f.Fields[i]
		if ff.ChooserURL == "" || ff.Value == "" {
			continue
		}
		id, _ := strconv.ParseInt(ff.Value, 10, 64)
		if ref, ok := refs[ff.Kind][id]; ok {
			ff.ChosenTitle, ff.ChosenThumb = ref.Title, ref.Thumb
		} else {
			ff.Missing = true
		}
	}
	return nil
}

// hasRichText reports whether the form has a rich-text field.
func (f *pageForm) hasRichText() bool {
	for _, ff := range f.Fields {
		if ff.Kind == string(canopy.FieldRichText) {
			return true
		}
	}
	return false
}
