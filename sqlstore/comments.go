package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/canopy-cms/canopy"
)

// Comments on a page: written with their history entry and the notices to
// the page's followers in one transaction; whoever comments follows the page.

// Comment is canopy.Comment (the domain type; this alias keeps the store readable).
type Comment = canopy.Comment

// MaxCommentLength is the longest comment, in characters.
const MaxCommentLength = 5000

// AddComment adds a comment by userID to one of this site's pages, makes the
// commenter follow the page, and tells its other followers.
func (s *SiteDB) AddComment(ctx context.Context, pageID, userID int64, body string) (c *Comment, err error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, canopy.FieldErrorf("body", canopy.EINVALID, "write the comment first")
	}
	if err := canopy.CheckText("the comment", strings.ReplaceAll(strings.ReplaceAll(body, "\n", " "), "\r", ""), MaxCommentLength); err != nil {
		return nil, canopy.FieldErrorf("body", canopy.EINVALID, "%s", canopy.ErrorMessage(err))
	}
	err = s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		c = &Comment{PageID: p.ID, UserID: userID, Body: body, CreatedAt: tx.now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO page_comments (site_id, page_id, user_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			s.site, p.ID, userID, body, tx.now).Scan(&c.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO page_subscriptions (site_id, page_id, user_id) VALUES ($1, $2, $3) ON CONFLICT (page_id, user_id) DO NOTHING`,
			s.site, p.ID, userID); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "comment", "page", p.ID, p.Title, map[string]any{"comment_id": c.ID, "comment": body}); err != nil {
			return err
		}
		var followers []int64
		if err := eachRow(scanInt64, func(id int64) { followers = append(followers, id) })(tx.QueryContext(ctx,
			`SELECT user_id FROM page_subscriptions WHERE site_id = $1 AND page_id = $2 AND user_id <> $3`, s.site, p.ID, userID)); err != nil {
			return err
		}
		who := userLabel(ctx, tx, userID)
		site := s.siteLabel(ctx, tx)
		subject := fmt.Sprintf("[%s] %s commented on %q", site, who, p.Title)
		text := fmt.Sprintf("%s commented on %q:\n\n%s\n\nPage: %s (id %d) on %s.\n", who, p.Title, body, p.URLPath, p.ID, site)
		return s.notify(ctx, tx, NotifyComment, p, followers, subject, text, noteFacts{comment: body})
	})
	return c, err
}

// Comments lists a page's comments, oldest first (resolved ones too when
// resolved is set).
func (s *SiteDB) Comments(ctx context.Context, pageID int64, resolved bool) ([]Comment, error) {
	out, _, err := s.CommentsFor(ctx, pageID, 0, resolved)
	return out, err
}

// CommentsFor lists a page's comments, oldest first (resolved ones too when
// resolved is set), and whether userID follows them: one statement (the
// editor shows both).
func (s *SiteDB) CommentsFor(ctx context.Context, pageID, userID int64, resolved bool) (out []Comment, following bool, err error) {
	cond := ""
	if !resolved {
		cond = " AND c.resolved_at IS NULL"
	}
	out = []Comment{}
	err = s.db.read(ctx, func(tx *Tx) error {
		// One row per comment, each saying whether userID follows the page;
		// a single row without a comment when there is none. (Not a UNION:
		// SQLite's driver then loses the columns' types.)
		rows, err := tx.QueryContext(ctx, `SELECT f.n, c.id, c.page_id, COALESCE(c.user_id, 0), COALESCE(u.username, ''), c.body, c.created_at, c.resolved_at, COALESCE(r.username, '')
			FROM (SELECT count(*) AS n FROM page_subscriptions WHERE site_id = $1 AND page_id = $2 AND user_id = $3) f
			LEFT JOIN page_comments c ON c.site_id = $1 AND c.page_id = $2`+cond+`
			LEFT JOIN users u ON u.id = c.user_id LEFT JOIN users r ON r.id = c.resolved_by
			ORDER BY c.id`, s.site, pageID, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Comment
			var follows int
			var id, page sql.NullInt64
			var body sql.NullString
			var created, resolvedAt sql.NullTime
			if err := rows.Scan(&follows, &id, &page, &c.UserID, &c.Username, &body, &created, &resolvedAt, &c.ResolvedBy); err != nil {
				return err
			}
			following = follows > 0
			if !id.Valid {
				continue
			}
			c.ID, c.PageID, c.Body = id.Int64, page.Int64, body.String
			if resolvedAt.Valid {
				t := resolvedAt.Time.UTC()
				c.ResolvedAt = &t
			}
			c.CreatedAt = created.Time.UTC()
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, following, err
}

// Comment returns one comment of one of this site's pages.
func (s *SiteDB) Comment(ctx context.Context, pageID, commentID int64) (*Comment, error) {
	list, err := s.Comments(ctx, pageID, true)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == commentID {
			return &list[i], nil
		}
	}
	return nil, canopy.Errorf(canopy.ENOTFOUND, "comment %d not found", commentID)
}

// ResolveComment marks a comment of one of this site's pages resolved.
func (s *SiteDB) ResolveComment(ctx context.Context, pageID, commentID, userID int64) error {
	return s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE page_comments SET resolved_at = $4, resolved_by = $5 WHERE site_id = $1 AND page_id = $2 AND id = $3 AND resolved_at IS NULL`,
			s.site, p.ID, commentID, tx.now, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return canopy.Errorf(canopy.ENOTFOUND, "comment %d not found (or already resolved)", commentID)
		}
		return tx.log(ctx, s.site, "resolve_comment", "page", p.ID, p.Title, map[string]any{"comment_id": commentID})
	})
}

// SetFollowing makes userID follow, or stop following, the comments of one
// of this site's pages.
func (s *SiteDB) SetFollowing(ctx context.Context, pageID, userID int64, on bool) error {
	return s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if on {
			_, err = tx.ExecContext(ctx, `INSERT INTO page_subscriptions (site_id, page_id, user_id) VALUES ($1, $2, $3) ON CONFLICT (page_id, user_id) DO NOTHING`, s.site, p.ID, userID)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM page_subscriptions WHERE site_id = $1 AND page_id = $2 AND user_id = $3`, s.site, p.ID, userID)
		}
		return err
	})
}
