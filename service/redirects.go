package service

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/sqlstore"
)

// RedirectInput is a redirect as an adapter receives it.
type RedirectInput struct {
	OldPath        string
	RedirectPageID int64
	RedirectLink   string
	IsPermanent    bool
}

func (a *Admin) cleanRedirect(in RedirectInput) (sqlstore.RedirectInput, error) {
	old, err := canopy.NormalizeRedirectPath(in.OldPath)
	if err != nil {
		return sqlstore.RedirectInput{}, err
	}
	if in.RedirectLink != "" {
		if err := canopy.ValidateRedirectLink(in.RedirectLink); err != nil {
			return sqlstore.RedirectInput{}, err
		}
	}
	return sqlstore.RedirectInput{OldPath: old, RedirectPageID: in.RedirectPageID, RedirectLink: strings.TrimSpace(in.RedirectLink), IsPermanent: in.IsPermanent}, nil
}

// Redirects lists this site's redirects by old path (q: those whose old path
// or link contains it).
func (a *Admin) Redirects(ctx context.Context, q string, limit, offset int) ([]*canopy.Redirect, int, error) {
	if err := a.requireAny("view_redirect", "add_redirect", "change_redirect", "delete_redirect"); err != nil {
		return nil, 0, err
	}
	if len(q) > 200 {
		return nil, 0, canopy.FieldErrorf("q", canopy.EINVALID, "the search is longer than 200 characters")
	}
	return a.pages.Redirects(ctx, q, limit, offset)
}

// checkRedirect refuses a redirect that would never be used or would go in
// a circle: from the address of a live page of this site (the page answers
// there, not the redirect), to its own address, or into a chain of this
// site's redirects that comes back to it.
func (a *Admin) checkRedirect(ctx context.Context, r sqlstore.RedirectInput, selfID int64) error {
	path, _, _ := strings.Cut(r.OldPath, "?")
	if p, err := a.pages.PageByURLPath(ctx, strings.TrimSuffix(path, "/")+"/"); err == nil && p.Live && !strings.Contains(r.OldPath, "?") {
		return canopy.FieldErrorf("old_path", canopy.EINVALID, "the live page “%s” answers at %s: a redirect from it would never be used (move or unpublish the page first)", p.Title, path)
	}
	target := r.RedirectLink
	if r.RedirectPageID != 0 {
		p, err := a.pages.Page(ctx, r.RedirectPageID)
		if err != nil {
			return canopy.FieldErrorf("redirect_page_id", canopy.EINVALID, "choose a page of this site")
		}
		target = p.URLPath
	}
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
		return nil // another site's address: no loop here
	}
	to, err := canopy.NormalizeRedirectPath(target)
	if err != nil {
		return nil
	}
	if to == r.OldPath {
		return canopy.FieldErrorf("redirect_link", canopy.EINVALID, "%s would redirect to itself", r.OldPath)
	}
	chain, err := a.pages.RedirectChain(ctx, to, 10)
	if err != nil {
		return err
	}
	for _, p := range chain {
		if p == r.OldPath {
			return canopy.FieldErrorf("redirect_link", canopy.EINVALID, "%s → %s → … → %s would go round in a circle", r.OldPath, to, r.OldPath)
		}
	}
	return nil
}

// Redirect returns one redirect of this site.
func (a *Admin) Redirect(ctx context.Context, id int64) (*canopy.Redirect, error) {
	if err := a.requireAny("view_redirect", "add_redirect", "change_redirect", "delete_redirect"); err != nil {
		return nil, err
	}
	return a.pages.Redirect(ctx, id)
}

// CreateRedirect adds a redirect; its target page must be of this site.
func (a *Admin) CreateRedirect(ctx context.Context, in RedirectInput) (*canopy.Redirect, error) {
	if err := a.requireAny("add_redirect"); err != nil {
		return nil, err
	}
	r, err := a.cleanRedirect(in)
	if err != nil {
		return nil, err
	}
	if err := a.checkRedirect(ctx, r, 0); err != nil {
		return nil, err
	}
	if _, _, err := a.pages.SaveRedirects(a.Ctx(ctx), []sqlstore.RedirectInput{r}, false); err != nil {
		return nil, err
	}
	found, _, err := a.pages.FindRedirect(ctx, r.OldPath, r.OldPath)
	return found, err
}

// UpdateRedirect changes a redirect of this site.
func (a *Admin) UpdateRedirect(ctx context.Context, id int64, in RedirectInput) (*canopy.Redirect, error) {
	if err := a.requireAny("change_redirect"); err != nil {
		return nil, err
	}
	r, err := a.cleanRedirect(in)
	if err != nil {
		return nil, err
	}
	if err := a.checkRedirect(ctx, r, id); err != nil {
		return nil, err
	}
	return a.pages.UpdateRedirect(a.Ctx(ctx), id, r)
}

