package adminui

import (
	"bytes"
	"crypto/hmac"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// The site's redirects: a listing with search and pages, add / edit /
// delete (the target a page of this site, through the page chooser, or a
// URL), CSV import with a preview and CSV export. Controls follow the
// user's redirect permissions; the service checks each POST again.

const redirectsPageSize = 50

type redirectRow struct {
	*canopy.Redirect
	// Target is what it sends visitors to: a page's title and address, or
	// the link.
	TargetTitle, TargetURL string
	Missing                bool
}

func (u *UI) redirectRows(q *req, list []*canopy.Redirect) ([]redirectRow, error) {
	var ids []int64
	for _, r := range list {
		if r.RedirectPageID != 0 {
			ids = append(ids, r.RedirectPageID)
		}
	}
	targets, err := q.a.RedirectTargets(q.ctx(), ids)
	if err != nil {
		return nil, err
	}
	rows := make([]redirectRow, len(list))
	for i, r := range list {
		row := redirectRow{Redirect: r, TargetURL: r.RedirectLink}
		if r.RedirectPageID != 0 {
			t, ok := targets[r.RedirectPageID]
			row.TargetTitle, row.TargetURL, row.Missing = t[0], t[1], !ok
		}
		rows[i] = row
	}
	return rows, nil
}

func (u *UI) redirectsList(q *req) error {
	q.section = "redirects"
	acts := q.a.RedirectActions()
	if len(acts) == 0 {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not see this site's redirects")
	}
	qs := strings.TrimSpace(q.r.URL.Query().Get("q"))
	offset := pageNumber(q.r, redirectsPageSize)
	list, total, err := q.a.Redirects(q.ctx(), qs, redirectsPageSize, offset)
	if err != nil {
		return err
	}
	rows, err := u.redirectRows(q, list)
	if err != nil {
		return err
	}
	base := searchBase("/admin/redirects/", qs)
	q.crumbs = []crumb{{Label: "Redirects"}}
	return q.render(http.StatusOK, "redirects", "Redirects", map[string]any{"Rows": rows, "Q": qs, "Total": total, "Actions": acts,
		"Pager": makePager(base, total, offset, redirectsPageSize)})
}

// redirectForm is the add and edit form.
type redirectForm struct {
	ID                  int64
	OldPath, Page, Link formField
	Permanent           formField
	Target              string // "page" or "url"
	Errors              []summaryItem
	CanDelete           bool
	Automatic, IsNew    bool
}

func newRedirectForm(r *canopy.Redirect) *redirectForm {
	f := &redirectForm{
		OldPath: formField{ID: "id_old_path", Name: "old_path", Label: "From (the old address)", Kind: "text", Required: true, MaxLength: 2000,
			Help: "A path on this site, like /old-news/summer-fair (a query string is kept: /events?id=12)."},
		Page: formField{ID: "id_redirect_page", Name: "redirect_page_id", Label: "To a page of this site", Kind: "page",
			ChooserURL: "/admin/choose/page/", ChooseWhat: "a page", Help: "It follows the page when the page moves."},
		Link:      formField{ID: "id_redirect_link", Name: "redirect_link", Label: "Or to an address", Kind: "text", MaxLength: 2000, Help: "https://… or a path of this site."},
		Permanent: formField{ID: "id_is_permanent", Name: "is_permanent", Label: "Permanent (301): search engines update their links", Kind: "boolean", Checked: true},
		Target:    "page", IsNew: true,
	}
	if r != nil {
		f.ID, f.IsNew, f.Automatic = r.ID, false, r.Automatic
		f.OldPath.Value, f.Permanent.Checked = r.OldPath, r.IsPermanent
		if r.RedirectPageID != 0 {
			f.Page.Value = strconv.FormatInt(r.RedirectPageID, 10)
		} else {
			f.Link.Value, f.Target = r.RedirectLink, "url"
		}
	}
	return f
}

// read fills the form from the request and returns the service's input.
func (f *redirectForm) read(r *http.Request) service.RedirectInput {
	f.OldPath.Value = strings.TrimSpace(r.PostFormValue("old_path"))
	f.Page.Value = strings.TrimSpace(r.PostFormValue("redirect_page_id"))
	f.Link.Value = strings.TrimSpace(r.PostFormValue("redirect_link"))
	f.Permanent.Checked = r.PostFormValue("is_permanent") == "on"
	in := service.RedirectInput{OldPath: f.OldPath.Value, IsPermanent: f.Permanent.Checked}
	// A page chosen wins over a link typed (the form shows both).
	if id, err := strconv.ParseInt(f.Page.Value, 10, 64); err == nil && id > 0 {
		in.RedirectPageID, f.Target = id, "page"
	} else {
		in.RedirectLink, f.Target = f.Link.Value, "url"
	}
	return in
}

// fail puts an error beside its field (or in the summary).
func (f *redirectForm) fail(err error) {
	msg := friendly(canopy.ErrorMessage(err))
	switch canopy.ErrorField(err) {
	case "old_path":
		f.OldPath.Error = msg
	case "redirect_page_id":
		f.Page.Error = msg
	case "redirect_link":
		f.Link.Error = msg
	default:
		if strings.Contains(canopy.ErrorMessage(err), "old path") || canopy.ErrorCode(err) == canopy.ECONFLICT {
			f.OldPath.Error = msg
		} else if f.Target == "page" {
			f.Page.Error = msg
		} else {
			f.Link.Error = msg
		}
	}
	for _, ff := range []*formField{&f.OldPath, &f.Page, &f.Link} {
		if ff.Error != "" {
			f.Errors = append(f.Errors, summaryItem{Anchor: ff.ID, Label: ff.Label, Message: ff.Error})
		}
	}
}

func (u *UI) showRedirectForm(q *req, status int, f *redirectForm) error {
	q.section = "redirects"
	if f.Page.Value != "" {
		if id, err := strconv.ParseInt(f.Page.Value, 10, 64); err == nil {
			refs, err := q.a.Refs(q.ctx(), map[string][]int64{"page": {id}})
			if err != nil {
				return err
			}
			if r, ok := refs["page"][id]; ok {
				f.Page.ChosenTitle = r.Title
			} else {
				f.Page.Missing = true
			}
		}
	}
	f.CanDelete = !f.IsNew && slices.Contains(q.a.RedirectActions(), "delete")
	title := "Add a redirect"
	if !f.IsNew {
		title = "Redirect from " + f.OldPath.Value
	}
	q.crumbs = []crumb{{Label: "Redirects", URL: "/admin/redirects/"}, {Label: title}}
	return q.render(status, "redirect_form", title, f)
}

func (u *UI) redirectAdd(q *req) error {
	if !slices.Contains(q.a.RedirectActions(), "add") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not add redirects on this site")
	}
	return u.showRedirectForm(q, http.StatusOK, newRedirectForm(nil))
}

