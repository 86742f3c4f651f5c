package canopy

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldType is the kind of value a page-type field holds.
type FieldType string

// Field types a page-type schema may use.
const (
	FieldText     FieldType = "text"
	FieldRichText FieldType = "rich_text"
	FieldDateTime FieldType = "datetime"
	FieldBoolean  FieldType = "boolean"
	FieldInteger  FieldType = "integer"
	FieldPage     FieldType = "page"
	FieldSnippet  FieldType = "snippet"
	FieldImage    FieldType = "image"
	FieldDocument FieldType = "document"
)

var fieldTypes = map[FieldType]bool{FieldText: true, FieldRichText: true, FieldDateTime: true,
	FieldBoolean: true, FieldInteger: true, FieldPage: true, FieldSnippet: true, FieldImage: true, FieldDocument: true}

// Field is one declared field of a page type.
type Field struct {
	Name      string    `json:"name"`
	Label     string    `json:"label"`
	Type      FieldType `json:"type"`
	Required  bool      `json:"required"`
	MaxLength int       `json:"max_length,omitempty"`
	HelpText  string    `json:"help_text,omitempty"`
	// PageTypes limits a page reference to these types (empty: any type).
	PageTypes []string `json:"page_types,omitempty"`
	// SnippetType names the snippet type of a snippet reference.
	SnippetType string `json:"snippet_type,omitempty"`
	// NoAPI hides the field from the content API.
	NoAPI bool `json:"-"`
	// Permission, if set, is the model permission (codename) needed to see
	// and change the field in the admin (as Wagtail's panel permission):
	// without it the field is left out of the edit data and forms, and a
	// change to it is refused (docs/behaviour/permissions.md).
	Permission string `json:"permission,omitempty"`
	// Searchable (text and rich-text fields; default true) puts the field in
	// the search index, SearchBoost ranks its matches higher (see SearchClass).
	Searchable  *bool   `json:"searchable,omitempty"`
	SearchBoost float64 `json:"search_boost,omitempty"`
	// Renditions (image fields) name the filter specs that templates and the
	// content API offer, e.g. {"thumbnail": "fill-300x200"}; nil means
	// DefaultRenditions.
	Renditions map[string]string `json:"renditions,omitempty"`
	// Section groups the field under a heading in forms (settings): a field
	// whose Section differs from the one before starts a new group.
	Section string `json:"section,omitempty"`
}

// DefaultRenditions are an image field's renditions unless it names its own.
var DefaultRenditions = map[string]string{"thumbnail": "fill-300x200", "large": "max-1600x1600"}

// RenditionSpecs is the field's renditions, or the defaults.
func (f *Field) RenditionSpecs() map[string]string {
	if f.Renditions != nil {
		return f.Renditions
	}
	return DefaultRenditions
}

// PageType is a schema: the fields a page of this type has and where it may live.
type PageType struct {
	Name   string  `json:"name"`
	Label  string  `json:"label"`
	Fields []Field `json:"fields"`
	// ParentTypes lists the types this type may be created under; nil means any
	// type except the tree root. Only types that name RootType may sit under the root.
	ParentTypes []string `json:"parent_page_types"`
	// SubpageTypes lists the types allowed below; nil means any, empty means none.
	SubpageTypes []string `json:"subpage_types"`
	// Template is the theme template that renders this type.
	Template string `json:"template"`
	// NotCreatable types cannot be created by users (the home page comes with its site).
	NotCreatable bool `json:"-"`
	// MaxCount limits pages of this type in the installation, MaxCountPerSite per
	// site, MaxCountPerParent under one parent; 0 means no limit.
	MaxCount          int `json:"max_count,omitempty"`
	MaxCountPerSite   int `json:"max_count_per_site,omitempty"`
	MaxCountPerParent int `json:"max_count_per_parent,omitempty"`
	// RestrictedFields: some field names a Permission (set by NewPageTypes).
	RestrictedFields bool `json:"-"`
	// ListsChildren makes templates and the API see the live children of the page.
	ListsChildren bool `json:"-"`
	// Feed: a live page of the type has RSS 2.0 and Atom feeds of its live
	// children (FeedPaths below its address), linked from its <head>.
	Feed bool `json:"-"`
	// Rules compare fields of a page of the type (an event's end after its
	// start); every save, revert, copy and publication checks them.
	Rules []FieldRule `json:"rules,omitempty"`
}

