package service

import (
	"context"

	"github.com/canopy-cms/canopy"
)

// snippetType resolves a snippet type by its route name.
func (a *Admin) snippetType(name string) (*canopy.SnippetType, error) {
	st := a.svc.Snippets.Get(name)
	if st == nil {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "there is no snippet type %q", name)
	}
	return st, nil
}

func (a *Admin) snippetPerm(st *canopy.SnippetType, verbs ...string) error {
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v + "_" + st.Name
	}
	return a.requireAny(names...)
}

// Snippets lists this site's snippets of a type (q searches them).
func (a *Admin) Snippets(ctx context.Context, typ, q string, limit, offset int) ([]*canopy.Snippet, int, error) {
	return a.SnippetsOrdered(ctx, typ, q, "", limit, offset)
}

// SnippetActions says what the caller may do with snippets of a type:
// "add", "change", "delete".
func (a *Admin) SnippetActions(st *canopy.SnippetType) []string {
	var out []string
	for _, act := range []string{"add", "change", "delete"} {
		if a.snippetPerm(st, act) == nil {
			out = append(out, act)
		}
	}
	return out
}

// SnippetsOrdered is Snippets in an order of sqlstore.SnippetOrders (a
// search ranks by relevance instead).
func (a *Admin) SnippetsOrdered(ctx context.Context, typ, q, order string, limit, offset int) ([]*canopy.Snippet, int, error) {
	st, err := a.snippetType(typ)
	if err != nil {
		return nil, 0, err
	}
	if err := a.snippetPerm(st, "view", "add", "change", "delete"); err != nil {
		return nil, 0, err
	}
	var list []*canopy.Snippet
	var total int
	if sq, perr := typedSearch(q); !shortQuery(q) && perr == nil {
		// The search index (the fields the type searches, the last word a
		// prefix as one types), best match first.
		list, total, err = a.pages.SearchSnippets(ctx, st.Name, sq, limit, offset)
	} else {
		// Everything, the first letters typed, or a query the index cannot
		// use: anywhere in the searched text.
		list, total, err = a.pages.SnippetsOrdered(ctx, st.Name, q, order, limit, offset)
	}
	if hidden := a.hiddenOf(st.Fields); len(hidden) > 0 {
		for _, sn := range list {
			sn.Fields = withoutFields(hidden, sn.Fields)
		}
	}
	return list, total, err
}

// Snippet returns one snippet of this site.
func (a *Admin) Snippet(ctx context.Context, typ string, id int64) (*canopy.Snippet, error) {
	st, err := a.snippetType(typ)
	if err != nil {
		return nil, err
	}
	if err := a.snippetPerm(st, "view", "add", "change", "delete"); err != nil {
		return nil, err
	}
	return a.hideSnippet(st)(a.pages.Snippet(ctx, st.Name, id))
}

// CreateSnippet creates a snippet of this site.
func (a *Admin) CreateSnippet(ctx context.Context, typ string, fields map[string]any) (*canopy.Snippet, error) {
	st, err := a.snippetType(typ)
	if err != nil {
		return nil, err
	}
	if err := a.snippetPerm(st, "add"); err != nil {
		return nil, err
	}
	if err := refuseChanges(a.hiddenOf(st.Fields), nil, fields); err != nil {
		return nil, err
	}
	clean, err := st.Clean(fields, a.svc.SanitizeRichText)
	if err != nil {
		return nil, err
	}
	return a.hideSnippet(st)(a.pages.CreateSnippet(a.Ctx(ctx), st, clean))
}

// hideSnippet leaves out of a snippet the fields the user may not see.
func (a *Admin) hideSnippet(st *canopy.SnippetType) func(*canopy.Snippet, error) (*canopy.Snippet, error) {
	return func(sn *canopy.Snippet, err error) (*canopy.Snippet, error) {
		if sn != nil {
			sn.Fields = withoutFields(a.hiddenOf(st.Fields), sn.Fields)
		}
		return sn, err
	}
}

// UpdateSnippet changes the given fields of a snippet of this site.
func (a *Admin) UpdateSnippet(ctx context.Context, typ string, id int64, fields map[string]any) (*canopy.Snippet, error) {
	st, err := a.snippetType(typ)
	if err != nil {
		return nil, err
	}
	if err := a.snippetPerm(st, "change"); err != nil {
		return nil, err
	}
	cur, err := a.pages.Snippet(ctx, st.Name, id)
	if err != nil {
		return nil, err
	}
	if err := refuseChanges(a.hiddenOf(st.Fields), cur.Fields, fields); err != nil {
		return nil, err
	}
	merged := map[string]any{}
	for k, v := range cur.Fields {
		merged[k] = v
	}
	for k, v := range fields {
		merged[k] = v
	}
	clean, err := st.Clean(merged, a.svc.SanitizeRichText)
	if err != nil {
		return nil, err
	}
	return a.hideSnippet(st)(a.pages.UpdateSnippet(a.Ctx(ctx), st, id, clean))
}

// DeleteSnippet deletes a snippet of this site.
func (a *Admin) DeleteSnippet(ctx context.Context, typ string, id int64) error {
	st, err := a.snippetType(typ)
	if err != nil {
		return err
	}
	if err := a.snippetPerm(st, "delete"); err != nil {
		return err
	}
	return a.pages.DeleteSnippet(a.Ctx(ctx), st.Name, id)
}

// SnippetTypes lists the snippet types the caller may list (view, add,
// change or delete permission), in the installation's order.
func (a *Admin) SnippetTypes() []*canopy.SnippetType {
	var out []*canopy.SnippetType
	for _, name := range a.svc.Snippets.Names() {
		if st := a.svc.Snippets.Get(name); st != nil && a.snippetPerm(st, "view", "add", "change", "delete") == nil {
			out = append(out, st)
		}
	}
	return out
}

// SnippetType returns a snippet type the caller may list (view, add, change
// or delete permission), and whether they may add snippets of it.
func (a *Admin) SnippetType(name string) (st *canopy.SnippetType, canAdd bool, err error) {
	if st, err = a.snippetType(name); err != nil {
		return nil, false, err
	}
	if err := a.snippetPerm(st, "view", "add", "change", "delete"); err != nil {
		return nil, false, err
	}
	return st, a.snippetPerm(st, "add") == nil, nil
}
