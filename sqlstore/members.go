package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

// RenameGroup renames a site's group.
func (s *SiteDB) RenameGroup(ctx context.Context, id int64, name string) (g *Group, err error) {
	db, siteID := s.db, s.site
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 150 {
		return nil, canopy.Errorf(canopy.EINVALID, "a group name of 1 to 150 characters is required")
	}
	if err := canopy.CheckText("the group name", name, 150); err != nil {
		return nil, err
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
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET name = $2 WHERE id = $1 AND COALESCE(site_id, 0) = $3`, id, name, g.SiteID); err != nil {
			return err
		}
		old := g.Name
		g.Name = name
		return tx.log(ctx, siteID, "rename", "group", id, name, map[string]any{"old_name": old})
	})
	return g, err
}

// keepAdmins runs change, a change of site siteID's memberships, and refuses
// it if it leaves the site's administrators group without members when it had
// some, unless a superuser makes it: a site admin cannot lock the site.
func keepAdmins(ctx context.Context, tx *Tx, siteID int64, change func() error) error {
	const q = `SELECT count(*) FROM group_members m JOIN groups g ON g.id = m.group_id WHERE g.site_id = $1 AND g.is_admin AND m.site_id = $1`
	var before, after int
	if err := tx.QueryRowContext(ctx, q, siteID).Scan(&before); err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	if before == 0 || actorIsSuperuser(ctx) {
		return nil
	}
	if err := tx.QueryRowContext(ctx, q, siteID).Scan(&after); err != nil {
		return err
	}
	if after == 0 {
		return canopy.Errorf(canopy.ECONFLICT, "this would leave the site's administrators group without members; add another administrator first (or ask a superuser)")
	}
	return nil
}

// DeleteGroup deletes a site's group with its memberships and grants.
func (s *SiteDB) DeleteGroup(ctx context.Context, id int64) error {
	db, siteID := s.db, s.site
	return db.write(ctx, func(tx *Tx) error {
		g, err := findGroup(ctx, tx, siteID, id)
		if err != nil {
			return err
		}
		if g.SiteID == 0 && !actorIsSuperuser(ctx) {
			return canopy.Errorf(canopy.EFORBIDDEN, "only superusers may delete installation-wide groups")
		}
		if g.IsAdmin {
			return canopy.Errorf(canopy.ECONFLICT, "%s is this site's administrators group and cannot be deleted: super admins act as its members and it keeps the site manageable. Rename it, change its permissions or its members instead", g.Name)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id = $1 AND COALESCE(site_id, 0) = $2`, id, g.SiteID); err != nil {
			return err
		}
		return tx.log(ctx, siteID, "delete", "group", id, g.Name, nil)
	})
}

// Member is canopy.Member (the domain type; this alias keeps the store readable).
type Member = canopy.Member

// memberCondition selects the users that belong to site $1: members of one of
// its groups, or site-local accounts of it.
const memberCondition = `(EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id AND m.site_id = $1) OR u.home_site_id = $1)`

// ownedCondition holds for an account that is local to site $1 and belongs to
// no other site: only then is its identity this site's to manage.
const ownedCondition = `(COALESCE(u.home_site_id, 0) = $1 AND NOT EXISTS (SELECT 1 FROM group_members o WHERE o.user_id = u.id AND (o.site_id IS NULL OR o.site_id <> $1)))`

// memberSelect reads a user as site $1 sees them: the last login on this site
// (never another's) and whether the identity is this site's.
var memberSelect = `SELECT ` + strings.Replace(prefixed("u.", userColumns), "u.last_login", "sl.last_login", 1) + `, ` + ownedCondition +
	` FROM users u LEFT JOIN site_logins sl ON sl.site_id = $1 AND sl.user_id = u.id`

func scanMember(row scanner, siteID int64) (*Member, error) {
	var owned bool
	u, err := scanUser(extraScan{row, []any{&owned}})
	if err != nil {
		return nil, err
	}
	return &Member{User: u, Groups: []*Group{}, SiteLocal: u.HomeSiteID == siteID, IdentityHere: owned}, nil
}

