package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/perm"
)

// Group is canopy.Group (the domain type; this alias keeps the store readable).
type Group = canopy.Group

// AdminsGroup is the name new sites give their administrators group (the
// group is marked by is_admin, not found by this name).
const AdminsGroup = "Admins"

const groupColumns = `id, site_id, name, is_admin, created_at`

func scanGroup(row scanner) (*Group, error) {
	g := &Group{}
	var site sql.NullInt64
	if err := row.Scan(&g.ID, &site, &g.Name, &g.IsAdmin, &g.CreatedAt); err != nil {
		return nil, err
	}
	g.SiteID = site.Int64
	return g, nil
}

// CreateGroup creates a group of a site (siteID 0: installation-wide).
func (s *SiteDB) CreateGroup(ctx context.Context, name string) (g *Group, err error) {
	db, siteID := s.db, s.site
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 150 {
		return nil, canopy.Errorf(canopy.EINVALID, "a group name of 1 to 150 characters is required")
	}
	if err := canopy.CheckText("the group name", name, 150); err != nil {
		return nil, err
	}
	err = db.write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE COALESCE(site_id, 0) = $1 AND lower(name) = lower($2)`, siteID, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return canopy.Errorf(canopy.ECONFLICT, "a group named %q already exists", name)
		}
		g = &Group{SiteID: siteID, Name: name, CreatedAt: tx.now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO groups (site_id, name, created_at) VALUES ($1, $2, $3) RETURNING id`, nullID(siteID), name, tx.now).Scan(&g.ID); err != nil {
			return err
		}
		return tx.log(ctx, siteID, "create", "group", g.ID, name, nil)
	})
	return g, err
}

// Group returns a group visible on a site: the site's own, or an installation-wide one.
func (s *SiteDB) Group(ctx context.Context, id int64) (g *Group, err error) {
	db, siteID := s.db, s.site
	err = db.read(ctx, func(tx *Tx) error {
		g, err = findGroup(ctx, tx, siteID, id)
		return err
	})
	return g, err
}

