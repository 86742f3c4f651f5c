package service

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
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

// Redirects lists this site's redirects.
func (a *Admin) Redirects(ctx context.Context, limit, offset int) ([]*canopy.Redirect, int, error) {
	if err := a.requireAny("view_redirect", "add_redirect", "change_redirect", "delete_redirect"); err != nil {
		return nil, 0, err
	}
	return a.pages.Redirects(ctx, limit, offset)
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

// ImportResult tells what an import did.
type ImportResult struct {
	Created int           `json:"created"`
	Updated int           `json:"updated"`
	Errors  []ImportError `json:"errors"`
}

// ImportRedirects reads CSV rows "from,to[,permanent]" (a header row is
// optional). "to" is an http(s) URL, or a path: a path that is the URL of a
// page of this site redirects to that page. Rows with errors are reported by
// line; unless partial is set, any error means nothing is applied. An
// existing redirect from the same path is replaced.
func (a *Admin) ImportRedirects(ctx context.Context, r io.Reader, partial bool) (*ImportResult, error) {
	if err := a.requireAny("add_redirect"); err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	res := &ImportResult{Errors: []ImportError{}}
	var valid []sqlstore.RedirectInput
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
)
