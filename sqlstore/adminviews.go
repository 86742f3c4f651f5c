package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

// Read models of the admin screens: each is one statement, so a screen costs
// a fixed number of queries whatever the size of the site.

// The read models are the domain's (canopy); these aliases keep the store readable.
type (
	RowFacts    = canopy.RowFacts
	MyPage      = canopy.MyPage
	RecentEdit  = canopy.RecentEdit
	ReviewItem  = canopy.ReviewItem
	TaskComment = canopy.TaskComment
)

// DisplayName is canopy.DisplayName.
var DisplayName = canopy.DisplayName

// prefixedPageColumns is pageColumns of the table alias p.
var prefixedPageColumns = "p." + strings.Join(strings.Split(strings.ReplaceAll(strings.ReplaceAll(pageColumns, "\n", " "), "\t", ""), ", "), ", p.")

// ExplorerFacts returns the row facts of pages of this site, by page id.
func (s *SiteDB) ExplorerFacts(ctx context.Context, ids []int64) (map[int64]RowFacts, error) {
	out := make(map[int64]RowFacts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := idList(s.site, ids)
	err := s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT p.id, COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), COALESCE(u.username, ''), r.created_at,
				EXISTS (SELECT 1 FROM workflow_states ws WHERE ws.site_id = $1 AND ws.page_id = p.id AND ws.status = 'in_progress')
			FROM pages p LEFT JOIN revisions r ON r.id = p.latest_revision_id LEFT JOIN users u ON u.id = r.user_id
			WHERE p.id IN (`+in+`) AND +p.site_id = $1`, args...) // unary +: look the ids up, not the whole site
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var first, last, username string
			var at sql.NullTime
			var f RowFacts
			if err := rows.Scan(&id, &first, &last, &username, &at, &f.InModeration); err != nil {
				return err
			}
			f.EditedBy = DisplayName(first, last, username)
			if at.Valid {
				t := at.Time.UTC()
				f.EditedAt = &t
			}
			out[id] = f
		}
		return rows.Err()
	})
	return out, err
}

// MyPages lists the user's locked, scheduled and in-moderation pages of this
// site (at most limit of each), in one statement.
func (s *SiteDB) MyPages(ctx context.Context, userID int64, limit int) (out []MyPage, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT * FROM (SELECT 'locked' AS why, `+prefixedPageColumns+` FROM pages p
				WHERE p.site_id = $1 AND p.locked AND p.locked_by = $2 ORDER BY p.updated_at DESC LIMIT $3) l
			UNION ALL SELECT * FROM (SELECT 'scheduled', `+prefixedPageColumns+` FROM pages p LEFT JOIN revisions r ON r.id = p.scheduled_revision_id
				WHERE p.site_id = $1 AND p.scheduled_revision_id IS NOT NULL AND (r.user_id = $2 OR p.owner_id = $2) ORDER BY p.go_live_at LIMIT $3) sch
			UNION ALL SELECT * FROM (SELECT CASE ws.status WHEN 'in_progress' THEN 'moderation' ELSE 'changes' END, `+prefixedPageColumns+`
				FROM workflow_states ws JOIN pages p ON p.id = ws.page_id AND p.site_id = $1
				WHERE ws.site_id = $1 AND ws.requested_by = $2 AND ws.status IN ('in_progress', 'needs_changes') ORDER BY ws.updated_at DESC LIMIT $3) m`,
			s.site, userID, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var why string
			p, err := scanPage(multiScanner{rows, []any{&why}})
			if err != nil {
				return err
			}
			out = append(out, MyPage{Page: p, Why: why})
		}
		return rows.Err()
	})
	return out, err
}

