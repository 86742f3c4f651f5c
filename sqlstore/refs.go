package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

// The reference index (migration 30, decision 0025).

// Sources of references.
const (
	refFromPage     = "page"
	refFromSnippet  = "snippet"
	refFromSettings = "settings"
)

type refRow struct {
	kind, name string
	id         int64
	ref        canopy.Reference
}

// deleteRefs removes the references of sources of a kind (ids nil: every
// source of that kind of the site).
func (tx *Tx) deleteRefs(ctx context.Context, site int64, kind, name string, ids []int64) error {
	if tx.db.legacy {
		return nil
	}
	args := []any{site, kind}
	more := ""
	if name != "" {
		args = append(args, name)
		more = " AND source_name = $3"
	}
	if ids != nil {
		if len(ids) == 0 {
			return nil
		}
		more += " AND source_id" + inIDs(&args, ids)
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM object_refs WHERE site_id = $1 AND source_kind = $2`+more, args...)
	return err
}

// insertRefs writes references of a site's sources.
func (tx *Tx) insertRefs(ctx context.Context, site int64, rows []refRow) error {
	if tx.db.legacy {
		return nil
	}
	for len(rows) > 0 {
		n := min(len(rows), 100)
		var b strings.Builder
		args := []any{site}
		b.WriteString(`INSERT INTO object_refs (site_id, source_kind, source_name, source_id, field, target_kind, target_id) VALUES `)
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("($1")
			for _, v := range []any{r.kind, r.name, r.id, r.ref.Field, r.ref.Kind, r.ref.ID} {
				args = append(args, v)
				b.WriteString(", $" + strconv.Itoa(len(args)))
			}
			b.WriteString(")")
		}
		b.WriteString(" ON CONFLICT DO NOTHING")
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// setRefs replaces the references of one source.
func (tx *Tx) setRefs(ctx context.Context, site int64, kind, name string, id int64, refs []canopy.Reference) error {
	if err := tx.deleteRefs(ctx, site, kind, name, []int64{id}); err != nil {
		return err
	}
	rows := make([]refRow, len(refs))
	for i, r := range refs {
		rows[i] = refRow{kind, name, id, r}
	}
	return tx.insertRefs(ctx, site, rows)
}

// rebuildSnippetAndSettingsRefs writes a site's snippet and settings
// references again (pages': indexPages).
func (tx *Tx) rebuildSnippetAndSettingsRefs(ctx context.Context, site int64, snippets *canopy.SnippetTypes) error {
	if err := tx.deleteRefs(ctx, site, refFromSnippet, "", nil); err != nil {
		return err
	}
	var rows []refRow
	if snippets != nil {
		err := eachRow(scanSnippet, func(sn *canopy.Snippet) {
			if st := snippets.Get(sn.Type); st != nil {
				for _, r := range canopy.FieldReferences(st.Fields, sn.Fields) {
					rows = append(rows, refRow{refFromSnippet, sn.Type, sn.ID, r})
				}
			}
		})(tx.QueryContext(ctx, `SELECT `+snippetColumns+` FROM snippets WHERE site_id = $1`, site))
		if err != nil {
			return err
		}
	}
	if err := tx.deleteRefs(ctx, site, refFromSettings, "", nil); err != nil {
		return err
	}
	type settingsRow struct{ name, body string }
	err := eachRow(func(r scanner) (s settingsRow, err error) { err = r.Scan(&s.name, &s.body); return s, err }, func(s settingsRow) {
		var fields map[string]any
		if json.Unmarshal([]byte(s.body), &fields) != nil {
			return
		}
		for _, r := range settingsRefs(s.name, fields) {
			rows = append(rows, refRow{refFromSettings, s.name, 0, r})
		}
	})(tx.QueryContext(ctx, `SELECT name, fields FROM site_settings WHERE site_id = $1`, site))
	if err != nil {
		return err
	}
	return tx.insertRefs(ctx, site, rows)
}

// settingsRefs lists the references of a settings group's values.
func settingsRefs(name string, fields map[string]any) []canopy.Reference {
	for _, st := range canopy.BuiltinSettingsTypes() {
		if st.Name == name {
			return canopy.FieldReferences(st.Fields, fields)
		}
	}
	return nil
}

// RebuildReferences writes a site's reference index again from its pages,
// snippets and settings, in one transaction.
func (db *DB) RebuildReferences(ctx context.Context, site int64, types *canopy.PageTypes, snippets *canopy.SnippetTypes) error {
	return db.write(ctx, func(tx *Tx) error {
		db.UsePageTypes(types)
		db.UseSnippetTypes(snippets)
		if err := tx.indexPages(ctx, site, nil); err != nil {
			return err
		}
		return tx.rebuildSnippetAndSettingsRefs(ctx, site, snippets)
	})
}

// PendingJob reports whether a job an upgrade left (pending_jobs) waits.
func (db *DB) PendingJob(ctx context.Context, name string) (pending bool, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pending_jobs WHERE name = $1)`, name).Scan(&pending)
	})
	return pending, err
}

