package adminui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/canopy-cms/canopy"
)

// The snippet chooser searches in SQL as the user types (a site may have
// thousands of snippets of a type: no select box), and creates a snippet
// from inside the chooser when the user may add one.

type snippetChooserData struct {
	Type   *canopy.SnippetType
	Q      string
	Items  []*canopy.Snippet
	Pager  pager
	CanAdd bool
	Form   []formField
	Errors []summaryItem
	Action string
	Open   bool
	// The rich-text choosers, for snippet fields of rich text.
	RichLinkChooser, RichImageChooser, RichDocChooser string
}

func (u *UI) snippetChooser(q *req) (*snippetChooserData, error) {
	st, canAdd, err := q.a.SnippetType(q.r.PathValue("type"))
	if err != nil {
		return nil, err
	}
	d := &snippetChooserData{Type: st, CanAdd: canAdd, Action: "/admin/choose/snippet/" + url.PathEscape(st.Name) + "/",
		RichLinkChooser: "/admin/choose/page/?link=1", RichImageChooser: "/admin/choose/image/?rich=1", RichDocChooser: "/admin/choose/document/?rich=1"}
	for _, f := range st.Fields {
		kind := string(f.Type)
		if f.Type == canopy.FieldText && (f.MaxLength == 0 || f.MaxLength > 255) {
			kind = "text"
		}
		d.Form = append(d.Form, formField{ID: "id_snippet_" + f.Name, Name: f.Name, Label: f.Label, Kind: kind, Required: f.Required, MaxLength: f.MaxLength, Help: f.HelpText})
	}
	return d, nil
}

func (u *UI) chooseSnippet(q *req) error {
	d, err := u.snippetChooser(q)
	if err != nil {
		return err
	}
	return u.listSnippets(q, d)
}

func (u *UI) listSnippets(q *req, d *snippetChooserData) error {
	d.Q = strings.TrimSpace(q.r.URL.Query().Get("q"))
	if len(d.Q) > 200 {
		return canopy.Errorf(canopy.EINVALID, "the search is longer than 200 characters")
	}
	offset := pageNumber(q.r, chooserPageSize)
	items, total, err := q.a.Snippets(q.ctx(), d.Type.Name, d.Q, chooserPageSize, offset)
	if err != nil {
		return err
	}
	d.Items = items
	base, _ := url.Parse(d.Action)
	if d.Q != "" {
		base.RawQuery = url.Values{"q": {d.Q}}.Encode()
	}
	d.Pager = makePager(*base, total, offset, chooserPageSize)
	return u.chooserAnswer(q, "choose_snippet", "Choose a "+strings.ToLower(d.Type.Label), d)
}

// createSnippet creates a snippet from the chooser's form and chooses it.
func (u *UI) createSnippet(q *req) error {
	d, err := u.snippetChooser(q)
	if err != nil {
		return err
	}
	if !d.CanAdd {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not add a %s", strings.ToLower(d.Type.Label))
	}
	values := map[string]any{}
	for i := range d.Form {
		f := &d.Form[i]
		v := q.r.PostFormValue(f.Name)
		f.Value = v
		switch canopy.FieldType(f.Kind) {
		case canopy.FieldBoolean:
			f.Checked = v == "on"
			values[f.Name] = f.Checked
		case canopy.FieldText, canopy.FieldRichText:
			values[f.Name] = strings.TrimSpace(v)
		default:
			if strings.TrimSpace(v) != "" {
				values[f.Name] = strings.TrimSpace(v)
			}
		}
	}
	sn, err := q.a.CreateSnippet(q.ctx(), d.Type.Name, values)
	if err != nil {
		d.Open = true
		placed := false
		for i := range d.Form {
			if "fields."+d.Form[i].Name == canopy.ErrorField(err) {
				d.Form[i].Error, placed = friendly(canopy.ErrorMessage(err)), true
			}
		}
		if !placed {
			d.Errors = []summaryItem{{Message: canopy.ErrorMessage(err)}}
		}
		return u.listSnippets(q, d)
	}
	if q.fragmentWanted() {
		return q.partial("choose_snippet", "chosen", sn)
	}
	return q.render(http.StatusCreated, "choose_media_done", "Created", map[string]any{"ID": sn.ID, "Title": sn.Title})
}