// RecentEdits lists the most recently edited pages of this site (newest
// first, one row per page) among the last revisions, in one statement; with
// a user, the pages that user edited last (their own latest revision of
// each: "recently edited by you").
func (s *SiteDB) RecentEdits(ctx context.Context, userID int64, limit int) (out []RecentEdit, err error) {
	by, args := "", []any{s.site, limit * 4}
	if userID != 0 {
		by, args = " AND user_id = $3", append(args, userID)
	}
	err = s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), COALESCE(u.username, ''), r.created_at, `+prefixedPageColumns+`
			FROM (SELECT page_id, MAX(id) AS id FROM (SELECT page_id, id FROM revisions WHERE site_id = $1`+by+` ORDER BY id DESC LIMIT $2) last GROUP BY page_id) lr
			JOIN revisions r ON r.id = lr.id JOIN pages p ON p.id = lr.page_id AND p.site_id = $1 LEFT JOIN users u ON u.id = r.user_id
			ORDER BY r.id DESC`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var first, last, username string
			var e RecentEdit
			p, err := scanPage(multiScanner{rows, []any{&first, &last, &username, &e.EditedAt}})
			if err != nil {
				return err
			}
			e.Page, e.EditedBy, e.EditedAt = p, DisplayName(first, last, username), e.EditedAt.UTC()
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// multiScanner scans leading columns before a page's columns.
type multiScanner struct {
	rows  *sql.Rows
	first []any
}

func (m multiScanner) Scan(dest ...any) error { return m.rows.Scan(append(m.first, dest...)...) }

// UserNames returns display names of users by id (one statement); used for
// lock holders and reviewers shown on this site's screens.
func (s *SiteDB) UserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	ph := make([]string, len(ids))
	for i, id := range ids {
		args[i], ph[i] = id, "$"+strconv.Itoa(i+1)
	}
	err := s.db.read(ctx, func(tx *Tx) error {
		// Users are installation-wide; only names are read, of ids this
		// site's rows refer to.
		rows, err := tx.QueryContext(ctx, `SELECT id, first_name, last_name, username FROM users WHERE id IN (`+strings.Join(ph, ",")+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var first, last, username string
			if err := rows.Scan(&id, &first, &last, &username); err != nil {
				return err
			}
			out[id] = DisplayName(first, last, username)
		}
		return rows.Err()
	})
	return out, err
}

// UserSiteIDs lists the sites where the user belongs to a group of the
// site: a person's own memberships, for their "my sites" menu.
func (db *DB) UserSiteIDs(ctx context.Context, userID int64) (out []int64, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		return eachRow(scanInt64, func(id int64) { out = append(out, id) })(
			tx.QueryContext(ctx, `SELECT DISTINCT site_id FROM group_members WHERE user_id = $1 AND site_id IS NOT NULL`, userID))
	})
	return out, err
}

// Reviews lists this site's pages whose current task is in progress and
// reviewed by any of groups (every such page when all is set: superusers),
// oldest request first, in one statement.
func (s *SiteDB) Reviews(ctx context.Context, groups []int64, all bool) (out []ReviewItem, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT ws.id, ws.workflow_id, ws.requested_by, ws.created_at, ts.id, ts.revision_id, ts.status, ts.comment,
				t.id, t.name, t.active, t.group_ids, COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), COALESCE(u.username, ''), `+prefixedPageColumns+`
			FROM workflow_states ws
			JOIN task_states ts ON ts.workflow_state_id = ws.id AND ts.site_id = $1 AND ts.status = 'in_progress'
			JOIN workflow_tasks t ON t.id = ts.task_id
			JOIN pages p ON p.id = ws.page_id AND p.site_id = $1
			LEFT JOIN users u ON u.id = ws.requested_by
			WHERE ws.site_id = $1 AND ws.status = 'in_progress' ORDER BY ws.updated_at, ws.id`, s.site)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			st := &WorkflowState{Status: "in_progress", Task: &TaskState{}}
			var req, rev sql.NullInt64
			var ids, first, last, username string
			p, err := scanPage(multiScanner{rows, []any{&st.ID, &st.WorkflowID, &req, &st.CreatedAt, &st.Task.ID, &rev, &st.Task.Status, &st.Task.Comment,
				&st.Task.Task.ID, &st.Task.Task.Name, &st.Task.Task.Active, &ids, &first, &last, &username}})
			if err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(ids), &st.Task.Task.GroupIDs); err != nil {
				return err
			}
			st.PageID, st.RequestedBy, st.Task.RevisionID = p.ID, req.Int64, rev.Int64
			if all || intersects(st.Task.Task.GroupIDs, groups) {
				out = append(out, ReviewItem{State: st, Page: p, RequestedBy: DisplayName(first, last, username)})
			}
		}
		return rows.Err()
	})
	return out, err
}