// JobDone forgets a pending job.
func (db *DB) JobDone(ctx context.Context, name string) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM pending_jobs WHERE name = $1`, name)
		return err
	})
}

// Usage lists where an object of this site (or of the shared library) is
// used on this site: pages (by their admin title), snippets and settings
// groups, with the field; limit rows from offset, and the total.
func (s *SiteDB) Usage(ctx context.Context, kind string, id int64, limit, offset int) (out []canopy.Usage, total int, err error) {
	if limit <= 0 {
		limit = 100
	}
	err = s.db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM object_refs WHERE site_id = $1 AND target_kind = $2 AND target_id = $3`, s.site, kind, id).Scan(&total); err != nil {
			return err
		}
		return eachRow(func(r scanner) (u canopy.Usage, err error) {
			err = r.Scan(&u.SourceKind, &u.SourceType, &u.SourceID, &u.Field, &u.Title)
			return u, err
		}, func(u canopy.Usage) { out = append(out, u) })(tx.QueryContext(ctx, `SELECT o.source_kind,
			CASE WHEN o.source_kind = 'page' THEN COALESCE(p.page_type, '') ELSE o.source_name END, o.source_id, o.field,
			COALESCE(CASE WHEN o.source_kind = 'page' THEN COALESCE(NULLIF(p.draft_title, ''), p.title) ELSE sn.title END, '')
			FROM object_refs o
			LEFT JOIN pages p ON o.source_kind = 'page' AND p.site_id = o.site_id AND p.id = o.source_id
			LEFT JOIN snippets sn ON o.source_kind = 'snippet' AND sn.site_id = o.site_id AND sn.id = o.source_id
			WHERE o.site_id = $1 AND o.target_kind = $2 AND o.target_id = $3
			ORDER BY o.source_kind, o.source_id, o.field LIMIT $4 OFFSET $5`, s.site, kind, id, limit, offset))
	})
	return out, total, err
}

// UsageCounts counts, for each of ids, the sources on this site that use
// the object (ids not used are left out).
func (s *SiteDB) UsageCounts(ctx context.Context, kind string, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.read(ctx, func(tx *Tx) error {
		args := []any{s.site, kind}
		type count struct {
			id int64
			n  int
		}
		return eachRow(func(r scanner) (c count, err error) { err = r.Scan(&c.id, &c.n); return c, err },
			func(c count) { out[c.id] = c.n })(tx.QueryContext(ctx, `SELECT target_id, count(DISTINCT source_kind || source_name || ':' || source_id)
			FROM object_refs WHERE site_id = $1 AND target_kind = $2 AND target_id`+inIDs(&args, ids)+` GROUP BY target_id`, args...))
	})
	return out, err
}

// BrokenRefs lists one page of this site's references to what no longer
// exists (a page, image, document or snippet since deleted) or to a page
// that is not live, by source, with how many there are: one statement over
// the reference index.
func (s *SiteDB) BrokenRefs(ctx context.Context, limit, offset int) (out []canopy.BrokenRef, total int, err error) {
	out = []canopy.BrokenRef{}
	err = s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT o.source_kind, o.source_name, o.source_id, o.field, o.target_kind, o.target_id,
			COALESCE(CASE WHEN o.source_kind = 'page' THEN COALESCE(NULLIF(sp.draft_title, ''), sp.title) ELSE sn.title END, ''),
			COALESCE(NULLIF(tp.draft_title, ''), tp.title, ''), count(*) OVER ()
			FROM object_refs o
			LEFT JOIN pages sp ON o.source_kind = 'page' AND sp.site_id = o.site_id AND sp.id = o.source_id
			LEFT JOIN snippets sn ON o.source_kind = 'snippet' AND sn.site_id = o.site_id AND sn.id = o.source_id
			LEFT JOIN pages tp ON o.target_kind = 'page' AND tp.site_id = o.site_id AND tp.id = o.target_id
			LEFT JOIN images ti ON o.target_kind = 'image' AND ti.id = o.target_id AND (ti.site_id = o.site_id OR ti.site_id IS NULL)
			LEFT JOIN documents td ON o.target_kind = 'document' AND td.id = o.target_id AND (td.site_id = o.site_id OR td.site_id IS NULL)
			LEFT JOIN snippets ts ON o.target_kind = 'snippet' AND ts.site_id = o.site_id AND ts.id = o.target_id
			WHERE o.site_id = $1 AND (o.source_kind <> 'page' OR sp.id IS NOT NULL) AND (
				(o.target_kind = 'page' AND (tp.id IS NULL OR NOT tp.live)) OR (o.target_kind = 'image' AND ti.id IS NULL)
				OR (o.target_kind = 'document' AND td.id IS NULL) OR (o.target_kind = 'snippet' AND ts.id IS NULL))
			ORDER BY o.source_kind, o.source_id, o.field, o.target_kind, o.target_id`+pageClause(limit, offset), s.site)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r canopy.BrokenRef
			if err := rows.Scan(&r.SourceKind, &r.SourceName, &r.SourceID, &r.Field, &r.TargetKind, &r.TargetID, &r.SourceTitle, &r.TargetTitle, &total); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, total, err
}
