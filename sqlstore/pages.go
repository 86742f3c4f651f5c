package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canopy-cms/canopy"
)

// SiteDB is a store handle bound to one site: every statement it runs names
// that site, so a query that crosses tenants cannot be written by accident.
type SiteDB struct {
	db    *DB
	site  int64
	types *canopy.PageTypes
	// shared: the handle of the installation's shared media library
	// (collections, images and documents with no site).
	shared bool
}

// Shared returns the handle for the installation's shared media library:
// collections, images and documents that belong to no site. Only its media
// methods apply.
func (db *DB) Shared(types *canopy.PageTypes) *SiteDB {
	return &SiteDB{db: db, types: types, shared: true}
}

// Installation returns the handle of the installation's own people rows:
// installation-wide groups (site 0), for superusers and the CLI.
func (db *DB) Installation() *SiteDB { return &SiteDB{db: db} }

// own is the condition "col belongs to this handle" with the site as $1.
func (s *SiteDB) own(col string) string {
	if s.shared {
		return "(" + col + " IS NULL AND $1 = 0)"
	}
	return col + " = $1"
}

// visible is "col is this site's or shared" (what a site may use), site as $1.
func (s *SiteDB) visible(col string) string {
	if s.shared {
		return s.own(col)
	}
	return "(" + col + " = $1 OR " + col + " IS NULL)"
}

// siteArg is the value stored in site_id columns: NULL for shared media.
func (s *SiteDB) siteArg() any {
	if s.shared {
		return nil
	}
	return s.site
}

// Site returns the handle for one site's content. types are the installation's
// page types, used to enforce type rules on every save.
func (db *DB) Site(siteID int64, types *canopy.PageTypes) *SiteDB {
	db.UsePageTypes(types)
	return &SiteDB{db: db, site: siteID, types: types}
}

// SiteID is the site this handle is bound to.
func (s *SiteDB) SiteID() int64 { return s.site }

const pageColumns = `id, site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path,
	seo_title, search_description, show_in_menus, hide_from_search, fields, live, has_unpublished_changes,
	first_published_at, last_published_at, live_revision_id, latest_revision_id, owner_id, created_at, updated_at, locked, locked_by, locked_at,
	scheduled_revision_id, go_live_at, expire_at, expired, draft_title`

type scanner interface{ Scan(...any) error }

func scanPage(row scanner) (*canopy.Page, error) {
	p := &canopy.Page{}
	var site, parent, liveRev, latestRev, owner, lockedBy, scheduled sql.NullInt64
	var first, last, goLive, expire, lockedAt sql.NullTime
	var fields string
	err := row.Scan(&p.ID, &site, &parent, &p.Path, &p.Depth, &p.NumChild, &p.Type, &p.Title, &p.Slug, &p.URLPath,
		&p.SeoTitle, &p.SearchDescription, &p.ShowInMenus, &p.HideFromSearch, &fields, &p.Live, &p.HasUnpublishedChanges,
		&first, &last, &liveRev, &latestRev, &owner, &p.CreatedAt, &p.UpdatedAt, &p.Locked, &lockedBy, &lockedAt,
		&scheduled, &goLive, &expire, &p.Expired, &p.DraftTitle)
	if err != nil {
		return nil, err
	}
	p.ScheduledRevisionID = scheduled.Int64
	if goLive.Valid {
		t := goLive.Time.UTC()
		p.GoLiveAt = &t
	}
	if expire.Valid {
		t := expire.Time.UTC()
		p.ExpireAt = &t
	}
	p.SiteID, p.ParentID, p.LiveRevisionID, p.LatestRevisionID, p.OwnerID = site.Int64, parent.Int64, liveRev.Int64, latestRev.Int64, owner.Int64
	p.LockedBy = lockedBy.Int64
	if lockedAt.Valid {
		t := lockedAt.Time.UTC()
		p.LockedAt = &t
	}
	if first.Valid {
		t := first.Time.UTC()
		p.FirstPublishedAt = &t
	}
	if last.Valid {
		t := last.Time.UTC()
		p.LastPublishedAt = &t
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(fields), &p.Fields); err != nil {
		return nil, fmt.Errorf("page %d: bad fields JSON: %w", p.ID, err)
	}
	return p, nil
}

func scanPages(rows *sql.Rows, err error) ([]*canopy.Page, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*canopy.Page
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func findPageByPath(ctx context.Context, tx *Tx, path string) (*canopy.Page, error) {
	return scanPage(tx.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE path = $1`, path))
}

// findPage loads a page of the site; another site's page is not found.
func (s *SiteDB) findPage(ctx context.Context, tx *Tx, id int64) (*canopy.Page, error) {
	p, err := scanPage(tx.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE site_id = $1 AND id = $2`, s.site, id))
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "page %d not found", id)
	}
	return p, err
}

// Page returns one page of the site.
func (s *SiteDB) Page(ctx context.Context, id int64) (p *canopy.Page, err error) {
	err = s.db.read(ctx, func(tx *Tx) error { p, err = s.findPage(ctx, tx, id); return err })
	return p, err
}

// Home returns the site's home page.
func (s *SiteDB) Home(ctx context.Context) (p *canopy.Page, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		p, err = scanPage(tx.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE site_id = $1 AND depth = 2`, s.site))
		if err == sql.ErrNoRows {
			return canopy.Errorf(canopy.ENOTFOUND, "the site has no home page")
		}
		return err
	})
	return p, err
}

// PageByURLPath returns the page at a site-relative URL path ("/", "/a/b/").
func (s *SiteDB) PageByURLPath(ctx context.Context, urlPath string) (p *canopy.Page, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		p, err = scanPage(tx.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE site_id = $1 AND url_path = $2`, s.site, urlPath))
		if err == sql.ErrNoRows {
			return canopy.Errorf(canopy.ENOTFOUND, "no page at %s", urlPath)
		}
		return err
	})
	return p, err
}

// Children returns the children of a page in tree order.
func (s *SiteDB) Children(ctx context.Context, parentID int64, liveOnly bool) (out []*canopy.Page, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		q := `SELECT ` + pageColumns + ` FROM pages WHERE site_id = $1 AND parent_id = $2`
		if liveOnly {
			q += ` AND live`
		}
		out, err = scanPages(tx.QueryContext(ctx, q+` ORDER BY path`, s.site, parentID))
		return err
	})
	return out, err
}

// SitePages returns the site's pages below the global root in tree order, or
// ok=false if there are more than max (one range read of the site's path
// index).
func (s *SiteDB) SitePages(ctx context.Context, max int) (out []*canopy.Page, ok bool, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		out, err = scanPages(tx.QueryContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE site_id = $1 ORDER BY path LIMIT $2`, s.site, max+1))
		return err
	})
	if err != nil || len(out) > max {
		return nil, false, err
	}
	return out, true, nil
}

// ChildrenPage lists a page's children in tree order with their total count,
// limit and offset applied in SQL (limit < 0: all), keeping only those within
// reach of the given grant paths unless all is set: at or below one of them,
// or an ancestor of one (the explorer's rule).
// ChildOrders are the orders a page's children can be listed in besides the
// tree's own (""): by title, type, status (drafts first, then live pages with
// changes, then live ones) or last edit, each also reversed with "-".
var ChildOrders = map[string]string{
	"title":  "lower(title), path",
	"type":   "page_type, path",
	"status": "live, has_unpublished_changes DESC, path",
	"edited": "(SELECT r.created_at FROM revisions r WHERE r.id = pages.latest_revision_id), path",
}

// childOrder is the ORDER BY of an order name (ok false: unknown).
func childOrder(order string) (string, bool) {
	if order == "" {
		return "path", true
	}
	desc := strings.HasPrefix(order, "-")
	expr, ok := ChildOrders[strings.TrimPrefix(order, "-")]
	if !ok {
		return "", false
	}
	if desc {
		parts := strings.Split(expr, ", ")
		for i, p := range parts {
			if strings.HasSuffix(p, " DESC") {
				parts[i] = strings.TrimSuffix(p, " DESC")
			} else {
				parts[i] = p + " DESC"
			}
		}
		expr = strings.Join(parts, ", ")
	}
	return expr, true
}

func (s *SiteDB) ChildrenPage(ctx context.Context, parentID int64, all bool, within []string, order string, limit, offset int) (out []*canopy.Page, total int, err error) {
	orderBy, ok := childOrder(order)
	if !ok {
		return nil, 0, canopy.FieldErrorf("ordering", canopy.EINVALID, "cannot order child pages by %q (use title, type, status or edited, - first to reverse)", order)
	}
	cond := `site_id = $1 AND parent_id = $2`
	args := []any{s.site, parentID}
	if !all {
		c, ok := explorable(&args, within)
		if !ok {
			return []*canopy.Page{}, 0, nil
		}
		cond += c
	}
	err = s.db.read(ctx, func(tx *Tx) error {
		// The rows and their total in one statement (the count is an
		// uncorrelated subquery: computed once, from the index).
		q := `SELECT ` + pageColumns + `, (SELECT count(*) FROM pages WHERE ` + cond + `) FROM pages WHERE ` + cond + ` ORDER BY ` + orderBy
		if limit > 0 {
			q += fmt.Sprintf(` LIMIT %d OFFSET %d`, limit, offset)
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPage(suffixScanner{rows, &total})
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 && offset > 0 {
			// Past the end: the total still counts.
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM pages WHERE `+cond, args...).Scan(&total)
		}
		return nil
	})
	if out == nil {
		out = []*canopy.Page{}
	}
	return out, total, err
}

