package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

// The search index (decision 0019). search_documents holds one row per
// indexed object and state; the engine's index (SQLite: the FTS5 table
// search_fts, rowid = the document's id; PostgreSQL: the tsv column and its
// GIN index) holds the document's words, each written with its site's prefix
// s{site}x, so a search on one site reads that site's postings only. The
// index is written inside the transaction of the change that it follows.

// Kinds of indexed objects.
const (
	SearchPage     = "page"
	SearchImage    = "image"
	SearchDocument = "document"
	SearchSnippet  = "snippet"
)

// searchKey names pages to index again before the transaction commits.
type searchKey struct {
	site, page int64 // page 0: every page of the site
}

// searchPage marks a page of a site to be indexed again at commit (its
// content, live state or latest draft changed, or it was deleted).
func (tx *Tx) searchPage(siteID, pageID int64) {
	if tx.searchMarks == nil {
		tx.searchMarks = map[searchKey]bool{}
	}
	tx.searchMarks[searchKey{siteID, pageID}] = true
}

// UsePageTypes remembers the installation's page types: the index reads
// page content with them (which fields are searched, at what weight). The
// service sets them when it starts.
func (db *DB) UsePageTypes(types *canopy.PageTypes) {
	if types != nil && db.pageTypes.Load() != types {
		db.pageTypes.Store(types)
	}
}

// flushSearch indexes again the pages marked in the transaction.
func (tx *Tx) flushSearch(ctx context.Context) error {
	if len(tx.searchMarks) == 0 || tx.db.legacy {
		return nil
	}
	bySite := map[int64][]int64{}
	all := map[int64]bool{}
	for k := range tx.searchMarks {
		if k.page == 0 {
			all[k.site] = true
		}
		bySite[k.site] = append(bySite[k.site], k.page)
	}
	sites := make([]int64, 0, len(bySite))
	for s := range bySite {
		sites = append(sites, s)
	}
	sort.Slice(sites, func(i, j int) bool { return sites[i] < sites[j] })
	for _, site := range sites {
		ids := bySite[site]
		if all[site] {
			ids = nil
		} else {
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		}
		if err := tx.indexPages(ctx, site, ids); err != nil {
			return err
		}
	}
	tx.searchMarks = nil
	return nil
}

// docRow is one document to write.
type docRow struct {
	site     int64
	kind     string
	object   int64
	live     bool
	latest   bool
	doc      canopy.SearchDoc
	pageType string
}

// inIDs is " IN ($n, …)" for ids, with the ids appended to args.
func inIDs(args *[]any, ids []int64) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		*args = append(*args, id)
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return " IN (" + strings.Join(ph, ", ") + ")"
}

// chunks calls fn with ids in slices of at most n (nil once for nil ids).
func chunks(ids []int64, n int, fn func([]int64) error) error {
	if ids == nil {
		return fn(nil)
	}
	for len(ids) > 0 {
		k := min(n, len(ids))
		if err := fn(ids[:k]); err != nil {
			return err
		}
		ids = ids[k:]
	}
	return nil
}

