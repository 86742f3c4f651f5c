package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

// RenameGroup renames a site's group.
func (db *DB) RenameGroup(ctx context.Context, siteID, id int64, name string) (g *Group, err error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 150 {
		return nil, canopy.Errorf(canopy.EINVALID, "a group name of 1 to 150 characters is required")
	}
	err = db.write(ctx, func(tx *Tx) error {
		if g, err = findGroup(ctx, tx, siteID, id); err != nil {
			return err
		}
		if g.SiteID == 0 && !actorIsSuperuser(ctx) {
			return canopy.Errorf(canopy.EFORBIDDEN, "only superusers may change installation-wide groups")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE COALESCE(site_id, 0) = $1 AND lower(name) = lower($2) AND id <> $3`, g.SiteID, name, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return canopy.Errorf(canopy.ECONFLICT, "a group named %q already exists", name)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET name = $2 WHERE id = $1`, id, name); err != nil {
			return err
		}
		old := g.Name
		g.Name = name
		return tx.log(ctx, siteID, "rename", "group", id, name, map[string]any{"old_name": old})
	})
	return g, err
}

// DeleteGroup deletes a site's group with its memberships and grants.
func (db *DB) DeleteGroup(ctx context.Context, siteID, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		g, err := findGroup(ctx, tx, siteID, id)
		if err != nil {
			return err
		}
		if g.SiteID == 0 && !actorIsSuperuser(ctx) {
			return canopy.Errorf(canopy.EFORBIDDEN, "only superusers may delete installation-wide groups")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id = $1`, id); err != nil {
			return err
		}
		return tx.log(ctx, siteID, "delete", "group", id, g.Name, nil)
	})
}

// Member is a user as one site sees them: their groups on that site only.
type Member struct {
	*canopy.User
	Groups []*Group `json:"groups"`
}

// memberCondition selects the users that belong to site $1: members of one of
// its groups, or site-local accounts of it.
const memberCondition = `(EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id AND m.site_id = $1) OR u.home_site_id = $1)`

// Members lists a site's members, by username, with their groups on this site.
func (db *DB) Members(ctx context.Context, siteID int64, limit, offset int) (out []*Member, total int, err error) {
	out = []*Member{}
	err = db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+memberCondition, siteID).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+prefixed("u.", userColumns)+` FROM users u WHERE `+memberCondition+
			` ORDER BY lower(u.username) LIMIT $2 OFFSET $3`, siteID, limit, offset)
		if err != nil {
			return err
		}
		byID := map[int64]*Member{}
		var ids []any
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return err
			}
			m := &Member{User: u, Groups: []*Group{}}
			out = append(out, m)
			byID[u.ID] = m
			ids = append(ids, u.ID)
		}
		rows.Close()
		return memberGroups(ctx, tx, siteID, byID, ids)
	})
	return out, total, err
}

// memberGroups fills in each member's groups of this site (one query).
func memberGroups(ctx context.Context, tx *Tx, siteID int64, byID map[int64]*Member, ids []any) error {
	if len(ids) == 0 {
		return nil
	}
	ph := make([]string, len(ids))
	for i := range ids {
		ph[i] = "$" + strconv.Itoa(i+2)
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.user_id, `+prefixed("g.", groupColumns)+` FROM group_members m JOIN groups g ON g.id = m.group_id
		WHERE m.site_id = $1 AND m.user_id IN (`+strings.Join(ph, ", ")+`) ORDER BY lower(g.name)`, append([]any{siteID}, ids...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid int64
		g := &Group{}
		var site sql.NullInt64
		if err := rows.Scan(&uid, &g.ID, &site, &g.Name, &g.CreatedAt); err != nil {
			return err
		}
		g.SiteID = site.Int64
		byID[uid].Groups = append(byID[uid].Groups, g)
	}
	return rows.Err()
}

// Member returns one member of a site; a user who does not belong to the site
// is not found (their other memberships are never revealed).
func (db *DB) Member(ctx context.Context, siteID, userID int64) (m *Member, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		m, err = findMember(ctx, tx, siteID, userID)
		return err
	})
	return m, err
}

func findMember(ctx context.Context, tx *Tx, siteID, userID int64) (*Member, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+prefixed("u.", userColumns)+` FROM users u WHERE u.id = $2 AND `+memberCondition, siteID, userID))
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "user %d not found", userID)
	}
	if err != nil {
		return nil, err
	}
	m := &Member{User: u, Groups: []*Group{}}
	return m, memberGroups(ctx, tx, siteID, map[int64]*Member{u.ID: m}, []any{u.ID})
}

// UserUpdate holds the user attributes to change; nil fields stay.
type UserUpdate struct {
	Email, FirstName, LastName *string
	IsActive                   *bool
	IsSuperuser, IsSuperadmin  *bool
	PasswordHash               *string
	// Groups, if set, replaces the user's groups on this site (only).
	Groups *[]int64
}