// FieldRule is a check across two fields: when both have a value, Field
// must be After (later, or greater), NotBefore, Before or NotAfter Other.
// Date-time and integer fields of the same type can be compared.
type FieldRule struct {
	Field   string `json:"field"`
	Op      string `json:"op"` // after, not_before, before, not_after
	Other   string `json:"other"`
	Message string `json:"message,omitempty"`
}

var ruleOps = map[string]string{"after": "after", "not_before": "the same as or after", "before": "before", "not_after": "the same as or before"}

// checkRule validates a rule against the fields it names.
func checkRule(fields func(string) *Field, r *FieldRule) error {
	if _, ok := ruleOps[r.Op]; !ok {
		return Errorf(EINVALID, "rule on %q: op %q is not after, not_before, before or not_after", r.Field, r.Op)
	}
	a, b := fields(r.Field), fields(r.Other)
	if a == nil || b == nil {
		return Errorf(EINVALID, "rule on %q: both %q and %q must be fields of the type", r.Field, r.Field, r.Other)
	}
	if a.Type != b.Type || a.Type != FieldDateTime && a.Type != FieldInteger {
		return Errorf(EINVALID, "rule on %q: only two date-time or two integer fields can be compared", r.Field)
	}
	if r.Message == "" {
		r.Message = fmt.Sprintf("%s must be %s %s", a.Label, ruleOps[r.Op], b.Label)
	}
	return nil
}

// RuleErrors checks the type's rules on canonical field values (as
// CleanFields returns them): each broken rule is an error beside its field
// ("fields.NAME").
func (pt *PageType) RuleErrors(values map[string]any) []*Error {
	return ruleErrors(pt.Rules, pt.Field, values)
}