// indexPages writes the documents of a site's pages again: ids, or every
// page when ids is nil. A page that no longer exists loses its documents.
func (tx *Tx) indexPages(ctx context.Context, site int64, ids []int64) error {
	return chunks(ids, 500, func(ids []int64) error {
		if err := tx.deleteDocs(ctx, site, SearchPage, ids); err != nil {
			return err
		}
		if err := tx.deleteRefs(ctx, site, refFromPage, "", ids); err != nil {
			return err
		}
		var refs []refRow
		args := []any{site}
		only := ""
		if ids != nil {
			only = " AND p.id" + inIDs(&args, ids)
		}
		var rows []docRow
		err := eachRow(func(r scanner) (struct{}, error) {
			var id int64
			var typ, title, seo, desc, fields string
			var live, changed bool
			var rev *string
			if err := r.Scan(&id, &typ, &title, &seo, &desc, &fields, &live, &changed, &rev); err != nil {
				return struct{}{}, err
			}
			var pt *canopy.PageType
			if types := tx.db.pageTypes.Load(); types != nil {
				pt = types.Get(typ)
			}
			row := canopy.PageContent{Title: title, SeoTitle: seo, SearchDescription: desc}
			if err := json.Unmarshal([]byte(fields), &row.Fields); err != nil {
				return struct{}{}, fmt.Errorf("page %d: bad fields JSON: %w", id, err)
			}
			latest := row
			if rev != nil {
				latest = canopy.PageContent{} // not into the live content's map
				if err := json.Unmarshal([]byte(*rev), &latest); err != nil {
					return struct{}{}, fmt.Errorf("page %d: bad revision JSON: %w", id, err)
				}
			}
			if pt != nil {
				seen := map[canopy.Reference]bool{}
				for _, fields := range []map[string]any{row.Fields, latest.Fields} {
					for _, r := range canopy.FieldReferences(pt.Fields, fields) {
						if !seen[r] {
							seen[r] = true
							refs = append(refs, refRow{refFromPage, "", id, r})
						}
					}
				}
			}
			switch {
			case live && rev == nil:
				rows = append(rows, docRow{site, SearchPage, id, true, true, canopy.PageSearchDoc(pt, row, PlainText), typ})
			case live:
				rows = append(rows, docRow{site, SearchPage, id, true, false, canopy.PageSearchDoc(pt, row, PlainText), typ},
					docRow{site, SearchPage, id, false, true, canopy.PageSearchDoc(pt, latest, PlainText), typ})
			default:
				rows = append(rows, docRow{site, SearchPage, id, false, true, canopy.PageSearchDoc(pt, latest, PlainText), typ})
			}
			return struct{}{}, nil
		}, func(struct{}) {})(tx.QueryContext(ctx, `SELECT p.id, p.page_type, p.title, p.seo_title, p.search_description, p.fields, p.live,
			p.has_unpublished_changes, r.content
			FROM pages p LEFT JOIN revisions r ON p.has_unpublished_changes AND r.site_id = p.site_id AND r.id = p.latest_revision_id
			WHERE p.site_id = $1 AND p.depth > 1`+only, args...))
		if err != nil {
			return err
		}
		if err := tx.insertRefs(ctx, site, refs); err != nil {
			return err
		}
		return tx.insertDocs(ctx, rows)
	})
}

// deleteDocs removes the documents of objects of a kind (ids nil: every
// object of that kind of the site; kind "": every document of the site).
func (tx *Tx) deleteDocs(ctx context.Context, site int64, kind string, ids []int64) error {
	if tx.db.legacy {
		return nil // a test's database built as before the index existed
	}
	args := []any{site}
	more := ""
	if kind != "" {
		args = append(args, kind)
		more = " AND kind = $2"
	}
	if ids != nil {
		if len(ids) == 0 {
			return nil
		}
		more += " AND object_id" + inIDs(&args, ids)
	}
	if tx.db.dialect == SQLite {
		if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_documents WHERE site_id = $1`+more+`)`, args...); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM search_documents WHERE site_id = $1`+more, args...)
	return err
}

// sitePrefix is the prefix of every word indexed for a site.
func sitePrefix(site int64) string { return "s" + strconv.FormatInt(site, 10) + "x" }

// prefixWords writes text as its words, each with the prefix, separated by
// spaces (the words SQLite's unicode61 tokenizer would find).
func prefixWords(prefix, text string) string {
	var b strings.Builder
	in := false
	for _, r := range text {
		if canopy.IsSearchTokenRune(r) {
			if !in {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(prefix)
				in = true
			}
			b.WriteRune(r)
		} else {
			in = false
		}
	}
	return b.String()
}

// searchConfig is PostgreSQL's text search configuration of a site's
// language (the site as parameter ref), English unless known.
func searchConfig(ref string) string {
	return `COALESCE((SELECT CASE language ` + searchConfigCases + ` ELSE 'english' END FROM sites WHERE id = ` + ref + `), 'english')::regconfig`
}

// searchLanguages maps the site languages the index knows to PostgreSQL's
// built-in text search configurations.
var searchLanguages = map[string]string{
	"ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english", "es": "spanish",
	"eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian",
	"id": "indonesian", "it": "italian", "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
	"pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil",
	"tr": "turkish", "yi": "yiddish",
}