// extraScan scans a row's trailing columns into extra.
type extraScan struct {
	row   scanner
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

// Members lists a site's members, by username, with their groups on this site.
func (s *SiteDB) Members(ctx context.Context, limit, offset int) (out []*Member, total int, err error) {
	return s.FilterMembers(ctx, canopy.MemberFilter{Limit: limit, Offset: offset})
}

// memberIDs are the ids of the site's members: its memberships and its local
// accounts (both by index), never a scan of the installation's users.
const memberIDs = `SELECT gm.user_id FROM group_members gm WHERE gm.site_id = $1 UNION SELECT h.id FROM users h WHERE h.home_site_id = $1`

// memberWhere is the condition that u is one of the site's members. On
// PostgreSQL the ids are an array, looked up one by one in the users' primary
// key: joined as a set, the planner's cost model prefers to read the whole
// users table into a hash once a search filters them (116 ms at 100,000
// accounts).
func (db *DB) memberWhere() string {
	if db.dialect == Postgres {
		return `u.id = ANY(ARRAY(` + memberIDs + `))`
	}
	return `u.id IN (` + memberIDs + `)`
}

// memberListSelect reads a page of members with their last login here and,
// beside each row, how many match; memberWhere and the filters follow.
var memberListSelect = `SELECT ` + strings.Replace(prefixed("u.", userColumns), "u.last_login", "sl.last_login", 1) + `, ` + ownedCondition +
	`, count(*) OVER () FROM users u LEFT JOIN site_logins sl ON sl.site_id = $1 AND sl.user_id = u.id WHERE `

// FilterMembers lists this site's members that match the filter, by
// username, with their groups here, and how many match.
func (s *SiteDB) FilterMembers(ctx context.Context, f canopy.MemberFilter) (out []*Member, total int, err error) {
	db, siteID := s.db, s.site
	args := []any{siteID}
	add := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	cond := "TRUE"
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		p := add("%" + likeEscape(q) + "%")
		cond += ` AND (lower(u.username) LIKE ` + p + ` ESCAPE '\' OR lower(u.email) LIKE ` + p + ` ESCAPE '\' OR lower(u.first_name || ' ' || u.last_name) LIKE ` + p + ` ESCAPE '\')`
	}
	if f.GroupID != 0 {
		cond += ` AND EXISTS (SELECT 1 FROM group_members g2 WHERE g2.user_id = u.id AND g2.site_id = $1 AND g2.group_id = ` + add(f.GroupID) + `)`
	}
	if f.Active != nil {
		cond += ` AND u.is_active = ` + add(*f.Active)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	out = []*Member{}
	err = db.read(ctx, func(tx *Tx) error {
		// One pass: the page and, beside each row, how many match.
		n := len(args)
		rows, err := tx.QueryContext(ctx, memberListSelect+db.memberWhere()+` AND `+cond+
			` ORDER BY lower(u.username) LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, limit, f.Offset)...)
		if err != nil {
			return err
		}
		byID := map[int64]*Member{}
		var ids []any
		for rows.Next() {
			m, err := scanMember(extraScan{rows, []any{&total}}, siteID)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, m)
			byID[m.ID] = m
			ids = append(ids, m.ID)
		}
		rows.Close()
		if len(out) == 0 {
			// A page past the end says nothing of the total.
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+db.memberWhere()+` AND `+cond, args...).Scan(&total); err != nil {
				return err
			}
		}
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
		if err := rows.Scan(&uid, &g.ID, &site, &g.Name, &g.IsAdmin, &g.CreatedAt); err != nil {
			return err
		}
		g.SiteID = site.Int64
		byID[uid].Groups = append(byID[uid].Groups, g)
	}
	return rows.Err()
}

// Member returns one member of a site; a user who does not belong to the site
// is not found (their other memberships are never revealed).
func (s *SiteDB) Member(ctx context.Context, userID int64) (m *Member, err error) {
	db, siteID := s.db, s.site
	err = db.read(ctx, func(tx *Tx) error {
		m, err = findMember(ctx, tx, siteID, userID)
		return err
	})
	return m, err
}

func findMember(ctx context.Context, tx *Tx, siteID, userID int64) (*Member, error) {
	m, err := scanMember(tx.QueryRowContext(ctx, memberSelect+` WHERE u.id = $2 AND `+memberCondition, siteID, userID), siteID)
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "user %d not found", userID)
	}
	if err != nil {
		return nil, err
	}
	return m, memberGroups(ctx, tx, siteID, map[int64]*Member{m.ID: m}, []any{m.ID})
}

// UserUpdate holds the user attributes to change; nil fields stay.
type UserUpdate struct {
	Email, FirstName, LastName *string
	IsActive                   *bool
	IsSuperuser, IsSuperadmin  *bool
	PasswordHash               *string
	// Groups, if set, replaces the user's groups on this site (only).
	Groups *[]int64
	// SiteOwnedOnly refuses a change of identity fields (email, names,
	// password, active state) unless the account is local to this site and
	// belongs to no other: the rule for site admins, checked in the same
	// transaction as the change.
	SiteOwnedOnly bool
	// KeepSession is the hash of the session that survives a password change
	// (the one making it); every other session and every token is revoked.
	KeepSession string
}

// Identity reports whether the update changes an installation-wide identity
// field: email, names, password or active state.
func (u UserUpdate) Identity() bool {
	return u.Email != nil || u.FirstName != nil || u.LastName != nil || u.PasswordHash != nil || u.IsActive != nil
}

// emailFree refuses an e-mail address another account (not userID) has: a
// person has one account, which sites share (the address is what the
// add-a-person search finds them by).
func emailFree(ctx context.Context, tx *Tx, email string, userID int64) error {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE lower(email) = lower($1) AND id <> $2`, email, userID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return canopy.FieldErrorf("email", canopy.ECONFLICT,
			"another account already uses %s: a person has one account for every site. To give them a role here, add them with that address instead", email)
	}
	return nil
}

// applyUserUpdate writes the user columns of upd; a new password or a
// deactivation revokes every other session and every API token of the
// account, on every site, in the same transaction.
func applyUserUpdate(ctx context.Context, tx *Tx, userID int64, upd UserUpdate) ([]string, error) {
	sets := map[string]any{}
	if upd.Email != nil {
		if err := emailFree(ctx, tx, *upd.Email, userID); err != nil {
			return nil, err
		}
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
			return nil, err
		}
	}
	if upd.PasswordHash != nil || upd.IsActive != nil && !*upd.IsActive {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, upd.KeepSession); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = $1`, userID); err != nil {
			return nil, err
		}
	}
	return keys(sets), nil
}

// UpdateMember changes a member of a site. Group changes touch this site's
// memberships only.
func (s *SiteDB) UpdateMember(ctx context.Context, userID int64, upd UserUpdate) (m *Member, err error) {
	db, siteID := s.db, s.site
	err = db.write(ctx, func(tx *Tx) error {
		cur, err := findMember(ctx, tx, siteID, userID)
		if err != nil {
			return err
		}
		if upd.SiteOwnedOnly && upd.Identity() && !cur.IdentityHere {
			return canopy.Errorf(canopy.EFORBIDDEN, "you can change %s's roles on this site, but not their email, names, password or active state: "+
				"the account was not created on this site or is also used elsewhere, so only its owner (on their account page) or a superuser can", cur.Username)
		}
		fields, err := applyUserUpdate(ctx, tx, userID, upd)
		if err != nil {
			return err
		}
		if upd.Groups != nil {
			if err := keepAdmins(ctx, tx, siteID, func() error { return setSiteGroups(ctx, tx, siteID, userID, *upd.Groups) }); err != nil {
				return err
			}
		}
		if err := tx.log(ctx, siteID, "edit", "user", userID, cur.Username, map[string]any{"fields": fields, "groups": upd.Groups}); err != nil {
			return err
		}
		m, err = findMember(ctx, tx, siteID, userID)
		if canopy.ErrorCode(err) == canopy.ENOTFOUND {
			// Their last role here was removed: they are no longer a member.
			u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, userID))
			if err != nil {
				return err
			}
			u.LastLogin = cur.LastLogin
			m = &Member{User: u, Groups: []*Group{}, SiteLocal: u.HomeSiteID == siteID}
			return nil
		}
		return err
	})
	return m, err
}

// UpdateAccount changes one's own account (from the account page, on site
// siteID, where the change is logged). Roles are not changed here.
func (s *SiteDB) UpdateAccount(ctx context.Context, userID int64, upd UserUpdate) (u *canopy.User, err error) {
	db, siteID := s.db, s.site
	upd.Groups, upd.IsSuperuser, upd.IsSuperadmin, upd.IsActive = nil, nil, nil, nil
	err = db.write(ctx, func(tx *Tx) error {
		fields, err := applyUserUpdate(ctx, tx, userID, upd)
		if err != nil {
			return err
		}
		if u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, userID)); err != nil {
			return err
		}
		return tx.log(ctx, siteID, "edit_account", "user", userID, u.Username, map[string]any{"fields": fields})
	})
	return u, err
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
	if err := checkSiteGroups(ctx, tx, siteID, groupIDs); err != nil {
		return err
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

// checkSiteGroups refuses any id that is not a group of this site.
func checkSiteGroups(ctx context.Context, tx *Tx, siteID int64, groupIDs []int64) error {
	for _, gid := range groupIDs {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE id = $1 AND site_id = $2`, gid, siteID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return canopy.Errorf(canopy.EINVALID, "group %d is not a group of this site", gid)
		}
	}
	return nil
}

