package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/canopy-cms/canopy"
)

// PageQuery is canopy.PageQuery (the domain type; this alias keeps the store readable).
type PageQuery = canopy.PageQuery

// FieldFilter is canopy.FieldFilter (the domain type; this alias keeps the store readable).
type FieldFilter = canopy.FieldFilter

// Order is canopy.Order (the domain type; this alias keeps the store readable).
type Order = canopy.Order

// pageQueryColumns are the page columns a filter or order may name.
var pageQueryColumns = map[string]string{
	"id": "id", "title": "title", "slug": "slug", "seo_title": "seo_title", "search_description": "search_description",
	"show_in_menus": "show_in_menus", "hide_from_search": "hide_from_search", "first_published_at": "first_published_at", "last_published_at": "last_published_at",
	"type": "page_type", "url_path": "url_path",
}

// jsonField returns an SQL expression for a declared field's value inside the
// fields JSON, as text (booleans as 'true'/'false', numbers as digits).
func (db *DB) jsonField(name string, t canopy.FieldType) string {
	if db.dialect == Postgres {
		return fmt.Sprintf("(fields::jsonb ->> '%s')", name)
	}
	if t == canopy.FieldBoolean {
		return fmt.Sprintf("(CASE json_extract(fields, '$.%s') WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)", name)
	}
	return fmt.Sprintf("CAST(json_extract(fields, '$.%s') AS TEXT)", name)
}

// orderExpr returns the expression to sort a declared field by.
func (db *DB) orderExpr(name string, t canopy.FieldType) string {
	if t == canopy.FieldInteger || t == canopy.FieldPage {
		if db.dialect == Postgres {
			return fmt.Sprintf("(fields::jsonb ->> '%s')::bigint", name)
		}
		return fmt.Sprintf("json_extract(fields, '$.%s')", name)
	}
	return db.jsonField(name, t)
}

// QueryPages runs a PageQuery and returns the page and the total count
// before limit and offset.
func (s *SiteDB) QueryPages(ctx context.Context, q PageQuery) (out []*canopy.Page, total int, err error) {
	return s.queryPages(ctx, q, nil)
}

// PageHit is canopy.PageHit (the domain type; this alias keeps the store readable).
type PageHit = canopy.PageHit

// SearchPages runs a PageQuery with Search set and returns the pages found
// with the text that matched, and the total count.
func (s *SiteDB) SearchPages(ctx context.Context, q PageQuery) (out []PageHit, total int, err error) {
	if q.Search == nil {
		return nil, 0, canopy.Errorf(canopy.EINVALID, "nothing to search for")
	}
	var hits []PageHit
	_, total, err = s.queryPages(ctx, q, func(p *canopy.Page, title, body string) {
		hits = append(hits, PageHit{Page: p, Title: title, Body: body})
	})
	return hits, total, err
}