// UpdateMember changes a member of a site. Group changes touch this site's
// memberships only.
func (db *DB) UpdateMember(ctx context.Context, siteID, userID int64, upd UserUpdate) (m *Member, err error) {
	err = db.write(ctx, func(tx *Tx) error {
		if _, err := findMember(ctx, tx, siteID, userID); err != nil {
			return err
		}
		sets := map[string]any{}
		if upd.Email != nil {
			sets["email"] = *upd.Email
		}
		if upd.FirstName != nil {
			sets["first_name"] = *upd.FirstName
		}
		if upd.LastName != nil {
			sets["last_name"] = *upd.LastName
		}
		if upd.IsActive != nil {
			sets["is_active"] = *upd.IsActive
		}
		if upd.IsSuperuser != nil {
			sets["is_superuser"] = *upd.IsSuperuser
		}
		if upd.IsSuperadmin != nil {
			sets["is_superadmin"] = *upd.IsSuperadmin
		}
		if upd.PasswordHash != nil {
			sets["password_hash"] = *upd.PasswordHash
		}
		for col, v := range sets {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET `+col+` = $2 WHERE id = $1`, userID, v); err != nil {
				return err
			}
		}
		if upd.Groups != nil {
			if err := setSiteGroups(ctx, tx, siteID, userID, *upd.Groups); err != nil {
				return err
			}
		}
		if err := tx.log(ctx, siteID, "edit", "user", userID, "", map[string]any{"fields": keys(sets), "groups": upd.Groups}); err != nil {
			return err
		}
		m, err = findMember(ctx, tx, siteID, userID)
		if canopy.ErrorCode(err) == canopy.ENOTFOUND {
			// Their last role here was removed: they are no longer a member.
			u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, userID))
			if err != nil {
				return err
			}
			m = &Member{User: u, Groups: []*Group{}}
			return nil
		}
		return err
	})
	return m, err
}

func keys(m map[string]any) []string {
	out := []string{}
	for k := range m {
		if k != "password_hash" {
			out = append(out, k)
		} else {
			out = append(out, "password")
		}
	}
	return out
}

// setSiteGroups replaces a user's memberships in this site's groups; groups of
// other sites (and installation-wide ones) are untouched. Every id must be a
// group of this site.
func setSiteGroups(ctx context.Context, tx *Tx, siteID, userID int64, groupIDs []int64) error {
	for _, gid := range groupIDs {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE id = $1 AND site_id = $2`, gid, siteID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return canopy.Errorf(canopy.EINVALID, "group %d is not a group of this site", gid)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE user_id = $1 AND site_id = $2`, userID, siteID); err != nil {
		return err
	}
	for _, gid := range groupIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, site_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, gid, userID, siteID); err != nil {
			return err
		}
	}
	return nil
}

// CreateMember creates a site-local user of this site in the given groups.
func (db *DB) CreateMember(ctx context.Context, siteID int64, u *canopy.User, groupIDs []int64) (m *Member, err error) {
	u.HomeSiteID = siteID
	if err := validUsername(u.Username); err != nil {
		return nil, err
	}
	err = db.write(ctx, func(tx *Tx) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		if err := setSiteGroups(ctx, tx, siteID, u.ID, groupIDs); err != nil {
			return err
		}
		if err := tx.log(ctx, siteID, "create", "user", u.ID, u.Username, map[string]any{"groups": groupIDs}); err != nil {
			return err
		}
		m, err = findMember(ctx, tx, siteID, u.ID)
		return err
	})
	return m, err
}

// RemoveMember takes a user off a site: their memberships in its groups go,
// their sessions and tokens for it are revoked, and a site-local account of
// this site with no other membership is deleted.
func (db *DB) RemoveMember(ctx context.Context, siteID, userID int64) error {
	return db.write(ctx, func(tx *Tx) error {
		m, err := findMember(ctx, tx, siteID, userID)
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM group_members WHERE user_id = $1 AND site_id = $2`,
			`DELETE FROM sessions WHERE user_id = $1 AND site_id = $2`, `DELETE FROM api_tokens WHERE user_id = $1 AND site_id = $2`} {
			if _, err := tx.ExecContext(ctx, q, userID, siteID); err != nil {
				return err
			}
		}
		if m.HomeSiteID == siteID {
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM group_members WHERE user_id = $1`, userID).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE pages SET owner_id = NULL WHERE owner_id = $1`, userID); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, userID); err != nil {
					return err
				}
			} else if _, err := tx.ExecContext(ctx, `UPDATE users SET home_site_id = NULL WHERE id = $1`, userID); err != nil {
				return err
			}
		}
		return tx.log(ctx, siteID, "remove", "user", userID, m.Username, nil)
	})
}

// AddExistingMember puts an existing user, found by username or email, into
// this site's groups. Their memberships elsewhere are neither changed nor shown.
func (db *DB) AddExistingMember(ctx context.Context, siteID int64, usernameOrEmail string, groupIDs []int64) (m *Member, err error) {
	key := strings.TrimSpace(usernameOrEmail)
	if key == "" {
		return nil, canopy.Errorf(canopy.EINVALID, "give the user's username or email")
	}
	if len(groupIDs) == 0 {
		return nil, canopy.Errorf(canopy.EINVALID, "give at least one group of this site")
	}
	err = db.write(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE lower(username) = lower($1) OR (email <> '' AND lower(email) = lower($1))`, key)
		if err != nil {
			return err
		}
		var found []*canopy.User
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return err
			}
			found = append(found, u)
		}
		rows.Close()
		switch {
		case len(found) == 0:
			return canopy.Errorf(canopy.ENOTFOUND, "no user has that username or email")
		case len(found) > 1:
			return canopy.Errorf(canopy.ECONFLICT, "several users share that email; give the username")
		}
		u := found[0]
		for _, gid := range groupIDs {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE id = $1 AND site_id = $2`, gid, siteID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return canopy.Errorf(canopy.EINVALID, "group %d is not a group of this site", gid)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, site_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, gid, u.ID, siteID); err != nil {
				return err
			}
		}
		if err := tx.log(ctx, siteID, "add_member", "user", u.ID, u.Username, map[string]any{"groups": groupIDs}); err != nil {
			return err
		}
		m, err = findMember(ctx, tx, siteID, u.ID)
		return err
	})
	return m, err
}
