package service

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/media"
	"github.com/canopy-cms/canopy/perm"
	"github.com/canopy-cms/canopy/sqlstore"
)

// MediaLimits bound uploads and renditions.
type MediaLimits struct {
	MaxImageBytes    int64 // an image upload
	MaxDocumentBytes int64 // a document upload
	MaxImagePixels   int64 // width × height of an uploaded image
	// RenderBudget bounds the estimated memory of the renditions being
	// generated at once, in bytes (0: media.DefaultRenderBudget).
	RenderBudget     int64
	MaxRenditionSize int // the largest width or height a filter spec may ask for
}

// DefaultMediaLimits are Canopy's defaults.
func DefaultMediaLimits() MediaLimits {
	return MediaLimits{MaxImageBytes: 10 << 20, MaxDocumentBytes: 50 << 20, MaxImagePixels: 50_000_000, MaxRenditionSize: 4000}
}

// mediaState is the service's media machinery.
type mediaState struct {
	flight singleflight.Group
	gen    chan struct{} // bounds concurrent rendition generation (CPU)
	upload chan struct{} // bounds the uploads read and stored at once (memory)
	budget *media.Budget // bounds the memory of concurrent rendition generation
	key    []byte        // signs rendition URLs
}

// ---- collections ----

// shared is the handle of the installation's shared media library.
func (a *Admin) shared() *sqlstore.SiteDB { return a.svc.DB.Shared(a.svc.Types) }

// storeOf is the handle that owns an item of siteID (0: the shared library).
func (a *Admin) storeOf(siteID int64) *sqlstore.SiteDB {
	if siteID == 0 {
		return a.shared()
	}
	return a.pages
}

// collection finds a collection of this site, or (for superusers) of the
// shared library, with the handle that owns it. Others get 404 for shared ones.
func (a *Admin) collection(ctx context.Context, id int64) (*canopy.Collection, *sqlstore.SiteDB, error) {
	c, err := a.pages.Collection(ctx, id)
	if canopy.ErrorCode(err) == canopy.ENOTFOUND && a.User.IsSuperuser {
		if c, err2 := a.shared().Collection(ctx, id); err2 == nil {
			return c, a.shared(), nil
		}
	}
	return c, a.pages, err
}

// SharedCollections lists the shared library's tree (superusers only).
func (a *Admin) SharedCollections(ctx context.Context) ([]*CollectionWithPerms, error) {
	if err := a.requireSuperuser("see and manage the installation-wide (shared) library; this site's own library is GET collections without scope"); err != nil {
		return nil, err
	}
	list, err := a.shared().Collections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*CollectionWithPerms, len(list))
	for i, c := range list {
		out[i] = a.withCollPerms(c)
	}
	return out, nil
}

// canChooseAny reports whether the user may choose items of a kind somewhere
// on this site: then shared-library items are offered to them too.
func (a *Admin) canChooseAny(k mediaKind) bool {
	if a.User.IsSuperuser {
		return true
	}
	for _, g := range a.Check.User.CollectionGrants() {
		if g.Perms.Has(k.choose) {
			return true
		}
	}
	return false
}

// SeesMedia reports whether the user may choose, change or add images
// ("image") or documents ("document") somewhere on this site: the admin's
// search then looks among them.
func (a *Admin) SeesMedia(kind string) bool {
	k := imageKind
	if kind == "document" {
		k = documentKind
	}
	if a.User.IsSuperuser {
		return true
	}
	for _, g := range a.Check.User.CollectionGrants() {
		if g.Perms.Has(k.choose) || g.Perms.Has(k.change) || g.Perms.Has(k.add) {
			return true
		}
	}
	return false
}

// collPerms is what the user may do at a collection (superusers: everything).
func (a *Admin) collPerms(c *canopy.Collection) perm.CollectionPerms {
	if a.User.IsSuperuser {
		return perm.CollectionPerms(0xffff)
	}
	return a.Check.User.OnCollection(c.Path)
}

// CollectionWithPerms is a collection with what the caller may do there.
type CollectionWithPerms struct {
	*canopy.Collection
	Permissions []string `json:"permissions"`
}

func (a *Admin) withCollPerms(c *canopy.Collection) *CollectionWithPerms {
	names := a.collPerms(c).Names()
	u := a.Check.User
	var manage []string
	if u.CanManageCollection(c.Path, perm.AddCollection, false) {
		manage = append(manage, "add_subcollection")
	}
	if u.CanManageCollection(c.Path, perm.ChangeCollection, false) {
		manage = append(manage, "rename", "set_privacy")
	}
	if u.MayMoveCollection(c.Path) {
		manage = append(manage, "move")
	}
	if u.CanManageCollection(c.Path, perm.DeleteCollection, true) {
		manage = append(manage, "delete")
	}
	return &CollectionWithPerms{Collection: c, Permissions: append(names, manage...)}
}

// Collections lists the site's collections, each with the caller's
// permissions there. Without want it is the management index (Wagtail's):
// the collections at or below the caller's add/change/delete collection
// grants, refused to those who hold none. With want (a collection
// permission, as choosers and upload forms ask) it is the collections where
// the caller holds want, possibly none.
func (a *Admin) Collections(ctx context.Context, want string) ([]*CollectionWithPerms, error) {
	var wantPerm perm.CollectionPerm
	if want != "" {
		p, ok := perm.ParseCollectionPerm(want)
		if !ok {
			return nil, canopy.Errorf(canopy.EINVALID, "unknown collection permission %q (use %s)", want, strings.Join(perm.CollectionPermNames(), ", "))
		}
		wantPerm = p
	} else if !a.Check.User.ManagesCollections() {
		return nil, forbidden("you manage no collections on this site (you need add, change or delete collection permission on one)")
	}
	list, err := a.pages.Collections(ctx)
	if err != nil {
		return nil, err
	}
	out := []*CollectionWithPerms{}
	for _, c := range list {
		if want == "" && !a.Check.User.ManagesCollection(c.Path) || want != "" && !a.collPerms(c).Has(wantPerm) {
			continue
		}
		out = append(out, a.withCollPerms(c))
	}
	return out, nil
}