func findGroup(ctx context.Context, tx *Tx, siteID, id int64) (*Group, error) {
	g, err := scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = $1 AND (site_id = $2 OR site_id IS NULL)`, id, siteID))
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "group %d not found", id)
	}
	return g, err
}

// groupsQuery lists a site's groups ($1), then the installation-wide ones,
// by name: two lookups of the groups' (site, name) index, never a scan of
// every site's groups; $2 filters by name ('%' for all).
const groupsQuery = `SELECT id, site_id, name, is_admin, created_at FROM (
		SELECT id, site_id, name, is_admin, created_at, 0 AS here FROM groups WHERE COALESCE(site_id, 0) = $1 AND lower(name) LIKE $2 ESCAPE '\'
		UNION ALL SELECT id, site_id, name, is_admin, created_at, 1 FROM groups WHERE COALESCE(site_id, 0) = 0 AND lower(name) LIKE $2 ESCAPE '\') g
	ORDER BY here, lower(name), id`

// Groups lists a site's groups, then the installation-wide ones, by name.
func (s *SiteDB) Groups(ctx context.Context) (out []*Group, err error) {
	out, _, err = s.GroupsPage(ctx, "", -1, 0)
	return out, err
}

// GroupsPage lists one page (limit < 0: all) of a site's groups then the
// installation-wide ones whose name contains q (any case), with how many
// match.
func (s *SiteDB) GroupsPage(ctx context.Context, q string, limit, offset int) (out []*Group, total int, err error) {
	db, siteID := s.db, s.site
	pattern := "%" + likeEscape(strings.ToLower(strings.TrimSpace(q))) + "%"
	err = db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+groupsQuery+`) c`, siteID, pattern).Scan(&total); err != nil {
			return err
		}
		page := pageClause(limit, offset)
		rows, err := tx.QueryContext(ctx, groupsQuery+page, siteID, pattern)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			g, err := scanGroup(rows)
			if err != nil {
				return err
			}
			out = append(out, g)
		}
		return rows.Err()
	})
	return out, total, err
}

// AddMember puts a user in a group.
func (s *SiteDB) AddMember(ctx context.Context, groupID, userID int64) error {
	db, siteID := s.db, s.site
	return db.write(ctx, func(tx *Tx) error {
		g, err := findGroup(ctx, tx, siteID, groupID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, site_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			g.ID, userID, nullID(g.SiteID))
		if err != nil {
			return err
		}
		return tx.log(ctx, siteID, "add_member", "group", g.ID, g.Name, map[string]any{"user_id": userID})
	})
}

// GroupGrants is canopy.GroupGrants (the domain type; this alias keeps the store readable).
type GroupGrants = canopy.GroupGrants

// CollectionGrantRow is canopy.CollectionGrantRow (the domain type; this alias keeps the store readable).
type CollectionGrantRow = canopy.CollectionGrantRow

// PageGrantRow is canopy.PageGrantRow (the domain type; this alias keeps the store readable).
type PageGrantRow = canopy.PageGrantRow

// SetGroupGrants replaces a group's page, collection and model grants in one
// transaction. A site group can only be granted pages and collections of its
// own site: another site's object is not found.
func (s *SiteDB) SetGroupGrants(ctx context.Context, groupID int64, pages []PageGrantRow, models []string, collections ...CollectionGrantRow) error {
	db, siteID := s.db, s.site
	return db.write(ctx, func(tx *Tx) error {
		g, err := findGroup(ctx, tx, siteID, groupID)
		if err != nil {
			return err
		}
		if g.SiteID == 0 && siteID != 0 && !actorIsSuperuser(ctx) {
			return canopy.Errorf(canopy.EFORBIDDEN, "only superusers may change installation-wide groups")
		}
		if g.IsAdmin && !slices.Contains(models, "access_admin") && !actorIsSuperuser(ctx) {
			return canopy.FieldErrorf("models", canopy.EINVALID, "%s is this site's administrators group: it keeps access_admin (only a superuser may take it away)", g.Name)
		}
		if err := setGroupGrants(ctx, tx, siteID, g, pages, models, collections); err != nil {
			return err
		}
		return tx.log(ctx, siteID, "change_permissions", "group", g.ID, g.Name, map[string]any{"pages": pages, "collections": collections, "models": models})
	})
}

// setGroupGrants replaces a group's grants on site siteID: a site group's
// pages and collections are all of its site; an installation-wide group's
// page and collection grants on other sites are kept (seen and changed on each
// site's own host), its model permissions are the group's everywhere.
func setGroupGrants(ctx context.Context, tx *Tx, siteID int64, g *Group, pages []PageGrantRow, models []string, collections []CollectionGrantRow) error {
	if g.SiteID != 0 {
		siteID = g.SiteID
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_page_grants WHERE group_id = $1 AND site_id = $2`, g.ID, siteID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_model_perms WHERE group_id = $1`, g.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_collection_grants WHERE group_id = $1 AND site_id = $2`, g.ID, siteID); err != nil {
		return err
	}
	for _, cg := range collections {
		var perms perm.CollectionPerms
		for _, name := range cg.Permissions {
			p, ok := perm.ParseCollectionPerm(name)
			if !ok {
				return canopy.Errorf(canopy.EINVALID, "unknown collection permission %q (use %s)", name, strings.Join(perm.CollectionPermNames(), ", "))
			}
			perms |= perm.CollectionPerms(p)
		}
		// Grants are on this site's collections only (for an
		// installation-wide group too: another site's are set on its host).
		var collSite sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT site_id FROM collections WHERE id = $1 AND site_id = $2`, cg.CollectionID, siteID).Scan(&collSite); err == sql.ErrNoRows {
			return canopy.Errorf(canopy.ENOTFOUND, "collection %d not found", cg.CollectionID)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_collection_grants (group_id, collection_id, site_id, permissions) VALUES ($1, $2, $3, $4)
			ON CONFLICT (group_id, collection_id) DO UPDATE SET permissions = group_collection_grants.permissions | excluded.permissions`,
			g.ID, cg.CollectionID, collSite, int(perms)); err != nil {
			return err
		}
	}
	for _, pg := range pages {
		var acts perm.Actions
		for _, name := range pg.Actions {
			a, ok := perm.ParseAction(name)
			if !ok {
				return canopy.Errorf(canopy.EINVALID, "unknown page permission %q (use %s)", name, strings.Join(perm.ActionNames(), ", "))
			}
			acts |= perm.Actions(a)
		}
		var pageSite int64
		if err := tx.QueryRowContext(ctx, `SELECT site_id FROM pages WHERE id = $1 AND depth > 1 AND site_id = $2`, pg.PageID, siteID).Scan(&pageSite); err == sql.ErrNoRows {
			return canopy.Errorf(canopy.ENOTFOUND, "page %d not found", pg.PageID)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_page_grants (group_id, page_id, site_id, actions) VALUES ($1, $2, $3, $4)
			ON CONFLICT (group_id, page_id) DO UPDATE SET actions = group_page_grants.actions | excluded.actions`, g.ID, pg.PageID, pageSite, int(acts)); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, m := range models {
		if !validCodename(m) {
			return canopy.Errorf(canopy.EINVALID, "%q is not a permission codename", m)
		}
		if seen[m] {
			continue
		}
		seen[m] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_model_perms (group_id, codename) VALUES ($1, $2)`, g.ID, m); err != nil {
			return err
		}
	}
	return nil
}

