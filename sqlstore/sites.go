package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

const siteColumns = `s.id, s.hostname, s.port, s.name, s.is_default, s.theme, s.content_version, s.created_at, COALESCE(h.id, 0), COALESCE(c.id, 0), s.features, s.language, s.aliases`
const siteFrom = ` FROM sites s LEFT JOIN pages h ON h.site_id = s.id AND h.depth = 2 LEFT JOIN collections c ON c.site_id = s.id AND c.depth = 1`

func scanSite(row interface{ Scan(...any) error }) (*canopy.Site, error) {
	s := &canopy.Site{}
	var features, aliases string
	if err := row.Scan(&s.ID, &s.Hostname, &s.Port, &s.Name, &s.IsDefault, &s.Theme, &s.Version, &s.CreatedAt, &s.RootPageID, &s.RootCollectionID, &features, &s.Language, &aliases); err != nil {
		return s, err
	}
	s.CreatedAt = s.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(aliases), &s.Aliases); err != nil {
		return s, err
	}
	return s, json.Unmarshal([]byte(features), &s.Features)
}

// Sites returns every site, ordered by hostname and port.
func (db *DB) Sites(ctx context.Context) ([]*canopy.Site, error) {
	var out []*canopy.Site
	err := db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+siteColumns+siteFrom+` ORDER BY s.hostname, s.port`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanSite(rows)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	return out, err
}

// SiteOrders are the orderings a site list may ask for (a leading "-" sorts
// descending); each is unique (hostname and port are), so pages never
// overlap, and each is an index (migration 20), so a page is read, not sorted.
var SiteOrders = map[string]string{
	"hostname":    "s.hostname, s.port",
	"-hostname":   "s.hostname DESC, s.port DESC",
	"name":        "lower(s.name), s.hostname, s.port",
	"-name":       "lower(s.name) DESC, s.hostname DESC, s.port DESC",
	"created_at":  "s.created_at, s.id",
	"-created_at": "s.created_at DESC, s.id DESC",
	"id":          "s.id",
	"-id":         "s.id DESC",
}

// SearchSites returns one page of the sites whose hostname or name contains
// q (case-insensitively; "" matches all), in the given order (a key of
// SiteOrders; "" is hostname), and how many match in all. Paged in SQL.
func (db *DB) SearchSites(ctx context.Context, q string, order string, limit, offset int) (out []*canopy.Site, total int, err error) {
	if order == "" {
		order = "hostname"
	}
	by, ok := SiteOrders[order]
	if !ok {
		return nil, 0, canopy.FieldErrorf("order", canopy.EINVALID, "order must be one of hostname, name, created_at, id (with - for descending)")
	}
	where, args := "", []any{}
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		args = append(args, "%"+likeEscape(q)+"%")
		where = ` WHERE (s.hostname LIKE $1 ESCAPE '\' OR lower(s.name) LIKE $1 ESCAPE '\')`
	}
	out = []*canopy.Site{}
	err = db.read(ctx, func(tx *Tx) error {
		var rows *sql.Rows
		var err error
		if where == "" {
			// Everything: the count and the page from the indexes.
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sites`).Scan(&total); err != nil {
				return err
			}
			if limit == 0 || offset >= total {
				return nil
			}
			rows, err = tx.QueryContext(ctx, `SELECT `+siteColumns+siteFrom+` ORDER BY `+by+pageClause(limit, offset))
		} else {
			// A search reads the sites once: the matching ids in order
			// (their number is the total), then the page of them by id.
			var ids []int64
			if err := eachRow(scanInt64, func(id int64) { ids = append(ids, id) })(
				tx.QueryContext(ctx, `SELECT s.id FROM sites s`+where+` ORDER BY `+by, args...)); err != nil {
				return err
			}
			total = len(ids)
			if limit == 0 || offset >= total {
				return nil
			}
			if limit > 0 {
				ids = ids[offset:min(total, offset+limit)]
			} else {
				ids = ids[offset:] // a negative limit: every match
			}
			marks := make([]string, len(ids))
			idArgs := make([]any, len(ids))
			for i, id := range ids {
				marks[i], idArgs[i] = fmt.Sprintf("$%d", i+1), id
			}
			rows, err = tx.QueryContext(ctx, `SELECT `+siteColumns+siteFrom+` WHERE s.id IN (`+strings.Join(marks, ",")+`) ORDER BY `+by, idArgs...)
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanSite(rows)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	return out, total, err
}

// SiteByID returns one site.
func (db *DB) SiteByID(ctx context.Context, id int64) (*canopy.Site, error) {
	var s *canopy.Site
	err := db.read(ctx, func(tx *Tx) (err error) {
		s, err = findSite(ctx, tx, id)
		return err
	})
	return s, err
}

func findSite(ctx context.Context, tx *Tx, id int64) (*canopy.Site, error) {
	s, err := scanSite(tx.QueryRowContext(ctx, `SELECT `+siteColumns+siteFrom+` WHERE s.id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "site %d not found", id)
	}
	return s, err
}

