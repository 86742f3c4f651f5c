package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/canopy-cms/canopy"
)

// ImportPage is canopy.ImportPage (the domain type; this alias keeps the store readable).
type ImportPage = canopy.ImportPage

// Import adds whole subtrees under parentID in one transaction, level by level
// with multi-row inserts: the fast path for the data generator and demo
// content. Page-type rules and sibling slug uniqueness are enforced as in
// CreatePage; every page gets one revision, published if Live.
func (s *SiteDB) Import(ctx context.Context, parentID int64, roots []*ImportPage, ownerID int64) (count int, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		parent, err := s.findPage(ctx, tx, parentID)
		if err != nil {
			return err
		}
		count, err = s.importTree(ctx, tx, parent, roots, ownerID)
		return err
	})
	return count, err
}

// importTree is Import inside a caller's transaction.
func (s *SiteDB) importTree(ctx context.Context, tx *Tx, parent *canopy.Page, roots []*ImportPage, ownerID int64) (count int, err error) {
	err = func() error {
		type node struct {
			imp     *ImportPage
			parent  *canopy.Page
			path    string
			urlPath string
		}
		first, err := nextChildPath(ctx, tx, parent)
		if err != nil {
			return err
		}
		step := canopy.DecodeStep(first[len(first)-canopy.StepLen:])
		var level []node
		used := map[string]bool{}
		for i, r := range roots {
			if err := s.checkCreatable(ctx, tx, parent, r.Type); err != nil {
				return err
			}
			if r.Content.Slug == "" {
				if r.Content.Slug, err = s.freeSlug(ctx, tx, parent.ID, canopy.Slugify(r.Content.Title), 0); err != nil {
					return err
				}
				for used[r.Content.Slug] {
					r.Content.Slug += "-" + fmt.Sprint(i+2)
				}
			} else if err := s.checkSlugFree(ctx, tx, parent.ID, r.Content.Slug, 0); err != nil {
				return err
			}
			if used[r.Content.Slug] {
				return canopy.Errorf(canopy.ECONFLICT, "the slug %q is used twice among the imported pages", r.Content.Slug)
			}
			used[r.Content.Slug] = true
			level = append(level, node{r, parent, canopy.ChildPath(parent.Path, step+i), childURLPath(parent, r.Content.Slug)})
		}
		if step+len(roots)-1 > canopy.MaxChildren {
			return canopy.Errorf(canopy.EINVALID, "page %q cannot hold that many children", parent.Title)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET numchild = numchild + $2 WHERE id = $1 AND site_id = $3`, parent.ID, len(roots), s.site); err != nil {
			return err
		}
		// SQLite looks up $N parameters linearly, so a statement's cost grows with
		// the square of its parameter count: small batches there, large ones on
		// PostgreSQL, where each statement is a round trip.
		batch := 400
		if s.db.dialect == SQLite {
			batch = 16
		}
		revStmt, err := tx.PrepareContext(ctx, `INSERT INTO revisions (site_id, page_id, user_id, content, created_at) VALUES ($1, $2, $3, $4, $5)`)
		if err != nil {
			return err
		}
		defer revStmt.Close()
		for len(level) > 0 {
			var next []node
			for start := 0; start < len(level); start += batch {
				chunk := level[start:min(start+batch, len(level))]
				var sb strings.Builder
				sb.WriteString(`INSERT INTO pages (site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path,
					seo_title, search_description, show_in_menus, hide_from_search, fields, live, has_unpublished_changes, first_published_at, last_published_at,
					owner_id, created_at, updated_at) VALUES `)
				args := make([]any, 0, len(chunk)*17+3)
				args = append(args, s.site, tx.now, nullID(ownerID))
				for i, n := range chunk {
					c := n.imp.Content
					if !s.types.AllowedUnder(n.parent.Type, n.imp.Type) {
						return canopy.Errorf(canopy.EINVALID, "a %s cannot be created under a %s", n.imp.Type, n.parent.Type)
					}
					// References are checked on every save, bulk ones included.
					if err := s.checkPageRefs(ctx, tx, n.imp.Type, c.Fields); err != nil {
						return err
					}
					fields, err := json.Marshal(nonNil(c.Fields))
					if err != nil {
						return err
					}
					var published any
					if n.imp.Live {
						published = tx.now
					}
					if i > 0 {
						sb.WriteByte(',')
					}
					b := len(args)
					fmt.Fprintf(&sb, "($1, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $3, $2, $2)",
						b+1, b+2, b+3, b+4, b+5, b+6, b+7, b+8, b+9, b+10, b+11, b+12, b+13, b+14, b+15, b+16, b+16)
					args = append(args, n.parent.ID, n.path, n.parent.Depth+1, len(n.imp.Children), n.imp.Type, c.Title, c.Slug, n.urlPath,
						c.SeoTitle, c.SearchDescription, c.ShowInMenus, c.HideFromSearch, string(fields), n.imp.Live, !n.imp.Live, published)
				}
				sb.WriteString(" RETURNING id, path")
				ids := map[string]int64{}
				if err := scanIDPaths(tx.QueryContext(ctx, sb.String(), args...))(func(id int64, p string) { ids[p] = id }); err != nil {
					return err
				}
				for _, n := range chunk {
					page := &canopy.Page{ID: ids[n.path], SiteID: s.site, Path: n.path, Depth: n.parent.Depth + 1, Type: n.imp.Type, URLPath: n.urlPath}
					tx.searchPage(s.site, page.ID)
					seen := map[string]bool{}
					for i, c := range n.imp.Children {
						if c.Content.Slug == "" {
							c.Content.Slug = canopy.Slugify(c.Content.Title)
						}
						if seen[c.Content.Slug] {
							c.Content.Slug = fmt.Sprintf("%s-%d", c.Content.Slug, i+1)
						}
						seen[c.Content.Slug] = true
						next = append(next, node{c, page, canopy.ChildPath(n.path, i+1), n.urlPath + c.Content.Slug + "/"})
					}
					rc := n.imp.Content
					rc.Fields = nonNil(rc.Fields)
					body, err := json.Marshal(rc)
					if err != nil {
						return err
					}
					if _, err := revStmt.ExecContext(ctx, s.site, page.ID, nullID(ownerID), string(body), tx.now); err != nil {
						return err
					}
				}
				count += len(chunk)
			}
			level = next
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET latest_revision_id = (SELECT max(r.id) FROM revisions r WHERE r.site_id = pages.site_id AND r.page_id = pages.id)
			WHERE site_id = $1 AND latest_revision_id IS NULL`, s.site); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET live_revision_id = latest_revision_id WHERE site_id = $1 AND live AND live_revision_id IS NULL`, s.site); err != nil {
			return err
		}
		// Imported pages' one revision is their content: its title is theirs.
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET draft_title = title WHERE site_id = $1 AND draft_title = ''`, s.site); err != nil {
			return err
		}
		if count >= 5000 && s.db.dialect == Postgres {
			// Refresh planner statistics after a large load rather than wait for autovacuum.
			if _, err := tx.ExecContext(ctx, `ANALYZE pages`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `ANALYZE revisions`); err != nil {
				return err
			}
		}
		return tx.touchSite(ctx, s.site)
	}()
	return count, err
}