func validCodename(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// GroupGrantsOf returns a group's grants.
func (s *SiteDB) GroupGrantsOf(ctx context.Context, groupID int64) (out GroupGrants, err error) {
	db, siteID := s.db, s.site
	out = GroupGrants{Pages: []PageGrantRow{}, Collections: []CollectionGrantRow{}, Models: []string{}}
	err = db.read(ctx, func(tx *Tx) error {
		g, err := findGroup(ctx, tx, siteID, groupID)
		if err != nil {
			return err
		}
		// Only this site's objects, also for an installation-wide group; the
		// three kinds of grant in one statement.
		rows, err := tx.QueryContext(ctx, `SELECT 0, page_id, actions, '' FROM group_page_grants WHERE group_id = $1 AND site_id = $2
			UNION ALL SELECT 1, collection_id, permissions, '' FROM group_collection_grants WHERE group_id = $1 AND site_id = $2
			UNION ALL SELECT 2, 0, 0, codename FROM group_model_perms WHERE group_id = $1
			ORDER BY 1, 2, 4`, g.ID, siteID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kind, bits int
			var id int64
			var codename string
			if err := rows.Scan(&kind, &id, &bits, &codename); err != nil {
				return err
			}
			switch kind {
			case 0:
				out.Pages = append(out.Pages, PageGrantRow{PageID: id, Actions: perm.Actions(bits).Names()})
			case 1:
				out.Collections = append(out.Collections, CollectionGrantRow{CollectionID: id, Permissions: perm.CollectionPerms(bits).Names()})
			default:
				out.Models = append(out.Models, codename)
			}
		}
		return rows.Err()
	})
	return out, err
}

// Access is what a user may do on one site, loaded once per request.
type Access struct {
	Member      bool // belongs to a group of the site (or is a superuser/super admin)
	Groups      []*Group
	Pages       []perm.PageGrant
	Collections []perm.CollectionGrant
	Models      []string
}

// userAccessQuery loads, in one statement, a user's groups on a site and their
// grants, by index lookups only (TestAccessQueriesUseIndexes): the user's
// memberships of the site's groups and of installation-wide groups
// (group_members by user and site), for a super admin the site's Admins group
// (groups by site, is_admin), then each grant table by group.
const userAccessQuery = `WITH g AS (
		SELECT g.id, g.site_id, g.name, g.is_admin, g.created_at FROM group_members m JOIN groups g ON g.id = m.group_id
			WHERE m.user_id = $1 AND m.site_id = $2
		UNION SELECT g.id, g.site_id, g.name, g.is_admin, g.created_at FROM group_members m JOIN groups g ON g.id = m.group_id
			WHERE m.user_id = $1 AND m.site_id IS NULL
		UNION SELECT id, site_id, name, is_admin, created_at FROM groups WHERE $3 AND site_id = $2 AND is_admin)
	SELECT 0, g.id, g.site_id, g.name, g.created_at, CASE WHEN g.is_admin THEN 1 ELSE 0 END FROM g
	UNION ALL SELECT 1, 0, NULL, p.path, NULL, gp.actions FROM g JOIN group_page_grants gp ON gp.group_id = g.id AND gp.site_id = $2
		JOIN pages p ON p.id = gp.page_id
	UNION ALL SELECT 2, 0, NULL, c.path, NULL, gc.permissions FROM g JOIN group_collection_grants gc ON gc.group_id = g.id AND gc.site_id = $2
		JOIN collections c ON c.id = gc.collection_id
	UNION ALL SELECT 3, g.id, g.site_id, mp.codename, NULL, 0 FROM g JOIN group_model_perms mp ON mp.group_id = g.id`

// UserAccess loads a user's groups and grants that count on a site: the site's
// groups and installation-wide groups the user is in, plus, for a super admin,
// the site's Admins group. One statement, however many grants there are.
// Member: the user belongs to one of the site's groups, or to an
// installation-wide group that grants access_admin (an account on every site).
func (s *SiteDB) UserAccess(ctx context.Context, u *canopy.User) (*Access, error) {
	db, siteID := s.db, s.site
	a := &Access{Member: u.IsSuperuser || u.IsSuperadmin}
	err := db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, userAccessQuery,
			u.ID, siteID, u.IsSuperadmin)
		if err != nil {
			return err
		}
		defer rows.Close()
		models := map[string]bool{}
		for rows.Next() {
			var kind int
			var id int64
			var site sql.NullInt64
			var text string
			var created sql.NullTime
			var bits int
			if err := rows.Scan(&kind, &id, &site, &text, &created, &bits); err != nil {
				return err
			}
			switch kind {
			case 0:
				g := &Group{ID: id, SiteID: site.Int64, Name: text, IsAdmin: bits == 1, CreatedAt: created.Time}
				a.Groups = append(a.Groups, g)
				if g.SiteID == siteID {
					a.Member = true
				}
			case 1:
				a.Pages = append(a.Pages, perm.PageGrant{Path: text, Actions: perm.Actions(bits)})
			case 2:
				a.Collections = append(a.Collections, perm.CollectionGrant{Path: text, Perms: perm.CollectionPerms(bits)})
			case 3:
				// A member of an installation-wide group that grants
				// access_admin has an account on every site (decision 20).
				if !site.Valid && text == "access_admin" {
					a.Member = true
				}
				if !models[text] {
					models[text] = true
					a.Models = append(a.Models, text)
				}
			}
		}
		return rows.Err()
	})
	// This site's groups first, then installation-wide ones, by name.
	sort.Slice(a.Groups, func(i, j int) bool {
		gi, gj := a.Groups[i], a.Groups[j]
		if (gi.SiteID == 0) != (gj.SiteID == 0) {
			return gj.SiteID == 0
		}
		return strings.ToLower(gi.Name) < strings.ToLower(gj.Name)
	})
	sort.Strings(a.Models)
	return a, err
}