func (s *SiteDB) queryPages(ctx context.Context, q PageQuery, hit func(p *canopy.Page, title, body string)) (out []*canopy.Page, total int, err error) {
	where := []string{"site_id = $1", "depth > 1"}
	args := []any{s.site}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.LiveOnly {
		where = append(where, "live")
	}
	if len(q.Types) > 0 {
		ph := make([]string, len(q.Types))
		for i, t := range q.Types {
			ph[i] = arg(t)
		}
		where = append(where, "page_type IN ("+strings.Join(ph, ", ")+")")
	}
	if q.ChildOf != 0 {
		where = append(where, "parent_id = "+arg(q.ChildOf))
	}
	for _, p := range q.ExcludeUnder {
		where = append(where, "NOT (path >= "+arg(p)+" AND path < "+arg(canopy.PathUpperBound(p))+")")
	}
	if q.DescendantOf != "" {
		where = append(where, "path > "+arg(q.DescendantOf), "path < "+arg(canopy.PathUpperBound(q.DescendantOf)))
	}
	if q.AncestorOf != "" {
		anc := canopy.AncestorPaths(q.AncestorOf)
		ph := make([]string, 0, len(anc))
		for _, a := range anc {
			ph = append(ph, arg(a))
		}
		if len(ph) == 0 {
			ph = append(ph, "''")
		}
		where = append(where, "path IN ("+strings.Join(ph, ", ")+")")
	}
	for _, f := range q.Filters {
		if !safeName(f.Name) {
			return nil, 0, canopy.Errorf(canopy.EINVALID, "cannot filter by %q", f.Name)
		}
		if f.Type == "" {
			col, ok := pageQueryColumns[f.Name]
			if !ok {
				return nil, 0, canopy.Errorf(canopy.EINVALID, "cannot filter by %q", f.Name)
			}
			where = append(where, col+" = "+arg(f.Value))
			continue
		}
		where = append(where, s.db.jsonField(f.Name, f.Type)+" = "+arg(fmt.Sprint(f.Value)))
	}
	cond := strings.Join(where, " AND ")
	order := "path"
	if q.Random {
		order = "random()"
	} else if len(q.Order) > 0 {
		var terms []string
		for _, o := range q.Order {
			if !safeName(o.Name) {
				return nil, 0, canopy.Errorf(canopy.EINVALID, "cannot order by %q", o.Name)
			}
			expr, ok := pageQueryColumns[o.Name]
			if o.Type != "" {
				expr, ok = s.db.orderExpr(o.Name, o.Type), true
			}
			if !ok {
				return nil, 0, canopy.Errorf(canopy.EINVALID, "cannot order by %q", o.Name)
			}
			if o.Desc {
				expr += " DESC"
			}
			terms = append(terms, expr)
		}
		order = strings.Join(terms, ", ") + ", path"
	}
	limit := q.Limit // 0: the default page size; negative: count only
	if limit == 0 {
		limit = 20
	}
	err = s.db.read(ctx, func(tx *Tx) error {
		from := "pages"
		if q.Search != nil {
			m, err := tx.compileSearch(ctx, []int64{s.site}, q.Search)
			if err != nil || m.expr == "" {
				return err
			}
			from = "pages JOIN " + tx.hitsSQL(m, SearchPage, []int64{s.site}, q.SearchLatest, &args) + " AS s ON s.sid = pages.id"
			if len(q.Order) == 0 && !q.Random {
				order = "srank DESC, path"
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+from+` WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		if total == 0 || q.Offset >= total || limit < 0 {
			return nil
		}
		la := append(append([]any{}, args...), limit, q.Offset)
		query := `SELECT ` + pageColumns + ` FROM ` + from + ` WHERE ` + cond +
			fmt.Sprintf(` ORDER BY %s LIMIT $%d OFFSET $%d`, order, len(args)+1, len(args)+2)
		if hit == nil {
			out, err = scanPages(tx.QueryContext(ctx, query, la...))
			return err
		}
		query = strings.Replace(query, ` FROM `, `, stitle, sbody FROM `, 1)
		return eachRow(func(r scanner) (struct{}, error) {
			var title, body string
			p, err := scanPage(extraScan{r, []any{&title, &body}})
			if err == nil {
				out = append(out, p)
				hit(p, title, body)
			}
			return struct{}{}, err
		}, func(struct{}) {})(tx.QueryContext(ctx, query, la...))
	})
	return out, total, err
}

// PagesByID returns the site's pages with the given ids (missing ids are skipped).
func (s *SiteDB) PagesByID(ctx context.Context, ids []int64) (out []*canopy.Page, err error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{s.site}
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	err = s.db.read(ctx, func(tx *Tx) error {
		out, err = scanPages(tx.QueryContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE site_id = $1 AND id IN (`+strings.Join(ph, ",")+`)`, args...))
		return err
	})
	return out, err
}

// safeName reports whether a field name may be written into SQL (declared
// field names are lower-case letters, digits and underscores).
func safeName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// pageClause is the LIMIT/OFFSET of one page of a list: limit rows (0: none,
// when only the count is asked for) after offset, or every row when limit is
// negative.
func pageClause(limit, offset int) string {
	if limit < 0 {
		return ""
	}
	return fmt.Sprintf(` LIMIT %d OFFSET %d`, limit, offset)
}
