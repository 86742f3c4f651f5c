package service

import (
	"context"

	"github.com/canopy-cms/canopy"
)

// SettingsType returns a settings group's schema, or nil.
func SettingsType(name string) *canopy.SettingsType {
	for _, st := range canopy.BuiltinSettingsTypes() {
		if st.Name == name {
			st := st
			return &st
		}
	}
	return nil
}

func (a *Admin) settingsType(name string) (*canopy.SettingsType, error) {
	st := SettingsType(name)
	if st == nil {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "there are no settings named %q", name)
	}
	return st, nil
}

// Settings returns a settings group of this site.
func (a *Admin) Settings(ctx context.Context, name string) (map[string]any, error) {
	st, err := a.settingsType(name)
	if err != nil {
		return nil, err
	}
	if err := a.requireAny("view_"+st.Name, "change_"+st.Name); err != nil {
		return nil, err
	}
	return a.pages.Settings(ctx, st.Name)
}

// SaveSettings replaces a settings group of this site: the permission held by
// this site's group changes this site's settings only.
func (a *Admin) SaveSettings(ctx context.Context, name string, fields map[string]any) (map[string]any, error) {
	st, err := a.settingsType(name)
	if err != nil {
		return nil, err
	}
	if err := a.requireAny("change_" + st.Name); err != nil {
		return nil, err
	}
	clean, err := st.Clean(fields, a.svc.SanitizeRichText)
	if err != nil {
		return nil, err
	}
	if err := a.pages.SaveSettings(a.Ctx(ctx), st.Name, clean, st.Fields...); err != nil {
		return nil, err
	}
	return clean, nil
}

// SettingsTypes lists the settings groups the user may see on this site,
// each with whether they may change it.
func (a *Admin) SettingsTypes() []SettingsAccess {
	var out []SettingsAccess
	for _, st := range canopy.BuiltinSettingsTypes() {
		change := a.Check.User.HasModelPerm("change_" + st.Name)
		if change || a.Check.User.HasModelPerm("view_"+st.Name) {
			st := st
			out = append(out, SettingsAccess{Type: &st, Change: change})
		}
	}
	return out
}

// SettingsAccess is a settings group and whether the user may change it.
type SettingsAccess struct {
	Type   *canopy.SettingsType
	Change bool
}
