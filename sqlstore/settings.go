package sqlstore

import (
	"github.com/canopy-cms/canopy"

	"context"
	"database/sql"
	"encoding/json"
)

// Settings returns a settings group of this site (empty values if never saved).
func (s *SiteDB) Settings(ctx context.Context, name string) (fields map[string]any, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		var body string
		err := tx.QueryRowContext(ctx, `SELECT fields FROM site_settings WHERE site_id = $1 AND name = $2`, s.site, name).Scan(&body)
		if err == sql.ErrNoRows {
			fields = map[string]any{}
			return nil
		}
		if err != nil {
			return err
		}
		return json.Unmarshal([]byte(body), &fields)
	})
	return fields, err
}

// AllSettings returns every settings group of this site, by name.
func (s *SiteDB) AllSettings(ctx context.Context) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	err := s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT name, fields FROM site_settings WHERE site_id = $1`, s.site)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, body string
			if err := rows.Scan(&name, &body); err != nil {
				return err
			}
			var f map[string]any
			if err := json.Unmarshal([]byte(body), &f); err != nil {
				return err
			}
			out[name] = f
		}
		return rows.Err()
	})
	return out, err
}

// SaveSettings replaces a settings group of this site (values already cleaned).
func (s *SiteDB) SaveSettings(ctx context.Context, name string, fields map[string]any, defs ...canopy.Field) error {
	body, err := json.Marshal(nonNil(fields))
	if err != nil {
		return err
	}
	return s.db.write(ctx, func(tx *Tx) error {
		// References (the logo image) must name this site's objects.
		if err := s.checkFieldRefs(ctx, tx, defs, fields); err != nil {
			return err
		}
		return s.saveSettings(ctx, tx, name, string(body))
	})
}

func (s *SiteDB) saveSettings(ctx context.Context, tx *Tx, name, body string) error {
	var fields map[string]any
	if err := json.Unmarshal([]byte(body), &fields); err != nil {
		return err
	}
	if err := tx.setRefs(ctx, s.site, refFromSettings, name, 0, settingsRefs(name, fields)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO site_settings (site_id, name, fields, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (site_id, name) DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at`, s.site, name, body, tx.now); err != nil {
		return err
	}
	if err := tx.log(ctx, s.site, "edit", "settings", 0, name, nil); err != nil {
		return err
	}
	return tx.touchSite(ctx, s.site)
}
