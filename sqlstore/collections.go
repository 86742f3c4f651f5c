package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

const collectionColumns = `c.id, COALESCE(c.site_id, 0), COALESCE(c.parent_id, 0), c.path, c.depth, c.name, c.created_at, r.kind, r.group_ids, r.password_hash`

const collectionFrom = ` FROM collections c LEFT JOIN collection_restrictions r ON r.collection_id = c.id`

func scanCollection(row scanner) (*canopy.Collection, error) {
	c := &canopy.Collection{}
	var kind, groups, hash sql.NullString
	if err := row.Scan(&c.ID, &c.SiteID, &c.ParentID, &c.Path, &c.Depth, &c.Name, &c.CreatedAt, &kind, &groups, &hash); err != nil {
		return nil, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	if kind.Valid {
		c.Restriction = &canopy.Restriction{Kind: kind.String, CollectionID: c.ID, PasswordHash: hash.String}
		if err := json.Unmarshal([]byte(groups.String), &c.Restriction.GroupIDs); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Collections lists the site's collections in tree order.
func (s *SiteDB) Collections(ctx context.Context) (out []*canopy.Collection, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		return eachRow(scanCollection, func(c *canopy.Collection) { out = append(out, c) })(
			tx.QueryContext(ctx, `SELECT `+collectionColumns+collectionFrom+` WHERE `+s.own("c.site_id")+` ORDER BY c.path`, s.site))
	})
	return out, err
}

// Collection returns one of the site's collections.
func (s *SiteDB) Collection(ctx context.Context, id int64) (c *canopy.Collection, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		c, err = s.findCollection(ctx, tx, id)
		return err
	})
	return c, err
}

func (s *SiteDB) findCollection(ctx context.Context, tx *Tx, id int64) (*canopy.Collection, error) {
	c, err := scanCollection(tx.QueryRowContext(ctx, `SELECT `+collectionColumns+collectionFrom+` WHERE `+s.own("c.site_id")+` AND c.id = $2`, s.site, id))
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "collection %d not found", id)
	}
	return c, err
}

// checkSiblingName refuses a name already used (case-insensitively) by a
// sibling.
func (s *SiteDB) checkSiblingName(ctx context.Context, tx *Tx, parentID int64, name string, exceptID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM collections WHERE `+s.own("site_id")+` AND parent_id = $2 AND lower(name) = $3 AND id <> $4`,
		s.site, parentID, strings.ToLower(name), exceptID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return canopy.Errorf(canopy.ECONFLICT, "a collection named %q already exists there", name)
	}
	return nil
}

func nextCollectionPath(ctx context.Context, tx *Tx, parent *canopy.Collection) (string, error) {
	return nextTreePath(ctx, tx, "collections", parent.ID, parent.Path, fmt.Sprintf("collection %q", parent.Name))
}

// CreateCollection adds a collection under parentID.
func (s *SiteDB) CreateCollection(ctx context.Context, parentID int64, name string) (c *canopy.Collection, err error) {
	name, err = canopy.ValidateCollectionName(name)
	if err != nil {
		return nil, err
	}
	err = s.db.write(ctx, func(tx *Tx) error {
		parent, err := s.findCollection(ctx, tx, parentID)
		if err != nil {
			return err
		}
		if err := s.checkSiblingName(ctx, tx, parent.ID, name, 0); err != nil {
			return err
		}
		path, err := nextCollectionPath(ctx, tx, parent)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO collections (site_id, parent_id, path, depth, name, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			s.siteArg(), parent.ID, path, parent.Depth+1, name, tx.now).Scan(&id); err != nil {
			return err
		}
		if c, err = s.findCollection(ctx, tx, id); err != nil {
			return err
		}
		return tx.log(ctx, s.site, "create", "collection", id, name, map[string]any{"parent_id": parent.ID})
	})
	return c, err
}

// UpdateCollection renames a collection and/or moves it under newParentID
// (0: stays). The root collection is never renamed or moved; a collection
// cannot move into itself or below itself.
func (s *SiteDB) UpdateCollection(ctx context.Context, id int64, name *string, newParentID int64) (c *canopy.Collection, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		c, err = s.findCollection(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Depth == 1 {
			return canopy.Errorf(canopy.EINVALID, "the site's root collection cannot be renamed or moved")
		}
		parentID := c.ParentID
		if newParentID != 0 && newParentID != c.ParentID {
			parent, err := s.findCollection(ctx, tx, newParentID)
			if err != nil {
				return err
			}
			if strings.HasPrefix(parent.Path, c.Path) {
				return canopy.Errorf(canopy.EINVALID, "a collection cannot be moved into itself or one of its children")
			}
			newPath, err := nextCollectionPath(ctx, tx, parent)
			if err != nil {
				return err
			}
			// Rewrite the subtree's paths: the new prefix replaces the old one.
			if _, err := tx.ExecContext(ctx, `UPDATE collections SET path = $3 || substr(path, $4), depth = depth + $5
				WHERE `+s.own("site_id")+` AND path >= $2 AND path < $6`,
				s.site, c.Path, newPath, len(c.Path)+1, parent.Depth+1-c.Depth, canopy.PathUpperBound(c.Path)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE collections SET parent_id = $2 WHERE id = $1 AND COALESCE(site_id, 0) = $3`, c.ID, parent.ID, s.site); err != nil {
				return err
			}
			parentID = parent.ID
			if err := tx.log(ctx, s.site, "move", "collection", c.ID, c.Name, map[string]any{"from_parent_id": c.ParentID, "to_parent_id": parent.ID}); err != nil {
				return err
			}
		}
		newName := c.Name
		if name != nil {
			if newName, err = canopy.ValidateCollectionName(*name); err != nil {
				return err
			}
		}
		if err := s.checkSiblingName(ctx, tx, parentID, newName, c.ID); err != nil {
			return err
		}
		if newName != c.Name {
			if _, err := tx.ExecContext(ctx, `UPDATE collections SET name = $2 WHERE id = $1 AND COALESCE(site_id, 0) = $3`, c.ID, newName, s.site); err != nil {
				return err
			}
			if err := tx.log(ctx, s.site, "rename", "collection", c.ID, newName, map[string]any{"old_name": c.Name}); err != nil {
				return err
			}
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		c, err = s.findCollection(ctx, tx, id)
		return err
	})
	return c, err
}