// suffixScanner scans a page's columns followed by one more.
type suffixScanner struct {
	rows *sql.Rows
	last any
}

func (p suffixScanner) Scan(dest ...any) error { return p.rows.Scan(append(dest, p.last)...) }

// explorable is the condition "the page is within or above one of the
// subtrees" (what a user with grants there may explore), its arguments
// appended to args; false when there are no subtrees.
func explorable(args *[]any, within []string) (string, bool) {
	var ors []string
	for _, g := range within {
		n := len(*args)
		ors = append(ors, fmt.Sprintf(`(path >= $%d AND path < $%d) OR substr($%d, 1, length(path)) = path`, n+1, n+2, n+3))
		*args = append(*args, g, canopy.PathUpperBound(g), g)
	}
	if len(ors) == 0 {
		return "", false
	}
	return ` AND (` + strings.Join(ors, " OR ") + `)`, true
}

// SearchLatest finds this site's pages whose newest version (a draft
// included) matches the search, among those a user may explore (all, or
// within the subtrees) and of the types (any when empty), best match first;
// one page of them and the total. It is the admin's search: the explorer's
// and the choosers'.
func (s *SiteDB) SearchLatest(ctx context.Context, sq *canopy.SearchQuery, all bool, within, types []string, limit, offset int) (out []*canopy.Page, total int, err error) {
	cond := `site_id = $1 AND depth > 1`
	args := []any{s.site}
	if !all {
		c, ok := explorable(&args, within)
		if !ok {
			return []*canopy.Page{}, 0, nil
		}
		cond += c
	}
	if len(types) > 0 {
		ph := make([]string, len(types))
		for i, t := range types {
			args = append(args, t)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		cond += ` AND page_type IN (` + strings.Join(ph, ",") + `)`
	}
	out = []*canopy.Page{}
	err = s.db.read(ctx, func(tx *Tx) error {
		m, err := tx.compileSearch(ctx, []int64{s.site}, sq)
		if err != nil || m.expr == "" {
			return err
		}
		from := `pages JOIN ` + tx.hitsSQL(m, SearchPage, []int64{s.site}, true, &args) + ` AS h ON h.sid = pages.id`
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+from+` WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		out, err = scanPages(tx.QueryContext(ctx, `SELECT `+pageColumns+` FROM `+from+` WHERE `+cond+fmt.Sprintf(` ORDER BY h.srank DESC, path LIMIT %d OFFSET %d`, limit, offset), args...))
		return err
	})
	return out, total, err
}

// Ancestors returns the site's pages above a page (home first), excluding the root.
func (s *SiteDB) Ancestors(ctx context.Context, id int64) (out []*canopy.Page, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, id)
		if err != nil {
			return err
		}
		out, err = s.ancestorsOf(ctx, tx, p)
		return err
	})
	return out, err
}

// AncestorsOf is Ancestors of a page already loaded (one statement).
func (s *SiteDB) AncestorsOf(ctx context.Context, p *canopy.Page) (out []*canopy.Page, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		out, err = s.ancestorsOf(ctx, tx, p)
		return err
	})
	return out, err
}

func (s *SiteDB) ancestorsOf(ctx context.Context, tx *Tx, p *canopy.Page) ([]*canopy.Page, error) {
	paths := canopy.AncestorPaths(p.Path)
	if len(paths) <= 1 {
		return nil, nil
	}
	args := []any{s.site}
	ph := make([]string, 0, len(paths)-1)
	for _, ap := range paths[1:] {
		args = append(args, ap)
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	return scanPages(tx.QueryContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE site_id = $1 AND path IN (`+strings.Join(ph, ",")+`) ORDER BY path`, args...))
}

// NewPage is what creating a page takes. An empty slug is made from the title
// (with -2, -3… on collision); a given slug must be free among the siblings.
type NewPage struct {
	Type    string
	Content canopy.PageContent
	OwnerID int64
	Publish bool
}

// CreatePage adds a child at the end of parent's children, with a first revision.
func (s *SiteDB) CreatePage(ctx context.Context, parentID int64, in NewPage) (page *canopy.Page, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		parent, err := s.findPage(ctx, tx, parentID)
		if err != nil {
			return err
		}
		if err := s.checkCreatable(ctx, tx, parent, in.Type); err != nil {
			return err
		}
		if err := s.checkPageRefs(ctx, tx, in.Type, in.Content.Fields); err != nil {
			return err
		}
		if in.Content.Slug == "" {
			if in.Content.Slug, err = s.freeSlug(ctx, tx, parent.ID, canopy.Slugify(in.Content.Title), 0); err != nil {
				return err
			}
		} else if err := s.checkSlugFree(ctx, tx, parent.ID, in.Content.Slug, 0); err != nil {
			return err
		}
		fields, err := json.Marshal(nonNil(in.Content.Fields))
		if err != nil {
			return err
		}
		p, err := insertPage(ctx, tx, s.site, parent, in.Type, in.Content, string(fields), in.OwnerID)
		if err != nil {
			return err
		}
		rev, err := insertRevision(ctx, tx, p, in.Content, in.OwnerID)
		if err != nil {
			return err
		}
		if in.Publish {
			if err := s.publishOrSchedule(ctx, tx, p, rev); err != nil {
				return err
			}
		}
		if err := tx.log(ctx, s.site, "create", "page", p.ID, p.Title, map[string]any{"parent_id": parent.ID, "type": in.Type, "published": in.Publish}); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		page, err = s.findPage(ctx, tx, p.ID)
		return err
	})
	return page, err
}

// checkCreatable enforces the page-type rules (which bind superusers too).
func (s *SiteDB) checkCreatable(ctx context.Context, tx *Tx, parent *canopy.Page, typeName string) error {
	pt := s.types.Get(typeName)
	if pt == nil {
		return canopy.Errorf(canopy.EINVALID, "unknown page type %q", typeName)
	}
	if pt.NotCreatable {
		return canopy.Errorf(canopy.EINVALID, "pages of type %s cannot be created", typeName)
	}
	if !s.types.AllowedUnder(parent.Type, typeName) {
		return canopy.Errorf(canopy.EINVALID, "a %s cannot be created under a %s (%q)", typeName, parent.Type, parent.Title)
	}
	return s.checkTypeCounts(ctx, tx, parent, pt)
}

func (s *SiteDB) checkTypeCounts(ctx context.Context, tx *Tx, parent *canopy.Page, pt *canopy.PageType) error {
	type limit struct {
		max   int
		q     string
		args  []any
		where string
	}
	for _, l := range []limit{
		{pt.MaxCount, `SELECT count(*) FROM pages WHERE page_type = $1`, []any{pt.Name}, "in this installation"},
		{pt.MaxCountPerSite, `SELECT count(*) FROM pages WHERE site_id = $2 AND page_type = $1`, []any{pt.Name, s.site}, "on this site"},
		{pt.MaxCountPerParent, `SELECT count(*) FROM pages WHERE site_id = $2 AND parent_id = $3 AND page_type = $1`, []any{pt.Name, s.site, parent.ID}, "under this parent"},
	} {
		if l.max == 0 {
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, l.q, l.args...).Scan(&n); err != nil {
			return err
		}
		if n >= l.max {
			return canopy.Errorf(canopy.EINVALID, "at most %d %s page(s) may exist %s", l.max, pt.Label, l.where)
		}
	}
	return nil
}

// checkPageRefs makes sure the type's rules across fields hold (an event's
// end after its start: checked here, so that no path of saving, reverting,
// copying or publishing can skip them) and that every page, snippet, image
// and document reference in fields names an object of this site (and of the
// declared type).
func (s *SiteDB) checkPageRefs(ctx context.Context, tx *Tx, typeName string, fields map[string]any) error {
	pt := s.types.Get(typeName)
	if pt == nil {
		return canopy.Errorf(canopy.EINVALID, "unknown page type %q", typeName)
	}
	if errs := pt.RuleErrors(fields); len(errs) > 0 {
		return errs[0]
	}
	return s.checkFieldRefs(ctx, tx, pt.Fields, fields)
}