// DeleteRedirect deletes a redirect of this site.
func (a *Admin) DeleteRedirect(ctx context.Context, id int64) error {
	if err := a.requireAny("delete_redirect"); err != nil {
		return err
	}
	return a.pages.DeleteRedirect(a.Ctx(ctx), id)
}

// ImportError is one bad CSV row.
type ImportError struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// ImportResult tells what an import did (or, previewed, would do).
type ImportResult struct {
	Created int           `json:"created"`
	Updated int           `json:"updated"`
	Errors  []ImportError `json:"errors"`
	// Rows are the valid rows, for a preview.
	Rows []ImportRow `json:"rows,omitempty"`
}

// ImportRow is a valid row of an import: what it redirects, and whether it
// replaces a redirect from the same path.
type ImportRow struct {
	Line           int    `json:"line"`
	OldPath        string `json:"old_path"`
	RedirectPageID int64  `json:"redirect_page_id,omitempty"`
	RedirectLink   string `json:"redirect_link,omitempty"`
	IsPermanent    bool   `json:"is_permanent"`
	Replaces       bool   `json:"replaces"`
}

// ImportRedirects reads CSV rows "from,to[,permanent]" (a header row is
// optional). "to" is an http(s) URL, or a path: a path that is the URL of a
// page of this site redirects to that page. Rows with errors are reported by
// line; unless partial is set, any error means nothing is applied. An
// existing redirect from the same path is replaced.
func (a *Admin) ImportRedirects(ctx context.Context, r io.Reader, partial bool) (*ImportResult, error) {
	return a.importRedirects(ctx, r, partial, false)
}

// PreviewRedirectImport reads an import as ImportRedirects does and says
// what it would do, changing nothing: the valid rows (each new or replacing
// a redirect) and the bad ones by line; Created and Updated count the rows
// that importing all valid rows would add and replace.
func (a *Admin) PreviewRedirectImport(ctx context.Context, r io.Reader) (*ImportResult, error) {
	return a.importRedirects(ctx, r, true, true)
}

func (a *Admin) importRedirects(ctx context.Context, r io.Reader, partial, dryRun bool) (*ImportResult, error) {
	if err := a.requireAny("add_redirect"); err != nil {
		return nil, err
	}
	// A spreadsheet's UTF-8 byte order mark is not part of the first path.
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	res := &ImportResult{Errors: []ImportError{}}
	var valid []sqlstore.RedirectInput
	var lines []int
	seen := map[string]int{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.Errors = append(res.Errors, ImportError{Line: pe.Line, Message: pe.Err.Error()})
				continue
			}
			return nil, err
		}
		if line == 1 && len(rec) > 0 && (strings.EqualFold(rec[0], "from") || strings.EqualFold(rec[0], "old_path")) {
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		in, msg := a.redirectRow(ctx, rec)
		if msg == "" {
			if first, dup := seen[in.OldPath]; dup {
				msg = fmt.Sprintf("%s is already redirected on line %d", in.OldPath, first)
			}
		}
		if msg != "" {
			res.Errors = append(res.Errors, ImportError{Line: line, Message: msg})
			continue
		}
		seen[in.OldPath] = line
		valid = append(valid, in)
		lines = append(lines, line)
	}
	// Rows of the file that lead to each other in a circle (/a → /b, /b → /a).
	local := map[string]string{}
	for _, in := range valid {
		if in.RedirectPageID == 0 && strings.HasPrefix(in.RedirectLink, "/") && !strings.HasPrefix(in.RedirectLink, "//") {
			if to, err := canopy.NormalizeRedirectPath(in.RedirectLink); err == nil {
				local[in.OldPath] = to
			}
		}
	}
	kept, keptLines := valid[:0], lines[:0]
	for i, in := range valid {
		cur, loop := local[in.OldPath], false
		for step := 0; step < len(local) && cur != ""; step++ {
			if cur == in.OldPath {
				loop = true
				break
			}
			cur = local[cur]
		}
		if loop {
			res.Errors = append(res.Errors, ImportError{Line: lines[i], Message: fmt.Sprintf("%s leads back to itself through other rows of the file", in.OldPath)})
			continue
		}
		kept, keptLines = append(kept, in), append(keptLines, lines[i])
	}
	valid, lines = kept, keptLines
	sort.Slice(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
	if dryRun {
		paths := make([]string, len(valid))
		for i, in := range valid {
			paths[i] = in.OldPath
		}
		existing, err := a.pages.ExistingRedirectPaths(ctx, paths)
		if err != nil {
			return nil, err
		}
		for i, in := range valid {
			row := ImportRow{Line: lines[i], OldPath: in.OldPath, RedirectPageID: in.RedirectPageID, RedirectLink: in.RedirectLink,
				IsPermanent: in.IsPermanent, Replaces: existing[in.OldPath]}
			if row.Replaces {
				res.Updated++
			} else {
				res.Created++
			}
			res.Rows = append(res.Rows, row)
		}
		return res, nil
	}
	if len(res.Errors) > 0 && !partial {
		return res, canopy.Errorf(canopy.EINVALID, "%d row(s) have errors; nothing was imported (fix them, or import the valid rows with partial=true)", len(res.Errors))
	}
	if len(valid) == 0 {
		return res, nil
	}
	c, u, err := a.pages.SaveRedirects(a.Ctx(ctx), valid, true)
	if err != nil {
		return nil, err
	}
	res.Created, res.Updated = c, u
	return res, nil
}

