package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/canopy-cms/canopy"
)

// HostnameChange is one site's hostname before and after a domain conversion.
type HostnameChange struct {
	SiteID int64  `json:"site_id"`
	Port   int    `json:"port"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

// ConvertDomain replaces the base domain from with to in every site's hostname
// (example.org → staging.example.org: alpha.example.org becomes
// alpha.staging.example.org). With from empty, the base is the default site's
// hostname without a leading "www.". With dryRun nothing is written. All
// hostnames change in one transaction, or none does.
func (db *DB) ConvertDomain(ctx context.Context, from, to string, dryRun bool) (changes []HostnameChange, err error) {
	to, err = normalizeHostname(to)
	if err != nil {
		return nil, err
	}
	err = db.write(ctx, func(tx *Tx) error {
		sites, err := scanSites(tx.QueryContext(ctx, `SELECT `+siteColumns+siteFrom+` ORDER BY s.id`))
		if err != nil {
			return err
		}
		if from == "" {
			for _, s := range sites {
				if s.IsDefault {
					from = strings.TrimPrefix(s.Hostname, "www.")
				}
			}
			if from == "" {
				return canopy.Errorf(canopy.EINVALID, "there is no default site to take the old base domain from; give --from")
			}
		}
		if from, err = normalizeHostname(from); err != nil {
			return err
		}
		final := map[string]bool{}
		for _, s := range sites {
			h := s.Hostname
			if h == from || strings.HasSuffix(h, "."+from) {
				nh, err := normalizeHostname(strings.TrimSuffix(h, from) + to)
				if err != nil {
					return err
				}
				changes = append(changes, HostnameChange{SiteID: s.ID, Port: s.Port, Old: h, New: nh})
				h = nh
			}
			key := fmt.Sprintf("%s:%d", h, s.Port)
			if final[key] {
				return canopy.Errorf(canopy.ECONFLICT, "after the conversion two sites would answer at %s; nothing was changed", key)
			}
			final[key] = true
		}
		if dryRun || len(changes) == 0 {
			return nil
		}
		// Park the changed sites under temporary names first, so that no
		// intermediate state breaks the (hostname, port) uniqueness.
		for _, c := range changes {
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET hostname = $2 WHERE id = $1`, c.SiteID, fmt.Sprintf("~converting-%d", c.SiteID)); err != nil {
				return err
			}
		}
		for _, c := range changes {
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET hostname = $2, updated_at = $3 WHERE id = $1`, c.SiteID, c.New, tx.now); err != nil {
				return err
			}
			if err := tx.touchSite(ctx, c.SiteID); err != nil {
				return err
			}
			tx.siteRowChanged(c.SiteID)
			if err := tx.log(ctx, c.SiteID, "rename", "site", c.SiteID, c.New, map[string]any{"old_hostname": c.Old}); err != nil {
				return err
			}
		}
		return tx.log(ctx, 0, "convert_domain", "installation", 0, to, map[string]any{"from": from, "to": to, "sites": len(changes)})
	})
	if err != nil {
		return nil, err
	}
	return changes, nil
}

func scanSites(rows *sql.Rows, err error) ([]*canopy.Site, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*canopy.Site
	for rows.Next() {
		s, err := scanSite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SiteTables lists every table with a site_id column, in the order a site's
// rows are deleted (children before parents).
var SiteTables = []string{"deleted_pages", "page_comments", "page_subscriptions", "invitations", "log_entries", "site_logins", "sessions", "api_tokens", "mail_outbox", "notifications", "task_states", "workflow_states", "workflow_pages", "workflow_tasks", "workflows",
	"group_collection_grants", "group_page_grants",
	"group_members", "revisions", "redirects", "page_restrictions", "pages", "renditions", "images", "documents", "collection_restrictions", "collections", "groups", "snippets", "site_settings", "search_documents", "object_refs"}

// DeleteSite removes a site and every row it owns in one transaction: log,
// sessions, tokens, grants, memberships, groups, revisions, pages, collections,
// and its site-local users who belong nowhere else. Deleting the default site
// while other sites exist needs newDefault (another site's id).
func (db *DB) DeleteSite(ctx context.Context, id, newDefault int64) (deleted map[string]int64, err error) {
	deleted = map[string]int64{}
	err = db.write(ctx, func(tx *Tx) error {
		site, err := findSite(ctx, tx, id)
		if err != nil {
			return err
		}
		if site.IsDefault {
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE id <> $1`, id).Scan(&others); err != nil {
				return err
			}
			if others > 0 && newDefault == 0 {
				return canopy.Errorf(canopy.EINVALID, "%s is the default site; name the new default site to delete it", site.DisplayName())
			}
			if newDefault != 0 {
				if newDefault == id {
					return canopy.Errorf(canopy.EINVALID, "the new default site must be another site")
				}
				if _, err := findSite(ctx, tx, newDefault); err != nil {
					return canopy.Errorf(canopy.ENOTFOUND, "new default site %d not found", newDefault)
				}
			}
		}
		// Model permissions hang off the site's groups.
		res, err := tx.ExecContext(ctx, `DELETE FROM group_model_perms WHERE group_id IN (SELECT id FROM groups WHERE site_id = $1)`, id)
		if err != nil {
			return err
		}
		deleted["group_model_perms"], _ = res.RowsAffected()
		// The search index's entries (SQLite: the FTS rows, which have no
		// site_id of their own; the documents go with the tables below).
		if db.dialect == SQLite {
			if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_documents WHERE site_id = $1)`, id); err != nil {
				return err
			}
		}
		// Parent links within pages and collections point inside the site; both
		// databases check them at the end of each statement, so one DELETE takes
		// a whole tree.
		for _, table := range SiteTables {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE site_id = $1`, id)
			if err != nil {
				return fmt.Errorf("delete %s: %w", table, err)
			}
			deleted[table], _ = res.RowsAffected()
		}
		// Site-local accounts: deleted unless they belong to another site.
		res, err = tx.ExecContext(ctx, `DELETE FROM users WHERE home_site_id = $1 AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = users.id)`, id)
		if err != nil {
			return err
		}
		deleted["users"], _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET home_site_id = NULL WHERE home_site_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sites WHERE id = $1`, id); err != nil {
			return err
		}
		tx.siteRowChanged(id)
		if newDefault != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET is_default = TRUE WHERE id = $1`, newDefault); err != nil {
				return err
			}
			if err := tx.touchSite(ctx, newDefault); err != nil {
				return err
			}
			tx.siteRowChanged(newDefault)
		}
		return tx.log(ctx, 0, "delete", "site", id, site.Hostname, map[string]any{"port": site.Port, "rows": deleted})
	})
	if err != nil {
		return nil, err
	}
	return deleted, nil
}