// CreateMember creates a site-local user of this site in the given groups.
// Invitation is a single-use link to set an account's password, sent by
// e-mail through the outbox with the account's creation.
type Invitation struct {
	TokenHash string
	ExpiresAt time.Time
	CreatedBy int64
	// The e-mail: Body holds the link.
	Subject, Body string
}

func (s *SiteDB) CreateMember(ctx context.Context, u *canopy.User, groupIDs []int64, invite ...Invitation) (m *Member, err error) {
	db, siteID := s.db, s.site
	u.HomeSiteID = siteID
	if err := validUsername(u.Username); err != nil {
		return nil, err
	}
	u.Username = strings.TrimSpace(u.Username)
	taken := false
	err = db.write(ctx, func(tx *Tx) error {
		// The groups first: a request that names another site's group is
		// refused before anything is learnt about the username.
		if err := checkSiteGroups(ctx, tx, siteID, groupIDs); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE lower(username) = lower($1)`, u.Username).Scan(&n); err != nil {
			return err
		}
		if taken = n > 0; taken {
			// Usernames are one namespace for the installation: say the
			// name cannot be used, never whose it is or where.
			return canopy.FieldErrorf("username", canopy.ECONFLICT,
				"the username %q cannot be used; choose another. If this person already has a Canopy account, add them to this site with their username or email instead", u.Username)
		}
		if err := emailFree(ctx, tx, u.Email, 0); err != nil {
			return err
		}
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		if err := setSiteGroups(ctx, tx, siteID, u.ID, groupIDs); err != nil {
			return err
		}
		if err := tx.log(ctx, siteID, "create", "user", u.ID, u.Username, map[string]any{"groups": groupIDs}); err != nil {
			return err
		}
		for _, inv := range invite {
			var by any
			if inv.CreatedBy != 0 {
				by = inv.CreatedBy
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO invitations (token_hash, site_id, user_id, created_by, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				inv.TokenHash, siteID, u.ID, by, inv.ExpiresAt.UTC(), tx.now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox (site_id, to_email, subject, body, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $5)`,
				siteID, u.Email, inv.Subject, inv.Body, tx.now); err != nil {
				return err
			}
			if err := tx.log(ctx, siteID, "invite", "user", u.ID, u.Username, map[string]any{"expires_at": inv.ExpiresAt.UTC()}); err != nil {
				return err
			}
		}
		m, err = findMember(ctx, tx, siteID, u.ID)
		return err
	})
	if taken {
		// The refused attempt is in the site's history: probing for
		// usernames leaves a trace the installation's operators can see.
		if lerr := db.write(ctx, func(tx *Tx) error {
			return tx.log(ctx, siteID, "create_refused", "user", 0, u.Username, map[string]any{"reason": "username not available"})
		}); lerr != nil {
			return nil, lerr
		}
	}
	return m, err
}

