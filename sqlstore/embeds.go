package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/canopy-cms/canopy"
)

// Embed is canopy.Embed (kept in the embeds table, migration 28).
type Embed = canopy.Embed

// EmbedsByURL returns the stored embeds of the URLs (one statement).
func (db *DB) EmbedsByURL(ctx context.Context, urls []string) (map[string]*Embed, error) {
	out := map[string]*Embed{}
	if len(urls) == 0 {
		return out, nil
	}
	args := make([]any, len(urls))
	ph := ""
	for i, u := range urls {
		args[i] = u
		if i > 0 {
			ph += ","
		}
		ph += "$" + strconv.Itoa(i+1)
	}
	err := db.read(ctx, func(tx *Tx) error {
		return eachRow(func(r scanner) (*Embed, error) {
			e := &Embed{}
			var w, h sql.NullInt64
			err := r.Scan(&e.URL, &e.Provider, &e.Type, &e.HTML, &e.Title, &e.ThumbnailURL, &w, &h)
			e.Width, e.Height = int(w.Int64), int(h.Int64)
			return e, err
		}, func(e *Embed) { out[e.URL] = e })(tx.QueryContext(ctx, `SELECT url, provider, type, html, title, thumbnail_url, width, height FROM embeds WHERE url IN (`+ph+`)`, args...))
	})
	return out, err
}

// SaveEmbed keeps an embed (a URL's newer answer replaces the older).
func (db *DB) SaveEmbed(ctx context.Context, e *Embed) error {
	if e.URL == "" || e.HTML == "" {
		return canopy.Errorf(canopy.EINVALID, "an embed needs a URL and HTML")
	}
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO embeds (url, provider, type, html, title, thumbnail_url, width, height, fetched_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (url) DO UPDATE SET provider = excluded.provider, type = excluded.type, html = excluded.html, title = excluded.title,
				thumbnail_url = excluded.thumbnail_url, width = excluded.width, height = excluded.height, fetched_at = excluded.fetched_at`,
			e.URL, e.Provider, e.Type, e.HTML, e.Title, e.ThumbnailURL, nullInt(e.Width), nullInt(e.Height), tx.now)
		return err
	})
}

func nullInt(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}
