package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

// Notification kinds (spec/workflows.md, Notifications).
const (
	NotifySubmitted   = "submitted"    // to superusers and the site's Admins
	NotifyTaskStarted = "task_started" // to the task's reviewers
	NotifyApproved    = "approved"     // to the requester
	NotifyRejected    = "rejected"     // to the requester
	NotifyComment     = "comment"      // to those who follow the page's comments
)

// NotificationKinds lists the kinds a user may turn on or off.
var NotificationKinds = []string{NotifySubmitted, NotifyTaskStarted, NotifyApproved, NotifyRejected, NotifyComment}

// Notification is canopy.Notification (the domain type; this alias keeps the store readable).
type Notification = canopy.Notification

// notify stores a notification for each recipient (active, with an email
// address, with the kind turned on, not the user who triggered it) and, when
// mail is configured, queues its email, in the step's transaction.
// noteFacts are what a notification is about beyond its kind and page.
type noteFacts struct {
	task, comment string
	revisionID    int64
	published     bool
}

func (s *SiteDB) notify(ctx context.Context, tx *Tx, kind string, p *canopy.Page, recipients []int64, subject, body string, f noteFacts) error {
	if len(recipients) == 0 {
		return nil
	}
	actor := actorOf(ctx).UserID
	in, args := idList(0, recipients)
	args = append(args, kind)
	rows, err := tx.QueryContext(ctx, `SELECT u.id, u.email FROM users u LEFT JOIN notification_prefs np ON np.user_id = u.id AND np.kind = $`+
		strconv.Itoa(len(args))+` WHERE u.id IN (`+in+`) AND u.is_active AND u.email <> '' AND COALESCE(np.enabled, TRUE) AND $1 = 0 ORDER BY u.id`, args...)
	if err != nil {
		return err
	}
	type rcpt struct {
		id    int64
		email string
	}
	var to []rcpt
	for rows.Next() {
		var r rcpt
		if err := rows.Scan(&r.id, &r.email); err != nil {
			rows.Close()
			return err
		}
		if r.id != actor {
			to = append(to, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range to {
		var nid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO notifications (site_id, user_id, kind, page_id, subject, body, created_at, actor_id, page_title, task, comment, revision_id, published)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			s.site, r.id, kind, p.ID, subject, body, tx.now, nullID(actor), p.Title, f.task, f.comment, nullID(f.revisionID), f.published).Scan(&nid); err != nil {
			return err
		}
		if s.db.QueueMail {
			if _, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox (site_id, notification_id, to_email, subject, body, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
				s.site, nid, r.email, subject, body, tx.now); err != nil {
				return err
			}
		}
	}
	return nil
}

// siteLabel is the site's name (or hostname) for messages.
func (s *SiteDB) siteLabel(ctx context.Context, tx *Tx) string {
	var name, host string
	if err := tx.QueryRowContext(ctx, `SELECT name, hostname FROM sites WHERE id = $1`, s.site).Scan(&name, &host); err != nil || name == "" {
		return host
	}
	return name
}

// taskReviewers are the users who may act on a group approval task: the
// members of its groups and the installation's superusers (Wagtail's
// actionable users), so every one of them is told when the task starts.
func taskReviewers(ctx context.Context, tx *Tx, siteID int64, groups []int64) ([]int64, error) {
	in, args := idList(siteID, groups)
	q := `SELECT id FROM users WHERE is_superuser AND $1 > 0`
	if len(groups) > 0 {
		q = `SELECT user_id FROM group_members WHERE site_id = $1 AND group_id IN (` + in + `) UNION ` + q
	}
	var out []int64
	err := eachRow(scanInt64, func(id int64) { out = append(out, id) })(tx.QueryContext(ctx, q, args...))
	return out, err
}

// userLabel names a user in messages: "First Last (username)", or the username.
func userLabel(ctx context.Context, tx *Tx, id int64) string {
	var user, first, last string
	if id == 0 || tx.QueryRowContext(ctx, `SELECT username, first_name, last_name FROM users WHERE id = $1`, id).Scan(&user, &first, &last) != nil {
		return "someone"
	}
	if name := strings.TrimSpace(first + " " + last); name != "" {
		return name + " (" + user + ")"
	}
	return user
}

// moderators are the installation's superusers and the site's administrators group.
func (s *SiteDB) moderators(ctx context.Context, tx *Tx) ([]int64, error) {
	var out []int64
	err := eachRow(scanInt64, func(id int64) { out = append(out, id) })(tx.QueryContext(ctx,
		`SELECT id FROM users WHERE is_superuser UNION SELECT m.user_id FROM group_members m JOIN groups g ON g.id = m.group_id WHERE g.site_id = $1 AND g.is_admin`,
		s.site))
	return out, err
}

func (s *SiteDB) notifyStep(ctx context.Context, tx *Tx, kind string, p *canopy.Page, recipients []int64, detail string, f noteFacts) error {
	// The title the notification names: the revision's (a draft may rename
	// the page), else the page's.
	if f.revisionID != 0 {
		if rev, err := s.findRevision(ctx, tx, p.ID, f.revisionID); err == nil && rev.Content.Title != "" && rev.Content.Title != p.Title {
			q := *p
			q.Title = rev.Content.Title
			p = &q
		}
	}
	site := s.siteLabel(ctx, tx)
	subjects := map[string]string{
		NotifySubmitted:   "%q was submitted for moderation",
		NotifyTaskStarted: "%q is waiting for your review",
		NotifyApproved:    "%q was approved",
		NotifyRejected:    "Changes were requested on %q",
	}
	subject := fmt.Sprintf("[%s] "+subjects[kind], site, p.Title)
	body := fmt.Sprintf("%s\n\nPage: %s (id %d) on %s.\n", strings.TrimPrefix(subject, "["+site+"] "), p.URLPath, p.ID, site)
	if detail != "" {
		body += "\n" + detail + "\n"
	}
	return s.notify(ctx, tx, kind, p, recipients, subject, body, f)
}

// Notifications lists a user's notifications on this site, newest first.
func (s *SiteDB) Notifications(ctx context.Context, userID int64, limit, offset int) (out []*Notification, total int, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND site_id = $2`, userID, s.site).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT n.id, n.kind, COALESCE(n.page_id, 0), n.subject, n.body, n.created_at, n.read_at,
			COALESCE(n.actor_id, 0), COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), COALESCE(u.username, ''), n.page_title, n.task, n.comment,
			COALESCE(n.revision_id, 0), n.published
			FROM notifications n LEFT JOIN users u ON u.id = n.actor_id
			WHERE n.user_id = $1 AND n.site_id = $2 ORDER BY n.id DESC LIMIT $3 OFFSET $4`, userID, s.site, limit, offset)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			n := &Notification{}
			var read sql.NullTime
			var first, last, username string
			if err := rows.Scan(&n.ID, &n.Kind, &n.PageID, &n.Subject, &n.Body, &n.CreatedAt, &read,
				&n.ActorID, &first, &last, &username, &n.PageTitle, &n.Task, &n.Comment, &n.RevisionID, &n.Published); err != nil {
				return err
			}
			if n.ActorID != 0 {
				n.Actor = DisplayName(first, last, username)
			}
			n.CreatedAt = n.CreatedAt.UTC()
			if read.Valid {
				t := read.Time.UTC()
				n.ReadAt = &t
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, total, err
}

// MarkNotificationsRead marks a user's notifications on this site read.
func (s *SiteDB) MarkNotificationsRead(ctx context.Context, userID int64) error {
	return s.db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND site_id = $2 AND read_at IS NULL`, userID, s.site, tx.now)
		return err
	})
}

// NotificationPrefs returns a user's choices per kind (absent kinds: on).
func (db *DB) NotificationPrefs(ctx context.Context, userID int64) (map[string]bool, error) {
	out := map[string]bool{}
	for _, k := range NotificationKinds {
		out[k] = true
	}
	err := db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT kind, enabled FROM notification_prefs WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var on bool
			if err := rows.Scan(&k, &on); err != nil {
				return err
			}
			out[k] = on
		}
		return rows.Err()
	})
	return out, err
}

// SetNotificationPrefs changes a user's choices for the given kinds.
func (db *DB) SetNotificationPrefs(ctx context.Context, userID int64, prefs map[string]bool) error {
	return db.write(ctx, func(tx *Tx) error {
		for k, on := range prefs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notification_prefs (user_id, kind, enabled) VALUES ($1, $2, $3)
				ON CONFLICT (user_id, kind) DO UPDATE SET enabled = excluded.enabled`, userID, k, on); err != nil {
				return err
			}
		}
		return nil
	})
}

