package canopy

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// SnippetType is a site-scoped content type declared by schema, like a page type.
type SnippetType struct {
	// Name is the type's name in routes and permission codenames ("location").
	Name   string  `json:"name"`
	Label  string  `json:"label"`
	Fields []Field `json:"fields"`
	// Unique names the field whose value is unique per site (case-insensitive);
	// empty for none.
	Unique string `json:"unique,omitempty"`
	// Search lists the fields the chooser and listing search look in.
	Search []string `json:"search"`
	// List names the fields the admin's listing shows beside the title
	// (empty: up to three of the plain fields).
	List []string `json:"list,omitempty"`
}

// ListColumns are the fields a listing shows beside the title: List, or
// the first three text, number, date and yes/no fields that are not the
// title.
func (st *SnippetType) ListColumns() []Field {
	var out []Field
	if len(st.List) > 0 {
		for _, n := range st.List {
			if f := st.Field(n); f != nil {
				out = append(out, *f)
			}
		}
		return out
	}
	title := st.Unique
	if title == "" && len(st.Fields) > 0 {
		title = st.Fields[0].Name
	}
	for _, f := range st.Fields {
		switch f.Type {
		case FieldText, FieldInteger, FieldDateTime, FieldBoolean:
			if f.Name != title && len(out) < 3 {
				out = append(out, f)
			}
		}
	}
	return out
}

// Field returns the declared field with the given name, or nil.
func (st *SnippetType) Field(name string) *Field {
	for i := range st.Fields {
		if st.Fields[i].Name == name {
			return &st.Fields[i]
		}
	}
	return nil
}

