package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

// MediaScope is canopy.MediaScope (the domain type; this alias keeps the store readable).
type MediaScope = canopy.MediaScope

// MediaFilter is canopy.MediaFilter (the domain type; this alias keeps the store readable).
type MediaFilter = canopy.MediaFilter

// scope is the condition on whose items are listed: the handle's own, within
// the scopes (which are paths of the handle's collections), plus the shared
// library's when asked.
func mediaScope(f MediaFilter, s *SiteDB, args *[]any) string {
	*args = (*args)[:1] // $1 is the site
	own := s.own("m.site_id")
	cond := own + mediaScopes(f, args)
	if f.WithShared && !s.shared {
		return "((" + cond + ") OR m.site_id IS NULL)"
	}
	return "(" + cond + ")"
}

// where builds the filter's conditions on the media table aliased m joined
// with its collection c; args continue after those already given.
func mediaWhere(f MediaFilter, args *[]any) string {
	add := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var conds []string
	if f.CollectionID != 0 {
		conds = append(conds, "m.collection_id = "+add(f.CollectionID))
	}
	for _, p := range f.ExcludePaths {
		conds = append(conds, "NOT (c.path >= "+add(p)+" AND c.path < "+add(canopy.PathUpperBound(p))+")")
	}
	for _, tag := range f.Tags {
		conds = append(conds, `m.tags LIKE `+add("%,"+likeEscape(strings.ToLower(strings.TrimSpace(tag)))+",%")+` ESCAPE '\'`)
	}
	if f.Q != "" {
		conds = append(conds, `lower(m.title) LIKE `+add("%"+likeEscape(strings.ToLower(f.Q))+"%")+` ESCAPE '\'`)
	}
	if len(conds) == 0 {
		return ""
	}
	return " AND " + strings.Join(conds, " AND ")
}

// scopes is " AND (…)" limiting items to the filter's scopes (nothing when All).
func mediaScopes(f MediaFilter, args *[]any) string {
	if f.All {
		return ""
	}
	add := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var ors []string
	for _, sc := range f.Scopes {
		c := "(c.path >= " + add(sc.Path) + " AND c.path < " + add(canopy.PathUpperBound(sc.Path)) + ")"
		if sc.OwnerID != 0 {
			c = "(" + c + " AND m.owner_id = " + add(sc.OwnerID) + ")"
		}
		ors = append(ors, c)
	}
	if len(ors) == 0 {
		return " AND FALSE"
	}
	return " AND (" + strings.Join(ors, " OR ") + ")"
}

func mediaOrder(f MediaFilter) string {
	if f.Ascending {
		return "ASC"
	}
	return "DESC"
}

