package service

import (
	"encoding/json"

	"github.com/canopy-cms/canopy"
)

// Field-level permissions (as Wagtail's panel permission): a page type or
// snippet field
// may name the model permission needed to see and change it in the admin.
// Without it the field is absent from the edit data (pages, drafts,
// revisions, the editor's form) and a change to it is refused through every
// path: the JSON API and the form (403 beside the field), a revert (the
// field keeps its current value), publishing an older revision (refused).

// registerFieldPermissions makes the permissions the page types' fields
// name grantable, so that they appear with the others in group editing.
func registerFieldPermissions(types *canopy.PageTypes) {
	if types == nil {
		return
	}
	for _, pt := range types.All() {
		for _, f := range pt.Fields {
			if f.Permission != "" && !knownPermission(f.Permission) {
				RegisterPermission(f.Permission, "See and change the "+f.Label+" field of "+pt.Label+" pages")
			}
		}
	}
}

// fieldHidden reports whether the user may not see or change the field.
func (a *Admin) fieldHidden(f *canopy.Field) bool {
	return f.Permission != "" && !a.Check.User.HasModelPerm(f.Permission)
}

// hiddenFields lists the fields of a page type that the user may not see or
// change (nil for most types: none is restricted).
func (a *Admin) hiddenFields(typ string) []*canopy.Field {
	pt := a.svc.Types.Get(typ)
	if pt == nil || !pt.RestrictedFields {
		return nil
	}
	return a.hiddenOf(pt.Fields)
}

// hiddenOf lists the fields among defs that the user may not see or change.
func (a *Admin) hiddenOf(defs []canopy.Field) []*canopy.Field {
	var out []*canopy.Field
	for i := range defs {
		if a.fieldHidden(&defs[i]) {
			out = append(out, &defs[i])
		}
	}
	return out
}

// EditableType is a page type as this user edits it: without the fields
// they may not see or change (the type itself when there are none).
func (a *Admin) EditableType(pt *canopy.PageType) *canopy.PageType {
	hidden := a.hiddenFields(pt.Name)
	if len(hidden) == 0 {
		return pt
	}
	cp := *pt
	cp.Fields = nil
	for _, f := range pt.Fields {
		if !a.fieldHidden(&f) {
			cp.Fields = append(cp.Fields, f)
		}
	}
	return &cp
}

// hideFields returns fields without those of type typ that the user may not
// see (a copy when something is left out; fields itself otherwise).
func (a *Admin) hideFields(typ string, fields map[string]any) map[string]any {
	return withoutFields(a.hiddenFields(typ), fields)
}

// withoutFields returns fields without the hidden ones (a copy when
// something is left out).
func withoutFields(hidden []*canopy.Field, fields map[string]any) map[string]any {
	if len(hidden) == 0 || fields == nil {
		return fields
	}
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		out[k] = v
	}
	for _, f := range hidden {
		delete(out, f.Name)
	}
	return out
}

// hidePage leaves out of a page's fields those the user may not see (the
// page is the caller's own copy, read for this request).
func (a *Admin) hidePage(p *canopy.Page) *canopy.Page {
	if p != nil {
		p.Fields = a.hideFields(p.Type, p.Fields)
	}
	return p
}

// checkFieldChanges refuses new values (in) of fields the user may not
// change that differ from their current values (base; nil for a new page).
// Sending a field's current value back is no change.
func (a *Admin) checkFieldChanges(typ string, base, in map[string]any) error {
	return refuseChanges(a.hiddenFields(typ), base, in)
}

// refuseChanges refuses a new value in in, differing from base, of a
// hidden field.
func refuseChanges(hidden []*canopy.Field, base, in map[string]any) error {
	for _, f := range hidden {
		v, ok := in[f.Name]
		if !ok {
			continue
		}
		// Its current value sent back, or an empty value for a field that
		// has none, is no change.
		if cur, set := base[f.Name]; sameValue(v, cur) || !set && (v == nil || v == "") {
			continue
		}
		return canopy.FieldErrorf("fields."+f.Name, canopy.EFORBIDDEN, "you may not change the %s field: it needs the %s permission", f.Label, f.Permission)
	}
	return nil
}

// keepHiddenFields sets, in content taken from elsewhere (an old revision),
// the fields the user may not change back to their current values.
func (a *Admin) keepHiddenFields(typ string, current map[string]any, c *canopy.PageContent) {
	hidden := a.hiddenFields(typ)
	if len(hidden) == 0 {
		return
	}
	fields := make(map[string]any, len(c.Fields))
	for k, v := range c.Fields {
		fields[k] = v
	}
	for _, f := range hidden {
		if v, ok := current[f.Name]; ok {
			fields[f.Name] = v
		} else {
			delete(fields, f.Name)
		}
	}
	c.Fields = fields
}

// sameValue compares two field values as JSON (numbers decoded from JSON
// and from the database compare equal; nil and absent are the same).
func sameValue(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// hideRevisions leaves hidden fields out of revisions of a page of type typ.
func (a *Admin) hideRevisions(typ string, revs []*canopy.Revision) {
	if len(a.hiddenFields(typ)) == 0 {
		return
	}
	for _, r := range revs {
		r.Content.Fields = a.hideFields(typ, r.Content.Fields)
	}
}