func (a *Admin) redirectRow(ctx context.Context, rec []string) (sqlstore.RedirectInput, string) {
	if len(rec) < 2 || len(rec) > 3 {
		return sqlstore.RedirectInput{}, "expected 2 or 3 columns: from, to, permanent"
	}
	perm := true
	if len(rec) == 3 {
		switch strings.ToLower(strings.TrimSpace(rec[2])) {
		case "", "true", "1", "yes", "permanent", "301":
		case "false", "0", "no", "temporary", "302":
			perm = false
		default:
			return sqlstore.RedirectInput{}, fmt.Sprintf("permanent must be true or false, not %q", rec[2])
		}
	}
	to := strings.TrimSpace(rec[1])
	in := RedirectInput{OldPath: rec[0], IsPermanent: perm, RedirectLink: to}
	if strings.HasPrefix(to, "/") && !strings.HasPrefix(to, "//") {
		p := to
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		if page, err := a.pages.PageByURLPath(ctx, p); err == nil {
			in.RedirectLink, in.RedirectPageID = "", page.ID
		}
	}
	r, err := a.cleanRedirect(in)
	if err == nil {
		err = a.checkRedirect(ctx, r, 0)
	}
	if err != nil {
		return r, canopy.ErrorMessage(err)
	}
	return r, ""
}

// MoveRedirects says how many redirects moving the page would create: one
// for it and each live page below it, none when it is not live or the site's
// auto_redirects flag is off.
func (a *Admin) MoveRedirects(ctx context.Context, p *canopy.Page) (int, error) {
	if on, set := a.Site.Features[sqlstore.AutoRedirectsFeature]; set && !on || !p.Live {
		return 0, nil
	}
	return a.pages.LiveInSubtree(ctx, p.Path)
}

// CountRedirects returns a context whose writes add to *n the redirects
// Canopy creates because a live page's address changed (a move, a new slug),
// for telling the user.
func CountRedirects(ctx context.Context, n *int) context.Context {
	return sqlstore.CountRedirects(ctx, n)
}

// Notification kinds, as the admin's screens name them.
const (
	NotifySubmitted   = sqlstore.NotifySubmitted
	NotifyTaskStarted = sqlstore.NotifyTaskStarted
	NotifyApproved    = sqlstore.NotifyApproved
	NotifyRejected    = sqlstore.NotifyRejected
	NotifyComment     = sqlstore.NotifyComment
)

// RedirectActions says what the caller may do with this site's redirects:
// "view" (they see the screen), "add", "change", "delete".
func (a *Admin) RedirectActions() []string { return a.modelActions("redirect") }

// ExportRedirects writes this site's redirects as CSV (from, to, permanent),
// a page's target as its current address: what ImportRedirects reads.
func (a *Admin) ExportRedirects(ctx context.Context, w io.Writer) error {
	if err := a.requireAny("view_redirect", "add_redirect", "change_redirect", "delete_redirect"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"from", "to", "permanent"}); err != nil {
		return err
	}
	for offset := 0; ; offset += 500 {
		list, _, err := a.pages.Redirects(ctx, "", 500, offset)
		if err != nil {
			return err
		}
		var pageIDs []int64
		for _, r := range list {
			if r.RedirectPageID != 0 {
				pageIDs = append(pageIDs, r.RedirectPageID)
			}
		}
		pages, err := a.pages.PagesByID(ctx, pageIDs)
		if err != nil {
			return err
		}
		urls := map[int64]string{}
		for _, p := range pages {
			urls[p.ID] = p.URLPath
		}
		for _, r := range list {
			to := r.RedirectLink
			if r.RedirectPageID != 0 {
				to = urls[r.RedirectPageID]
			}
			if err := cw.Write([]string{r.OldPath, to, strconv.FormatBool(r.IsPermanent)}); err != nil {
				return err
			}
		}
		if len(list) < 500 {
			break
		}
	}
	cw.Flush()
	return cw.Error()
}

// RedirectTargets returns the title and address of this site's pages that
// redirects point at, by id (for the redirects screens).
func (a *Admin) RedirectTargets(ctx context.Context, ids []int64) (map[int64][2]string, error) {
	out := map[int64][2]string{}
	if len(ids) == 0 {
		return out, nil
	}
	if err := a.requireAny("view_redirect", "add_redirect", "change_redirect", "delete_redirect"); err != nil {
		return nil, err
	}
	pages, err := a.pages.PagesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		out[p.ID] = [2]string{p.AdminTitle(), p.URLPath}
	}
	return out, nil
}