// mediaSort is the ORDER BY of a listing's explicit order ("" if none).
func mediaSort(order string) string {
	col, dir := strings.TrimPrefix(order, "-"), "ASC"
	if strings.HasPrefix(order, "-") {
		dir = "DESC"
	}
	switch col {
	case "title":
		return ` ORDER BY lower(m.title) ` + dir + `, m.id ` + dir
	case "created":
		return ` ORDER BY m.id ` + dir
	case "file_size":
		return ` ORDER BY m.file_size ` + dir + `, m.id ` + dir
	}
	return ""
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func joinTags(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "," + strings.Join(tags, ",") + ","
}

func splitTags(s string) []string {
	out := []string{}
	for _, t := range strings.Split(strings.Trim(s, ","), ",") {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

const imageColumns = `m.id, COALESCE(m.site_id, 0), m.collection_id, m.title, m.filename, m.file_key, m.format, m.width, m.height, m.file_size,
	m.file_hash, m.focal_x, m.focal_y, m.focal_w, m.focal_h, m.tags, COALESCE(m.owner_id, 0), m.created_at, m.updated_at, m.alt_text`

func scanImage(row scanner) (*canopy.Image, error) {
	im := &canopy.Image{}
	var fx, fy, fw, fh sql.NullInt64
	var tags string
	if err := row.Scan(&im.ID, &im.SiteID, &im.CollectionID, &im.Title, &im.Filename, &im.FileKey, &im.Format, &im.Width, &im.Height,
		&im.FileSize, &im.FileHash, &fx, &fy, &fw, &fh, &tags, &im.OwnerID, &im.CreatedAt, &im.UpdatedAt, &im.AltText); err != nil {
		return nil, err
	}
	if fx.Valid {
		im.Focal = &canopy.Focal{X: int(fx.Int64), Y: int(fy.Int64), W: int(fw.Int64), H: int(fh.Int64)}
	}
	im.Tags = splitTags(tags)
	im.CreatedAt, im.UpdatedAt = im.CreatedAt.UTC(), im.UpdatedAt.UTC()
	return im, nil
}

// NewImage is an uploaded image's record (its file is already stored).
type NewImage struct {
	CollectionID  int64
	Title         string
	Filename      string
	FileKey       string
	Format        string
	Width, Height int
	FileSize      int64
	FileHash      string
	Tags          []string
	OwnerID       int64
	Focal         *canopy.Focal
}

func focalArgs(f *canopy.Focal) []any {
	if f == nil {
		return []any{nil, nil, nil, nil}
	}
	return []any{f.X, f.Y, f.W, f.H}
}

// CreateImage records an image in one of this site's collections.
func (s *SiteDB) CreateImage(ctx context.Context, in NewImage) (im *canopy.Image, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		if _, err := s.findCollection(ctx, tx, in.CollectionID); err != nil {
			return err
		}
		var owner any
		if in.OwnerID != 0 {
			owner = in.OwnerID
		}
		args := append([]any{s.siteArg(), in.CollectionID, in.Title, in.Filename, in.FileKey, in.Format, in.Width, in.Height, in.FileSize, in.FileHash},
			focalArgs(in.Focal)...)
		args = append(args, joinTags(in.Tags), owner, tx.now)
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO images (site_id, collection_id, title, filename, file_key, format, width, height, file_size, file_hash,
			focal_x, focal_y, focal_w, focal_h, tags, owner_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id`, args...).Scan(&id); err != nil {
			return err
		}
		if im, err = s.findImage(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.indexObject(ctx, s.site, SearchImage, id, canopy.MediaSearchDoc(im.Title, im.Tags)); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		return tx.log(ctx, s.site, "create", "image", id, in.Title, map[string]any{"collection_id": in.CollectionID, "file_size": in.FileSize})
	})
	return im, err
}

// findImage finds an image the handle may use: its own or (for a site) a
// shared one.
func (s *SiteDB) findImage(ctx context.Context, tx *Tx, id int64) (*canopy.Image, error) {
	return findMedia(ctx, tx, s, imagesTable, id, false)
}

// findOwnImage finds an image the handle may change: its own only.
func (s *SiteDB) findOwnImage(ctx context.Context, tx *Tx, id int64) (*canopy.Image, error) {
	return findMedia(ctx, tx, s, imagesTable, id, true)
}

// Image returns one of the site's images.
func (s *SiteDB) Image(ctx context.Context, id int64) (im *canopy.Image, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		im, err = s.findImage(ctx, tx, id)
		return err
	})
	return im, err
}

// Images lists the site's images that the filter selects, newest first, and
// how many there are in all.
func (s *SiteDB) Images(ctx context.Context, f MediaFilter) ([]*canopy.Image, int, error) {
	return listMedia(ctx, s, imagesTable, f)
}

// MediaUpdate holds the changes to an image or document; nil fields stay.
type MediaUpdate struct {
	Title        *string
	Tags         *[]string
	CollectionID *int64
	AltText      *string // images
	// Focal (images): set when SetFocal; nil then clears it.
	SetFocal bool
	Focal    *canopy.Focal
}

// UpdateImage changes an image's title, tags, collection or focal point. A
// new focal point makes the cropped renditions stale: their records go and
// their file keys are returned, to remove after the commit.
func (s *SiteDB) UpdateImage(ctx context.Context, id int64, upd MediaUpdate) (im *canopy.Image, stale []string, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		im, err = s.findOwnImage(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.applyMediaUpdate(ctx, tx, "images", id, upd, &im.Title, &im.Tags, &im.CollectionID); err != nil {
			return err
		}
		if err := tx.indexObject(ctx, s.site, SearchImage, id, canopy.MediaSearchDoc(im.Title, im.Tags)); err != nil {
			return err
		}
		if upd.AltText != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE images SET alt_text = $2 WHERE id = $1 AND COALESCE(site_id, 0) = $3`, id, *upd.AltText, s.site); err != nil {
				return err
			}
		}
		if upd.SetFocal {
			if _, err := tx.ExecContext(ctx, `UPDATE images SET focal_x = $2, focal_y = $3, focal_w = $4, focal_h = $5 WHERE id = $1 AND COALESCE(site_id, 0) = $6`,
				append(append([]any{id}, focalArgs(upd.Focal)...), s.site)...); err != nil {
				return err
			}
			// Renditions cropped around the old focal point are stale.
			if err := eachRow(scanString, func(k string) {
				if k != im.FileKey {
					stale = append(stale, k)
				}
			})(tx.QueryContext(ctx, `SELECT file_key FROM renditions WHERE image_id = $1 AND spec LIKE 'fill-%' AND COALESCE(site_id, 0) = $2`, id, s.site)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM renditions WHERE image_id = $1 AND spec LIKE 'fill-%' AND COALESCE(site_id, 0) = $2`, id, s.site); err != nil {
				return err
			}
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "edit", "image", id, im.Title, nil); err != nil {
			return err
		}
		im, err = s.findImage(ctx, tx, id)
		return err
	})
	return im, stale, err
}

// ImageFile is the stored file of an image, as a replacement brings it.
type ImageFile struct {
	Filename, FileKey, Format string
	Width, Height             int
	FileSize                  int64
	FileHash                  string
}

// ReplaceImageFile gives an image a new file: its renditions' records go
// (they are made again from the new file when asked) and a focal point
// outside the new size is cleared. It returns the keys of the files to
// remove once the transaction has committed (the old file, the renditions').
func (s *SiteDB) ReplaceImageFile(ctx context.Context, id int64, f ImageFile) (im *canopy.Image, stale []string, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		old, err := s.findOwnImage(ctx, tx, id)
		if err != nil {
			return err
		}
		stale = append(stale, old.FileKey)
		if err := eachRow(scanString, func(k string) { stale = append(stale, k) })(tx.QueryContext(ctx,
			`SELECT file_key FROM renditions WHERE image_id = $1 AND COALESCE(site_id, 0) = $2`, id, s.site)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM renditions WHERE image_id = $1 AND COALESCE(site_id, 0) = $2`, id, s.site); err != nil {
			return err
		}
		focal := old.Focal
		if focal != nil && (focal.X+focal.W > f.Width || focal.Y+focal.H > f.Height) {
			focal = nil
		}
		args := append([]any{id, s.site, f.Filename, f.FileKey, f.Format, f.Width, f.Height, f.FileSize, f.FileHash, tx.now}, focalArgs(focal)...)
		if _, err := tx.ExecContext(ctx, `UPDATE images SET filename = $3, file_key = $4, format = $5, width = $6, height = $7, file_size = $8,
			file_hash = $9, updated_at = $10, focal_x = $11, focal_y = $12, focal_w = $13, focal_h = $14
			WHERE id = $1 AND COALESCE(site_id, 0) = $2`, args...); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "replace_file", "image", id, old.Title, map[string]any{"filename": f.Filename, "file_size": f.FileSize}); err != nil {
			return err
		}
		im, err = s.findImage(ctx, tx, id)
		return err
	})
	return im, stale, err
}

