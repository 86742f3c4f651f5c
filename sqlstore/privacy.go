package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/canopy-cms/canopy"
)

// PageRestrictions returns the restrictions set on any of the given pages of
// this site (a page and its ancestors: its effective restrictions), in tree
// order.
func (s *SiteDB) PageRestrictions(ctx context.Context, pageIDs []int64) (out []canopy.Restriction, err error) {
	if len(pageIDs) == 0 {
		return nil, nil
	}
	in, args := idList(s.site, pageIDs)
	err = s.db.read(ctx, func(tx *Tx) error {
		return eachRow(scanPathRestriction, func(pr PathRestriction) { out = append(out, pr.Restriction) })(
			tx.QueryContext(ctx, `SELECT p.path, r.page_id, r.kind, r.password_hash, r.group_ids FROM page_restrictions r JOIN pages p ON p.id = r.page_id
			WHERE r.site_id = $1 AND r.page_id IN (`+in+`) ORDER BY p.path`, args...))
	})
	return out, err
}

// RestrictedPaths lists the paths of this site's pages that carry a
// restriction, with it (for listings that leave restricted subtrees out).
func (s *SiteDB) RestrictedPaths(ctx context.Context) (out []PathRestriction, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		return eachRow(scanPathRestriction, func(pr PathRestriction) { out = append(out, pr) })(
			tx.QueryContext(ctx, `SELECT p.path, r.page_id, r.kind, r.password_hash, r.group_ids FROM page_restrictions r JOIN pages p ON p.id = r.page_id
			WHERE r.site_id = $1 ORDER BY p.path`, s.site))
	})
	return out, err
}

// SetPageRestriction sets (or with nil removes) a page's own restriction.
// Groups must be this site's; a password restriction carries its hash.
func (s *SiteDB) SetPageRestriction(ctx context.Context, pageID int64, r *canopy.Restriction) error {
	return s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM page_restrictions WHERE page_id = $1 AND site_id = $2`, pageID, s.site); err != nil {
			return err
		}
		data := map[string]any{"type": "none"}
		if r != nil {
			if err := s.checkSiteGroups(ctx, tx, r.GroupIDs, ""); err != nil {
				return err
			}
			ids, _ := json.Marshal(nonNilIDs(r.GroupIDs))
			if _, err := tx.ExecContext(ctx, `INSERT INTO page_restrictions (page_id, site_id, kind, password_hash, group_ids, created_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, pageID, s.site, r.Kind, r.PasswordHash, string(ids), tx.now); err != nil {
				return err
			}
			data = map[string]any{"type": r.Kind}
			if r.Kind == "groups" {
				data["groups"] = nonNilIDs(r.GroupIDs)
			}
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		return tx.log(ctx, s.site, "set_privacy", "page", pageID, p.Title, data)
	})
}