// DeleteCollection deletes an empty collection: no images, documents or
// child collections. The root collection goes only with its site.
func (s *SiteDB) DeleteCollection(ctx context.Context, id int64) error {
	return s.db.write(ctx, func(tx *Tx) error {
		c, err := s.findCollection(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Depth == 1 {
			return canopy.Errorf(canopy.EINVALID, "the site's root collection is deleted only with its site")
		}
		var kids, images, docs int
		// Counted without a site: a collection's children and items are its
		// own site's (same-site foreign keys), and shared items may sit only
		// in shared collections.
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM collections WHERE parent_id = $1 AND COALESCE(site_id, 0) = $2),
			(SELECT count(*) FROM images WHERE collection_id = $1 AND COALESCE(site_id, 0) = $2), (SELECT count(*) FROM documents WHERE collection_id = $1 AND COALESCE(site_id, 0) = $2)`, id, s.site).
			Scan(&kids, &images, &docs); err != nil {
			return err
		}
		if kids+images+docs > 0 {
			return canopy.Errorf(canopy.ECONFLICT, "collection %q is not empty (%d collections, %d images, %d documents): empty it first", c.Name, kids, images, docs)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM collections WHERE id = $1 AND COALESCE(site_id, 0) = $2`, id, s.site); err != nil {
			return err
		}
		return tx.log(ctx, s.site, "delete", "collection", id, c.Name, nil)
	})
}

// SetCollectionRestriction sets (or with nil removes) who may download a
// collection's documents. Groups must be this site's.
func (s *SiteDB) SetCollectionRestriction(ctx context.Context, id int64, r *canopy.Restriction) (c *canopy.Collection, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		c, err = s.findCollection(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.shared {
			return canopy.Errorf(canopy.EINVALID, "the shared library is public: its collections have no privacy")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM collection_restrictions WHERE collection_id = $1 AND COALESCE(site_id, 0) = $2`, id, s.site); err != nil {
			return err
		}
		data := map[string]any{"type": "none"}
		if r != nil {
			if err := s.checkSiteGroups(ctx, tx, r.GroupIDs, ""); err != nil {
				return err
			}
			ids, _ := json.Marshal(nonNilIDs(r.GroupIDs))
			if _, err := tx.ExecContext(ctx, `INSERT INTO collection_restrictions (collection_id, site_id, kind, group_ids, password_hash) VALUES ($1, $2, $3, $4, $5)`,
				id, s.site, r.Kind, string(ids), r.PasswordHash); err != nil {
				return err
			}
			data = map[string]any{"type": r.Kind, "groups": nonNilIDs(r.GroupIDs)}
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "set_privacy", "collection", id, c.Name, data); err != nil {
			return err
		}
		c, err = s.findCollection(ctx, tx, id)
		return err
	})
	return c, err
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// CollectionRestrictions returns the restrictions that apply to a collection:
// its own and every ancestor's (all must pass).
func (s *SiteDB) CollectionRestrictions(ctx context.Context, path string) (out []canopy.Restriction, err error) {
	anc := canopy.AncestorPaths(path)
	anc = append(anc, path)
	args := []any{s.site}
	ph := make([]string, len(anc))
	for i, p := range anc {
		args = append(args, p)
		ph[i] = "$" + strconv.Itoa(len(args))
	}
	err = s.db.read(ctx, func(tx *Tx) error {
		return eachRow(scanCollectionRestriction, func(pr PathRestriction) { out = append(out, pr.Restriction) })(
			tx.QueryContext(ctx, `SELECT c.path, c.id, r.kind, r.password_hash, r.group_ids FROM collection_restrictions r JOIN collections c ON c.id = r.collection_id
			WHERE c.site_id = $1 AND c.path IN (`+strings.Join(ph, ", ")+`) ORDER BY c.path`, args...))
	})
	return out, err
}

// CollectionCounts counts the images and documents directly in each of this
// handle's collections (collections without any are left out).
func (s *SiteDB) CollectionCounts(ctx context.Context) (map[int64][2]int, error) {
	out := map[int64][2]int{}
	err := s.db.read(ctx, func(tx *Tx) error {
		for i, table := range []string{"images", "documents"} {
			type count struct{ id, n int64 }
			if err := eachRow(func(r scanner) (c count, err error) { err = r.Scan(&c.id, &c.n); return c, err }, func(c count) {
				v := out[c.id]
				v[i] = int(c.n)
				out[c.id] = v
			})(tx.QueryContext(ctx, `SELECT collection_id, count(*) FROM `+table+` WHERE COALESCE(site_id, 0) = $1 GROUP BY collection_id`, s.site)); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