// NewSite is canopy.NewSite (the domain type; this alias keeps the store readable).
type NewSite = canopy.NewSite

// SiteTemplate is canopy.TemplateContent (the domain type; this alias keeps the store readable).
type SiteTemplate = canopy.TemplateContent

// TemplateSnippet is canopy.TemplateSnippet (the domain type; this alias keeps the store readable).
type TemplateSnippet = canopy.TemplateSnippet

// GroupSpec is canopy.GroupSpec (the domain type; this alias keeps the store readable).
type GroupSpec = canopy.GroupSpec

// CreateSite creates a site and its published home page in one transaction.
func (db *DB) CreateSite(ctx context.Context, in NewSite) (*canopy.Site, error) {
	host, err := normalizeHostname(in.Hostname)
	if err != nil {
		return nil, err
	}
	if in.Port == 0 {
		in.Port = 80
	}
	if err := canopy.ValidatePort(in.Port); err != nil {
		return nil, err
	}
	if in.Theme == "" {
		in.Theme = "default"
	}
	if in.Language, err = ValidSiteLanguage(in.Language); err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := canopy.CheckText("the site name", in.Name, 255); err != nil {
		return nil, err
	}
	var site *canopy.Site
	err = db.write(ctx, func(tx *Tx) error {
		if err := checkSiteUnique(ctx, tx, 0, host, in.Port, in.IsDefault); err != nil {
			return err
		}
		if err := checkAliasesFree(ctx, tx, 0, []string{host}); err != nil {
			return err
		}
		var id int64
		features, _ := json.Marshal(nonNilFlags(in.Features))
		err := tx.QueryRowContext(ctx, `INSERT INTO sites (hostname, port, name, is_default, theme, features, language, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7) RETURNING id`, host, in.Port, in.Name, in.IsDefault, in.Theme, string(features), tx.now, in.Language).Scan(&id)
		if err != nil {
			return err
		}
		title := in.HomeTitle
		if title == "" {
			title = in.Name
		}
		if title == "" {
			title = host
		}
		fields, _ := json.Marshal(nonNil(in.HomeFields))
		root, err := findPageByPath(ctx, tx, canopy.RootPath)
		if err != nil {
			return err
		}
		// Home pages are siblings under the global root, so their slugs are unique there.
		slug, err := homeSlug(ctx, tx, root.ID, canopy.Slugify(fmt.Sprintf("%s-%d", host, in.Port)))
		if err != nil {
			return err
		}
		content := canopy.PageContent{Title: title, Slug: slug, Fields: nonNil(in.HomeFields)}
		home, err := insertPage(ctx, tx, id, root, canopy.HomeType, content, string(fields), in.OwnerID)
		if err != nil {
			return err
		}
		rev, err := insertRevision(ctx, tx, home, content, in.OwnerID)
		if err != nil {
			return err
		}
		if err := publishRevision(ctx, tx, home, rev); err != nil {
			return err
		}
		var rootColl int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO collections (site_id, parent_id, path, depth, name, created_at) VALUES ($1, NULL, $2, 1, 'Root', $3) RETURNING id`,
			id, canopy.RootPath, tx.now).Scan(&rootColl); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO site_settings (site_id, name, fields, updated_at) VALUES ($1, $2, '{}', $3)`,
			id, canopy.GeneralSettings, tx.now); err != nil {
			return err
		}
		if in.Template != nil {
			if err := applyTemplate(ctx, tx, &SiteDB{db: db, site: id, types: in.Types}, home, in.Template, in.OwnerID); err != nil {
				return err
			}
		}
		groupIDs := map[string]int64{}
		for _, spec := range in.Groups {
			g := &Group{SiteID: id, Name: spec.Name, IsAdmin: spec.Admin, CreatedAt: tx.now}
			if err := tx.QueryRowContext(ctx, `INSERT INTO groups (site_id, name, is_admin, created_at) VALUES ($1, $2, $3, $4) RETURNING id`, id, spec.Name, spec.Admin, tx.now).Scan(&g.ID); err != nil {
				return err
			}
			var pages []PageGrantRow
			if len(spec.PageActions) > 0 {
				pages = []PageGrantRow{{PageID: home.ID, Actions: spec.PageActions}}
			}
			var colls []CollectionGrantRow
			if len(spec.CollectionPerms) > 0 {
				colls = []CollectionGrantRow{{CollectionID: rootColl, Permissions: spec.CollectionPerms}}
			}
			if err := setGroupGrants(ctx, tx, g.SiteID, g, pages, spec.Models, colls); err != nil {
				return err
			}
			groupIDs[strings.ToLower(spec.Name)] = g.ID
		}
		if in.Workflow != nil {
			sdb := &SiteDB{db: db, site: id, types: in.Types}
			wi := WorkflowInput{Name: in.Workflow.Name, ReapproveOnEdit: in.Workflow.ReapproveOnEdit}
			for _, t := range in.Workflow.Tasks {
				task := WorkflowTask{Name: t.Name, Active: true}
				for _, name := range t.Groups {
					gid, ok := groupIDs[strings.ToLower(name)]
					if !ok {
						return canopy.Errorf(canopy.EINVALID, "the default workflow names group %q, which new sites do not have", name)
					}
					task.GroupIDs = append(task.GroupIDs, gid)
				}
				wi.Tasks = append(wi.Tasks, task)
			}
			wid, err := sdb.saveWorkflow(ctx, tx, 0, wi)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO workflow_pages (page_id, site_id, workflow_id) VALUES ($1, $2, $3)`, home.ID, id, wid); err != nil {
				return err
			}
		}
		if err := tx.log(ctx, id, "create", "site", id, host, map[string]any{"port": in.Port, "name": in.Name}); err != nil {
			return err
		}
		site, err = siteChanged(ctx, tx, id)
		return err
	})
	return site, err
}

// siteChanged marks a site changed in the transaction
// and returns the site as it now is.
func siteChanged(ctx context.Context, tx *Tx, id int64) (*canopy.Site, error) {
	if err := tx.touchSite(ctx, id); err != nil {
		return nil, err
	}
	tx.siteRowChanged(id)
	return findSite(ctx, tx, id)
}

// SiteUpdate is canopy.SiteUpdate (the domain type; this alias keeps the store readable).
type SiteUpdate = canopy.SiteUpdate

// UpdateSite changes a site's attributes: one row, everything else follows.
func (db *DB) UpdateSite(ctx context.Context, id int64, upd SiteUpdate) (*canopy.Site, error) {
	var site *canopy.Site
	err := db.write(ctx, func(tx *Tx) error {
		s, err := findSite(ctx, tx, id)
		if err != nil {
			return err
		}
		if upd.Hostname != nil {
			if s.Hostname, err = normalizeHostname(*upd.Hostname); err != nil {
				return err
			}
		}
		if upd.Port != nil {
			if err := canopy.ValidatePort(*upd.Port); err != nil {
				return err
			}
			s.Port = *upd.Port
		}
		if upd.Name != nil {
			s.Name = strings.TrimSpace(*upd.Name)
			if err := canopy.CheckText("the site name", s.Name, 255); err != nil {
				return err
			}
		}
		if upd.IsDefault != nil {
			s.IsDefault = *upd.IsDefault
		}
		if upd.Theme != nil {
			s.Theme = *upd.Theme
		}
		relanguage := false
		if upd.Language != nil {
			lang, err := ValidSiteLanguage(*upd.Language)
			if err != nil {
				return err
			}
			relanguage, s.Language = lang != s.Language, lang
		}
		if len(upd.Features) > 0 {
			if s.Features == nil {
				s.Features = map[string]bool{}
			}
			for name, v := range upd.Features {
				if v == nil {
					delete(s.Features, name)
				} else {
					s.Features[name] = *v
				}
			}
			if err := canopy.ValidateFeatures(s.Features); err != nil {
				return err
			}
		}
		if upd.Aliases != nil {
			if s.Aliases, err = cleanAliases(*upd.Aliases, s.Hostname); err != nil {
				return err
			}
		}
		if err := checkSiteUnique(ctx, tx, id, s.Hostname, s.Port, s.IsDefault); err != nil {
			return err
		}
		if err := checkAliasesFree(ctx, tx, id, append([]string{s.Hostname}, s.Aliases...)); err != nil {
			return err
		}
		old, _ := findSite(ctx, tx, id)
		features, _ := json.Marshal(nonNilFlags(s.Features))
		aliases, _ := json.Marshal(nonNilStrings(s.Aliases))
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET hostname = $2, port = $3, name = $4, is_default = $5, theme = $6, features = $8, language = $9, aliases = $10, updated_at = $7 WHERE id = $1`,
			id, s.Hostname, s.Port, s.Name, s.IsDefault, s.Theme, tx.now, string(features), s.Language, string(aliases)); err != nil {
			return err
		}
		if relanguage {
			// The site's words are stemmed by its language: index them again.
			if err := tx.reindexSite(ctx, id, db.snippetTypes.Load()); err != nil {
				return err
			}
		}
		data := map[string]any{"old_hostname": old.Hostname, "old_port": old.Port, "hostname": s.Hostname, "port": s.Port,
			"name": s.Name, "is_default": s.IsDefault, "theme": s.Theme, "language": s.Language, "aliases": nonNilStrings(s.Aliases)}
		if len(upd.Features) > 0 {
			data["features"] = s.Features
		}
		if err := tx.log(ctx, id, "edit", "site", id, s.Hostname, data); err != nil {
			return err
		}
		if err := tx.log(ctx, 0, "edit", "site", id, s.Hostname, data); err != nil {
			return err
		}
		site, err = siteChanged(ctx, tx, id)
		return err
	})
	return site, err
}

