package adminui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

// Snippets: a listing per type the user may see (search, order, pages),
// create / edit / delete with the same fields and choosers as the page
// editor, errors beside the fields. Snippets keep no revisions (docs).

const snippetsPageSize = 50

type snippetForm struct {
	Type   *canopy.SnippetType
	ID     int64
	Fields []formField
	Errors []summaryItem
	// The rich-text choosers, for rich-text fields.
	RichLinkChooser, RichImageChooser, RichDocChooser string
	CanDelete                                         bool
	// Used lists where the snippet is used (editing), UsedTotal how often.
	Used      []usageRow
	UsedTotal int
}

// snippetFields are a type's fields as a form, with values.
func snippetFields(st *canopy.SnippetType, values map[string]any) []formField {
	return fieldsForm(st.Fields, values)
}

// fieldsForm is declared fields as form fields, with values (snippets,
// settings).
func fieldsForm(defs []canopy.Field, values map[string]any) []formField {
	var out []formField
	section := ""
	for _, f := range defs {
		kind := string(f.Type)
		if f.Type == canopy.FieldText && f.MaxLength > 2000 {
			kind = "textarea" // several lines (robots.txt)
		}
		ff := formField{ID: "id_" + f.Name, Name: f.Name, Label: f.Label, Kind: kind, Required: f.Required, MaxLength: f.MaxLength, Help: f.HelpText}
		if f.Section != section {
			ff.SectionStart, section = f.Section, f.Section
		}
		switch f.Type {
		case canopy.FieldPage:
			ff.ChooserURL, ff.ChooseWhat = "/admin/choose/page/", "a page"
		case canopy.FieldImage:
			ff.ChooserURL, ff.ChooseWhat = "/admin/choose/image/", "an image"
		case canopy.FieldDocument:
			ff.ChooserURL, ff.ChooseWhat = "/admin/choose/document/", "a document"
		case canopy.FieldSnippet:
			ff.ChooserURL, ff.ChooseWhat = "/admin/choose/snippet/"+url.PathEscape(f.SnippetType)+"/", "one"
		}
		switch v := values[f.Name].(type) {
		case bool:
			ff.Checked = v
		case nil:
		case float64:
			ff.Value = strconv.FormatInt(int64(v), 10)
		case int64:
			ff.Value = strconv.FormatInt(v, 10)
		default:
			ff.Value = strings.TrimSpace(toString(v))
		}
		out = append(out, ff)
	}
	return out
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

func (u *UI) snippetTypeOf(q *req) (*canopy.SnippetType, []string, error) {
	st, _, err := q.a.SnippetType(q.r.PathValue("type"))
	if err != nil {
		return nil, nil, err
	}
	q.section = "snippet:" + st.Name
	return st, q.a.SnippetActions(st), nil
}

func (u *UI) snippetsList(q *req) error {
	st, acts, err := u.snippetTypeOf(q)
	if err != nil {
		return err
	}
	qs := strings.TrimSpace(q.r.URL.Query().Get("q"))
	order := q.r.URL.Query().Get("ordering")
	offset := pageNumber(q.r, snippetsPageSize)
	list, total, err := q.a.SnippetsOrdered(q.ctx(), st.Name, qs, order, snippetsPageSize, offset)
	if canopy.ErrorCode(err) == canopy.EINVALID && qs == "" {
		return err
	}
	var searchErr string
	if err != nil {
		if canopy.ErrorCode(err) != canopy.EINVALID {
			return err
		}
		searchErr = canopy.ErrorMessage(err)
	}
	base := url.URL{Path: q.r.URL.Path}
	keep := url.Values{}
	if qs != "" {
		keep.Set("q", qs)
	}
	base.RawQuery = keep.Encode()
	listed := st.ListColumns()
	sorts := [][2]string{{"Title", "title"}}
	for _, f := range listed {
		sorts = append(sorts, [2]string{f.Label, f.Name})
	}
	cols := sortColumns(base, order, append(sorts, [2]string{"Updated", "updated"}))
	rows := make([]snippetRow, len(list))
	for i, sn := range list {
		rows[i] = snippetRow{Snippet: sn}
		for _, f := range listed {
			rows[i].Values = append(rows[i].Values, [2]string{f.Label, listValue(f, sn.Fields[f.Name])})
		}
	}
	if order != "" {
		keep.Set("ordering", order)
		base.RawQuery = keep.Encode()
	}
	q.crumbs = []crumb{{Label: "Snippets"}, {Label: st.Label}}
	return q.render(http.StatusOK, "snippets", st.Label, map[string]any{"Type": st, "Items": rows, "Q": qs, "Total": total, "Actions": acts, "Listed": listed,
		"Columns": cols, "Error": searchErr, "Searching": qs != "", "Pager": makePager(base, total, offset, snippetsPageSize)})
}

// snippetRow is a snippet in its type's listing, with its listed values.
type snippetRow struct {
	*canopy.Snippet
	Values [][2]string // label, value
}

// listValue is a field's value as a listing shows it.
func listValue(f canopy.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		if f.Type == canopy.FieldDateTime {
			if t, err := time.Parse(time.RFC3339, x); err == nil {
				return t.UTC().Format("2 Jan 2006, 15:04")
			}
		}
		return x
	}
	return fmt.Sprint(v)
}

