package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/canopy-cms/canopy"
)

const userColumns = `id, username, email, first_name, last_name, password_hash, is_active, is_superuser, is_superadmin, home_site_id, created_at, last_login, nav_collapsed, keyboard_shortcuts`

func scanUser(row scanner) (*canopy.User, error) {
	u := &canopy.User{}
	var home sql.NullInt64
	var last sql.NullTime
	if err := row.Scan(&u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.PasswordHash, &u.IsActive,
		&u.IsSuperuser, &u.IsSuperadmin, &home, &u.CreatedAt, &last, &u.NavCollapsed, &u.KeyboardShortcuts); err != nil {
		return nil, err
	}
	u.HomeSiteID = home.Int64
	if last.Valid {
		t := last.Time.UTC()
		u.LastLogin = &t
	}
	return u, nil
}

// CreateUser stores a new user; PasswordHash must already be hashed.
func (db *DB) CreateUser(ctx context.Context, u *canopy.User) error {
	if err := validUsername(u.Username); err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error { return insertUser(ctx, tx, u) })
}

func validUsername(name string) error {
	if strings.TrimSpace(name) == "" {
		return canopy.Errorf(canopy.EINVALID, "username is required")
	}
	if len(name) > 150 || strings.ContainsAny(name, " /\\") || canopy.HasControl(name) {
		return canopy.Errorf(canopy.EINVALID, "username %q must be at most 150 characters without spaces or slashes", name)
	}
	return nil
}

func insertUser(ctx context.Context, tx *Tx, u *canopy.User) error {
	u.Username = strings.TrimSpace(u.Username)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE lower(username) = lower($1)`, u.Username).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return canopy.Errorf(canopy.ECONFLICT, "a user named %q already exists", u.Username)
	}
	u.CreatedAt = tx.now
	return tx.QueryRowContext(ctx, `INSERT INTO users (username, email, first_name, last_name, password_hash, is_active, is_superuser, is_superadmin, home_site_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		u.Username, u.Email, u.FirstName, u.LastName, u.PasswordHash, u.IsActive, u.IsSuperuser, u.IsSuperadmin, nullID(u.HomeSiteID), tx.now).Scan(&u.ID)
}

// UserByUsername finds a user by username, case-insensitively.
func (db *DB) UserByUsername(ctx context.Context, username string) (u *canopy.User, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE lower(username) = lower($1)`, username))
		if err == sql.ErrNoRows {
			return canopy.Errorf(canopy.ENOTFOUND, "user %q not found", username)
		}
		return err
	})
	return u, err
}

// SetKeyboardShortcuts turns the admin's keyboard shortcuts on or off for a
// person (a preference: not logged).
func (db *DB) SetKeyboardShortcuts(ctx context.Context, userID int64, on bool) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET keyboard_shortcuts = $2 WHERE id = $1`, userID, on)
		return err
	})
}

// SetNavCollapsed remembers whether a person keeps the admin's side
// navigation hidden (a preference: not logged).
func (db *DB) SetNavCollapsed(ctx context.Context, userID int64, collapsed bool) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET nav_collapsed = $2 WHERE id = $1`, userID, collapsed)
		return err
	})
}