// GroupMembers lists a group's members by username, searched (q in the
// username, email or name, any case) and paged in SQL (limit < 0: all), with
// how many match: for a site group, its members (all of them belong to that
// site); for an installation-wide group, its members everywhere (callers let
// only superusers ask).
func (s *SiteDB) GroupMembers(ctx context.Context, groupID int64, q string, limit, offset int) (out []*canopy.User, total int, err error) {
	db, siteID := s.db, s.site
	out = []*canopy.User{}
	err = db.read(ctx, func(tx *Tx) error {
		g, err := findGroup(ctx, tx, siteID, groupID)
		if err != nil {
			return err
		}
		from := ` FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 AND COALESCE(m.site_id, 0) = $2`
		args := []any{g.ID, g.SiteID}
		if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
			args = append(args, "%"+likeEscape(q)+"%")
			from += ` AND (lower(u.username) LIKE $3 ESCAPE '\' OR lower(u.email) LIKE $3 ESCAPE '\' OR lower(u.first_name || ' ' || u.last_name) LIKE $3 ESCAPE '\')`
		}
		// The page and the count in one statement; an empty page past the
		// end (or a count alone, limit 0) says nothing of the total, which is
		// then counted.
		err = eachRow(func(r scanner) (*canopy.User, error) { return scanUser(extraScan{r, []any{&total}}) },
			func(u *canopy.User) { out = append(out, u) })(tx.QueryContext(ctx, `SELECT `+prefixed("u.", userColumns)+`, count(*) OVER ()`+
			from+` ORDER BY lower(u.username), u.id`+pageClause(limit, offset), args...))
		if err != nil || len(out) > 0 || (offset == 0 && limit != 0) {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*)`+from, args...).Scan(&total)
	})
	return out, total, err
}

// findAccount finds the one account with this username or email; none, or
// several sharing the email, is the same not-found answer.
func findAccount(ctx context.Context, tx *Tx, usernameOrEmail string) (*canopy.User, error) {
	var found []*canopy.User
	err := eachRow(scanUser, func(u *canopy.User) { found = append(found, u) })(tx.QueryContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE lower(username) = lower($1) OR (email <> '' AND lower(email) = lower($1))`, strings.TrimSpace(usernameOrEmail)))
	if err != nil {
		return nil, err
	}
	if len(found) != 1 {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "no single account has that username or email; check the spelling, or give the username")
	}
	return found[0], nil
}