// cleanAliases normalises a site's other hostnames: valid, distinct, not
// its own hostname, at most 50.
func cleanAliases(in []string, own string) ([]string, error) {
	if len(in) > 50 {
		return nil, canopy.FieldErrorf("aliases", canopy.EINVALID, "a site has at most 50 other hostnames")
	}
	var out []string
	seen := map[string]bool{own: true}
	for _, a := range in {
		if strings.TrimSpace(a) == "" {
			continue
		}
		h, err := normalizeHostname(a)
		if err != nil {
			return nil, canopy.FieldErrorf("aliases", canopy.EINVALID, "%s", canopy.ErrorMessage(err))
		}
		if seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, h)
	}
	return out, nil
}

// hostnamesLock is the PostgreSQL advisory lock that serialises the
// transactions changing sites' hostnames and aliases, so that two of them
// cannot both take one name past checkAliasesFree (SQLite has one writer).
const hostnamesLock = 0x63616e6f7079 // "canopy"

// checkAliasesFree refuses hostnames (a site's own and its aliases) that
// are another site's alias, or an alias that is another site's hostname.
func checkAliasesFree(ctx context.Context, tx *Tx, id int64, names []string) error {
	if tx.db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(hostnamesLock)); err != nil {
			return err
		}
	}
	for i, h := range names {
		var other string
		err := tx.QueryRowContext(ctx, `SELECT hostname FROM sites WHERE id <> $1 AND (aliases LIKE $2 OR ($3 AND hostname = $4)) LIMIT 1`,
			id, `%"`+h+`"%`, i > 0, h).Scan(&other)
		if err == sql.ErrNoRows || canopy.ErrorCode(err) == canopy.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if i == 0 {
			return canopy.FieldErrorf("hostname", canopy.ECONFLICT, "%s is another hostname of the site %s", h, other)
		}
		return canopy.FieldErrorf("aliases", canopy.ECONFLICT, "%s is already the site %s's hostname or one of its other hostnames", h, other)
	}
	return nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// checkSiteUnique gives clear errors for the two uniqueness rules of sites