// checkFieldRefs checks the references of field values against this site.
func (s *SiteDB) checkFieldRefs(ctx context.Context, tx *Tx, defs []canopy.Field, fields map[string]any) error {
	exists := func(q string, args ...any) (bool, error) {
		var n int
		err := tx.QueryRowContext(ctx, q, args...).Scan(&n)
		return n > 0, err
	}
	for _, f := range defs {
		v, ok := fields[f.Name]
		if !ok || v == nil {
			continue
		}
		switch f.Type {
		case canopy.FieldSnippet:
			id := canopy.RefID(v)
			ok, err := exists(`SELECT count(*) FROM snippets WHERE site_id = $1 AND id = $2 AND snippet_type = $3`, s.site, id, f.SnippetType)
			if err != nil {
				return err
			}
			if !ok {
				return canopy.FieldErrorf("fields."+f.Name, canopy.EINVALID, "field %q: %s %d not found on this site", f.Name, f.SnippetType, id)
			}
		case canopy.FieldImage, canopy.FieldDocument:
			id := canopy.RefID(v)
			table := map[canopy.FieldType]string{canopy.FieldImage: "images", canopy.FieldDocument: "documents"}[f.Type]
			ok, err := exists(`SELECT count(*) FROM `+table+` WHERE `+s.visible("site_id")+` AND id = $2`, s.site, id)
			if err != nil {
				return err
			}
			if !ok {
				return canopy.FieldErrorf("fields."+f.Name, canopy.EINVALID, "field %q: %s %d not found on this site", f.Name, f.Type, id)
			}
		case canopy.FieldRichText:
			html, _ := v.(string)
			for _, ref := range canopy.RichTextRefs(html) {
				table, where := "pages", "site_id = $1"
				switch ref.Kind {
				case canopy.RefImage:
					table, where = "images", s.visible("site_id")
				case canopy.RefDocument:
					table, where = "documents", s.visible("site_id")
				}
				ok, err := exists(`SELECT count(*) FROM `+table+` WHERE `+where+` AND id = $2`, s.site, ref.ID)
				if err != nil {
					return err
				}
				if !ok {
					return canopy.FieldErrorf("fields."+f.Name, canopy.EINVALID, "field %q: the rich text refers to %s %d, which is not on this site", f.Name, ref.Kind, ref.ID)
				}
			}
		case canopy.FieldPage:
			id := canopy.RefID(v)
			var typ string
			err := tx.QueryRowContext(ctx, `SELECT page_type FROM pages WHERE site_id = $1 AND id = $2 AND depth > 1`, s.site, id).Scan(&typ)
			if err == sql.ErrNoRows {
				return canopy.FieldErrorf("fields."+f.Name, canopy.EINVALID, "field %q: page %d not found on this site", f.Name, id)
			}
			if err != nil {
				return err
			}
			if len(f.PageTypes) > 0 && !containsStr(f.PageTypes, typ) {
				return canopy.FieldErrorf("fields."+f.Name, canopy.EINVALID, "field %q: page %d is a %s; expected one of %s", f.Name, id, typ, strings.Join(f.PageTypes, ", "))
			}
		}
	}
	return nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// topLevel reports whether a child of parentID sits directly below the
// site's home page, where Canopy's reserved route names cannot be slugs.
func (s *SiteDB) topLevel(ctx context.Context, tx *Tx, parentID int64) (bool, error) {
	var depth int
	err := tx.QueryRowContext(ctx, `SELECT depth FROM pages WHERE site_id = $1 AND id = $2`, s.site, parentID).Scan(&depth)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return depth == 2, err
}

func (s *SiteDB) checkSlugFree(ctx context.Context, tx *Tx, parentID int64, slug string, exceptID int64) error {
	if canopy.IsReservedSlug(slug) {
		if top, err := s.topLevel(ctx, tx, parentID); err != nil {
			return err
		} else if top {
			return canopy.ReservedSlugError(slug)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pages WHERE site_id = $1 AND parent_id = $2 AND slug = $3 AND id <> $4`,
		s.site, parentID, slug, exceptID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return canopy.FieldErrorf("slug", canopy.ECONFLICT, "the slug %q is already in use by a sibling page", slug)
	}
	return nil
}

// freeSlug returns base, or base-2, base-3… whichever is free among the siblings.
func (s *SiteDB) freeSlug(ctx context.Context, tx *Tx, parentID int64, base string, exceptID int64) (string, error) {
	if base == "" {
		base = "page"
	}
	taken := map[string]bool{}
	if canopy.IsReservedSlug(base) {
		if top, err := s.topLevel(ctx, tx, parentID); err != nil {
			return "", err
		} else if top {
			taken[base] = true
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT slug FROM pages WHERE site_id = $1 AND parent_id = $2 AND id <> $3 AND (slug = $4 OR slug LIKE $5)`,
		s.site, parentID, exceptID, base, base+"-%")
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var sl string
		if err := rows.Scan(&sl); err != nil {
			rows.Close()
			return "", err
		}
		taken[sl] = true
	}
	rows.Close()
	if !taken[base] {
		return base, nil
	}
	for i := 2; ; i++ {
		if c := fmt.Sprintf("%s-%d", base, i); !taken[c] {
			return c, nil
		}
	}
}

// nextChildPath returns the path for a new last child of parent.
func nextChildPath(ctx context.Context, tx *Tx, parent *canopy.Page) (string, error) {
	return nextTreePath(ctx, tx, "pages", parent.ID, parent.Path, fmt.Sprintf("page %q", parent.Title))
}

// nextTreePath returns the path for a new last child of a node of a
// materialised-path tree (pages or collections). ORDER BY … LIMIT 1 over the
// (parent_id, path) index is one probe whatever the number of children (max()
// could be planned as a scan of all of them).
func nextTreePath(ctx context.Context, tx *Tx, table string, parentID int64, parentPath, what string) (string, error) {
	var last sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT path FROM `+table+` WHERE parent_id = $1 ORDER BY path DESC LIMIT 1`, parentID).Scan(&last)
	if err != nil && err != sql.ErrNoRows {
		return "", err
	}
	n := 1
	if last.Valid {
		n = canopy.DecodeStep(last.String[len(last.String)-canopy.StepLen:]) + 1
	}
	if n > canopy.MaxChildren {
		return "", canopy.Errorf(canopy.EINVALID, "%s has reached the maximum of %d children", what, canopy.MaxChildren)
	}
	return canopy.ChildPath(parentPath, n), nil
}

func childURLPath(parent *canopy.Page, slug string) string {
	if parent.Depth == 1 {
		return "/"
	}
	return parent.URLPath + slug + "/"
}

// insertPage writes a new page row as the last child of parent.
func insertPage(ctx context.Context, tx *Tx, siteID int64, parent *canopy.Page, typeName string, c canopy.PageContent, fields string, ownerID int64) (*canopy.Page, error) {
	path, err := nextChildPath(ctx, tx, parent)
	if err != nil {
		return nil, err
	}
	p := &canopy.Page{SiteID: siteID, ParentID: parent.ID, Path: path, Depth: parent.Depth + 1, Type: typeName,
		Title: c.Title, Slug: c.Slug, URLPath: childURLPath(parent, c.Slug), OwnerID: ownerID, Fields: c.Fields}
	err = tx.QueryRowContext(ctx, `INSERT INTO pages (site_id, parent_id, path, depth, page_type, title, slug, url_path,
		seo_title, search_description, show_in_menus, hide_from_search, fields, owner_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
		siteID, parent.ID, path, p.Depth, typeName, c.Title, c.Slug, p.URLPath, c.SeoTitle, c.SearchDescription,
		c.ShowInMenus, c.HideFromSearch, fields, nullID(ownerID), tx.now).Scan(&p.ID)
	if err != nil {
		return nil, err
	}
	tx.searchPage(siteID, p.ID)
	// The global root's child count is not kept: it would make one row a
	// write hot spot for every site creation across the installation.
	if parent.Depth > 1 {
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET numchild = numchild + 1 WHERE id = $1 AND COALESCE(site_id, 0) = $2`, parent.ID, parent.SiteID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func insertRevision(ctx context.Context, tx *Tx, p *canopy.Page, c canopy.PageContent, userID int64) (*canopy.Revision, error) {
	c.Fields = nonNil(c.Fields)
	body, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	r := &canopy.Revision{PageID: p.ID, SiteID: p.SiteID, UserID: userID, Content: c, CreatedAt: tx.now}
	if err := tx.QueryRowContext(ctx, `INSERT INTO revisions (site_id, page_id, user_id, content, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		p.SiteID, p.ID, nullID(userID), string(body), tx.now).Scan(&r.ID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pages SET latest_revision_id = $2, has_unpublished_changes = TRUE, updated_at = $3, draft_title = $5 WHERE id = $1 AND site_id = $4`, p.ID, r.ID, tx.now, p.SiteID, c.Title); err != nil {
		return nil, err
	}
	p.LatestRevisionID = r.ID
	tx.searchPage(p.SiteID, p.ID)
	return r, nil
}

// prepareSlug readies a slug change: the slug must be free among the siblings,
// and the url_path of the whole subtree is rewritten (one statement).
func (s *SiteDB) prepareSlug(ctx context.Context, tx *Tx, p *canopy.Page, slug string) error {
	if slug == p.Slug || p.IsHome() {
		return nil
	}
	if err := s.checkSlugFree(ctx, tx, p.ParentID, slug, p.ID); err != nil {
		return err
	}
	newURL := p.URLPath[:len(p.URLPath)-len(p.Slug)-1] + slug + "/"
	if err := s.rewriteSubtree(ctx, tx, p.Path, p.Path, 0, p.URLPath, newURL); err != nil {
		return err
	}
	p.URLPath = newURL
	return nil
}

// rewriteSubtree moves every page whose path starts with oldPath to start with
// newPath (depth changed by depthDelta), and replaces the url_path prefix oldURL
// with newURL: one UPDATE, however large the subtree. When the address
// changes, the subtree's live pages get redirects from their old addresses
// (autoRedirects).
func (s *SiteDB) rewriteSubtree(ctx context.Context, tx *Tx, oldPath, newPath string, depthDelta int, oldURL, newURL string) error {
	if oldURL != newURL {
		// Front-end caches drop the old addresses and the new ones.
		if err := tx.purgeLiveSubtree(ctx, s.site, oldPath, func(u string) string { return newURL + u[len(oldURL):] }); err != nil {
			return err
		}
		tx.purgeWithParent(s.site, newURL)
	}
	_, err := tx.ExecContext(ctx, `UPDATE pages SET
		path = $4 || substr(path, $5),
		depth = depth + $6,
		url_path = $7 || substr(url_path, $8),
		updated_at = $9
		WHERE site_id = $1 AND path >= $2 AND path < $3`,
		s.site, oldPath, canopy.PathUpperBound(oldPath), newPath, len(oldPath)+1, depthDelta,
		newURL, utf8.RuneCountInString(oldURL)+1, tx.now)
	if err != nil || oldURL == newURL {
		return err
	}
	n, err := s.autoRedirects(ctx, tx, newPath, oldURL, newURL)
	if count, ok := ctx.Value(redirectCountKey{}).(*int); ok {
		*count += n
	}
	return err
}

type redirectCountKey struct{}

// CountRedirects returns a context whose writes add to *n the redirects
// they create automatically (a move, a new slug), for telling the user.
func CountRedirects(ctx context.Context, n *int) context.Context {
	return context.WithValue(ctx, redirectCountKey{}, n)
}

// AutoRedirectsFeature is the site feature flag that, set to false, stops
// Canopy creating redirects when pages move or change slug.
const AutoRedirectsFeature = "auto_redirects"

// autoRedirects creates permanent redirects from the old address of every
// live page of the subtree at path (whose addresses went from the prefix
// oldURL to newURL) to the page, as Wagtail's automatic redirects do: an
// older automatic redirect from the same address is replaced, one made by
// hand is kept. It returns how many it wrote (none when the site's
// auto_redirects flag is off).
func (s *SiteDB) autoRedirects(ctx context.Context, tx *Tx, path, oldURL, newURL string) (int, error) {
	var features string
	if err := tx.QueryRowContext(ctx, `SELECT features FROM sites WHERE id = $1`, s.site).Scan(&features); err != nil {
		return 0, err
	}
	var flags map[string]bool
	_ = json.Unmarshal([]byte(features), &flags)
	if on, set := flags[AutoRedirectsFeature]; set && !on {
		return 0, nil
	}
	// The old address of a page: the old prefix and the rest of its new
	// address, without the trailing slash (as redirects store paths).
	oldAddr := `substr($4 || substr(url_path, $5), 1, length($4 || substr(url_path, $5)) - 1)`
	args := []any{s.site, path, canopy.PathUpperBound(path), oldURL, utf8.RuneCountInString(newURL) + 1}
	live := `FROM pages WHERE site_id = $1 AND path >= $2 AND path < $3 AND live AND depth > 2`
	if _, err := tx.ExecContext(ctx, `DELETE FROM redirects WHERE site_id = $1 AND automatic AND old_path IN (SELECT `+oldAddr+` `+live+`)`, args...); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO redirects (site_id, old_path, redirect_page_id, redirect_link, is_permanent, automatic, created_at)
		SELECT $1, `+oldAddr+`, id, '', TRUE, TRUE, $6 `+live+` ON CONFLICT (site_id, old_path) DO NOTHING`, append(args, tx.now)...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

type revertKey struct{}

// WithRevert marks a draft saved with the context as the revert to an older
// revision: the history says "reverted to #N" instead of "saved".
func WithRevert(ctx context.Context, revisionID int64) context.Context {
	return context.WithValue(ctx, revertKey{}, revisionID)
}

// SaveDraft records a new revision of a page. If baseRevisionID is given and is
// not the page's latest revision, someone saved in between: a conflict. A page
// that is not live also takes the content into its row.
func (s *SiteDB) SaveDraft(ctx context.Context, pageID int64, c canopy.PageContent, userID, baseRevisionID int64) (rev *canopy.Revision, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		p, running, err := s.findPageForWrite(ctx, tx, pageID)
		if err != nil {
			return err
		}
		rev, err = s.saveDraft(ctx, tx, p, c, userID, baseRevisionID, false, running != 0)
		return err
	})
	return rev, err
}

// SaveDraftOn is SaveDraft on a page the caller has just read (seen), without
// reading it again: the write goes through only if the page is still as seen
// (latest revision, lock and schedule), else it is a conflict and nothing is
// written. inModeration says the caller saw a running workflow (whose
// re-approval rule the save may trigger). It returns the page as saved.
func (s *SiteDB) SaveDraftOn(ctx context.Context, seen *canopy.Page, c canopy.PageContent, userID, baseRevisionID int64, inModeration bool) (page *canopy.Page, rev *canopy.Revision, err error) {
	p := *seen
	err = s.db.write(ctx, func(tx *Tx) error {
		if p.SiteID != s.site {
			return canopy.Errorf(canopy.ENOTFOUND, "page %d not found", p.ID)
		}
		rev, err = s.saveDraft(ctx, tx, &p, c, userID, baseRevisionID, true, inModeration)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &p, rev, nil
}

// saveDraft writes a draft revision of p (updated in memory): guarded by p's
// seen state when optimistic, re-approval checked when moderated.
func (s *SiteDB) saveDraft(ctx context.Context, tx *Tx, p *canopy.Page, c canopy.PageContent, userID, baseRevisionID int64, optimistic, moderated bool) (*canopy.Revision, error) {
	if p.IsRoot() {
		return nil, canopy.Errorf(canopy.EINVALID, "the tree root cannot be edited")
	}
	if p.ScheduledRevisionID != 0 {
		return nil, canopy.Errorf(canopy.ECONFLICT, "page %q is scheduled to go live at %s and locked until then; cancel the schedule to edit it",
			p.Title, p.GoLiveAt.Format(time.RFC3339))
	}
	if baseRevisionID != 0 && baseRevisionID != p.LatestRevisionID {
		return nil, canopy.FieldErrorf("base_revision", canopy.ECONFLICT, "page %d was changed by someone else since revision %d (latest is %d); reload and merge your changes", p.ID, baseRevisionID, p.LatestRevisionID)
	}
	if p.IsHome() || c.Slug == "" {
		c.Slug = p.Slug
	}
	if c.Slug != p.Slug {
		if p.Live {
			if err := s.checkSlugFree(ctx, tx, p.ParentID, c.Slug, p.ID); err != nil {
				return nil, err
			}
		} else if err := s.prepareSlug(ctx, tx, p, c.Slug); err != nil {
			return nil, err
		}
	}
	if err := s.checkPageRefs(ctx, tx, p.Type, c.Fields); err != nil {
		return nil, err
	}
	c.Fields = nonNil(c.Fields)
	body, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	rev := &canopy.Revision{PageID: p.ID, SiteID: p.SiteID, UserID: userID, Content: c, CreatedAt: tx.now}
	if err := tx.QueryRowContext(ctx, `INSERT INTO revisions (site_id, page_id, user_id, content, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		p.SiteID, p.ID, nullID(userID), string(body), tx.now).Scan(&rev.ID); err != nil {
		return nil, err
	}
	// The page row: the new latest revision, and for a page that is not live
	// its content too; when optimistic, only if the page is still as seen.
	sets := `latest_revision_id = $3, has_unpublished_changes = TRUE, updated_at = $4, draft_title = $5`
	args := []any{s.site, p.ID, rev.ID, tx.now, c.Title}
	if !p.Live {
		fields, err := json.Marshal(c.Fields)
		if err != nil {
			return nil, err
		}
		sets += `, title = $6, slug = $7, seo_title = $8, search_description = $9, show_in_menus = $10, fields = $11, hide_from_search = $12`
		args = append(args, c.Title, c.Slug, c.SeoTitle, c.SearchDescription, c.ShowInMenus, string(fields), c.HideFromSearch)
	}
	guard := ""
	if optimistic {
		n := len(args)
		guard = fmt.Sprintf(` AND COALESCE(latest_revision_id, 0) = $%d AND scheduled_revision_id IS NULL AND locked = $%d AND COALESCE(locked_by, 0) = $%d`, n+1, n+2, n+3)
		args = append(args, p.LatestRevisionID, p.Locked, p.LockedBy)
	}
	res, err := tx.ExecContext(ctx, `UPDATE pages SET `+sets+` WHERE site_id = $1 AND id = $2`+guard, args...)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, canopy.FieldErrorf("base_revision", canopy.ECONFLICT, "page %q was changed (saved, locked or scheduled) while you were saving; reload it and try again", p.Title)
	}
	p.LatestRevisionID, p.HasUnpublishedChanges, p.UpdatedAt, p.DraftTitle = rev.ID, true, tx.now, c.Title
	tx.searchPage(s.site, p.ID)
	if !p.Live {
		p.Title, p.Slug, p.SeoTitle, p.SearchDescription, p.ShowInMenus, p.Fields = c.Title, c.Slug, c.SeoTitle, c.SearchDescription, c.ShowInMenus, c.Fields
		p.HideFromSearch = c.HideFromSearch
	}
	action, data := "edit", map[string]any{"revision_id": rev.ID}
	if from, ok := ctx.Value(revertKey{}).(int64); ok {
		action, data["reverted_revision_id"] = "revert", from
	}
	if err := tx.log(ctx, s.site, action, "page", p.ID, c.Title, data); err != nil {
		return nil, err
	}
	if moderated {
		if err := s.restartForReapproval(ctx, tx, p); err != nil {
			return nil, err
		}
	}
	return rev, tx.touchSite(ctx, s.site)
}

// Publish makes a revision (default: the latest) the live version of the page,
// and returns the page as it now is (no re-read).
func (s *SiteDB) Publish(ctx context.Context, pageID, revisionID int64) (page *canopy.Page, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		p, running, err := s.findPageForWrite(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if p.IsRoot() {
			return canopy.Errorf(canopy.EINVALID, "the tree root cannot be published")
		}
		if revisionID == 0 {
			revisionID = p.LatestRevisionID
		}
		rev, err := s.findRevision(ctx, tx, pageID, revisionID)
		if err != nil {
			return err
		}
		if err := s.checkPageRefs(ctx, tx, p.Type, rev.Content.Fields); err != nil {
			return err
		}
		if err := s.publishOrSchedule(ctx, tx, p, rev); err != nil {
			return err
		}
		// Publishing directly cancels the page's running workflow.
		if running != 0 {
			if err := s.cancelState(ctx, tx, running); err != nil {
				return err
			}
			if err := tx.log(ctx, s.site, "workflow_cancel", "page", p.ID, p.Title, map[string]any{"reason": "published directly"}); err != nil {
				return err
			}
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		page = p
		return nil
	})
	return page, err
}

// findPageForWrite loads a page of the site with the id of its running
// workflow state (0 if none), in one statement.
func (s *SiteDB) findPageForWrite(ctx context.Context, tx *Tx, id int64) (*canopy.Page, int64, error) {
	var running sql.NullInt64
	p, err := scanPage(extraScan{tx.QueryRowContext(ctx, `SELECT `+pageColumns+`,
		(SELECT ws.id FROM workflow_states ws WHERE ws.site_id = pages.site_id AND ws.page_id = pages.id AND ws.status IN ('in_progress', 'needs_changes'))
		FROM pages WHERE site_id = $1 AND id = $2`, s.site, id), []any{&running}})
	if err == sql.ErrNoRows {
		return nil, 0, canopy.Errorf(canopy.ENOTFOUND, "page %d not found", id)
	}
	return p, running.Int64, err
}

// publishOrSchedule publishes a revision now, or, when its go-live time is in
// the future, schedules it (the page stays as it is until the scheduler
// publishes it), and logs which.
func (s *SiteDB) publishOrSchedule(ctx context.Context, tx *Tx, p *canopy.Page, rev *canopy.Revision) error {
	if err := rev.Content.ValidateSchedule(tx.now); err != nil {
		return err
	}
	if g := rev.Content.GoLiveAt; g != nil && g.After(tx.now) {
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET scheduled_revision_id = $2, go_live_at = $3, updated_at = $4 WHERE id = $1 AND site_id = $5`,
			p.ID, rev.ID, *g, tx.now, s.site); err != nil {
			return err
		}
		t := g.UTC()
		p.ScheduledRevisionID, p.GoLiveAt, p.UpdatedAt = rev.ID, &t, tx.now
		return tx.log(ctx, s.site, "schedule_publish", "page", p.ID, rev.Content.Title,
			map[string]any{"revision_id": rev.ID, "go_live_at": g.UTC().Format(time.RFC3339)})
	}
	// The title that was live, for the rename entry Wagtail records when a
	// published revision changes it.
	oldTitle := ""
	if p.Live {
		oldTitle = p.Title
	} else if p.LiveRevisionID != 0 {
		if live, err := s.findRevision(ctx, tx, p.ID, p.LiveRevisionID); err == nil {
			oldTitle = live.Content.Title
		}
	}
	if err := s.publishNow(ctx, tx, p, rev); err != nil {
		return err
	}
	entries := []logItem{{"publish", "page", p.ID, rev.Content.Title, map[string]any{"revision_id": rev.ID}}}
	if oldTitle != "" && oldTitle != rev.Content.Title {
		entries = append(entries, logItem{"rename", "page", p.ID, rev.Content.Title, map[string]any{"old_title": oldTitle, "new_title": rev.Content.Title, "revision_id": rev.ID}})
	}
	return tx.logMany(ctx, s.site, entries)
}

// publishNow makes a revision live at once: its content, its expiry, and the
// end of any schedule (publishing directly replaces a scheduled revision).
func (s *SiteDB) publishNow(ctx context.Context, tx *Tx, p *canopy.Page, rev *canopy.Revision) error {
	c := rev.Content
	if err := s.prepareSlug(ctx, tx, p, c.Slug); err != nil {
		return err
	}
	fields, err := json.Marshal(nonNil(c.Fields))
	if err != nil {
		return err
	}
	// Content, live state and schedule in one statement.
	if _, err := tx.ExecContext(ctx, `UPDATE pages SET title = $3, slug = $4, seo_title = $5, search_description = $6, show_in_menus = $7, fields = $8, hide_from_search = $12,
		live = TRUE, live_revision_id = $9, has_unpublished_changes = (latest_revision_id <> $9),
		first_published_at = COALESCE(first_published_at, $10), last_published_at = $10, updated_at = $10,
		scheduled_revision_id = NULL, go_live_at = NULL, expire_at = $11, expired = FALSE
		WHERE site_id = $1 AND id = $2`,
		s.site, p.ID, c.Title, c.Slug, c.SeoTitle, c.SearchDescription, c.ShowInMenus, string(fields), rev.ID, tx.now, c.ExpireAt, c.HideFromSearch); err != nil {
		return err
	}
	tx.searchPage(s.site, p.ID)
	tx.purgeWithParent(s.site, p.URLPath)
	now := tx.now
	p.Title, p.Slug, p.SeoTitle, p.SearchDescription, p.ShowInMenus, p.Fields = c.Title, c.Slug, c.SeoTitle, c.SearchDescription, c.ShowInMenus, nonNil(c.Fields)
	p.HideFromSearch = c.HideFromSearch
	p.Live, p.LiveRevisionID, p.HasUnpublishedChanges = true, rev.ID, p.LatestRevisionID != rev.ID
	if p.FirstPublishedAt == nil {
		p.FirstPublishedAt = &now
	}
	p.LastPublishedAt, p.UpdatedAt = &now, now
	p.ScheduledRevisionID, p.GoLiveAt, p.Expired = 0, nil, false
	p.ExpireAt = nil
	if c.ExpireAt != nil {
		t := c.ExpireAt.UTC()
		p.ExpireAt = &t
	}
	return nil
}

// Unschedule cancels a page's scheduled publication (the page unlocks).
func (s *SiteDB) Unschedule(ctx context.Context, pageID int64) (page *canopy.Page, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if p.ScheduledRevisionID == 0 {
			return canopy.Errorf(canopy.EINVALID, "page %q has no scheduled publication", p.Title)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET scheduled_revision_id = NULL, go_live_at = NULL, updated_at = $2 WHERE id = $1 AND site_id = $3`, p.ID, tx.now, s.site); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "unschedule", "page", p.ID, p.Title, map[string]any{"revision_id": p.ScheduledRevisionID}); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		page, err = s.findPage(ctx, tx, pageID)
		return err
	})
	return page, err
}

func publishRevision(ctx context.Context, tx *Tx, p *canopy.Page, rev *canopy.Revision) error {
	_, err := tx.ExecContext(ctx, `UPDATE pages SET live = TRUE, live_revision_id = $2,
		has_unpublished_changes = (latest_revision_id <> $2),
		first_published_at = COALESCE(first_published_at, $3), last_published_at = $3, updated_at = $3
		WHERE id = $1 AND site_id = $4`, p.ID, rev.ID, tx.now, p.SiteID)
	tx.searchPage(p.SiteID, p.ID)
	return err
}

// Unpublish takes a page (and, if asked, every page below it) off the site.
func (s *SiteDB) Unpublish(ctx context.Context, pageID int64, includeDescendants bool) (page *canopy.Page, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if p.IsRoot() {
			return canopy.Errorf(canopy.EINVALID, "the tree root cannot be unpublished")
		}
		if !p.Live {
			return canopy.Errorf(canopy.EINVALID, "page %q is not live", p.Title)
		}
		q := `UPDATE pages SET live = FALSE, has_unpublished_changes = TRUE, live_revision_id = NULL, updated_at = $3 WHERE site_id = $1 AND id = $2`
		args := []any{s.site, p.ID, tx.now}
		if includeDescendants {
			q = `UPDATE pages SET live = FALSE, has_unpublished_changes = TRUE, live_revision_id = NULL, updated_at = $3 WHERE site_id = $1 AND live AND path >= $2 AND path < $4`
			args = []any{s.site, p.Path, tx.now, canopy.PathUpperBound(p.Path)}
		}
		if includeDescendants {
			// The pages going off the site leave the public index.
			err := eachRow(scanInt64, func(id int64) { tx.searchPage(s.site, id) })(tx.QueryContext(ctx,
				`SELECT id FROM pages WHERE site_id = $1 AND live AND path >= $2 AND path < $3`, s.site, p.Path, canopy.PathUpperBound(p.Path)))
			if err != nil {
				return err
			}
		}
		tx.searchPage(s.site, p.ID)
		if includeDescendants {
			if err := tx.purgeLiveSubtree(ctx, s.site, p.Path, nil); err != nil {
				return err
			}
		} else {
			tx.purgeWithParent(s.site, p.URLPath)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "unpublish", "page", p.ID, p.Title, map[string]any{"include_descendants": includeDescendants}); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		page, err = s.findPage(ctx, tx, pageID)
		return err
	})
	return page, err
}

// Move makes a page (with its subtree) a child of newParentID, appended last or
// at position (0-based) among the new siblings.
func (s *SiteDB) Move(ctx context.Context, pageID, newParentID int64, position *int) (page *canopy.Page, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		p, target, err := s.sourceAndDestination(ctx, tx, pageID, newParentID, "moved")
		if err != nil {
			return err
		}
		if target.ID == p.ID || strings.HasPrefix(target.Path, p.Path) {
			return canopy.Errorf(canopy.EINVALID, "a page cannot be moved under itself or one of its descendants")
		}
		if target.ID != p.ParentID {
			if !s.types.AllowedUnder(target.Type, p.Type) {
				return canopy.Errorf(canopy.EINVALID, "a %s cannot be placed under a %s (%q)", p.Type, target.Type, target.Title)
			}
			if err := s.checkSlugFree(ctx, tx, target.ID, p.Slug, p.ID); err != nil {
				return err
			}
			newPath, err := nextChildPath(ctx, tx, target)
			if err != nil {
				return err
			}
			newURL := target.URLPath + p.Slug + "/"
			if err := s.rewriteSubtree(ctx, tx, p.Path, newPath, target.Depth+1-p.Depth, p.URLPath, newURL); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE pages SET parent_id = $3 WHERE site_id = $1 AND id = $2`, s.site, p.ID, target.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE pages SET numchild = numchild - 1 WHERE site_id = $1 AND id = $2`, s.site, p.ParentID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE pages SET numchild = numchild + 1 WHERE site_id = $1 AND id = $2`, s.site, target.ID); err != nil {
				return err
			}
		}
		if position != nil {
			if err := s.placeAt(ctx, tx, target, p.ID, *position); err != nil {
				return err
			}
		}
		// Within the same parent it is a reorder, as Wagtail logs it.
		action, data := "move", map[string]any{"from_parent_id": p.ParentID, "to_parent_id": target.ID}
		if target.ID == p.ParentID {
			action, data = "reorder", map[string]any{"parent_id": target.ID, "position": position}
		}
		if err := tx.log(ctx, s.site, action, "page", p.ID, p.Title, data); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		page, err = s.findPage(ctx, tx, pageID)
		return err
	})
	return page, err
}