// ReplaceDocumentFile gives a document a new file; it returns the old
// file's key, to remove once the transaction has committed.
func (s *SiteDB) ReplaceDocumentFile(ctx context.Context, id int64, filename, key, contentType string, size int64, hash string) (d *canopy.Document, stale string, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		old, err := s.findOwnDocument(ctx, tx, id)
		if err != nil {
			return err
		}
		stale = old.FileKey
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET filename = $3, file_key = $4, content_type = $5, file_size = $6, file_hash = $7, updated_at = $8
			WHERE id = $1 AND COALESCE(site_id, 0) = $2`, id, s.site, filename, key, contentType, size, hash, tx.now); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "replace_file", "document", id, old.Title, map[string]any{"filename": filename, "file_size": size}); err != nil {
			return err
		}
		d, err = s.findDocument(ctx, tx, id)
		return err
	})
	return d, stale, err
}

// applyMediaUpdate writes the common title, tags and collection changes of an
// image or document; the new collection must be this site's.
func (s *SiteDB) applyMediaUpdate(ctx context.Context, tx *Tx, table string, id int64, upd MediaUpdate, title *string, tags *[]string, coll *int64) error {
	if upd.Title != nil {
		*title = *upd.Title
	}
	if upd.Tags != nil {
		*tags = *upd.Tags
	}
	if upd.CollectionID != nil && *upd.CollectionID != *coll {
		if _, err := s.findCollection(ctx, tx, *upd.CollectionID); err != nil {
			return err
		}
		*coll = *upd.CollectionID
	}
	_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET title = $2, tags = $3, collection_id = $4, updated_at = $5 WHERE id = $1`,
		id, *title, joinTags(*tags), *coll, tx.now)
	return err
}