var searchConfigCases = func() string {
	codes := make([]string, 0, len(searchLanguages))
	for c := range searchLanguages {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var b strings.Builder
	for _, c := range codes {
		fmt.Fprintf(&b, "WHEN '%s' THEN '%s' ", c, searchLanguages[c])
	}
	return b.String()
}()

// SearchLanguages lists the language codes a site may set (for messages).
func SearchLanguages() []string {
	out := make([]string, 0, len(searchLanguages))
	for c := range searchLanguages {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// pgPrefixedVector is the SQL of a tsvector of four texts (weights A–D) in a
// configuration, its lexemes prefixed (positions and weights kept).
const pgPrefixedVector = `(SELECT COALESCE(string_agg('''' || v.pfx || replace(replace(u.lexeme, '\', '\\'), '''', '''''') || '''' ||
	COALESCE(':' || array_to_string(ARRAY(SELECT x.p || x.w FROM unnest(u.positions, u.weights) AS x(p, w)), ','), ''), ' '), '')::tsvector
	FROM unnest(setweight(to_tsvector(cfg.c, v.a), 'A') || setweight(to_tsvector(cfg.c, v.b), 'B') ||
		setweight(to_tsvector(cfg.c, v.c), 'C') || setweight(to_tsvector(cfg.c, v.d), 'D')) AS u)`

// insertDocs writes documents (all of one site) and their index entries.
func (tx *Tx) insertDocs(ctx context.Context, rows []docRow) error {
	for len(rows) > 0 {
		n := min(len(rows), 200)
		if err := tx.insertDocBatch(ctx, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func (tx *Tx) insertDocBatch(ctx context.Context, rows []docRow) error {
	if len(rows) == 0 {
		return nil
	}
	var b strings.Builder
	var args []any
	add := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if tx.db.dialect == Postgres {
		b.WriteString(`INSERT INTO search_documents (site_id, kind, object_id, live, latest, title, body, tsv)
			SELECT v.site_id, v.kind, v.object_id, v.live, v.latest, v.title, v.body, ` + pgPrefixedVector + `
			FROM (VALUES `)
		for i, r := range rows {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%s::bigint, %s::text, %s::bigint, %s::boolean, %s::boolean, %s::text, %s::text, %s::text, %s::text, %s::text, %s::text, %s::text)",
				add(r.site), add(r.kind), add(r.object), add(r.live), add(r.latest), add(r.doc.Title), add(r.doc.Body),
				add(r.doc.Text[0]), add(r.doc.Text[1]), add(r.doc.Text[2]), add(r.doc.Text[3]), add(sitePrefix(r.site)))
		}
		b.WriteString(`) AS v(site_id, kind, object_id, live, latest, title, body, a, b, c, d, pfx), (SELECT ` + searchConfig(add(rows[0].site)) + ` AS c) AS cfg`)
		_, err := tx.ExecContext(ctx, b.String(), args...)
		return err
	}
	b.WriteString(`INSERT INTO search_documents (site_id, kind, object_id, live, latest, title, body) VALUES `)
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%s, %s, %s, %s, %s, %s, %s)", add(r.site), add(r.kind), add(r.object), add(r.live), add(r.latest), add(r.doc.Title), add(r.doc.Body))
	}
	b.WriteString(` RETURNING id, site_id, kind, object_id, live, latest`)
	type key struct {
		site         int64
		kind         string
		object       int64
		live, latest bool
	}
	byKey := map[key]int64{}
	err := eachRow(func(r scanner) (struct{}, error) {
		var k key
		var id int64
		err := r.Scan(&id, &k.site, &k.kind, &k.object, &k.live, &k.latest)
		byKey[k] = id
		return struct{}{}, err
	}, func(struct{}) {})(tx.QueryContext(ctx, b.String(), args...))
	if err != nil {
		return err
	}
	b.Reset()
	args = args[:0]
	b.WriteString(`INSERT INTO search_fts (rowid, a, b, c, d) VALUES `)
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		pfx := sitePrefix(r.site)
		fmt.Fprintf(&b, "(%s, %s, %s, %s, %s)", add(byKey[key{r.site, r.kind, r.object, r.live, r.latest}]), add(prefixWords(pfx, r.doc.Text[0])),
			add(prefixWords(pfx, r.doc.Text[1])), add(prefixWords(pfx, r.doc.Text[2])), add(prefixWords(pfx, r.doc.Text[3])))
	}
	_, err = tx.ExecContext(ctx, b.String(), args...)
	return err
}

// indexObject writes the one document of an image, a document or a snippet
// (replacing the one it had).
func (tx *Tx) indexObject(ctx context.Context, site int64, kind string, id int64, doc canopy.SearchDoc) error {
	if tx.db.legacy {
		return nil
	}
	if err := tx.deleteDocs(ctx, site, kind, []int64{id}); err != nil {
		return err
	}
	return tx.insertDocs(ctx, []docRow{{site: site, kind: kind, object: id, live: true, latest: true, doc: doc}})
}

// searchMatch is a query compiled for the engine.
type searchMatch struct {
	// expr is the FTS5 MATCH expression or the PostgreSQL tsquery text; empty
	// when nothing can match (the query's words are all stop words of the
	// site's language).
	expr string
}

// compileSearch turns a parsed query into the engine's syntax for the given
// sites (a document matches when it matches for its own site). Only words
// reach the engine, quoted, so nothing a user typed is syntax.
func (tx *Tx) compileSearch(ctx context.Context, sites []int64, q *canopy.SearchQuery) (searchMatch, error) {
	if tx.db.dialect == Postgres {
		return tx.compilePG(ctx, sites, q)
	}
	var alts []string
	for _, site := range sites {
		pfx := sitePrefix(site)
		for _, g := range q.Groups {
			var terms []string
			for _, t := range g {
				words := make([]string, len(t.Words))
				for i, w := range t.Words {
					words[i] = pfx + w
				}
				s := `"` + strings.Join(words, " ") + `"`
				if t.Prefix {
					s += " *"
				}
				terms = append(terms, s)
			}
			alts = append(alts, "("+strings.Join(terms, " AND ")+")")
		}
	}
	return searchMatch{expr: strings.Join(alts, " OR ")}, nil
}

// compilePG stems the query's words with the site's configuration (stop
// words give nothing) and writes the tsquery with prefixed lexemes.
func (tx *Tx) compilePG(ctx context.Context, sites []int64, q *canopy.SearchQuery) (searchMatch, error) {
	seen := map[string]bool{}
	var words []string
	for _, g := range q.Groups {
		for _, t := range g {
			for _, w := range t.Words {
				if !seen[w] {
					seen[w] = true
					words = append(words, w)
				}
			}
		}
	}
	lex := map[string][]string{}
	err := eachRow(func(r scanner) (struct{}, error) {
		var w, l string
		err := r.Scan(&w, &l)
		lex[w] = strings.Fields(l)
		return struct{}{}, err
	}, func(struct{}) {})(tx.QueryContext(ctx, `SELECT u.w, COALESCE(array_to_string(tsvector_to_array(to_tsvector(`+searchConfig("$1")+`, u.w)), ' '), '')
		FROM unnest($2::text[]) AS u(w)`, sites[0], words))
	if err != nil {
		return searchMatch{}, err
	}
	quote := func(s string) string {
		return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
	}
	var alts []string
	for _, site := range sites {
		pfx := sitePrefix(site)
		for _, g := range q.Groups {
			var terms []string
			ok := true
			for _, t := range g {
				var s strings.Builder
				gap := 0
				for i, w := range t.Words {
					ls := lex[w]
					last := i == len(t.Words)-1
					if len(ls) == 0 && t.Prefix && last {
						ls = []string{w}
					}
					if len(ls) == 0 {
						gap++ // a stop word keeps its place in a phrase
						continue
					}
					for j, l := range ls {
						if s.Len() > 0 {
							if j == 0 {
								fmt.Fprintf(&s, " <%d> ", gap+1)
							} else {
								s.WriteString(" <-> ")
							}
						}
						s.WriteString(quote(pfx + l))
						if t.Prefix && last && j == len(ls)-1 {
							s.WriteString(":*")
						}
					}
					gap = 0
				}
				if s.Len() == 0 {
					ok = false // a term of stop words only: nothing in the index
					break
				}
				terms = append(terms, "("+s.String()+")")
			}
			if ok && len(terms) > 0 {
				alts = append(alts, "("+strings.Join(terms, " & ")+")")
			}
		}
	}
	return searchMatch{expr: strings.Join(alts, " | ")}, nil
}

// hitsSQL is a subquery of the documents of a kind that match, with columns
// sid (the object's id), srank (higher is better), stitle and sbody;
// latest picks the admin's documents (newest drafts), else live ones. Its
// arguments are appended to args.
func (tx *Tx) hitsSQL(m searchMatch, kind string, sites []int64, latest bool, args *[]any) string {
	add := func(v any) string { *args = append(*args, v); return "$" + strconv.Itoa(len(*args)) }
	state := "d.live"
	if latest {
		state = "d.latest"
	}
	siteIDs := make([]string, len(sites))
	for i, s := range sites {
		siteIDs[i] = add(s)
	}
	cond := "d.kind = " + add(kind) + " AND " + state + " AND d.site_id IN (" + strings.Join(siteIDs, ", ") + ")"
	if tx.db.dialect == Postgres {
		q := add(m.expr)
		return `(SELECT d.object_id AS sid, ts_rank(d.tsv, ` + q + `::tsquery) AS srank, d.title AS stitle, d.body AS sbody
			FROM search_documents d WHERE d.tsv @@ ` + q + `::tsquery AND ` + cond + `)`
	}
	return `(SELECT d.object_id AS sid, h.srank AS srank, d.title AS stitle, d.body AS sbody
		FROM (SELECT rowid AS rid, -bm25(search_fts, 10.0, 4.0, 2.0, 1.0) AS srank FROM search_fts WHERE search_fts MATCH ` + add(m.expr) + `) AS h
		JOIN search_documents d ON d.id = h.rid WHERE ` + cond + `)`
}

// ReindexSite rebuilds a site's search documents (site 0: the shared media
// library's) from its pages, images, documents and snippets, in one
// transaction; it returns how many documents the site has now.
func (db *DB) ReindexSite(ctx context.Context, site int64, types *canopy.PageTypes, snippets *canopy.SnippetTypes) (n int, err error) {
	err = db.write(ctx, func(tx *Tx) error {
		db.UsePageTypes(types)
		db.UseSnippetTypes(snippets)
		if err := tx.reindexSite(ctx, site, snippets); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM search_documents WHERE site_id = $1`, site).Scan(&n)
	})
	return n, err
}

// reindexSite writes a site's documents again inside a transaction.
func (tx *Tx) reindexSite(ctx context.Context, site int64, snippets *canopy.SnippetTypes) error {
	if tx.db.legacy {
		return nil
	}
	if err := tx.deleteDocs(ctx, site, "", nil); err != nil {
		return err
	}
	if site != 0 {
		if err := tx.indexPages(ctx, site, nil); err != nil {
			return err
		}
		if snippets != nil {
			if err := tx.reindexSnippets(ctx, site, snippets); err != nil {
				return err
			}
		}
		if err := tx.rebuildSnippetAndSettingsRefs(ctx, site, snippets); err != nil {
			return err
		}
	}
	for _, kind := range []string{SearchImage, SearchDocument} {
		if err := tx.reindexMedia(ctx, site, kind); err != nil {
			return err
		}
	}
	return nil
}

// UseSnippetTypes remembers the installation's snippet types, for indexing
// a site's snippets again (a change of the site's language).
func (db *DB) UseSnippetTypes(types *canopy.SnippetTypes) {
	if types != nil && db.snippetTypes.Load() != types {
		db.snippetTypes.Store(types)
	}
}

// ValidSiteLanguage checks a site language code ("" is en) and returns it
// lower-cased.
func ValidSiteLanguage(code string) (string, error) {
	code = strings.ToLower(strings.TrimSpace(code))
	if code == "" {
		return "en", nil
	}
	if _, ok := searchLanguages[code]; !ok {
		return "", canopy.FieldErrorf("language", canopy.EINVALID, "language %q is not one search knows (use %s)", code, strings.Join(SearchLanguages(), ", "))
	}
	return code, nil
}

func (tx *Tx) reindexMedia(ctx context.Context, site int64, kind string) error {
	table := "images"
	if kind == SearchDocument {
		table = "documents"
	}
	cond := "site_id = $1"
	if site == 0 {
		cond = "site_id IS NULL AND $1 = 0"
	}
	var rows []docRow
	err := eachRow(func(r scanner) (struct{}, error) {
		var id int64
		var title, tags string
		err := r.Scan(&id, &title, &tags)
		rows = append(rows, docRow{site: site, kind: kind, object: id, live: true, latest: true, doc: canopy.MediaSearchDoc(title, splitTags(tags))})
		return struct{}{}, err
	}, func(struct{}) {})(tx.QueryContext(ctx, `SELECT id, title, tags FROM `+table+` WHERE `+cond, site))
	if err != nil {
		return err
	}
	return tx.insertDocs(ctx, rows)
}

func (tx *Tx) reindexSnippets(ctx context.Context, site int64, types *canopy.SnippetTypes) error {
	var rows []docRow
	err := eachRow(scanSnippet, func(sn *canopy.Snippet) {
		if st := types.Get(sn.Type); st != nil {
			rows = append(rows, docRow{site: site, kind: SearchSnippet, object: sn.ID, live: true, latest: true, doc: canopy.SnippetSearchDoc(st, sn.Title, sn.Fields, PlainText)})
		}
	})(tx.QueryContext(ctx, `SELECT `+snippetColumns+` FROM snippets WHERE site_id = $1`, site))
	if err != nil {
		return err
	}
	return tx.insertDocs(ctx, rows)
}

// SearchIndexEmpty reports whether the installation has pages but no search
// document at all: a database upgraded to the search schema, whose index is
// built once (Service.EnsureSearchIndex).
func (db *DB) SearchIndexEmpty(ctx context.Context) (empty bool, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM search_documents) AND EXISTS (SELECT 1 FROM pages WHERE depth > 1)`).Scan(&empty)
	})
	return empty, err
}