// sourceAndDestination loads the page to move or copy (never a home page) and
// its destination, both of this site: another site's page is not found.
func (s *SiteDB) sourceAndDestination(ctx context.Context, tx *Tx, pageID, destID int64, verb string) (*canopy.Page, *canopy.Page, error) {
	p, err := s.findPage(ctx, tx, pageID)
	if err != nil {
		return nil, nil, err
	}
	if p.Depth <= 2 {
		return nil, nil, canopy.Errorf(canopy.EINVALID, "a site's home page cannot be %s", verb)
	}
	dest, err := s.findPage(ctx, tx, destID)
	if err != nil {
		return nil, nil, canopy.Errorf(canopy.ENOTFOUND, "destination page %d not found on this site", destID)
	}
	return p, dest, nil
}

// placeAt moves child to index pos among parent's children.
func (s *SiteDB) placeAt(ctx context.Context, tx *Tx, parent *canopy.Page, childID int64, pos int) error {
	ids, err := s.childIDs(ctx, tx, parent.ID)
	if err != nil {
		return err
	}
	if pos < 0 || pos >= len(ids) {
		return canopy.Errorf(canopy.EINVALID, "position %d is out of range (0-%d)", pos, len(ids)-1)
	}
	order := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != childID {
			order = append(order, id)
		}
	}
	order = append(order[:pos], append([]int64{childID}, order[pos:]...)...)
	return s.reorder(ctx, tx, parent, order)
}

