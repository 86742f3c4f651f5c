package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

const redirectColumns = `id, site_id, old_path, redirect_page_id, redirect_link, is_permanent, automatic, created_at`

func scanRedirect(row scanner) (*canopy.Redirect, error) {
	r := &canopy.Redirect{}
	var page sql.NullInt64
	if err := row.Scan(&r.ID, &r.SiteID, &r.OldPath, &page, &r.RedirectLink, &r.IsPermanent, &r.Automatic, &r.CreatedAt); err != nil {
		return nil, err
	}
	r.RedirectPageID = page.Int64
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// RedirectInput is a redirect to create or replace (old path normalised).
type RedirectInput struct {
	OldPath        string
	RedirectPageID int64
	RedirectLink   string
	IsPermanent    bool
}

func (s *SiteDB) checkRedirectTarget(ctx context.Context, tx *Tx, in RedirectInput) error {
	if (in.RedirectPageID == 0) == (in.RedirectLink == "") {
		return canopy.Errorf(canopy.EINVALID, "give either redirect_page_id or redirect_link")
	}
	if in.RedirectPageID != 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pages WHERE site_id = $1 AND id = $2`, s.site, in.RedirectPageID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return canopy.Errorf(canopy.EINVALID, "page %d not found on this site", in.RedirectPageID)
		}
	}
	return nil
}

// SaveRedirects creates or replaces redirects of this site in one transaction
// (replace: a redirect with the same old path is overwritten).
func (s *SiteDB) SaveRedirects(ctx context.Context, ins []RedirectInput, replace bool) (created, updated int, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		for _, in := range ins {
			if err := s.checkRedirectTarget(ctx, tx, in); err != nil {
				return err
			}
			var existing int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM redirects WHERE site_id = $1 AND old_path = $2`, s.site, in.OldPath).Scan(&existing)
			switch {
			case err == sql.ErrNoRows:
				if _, err := tx.ExecContext(ctx, `INSERT INTO redirects (site_id, old_path, redirect_page_id, redirect_link, is_permanent, created_at)
					VALUES ($1, $2, $3, $4, $5, $6)`, s.site, in.OldPath, nullID(in.RedirectPageID), in.RedirectLink, in.IsPermanent, tx.now); err != nil {
					return err
				}
				created++
			case err != nil:
				return err
			case !replace:
				return canopy.Errorf(canopy.ECONFLICT, "a redirect from %s already exists", in.OldPath)
			default:
				if _, err := tx.ExecContext(ctx, `UPDATE redirects SET redirect_page_id = $3, redirect_link = $4, is_permanent = $5, automatic = FALSE WHERE site_id = $1 AND id = $2`,
					s.site, existing, nullID(in.RedirectPageID), in.RedirectLink, in.IsPermanent); err != nil {
					return err
				}
				updated++
			}
		}
		if err := tx.log(ctx, s.site, "save", "redirect", 0, "", map[string]any{"created": created, "updated": updated}); err != nil {
			return err
		}
		return tx.touchSite(ctx, s.site)
	})
	return created, updated, err
}

// UpdateRedirect changes one redirect of this site.
func (s *SiteDB) UpdateRedirect(ctx context.Context, id int64, in RedirectInput) (r *canopy.Redirect, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		if _, err := s.findRedirect(ctx, tx, id); err != nil {
			return err
		}
		if err := s.checkRedirectTarget(ctx, tx, in); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM redirects WHERE site_id = $1 AND old_path = $2 AND id <> $3`, s.site, in.OldPath, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return canopy.Errorf(canopy.ECONFLICT, "a redirect from %s already exists", in.OldPath)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE redirects SET old_path = $3, redirect_page_id = $4, redirect_link = $5, is_permanent = $6, automatic = FALSE WHERE site_id = $1 AND id = $2`,
			s.site, id, in.OldPath, nullID(in.RedirectPageID), in.RedirectLink, in.IsPermanent); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "edit", "redirect", id, in.OldPath, nil); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		r, err = s.findRedirect(ctx, tx, id)
		return err
	})
	return r, err
}

func (s *SiteDB) findRedirect(ctx context.Context, tx *Tx, id int64) (*canopy.Redirect, error) {
	r, err := scanRedirect(tx.QueryRowContext(ctx, `SELECT `+redirectColumns+` FROM redirects WHERE site_id = $1 AND id = $2`, s.site, id))
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "redirect %d not found", id)
	}
	return r, err
}

// Redirect returns one redirect of this site.
func (s *SiteDB) Redirect(ctx context.Context, id int64) (r *canopy.Redirect, err error) {
	err = s.db.read(ctx, func(tx *Tx) error { r, err = s.findRedirect(ctx, tx, id); return err })
	return r, err
}