// DeleteImage deletes an image and its renditions' records, returning the
// file keys to remove once the transaction has committed.
func (s *SiteDB) DeleteImage(ctx context.Context, id int64) (keys []string, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		keys, err = s.deleteImage(ctx, tx, id)
		if err != nil {
			return err
		}
		return tx.touchSite(ctx, s.site)
	})
	return keys, err
}

func (s *SiteDB) deleteImage(ctx context.Context, tx *Tx, id int64) (keys []string, err error) {
	im, err := s.findOwnImage(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	keys = append(keys, im.FileKey)
	if err := eachRow(scanString, func(k string) { keys = append(keys, k) })(
		tx.QueryContext(ctx, `SELECT file_key FROM renditions WHERE image_id = $1 AND COALESCE(site_id, 0) = $2`, id, s.site)); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM renditions WHERE image_id = $1 AND COALESCE(site_id, 0) = $2`, id, s.site); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM images WHERE id = $1 AND COALESCE(site_id, 0) = $2`, id, s.site); err != nil {
		return nil, err
	}
	if err := tx.deleteDocs(ctx, s.site, SearchImage, []int64{id}); err != nil {
		return nil, err
	}
	return keys, tx.log(ctx, s.site, "delete", "image", id, im.Title, nil)
}

const renditionColumns = `id, image_id, spec, file_key, format, width, height, file_size`

func scanRendition(row scanner) (*canopy.ImageRendition, error) {
	r := &canopy.ImageRendition{}
	return r, row.Scan(&r.ID, &r.ImageID, &r.Spec, &r.FileKey, &r.Format, &r.Width, &r.Height, &r.FileSize)
}

// Rendition returns a stored rendition, or nil if it was not made yet.
func (s *SiteDB) Rendition(ctx context.Context, imageID int64, spec string) (r *canopy.ImageRendition, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		r, err = scanRendition(tx.QueryRowContext(ctx, `SELECT `+renditionColumns+` FROM renditions WHERE `+s.visible("site_id")+` AND image_id = $2 AND spec = $3`,
			s.site, imageID, spec))
		if err == sql.ErrNoRows {
			r, err = nil, nil
		}
		return err
	})
	return r, err
}

