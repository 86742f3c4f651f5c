package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

const snippetColumns = `id, site_id, snippet_type, title, fields, created_at, updated_at`

func scanSnippet(row scanner) (*canopy.Snippet, error) {
	s := &canopy.Snippet{}
	var fields string
	if err := row.Scan(&s.ID, &s.SiteID, &s.Type, &s.Title, &fields, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, json.Unmarshal([]byte(fields), &s.Fields)
}

func snippetKeys(st *canopy.SnippetType, fields map[string]any) (title string, unique any, search string) {
	title = st.TitleOf(fields)
	if st.Unique != "" {
		if v, ok := fields[st.Unique].(string); ok && v != "" {
			unique = strings.ToLower(strings.TrimSpace(v))
		}
	}
	var parts []string
	for _, f := range st.Search {
		if v, ok := fields[f].(string); ok && v != "" {
			parts = append(parts, strings.ToLower(v))
		}
	}
	return title, unique, strings.Join(parts, " \x1f ")
}

func (s *SiteDB) findSnippet(ctx context.Context, tx *Tx, typ string, id int64) (*canopy.Snippet, error) {
	sn, err := scanSnippet(tx.QueryRowContext(ctx, `SELECT `+snippetColumns+` FROM snippets WHERE site_id = $1 AND snippet_type = $2 AND id = $3`, s.site, typ, id))
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "%s %d not found", typ, id)
	}
	return sn, err
}

func (s *SiteDB) checkSnippetUnique(ctx context.Context, tx *Tx, st *canopy.SnippetType, unique any, exceptID int64) error {
	if unique == nil {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM snippets WHERE site_id = $1 AND snippet_type = $2 AND unique_key = $3 AND id <> $4`,
		s.site, st.Name, unique, exceptID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return canopy.Errorf(canopy.ECONFLICT, "a %s with this %s already exists on this site", st.Label, st.Unique)
	}
	return nil
}

// CreateSnippet stores a snippet of this site (fields already cleaned).
func (s *SiteDB) CreateSnippet(ctx context.Context, st *canopy.SnippetType, fields map[string]any) (sn *canopy.Snippet, err error) {
	title, unique, search := snippetKeys(st, fields)
	body, err := json.Marshal(nonNil(fields))
	if err != nil {
		return nil, err
	}
	err = s.db.write(ctx, func(tx *Tx) error {
		id, err := s.createSnippet(ctx, tx, st, title, unique, search, string(body))
		if err != nil {
			return err
		}
		sn, err = s.findSnippet(ctx, tx, st.Name, id)
		return err
	})
	return sn, err
}

func (s *SiteDB) createSnippet(ctx context.Context, tx *Tx, st *canopy.SnippetType, title string, unique any, search, body string) (int64, error) {
	if err := s.checkSnippetUnique(ctx, tx, st, unique, 0); err != nil {
		return 0, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO snippets (site_id, snippet_type, title, fields, unique_key, search_text, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, s.site, st.Name, title, body, unique, search, tx.now).Scan(&id); err != nil {
		return 0, err
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(body), &fields); err != nil {
		return 0, err
	}
	if err := tx.indexObject(ctx, s.site, SearchSnippet, id, canopy.SnippetSearchDoc(st, title, fields, PlainText)); err != nil {
		return 0, err
	}
	if err := tx.setRefs(ctx, s.site, refFromSnippet, st.Name, id, canopy.FieldReferences(st.Fields, fields)); err != nil {
		return 0, err
	}
	if err := tx.log(ctx, s.site, "create", "snippet."+st.Name, id, title, nil); err != nil {
		return 0, err
	}
	return id, tx.touchSite(ctx, s.site)
}

// UpdateSnippet replaces a snippet's fields.
func (s *SiteDB) UpdateSnippet(ctx context.Context, st *canopy.SnippetType, id int64, fields map[string]any) (sn *canopy.Snippet, err error) {
	title, unique, search := snippetKeys(st, fields)
	body, err := json.Marshal(nonNil(fields))
	if err != nil {
		return nil, err
	}
	err = s.db.write(ctx, func(tx *Tx) error {
		if _, err := s.findSnippet(ctx, tx, st.Name, id); err != nil {
			return err
		}
		if err := s.checkSnippetUnique(ctx, tx, st, unique, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE snippets SET title = $3, fields = $4, unique_key = $5, search_text = $6, updated_at = $7
			WHERE site_id = $1 AND id = $2`, s.site, id, title, string(body), unique, search, tx.now); err != nil {
			return err
		}
		if err := tx.indexObject(ctx, s.site, SearchSnippet, id, canopy.SnippetSearchDoc(st, title, fields, PlainText)); err != nil {
			return err
		}
		if err := tx.setRefs(ctx, s.site, refFromSnippet, st.Name, id, canopy.FieldReferences(st.Fields, fields)); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "edit", "snippet."+st.Name, id, title, nil); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		sn, err = s.findSnippet(ctx, tx, st.Name, id)
		return err
	})
	return sn, err
}