// Collection returns one of the site's collections.
func (a *Admin) Collection(ctx context.Context, id int64) (*CollectionWithPerms, error) {
	c, _, err := a.collection(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.withCollPerms(c), nil
}

// CreateCollection adds a collection under parentID (add_collection there).
func (a *Admin) CreateCollection(ctx context.Context, parentID int64, name string) (*CollectionWithPerms, error) {
	parent, store, err := a.collection(ctx, parentID)
	if err != nil {
		return nil, err
	}
	if !a.Check.User.CanManageCollection(parent.Path, perm.AddCollection, false) {
		return nil, forbidden("you may not add collections to %q", parent.Name)
	}
	c, err := store.CreateCollection(a.Ctx(ctx), parentID, name)
	if err != nil {
		return nil, err
	}
	return a.withCollPerms(c), nil
}

// UpdateCollection renames (change_collection on it) and/or moves it (the
// engine's CanMoveCollection: change_collection above it, add_collection at
// the destination).
func (a *Admin) UpdateCollection(ctx context.Context, id int64, name *string, parentID int64) (*CollectionWithPerms, error) {
	c, store, err := a.collection(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Depth == 1 {
		return nil, canopy.Errorf(canopy.EINVALID, "the site's root collection cannot be renamed or moved")
	}
	u := a.Check.User
	if name != nil && !u.CanManageCollection(c.Path, perm.ChangeCollection, false) {
		return nil, forbidden("you may not rename %q", c.Name)
	}
	if parentID != 0 && parentID != c.ParentID {
		if !u.CanManageCollection(c.Path, perm.ChangeCollection, true) {
			return nil, forbidden("you may not move %q", c.Name)
		}
		dest, err := store.Collection(ctx, parentID)
		if err != nil {
			return nil, err
		}
		if !u.CanMoveCollection(c.Path, dest.Path) {
			return nil, forbidden("you may not move collections into %q: that needs permission to add collections there", dest.Name)
		}
	}
	c, err = store.UpdateCollection(a.Ctx(ctx), id, name, parentID)
	if err != nil {
		return nil, err
	}
	return a.withCollPerms(c), nil
}

// DeleteCollection deletes an empty collection (delete_collection above it).
func (a *Admin) DeleteCollection(ctx context.Context, id int64) error {
	c, store, err := a.collection(ctx, id)
	if err != nil {
		return err
	}
	if c.Depth == 1 {
		return canopy.Errorf(canopy.EINVALID, "the site's root collection is deleted only with its site")
	}
	if !a.Check.User.CanManageCollection(c.Path, perm.DeleteCollection, true) {
		return forbidden("you may not delete %q", c.Name)
	}
	return store.DeleteCollection(a.Ctx(ctx), id)
}

// SetCollectionPrivacy sets who may download the collection's documents:
// kind "none", "login" or "groups" (with this site's group ids).
func (a *Admin) SetCollectionPrivacy(ctx context.Context, id int64, kind string, groups []int64, password string) (*CollectionWithPerms, error) {
	c, store, err := a.collection(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Check.User.CanManageCollection(c.Path, perm.ChangeCollection, false) && !(a.User.IsSuperuser && c.Depth == 1) {
		return nil, forbidden("you may not change the privacy of %q", c.Name)
	}
	r, err := a.restrictionFor(kind, password, groups, c.Restriction)
	if err != nil {
		return nil, err
	}
	c, err = store.SetCollectionRestriction(a.Ctx(ctx), id, r)
	if err != nil {
		return nil, err
	}
	return a.withCollPerms(c), nil
}

// ---- images and documents: permissions ----

// mediaKind names the permissions of images or documents.
type mediaKind struct {
	name                string
	add, change, choose perm.CollectionPerm
}

var (
	imageKind    = mediaKind{"image", perm.AddImage, perm.ChangeImage, perm.ChooseImage}
	documentKind = mediaKind{"document", perm.AddDocument, perm.ChangeDocument, perm.ChooseDocument}
)

// canEdit: change on the collection, or add there for one's own item.
func (a *Admin) canEdit(k mediaKind, c *canopy.Collection, ownerID int64) bool {
	p := a.collPerms(c)
	return p.Has(k.change) || ownerID == a.User.ID && p.Has(k.add)
}

// scopes turns the user's grants into listing scopes: what they may change
// (or, for choosers, choose).
func (a *Admin) scopes(k mediaKind, choosing bool) canopy.MediaFilter {
	if a.User.IsSuperuser {
		return canopy.MediaFilter{All: true}
	}
	var f canopy.MediaFilter
	for _, g := range a.Check.User.CollectionGrants() {
		switch {
		case choosing && g.Perms.Has(k.choose), !choosing && g.Perms.Has(k.change):
			if len(g.Path) == canopy.StepLen {
				// The site's root collection: every item of the site, which
				// the listing reads without looking at collections.
				return canopy.MediaFilter{All: true}
			}
			f.Scopes = append(f.Scopes, canopy.MediaScope{Path: g.Path})
		case !choosing && g.Perms.Has(k.add):
			f.Scopes = append(f.Scopes, canopy.MediaScope{Path: g.Path, OwnerID: a.User.ID})
		}
	}
	return f
}

// MediaQuery is a listing's filters as an adapter receives them.
type MediaQuery struct {
	CollectionID int64
	Tag, Q       string
	// Order is one of canopy.MediaOrders ("": newest first, or best match
	// first when searching).
	Order  string
	Limit  int
	Offset int
	// Choose lists what the user may choose (choosers) rather than change.
	Choose bool
	// See lists what the user may choose, change or add to (the admin's
	// search), shared-library items included where they may choose.
	See bool
	// Shared lists the installation's shared library instead (superusers).
	Shared bool
}

func (a *Admin) filter(k mediaKind, q MediaQuery) canopy.MediaFilter {
	f := a.scopes(k, q.Choose)
	if q.See && !f.All {
		f.Scopes = append(f.Scopes, a.scopes(k, true).Scopes...)
	}
	f.CollectionID, f.Limit, f.Offset, f.Order = q.CollectionID, q.Limit, q.Offset, q.Order
	if q.Q != "" {
		// The search index (title and tags, the last word a prefix as one
		// types), best match first; the first letters typed, or a query it
		// cannot use (stop words only), still find titles that contain them.
		if sq, err := typedSearch(q.Q); err == nil && !shortQuery(q.Q) {
			f.Search, f.Relevance = sq, true
		} else {
			f.Q = q.Q
		}
	}
	f.WithShared = (q.Choose || q.See) && a.canChooseAny(k)
	if q.Tag != "" {
		f.Tags = []string{q.Tag}
	}
	return f
}

// ---- images ----

// ImageWithPerms is an image with what the caller may do with it.
type ImageWithPerms struct {
	*canopy.Image
	Permissions []string
}

func (a *Admin) imagePerms(ctx context.Context, im *canopy.Image) ([]string, *canopy.Collection, error) {
	if im.SiteID == 0 { // the shared library: superusers change, choosers choose
		var out []string
		if a.User.IsSuperuser {
			out = append(out, "change", "delete")
		}
		if a.canChooseAny(imageKind) {
			out = append(out, "choose")
		}
		return out, nil, nil
	}
	c, err := a.pages.Collection(ctx, im.CollectionID)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	if a.canEdit(imageKind, c, im.OwnerID) {
		out = append(out, "change", "delete")
	}
	if a.collPerms(c).Has(perm.ChooseImage) {
		out = append(out, "choose")
	}
	return out, c, nil
}

// Images lists the images the caller may change (or, with q.Choose, choose,
// shared-library images included); q.Shared lists the shared library's
// (superusers).
func (a *Admin) Images(ctx context.Context, q MediaQuery) ([]*canopy.Image, int, error) {
	store, f, err := a.listing(imageKind, q)
	if err != nil {
		return nil, 0, err
	}
	return store.Images(ctx, f)
}

// listing is the handle and filter of a media listing: this site's with the
// caller's scopes, or the shared library's whole (superusers).
func (a *Admin) listing(k mediaKind, q MediaQuery) (*sqlstore.SiteDB, canopy.MediaFilter, error) {
	f := a.filter(k, q)
	if !q.Shared {
		return a.pages, f, nil
	}
	// Superusers manage the shared library; whoever may choose from it sees
	// it (read-only).
	if !a.User.IsSuperuser && !a.canChooseAny(k) {
		return nil, f, forbidden("you may not see the installation-wide (shared) library; list this site's own without scope=installation")
	}
	f.All = true
	return a.shared(), f, nil
}

// Image returns an image the caller may change or choose (403 otherwise).
func (a *Admin) Image(ctx context.Context, id int64) (*ImageWithPerms, error) {
	im, err := a.pages.Image(ctx, id)
	if err != nil {
		return nil, err
	}
	p, _, err := a.imagePerms(ctx, im)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, forbidden("you may not see image %d", id)
	}
	return &ImageWithPerms{Image: im, Permissions: p}, nil
}

// Upload is an uploaded file with its metadata.
type Upload struct {
	Filename     string
	Data         []byte
	Title        string
	CollectionID int64 // 0: the site's root collection
	Tags         []string
	Focal        *canopy.Focal
}

// mediaCollection resolves an upload's collection and checks add permission.
func (a *Admin) mediaCollection(ctx context.Context, k mediaKind, id int64) (*canopy.Collection, error) {
	if id == 0 {
		id = a.Site.RootCollectionID
	}
	c, _, err := a.collection(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.collPerms(c).Has(k.add) {
		return nil, forbidden("you may not add %ss to collection %q", k.name, c.Name)
	}
	return c, nil
}

func titleFrom(title, filename string) (string, error) {
	if strings.TrimSpace(title) == "" {
		title = strings.TrimSuffix(filename, path.Ext(filename))
	}
	return canopy.ValidateTitle(title)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func checkFocal(f *canopy.Focal, w, h int) error {
	if f == nil {
		return nil
	}
	if f.X < 0 || f.Y < 0 || f.W < 1 || f.H < 1 || f.X+f.W > w || f.Y+f.H > h {
		return canopy.Errorf(canopy.EINVALID, "the focal point must lie within the image (%d×%d)", w, h)
	}
	return nil
}

// imageExts maps file extensions to the image format they claim.
var imageExts = map[string]string{".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".png": "png", ".gif": "gif", ".webp": "webp", ".svg": "svg"}

// UploadImage stores an uploaded image: the type is sniffed from the content,
// the pixel count checked before decoding and the whole file decoded. The file
// is written before the record and removed again if the record fails, so a
// refused upload leaves nothing behind.
func (a *Admin) UploadImage(ctx context.Context, up Upload) (*canopy.Image, error) {
	if _, err := canopy.CleanFilename(up.Filename); err != nil {
		return nil, err
	}
	c, err := a.mediaCollection(ctx, imageKind, up.CollectionID)
	if err != nil {
		return nil, err
	}
	up.CollectionID = c.ID
	return a.svc.StoreImage(a.Ctx(ctx), c.SiteID, a.User.ID, up)
}

// uploadWait is how long an image upload waits for room in the render
// budget before it is answered busy (503).
const uploadWait = 20 * time.Second

// UploadSlot waits for one of the slots that bound the uploads a server
// reads and stores at once (twice the cores, at least 4): an upload holds
// its file in memory, so twenty at once would hold twenty files; the others
// wait, unread, in their connections. Busy for uploadWait: 503. The caller
// calls release when the upload is stored.
func (s *Service) UploadSlot(ctx context.Context) (release func(), err error) {
	t := time.NewTimer(uploadWait)
	defer t.Stop()
	select {
	case s.media.upload <- struct{}{}:
		return func() { <-s.media.upload }, nil
	case <-t.C:
		return nil, canopy.Errorf(canopy.EUNAVAILABLE, "the server is busy with other uploads; try again in a minute")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// StoreImage checks and stores an image in a collection of the site (0: of
// the shared library) (no permission check: the caller made it). The file is written before the
// record and removed again if the record fails.
func (s *Service) StoreImage(ctx context.Context, siteID, ownerID int64, up Upload) (*canopy.Image, error) {
	u, err := s.checkUpload(up, "image", s.Limits.MaxImageBytes)
	if err != nil {
		return nil, err
	}
	name := u.name
	// The full decode that checks the file is charged to the render
	// budget, as renditions are: a burst of uploads waits for room.
	info, err := s.renderBudget().Inspect(ctx, up.Data, s.Limits.MaxImagePixels, uploadWait)
	if err != nil {
		return nil, err
	}
	if claimed, ok := imageExts[strings.ToLower(path.Ext(name))]; ok && claimed != info.Format {
		return nil, canopy.Errorf(canopy.EINVALID, "the file is named %s but its content is a %s image", name, strings.ToUpper(info.Format))
	}
	if err := checkFocal(up.Focal, info.Width, info.Height); err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(canopy.SafeKeyName(name), path.Ext(canopy.SafeKeyName(name)))
	key := fmt.Sprintf("%simages/%s-%s%s", media.SitePrefix(siteID), randomHex(6), base, media.Ext(info.Format))
	if err := s.Media.Put(ctx, key, up.Data, media.MIME(info.Format)); err != nil {
		return nil, err
	}
	store := s.DB.Site(siteID, s.Types)
	if siteID == 0 {
		store = s.DB.Shared(s.Types)
	}
	im, err := store.CreateImage(ctx, sqlstore.NewImage{CollectionID: up.CollectionID, Title: u.title, Filename: name, FileKey: key,
		Format: info.Format, Width: info.Width, Height: info.Height, FileSize: int64(len(up.Data)), FileHash: u.hash,
		Tags: u.tags, OwnerID: ownerID, Focal: up.Focal})
	if err != nil {
		s.removeFiles(ctx, key)
		return nil, err
	}
	return im, nil
}

// checkedUpload is what every upload's checks produce.
type checkedUpload struct {
	name, title, hash string
	tags              []string
}

// checkUpload runs the checks images and documents share: storage
// configured, file name, size limit, title and tags; and hashes the content.
func (s *Service) checkUpload(up Upload, what string, limit int64) (*checkedUpload, error) {
	if s.Media == nil {
		return nil, canopy.Errorf(canopy.EINTERNAL, "no media storage is configured")
	}
	name, err := canopy.CleanFilename(up.Filename)
	if err != nil {
		return nil, err
	}
	if int64(len(up.Data)) > limit {
		return nil, canopy.Errorf(canopy.ETOOLARGE, "the %s is larger than %d bytes", what, limit)
	}
	title, err := titleFrom(up.Title, name)
	if err != nil {
		return nil, err
	}
	tags, err := canopy.CleanTags(up.Tags)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(up.Data)
	return &checkedUpload{name: name, title: title, hash: hex.EncodeToString(sum[:]), tags: tags}, nil
}

// MediaChange is an edit of an image or document as an adapter receives it.
type MediaChange struct {
	Title        *string
	Tags         *[]string
	CollectionID *int64
	AltText      *string // images
	SetFocal     bool
	Focal        *canopy.Focal
}

// editable loads the collection of an item the caller wants to change and
// checks they may; a move needs add permission at the destination too.
func (a *Admin) editable(ctx context.Context, k mediaKind, collID, ownerID int64, ch MediaChange) error {
	c, store, err := a.collection(ctx, collID)
	if err != nil {
		return err
	}
	if !a.canEdit(k, c, ownerID) {
		return forbidden("you may not change this %s", k.name)
	}
	if ch.CollectionID != nil && *ch.CollectionID != collID {
		dest, err := store.Collection(ctx, *ch.CollectionID)
		if err != nil {
			return err
		}
		if !a.collPerms(dest).Has(k.add) {
			return forbidden("you may not add %ss to collection %q", k.name, dest.Name)
		}
	}
	return nil
}

func cleanChange(ch MediaChange) (sqlstore.MediaUpdate, error) {
	upd := sqlstore.MediaUpdate{CollectionID: ch.CollectionID, SetFocal: ch.SetFocal, Focal: ch.Focal}
	if ch.Title != nil {
		t, err := canopy.ValidateTitle(*ch.Title)
		if err != nil {
			return upd, err
		}
		upd.Title = &t
	}
	if ch.AltText != nil {
		alt := strings.TrimSpace(*ch.AltText)
		if err := canopy.CheckText("the alt text", alt, 1000); err != nil {
			return upd, canopy.FieldErrorf("alt_text", canopy.EINVALID, "%s", canopy.ErrorMessage(err))
		}
		upd.AltText = &alt
	}
	if ch.Tags != nil {
		tags, err := canopy.CleanTags(*ch.Tags)
		if err != nil {
			return upd, err
		}
		upd.Tags = &tags
	}
	return upd, nil
}

// UpdateImage edits an image's title, tags, collection or focal point.
func (a *Admin) UpdateImage(ctx context.Context, id int64, ch MediaChange) (*canopy.Image, error) {
	im, err := a.pages.Image(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.editable(ctx, imageKind, im.CollectionID, im.OwnerID, ch); err != nil {
		return nil, err
	}
	if ch.SetFocal {
		if err := checkFocal(ch.Focal, im.Width, im.Height); err != nil {
			return nil, err
		}
	}
	upd, err := cleanChange(ch)
	if err != nil {
		return nil, err
	}
	im, stale, err := a.storeOf(im.SiteID).UpdateImage(a.Ctx(ctx), id, upd)
	if err != nil {
		return nil, err
	}
	a.svc.removeFiles(ctx, stale...)
	return im, nil
}

// ReplaceImage gives an image a new file, checked as an upload is; the
// renditions are made again from it when next asked, and the old files go.
func (a *Admin) ReplaceImage(ctx context.Context, id int64, up Upload) (*canopy.Image, error) {
	im, err := a.pages.Image(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.editable(ctx, imageKind, im.CollectionID, im.OwnerID, MediaChange{}); err != nil {
		return nil, err
	}
	up.Title = im.Title // the title stays; the upload's checks want one
	u, err := a.svc.checkUpload(up, "image", a.svc.Limits.MaxImageBytes)
	if err != nil {
		return nil, err
	}
	info, err := a.svc.renderBudget().Inspect(ctx, up.Data, a.svc.Limits.MaxImagePixels, uploadWait)
	if err != nil {
		return nil, err
	}
	if claimed, ok := imageExts[strings.ToLower(path.Ext(u.name))]; ok && claimed != info.Format {
		return nil, canopy.Errorf(canopy.EINVALID, "the file is named %s but its content is a %s image", u.name, strings.ToUpper(info.Format))
	}
	base := strings.TrimSuffix(canopy.SafeKeyName(u.name), path.Ext(canopy.SafeKeyName(u.name)))
	key := fmt.Sprintf("%simages/%s-%s%s", media.SitePrefix(im.SiteID), randomHex(6), base, media.Ext(info.Format))
	if err := a.svc.Media.Put(ctx, key, up.Data, media.MIME(info.Format)); err != nil {
		return nil, err
	}
	im, stale, err := a.storeOf(im.SiteID).ReplaceImageFile(a.Ctx(ctx), id, sqlstore.ImageFile{Filename: u.name, FileKey: key,
		Format: info.Format, Width: info.Width, Height: info.Height, FileSize: int64(len(up.Data)), FileHash: u.hash})
	if err != nil {
		a.svc.removeFiles(ctx, key)
		return nil, err
	}
	a.svc.removeFiles(ctx, stale...)
	return im, nil
}

// DeleteImage deletes an image, then its file and its renditions' files.
func (a *Admin) DeleteImage(ctx context.Context, id int64) error {
	im, err := a.pages.Image(ctx, id)
	if err != nil {
		return err
	}
	if err := a.editable(ctx, imageKind, im.CollectionID, im.OwnerID, MediaChange{}); err != nil {
		return err
	}
	keys, err := a.storeOf(im.SiteID).DeleteImage(a.Ctx(ctx), id)
	if err != nil {
		return err
	}
	a.svc.removeFiles(ctx, keys...)
	return nil
}

// removeFiles deletes stored files after their records are gone; a failure
// leaves an orphan file (logged), never a record without its file.
func (s *Service) removeFiles(ctx context.Context, keys ...string) {
	if s.Media == nil {
		return
	}
	for _, k := range keys {
		if err := s.Media.Delete(context.WithoutCancel(ctx), k); err != nil {
			slog.Warn("media file not removed", "key", k, "error", err)
		}
	}
}

// ---- documents ----

// DocumentWithPerms is a document with what the caller may do with it.
type DocumentWithPerms struct {
	*canopy.Document
	Permissions []string
}

// Documents lists the documents the caller may change (or choose), or the
// shared library's (q.Shared, superusers).
func (a *Admin) Documents(ctx context.Context, q MediaQuery) ([]*canopy.Document, int, error) {
	store, f, err := a.listing(documentKind, q)
	if err != nil {
		return nil, 0, err
	}
	return store.Documents(ctx, f)
}

// Document returns a document the caller may change or choose.
func (a *Admin) Document(ctx context.Context, id int64) (*DocumentWithPerms, error) {
	d, err := a.pages.Document(ctx, id)
	if err != nil {
		return nil, err
	}
	var p []string
	if d.SiteID == 0 {
		if a.User.IsSuperuser {
			p = append(p, "change", "delete")
		}
		if a.canChooseAny(documentKind) {
			p = append(p, "choose")
		}
	} else {
		c, err := a.pages.Collection(ctx, d.CollectionID)
		if err != nil {
			return nil, err
		}
		if a.canEdit(documentKind, c, d.OwnerID) {
			p = append(p, "change", "delete")
		}
		if a.collPerms(c).Has(perm.ChooseDocument) {
			p = append(p, "choose")
		}
	}
	if len(p) == 0 {
		return nil, forbidden("you may not see document %d", id)
	}
	return &DocumentWithPerms{Document: d, Permissions: p}, nil
}

// magic checks that a file whose extension names a well-known format has
// that format's signature: a ".pdf" must start with %PDF-, and so on.
var magic = map[string][][]byte{
	".pdf":  {[]byte("%PDF-")},
	".zip":  {[]byte("PK\x03\x04"), []byte("PK\x05\x06")},
	".docx": {[]byte("PK\x03\x04")}, ".xlsx": {[]byte("PK\x03\x04")}, ".pptx": {[]byte("PK\x03\x04")},
	".odt": {[]byte("PK\x03\x04")}, ".ods": {[]byte("PK\x03\x04")}, ".odp": {[]byte("PK\x03\x04")},
	".epub": {[]byte("PK\x03\x04")},
	".gz":   {[]byte{0x1f, 0x8b}},
	".doc":  {[]byte{0xD0, 0xCF, 0x11, 0xE0}}, ".xls": {[]byte{0xD0, 0xCF, 0x11, 0xE0}}, ".ppt": {[]byte{0xD0, 0xCF, 0x11, 0xE0}},
	".mp3": {[]byte("ID3"), []byte{0xFF, 0xFB}, []byte{0xFF, 0xF3}, []byte{0xFF, 0xF2}},
}

// documentType decides a document's content type and refuses one whose
// content contradicts its name.
func documentType(name string, data []byte) (string, error) {
	ext := strings.ToLower(path.Ext(name))
	if sigs, ok := magic[ext]; ok {
		match := false
		for _, sig := range sigs {
			if bytes.HasPrefix(data, sig) {
				match = true
			}
		}
		if !match {
			return "", canopy.Errorf(canopy.EINVALID, "the file is named %s but its content is not a %s file", name, strings.ToUpper(ext[1:]))
		}
	}
	if claimed, ok := imageExts[ext]; ok && claimed != "svg" && media.SniffImage(data) != claimed {
		return "", canopy.Errorf(canopy.EINVALID, "the file is named %s but its content is not a %s image", name, strings.ToUpper(claimed))
	}
	if ct := mime.TypeByExtension(ext); ct != "" {
		return ct, nil
	}
	return http.DetectContentType(data), nil
}

// UploadDocument stores an uploaded document (any type within the size limit).
func (a *Admin) UploadDocument(ctx context.Context, up Upload) (*canopy.Document, error) {
	if _, err := canopy.CleanFilename(up.Filename); err != nil {
		return nil, err
	}
	c, err := a.mediaCollection(ctx, documentKind, up.CollectionID)
	if err != nil {
		return nil, err
	}
	u, err := a.svc.checkUpload(up, "document", a.svc.Limits.MaxDocumentBytes)
	if err != nil {
		return nil, err
	}
	ct, err := documentType(u.name, up.Data)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%sdocuments/%s-%s", media.SitePrefix(c.SiteID), randomHex(6), canopy.SafeKeyName(u.name))
	if err := a.svc.Media.Put(ctx, key, up.Data, ct); err != nil {
		return nil, err
	}
	d, err := a.storeOf(c.SiteID).CreateDocument(a.Ctx(ctx), sqlstore.NewDocument{CollectionID: c.ID, Title: u.title, Filename: u.name, FileKey: key,
		ContentType: ct, FileSize: int64(len(up.Data)), FileHash: u.hash, Tags: u.tags, OwnerID: a.User.ID})
	if err != nil {
		a.svc.removeFiles(ctx, key)
		return nil, err
	}
	return d, nil
}

// UpdateDocument edits a document's title, tags or collection.
func (a *Admin) UpdateDocument(ctx context.Context, id int64, ch MediaChange) (*canopy.Document, error) {
	d, err := a.pages.Document(ctx, id)
	if err != nil {
		return nil, err
	}
	if ch.SetFocal {
		return nil, canopy.Errorf(canopy.EINVALID, "documents have no focal point")
	}
	if err := a.editable(ctx, documentKind, d.CollectionID, d.OwnerID, ch); err != nil {
		return nil, err
	}
	upd, err := cleanChange(ch)
	if err != nil {
		return nil, err
	}
	return a.storeOf(d.SiteID).UpdateDocument(a.Ctx(ctx), id, upd)
}

// ReplaceDocument gives a document a new file, checked as an upload is.
func (a *Admin) ReplaceDocument(ctx context.Context, id int64, up Upload) (*canopy.Document, error) {
	d, err := a.pages.Document(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.editable(ctx, documentKind, d.CollectionID, d.OwnerID, MediaChange{}); err != nil {
		return nil, err
	}
	up.Title = d.Title
	u, err := a.svc.checkUpload(up, "document", a.svc.Limits.MaxDocumentBytes)
	if err != nil {
		return nil, err
	}
	ct, err := documentType(u.name, up.Data)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%sdocuments/%s-%s", media.SitePrefix(d.SiteID), randomHex(6), canopy.SafeKeyName(u.name))
	if err := a.svc.Media.Put(ctx, key, up.Data, ct); err != nil {
		return nil, err
	}
	d, stale, err := a.storeOf(d.SiteID).ReplaceDocumentFile(a.Ctx(ctx), id, u.name, key, ct, int64(len(up.Data)), u.hash)
	if err != nil {
		a.svc.removeFiles(ctx, key)
		return nil, err
	}
	a.svc.removeFiles(ctx, stale)
	return d, nil
}

// DeleteDocument deletes a document, then its file.
func (a *Admin) DeleteDocument(ctx context.Context, id int64) error {
	d, err := a.pages.Document(ctx, id)
	if err != nil {
		return err
	}
	if err := a.editable(ctx, documentKind, d.CollectionID, d.OwnerID, MediaChange{}); err != nil {
		return err
	}
	key, err := a.storeOf(d.SiteID).DeleteDocument(a.Ctx(ctx), id)
	if err != nil {
		return err
	}
	a.svc.removeFiles(ctx, key)
	return nil
}

// ---- renditions and public URLs ----

func (s *Service) signingKey(ctx context.Context) ([]byte, error) {
	s.mediaMu.Lock()
	defer s.mediaMu.Unlock()
	if s.media.key != nil {
		return s.media.key, nil
	}
	v, err := s.DB.Secret(ctx, "rendition_url_key", func() (string, error) { return randomHex(32), nil })
	if err != nil {
		return nil, err
	}
	s.media.key = []byte(v)
	return s.media.key, nil
}

// signature authenticates a rendition URL, so that only specs the site's
// pages and APIs hand out are generated (not any spec a visitor invents).
func (s *Service) signature(ctx context.Context, siteID, imageID int64, spec string) (string, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%d/%d/%s", siteID, imageID, spec)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:20], nil
}

// RenditionRef is a rendition's public URL and size (computed, not generated).
type RenditionRef struct {
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// RenditionURL is the URL (on the image's site) and size of a rendition; the
// file is made on its first request.
func (s *Service) RenditionURL(ctx context.Context, im *canopy.Image, specStr string) (*RenditionRef, error) {
	sp, err := media.ParseSpec(specStr, s.Limits.MaxRenditionSize)
	if err != nil {
		return nil, err
	}
	spec := sp.String()
	sig, err := s.signature(ctx, im.SiteID, im.ID, spec)
	if err != nil {
		return nil, err
	}
	var focal *media.Focal
	if im.Focal != nil {
		focal = &media.Focal{X: im.Focal.X, Y: im.Focal.Y, W: im.Focal.W, H: im.Focal.H}
	}
	plan := sp.Plan(im.Width, im.Height, focal)
	// The name carries the version of the file and focal point: renditions
	// are cached as immutable, so a new file or focal point needs a new URL.
	base := strings.TrimSuffix(canopy.SafeKeyName(im.Filename), path.Ext(canopy.SafeKeyName(im.Filename))) + "-" + imageVersion(im)
	name := base + media.Ext(sp.OutputFormat(im.Format))
	if spec == "original" {
		name = base + path.Ext(canopy.SafeKeyName(im.Filename))
	}
	return &RenditionRef{URL: "/media/images/" + sig + "/" + strconv.FormatInt(im.ID, 10) + "/" + url.PathEscape(spec) + "/" + name,
		Width: plan.OutW, Height: plan.OutH}, nil
}

// imageVersion is a short hash of an image's file and focal point.
func imageVersion(im *canopy.Image) string {
	h := sha256.New()
	h.Write([]byte(im.FileHash))
	if f := im.Focal; f != nil {
		fmt.Fprintf(h, "|%d,%d,%d,%d", f.X, f.Y, f.W, f.H)
	}
	return hex.EncodeToString(h.Sum(nil))[:8]
}

// CheckSignature verifies a rendition URL's signature: made for this site, or
// for the shared library (whose images every site shows).
func (s *Service) CheckSignature(ctx context.Context, siteID, imageID int64, spec, sig string) bool {
	for _, owner := range []int64{siteID, 0} {
		if want, err := s.signature(ctx, owner, imageID, spec); err == nil && hmac.Equal([]byte(want), []byte(sig)) {
			return true
		}
	}
	return false
}

// ServedFile is a stored file to send: its key, type and size.
type ServedFile struct {
	Key         string
	ContentType string
	Size        int64
}

// Rendition returns the stored rendition of an image of siteID for spec,
// generating it on first request. Concurrent requests for the same new
// rendition generate it once in this process; across nodes the database's
// unique key keeps one (the loser removes its file).
func (s *Service) Rendition(ctx context.Context, siteID, imageID int64, specStr string) (*ServedFile, error) {
	if s.Media == nil {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "no media storage is configured")
	}
	sp, err := media.ParseSpec(specStr, s.Limits.MaxRenditionSize)
	if err != nil {
		return nil, err
	}
	spec := sp.String()
	store := s.DB.Site(siteID, s.Types)
	if spec == "original" {
		im, err := store.Image(ctx, imageID)
		if err != nil {
			return nil, err
		}
		return &ServedFile{Key: im.FileKey, ContentType: media.MIME(im.Format), Size: im.FileSize}, nil
	}
	if r, err := store.Rendition(ctx, imageID, spec); err != nil || r != nil {
		if err != nil {
			return nil, err
		}
		return &ServedFile{Key: r.FileKey, ContentType: media.MIME(r.Format), Size: r.FileSize}, nil
	}
	v, err, _ := s.media.flight.Do(fmt.Sprintf("%d/%d/%s", siteID, imageID, spec), func() (any, error) {
		return s.generate(context.WithoutCancel(ctx), store, siteID, imageID, sp)
	})
	if err != nil {
		return nil, err
	}
	return v.(*ServedFile), nil
}

func (s *Service) generate(ctx context.Context, store *sqlstore.SiteDB, siteID, imageID int64, sp media.Spec) (*ServedFile, error) {
	spec := sp.String()
	if r, err := store.Rendition(ctx, imageID, spec); err != nil || r != nil { // made while we waited
		if err != nil {
			return nil, err
		}
		return &ServedFile{Key: r.FileKey, ContentType: media.MIME(r.Format), Size: r.FileSize}, nil
	}
	im, err := store.Image(ctx, imageID)
	if err != nil {
		return nil, err
	}
	var focal *media.Focal
	if im.Focal != nil {
		focal = &media.Focal{X: im.Focal.X, Y: im.Focal.Y, W: im.Focal.W, H: im.Focal.H}
	}
	if plan := sp.Plan(im.Width, im.Height, focal); plan.OutW == im.Width && plan.OutH == im.Height &&
		plan.Crop == image.Rect(0, 0, im.Width, im.Height) && sp.OutputFormat(im.Format) == im.Format && sp.Quality == 0 {
		// Nothing to change: the rendition is the original file.
		r, _, err := store.SaveRendition(ctx, canopy.ImageRendition{ImageID: imageID, Spec: spec, FileKey: im.FileKey, Format: im.Format,
			Width: im.Width, Height: im.Height, FileSize: im.FileSize})
		if err != nil {
			return nil, err
		}
		return &ServedFile{Key: r.FileKey, ContentType: media.MIME(r.Format), Size: r.FileSize}, nil
	}
	s.media.gen <- struct{}{}
	defer func() { <-s.media.gen }()
	src, err := s.Media.ReadAll(ctx, im.FileKey)
	if err != nil {
		return nil, err
	}
	plan := sp.Plan(im.Width, im.Height, focal)
	out, err := s.renderBudget().Render(ctx, src, im.Format, sp, focal, plan.OutW, plan.OutH)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%srenditions/%d/%s-%s%s", media.SitePrefix(im.SiteID), imageID, specKey(spec), randomHex(4), media.Ext(out.Format))
	if err := s.Media.Put(ctx, key, out.Data, media.MIME(out.Format)); err != nil {
		return nil, err
	}
	r, created, err := store.SaveRendition(ctx, canopy.ImageRendition{ImageID: imageID, Spec: spec, FileKey: key, Format: out.Format,
		Width: out.Width, Height: out.Height, FileSize: int64(len(out.Data))})
	if err != nil || !created {
		s.removeFiles(ctx, key)
	}
	if err != nil {
		return nil, err
	}
	s.renditionsMade.Add(1)
	return &ServedFile{Key: r.FileKey, ContentType: media.MIME(r.Format), Size: r.FileSize}, nil
}

// renderBudget is the rendition memory budget (Limits.RenderBudget, made on
// first use so that the limit can be set after New).
func (s *Service) renderBudget() *media.Budget {
	s.mediaMu.Lock()
	defer s.mediaMu.Unlock()
	if s.media.budget == nil {
		s.media.budget = media.NewBudget(s.Limits.RenderBudget)
	}
	return s.media.budget
}

// RenditionsMade counts the renditions this process has generated.
func (s *Service) RenditionsMade() int64 { return s.renditionsMade.Load() }

func specKey(spec string) string {
	return strings.NewReplacer("|", ".", "-", "_").Replace(spec)
}

// Viewer is who is asking for a restricted file: a user and their groups on
// the site (nil user: anonymous).
type Viewer struct {
	User   *canopy.User
	Groups map[int64]bool
	Member bool
}

// DocumentFile returns a document of siteID for download if the viewer
// passes its collection's restrictions (and its ancestors'). private says the
// answer must not be cached by shared caches.
func (s *Service) DocumentFile(ctx context.Context, siteID, id int64, viewer func() (*Viewer, error), hasPassword func(canopy.Restriction) bool) (d *canopy.Document, private bool, failing *canopy.Restriction, err error) {
	store := s.DB.Site(siteID, s.Types)
	d, err = store.Document(ctx, id)
	if err != nil {
		return nil, false, nil, err
	}
	if d.SiteID == 0 { // the shared library is public
		return d, false, nil, nil
	}
	c, err := store.Collection(ctx, d.CollectionID)
	if err != nil {
		return nil, false, nil, err
	}
	rs, err := store.CollectionRestrictions(ctx, c.Path)
	if err != nil || len(rs) == 0 {
		return d, false, nil, err
	}
	var verr error
	access, failing := CheckPage(rs, func() *Viewer {
		v, err := viewer()
		verr = err
		return v
	}, hasPassword)
	if verr != nil {
		return nil, true, nil, verr
	}
	switch access {
	case NeedPassword:
		return nil, true, failing, canopy.Errorf(canopy.EUNAUTHENTICATED, "this document is protected by a password")
	case NeedLogin:
		return nil, true, failing, canopy.Errorf(canopy.EUNAUTHENTICATED, "this document is private: log in to download it")
	case Denied:
		return nil, true, failing, canopy.Errorf(canopy.EFORBIDDEN, "you may not download this document")
	}
	return d, true, nil, nil
}

// Passes reports whether a viewer passes every restriction.
func Passes(rs []canopy.Restriction, v *Viewer) bool {
	for _, r := range rs {
		if v == nil || v.User == nil || !v.User.IsActive {
			return false
		}
		if r.Kind == "password" {
			return false // passed only with the password's proof (CheckPage)
		}
		if v.User.IsSuperuser {
			continue
		}
		switch r.Kind {
		case "login":
			if !v.Member {
				return false
			}
		case "groups":
			ok := false
			for _, g := range r.GroupIDs {
				if v.Groups[g] {
					ok = true
				}
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// ViewerFor loads a logged-in user's groups on a site.
func (s *Service) ViewerFor(ctx context.Context, siteID int64, u *canopy.User) (*Viewer, error) {
	acc, err := s.DB.Site(siteID, nil).UserAccess(ctx, u)
	if err != nil {
		return nil, err
	}
	v := &Viewer{User: u, Groups: map[int64]bool{}, Member: acc.Member}
	for _, g := range acc.Groups {
		v.Groups[g.ID] = true
	}
	return v, nil
}
