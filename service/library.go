package service

import (
	"context"
	"sort"

	"github.com/canopy-cms/canopy"
)

// The admin's media library screens: who may use them, the collections
// they offer, and bulk changes.

func kindNamed(kind string) mediaKind {
	if kind == "document" {
		return documentKind
	}
	return imageKind
}

// ManagesMedia reports whether the user may add or change images ("image")
// or documents somewhere on this site: the library screen of that kind is
// theirs.
func (a *Admin) ManagesMedia(kind string) bool {
	if a.User.IsSuperuser {
		return true
	}
	k := kindNamed(kind)
	for _, g := range a.Check.User.CollectionGrants() {
		if g.Perms.Has(k.change) || g.Perms.Has(k.add) {
			return true
		}
	}
	return false
}

// SharedLibraryVisible reports whether the user may see the installation's
// shared library of a kind: superusers change it, choosers see it
// read-only.
func (a *Admin) SharedLibraryVisible(kind string) bool {
	return a.canChooseAny(kindNamed(kind))
}

// LibraryCollections is what a media listing needs of the site's
// collections, read once: those where the user may add or change items of a
// kind (the collection filter), those where they may add (bulk moves), in
// tree order, and every collection's name by id.
type LibraryCollections struct {
	Managed, Addable []*CollectionWithPerms
	Names            map[int64]string
}

// MediaCollections reads the site's collections for a media listing.
func (a *Admin) MediaCollections(ctx context.Context, kind string) (*LibraryCollections, error) {
	k := kindNamed(kind)
	list, err := a.pages.Collections(ctx)
	if err != nil {
		return nil, err
	}
	out := &LibraryCollections{Names: make(map[int64]string, len(list))}
	for _, c := range list {
		out.Names[c.ID] = c.Name
		p := a.collPerms(c)
		if p.Has(k.add) || p.Has(k.change) {
			cp := a.withCollPerms(c)
			out.Managed = append(out.Managed, cp)
			if p.Has(k.add) {
				out.Addable = append(out.Addable, cp)
			}
		}
	}
	sort.Slice(out.Managed, func(i, j int) bool { return out.Managed[i].Path < out.Managed[j].Path })
	sort.Slice(out.Addable, func(i, j int) bool { return out.Addable[i].Path < out.Addable[j].Path })
	return out, nil
}

// CollectionNames names the site's collections by id.
func (a *Admin) CollectionNames(ctx context.Context) (map[int64]string, error) {
	list, err := a.pages.Collections(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(list))
	for _, c := range list {
		out[c.ID] = c.Name
	}
	return out, nil
}

// MaxBulk is the most items one bulk action changes.
const MaxBulk = 200

// BulkMedia moves images or documents to a collection, adds tags to them,
// or deletes them: every item must be one the user may change (and, for a
// move, the destination one they may add to), all of this site's own
// library or all of the shared library's; all change in one transaction or
// none does.
func (a *Admin) BulkMedia(ctx context.Context, kind string, ids []int64, op canopy.MediaBulk) (int, error) {
	k := kindNamed(kind)
	if len(ids) == 0 {
		return 0, canopy.Errorf(canopy.EINVALID, "select at least one %s", k.name)
	}
	if len(ids) > MaxBulk {
		return 0, canopy.Errorf(canopy.EINVALID, "select at most %d %ss at once", MaxBulk, k.name)
	}
	if n := btoi(op.MoveTo != 0) + btoi(len(op.AddTags) > 0) + btoi(op.Delete); n != 1 {
		return 0, canopy.Errorf(canopy.EINVALID, "choose one action: move, add tags or delete")
	}
	if op.AddTags != nil {
		tags, err := canopy.CleanTags(op.AddTags)
		if err != nil {
			return 0, err
		}
		if len(tags) == 0 {
			return 0, canopy.FieldErrorf("tags", canopy.EINVALID, "type at least one tag")
		}
		op.AddTags = tags
	}
	site := int64(-1)
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		var coll, owner, itemSite int64
		if kind == "image" {
			im, err := a.pages.Image(ctx, id)
			if err != nil {
				return 0, err
			}
			coll, owner, itemSite = im.CollectionID, im.OwnerID, im.SiteID
		} else {
			d, err := a.pages.Document(ctx, id)
			if err != nil {
				return 0, err
			}
			coll, owner, itemSite = d.CollectionID, d.OwnerID, d.SiteID
		}
		if site != -1 && itemSite != site {
			return 0, canopy.Errorf(canopy.EINVALID, "select items of this site's library or of the shared library, not both")
		}
		site = itemSite
		ch := MediaChange{}
		if op.MoveTo != 0 {
			ch.CollectionID = &op.MoveTo
		}
		if err := a.editable(ctx, k, coll, owner, ch); err != nil {
			return 0, err
		}
	}
	unique := make([]int64, 0, len(seen))
	for _, id := range ids {
		if seen[id] {
			unique = append(unique, id)
			delete(seen, id)
		}
	}
	keys, err := a.storeOf(site).BulkMedia(a.Ctx(ctx), k.name, unique, op)
	if err != nil {
		return 0, err
	}
	a.svc.removeFiles(ctx, keys...)
	return len(unique), nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CollectionTree is the collections screen's content: this site's tree as
// far as the user manages it, and the shared library's (read-only unless
// the user is a superuser), with item counts.
type CollectionTree struct {
	Site, Shared       []*CollectionWithPerms
	SiteCounts, Counts map[int64][2]int
	SharedEditable     bool
}

// CollectionTree is for the collections screen; 403 to those who manage no
// collection.
func (a *Admin) CollectionTree(ctx context.Context) (*CollectionTree, error) {
	t := &CollectionTree{SharedEditable: a.User.IsSuperuser}
	if !a.Check.User.ManagesCollections() && !a.User.IsSuperuser {
		return nil, forbidden("you manage no collections on this site (you need add, change or delete collection permission on one)")
	}
	{
		list, err := a.Collections(ctx, "")
		if err != nil {
			return nil, err
		}
		t.Site = list
		if t.SiteCounts, err = a.pages.CollectionCounts(ctx); err != nil {
			return nil, err
		}
	}
	if a.User.IsSuperuser || a.SharedLibraryVisible("image") || a.SharedLibraryVisible("document") {
		list, err := a.shared().Collections(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			if a.User.IsSuperuser {
				t.Shared = append(t.Shared, a.withCollPerms(c))
			} else {
				t.Shared = append(t.Shared, &CollectionWithPerms{Collection: c})
			}
		}
		if t.Counts, err = a.shared().CollectionCounts(ctx); err != nil {
			return nil, err
		}
	}
	sort.Slice(t.Site, func(i, j int) bool { return t.Site[i].Path < t.Site[j].Path })
	sort.Slice(t.Shared, func(i, j int) bool { return t.Shared[i].Path < t.Shared[j].Path })
	return t, nil
}

// CollectionPrivacyGroups lists this site's groups, for choosing who may
// download a collection's documents.
func (a *Admin) CollectionPrivacyGroups(ctx context.Context) ([]*canopy.Group, error) {
	return a.pages.Groups(ctx)
}