// TaskComments lists the tasks of the page's most recent workflow run, in
// order, with their reviewers' decisions and comments (one statement).
func (s *SiteDB) TaskComments(ctx context.Context, pageID int64) (out []TaskComment, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT t.name, ts.status, COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), COALESCE(u.username, ''), ts.comment, ts.finished_at
			FROM task_states ts JOIN workflow_tasks t ON t.id = ts.task_id LEFT JOIN users u ON u.id = ts.finished_by
			WHERE ts.site_id = $1 AND ts.workflow_state_id = (SELECT MAX(id) FROM workflow_states WHERE site_id = $1 AND page_id = $2)
			ORDER BY ts.id`, s.site, pageID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c TaskComment
			var first, last, username string
			var at sql.NullTime
			if err := rows.Scan(&c.Task, &c.Status, &first, &last, &username, &c.Comment, &at); err != nil {
				return err
			}
			c.By = DisplayName(first, last, username)
			if at.Valid {
				t := at.Time.UTC()
				c.FinishedAt = &t
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// RefTitles returns the titles of this site's pages, documents (the site's
// or shared) and snippets among the ids, by kind ("page", "document",
// "snippet"), in one statement: the labels of an editor's reference fields.
func (s *SiteDB) RefTitles(ctx context.Context, pages, documents, snippets []int64) (map[string]map[int64]string, error) {
	out := map[string]map[int64]string{"page": {}, "document": {}, "snippet": {}}
	args := []any{s.site}
	var parts []string
	list := func(ids []int64) string {
		ph := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		return strings.Join(ph, ",")
	}
	if len(pages) > 0 {
		parts = append(parts, `SELECT 'page', id, title FROM pages WHERE site_id = $1 AND id IN (`+list(pages)+`)`)
	}
	if len(documents) > 0 {
		parts = append(parts, `SELECT 'document', id, title FROM documents WHERE (site_id = $1 OR site_id IS NULL) AND id IN (`+list(documents)+`)`)
	}
	if len(snippets) > 0 {
		parts = append(parts, `SELECT 'snippet', id, title FROM snippets WHERE site_id = $1 AND id IN (`+list(snippets)+`)`)
	}
	if len(parts) == 0 {
		return out, nil
	}
	err := s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kind, title string
			var id int64
			if err := rows.Scan(&kind, &id, &title); err != nil {
				return err
			}
			out[kind][id] = title
		}
		return rows.Err()
	})
	return out, err
}

// SubtreeCounts counts the pages below p on this site, and the live ones
// among them (what deleting or unpublishing it takes along).
func (s *SiteDB) SubtreeCounts(ctx context.Context, p *canopy.Page) (below, liveBelow int, err error) {
	if p.NumChild == 0 {
		return 0, 0, nil
	}
	err = s.db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN live THEN 1 ELSE 0 END), 0) FROM pages
			WHERE site_id = $1 AND path > $2 AND path < $3`, s.site, p.Path, canopy.PathUpperBound(p.Path)).Scan(&below, &liveBelow)
	})
	return below, liveBelow, err
}

// ReportPage is canopy.ReportPage (the domain type; this alias keeps the store readable).
type ReportPage = canopy.ReportPage

// PageReport lists one page of this site's pages for a report, with how many
// there are (one statement): "locked" (newest lock first, with who locked
// it), "scheduled" (soonest first, with who wrote the scheduled revision) or
// "aging" (newest version older than before, oldest first, with its author).
func (s *SiteDB) PageReport(ctx context.Context, kind string, before time.Time, limit, offset int) (out []ReportPage, total int, err error) {
	var who, at, cond, order string
	args := []any{s.site}
	switch kind {
	case "locked":
		who, at, cond, order = "p.locked_by", "p.locked_at", "p.locked", "p.locked_at DESC, p.id"
	case "scheduled":
		who, at, cond, order = "r.user_id", "p.go_live_at", "p.scheduled_revision_id IS NOT NULL", "p.go_live_at, p.id"
	case "aging":
		args = append(args, before.UTC())
		who, at, cond, order = "r.user_id", "r.created_at", "r.created_at < $2", "r.created_at, p.id"
	default:
		return nil, 0, canopy.Errorf(canopy.EINVALID, "there is no %q report", kind)
	}
	join := "p.latest_revision_id"
	if kind == "scheduled" {
		join = "p.scheduled_revision_id"
	}
	out = []ReportPage{}
	err = s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+prefixed("p.", pageColumns)+`, COALESCE(u.username, ''), `+at+`, count(*) OVER ()
			FROM pages p LEFT JOIN revisions r ON r.id = `+join+` AND r.site_id = p.site_id
			LEFT JOIN users u ON u.id = `+who+`
			WHERE p.site_id = $1 AND p.depth > 1 AND `+cond+` ORDER BY `+order+pageClause(limit, offset), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r ReportPage
			var when sql.NullTime
			p, err := scanPage(extraScan{rows, []any{&r.Who, &when, &total}})
			if err != nil {
				return err
			}
			r.Page, r.At = p, when.Time.UTC()
			out = append(out, r)
		}
		if err := rows.Err(); err != nil || len(out) > 0 || (offset == 0 && limit != 0) {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM pages p LEFT JOIN revisions r ON r.id = `+join+` AND r.site_id = p.site_id
			WHERE p.site_id = $1 AND p.depth > 1 AND `+cond, args...).Scan(&total)
	})
	return out, total, err
}
