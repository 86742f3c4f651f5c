package service

import (
	"sort"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

// The built-in site templates. "blank" is the home page alone; "standard" is a
// small ready-to-edit site.
const (
	BlankTemplate    = "blank"
	StandardTemplate = "standard"
)

// MaxTemplatePages bounds a template's size (it is applied in one transaction).
const MaxTemplatePages = 1000

func builtinTemplates() map[string]*canopy.SiteTemplate {
	return map[string]*canopy.SiteTemplate{
		BlankTemplate: {Description: "The home page alone."},
		StandardTemplate: {
			Description: "About, News, Events and Contact pages, a main office location and general settings to fill in.",
			Features:    map[string]bool{canopy.FeatureContentAPI: true},
			HomeFields:  map[string]any{"intro": "Welcome. This site was created from the standard template: edit this page to say what the site is for."},
			Pages: []canopy.TemplatePage{
				{Type: canopy.StandardType, Title: "About", ShowInMenus: true,
					Fields: map[string]any{"body": "<p>Who we are and what we do.</p>"}},
				{Type: canopy.IndexType, Title: "News", ShowInMenus: true,
					Fields: map[string]any{"intro": "<p>News and announcements.</p>"}},
				{Type: canopy.IndexType, Title: "Events", ShowInMenus: true,
					Fields: map[string]any{"intro": "<p>What is coming up.</p>"}},
				{Type: canopy.StandardType, Title: "Contact", ShowInMenus: true,
					Fields: map[string]any{"body": "<p>How to reach us.</p>"}},
			},
			Snippets: map[string][]map[string]any{canopy.LocationType: {{"name": "Main office"}}},
		},
	}
}

// RegisterSiteTemplate adds (or replaces) a named site template after checking
// it against the installation's page, snippet and settings types, so that a
// mistake shows when the installation starts rather than when a site is
// created. Config templates and code both register through here.
func (s *Service) RegisterSiteTemplate(name string, t *canopy.SiteTemplate) error {
	if err := canopy.ValidateTemplateName(name); err != nil {
		return err
	}
	if t == nil {
		return canopy.Errorf(canopy.EINVALID, "site template %s is empty", name)
	}
	if _, err := s.buildTemplate(name, t); err != nil {
		return err
	}
	s.tmplMu.Lock()
	defer s.tmplMu.Unlock()
	if s.templates == nil {
		s.templates = map[string]*canopy.SiteTemplate{}
	}
	s.templates[name] = t
	return nil
}

// SetDefaultTemplate names the template used when a site is created without one.
func (s *Service) SetDefaultTemplate(name string) error {
	if _, err := s.SiteTemplate(name); err != nil {
		return err
	}
	s.tmplMu.Lock()
	s.defaultTemplate = name
	s.tmplMu.Unlock()
	return nil
}

// DefaultTemplate is the template applied when a site is created without one.
func (s *Service) DefaultTemplate() string {
	s.tmplMu.RLock()
	defer s.tmplMu.RUnlock()
	if s.defaultTemplate == "" {
		return BlankTemplate
	}
	return s.defaultTemplate
}

// SiteTemplate returns a registered template by name.
func (s *Service) SiteTemplate(name string) (*canopy.SiteTemplate, error) {
	s.tmplMu.RLock()
	defer s.tmplMu.RUnlock()
	t := s.templates[name]
	if t == nil {
		names := make([]string, 0, len(s.templates))
		for n := range s.templates {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, canopy.Errorf(canopy.EINVALID, "there is no site template %q (templates: %s)", name, strings.Join(names, ", "))
	}
	return t, nil
}

// SiteTemplates lists the registered templates by name.
func (s *Service) SiteTemplates() map[string]*canopy.SiteTemplate {
	s.tmplMu.RLock()
	defer s.tmplMu.RUnlock()
	out := make(map[string]*canopy.SiteTemplate, len(s.templates))
	for n, t := range s.templates {
		out[n] = t
	}
	return out
}

// buildTemplate cleans a template into what the store applies. It builds a
// fresh value each time: the store fills in slugs as it goes.
func (s *Service) buildTemplate(name string, t *canopy.SiteTemplate) (*canopy.TemplateContent, error) {
	fail := func(err error) error {
		return canopy.Errorf(canopy.ErrorCode(err), "site template %s: %s", name, canopy.ErrorMessage(err))
	}
	if err := canopy.ValidateFeatures(t.Features); err != nil {
		return nil, fail(err)
	}
	out := &canopy.TemplateContent{Name: name}
	if len(t.HomeFields) > 0 {
		home := s.Types.Get(canopy.HomeType)
		if _, err := s.cleanTemplateFields(home, t.HomeFields); err != nil {
			return nil, fail(canopy.Errorf(canopy.EINVALID, "home page: %s", canopy.ErrorMessage(err)))
		}
	}
	count := 0
	perSite := map[string]int{}
	var build func(parentType string, pages []canopy.TemplatePage, where string) ([]*canopy.ImportPage, error)
	build = func(parentType string, pages []canopy.TemplatePage, where string) ([]*canopy.ImportPage, error) {
		var list []*canopy.ImportPage
		perParent := map[string]int{}
		slugs := map[string]bool{}
		for i, tp := range pages {
			count++
			if count > MaxTemplatePages {
				return nil, canopy.Errorf(canopy.EINVALID, "more than %d pages", MaxTemplatePages)
			}
			at := func(err error) error {
				return canopy.Errorf(canopy.ErrorCode(err), "page %s%d (%q): %s", where, i+1, tp.Title, canopy.ErrorMessage(err))
			}
			pt := s.Types.Get(tp.Type)
			if pt == nil {
				return nil, at(canopy.Errorf(canopy.EINVALID, "unknown page type %q", tp.Type))
			}
			if pt.NotCreatable {
				return nil, at(canopy.Errorf(canopy.EINVALID, "pages of type %s cannot be created", tp.Type))
			}
			if !s.Types.AllowedUnder(parentType, tp.Type) {
				return nil, at(canopy.Errorf(canopy.EINVALID, "a %s cannot be created under a %s", tp.Type, parentType))
			}
			title, err := canopy.ValidateTitle(tp.Title)
			if err != nil {
				return nil, at(err)
			}
			if tp.Slug != "" {
				if err := canopy.ValidateSlug(tp.Slug); err != nil {
					return nil, at(err)
				}
				if slugs[tp.Slug] {
					return nil, at(canopy.Errorf(canopy.EINVALID, "the slug %q is used twice under the same parent", tp.Slug))
				}
				slugs[tp.Slug] = true
			}
			perParent[tp.Type]++
			perSite[tp.Type]++
			for _, l := range []struct {
				max, n int
				where  string
			}{{pt.MaxCount, perSite[tp.Type], "in this installation"}, {pt.MaxCountPerSite, perSite[tp.Type], "on a site"},
				{pt.MaxCountPerParent, perParent[tp.Type], "under one parent"}} {
				if l.max > 0 && l.n > l.max {
					return nil, at(canopy.Errorf(canopy.EINVALID, "at most %d %s page(s) may exist %s", l.max, pt.Label, l.where))
				}
			}
			fields, err := s.cleanTemplateFields(pt, tp.Fields)
			if err != nil {
				return nil, at(err)
			}
			kids, err := build(tp.Type, tp.Children, where+strconv.Itoa(i+1)+".")
			if err != nil {
				return nil, err
			}
			list = append(list, &canopy.ImportPage{Type: tp.Type, Live: !tp.Draft, Children: kids,
				Content: canopy.PageContent{Title: title, Slug: tp.Slug, SeoTitle: strings.TrimSpace(tp.SeoTitle),
					SearchDescription: strings.TrimSpace(tp.SearchDescription), ShowInMenus: tp.ShowInMenus, Fields: fields}})
		}
		return list, nil
	}
	pages, err := build(canopy.HomeType, t.Pages, "")
	if err != nil {
		return nil, fail(err)
	}
	out.Pages = pages
	types := make([]string, 0, len(t.Snippets))
	for typ := range t.Snippets {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		st := s.Snippets.Get(typ)
		if st == nil {
			return nil, fail(canopy.Errorf(canopy.EINVALID, "unknown snippet type %q", typ))
		}
		seen := map[string]bool{}
		for i, fields := range t.Snippets[typ] {
			clean, err := st.Clean(canopy.NormalizeConfigValues(fields), s.SanitizeRichText)
			if err != nil {
				return nil, fail(canopy.Errorf(canopy.EINVALID, "%s snippet %d: %s", typ, i+1, canopy.ErrorMessage(err)))
			}
			if st.Unique != "" {
				key := strings.ToLower(st.TitleOf(clean))
				if seen[key] {
					return nil, fail(canopy.Errorf(canopy.EINVALID, "%s snippet %d: %q is listed twice", typ, i+1, st.TitleOf(clean)))
				}
				seen[key] = true
			}
			out.Snippets = append(out.Snippets, canopy.TemplateSnippet{Type: st, Fields: clean})
		}
	}
	for group, values := range t.Settings {
		st := SettingsType(group)
		if st == nil {
			return nil, fail(canopy.Errorf(canopy.EINVALID, "unknown settings %q", group))
		}
		clean, err := st.Clean(canopy.NormalizeConfigValues(values), s.SanitizeRichText)
		if err != nil {
			return nil, fail(canopy.Errorf(canopy.EINVALID, "%s settings: %s", group, canopy.ErrorMessage(err)))
		}
		if out.Settings == nil {
			out.Settings = map[string]map[string]any{}
		}
		out.Settings[group] = clean
	}
	return out, nil
}

// cleanTemplateFields cleans a template page's fields. References by id
// (pages, snippets, images) cannot be written in a template: the objects do
// not exist until the site does.
func (s *Service) cleanTemplateFields(pt *canopy.PageType, values map[string]any) (map[string]any, error) {
	for name := range values {
		if f := pt.Field(name); f != nil && (f.Type == canopy.FieldPage || f.Type == canopy.FieldSnippet || f.Type == canopy.FieldImage || f.Type == canopy.FieldDocument) {
			return nil, canopy.Errorf(canopy.EINVALID, "field %q refers to a %s by id, which a site template cannot do", name, f.Type)
		}
	}
	fields, _, err := pt.CleanFields(canopy.NormalizeConfigValues(values), s.SanitizeRichText)
	return fields, err
}

// applyTemplate resolves the template a new site asks for (or the default one)
// into the store's form, and fills in the theme, features and home page fields
// the creator left unset.
func (s *Service) applyTemplate(in *canopy.NewSite, name string) error {
	if name == "" {
		name = s.DefaultTemplate()
	}
	t, err := s.SiteTemplate(name)
	if err != nil {
		return err
	}
	built, err := s.buildTemplate(name, t)
	if err != nil {
		return err
	}
	if len(built.Pages) > 0 || len(built.Snippets) > 0 || len(built.Settings) > 0 {
		in.Template = built
		in.Types = s.Types
	}
	if in.Theme == "" {
		in.Theme = t.Theme
	}
	if in.Features == nil && t.Features != nil {
		in.Features = make(map[string]bool, len(t.Features))
		for k, v := range t.Features {
			in.Features[k] = v
		}
	}
	if in.HomeFields == nil && len(t.HomeFields) > 0 {
		home, err := s.cleanTemplateFields(s.Types.Get(canopy.HomeType), t.HomeFields)
		if err != nil {
			return err
		}
		in.HomeFields = home
	}
	return nil
}