// Snippet is one snippet of a site.
type Snippet struct {
	ID        int64          `json:"id"`
	SiteID    int64          `json:"site_id"`
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Fields    map[string]any `json:"fields"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// LocationType is the built-in snippet type.
const LocationType = "location"

// BuiltinSnippetTypes returns the snippet types every installation has.
func BuiltinSnippetTypes() []SnippetType {
	return []SnippetType{{Name: LocationType, Label: "Location", Unique: "name", Search: []string{"name", "building_name", "room_number"},
		Fields: []Field{
			{Name: "name", Label: "Location name", Type: FieldText, Required: true, MaxLength: 1024},
			{Name: "building_name", Label: "Building name", Type: FieldText, MaxLength: 255},
			{Name: "room_number", Label: "Room number", Type: FieldText, MaxLength: 255},
		}}}
}

var snippetNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// SnippetTypes is the registry of snippet types.
type SnippetTypes struct {
	byName map[string]*SnippetType
	names  []string
}

// NewSnippetTypes builds the registry from the built-in types plus extra ones.
func NewSnippetTypes(extra ...SnippetType) (*SnippetTypes, error) {
	r := &SnippetTypes{byName: map[string]*SnippetType{}}
	for _, st := range append(BuiltinSnippetTypes(), extra...) {
		st := st
		if !snippetNameRE.MatchString(st.Name) {
			return nil, Errorf(EINVALID, "snippet type name %q must be lower-case letters, digits and _", st.Name)
		}
		if r.byName[st.Name] != nil {
			return nil, Errorf(EINVALID, "snippet type %q is declared twice", st.Name)
		}
		if len(st.Fields) == 0 {
			return nil, Errorf(EINVALID, "snippet type %q has no fields", st.Name)
		}
		for _, f := range st.Fields {
			if !fieldNameRE.MatchString(f.Name) || !fieldTypes[f.Type] || f.Type == FieldSnippet || f.Type == FieldPage || f.Type == FieldImage || f.Type == FieldDocument {
				return nil, Errorf(EINVALID, "snippet type %s: field %q must be named in lower case and hold text, rich text, a date-time, a boolean or an integer", st.Name, f.Name)
			}
		}
		if st.Unique != "" && st.Field(st.Unique) == nil {
			return nil, Errorf(EINVALID, "snippet type %s: unique field %q is not declared", st.Name, st.Unique)
		}
		for _, s := range st.Search {
			if st.Field(s) == nil {
				return nil, Errorf(EINVALID, "snippet type %s: search field %q is not declared", st.Name, s)
			}
		}
		if st.Label == "" {
			st.Label = strings.ToUpper(st.Name[:1]) + st.Name[1:]
		}
		r.byName[st.Name] = &st
		r.names = append(r.names, st.Name)
	}
	sort.Strings(r.names)
	return r, nil
}

// Get returns a snippet type by name, or nil.
func (r *SnippetTypes) Get(name string) *SnippetType { return r.byName[name] }

// Names lists the snippet type names.
func (r *SnippetTypes) Names() []string { return r.names }

// Clean validates a snippet's field values (the same rules as page fields).
func (st *SnippetType) Clean(values map[string]any, sanitize func(string) string) (map[string]any, error) {
	pt := &PageType{Name: st.Name, Fields: st.Fields}
	out, _, err := pt.CleanFields(values, sanitize)
	return out, err
}

// TitleOf is the snippet's display title: its unique field, else its first field.
func (st *SnippetType) TitleOf(fields map[string]any) string {
	name := st.Unique
	if name == "" {
		name = st.Fields[0].Name
	}
	s, _ := fields[name].(string)
	return s
}

// SettingsType is a per-site singleton declared by schema.
type SettingsType struct {
	Name   string  `json:"name"`
	Label  string  `json:"label"`
	Fields []Field `json:"fields"`
}

// GeneralSettings is the built-in settings group.
const GeneralSettings = "general"

// BuiltinSettingsTypes returns the settings every site has.
func BuiltinSettingsTypes() []SettingsType {
	return []SettingsType{{Name: GeneralSettings, Label: "General settings", Fields: []Field{
		{Name: "contact_email", Label: "Contact email", Type: FieldText, MaxLength: 254, Section: "Contact and social links"},
		{Name: "facebook_url", Label: "Facebook", Type: FieldText, MaxLength: 500, Section: "Contact and social links"},
		{Name: "instagram_url", Label: "Instagram", Type: FieldText, MaxLength: 500, Section: "Contact and social links"},
		{Name: "linkedin_url", Label: "LinkedIn", Type: FieldText, MaxLength: 500, Section: "Contact and social links"},
		{Name: "mastodon_url", Label: "Mastodon", Type: FieldText, MaxLength: 500, Section: "Contact and social links"},
		{Name: "logo", Label: "Logo", Type: FieldImage, Section: "Contact and social links"},
		{Name: "hide_from_search_engines", Label: "Hide the whole site from search engines", Type: FieldBoolean, Section: "Search engines",
			HelpText: "Pages ask not to be indexed and robots.txt disallows everything (a site not open yet, a staging copy)."},
		{Name: "robots_txt", Label: "robots.txt", Type: FieldText, MaxLength: 5000, Section: "Search engines",
			HelpText: "Leave empty for the default, which allows everything and names the sitemap."},
		{Name: "not_found_message", Label: "Page not found text", Type: FieldRichText, Section: "Error pages",
			HelpText: "Shown on the site's “page not found” page (and on a page deleted a short while ago). Leave empty for the theme's own text."},
		{Name: "error_message", Label: "Error page text", Type: FieldRichText, Section: "Error pages",
			HelpText: "Shown when a page cannot be shown because of a fault on the server. Leave empty for the theme's own text."},
		{Name: "cdn_max_age", Label: "Front-end cache time (seconds)", Type: FieldInteger, Section: "Caching and HTTPS",
			HelpText: "How long a CDN or shared cache may keep a page before asking again (s-maxage). 0: they ask every time. Browsers always ask."},
		{Name: "cdn_stale_while_revalidate", Label: "Serve while refreshing (seconds)", Type: FieldInteger, Section: "Caching and HTTPS",
			HelpText: "How long after that a CDN may still serve the page while it fetches the new one (stale-while-revalidate). 0: never."},
		{Name: "hsts_max_age", Label: "HSTS time (seconds)", Type: FieldInteger, Section: "Caching and HTTPS",
			HelpText: "Over HTTPS, browsers are told to use only HTTPS for this site for this long (Strict-Transport-Security). 0: not sent. Start small (300); a year is 31536000."},
	}}}
}

// MaxCacheSeconds bounds the cache times in the general settings: a year.
const MaxCacheSeconds = 365 * 24 * 3600

// Clean validates a settings group's values: URLs must be http(s), the
// contact email must look like one, cache times lie between 0 and a year;
// rich text is cleaned by sanitize.
func (st *SettingsType) Clean(values map[string]any, sanitize func(string) string) (map[string]any, error) {
	pt := &PageType{Name: st.Name, Fields: st.Fields}
	out, _, err := pt.CleanFields(values, sanitize)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"cdn_max_age", "cdn_stale_while_revalidate", "hsts_max_age"} {
		if n, ok := out[k].(int64); ok && (n < 0 || n > MaxCacheSeconds) {
			return nil, FieldErrorf(k, EINVALID, "%s must be between 0 and %d seconds (a year)", k, MaxCacheSeconds)
		}
	}
	for k, v := range out {
		s, ok := v.(string)
		if !ok {
			continue
		}
		switch {
		case s == "":
		case strings.HasSuffix(k, "_url") && !(strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")):
			return nil, FieldErrorf(k, EINVALID, "%s must be an http(s) URL: start it with https://", k)
		case k == "contact_email" && (!strings.Contains(s, "@") || strings.ContainsAny(s, " \t\r\n<>")):
			return nil, FieldErrorf(k, EINVALID, "%q is not a valid email address", s)
		}
	}
	return out, nil
}