func (u *UI) showSnippetForm(q *req, status int, f *snippetForm) error {
	f.RichLinkChooser, f.RichImageChooser, f.RichDocChooser = "/admin/choose/page/?link=1", "/admin/choose/image/?rich=1", "/admin/choose/document/?rich=1"
	if err := u.nameChosen(q, f.Fields); err != nil {
		return err
	}
	if f.ID != 0 {
		used, total, err := q.a.Usage(q.ctx(), canopy.RefSnippet, f.Type.Name, f.ID, 10, 0)
		if err != nil {
			return err
		}
		f.Used, f.UsedTotal = u.usageRows(q, used), total
	}
	title := "New " + strings.ToLower(f.Type.Label)
	if f.ID != 0 {
		title = "Edit " + strings.ToLower(f.Type.Label)
	}
	q.crumbs = []crumb{{Label: "Snippets"}, {Label: f.Type.Label, URL: "/admin/snippets/" + url.PathEscape(f.Type.Name) + "/"}, {Label: title}}
	return q.render(status, "snippet_form", title, f)
}

// nameChosen names the references chosen in chooser fields (title and
// thumbnail, or "does not exist") and notes rich-text fields, whose screen
// loads the editor.
func (u *UI) nameChosen(q *req, fields []formField) error {
	ids := map[string][]int64{}
	for _, ff := range fields {
		if ff.Kind == string(canopy.FieldRichText) {
			q.richText = true
		}
		if ff.ChooserURL != "" {
			if id, err := strconv.ParseInt(ff.Value, 10, 64); err == nil {
				ids[ff.Kind] = append(ids[ff.Kind], id)
			}
		}
	}
	refs, err := q.a.Refs(q.ctx(), ids)
	if err != nil {
		return err
	}
	for i := range fields {
		ff := &fields[i]
		if id, err := strconv.ParseInt(ff.Value, 10, 64); err == nil && ff.ChooserURL != "" {
			if r, ok := refs[ff.Kind][id]; ok {
				ff.ChosenTitle, ff.ChosenThumb = r.Title, r.Thumb
			} else {
				ff.Missing = true
			}
		}
	}
	return nil
}

// readSnippetForm reads the posted fields into the form's fields and
// returns the values for the service.
func readSnippetForm(r *http.Request, fields []formField) map[string]any {
	values := map[string]any{}
	for i := range fields {
		ff := &fields[i]
		v := r.PostFormValue(ff.Name)
		ff.Value = v
		switch canopy.FieldType(ff.Kind) {
		case canopy.FieldBoolean:
			ff.Checked = v == "on"
			values[ff.Name] = ff.Checked
		case canopy.FieldText, canopy.FieldRichText:
			values[ff.Name] = strings.TrimSpace(v)
		case canopy.FieldInteger, canopy.FieldPage, canopy.FieldSnippet, canopy.FieldImage, canopy.FieldDocument:
			// Numbers as numbers; anything else as typed, for the
			// service to refuse beside the field.
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				values[ff.Name] = n
			} else if strings.TrimSpace(v) != "" {
				values[ff.Name] = strings.TrimSpace(v)
			} else {
				values[ff.Name] = nil
			}
		default:
			if strings.TrimSpace(v) != "" {
				values[ff.Name] = strings.TrimSpace(v)
			} else {
				values[ff.Name] = nil
			}
		}
	}
	return values
}

// failSnippet puts a service error beside its field and returns the
// summary: the field's item, or (for an error about no field) the message
// alone, without an anchor.
func failSnippet(st *canopy.SnippetType, fields []formField, err error) []summaryItem {
	field := canopy.ErrorField(err)
	if field == "" && canopy.ErrorCode(err) == canopy.ECONFLICT && st.Unique != "" {
		field = st.Unique // "already exists": the field that must be unique
	}
	for i := range fields {
		if "fields."+fields[i].Name == field || fields[i].Name == field {
			fields[i].Error = friendly(canopy.ErrorMessage(err))
			return []summaryItem{{Anchor: fields[i].ID, Label: fields[i].Label, Message: fields[i].Error}}
		}
	}
	return []summaryItem{{Message: canopy.ErrorMessage(err)}}
}