// DeleteRedirect deletes one redirect of this site.
func (s *SiteDB) DeleteRedirect(ctx context.Context, id int64) error {
	return s.db.write(ctx, func(tx *Tx) error {
		r, err := s.findRedirect(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM redirects WHERE site_id = $1 AND id = $2`, s.site, id); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "delete", "redirect", id, r.OldPath, nil); err != nil {
			return err
		}
		return tx.touchSite(ctx, s.site)
	})
}

// Redirects lists this site's redirects by old path; q (if not empty)
// keeps those whose old path or link contains it.
func (s *SiteDB) Redirects(ctx context.Context, q string, limit, offset int) (out []*canopy.Redirect, total int, err error) {
	out = []*canopy.Redirect{}
	more, args := "", []any{s.site}
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		args = append(args, "%"+likeEscape(q)+"%")
		more = ` AND (lower(old_path) LIKE $2 ESCAPE '\' OR lower(redirect_link) LIKE $2 ESCAPE '\')`
	}
	err = s.db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM redirects WHERE site_id = $1`+more, args...).Scan(&total); err != nil {
			return err
		}
		n := len(args)
		rows, err := tx.QueryContext(ctx, `SELECT `+redirectColumns+` FROM redirects WHERE site_id = $1`+more+` ORDER BY old_path LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRedirect(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, total, err
}

// FindRedirect returns the redirect for a request path: the path with its
// query first, then the path alone. The target page's url_path comes with it.
func (s *SiteDB) FindRedirect(ctx context.Context, pathWithQuery, path string) (r *canopy.Redirect, targetURL string, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT r.id, r.site_id, r.old_path, r.redirect_page_id, r.redirect_link, r.is_permanent, r.created_at, COALESCE(p.url_path, '')
			FROM redirects r LEFT JOIN pages p ON p.id = r.redirect_page_id AND p.site_id = r.site_id
			WHERE r.site_id = $1 AND r.old_path IN ($2, $3)`, s.site, pathWithQuery, path)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x := &canopy.Redirect{}
			var page sql.NullInt64
			var u string
			if err := rows.Scan(&x.ID, &x.SiteID, &x.OldPath, &page, &x.RedirectLink, &x.IsPermanent, &x.CreatedAt, &u); err != nil {
				return err
			}
			x.RedirectPageID = page.Int64
			if r == nil || x.OldPath == pathWithQuery {
				r, targetURL = x, u
			}
		}
		return rows.Err()
	})
	if r != nil && r.RedirectPageID == 0 {
		targetURL = r.RedirectLink
	}
	return r, targetURL, err
}

// LiveInSubtree counts the live pages of the subtree at path (the page
// included): the addresses a move of it changes.
func (s *SiteDB) LiveInSubtree(ctx context.Context, path string) (n int, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM pages WHERE site_id = $1 AND path >= $2 AND path < $3 AND live`,
			s.site, path, canopy.PathUpperBound(path)).Scan(&n)
	})
	return n, err
}

// RedirectChain follows this site's redirects from a local path (a redirect
// to a page continues from the page's address, to a local link from that
// path) for at most limit steps, and returns the local paths each step leads
// to, in order.
func (s *SiteDB) RedirectChain(ctx context.Context, start string, limit int) (paths []string, err error) {
	cur := start
	for i := 0; i < limit && cur != ""; i++ {
		r, target, err := s.FindRedirect(ctx, cur, cur)
		if err != nil || r == nil {
			return paths, err
		}
		next, err := canopy.NormalizeRedirectPath(target)
		if err != nil || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
			return paths, nil
		}
		paths = append(paths, next)
		cur = next
	}
	return paths, nil
}

// ExistingRedirectPaths returns which of the old paths already have a
// redirect on this site (in statements of 500 paths).
func (s *SiteDB) ExistingRedirectPaths(ctx context.Context, paths []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.db.read(ctx, func(tx *Tx) error {
		for len(paths) > 0 {
			n := min(len(paths), 500)
			args := []any{s.site}
			ph := make([]string, n)
			for i, p := range paths[:n] {
				args = append(args, p)
				ph[i] = "$" + strconv.Itoa(i+2)
			}
			err := eachRow(scanString, func(p string) { out[p] = true })(tx.QueryContext(ctx,
				`SELECT old_path FROM redirects WHERE site_id = $1 AND old_path IN (`+strings.Join(ph, ",")+`)`, args...))
			if err != nil {
				return err
			}
			paths = paths[n:]
		}
		return nil
	})
	return out, err
}