func (s *SiteDB) childIDs(ctx context.Context, tx *Tx, parentID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM pages WHERE site_id = $1 AND parent_id = $2 ORDER BY path`, s.site, parentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ReorderChildren puts a page's children in the given order; ids must name
// every child exactly once.
func (s *SiteDB) ReorderChildren(ctx context.Context, parentID int64, ids []int64) error {
	return s.db.write(ctx, func(tx *Tx) error {
		parent, err := s.findPage(ctx, tx, parentID)
		if err != nil {
			return err
		}
		current, err := s.childIDs(ctx, tx, parentID)
		if err != nil {
			return err
		}
		want := map[int64]bool{}
		for _, id := range current {
			want[id] = true
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			if !want[id] {
				return canopy.Errorf(canopy.EINVALID, "page %d is not a child of page %d", id, parentID)
			}
			if seen[id] {
				return canopy.Errorf(canopy.EINVALID, "page %d is listed twice", id)
			}
			seen[id] = true
		}
		if len(ids) != len(current) {
			return canopy.Errorf(canopy.EINVALID, "the order must list all %d children of page %d", len(current), parentID)
		}
		if err := s.reorder(ctx, tx, parent, ids); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "reorder", "page", parent.ID, parent.Title, map[string]any{"order": ids}); err != nil {
			return err
		}
		return tx.touchSite(ctx, s.site)
	})
}

// reorder renumbers parent's children 1..n in the given order. Children whose
// step changes are first parked under a temporary prefix, so no two subtrees
// ever share a path, then placed.
func (s *SiteDB) reorder(ctx context.Context, tx *Tx, parent *canopy.Page, ids []int64) error {
	paths := map[int64]string{}
	err := scanIDPaths(tx.QueryContext(ctx, `SELECT id, path FROM pages WHERE site_id = $1 AND parent_id = $2`, s.site, parent.ID))(func(id int64, p string) {
		paths[id] = p
	})
	if err != nil {
		return err
	}
	type mv struct{ from, to string }
	var moves []mv
	for i, id := range ids {
		to := canopy.ChildPath(parent.Path, i+1)
		if paths[id] != to {
			moves = append(moves, mv{paths[id], to})
		}
	}
	for _, m := range moves {
		if err := s.rewritePaths(ctx, tx, m.from, "~"+m.from); err != nil {
			return err
		}
	}
	for _, m := range moves {
		if err := s.rewritePaths(ctx, tx, "~"+m.from, m.to); err != nil {
			return err
		}
	}
	return nil
}

func (s *SiteDB) rewritePaths(ctx context.Context, tx *Tx, oldPrefix, newPrefix string) error {
	_, err := tx.ExecContext(ctx, `UPDATE pages SET path = $4 || substr(path, $5) WHERE site_id = $1 AND path >= $2 AND path < $3`,
		s.site, oldPrefix, canopy.PathUpperBound(oldPrefix), newPrefix, len(oldPrefix)+1)
	return err
}

// CopyOptions controls Copy.
type CopyOptions struct {
	Slug               string // new slug for the copy's root (default: the original's)
	Title              string // new title for the copy's root (default: the original's)
	IncludeDescendants bool
	KeepLive           bool // copies of live pages stay live; otherwise drafts
	UserID             int64
}

// Copy duplicates a page (and optionally its subtree) under newParentID. Copies
// are owned by the copier and get a fresh revision each.
func (s *SiteDB) Copy(ctx context.Context, pageID, newParentID int64, opt CopyOptions) (page *canopy.Page, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		src, target, err := s.sourceAndDestination(ctx, tx, pageID, newParentID, "copied")
		if err != nil {
			return err
		}
		if opt.IncludeDescendants && strings.HasPrefix(target.Path, src.Path) {
			return canopy.Errorf(canopy.EINVALID, "a page cannot be copied with its descendants into its own subtree")
		}
		if err := s.checkCreatable(ctx, tx, target, src.Type); err != nil {
			return err
		}
		slug := opt.Slug
		if slug == "" {
			slug = src.Slug
		}
		if err := s.checkSlugFree(ctx, tx, target.ID, slug, 0); err != nil {
			return err
		}
		pages := []*canopy.Page{src}
		if opt.IncludeDescendants {
			desc, err := scanPages(tx.QueryContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE site_id = $1 AND path > $2 AND path < $3 ORDER BY path`,
				s.site, src.Path, canopy.PathUpperBound(src.Path)))
			if err != nil {
				return err
			}
			pages = append(pages, desc...)
		}
		newRoot, err := nextChildPath(ctx, tx, target)
		if err != nil {
			return err
		}
		newURL := target.URLPath + slug + "/"
		newIDs := map[int64]int64{src.ParentID: target.ID}
		for i, p := range pages {
			c := p.Content()
			draft := c
			if p.HasUnpublishedChanges && p.Live && p.LatestRevisionID != 0 {
				rev, err := s.findRevision(ctx, tx, p.ID, p.LatestRevisionID)
				if err != nil {
					return err
				}
				draft = rev.Content
			}
			path := newRoot + p.Path[len(src.Path):]
			urlPath := newURL + p.URLPath[len(src.URLPath):]
			if i == 0 {
				c.Slug, draft.Slug = slug, slug
				if opt.Title != "" {
					c.Title, draft.Title = opt.Title, opt.Title
				}
				urlPath = newURL
			}
			// A copy meets today's rules of its type (they may be newer than
			// the original).
			if pt := s.types.Get(p.Type); pt != nil {
				for _, v := range []canopy.PageContent{c, draft} {
					if errs := pt.RuleErrors(v.Fields); len(errs) > 0 {
						return canopy.FieldErrorf(errs[0].Field, canopy.EINVALID, "“%s” cannot be copied: %s", v.Title, errs[0].Message)
					}
				}
			}
			live := opt.KeepLive && p.Live
			fields, _ := json.Marshal(nonNil(c.Fields))
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO pages (site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path,
				seo_title, search_description, show_in_menus, hide_from_search, fields, owner_id, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`,
				s.site, newIDs[p.ParentID], path, p.Depth-src.Depth+target.Depth+1, numChildCopied(p, opt.IncludeDescendants), p.Type,
				c.Title, c.Slug, urlPath, c.SeoTitle, c.SearchDescription, c.ShowInMenus, c.HideFromSearch, string(fields), nullID(opt.UserID), tx.now).Scan(&id)
			if err != nil {
				return err
			}
			newIDs[p.ID] = id
			np := &canopy.Page{ID: id, SiteID: s.site}
			rev, err := insertRevision(ctx, tx, np, c, opt.UserID)
			if err != nil {
				return err
			}
			// Each copy is in the history as created (and published, if
			// kept live), then the copy itself.
			if err := tx.log(ctx, s.site, "create", "page", id, c.Title, map[string]any{"parent_id": newIDs[p.ParentID], "type": p.Type,
				"published": live, "copied_from": p.ID}); err != nil {
				return err
			}
			if live {
				if err := publishRevision(ctx, tx, np, rev); err != nil {
					return err
				}
				tx.purgeWithParent(s.site, urlPath)
				if err := tx.log(ctx, s.site, "publish", "page", id, c.Title, map[string]any{"revision_id": rev.ID}); err != nil {
					return err
				}
			}
			if p.HasUnpublishedChanges && p.Live {
				if _, err := insertRevision(ctx, tx, np, draft, opt.UserID); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET numchild = numchild + 1 WHERE id = $1 AND site_id = $2`, target.ID, s.site); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "copy", "page", newIDs[src.ID], src.Title, map[string]any{"source_id": src.ID, "parent_id": target.ID,
			"pages": len(pages), "keep_live": opt.KeepLive}); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		page, err = s.findPage(ctx, tx, newIDs[src.ID])
		return err
	})
	return page, err
}