// formError: an error the form shows beside its fields (bad or conflicting
// input) rather than as an error screen.
func formError(err error) bool {
	code := canopy.ErrorCode(err)
	return code == canopy.EINVALID || code == canopy.ECONFLICT
}

func (u *UI) snippetAdd(q *req) error {
	st, acts, err := u.snippetTypeOf(q)
	if err != nil {
		return err
	}
	if !slices.Contains(acts, "add") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not add a %s", strings.ToLower(st.Label))
	}
	f := &snippetForm{Type: st, Fields: snippetFields(st, nil)}
	if q.r.Method == http.MethodGet {
		return u.showSnippetForm(q, http.StatusOK, f)
	}
	sn, err := q.a.CreateSnippet(q.ctx(), st.Name, readSnippetForm(q.r, f.Fields))
	if err != nil {
		if formError(err) {
			f.Errors = failSnippet(f.Type, f.Fields, err)
			return u.showSnippetForm(q, http.StatusBadRequest, f)
		}
		return err
	}
	return q.redirect("/admin/snippets/"+url.PathEscape(st.Name)+"/", "success", "“"+sn.Title+"” has been created.")
}

// snippetOf loads the snippet of the address's type and id (another
// site's, or one of another type: 404), with what the user may do.
func (u *UI) snippetOf(q *req) (*canopy.SnippetType, []string, *canopy.Snippet, error) {
	st, acts, err := u.snippetTypeOf(q)
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := pathID(q.r, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	sn, err := q.a.Snippet(q.ctx(), st.Name, id)
	if err != nil {
		return nil, nil, nil, err
	}
	return st, acts, sn, nil
}

func (u *UI) snippetEdit(q *req) error {
	st, acts, sn, err := u.snippetOf(q)
	if err != nil {
		return err
	}
	id := sn.ID
	f := &snippetForm{Type: st, ID: id, Fields: snippetFields(st, sn.Fields), CanDelete: slices.Contains(acts, "delete")}
	if q.r.Method == http.MethodGet {
		return u.showSnippetForm(q, http.StatusOK, f)
	}
	sn, err = q.a.UpdateSnippet(q.ctx(), st.Name, id, readSnippetForm(q.r, f.Fields))
	if err != nil {
		if formError(err) {
			f.Errors = failSnippet(f.Type, f.Fields, err)
			return u.showSnippetForm(q, http.StatusBadRequest, f)
		}
		return err
	}
	return q.redirect("/admin/snippets/"+url.PathEscape(st.Name)+"/", "success", "“"+sn.Title+"” has been saved.")
}

// snippetUsage lists every place a snippet is used.
func (u *UI) snippetUsage(q *req) error {
	st, _, sn, err := u.snippetOf(q)
	if err != nil {
		return err
	}
	id := sn.ID
	offset := pageNumber(q.r, 50)
	used, total, err := q.a.Usage(q.ctx(), canopy.RefSnippet, st.Name, id, 50, offset)
	if err != nil {
		return err
	}
	list := "/admin/snippets/" + url.PathEscape(st.Name) + "/"
	q.crumbs = []crumb{{Label: "Snippets"}, {Label: st.Label, URL: list}, {Label: sn.Title, URL: list + strconv.FormatInt(id, 10) + "/"}, {Label: "Used on"}}
	return q.render(http.StatusOK, "snippet_usage", "Where “"+sn.Title+"” is used", map[string]any{"Type": st, "Snippet": sn, "Rows": u.usageRows(q, used), "Total": total,
		"Pager": makePager(url.URL{Path: q.r.URL.Path}, total, offset, 50)})
}

func (u *UI) snippetDelete(q *req) error {
	st, _, sn, err := u.snippetOf(q)
	if err != nil {
		return err
	}
	id := sn.ID
	if q.r.Method == http.MethodPost {
		if err := q.a.DeleteSnippet(q.ctx(), st.Name, id); err != nil {
			return err
		}
		return q.redirect("/admin/snippets/"+url.PathEscape(st.Name)+"/", "success", "“"+sn.Title+"” has been deleted.")
	}
	if !slices.Contains(q.a.SnippetActions(st), "delete") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not delete a %s", strings.ToLower(st.Label))
	}
	used, total, err := q.a.Usage(q.ctx(), canopy.RefSnippet, st.Name, id, 50, 0)
	if err != nil {
		return err
	}
	q.crumbs = []crumb{{Label: "Snippets"}, {Label: st.Label, URL: "/admin/snippets/" + url.PathEscape(st.Name) + "/"}, {Label: "Delete"}}
	return q.render(http.StatusOK, "snippet_delete", "Delete "+sn.Title, map[string]any{"Type": st, "Snippet": sn, "Rows": u.usageRows(q, used), "Total": total})
}