// AddGroupMemberByName puts the account with this username or email in an
// installation-wide group (logged at installation level).
func (db *DB) AddGroupMemberByName(ctx context.Context, groupID int64, usernameOrEmail string) (u *canopy.User, err error) {
	err = db.write(ctx, func(tx *Tx) error {
		g, err := findGroup(ctx, tx, 0, groupID) // installation-wide groups only
		if err != nil {
			return err
		}
		if u, err = findAccount(ctx, tx, usernameOrEmail); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, site_id) VALUES ($1, $2, NULL) ON CONFLICT DO NOTHING`, g.ID, u.ID); err != nil {
			return err
		}
		return tx.log(ctx, 0, "add_member", "group", g.ID, g.Name, map[string]any{"user_id": u.ID, "username": u.Username})
	})
	return u, err
}

// RemoveGroupMember takes a user out of an installation-wide group.
func (db *DB) RemoveGroupMember(ctx context.Context, groupID, userID int64) error {
	return db.write(ctx, func(tx *Tx) error {
		g, err := findGroup(ctx, tx, 0, groupID) // installation-wide groups only
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1 AND user_id = $2`, g.ID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return canopy.Errorf(canopy.ENOTFOUND, "user %d is not a member of %s", userID, g.Name)
		}
		return tx.log(ctx, 0, "remove_member", "group", g.ID, g.Name, map[string]any{"user_id": userID})
	})
}

// InstallationGroupByName finds an installation-wide group by name.
func (db *DB) InstallationGroupByName(ctx context.Context, name string) (g *Group, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		g, err = scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE site_id IS NULL AND lower(name) = lower($1)`, strings.TrimSpace(name)))
		if err == sql.ErrNoRows {
			return canopy.Errorf(canopy.ENOTFOUND, "no installation-wide group is named %q", name)
		}
		return err
	})
	return g, err
}

// GroupMemberCounts counts the members of each of this site's groups (groups
// without members are left out).
func (s *SiteDB) GroupMemberCounts(ctx context.Context) (map[int64]int, error) {
	out := map[int64]int{}
	err := s.db.read(ctx, func(tx *Tx) error {
		type count struct {
			id int64
			n  int
		}
		return eachRow(func(r scanner) (c count, err error) { err = r.Scan(&c.id, &c.n); return c, err }, func(c count) { out[c.id] = c.n })(
			tx.QueryContext(ctx, `SELECT group_id, count(*) FROM group_members WHERE site_id = $1 GROUP BY group_id`, s.site))
	})
	return out, err
}