func (u *UI) redirectAddSubmit(q *req) error {
	f := newRedirectForm(nil)
	r, err := q.a.CreateRedirect(q.ctx(), f.read(q.r))
	if err != nil {
		if formError(err) {
			f.fail(err)
			return u.showRedirectForm(q, http.StatusBadRequest, f)
		}
		return err
	}
	return q.redirect("/admin/redirects/", "success", "Visitors of "+r.OldPath+" are now redirected.")
}

// redirectOf loads the redirect of the address's id (another site's: 404).
func (u *UI) redirectOf(q *req) (*canopy.Redirect, error) {
	id, err := pathID(q.r, "id")
	if err != nil {
		return nil, err
	}
	return q.a.Redirect(q.ctx(), id)
}

func (u *UI) redirectEdit(q *req) error {
	r, err := u.redirectOf(q)
	if err != nil {
		return err
	}
	return u.showRedirectForm(q, http.StatusOK, newRedirectForm(r))
}

func (u *UI) redirectEditSubmit(q *req) error {
	old, err := u.redirectOf(q)
	if err != nil {
		return err
	}
	f := newRedirectForm(old)
	r, err := q.a.UpdateRedirect(q.ctx(), old.ID, f.read(q.r))
	if err != nil {
		if formError(err) {
			f.fail(err)
			return u.showRedirectForm(q, http.StatusBadRequest, f)
		}
		return err
	}
	return q.redirect("/admin/redirects/", "success", "The redirect from "+r.OldPath+" has been saved.")
}

