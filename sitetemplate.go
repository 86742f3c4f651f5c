package canopy

import (
	"fmt"
	"regexp"
	"sort"
	"time"
)

// SiteTemplate is a named recipe of default content that the site creator
// applies to a new site in its creation transaction: pages under the home page,
// snippets, settings, the theme and feature flags. Templates come from the
// config file ([site_templates.NAME]) or are registered by code.
type SiteTemplate struct {
	Description string `toml:"description" json:"description"`
	// Theme and Features are the new site's unless the creator names others.
	Theme    string          `toml:"theme" json:"theme,omitempty"`
	Features map[string]bool `toml:"features" json:"features,omitempty"`
	// HomeFields are the home page's field values.
	HomeFields map[string]any `toml:"home_fields" json:"home_fields,omitempty"`
	// Pages are created under the home page, in order.
	Pages []TemplatePage `toml:"pages" json:"pages,omitempty"`
	// Snippets maps a snippet type to the snippets to create, as field values.
	Snippets map[string][]map[string]any `toml:"snippets" json:"snippets,omitempty"`
	// Settings maps a settings group (e.g. "general") to its values.
	Settings map[string]map[string]any `toml:"settings" json:"settings,omitempty"`
}

// TemplatePage is one page of a site template, with its children.
type TemplatePage struct {
	Type              string         `toml:"type" json:"type"`
	Title             string         `toml:"title" json:"title"`
	Slug              string         `toml:"slug" json:"slug,omitempty"`
	Draft             bool           `toml:"draft" json:"draft,omitempty"`
	ShowInMenus       bool           `toml:"show_in_menus" json:"show_in_menus,omitempty"`
	SeoTitle          string         `toml:"seo_title" json:"seo_title,omitempty"`
	SearchDescription string         `toml:"search_description" json:"search_description,omitempty"`
	Fields            map[string]any `toml:"fields" json:"fields,omitempty"`
	Children          []TemplatePage `toml:"children" json:"children,omitempty"`
}

// Feature flags with a meaning of their own; others are free for themes
// ({{if .Site.Features.NAME}}).
const (
	// FeatureContentAPI set to false turns off the site's content API (/api/v2/).
	FeatureContentAPI = "content_api"
)

var featureName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,49}$`)

// MaxFeatures is how many feature flags one site may have.
const MaxFeatures = 64

// ValidateFeatures checks feature flag names: lower-case letters, digits and
// underscores, starting with a letter, at most 50 characters.
func ValidateFeatures(flags map[string]bool) error {
	if len(flags) > MaxFeatures {
		return Errorf(EINVALID, "a site can have at most %d feature flags", MaxFeatures)
	}
	names := make([]string, 0, len(flags))
	for n := range flags {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !featureName.MatchString(n) {
			return Errorf(EINVALID, "feature flag %q: use lower-case letters, digits and _ (starting with a letter, at most 50 characters)", n)
		}
	}
	return nil
}

// FeatureOn reports a flag, with a default for sites that never set it.
func (s *Site) FeatureOn(name string, def bool) bool {
	if v, ok := s.Features[name]; ok {
		return v
	}
	return def
}

var templateNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidateTemplateName checks a site template's name.
func ValidateTemplateName(name string) error {
	if !templateNameRe.MatchString(name) {
		return Errorf(EINVALID, "site template name %q: use lower-case letters, digits, - and _ (at most 63 characters)", name)
	}
	return nil
}

// NormalizeConfigValues turns values decoded from a config file into what
// field cleaning accepts: TOML dates and times become RFC 3339 strings.
func NormalizeConfigValues(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case time.Time:
			out[k] = x.UTC().Format(time.RFC3339)
		case fmt.Stringer:
			out[k] = x.String()
		default:
			out[k] = v
		}
	}
	return out
}