func numChildCopied(p *canopy.Page, withDescendants bool) int {
	if withDescendants {
		return p.NumChild
	}
	return 0
}

// Delete removes a page and its whole subtree (revisions go with them).
func (s *SiteDB) Delete(ctx context.Context, pageID int64) (deleted int, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if p.Depth <= 2 {
			return canopy.Errorf(canopy.EINVALID, "a site's home page cannot be deleted; delete the site instead")
		}
		// One history entry per deleted page (descendants first, then the page).
		type gone struct {
			id    int64
			title string
		}
		var below []gone
		err = eachRow(func(r scanner) (gone, error) {
			var g gone
			return g, r.Scan(&g.id, &g.title)
		}, func(g gone) { below = append(below, g) })(tx.QueryContext(ctx, `SELECT id, title FROM pages WHERE site_id = $1 AND path > $2 AND path < $3 ORDER BY path DESC`,
			s.site, p.Path, canopy.PathUpperBound(p.Path)))
		if err != nil {
			return err
		}
		for _, g := range below {
			if err := tx.log(ctx, s.site, "delete", "page", g.id, g.title, map[string]any{"with_ancestor_id": p.ID}); err != nil {
				return err
			}
			tx.searchPage(s.site, g.id)
		}
		tx.searchPage(s.site, p.ID)
		// The live pages' addresses are remembered (410 Gone for a while)
		// and purged from front-end caches; entries over a year old go.
		if err := tx.purgeLiveSubtree(ctx, s.site, p.Path, nil); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deleted_pages (site_id, url_path, deleted_at)
			SELECT site_id, url_path, $4 FROM pages WHERE site_id = $1 AND path >= $2 AND path < $3 AND live
			ON CONFLICT (site_id, url_path) DO UPDATE SET deleted_at = excluded.deleted_at`, s.site, p.Path, canopy.PathUpperBound(p.Path), tx.now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM deleted_pages WHERE site_id = $1 AND deleted_at < $2`, s.site, tx.now.AddDate(-1, 0, 0)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM pages WHERE site_id = $1 AND path >= $2 AND path < $3`, s.site, p.Path, canopy.PathUpperBound(p.Path))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		deleted = int(n)
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET numchild = numchild - 1 WHERE site_id = $1 AND id = $2`, s.site, p.ParentID); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "delete", "page", p.ID, p.Title, map[string]any{"pages": deleted}); err != nil {
			return err
		}
		return tx.touchSite(ctx, s.site)
	})
	return deleted, err
}