// DeleteSnippet deletes a snippet; pages that referred to it show nothing there.
func (s *SiteDB) DeleteSnippet(ctx context.Context, typ string, id int64) error {
	return s.db.write(ctx, func(tx *Tx) error {
		sn, err := s.findSnippet(ctx, tx, typ, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM snippets WHERE site_id = $1 AND id = $2`, s.site, id); err != nil {
			return err
		}
		if err := tx.deleteDocs(ctx, s.site, SearchSnippet, []int64{id}); err != nil {
			return err
		}
		if err := tx.deleteRefs(ctx, s.site, refFromSnippet, "", []int64{id}); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "delete", "snippet."+typ, id, sn.Title, nil); err != nil {
			return err
		}
		return tx.touchSite(ctx, s.site)
	})
}

// Snippet returns one snippet of this site.
func (s *SiteDB) Snippet(ctx context.Context, typ string, id int64) (sn *canopy.Snippet, err error) {
	err = s.db.read(ctx, func(tx *Tx) error { sn, err = s.findSnippet(ctx, tx, typ, id); return err })
	return sn, err
}

// Snippets lists this site's snippets of a type by title, optionally those
// whose searchable fields contain q (case-insensitive), with the total count.
func (s *SiteDB) Snippets(ctx context.Context, typ, q string, limit, offset int) (out []*canopy.Snippet, total int, err error) {
	return s.SnippetsOrdered(ctx, typ, q, "", limit, offset)
}

// SnippetOrders are the orders a snippet listing can take ("" is title).
var SnippetOrders = map[string]string{
	"":         "lower(title), id",
	"title":    "lower(title), id",
	"-title":   "lower(title) DESC, id DESC",
	"updated":  "updated_at, id",
	"-updated": "updated_at DESC, id DESC",
}

// SnippetsOrdered is Snippets in one of SnippetOrders.
func (s *SiteDB) SnippetsOrdered(ctx context.Context, typ, q, order string, limit, offset int) (out []*canopy.Snippet, total int, err error) {
	rest := `snippet_type = $2`
	args := []any{s.site, typ}
	if q = strings.TrimSpace(q); q != "" {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q))
		rest += ` AND search_text LIKE $3 ESCAPE '\'`
		args = append(args, "%"+esc+"%")
	}
	listArgs := append([]any{}, args...)
	orderBy, ok := SnippetOrders[order]
	if !ok {
		// A field the listing shows: its value in the JSON, then the title.
		var st *canopy.SnippetType
		if types := s.db.snippetTypes.Load(); types != nil {
			st = types.Get(typ)
		}
		name, dir := strings.TrimPrefix(order, "-"), ""
		if strings.HasPrefix(order, "-") {
			dir = " DESC"
		}
		listed := false
		if st != nil {
			for _, f := range st.ListColumns() {
				listed = listed || f.Name == name
			}
		}
		if !listed {
			return nil, 0, canopy.FieldErrorf("ordering", canopy.EINVALID, "cannot order snippets by %q (use title, updated or a listed field, - first to reverse)", order)
		}
		listArgs = append(listArgs, name)
		n := "$" + strconv.Itoa(len(listArgs))
		value := `json_extract(fields, '$.' || ` + n + `)`
		if s.db.dialect == Postgres {
			value = `(fields::jsonb ->> CAST(` + n + ` AS TEXT))`
		}
		orderBy = `lower(CAST(` + value + ` AS TEXT))` + dir + `, lower(title)` + dir + `, id` + dir
	}
	out = []*canopy.Snippet{}
	err = s.db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM snippets WHERE site_id = $1 AND `+rest, args...).Scan(&total); err != nil {
			return err
		}
		listArgs = append(listArgs, limit, offset)
		return eachRow(scanSnippet, func(sn *canopy.Snippet) { out = append(out, sn) })(
			tx.QueryContext(ctx, `SELECT `+snippetColumns+` FROM snippets WHERE site_id = $1 AND `+rest+` ORDER BY `+orderBy+` LIMIT $`+strconv.Itoa(len(listArgs)-1)+` OFFSET $`+strconv.Itoa(len(listArgs)), listArgs...))
	})
	return out, total, err
}

// SearchSnippets finds this site's snippets of a type that match the
// search (the fields their type searches), best match first; one page of
// them and the total.
func (s *SiteDB) SearchSnippets(ctx context.Context, typ string, sq *canopy.SearchQuery, limit, offset int) (out []*canopy.Snippet, total int, err error) {
	out = []*canopy.Snippet{}
	err = s.db.read(ctx, func(tx *Tx) error {
		m, err := tx.compileSearch(ctx, []int64{s.site}, sq)
		if err != nil || m.expr == "" {
			return err
		}
		args := []any{s.site, typ}
		from := ` FROM snippets JOIN ` + tx.hitsSQL(m, SearchSnippet, []int64{s.site}, false, &args) + ` AS h ON h.sid = snippets.id WHERE site_id = $1 AND snippet_type = $2`
		if err := tx.QueryRowContext(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
			return err
		}
		n := len(args)
		args = append(args, limit, offset)
		return eachRow(scanSnippet, func(sn *canopy.Snippet) { out = append(out, sn) })(
			tx.QueryContext(ctx, `SELECT `+prefixed("snippets.", snippetColumns)+from+` ORDER BY h.srank DESC, lower(title), snippets.id LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), args...))
	})
	return out, total, err
}

// SnippetsByID returns this site's snippets with the given ids.
func (s *SiteDB) SnippetsByID(ctx context.Context, ids []int64) (map[int64]*canopy.Snippet, error) {
	out := map[int64]*canopy.Snippet{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{s.site}
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = "$" + strconv.Itoa(i+2)
	}
	err := s.db.read(ctx, func(tx *Tx) error {
		return eachRow(scanSnippet, func(sn *canopy.Snippet) { out[sn.ID] = sn })(
			tx.QueryContext(ctx, `SELECT `+snippetColumns+` FROM snippets WHERE site_id = $1 AND id IN (`+strings.Join(ph, ",")+`)`, args...))
	})
	return out, err
}