// before the database's indexes would.
func checkSiteUnique(ctx context.Context, tx *Tx, id int64, host string, port int, isDefault bool) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE hostname = $1 AND port = $2 AND id <> $3`, host, port, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return canopy.Errorf(canopy.ECONFLICT, "a site for %s:%d already exists", host, port)
	}
	if isDefault {
		var other canopy.Site
		err := tx.QueryRowContext(ctx, `SELECT id, hostname, port, name FROM sites WHERE is_default AND id <> $1`, id).
			Scan(&other.ID, &other.Hostname, &other.Port, &other.Name)
		if err == nil {
			return canopy.Errorf(canopy.ECONFLICT, "%s is already the default site; unset it as default first", other.DisplayName())
		}
		if err != sql.ErrNoRows {
			return err
		}
	}
	return nil
}

// SitesByID returns the sites with the given ids (missing ones, deleted, are
// left out): what a process reads to refresh the entries a change touched.
func (db *DB) SitesByID(ctx context.Context, ids []int64) ([]*canopy.Site, error) {
	var out []*canopy.Site
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	marks := make([]string, len(ids))
	for i, id := range ids {
		args[i] = id
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	err := db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+siteColumns+siteFrom+` WHERE s.id IN (`+strings.Join(marks, ",")+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanSite(rows)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	return out, err
}

// SiteChange is one row of the site change log.
type SiteChange struct {
	Seq    int64
	SiteID int64 // 0: every site
}

// SiteChangesSince returns up to limit logged site changes after seq, oldest
// first (an index range read: its cost is the number of changes).
func (db *DB) SiteChangesSince(ctx context.Context, seq int64, limit int) ([]SiteChange, error) {
	var out []SiteChange
	err := db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT seq, site_id FROM site_changes WHERE seq > $1 ORDER BY seq LIMIT $2`, seq, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c SiteChange
			if err := rows.Scan(&c.Seq, &c.SiteID); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// LatestSiteChange returns the newest sequence number of the site change log
// (0 when it is empty): read before loading every site, it is where watching
// for changes starts.
func (db *DB) LatestSiteChange(ctx context.Context) (seq int64, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COALESCE(max(seq), 0) FROM site_changes`).Scan(&seq)
	})
	return seq, err
}

// PruneSiteChanges deletes logged site changes older than before, keeping the
// newest row (so SQLite's sequence never restarts), and returns how many went.
func (db *DB) PruneSiteChanges(ctx context.Context, before time.Time) (n int64, err error) {
	err = db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM site_changes WHERE changed_at < $1 AND seq < (SELECT max(seq) FROM site_changes)`, before)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// homeSlug returns a slug for a new home page that no other site's home page
// (its siblings under the global root) uses.
func homeSlug(ctx context.Context, tx *Tx, rootID int64, base string) (string, error) {
	slug := base
	for i := 2; ; i++ {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pages WHERE parent_id = $1 AND slug = $2`, rootID, slug).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return slug, nil
		}
		slug = fmt.Sprintf("%s-%d", base, i)
	}
}

func nonNilFlags(m map[string]bool) map[string]bool {
	if m == nil {
		return map[string]bool{}
	}
	return m
}

// applyTemplate adds a template's snippets, pages and settings to a new site
// inside its creation transaction: if any of it fails, the site is not created.
func applyTemplate(ctx context.Context, tx *Tx, s *SiteDB, home *canopy.Page, t *SiteTemplate, ownerID int64) error {
	for _, sn := range t.Snippets {
		title, unique, search := snippetKeys(sn.Type, sn.Fields)
		body, err := json.Marshal(nonNil(sn.Fields))
		if err != nil {
			return err
		}
		if _, err := s.createSnippet(ctx, tx, sn.Type, title, unique, search, string(body)); err != nil {
			return fmt.Errorf("site template %s: snippet %q: %w", t.Name, title, err)
		}
	}
	if len(t.Pages) > 0 {
		if s.types == nil {
			return canopy.Errorf(canopy.EINTERNAL, "site template %s has pages but no page types were given", t.Name)
		}
		if _, err := s.importTree(ctx, tx, home, t.Pages, ownerID); err != nil {
			return wrapTemplate(t.Name, err)
		}
	}
	for name, fields := range t.Settings {
		body, err := json.Marshal(nonNil(fields))
		if err != nil {
			return err
		}
		if err := s.saveSettings(ctx, tx, name, string(body)); err != nil {
			return err
		}
	}
	return nil
}

func wrapTemplate(name string, err error) error {
	if ce := canopy.ErrorCode(err); ce != canopy.EINTERNAL {
		return canopy.Errorf(ce, "site template %s: %s", name, canopy.ErrorMessage(err))
	}
	return fmt.Errorf("site template %s: %w", name, err)
}