func (s *SiteDB) findRevision(ctx context.Context, tx *Tx, pageID, revID int64) (*canopy.Revision, error) {
	r, err := scanRevision(tx.QueryRowContext(ctx, `SELECT `+revisionColumns+` FROM revisions WHERE site_id = $1 AND page_id = $2 AND id = $3`,
		s.site, pageID, revID))
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "revision %d of page %d not found", revID, pageID)
	}
	return r, err
}

const revisionColumns = `id, page_id, site_id, user_id, content, created_at`

func scanRevision(row scanner) (*canopy.Revision, error) {
	r := &canopy.Revision{}
	var user sql.NullInt64
	var body string
	if err := row.Scan(&r.ID, &r.PageID, &r.SiteID, &user, &body, &r.CreatedAt); err != nil {
		return nil, err
	}
	r.UserID = user.Int64
	r.CreatedAt = r.CreatedAt.UTC()
	return r, json.Unmarshal([]byte(body), &r.Content)
}

// scanIDPaths returns a function that feeds each (id, path) row to fn.
func scanIDPaths(rows *sql.Rows, err error) func(fn func(id int64, path string)) error {
	return func(fn func(int64, string)) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var p string
			if err := rows.Scan(&id, &p); err != nil {
				return err
			}
			fn(id, p)
		}
		return rows.Err()
	}
}