// SearchCounts are a site's documents by kind (for `canopy search reindex`
// and checks).
func (db *DB) SearchCounts(ctx context.Context, site int64) (map[string]int, error) {
	out := map[string]int{}
	err := db.read(ctx, func(tx *Tx) error {
		return eachRow(func(r scanner) (struct{}, error) {
			var k string
			var n int
			err := r.Scan(&k, &n)
			out[k] = n
			return struct{}{}, err
		}, func(struct{}) {})(tx.QueryContext(ctx, `SELECT kind, count(*) FROM search_documents WHERE site_id = $1 GROUP BY kind`, site))
	})
	return out, err
}

// OptimizeSearchIndex merges the search index's pieces after large changes
// (SQLite: FTS5's segments into one; PostgreSQL needs nothing: its GIN
// pending list is small and merged by inserts and autovacuum).
func (db *DB) OptimizeSearchIndex(ctx context.Context) error {
	if db.dialect != SQLite {
		return nil
	}
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO search_fts (search_fts) VALUES ('optimize')`)
		return err
	})
}

// SearchEngine is the built-in engine behind canopy.SearchEngine: the
// database's own index, as the store writes it in each change's
// transaction. The store's listings join its matches in SQL (hitsSQL); this
// is the same index through the interface an external engine implements,
// checked by the same conformance tests (internal/searchtest).
type SearchEngine struct{ db *DB }

// SearchEngine returns the database's built-in search engine.
func (db *DB) SearchEngine() *SearchEngine { return &SearchEngine{db: db} }

var _ canopy.SearchEngine = (*SearchEngine)(nil)

// Replace implements canopy.SearchEngine in one transaction.
func (e *SearchEngine) Replace(ctx context.Context, docs []canopy.IndexedDoc) error {
	type obj struct {
		site int64
		kind string
	}
	ids := map[obj][]int64{}
	rows := map[int64][]docRow{}
	var sites []int64
	for _, d := range docs {
		k := obj{d.Site, d.Kind}
		if !slices.Contains(ids[k], d.ID) {
			ids[k] = append(ids[k], d.ID)
		}
		if _, ok := rows[d.Site]; !ok {
			sites = append(sites, d.Site)
		}
		rows[d.Site] = append(rows[d.Site], docRow{site: d.Site, kind: d.Kind, object: d.ID, live: d.Live, latest: d.Latest, doc: d.Doc})
	}
	return e.db.write(ctx, func(tx *Tx) error {
		for k, list := range ids {
			if err := tx.deleteDocs(ctx, k.site, k.kind, list); err != nil {
				return err
			}
		}
		for _, s := range sites { // insertDocs takes one site's rows at a time
			if err := tx.insertDocs(ctx, rows[s]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Remove implements canopy.SearchEngine.
func (e *SearchEngine) Remove(ctx context.Context, site int64, kind string, ids []int64) error {
	return e.db.write(ctx, func(tx *Tx) error { return tx.deleteDocs(ctx, site, kind, ids) })
}

// Match implements canopy.SearchEngine.
func (e *SearchEngine) Match(ctx context.Context, site int64, kind string, state canopy.SearchState, q *canopy.SearchQuery, limit int) (out []canopy.SearchHit, err error) {
	out = []canopy.SearchHit{}
	err = e.db.read(ctx, func(tx *Tx) error {
		m, err := tx.compileSearch(ctx, []int64{site}, q)
		if err != nil || m.expr == "" {
			return err
		}
		var args []any
		from := tx.hitsSQL(m, kind, []int64{site}, state == canopy.SearchLatest, &args)
		args = append(args, limit)
		return eachRow(func(r scanner) (canopy.SearchHit, error) {
			var h canopy.SearchHit
			err := r.Scan(&h.ID, &h.Rank)
			return h, err
		}, func(h canopy.SearchHit) { out = append(out, h) })(
			tx.QueryContext(ctx, `SELECT h.sid, h.srank FROM `+from+` AS h ORDER BY h.srank DESC, h.sid LIMIT $`+strconv.Itoa(len(args)), args...))
	})
	return out, err
}