func ruleErrors(rules []FieldRule, field func(string) *Field, values map[string]any) []*Error {
	var errs []*Error
	for _, r := range rules {
		a, b := values[r.Field], values[r.Other]
		if a == nil || b == nil || a == "" || b == "" {
			continue
		}
		var cmp int
		if f := field(r.Field); f != nil && f.Type == FieldDateTime {
			ta, errA := time.Parse(time.RFC3339, fmt.Sprint(a))
			tb, errB := time.Parse(time.RFC3339, fmt.Sprint(b))
			if errA != nil || errB != nil {
				continue // the field's own check reports it
			}
			cmp = ta.Compare(tb)
		} else {
			na, errA := toInt64(a)
			nb, errB := toInt64(b)
			if errA != nil || errB != nil {
				continue
			}
			cmp = cmpInt(na, nb)
		}
		ok := map[string]bool{"after": cmp > 0, "not_before": cmp >= 0, "before": cmp < 0, "not_after": cmp <= 0}[r.Op]
		if !ok {
			errs = append(errs, FieldErrorf("fields."+r.Field, EINVALID, "%s", r.Message))
		}
	}
	return errs
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Field returns the declared field with the given name, or nil.
func (pt *PageType) Field(name string) *Field {
	for i := range pt.Fields {
		if pt.Fields[i].Name == name {
			return &pt.Fields[i]
		}
	}
	return nil
}

// Built-in type names.
const (
	RootType     = "canopy.Root"
	HomeType     = "canopy.HomePage"
	StandardType = "canopy.StandardPage"
	EventType    = "canopy.EventPage"
	IndexType    = "canopy.IndexPage"
)

// BuiltinPageTypes returns the page types every installation has.
func BuiltinPageTypes() []PageType {
	return []PageType{
		{Name: RootType, Label: "Root", NotCreatable: true, Template: ""},
		{Name: HomeType, Label: "Home page", ParentTypes: []string{RootType}, NotCreatable: true,
			MaxCountPerSite: 1, Template: "home_page.html", ListsChildren: true,
			Fields: []Field{
				{Name: "intro", Label: "Introduction", Type: FieldText, MaxLength: 1000, SearchBoost: 1.5},
				{Name: "body", Label: "Body", Type: FieldRichText},
			}},
		{Name: StandardType, Label: "Standard page", Template: "standard_page.html",
			Fields: []Field{
				{Name: "intro", Label: "Introduction", Type: FieldText, MaxLength: 1000, SearchBoost: 1.5},
				{Name: "image", Label: "Image", Type: FieldImage},
				{Name: "body", Label: "Body", Type: FieldRichText},
			}},
		{Name: EventType, Label: "Event page", Template: "event_page.html", SubpageTypes: []string{},
			Fields: []Field{
				{Name: "start", Label: "Start", Type: FieldDateTime, Required: true},
				{Name: "end", Label: "End", Type: FieldDateTime},
				{Name: "location", Label: "Location", Type: FieldSnippet, SnippetType: LocationType},
				{Name: "image", Label: "Image", Type: FieldImage},
				{Name: "description", Label: "Description", Type: FieldRichText},
				{Name: "attachment", Label: "Attachment", Type: FieldDocument},
				{Name: "capacity", Label: "Places", Type: FieldInteger, HelpText: "How many people can come; empty for no limit."},
				{Name: "booking_required", Label: "Booking required", Type: FieldBoolean},
				{Name: "related", Label: "Related page", Type: FieldPage},
			},
			Rules: []FieldRule{{Field: "end", Op: "after", Other: "start", Message: "The event must end after it starts"}}},
		{Name: IndexType, Label: "Index page", Template: "index_page.html", ListsChildren: true, Feed: true,
			Fields: []Field{
				{Name: "intro", Label: "Introduction", Type: FieldRichText, SearchBoost: 1.5},
			}},
	}
}

// FeedPaths are the feeds of a page whose type has Feed, below its address
// (/news/rss.xml, /news/atom.xml).
var FeedPaths = []string{"rss.xml", "atom.xml"}

var typeNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[A-Z][A-Za-z0-9]*$`)
var fieldNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// codenameRE is a model permission codename (change_general, app.publish_x).
var codenameRE = regexp.MustCompile(`^[a-z0-9_.]{1,100}$`)

// reservedFields are page attributes that a declared field may not shadow.
var reservedFields = map[string]bool{"id": true, "type": true, "title": true, "slug": true, "meta": true,
	"url_path": true, "parent": true, "live": true, "seo_title": true, "search_description": true,
	"show_in_menus": true, "hide_from_search": true, "first_published_at": true, "last_published_at": true, "owner": true,
	"site_id": true, "html_url": true, "detail_url": true, "path": true, "depth": true, "locked": true}

// PageTypes is the registry of page types known to an installation.
type PageTypes struct {
	byName    map[string]*PageType
	names     []string
	creatable map[string][]string // parent type -> types creatable under it
}

// NewPageTypes builds a registry from the built-in types plus extra ones (for
// example from a schema file named in the config), validating every rule.
func NewPageTypes(extra ...PageType) (*PageTypes, error) {
	r := &PageTypes{byName: map[string]*PageType{}}
	all := append(BuiltinPageTypes(), extra...)
	for i := range all {
		pt := all[i]
		if !typeNameRE.MatchString(pt.Name) {
			return nil, Errorf(EINVALID, "page type name %q must look like app.ModelName", pt.Name)
		}
		if r.byName[pt.Name] != nil {
			return nil, Errorf(EINVALID, "page type %q is declared twice", pt.Name)
		}
		if pt.Label == "" {
			pt.Label = pt.Name[strings.IndexByte(pt.Name, '.')+1:]
		}
		seen := map[string]bool{}
		for j := range pt.Fields {
			f := &pt.Fields[j]
			if !fieldNameRE.MatchString(f.Name) || reservedFields[f.Name] {
				return nil, Errorf(EINVALID, "page type %s: field name %q is not allowed (lower-case letters, digits and _; not a built-in attribute)", pt.Name, f.Name)
			}
			if seen[f.Name] {
				return nil, Errorf(EINVALID, "page type %s: field %q is declared twice", pt.Name, f.Name)
			}
			seen[f.Name] = true
			if !fieldTypes[f.Type] {
				return nil, Errorf(EINVALID, "page type %s: field %q has unknown type %q", pt.Name, f.Name, f.Type)
			}
			if f.Label == "" {
				f.Label = f.Name
			}
			if f.Permission != "" && !codenameRE.MatchString(f.Permission) {
				return nil, Errorf(EINVALID, "page type %s: field %q: permission %q is not a permission codename (lower-case letters, digits, _ and .)", pt.Name, f.Name, f.Permission)
			}
			if f.Permission != "" {
				pt.RestrictedFields = true
			}
		}
		for j := range pt.Rules {
			if err := checkRule(pt.Field, &pt.Rules[j]); err != nil {
				return nil, Errorf(EINVALID, "page type %s: %s", pt.Name, ErrorMessage(err))
			}
		}
		if pt.Template == "" && pt.Name != RootType {
			pt.Template = templateName(pt.Name)
		}
		r.byName[pt.Name] = &pt
		r.names = append(r.names, pt.Name)
	}
	for _, pt := range r.byName {
		for _, list := range [][]string{pt.ParentTypes, pt.SubpageTypes} {
			for _, n := range list {
				if r.byName[n] == nil {
					return nil, Errorf(EINVALID, "page type %s refers to unknown page type %q", pt.Name, n)
				}
			}
		}
		for _, f := range pt.Fields {
			for _, n := range f.PageTypes {
				if r.byName[n] == nil {
					return nil, Errorf(EINVALID, "page type %s: field %s refers to unknown page type %q", pt.Name, f.Name, n)
				}
			}
		}
	}
	sort.Strings(r.names)
	r.creatable = map[string][]string{}
	for _, parent := range r.names {
		for _, n := range r.names {
			if !r.byName[n].NotCreatable && r.AllowedUnder(parent, n) {
				r.creatable[parent] = append(r.creatable[parent], n)
			}
		}
	}
	return r, nil
}

// templateName turns "app.EventPage" into "event_page.html".
func templateName(typeName string) string {
	model := typeName[strings.IndexByte(typeName, '.')+1:]
	var b strings.Builder
	for i, r := range model {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String() + ".html"
}

// Get returns the page type with the given name, or nil.
func (r *PageTypes) Get(name string) *PageType { return r.byName[name] }

// Names returns every type name, sorted.
func (r *PageTypes) Names() []string { return r.names }

// All returns every type, sorted by name.
func (r *PageTypes) All() []*PageType {
	out := make([]*PageType, 0, len(r.names))
	for _, n := range r.names {
		out = append(out, r.byName[n])
	}
	return out
}

// AllowedUnder reports whether a page of type child may be placed under a page
// of type parent: both the parent's subpage types and the child's parent types
// must agree. It does not look at creatability or counts.
func (r *PageTypes) AllowedUnder(parent, child string) bool {
	p, c := r.byName[parent], r.byName[child]
	if p == nil || c == nil {
		return false
	}
	if c.ParentTypes == nil {
		if parent == RootType {
			return false
		}
	} else if !contains(c.ParentTypes, parent) {
		return false
	}
	if p.SubpageTypes != nil && !contains(p.SubpageTypes, child) {
		return false
	}
	return true
}

// CreatableUnder returns the names of the types a user may create under parent
// (computed once; the caller must not modify the slice).
func (r *PageTypes) CreatableUnder(parent string) []string { return r.creatable[parent] }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PageRef is a page (or snippet) reference found in field values, to be
// checked by the store.
type PageRef struct {
	Field  string
	PageID int64
}

// CleanFields validates field values against the type and returns them in
// canonical form: datetimes as RFC 3339 UTC, integers as int64, rich text passed
// through sanitize. Unknown fields and wrongly typed values are refused; the
// error names the field ("fields.NAME").
func (pt *PageType) CleanFields(values map[string]any, sanitize func(string) string) (map[string]any, []PageRef, error) {
	out, refs, errs := pt.cleanFields(values, sanitize, true)
	if len(errs) > 0 {
		return nil, nil, errs[0]
	}
	return out, refs, nil
}

// FieldErrors checks every field of values and returns each field's error
// (a form shows them all beside their fields).
func (pt *PageType) FieldErrors(values map[string]any) []*Error {
	_, _, errs := pt.cleanFields(values, nil, false)
	return errs
}

func (pt *PageType) cleanFields(values map[string]any, sanitize func(string) string, stop bool) (map[string]any, []PageRef, []*Error) {
	out := make(map[string]any, len(pt.Fields))
	var refs []PageRef
	var errs []*Error
	for name := range values {
		if pt.Field(name) == nil {
			errs = append(errs, FieldErrorf("fields."+name, EINVALID, "page type %s has no field %q", pt.Name, name))
			if stop {
				return nil, nil, errs
			}
		}
	}
	for i := range pt.Fields {
		f := &pt.Fields[i]
		v, err := f.clean(values[f.Name], sanitize)
		if err != nil {
			errs = append(errs, err)
			if stop {
				return nil, nil, errs
			}
			continue
		}
		if v == nil {
			continue
		}
		if f.Type == FieldPage {
			refs = append(refs, PageRef{Field: f.Name, PageID: v.(int64)})
		}
		out[f.Name] = v
	}
	for _, e := range pt.RuleErrors(out) {
		errs = append(errs, e)
		if stop {
			return nil, nil, errs
		}
	}
	return out, refs, errs
}

// clean checks one field's value and returns it in canonical form (nil: empty).
func (f *Field) clean(v any, sanitize func(string) string) (any, *Error) {
	bad := func(format string, args ...any) *Error {
		return FieldErrorf("fields."+f.Name, EINVALID, format, args...)
	}
	if v == nil || v == "" {
		if f.Required {
			return nil, bad("field %q is required", f.Name)
		}
		return nil, nil
	}
	switch f.Type {
	case FieldText, FieldRichText:
		s, ok := v.(string)
		if !ok {
			return nil, bad("field %q must be a string", f.Name)
		}
		if !utf8.ValidString(s) {
			return nil, bad("field %q is not valid UTF-8", f.Name)
		}
		if f.MaxLength > 0 && utf8.RuneCountInString(s) > f.MaxLength {
			return nil, bad("field %q is longer than %d characters", f.Name, f.MaxLength)
		}
		if f.Type == FieldRichText && sanitize != nil {
			s = sanitize(s)
		}
		return s, nil
	case FieldDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, bad("field %q must be a date-time string like 2026-05-01T18:00:00Z", f.Name)
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			if t, err = time.Parse("2006-01-02T15:04", s); err != nil {
				return nil, bad("field %q: %q is not a date-time like 2026-05-01T18:00:00Z", f.Name, s)
			}
		}
		return t.UTC().Format(time.RFC3339), nil
	case FieldBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, bad("field %q must be true or false", f.Name)
		}
		return b, nil
	case FieldInteger, FieldPage, FieldSnippet, FieldImage, FieldDocument:
		n, err := toInt64(v)
		if err != nil {
			return nil, bad("field %q must be an integer", f.Name)
		}
		if f.Type != FieldInteger && n <= 0 {
			return nil, bad("field %q must be the id of a %s", f.Name, f.Type)
		}
		return n, nil
	}
	return nil, bad("field %q has an unknown type", f.Name)
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, Errorf(EINVALID, "not an integer")
		}
		return int64(x), nil
	case json.Number:
		return x.Int64()
	}
	return 0, Errorf(EINVALID, "not an integer")
}