// OutgoingMail is an email waiting in the outbox.
type OutgoingMail struct {
	ID       int64
	To       string
	Subject  string
	Body     string
	Attempts int
}

// ClaimMail takes up to n due emails for sending, leasing them for lease so
// that no other node sends them meanwhile (each claim is a conditional update).
func (db *DB) ClaimMail(ctx context.Context, now time.Time, n int, lease time.Duration) (out []*OutgoingMail, err error) {
	var due []int64
	err = db.read(ctx, func(tx *Tx) error {
		return eachRow(scanInt64, func(id int64) { due = append(due, id) })(
			tx.QueryContext(ctx, `SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2`, now, n))
	})
	if err != nil {
		return nil, err
	}
	for _, id := range due {
		err := db.write(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET next_attempt_at = $3, attempts = attempts + 1 WHERE id = $1 AND sent_at IS NULL AND next_attempt_at <= $2`,
				id, now, now.Add(lease))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return nil
			}
			m := &OutgoingMail{ID: id}
			if err := tx.QueryRowContext(ctx, `SELECT to_email, subject, body, attempts FROM mail_outbox WHERE id = $1`, id).Scan(&m.To, &m.Subject, &m.Body, &m.Attempts); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// MailSent records a sent email; MailFailed records a failure and when to
// try again (never, with retry zero: given up).
func (db *DB) MailSent(ctx context.Context, id int64, now time.Time) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET sent_at = $2, last_error = '' WHERE id = $1`, id, now)
		return err
	})
}

// MailFailed records a failed attempt; the email is tried again at retry.
func (db *DB) MailFailed(ctx context.Context, id int64, retry time.Time, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1`, id, retry, reason)
		return err
	})
}

// MailOutboxDepth counts the emails of every site not sent yet (for metrics;
// the partial index on unsent mail answers it).
func (db *DB) MailOutboxDepth(ctx context.Context) (n int, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL`).Scan(&n)
	})
	return n, err
}