// Revision returns one revision of a page.
func (s *SiteDB) Revision(ctx context.Context, pageID, revID int64) (r *canopy.Revision, err error) {
	err = s.db.read(ctx, func(tx *Tx) error { r, err = s.findRevision(ctx, tx, pageID, revID); return err })
	return r, err
}

// Revisions lists a page's revisions, newest first.
func (s *SiteDB) Revisions(ctx context.Context, pageID int64) (out []*canopy.Revision, err error) {
	out, _, err = s.RevisionsPage(ctx, pageID, -1, 0)
	return out, err
}

// RevisionsPage lists one page of a page's revisions, newest first (limit < 0:
// all), with their total count; paged in SQL.
func (s *SiteDB) RevisionsPage(ctx context.Context, pageID int64, limit, offset int) (out []*canopy.Revision, total int, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		if _, err := s.findPage(ctx, tx, pageID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM revisions WHERE site_id = $1 AND page_id = $2`, s.site, pageID).Scan(&total); err != nil {
			return err
		}
		page := pageClause(limit, offset)
		rows, err := tx.QueryContext(ctx, `SELECT `+revisionColumns+` FROM revisions WHERE site_id = $1 AND page_id = $2 ORDER BY id DESC`+page, s.site, pageID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRevision(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, total, err
}

// PageWithAncestors returns the page at a site-relative URL path together with
// the site's pages above it (home first), in one query: an ancestor's url_path
// is a prefix of the page's.
func (s *SiteDB) PageWithAncestors(ctx context.Context, urlPath string) (page *canopy.Page, ancestors []*canopy.Page, err error) {
	prefixes := []string{"/"}
	for i := 1; i < len(urlPath); i++ {
		if urlPath[i] == '/' {
			prefixes = append(prefixes, urlPath[:i+1])
		}
	}
	if len(prefixes) > 64 {
		return nil, nil, canopy.Errorf(canopy.ENOTFOUND, "no page at %s", urlPath)
	}
	args := make([]any, 0, len(prefixes)+1)
	args = append(args, s.site)
	var ph strings.Builder
	for i, p := range prefixes {
		if i > 0 {
			ph.WriteString(", ")
		}
		args = append(args, p)
		fmt.Fprintf(&ph, "$%d", i+2)
	}
	err = s.db.read(ctx, func(tx *Tx) error {
		pages, err := scanPages(tx.QueryContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE site_id = $1 AND url_path IN (`+ph.String()+`) ORDER BY path`, args...))
		if err != nil {
			return err
		}
		if len(pages) == 0 || pages[len(pages)-1].URLPath != urlPath {
			return canopy.Errorf(canopy.ENOTFOUND, "no page at %s", urlPath)
		}
		page, ancestors = pages[len(pages)-1], pages[:len(pages)-1]
		return nil
	})
	return page, ancestors, err
}

// SetLock locks or unlocks a page. Locking a locked page or unlocking an
// unlocked one changes nothing and is not logged twice.
func (s *SiteDB) SetLock(ctx context.Context, pageID int64, lock bool) (page *canopy.Page, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if p.IsRoot() {
			return canopy.Errorf(canopy.EINVALID, "the tree root cannot be locked")
		}
		if p.Locked != lock {
			actor := actorOf(ctx).UserID
			if lock {
				_, err = tx.ExecContext(ctx, `UPDATE pages SET locked = TRUE, locked_by = $3, locked_at = $4 WHERE site_id = $1 AND id = $2`, s.site, p.ID, nullID(actor), tx.now)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE pages SET locked = FALSE, locked_by = NULL, locked_at = NULL WHERE site_id = $1 AND id = $2`, s.site, p.ID)
			}
			if err != nil {
				return err
			}
			action := "unlock"
			if lock {
				action = "lock"
			}
			if err := tx.log(ctx, s.site, action, "page", p.ID, p.Title, nil); err != nil {
				return err
			}
		}
		page, err = s.findPage(ctx, tx, pageID)
		return err
	})
	return page, err
}

// SubtreeFacts returns what delete and move decisions need to know about a
// page's subtree, for the given user, in one query.
func (s *SiteDB) SubtreeFacts(ctx context.Context, p *canopy.Page, userID int64) (anyLive, allOwned bool, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		var live, notOwned int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN live THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN owner_id = $4 THEN 0 ELSE 1 END), 0)
			FROM pages WHERE site_id = $1 AND path >= $2 AND path < $3`, s.site, p.Path, canopy.PathUpperBound(p.Path), userID).Scan(&live, &notOwned); err != nil {
			return err
		}
		anyLive, allOwned = live > 0, notOwned == 0
		return nil
	})
	return anyLive, allOwned, err
}

// ChildrenFacts returns, for each child of parent (by its path), whether
// anything in its subtree is live and whether the user owns all of it: one
// grouped range scan over the parent's descendants, no join (so the plan does
// not depend on the planner's statistics).
func (s *SiteDB) ChildrenFacts(ctx context.Context, parent *canopy.Page, userID int64) (map[string][2]bool, error) {
	out := map[string][2]bool{}
	prefixLen := len(parent.Path) + canopy.StepLen
	err := s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT substr(path, 1, $4), COALESCE(SUM(CASE WHEN live THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN owner_id = $5 THEN 0 ELSE 1 END), 0)
			FROM pages WHERE site_id = $1 AND path > $2 AND path < $3 GROUP BY substr(path, 1, $4)`,
			s.site, parent.Path, canopy.PathUpperBound(parent.Path), prefixLen, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var path string
			var live, notOwned int
			if err := rows.Scan(&path, &live, &notOwned); err != nil {
				return err
			}
			out[path] = [2]bool{live > 0, notOwned == 0}
		}
		return rows.Err()
	})
	return out, err
}

// PageByPath returns the site's page at a tree path.
func (s *SiteDB) PageByPath(ctx context.Context, path string) (p *canopy.Page, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		p, err = scanPage(tx.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE site_id = $1 AND path = $2`, s.site, path))
		if err == sql.ErrNoRows {
			return canopy.Errorf(canopy.ENOTFOUND, "no page at that position")
		}
		return err
	})
	return p, err
}

// SiteDB is the content handle delivery and the content API read through.
var _ canopy.SiteContent = (*SiteDB)(nil)

// SitemapEntries lists one page of the site's live pages below the root, in
// tree order, with the time each was last published and how many there are:
// one statement, no content read.
func (s *SiteDB) SitemapEntries(ctx context.Context, limit, offset int) (out []canopy.SitemapEntry, total int, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT path, url_path, last_published_at, count(*) OVER () FROM pages
			WHERE site_id = $1 AND depth > 1 AND live AND NOT hide_from_search ORDER BY path`+pageClause(limit, offset), s.site)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e canopy.SitemapEntry
			var published sql.NullTime
			if err := rows.Scan(&e.Path, &e.URLPath, &published, &total); err != nil {
				return err
			}
			e.LastMod = published.Time.UTC() // zero (left out) if never stamped
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, total, err
}