// SaveRendition records a generated rendition. If another node recorded the
// same one first, that one is returned and created is false (the caller
// then removes its own file).
func (s *SiteDB) SaveRendition(ctx context.Context, in canopy.ImageRendition) (r *canopy.ImageRendition, created bool, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		// The rendition belongs where its image does (a shared image's to no site).
		im, err := s.findImage(ctx, tx, in.ImageID)
		if err != nil {
			return err
		}
		var site any
		if im.SiteID != 0 {
			site = im.SiteID
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO renditions (site_id, image_id, spec, file_key, format, width, height, file_size, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (image_id, spec) DO NOTHING`,
			site, in.ImageID, in.Spec, in.FileKey, in.Format, in.Width, in.Height, in.FileSize, tx.now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n == 1
		r, err = scanRendition(tx.QueryRowContext(ctx, `SELECT `+renditionColumns+` FROM renditions WHERE image_id = $1 AND spec = $2 AND COALESCE(site_id, 0) = $3`,
			in.ImageID, in.Spec, im.SiteID))
		return err
	})
	return r, created, err
}

const documentColumns = `m.id, COALESCE(m.site_id, 0), m.collection_id, m.title, m.filename, m.file_key, m.content_type, m.file_size, m.file_hash,
	m.tags, COALESCE(m.owner_id, 0), m.created_at, m.updated_at`

func scanDocument(row scanner) (*canopy.Document, error) {
	d := &canopy.Document{}
	var tags string
	if err := row.Scan(&d.ID, &d.SiteID, &d.CollectionID, &d.Title, &d.Filename, &d.FileKey, &d.ContentType, &d.FileSize, &d.FileHash,
		&tags, &d.OwnerID, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	d.Tags = splitTags(tags)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

// NewDocument is an uploaded document's record (its file is already stored).
type NewDocument struct {
	CollectionID int64
	Title        string
	Filename     string
	FileKey      string
	ContentType  string
	FileSize     int64
	FileHash     string
	Tags         []string
	OwnerID      int64
}

// CreateDocument records a document in one of this site's collections.
func (s *SiteDB) CreateDocument(ctx context.Context, in NewDocument) (d *canopy.Document, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		if _, err := s.findCollection(ctx, tx, in.CollectionID); err != nil {
			return err
		}
		var owner any
		if in.OwnerID != 0 {
			owner = in.OwnerID
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO documents (site_id, collection_id, title, filename, file_key, content_type, file_size, file_hash,
			tags, owner_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			s.siteArg(), in.CollectionID, in.Title, in.Filename, in.FileKey, in.ContentType, in.FileSize, in.FileHash, joinTags(in.Tags), owner, tx.now).Scan(&id); err != nil {
			return err
		}
		if d, err = s.findDocument(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.indexObject(ctx, s.site, SearchDocument, id, canopy.MediaSearchDoc(d.Title, d.Tags)); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		return tx.log(ctx, s.site, "create", "document", id, in.Title, map[string]any{"collection_id": in.CollectionID, "file_size": in.FileSize})
	})
	return d, err
}

func (s *SiteDB) findDocument(ctx context.Context, tx *Tx, id int64) (*canopy.Document, error) {
	return findMedia(ctx, tx, s, documentsTable, id, false)
}

func (s *SiteDB) findOwnDocument(ctx context.Context, tx *Tx, id int64) (*canopy.Document, error) {
	return findMedia(ctx, tx, s, documentsTable, id, true)
}

// Document returns one of the site's documents.
func (s *SiteDB) Document(ctx context.Context, id int64) (d *canopy.Document, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		d, err = s.findDocument(ctx, tx, id)
		return err
	})
	return d, err
}

// Documents lists the site's documents that the filter selects, newest first.
func (s *SiteDB) Documents(ctx context.Context, f MediaFilter) ([]*canopy.Document, int, error) {
	return listMedia(ctx, s, documentsTable, f)
}

// UpdateDocument changes a document's title, tags or collection.
func (s *SiteDB) UpdateDocument(ctx context.Context, id int64, upd MediaUpdate) (d *canopy.Document, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		d, err = s.findOwnDocument(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.applyMediaUpdate(ctx, tx, "documents", id, upd, &d.Title, &d.Tags, &d.CollectionID); err != nil {
			return err
		}
		if err := tx.indexObject(ctx, s.site, SearchDocument, id, canopy.MediaSearchDoc(d.Title, d.Tags)); err != nil {
			return err
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		if err := tx.log(ctx, s.site, "edit", "document", id, d.Title, nil); err != nil {
			return err
		}
		d, err = s.findDocument(ctx, tx, id)
		return err
	})
	return d, err
}

// DeleteDocument deletes a document, returning its file key to remove once
// the transaction has committed.
func (s *SiteDB) DeleteDocument(ctx context.Context, id int64) (key string, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		key, err = s.deleteDocument(ctx, tx, id)
		if err != nil {
			return err
		}
		return tx.touchSite(ctx, s.site)
	})
	return key, err
}

func (s *SiteDB) deleteDocument(ctx context.Context, tx *Tx, id int64) (string, error) {
	d, err := s.findOwnDocument(ctx, tx, id)
	if err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = $1 AND COALESCE(site_id, 0) = $2`, id, s.site); err != nil {
		return "", err
	}
	if err := tx.deleteDocs(ctx, s.site, SearchDocument, []int64{id}); err != nil {
		return "", err
	}
	return d.FileKey, tx.log(ctx, s.site, "delete", "document", id, d.Title, nil)
}

// MediaBulk is canopy.MediaBulk (the domain type; this alias keeps the store readable).
type MediaBulk = canopy.MediaBulk

// BulkMedia applies a change to several images ("image") or documents of
// this handle, in one transaction: all of them change or none. A delete
// returns the file keys to remove once the transaction has committed.
func (s *SiteDB) BulkMedia(ctx context.Context, kind string, ids []int64, op MediaBulk) (keys []string, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		keys = nil
		if op.MoveTo != 0 {
			if _, err := s.findCollection(ctx, tx, op.MoveTo); err != nil {
				return err
			}
		}
		for _, id := range ids {
			if op.Delete {
				if kind == SearchImage {
					k, err := s.deleteImage(ctx, tx, id)
					if err != nil {
						return err
					}
					keys = append(keys, k...)
				} else {
					k, err := s.deleteDocument(ctx, tx, id)
					if err != nil {
						return err
					}
					keys = append(keys, k)
				}
				continue
			}
			var title string
			var tags []string
			var coll int64
			table := "documents"
			if kind == SearchImage {
				im, err := s.findOwnImage(ctx, tx, id)
				if err != nil {
					return err
				}
				title, tags, coll, table = im.Title, im.Tags, im.CollectionID, "images"
			} else {
				d, err := s.findOwnDocument(ctx, tx, id)
				if err != nil {
					return err
				}
				title, tags, coll = d.Title, d.Tags, d.CollectionID
			}
			upd := MediaUpdate{}
			if op.MoveTo != 0 {
				upd.CollectionID = &op.MoveTo
			}
			if len(op.AddTags) > 0 {
				merged := append([]string{}, tags...)
				for _, t := range op.AddTags {
					if !slices.Contains(merged, t) {
						merged = append(merged, t)
					}
				}
				upd.Tags = &merged
			}
			if err := s.applyMediaUpdate(ctx, tx, table, id, upd, &title, &tags, &coll); err != nil {
				return err
			}
			if err := tx.indexObject(ctx, s.site, kind, id, canopy.MediaSearchDoc(title, tags)); err != nil {
				return err
			}
			if err := tx.log(ctx, s.site, "edit", kind, id, title, nil); err != nil {
				return err
			}
		}
		return tx.touchSite(ctx, s.site)
	})
	return keys, err
}