func (u *UI) redirectDelete(q *req) error {
	r, err := u.redirectOf(q)
	if err != nil {
		return err
	}
	if q.r.Method == http.MethodPost {
		if err := q.a.DeleteRedirect(q.ctx(), r.ID); err != nil {
			return err
		}
		return q.redirect("/admin/redirects/", "success", "The redirect from "+r.OldPath+" has been deleted: that address now answers “not found”.")
	}
	if !slices.Contains(q.a.RedirectActions(), "delete") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not delete redirects on this site")
	}
	q.section = "redirects"
	q.crumbs = []crumb{{Label: "Redirects", URL: "/admin/redirects/"}, {Label: "Delete"}}
	return q.render(http.StatusOK, "redirect_delete", "Delete the redirect from "+r.OldPath, r)
}

// ---- import and export ----

// maxRedirectCSV bounds an imported file.
const maxRedirectCSV = 1 << 20

type importData struct {
	// CSV is the file's text, carried by the preview's form to the import.
	CSV     string
	Result  *service.ImportResult
	Rows    []importRowView
	Error   string
	Applied bool
}

type importRowView struct {
	service.ImportRow
	Target string
}

func (u *UI) redirectImportForm(q *req) error {
	if !slices.Contains(q.a.RedirectActions(), "add") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not add redirects on this site")
	}
	return u.showImport(q, http.StatusOK, &importData{})
}

func (u *UI) showImport(q *req, status int, d *importData) error {
	q.section = "redirects"
	q.crumbs = []crumb{{Label: "Redirects", URL: "/admin/redirects/"}, {Label: "Import"}}
	return q.render(status, "redirect_import", "Import redirects", d)
}

// redirectImport takes the file (a multipart upload) and shows what it
// would do, or, from the preview's form, applies it: every row (nothing if
// any is bad) or the valid rows only.
func (u *UI) redirectImport(q *req) error {
	var text string
	apply := ""
	if mt := q.r.Header.Get("Content-Type"); strings.HasPrefix(mt, "multipart/form-data") {
		extra := map[string]string{"csrf": ""}
		up, err := httpkit.ReadUpload(q.w, q.r, maxRedirectCSV, extra)
		if !q.csrfOK && !hmac.Equal([]byte(extra["csrf"]), []byte(q.csrf)) {
			return errCSRF
		}
		if err != nil {
			return u.showImport(q, http.StatusBadRequest, &importData{Error: canopy.ErrorMessage(err)})
		}
		text = string(up.Data)
	} else {
		text, apply = q.r.PostFormValue("csv"), q.r.PostFormValue("apply")
		if len(text) > maxRedirectCSV {
			return u.showImport(q, http.StatusBadRequest, &importData{Error: "the file is larger than 1 MiB: split it"})
		}
	}
	if strings.TrimSpace(text) == "" {
		return u.showImport(q, http.StatusBadRequest, &importData{Error: "choose a CSV file with rows of from, to and (optionally) permanent"})
	}
	d := &importData{CSV: text}
	if apply != "" {
		res, err := q.a.ImportRedirects(q.ctx(), strings.NewReader(text), apply == "valid")
		if err == nil {
			return q.redirect("/admin/redirects/", "success", strconv.Itoa(res.Created)+" redirect(s) added and "+strconv.Itoa(res.Updated)+" replaced.")
		}
		if res == nil || canopy.ErrorCode(err) != canopy.EINVALID {
			return err
		}
		// Refused (all or nothing, with bad rows): the preview again, saying so.
		d.Error = canopy.ErrorMessage(err)
	}
	{
		res, err := q.a.PreviewRedirectImport(q.ctx(), strings.NewReader(text))
		if err != nil {
			return err
		}
		d.Result = res
		for _, row := range res.Rows {
			v := importRowView{ImportRow: row, Target: row.RedirectLink}
			if row.RedirectPageID != 0 {
				t, err := q.a.RedirectTargets(q.ctx(), []int64{row.RedirectPageID})
				if err != nil {
					return err
				}
				v.Target = "the page “" + t[row.RedirectPageID][0] + "” (" + t[row.RedirectPageID][1] + ")"
			}
			d.Rows = append(d.Rows, v)
		}
		status := http.StatusOK
		if d.Error != "" {
			status = http.StatusBadRequest
		}
		return u.showImport(q, status, d)
	}
}

func (u *UI) redirectExport(q *req) error {
	var b bytes.Buffer
	if err := q.a.ExportRedirects(q.ctx(), &b); err != nil {
		return err
	}
	securityHeaders(q.w.Header())
	q.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	q.w.Header().Set("Content-Disposition", `attachment; filename="redirects-`+q.site.Hostname+`.csv"`)
	_, err := q.w.Write(b.Bytes())
	return err
}