// RemoveMember takes a user off a site: their memberships in its groups go,
// their sessions and tokens for it are revoked, and a site-local account of
// this site with no other membership is deleted.
func (s *SiteDB) RemoveMember(ctx context.Context, userID int64) error {
	db, siteID := s.db, s.site
	return db.write(ctx, func(tx *Tx) error {
		m, err := findMember(ctx, tx, siteID, userID)
		if err != nil {
			return err
		}
		if err := keepAdmins(ctx, tx, siteID, func() error {
			_, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE user_id = $1 AND site_id = $2`, userID, siteID)
			return err
		}); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM sessions WHERE user_id = $1 AND site_id = $2`, `DELETE FROM api_tokens WHERE user_id = $1 AND site_id = $2`} {
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
// Everything else about the request is checked before the account is looked
// up, and an unknown, an ambiguous and a missing account get the same answer,
// so the request cannot be used to probe which accounts exist.
func (s *SiteDB) AddExistingMember(ctx context.Context, usernameOrEmail string, groupIDs []int64) (m *Member, err error) {
	db, siteID := s.db, s.site
	key := strings.TrimSpace(usernameOrEmail)
	if key == "" {
		return nil, canopy.Errorf(canopy.EINVALID, "give the user's username or email")
	}
	if len(groupIDs) == 0 {
		return nil, canopy.Errorf(canopy.EINVALID, "give at least one group of this site")
	}
	err = db.write(ctx, func(tx *Tx) error {
		if err := checkSiteGroups(ctx, tx, siteID, groupIDs); err != nil {
			return err
		}
		u, err := findAccount(ctx, tx, key)
		if err != nil {
			return err
		}
		for _, gid := range groupIDs {
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

// AccountMatch is canopy.AccountMatch (the domain type; this alias keeps the store readable).
type AccountMatch = canopy.AccountMatch

// FindAccounts finds active accounts of the installation by the start of
// their username, a part of their name, or their whole email address, for
// site $1's admins to add; at most limit, by username.
func (s *SiteDB) FindAccounts(ctx context.Context, q string, limit int) (out []AccountMatch, err error) {
	q = strings.ToLower(strings.TrimSpace(q))
	err = s.db.read(ctx, func(tx *Tx) error {
		return eachRow(func(r scanner) (m AccountMatch, err error) {
			var first, last string
			err = r.Scan(&m.ID, &m.Username, &first, &last, &m.MemberHere)
			m.Name = strings.TrimSpace(first + " " + last)
			return m, err
		}, func(m AccountMatch) { out = append(out, m) })(tx.QueryContext(ctx, `SELECT u.id, u.username, u.first_name, u.last_name,
			(EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_id = u.id AND gm.site_id = $1) OR COALESCE(u.home_site_id, 0) = $1)
			FROM users u WHERE u.is_active AND (lower(u.username) LIKE $2 ESCAPE '\' OR (u.email <> '' AND lower(u.email) = $3)
			OR lower(u.first_name || ' ' || u.last_name) LIKE $4 ESCAPE '\') ORDER BY lower(u.username) LIMIT $5`,
			s.site, likeEscape(q)+"%", q, "%"+likeEscape(q)+"%", limit))
	})
	return out, err
}

// InvitationInfo is what an invitation link opens: whose account, until
// when, and whether it was used.
type InvitationInfo struct {
	UserID    int64
	Username  string
	ExpiresAt time.Time
	Used      bool
}

// Invitation finds this site's invitation by its token's hash.
func (s *SiteDB) Invitation(ctx context.Context, tokenHash string) (inv *InvitationInfo, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		inv, err = findInvitation(ctx, tx, s.site, tokenHash)
		return err
	})
	return inv, err
}

func findInvitation(ctx context.Context, tx *Tx, site int64, tokenHash string) (*InvitationInfo, error) {
	inv := &InvitationInfo{}
	var used sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT i.user_id, u.username, i.expires_at, i.used_at FROM invitations i JOIN users u ON u.id = i.user_id
		WHERE i.site_id = $1 AND i.token_hash = $2`, site, tokenHash).Scan(&inv.UserID, &inv.Username, &inv.ExpiresAt, &used)
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "this invitation link is not valid on this site: check that the whole link was copied")
	}
	inv.Used = used.Valid
	inv.ExpiresAt = inv.ExpiresAt.UTC()
	return inv, err
}

// AcceptInvitation sets the invited account's password once: a used or
// expired invitation is refused and nothing changes.
func (s *SiteDB) AcceptInvitation(ctx context.Context, tokenHash, passwordHash string) (username string, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		inv, err := findInvitation(ctx, tx, s.site, tokenHash)
		if err != nil {
			return err
		}
		if inv.Used {
			return canopy.Errorf(canopy.ECONFLICT, "this invitation was used already: log in with the password you chose, or ask an administrator of the site for a new one")
		}
		if !tx.now.Before(inv.ExpiresAt) {
			return canopy.Errorf(canopy.ECONFLICT, "this invitation expired on %s: ask an administrator of the site for a new one", inv.ExpiresAt.Format("2 January 2006"))
		}
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET used_at = $3 WHERE site_id = $1 AND token_hash = $2 AND used_at IS NULL`, s.site, tokenHash, tx.now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return canopy.Errorf(canopy.ECONFLICT, "this invitation was used already")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, inv.UserID, passwordHash); err != nil {
			return err
		}
		username = inv.Username
		return tx.log(ctx, s.site, "accept_invitation", "user", inv.UserID, inv.Username, nil)
	})
	return username, err
}
