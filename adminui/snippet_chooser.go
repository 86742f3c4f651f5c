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
	// The snippets screen's fields, without choosers of their own (a chooser
	// does not open inside a chooser: references take an id here).
	d.Form = snippetFields(st, nil)
	for i := range d.Form {
		d.Form[i].ID, d.Form[i].ChooserURL = "id_snippet_"+d.Form[i].Name, ""
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
	sn, err := q.a.CreateSnippet(q.ctx(), d.Type.Name, readSnippetForm(q.r, d.Form))
	if err != nil {
		d.Open = true
		// An error beside a field stays there; the chooser lists the others.
		for _, e := range failSnippet(d.Type, d.Form, err) {
			if e.Anchor == "" {
				d.Errors = append(d.Errors, e)
			}
		}
		return u.listSnippets(q, d)
	}
	if q.fragmentWanted() {
		return q.partial("choose_snippet", "chosen", sn)
	}
	return q.render(http.StatusCreated, "choose_media_done", "Created", map[string]any{"ID": sn.ID, "Title": sn.Title})
}