// Secret returns the installation secret called name, making it with make()
// the first time (concurrent first calls agree on one value).
func (db *DB) Secret(ctx context.Context, name string, make func() (string, error)) (string, error) {
	var v string
	err := db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	})
	if err == nil {
		return v, nil
	}
	if canopy.ErrorCode(err) != canopy.ENOTFOUND {
		return "", err
	}
	fresh, err := make()
	if err != nil {
		return "", err
	}
	err = db.write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	})
	return v, err
}

// idList renders ids as placeholders after the site's $1.
func idList(siteID int64, ids []int64) (string, []any) {
	args := []any{siteID}
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = "$" + strconv.Itoa(i+2)
	}
	return strings.Join(ph, ","), args
}

// ImagesByID loads the images among ids that the site may use (one query).
func (s *SiteDB) ImagesByID(ctx context.Context, ids []int64) (map[int64]*canopy.Image, error) {
	return mediaByID(ctx, s, imagesTable, ids, func(im *canopy.Image) int64 { return im.ID })
}

// DocumentsByID loads the documents among ids that the site may use (one query).
func (s *SiteDB) DocumentsByID(ctx context.Context, ids []int64) (map[int64]*canopy.Document, error) {
	return mediaByID(ctx, s, documentsTable, ids, func(d *canopy.Document) int64 { return d.ID })
}

// mediaTable describes the images or documents table to the queries both share.
type mediaTable[T any] struct {
	table, columns, what string
	scan                 func(scanner) (T, error)
}

var (
	imagesTable    = mediaTable[*canopy.Image]{"images", imageColumns, "image", scanImage}
	documentsTable = mediaTable[*canopy.Document]{"documents", documentColumns, "document", scanDocument}
)

// findMedia finds an item the handle may use (own or shared), or with own
// set, one it may change.
func findMedia[T any](ctx context.Context, tx *Tx, s *SiteDB, t mediaTable[T], id int64, own bool) (T, error) {
	cond := s.visible("m.site_id")
	if own {
		cond = s.own("m.site_id")
	}
	v, err := t.scan(tx.QueryRowContext(ctx, `SELECT `+t.columns+` FROM `+t.table+` m WHERE `+cond+` AND m.id = $2`, s.site, id))
	if err == sql.ErrNoRows {
		return v, canopy.Errorf(canopy.ENOTFOUND, "%s %d not found", t.what, id)
	}
	return v, err
}

