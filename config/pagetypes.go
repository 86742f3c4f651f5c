package config

import (
	"bytes"
	"os"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/media"
)

// pageTypeFile is the schema file format for page types added without recompiling.
type pageTypeFile struct {
	PageType []struct {
		Name              string    `toml:"name"`
		Label             string    `toml:"label"`
		Template          string    `toml:"template"`
		ParentPageTypes   *[]string `toml:"parent_page_types"`
		SubpageTypes      *[]string `toml:"subpage_types"`
		Creatable         *bool     `toml:"creatable"`
		ListsChildren     bool      `toml:"lists_children"`
		Feed              bool      `toml:"feed"`
		MaxCount          int       `toml:"max_count"`
		MaxCountPerSite   int       `toml:"max_count_per_site"`
		MaxCountPerParent int       `toml:"max_count_per_parent"`
		Field             []struct {
			Name      string   `toml:"name"`
			Label     string   `toml:"label"`
			Type      string   `toml:"type"`
			Required  bool     `toml:"required"`
			MaxLength int      `toml:"max_length"`
			HelpText  string   `toml:"help_text"`
			PageTypes []string `toml:"page_types"`
			API       *bool    `toml:"api"`
			// Permission is the codename needed to see and change the field
			// in the admin.
			Permission string `toml:"permission"`
			// SnippetType names the snippet type of a snippet field.
			SnippetType string `toml:"snippet_type"`
			// Renditions of an image field by name, as filter specs.
			Renditions map[string]string `toml:"renditions"`
		} `toml:"field"`
		// Rule compares two fields: field = "end", after = "start" (or
		// not_before, before, not_after), message = "…" (optional).
		Rule []struct {
			Field     string `toml:"field"`
			After     string `toml:"after"`
			NotBefore string `toml:"not_before"`
			Before    string `toml:"before"`
			NotAfter  string `toml:"not_after"`
			Message   string `toml:"message"`
		} `toml:"rule"`
	} `toml:"page_type"`
}

// LoadPageTypes builds the installation's page types: the built-in ones plus
// those declared in the schema file (if any).
func LoadPageTypes(file string) (*canopy.PageTypes, error) {
	if file == "" {
		return canopy.NewPageTypes()
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, canopy.Errorf(canopy.EINVALID, "cannot read page types file: %v", err)
	}
	var f pageTypeFile
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&f)
	if err != nil {
		return nil, canopy.Errorf(canopy.EINVALID, "page types file %s: %v", file, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, canopy.Errorf(canopy.EINVALID, "page types file %s: unknown key(s): %s", file, strings.Join(keys, ", "))
	}
	var extra []canopy.PageType
	for _, t := range f.PageType {
		pt := canopy.PageType{Name: t.Name, Label: t.Label, Template: t.Template, ListsChildren: t.ListsChildren, Feed: t.Feed,
			MaxCount: t.MaxCount, MaxCountPerSite: t.MaxCountPerSite, MaxCountPerParent: t.MaxCountPerParent}
		if t.ParentPageTypes != nil {
			pt.ParentTypes = append([]string{}, *t.ParentPageTypes...)
		}
		if t.SubpageTypes != nil {
			pt.SubpageTypes = append([]string{}, *t.SubpageTypes...)
		}
		if t.Creatable != nil && !*t.Creatable {
			pt.NotCreatable = true
		}
		for _, fd := range t.Field {
			field := canopy.Field{Name: fd.Name, Label: fd.Label, Type: canopy.FieldType(fd.Type), Required: fd.Required,
				MaxLength: fd.MaxLength, HelpText: fd.HelpText, PageTypes: fd.PageTypes, SnippetType: fd.SnippetType,
				Permission: fd.Permission}
			if fd.Renditions != nil {
				if field.Type != canopy.FieldImage {
					return nil, canopy.Errorf(canopy.EINVALID, "page types file %s: %s.%s: renditions are for image fields", file, t.Name, fd.Name)
				}
				for name, spec := range fd.Renditions {
					if _, err := media.ParseSpec(spec, 0); err != nil {
						return nil, canopy.Errorf(canopy.EINVALID, "page types file %s: %s.%s rendition %q: %s", file, t.Name, fd.Name, name, canopy.ErrorMessage(err))
					}
				}
				field.Renditions = fd.Renditions
			}
			if fd.API != nil && !*fd.API {
				field.NoAPI = true
			}
			pt.Fields = append(pt.Fields, field)
		}
		for _, r := range t.Rule {
			rule := canopy.FieldRule{Field: r.Field, Message: r.Message}
			for op, other := range map[string]string{"after": r.After, "not_before": r.NotBefore, "before": r.Before, "not_after": r.NotAfter} {
				if other == "" {
					continue
				}
				if rule.Op != "" {
					return nil, canopy.Errorf(canopy.EINVALID, "page types file %s: %s: a rule on %q names more than one of after, not_before, before, not_after", file, t.Name, r.Field)
				}
				rule.Op, rule.Other = op, other
			}
			if rule.Op == "" {
				return nil, canopy.Errorf(canopy.EINVALID, "page types file %s: %s: a rule on %q needs one of after, not_before, before, not_after", file, t.Name, r.Field)
			}
			pt.Rules = append(pt.Rules, rule)
		}
		extra = append(extra, pt)
	}
	types, err := canopy.NewPageTypes(extra...)
	if err != nil {
		return nil, canopy.Errorf(canopy.EINVALID, "page types file %s: %s", file, canopy.ErrorMessage(err))
	}
	return types, nil
}