// listMedia lists what the filter selects and how many there are in all.
func listMedia[T any](ctx context.Context, s *SiteDB, t mediaTable[T], f MediaFilter) (out []T, total int, err error) {
	args := []any{s.site}
	cond := mediaScope(f, s, &args) + mediaWhere(f, &args)
	err = s.db.read(ctx, func(tx *Tx) error {
		join, order := "", ` ORDER BY m.id `+mediaOrder(f)
		if f.Search != nil {
			// The items whose title or tags match, from the index of this
			// site (and of the shared library when it is listed too).
			sites := []int64{s.site}
			if f.WithShared && !s.shared {
				sites = append(sites, 0)
			}
			m, err := tx.compileSearch(ctx, sites, f.Search)
			if err != nil || m.expr == "" {
				return err
			}
			kind := SearchImage
			if t.table == documentsTable.table {
				kind = SearchDocument
			}
			join = ` JOIN ` + tx.hitsSQL(m, kind, sites, false, &args) + ` AS sh ON sh.sid = m.id`
			if f.Relevance {
				order = ` ORDER BY sh.srank DESC, m.id`
			}
		}
		if o := mediaSort(f.Order); o != "" {
			order = o
		}
		from := ` FROM ` + t.table + ` m JOIN collections c ON c.id = m.collection_id` + join + ` WHERE `
		if err := tx.QueryRowContext(ctx, `SELECT count(*)`+from+cond, args...).Scan(&total); err != nil {
			return err
		}
		n := len(args)
		args = append(args, f.Limit, f.Offset)
		return eachRow(t.scan, func(v T) { out = append(out, v) })(
			tx.QueryContext(ctx, `SELECT `+t.columns+from+cond+order+` LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), args...))
	})
	return out, total, err
}

// mediaByID loads the items among ids that the site may use (one query).
func mediaByID[T any](ctx context.Context, s *SiteDB, t mediaTable[T], ids []int64, key func(T) int64) (map[int64]T, error) {
	out := map[int64]T{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := idList(s.site, ids)
	err := s.db.read(ctx, func(tx *Tx) error {
		return eachRow(t.scan, func(v T) { out[key(v)] = v })(
			tx.QueryContext(ctx, `SELECT `+t.columns+` FROM `+t.table+` m WHERE `+s.visible("m.site_id")+` AND m.id IN (`+in+`)`, args...))
	})
	return out, err
}

// PathRestriction is canopy.PathRestriction (the domain type; this alias keeps the store readable).
type PathRestriction = canopy.PathRestriction

// RestrictedCollections lists the site's collections that have a restriction.
func (s *SiteDB) RestrictedCollections(ctx context.Context) (out []PathRestriction, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		return eachRow(scanCollectionRestriction, func(pr PathRestriction) { out = append(out, pr) })(
			tx.QueryContext(ctx, `SELECT c.path, c.id, r.kind, r.password_hash, r.group_ids FROM collection_restrictions r JOIN collections c ON c.id = r.collection_id
			WHERE r.site_id = $1 ORDER BY c.path`, s.site))
	})
	return out, err
}

// scanCollectionRestriction reads (path, collection id, kind, password
// hash, group ids).
func scanCollectionRestriction(row scanner) (PathRestriction, error) {
	var pr PathRestriction
	var ids string
	if err := row.Scan(&pr.Path, &pr.CollectionID, &pr.Kind, &pr.PasswordHash, &ids); err != nil {
		return pr, err
	}
	return pr, json.Unmarshal([]byte(ids), &pr.GroupIDs)
}

// scanPathRestriction reads (path, page id, kind, password hash, group ids).
func scanPathRestriction(row scanner) (PathRestriction, error) {
	var pr PathRestriction
	var ids string
	if err := row.Scan(&pr.Path, &pr.PageID, &pr.Kind, &pr.PasswordHash, &ids); err != nil {
		return pr, err
	}
	return pr, json.Unmarshal([]byte(ids), &pr.GroupIDs)
}
