package perm

import (
	"strings"

	"github.com/canopy-cms/canopy"
)

// CollectionPerm is one permission a group can be granted on a collection; it
// applies to the collection and every collection below it.
type CollectionPerm uint16

// Collection permissions: on the images and documents in a collection, and on
// managing the collections themselves.
const (
	AddImage CollectionPerm = 1 << iota
	ChangeImage
	ChooseImage
	AddDocument
	ChangeDocument
	ChooseDocument
	AddCollection
	ChangeCollection
	DeleteCollection
)

// CollectionPerms is a set of collection permissions.
type CollectionPerms uint16

// Has reports whether p is in the set.
func (s CollectionPerms) Has(p CollectionPerm) bool { return s&CollectionPerms(p) != 0 }

var collectionPermNames = []struct {
	p    CollectionPerm
	name string
}{{AddImage, "add_image"}, {ChangeImage, "change_image"}, {ChooseImage, "choose_image"},
	{AddDocument, "add_document"}, {ChangeDocument, "change_document"}, {ChooseDocument, "choose_document"},
	{AddCollection, "add_collection"}, {ChangeCollection, "change_collection"}, {DeleteCollection, "delete_collection"}}

// ParseCollectionPerm returns the permission named name.
func ParseCollectionPerm(name string) (CollectionPerm, bool) {
	for _, n := range collectionPermNames {
		if n.name == name {
			return n.p, true
		}
	}
	return 0, false
}

// Names lists the permissions in the set, in a fixed order.
func (s CollectionPerms) Names() []string {
	out := []string{}
	for _, n := range collectionPermNames {
		if s.Has(n.p) {
			out = append(out, n.name)
		}
	}
	return out
}

// CollectionPermNames lists every grantable collection permission.
func CollectionPermNames() []string { return CollectionPerms(0xffff).Names() }

// CollectionGrant is a set of permissions granted on the collection at Path.
type CollectionGrant struct {
	Path  string
	Perms CollectionPerms
}

// WithCollections adds collection grants to a user.
func (u *User) WithCollections(grants []CollectionGrant) *User {
	if u.collGrants == nil {
		u.collGrants = map[string]CollectionPerms{}
	}
	for _, g := range grants {
		u.collGrants[g.Path] |= g.Perms
		u.collPaths = append(u.collPaths, g.Path)
	}
	return u
}

// OnCollection returns the permissions the user's grants give on the
// collection at path: the union over it and its ancestors.
func (u *User) OnCollection(path string) CollectionPerms {
	if u == nil || !u.Active {
		return 0
	}
	var s CollectionPerms
	for l := canopy.StepLen; l <= len(path); l += canopy.StepLen {
		s |= u.collGrants[path[:l]]
	}
	return s
}

// CanManageCollection decides collection management on the collection at
// path: add_collection creates below it, change_collection renames, moves and
// sets privacy (a user cannot move the collection the grant is on),
// delete_collection deletes collections strictly below the grant. A site's
// root collection is never renamed, moved or deleted (except with its site).
func (u *User) CanManageCollection(path string, p CollectionPerm, moveOrDelete bool) bool {
	if u == nil || !u.Active {
		return false
	}
	isRoot := len(path) <= canopy.StepLen
	if p != AddCollection && isRoot {
		return false
	}
	if u.Superuser {
		return true
	}
	if p == DeleteCollection || moveOrDelete {
		// The grant must sit strictly above the collection.
		return u.OnCollection(path[:len(path)-canopy.StepLen]).Has(p)
	}
	return u.OnCollection(path).Has(p)
}

// CanMoveCollection decides moving the collection at path under the one at
// dest (Wagtail's rule): change_collection strictly above the collection (a
// user never moves the collection their grant is on) and add_collection at
// the destination. A site's root collection never moves.
func (u *User) CanMoveCollection(path, dest string) bool {
	return u.CanManageCollection(path, ChangeCollection, true) && u.CanManageCollection(dest, AddCollection, false)
}

// MayMoveCollection reports whether moving the collection at path is worth
// offering: change_collection strictly above it and add_collection on some
// collection outside its own subtree (a destination it may go to). A
// manager who may add collections nowhere is not offered a move that every
// destination would refuse.
func (u *User) MayMoveCollection(path string) bool {
	if !u.CanManageCollection(path, ChangeCollection, true) {
		return false
	}
	if u.Superuser {
		return true
	}
	for p, s := range u.collGrants {
		if s.Has(AddCollection) && !strings.HasPrefix(p, path) {
			return true
		}
	}
	return false
}

// ManagesCollections reports whether the user holds any collection
// management permission (add, change or delete collection) anywhere: the
// gate of the collections index.
func (u *User) ManagesCollections() bool {
	if u == nil || !u.Active {
		return false
	}
	if u.Superuser {
		return true
	}
	for _, s := range u.collGrants {
		if s&managePerms != 0 {
			return true
		}
	}
	return false
}

// ManagesCollection reports whether the user holds a management permission
// at the collection at path (granted on it or above): the collections the
// index lists.
func (u *User) ManagesCollection(path string) bool {
	return u != nil && u.Active && (u.Superuser || u.OnCollection(path)&managePerms != 0)
}

const managePerms = CollectionPerms(AddCollection) | CollectionPerms(ChangeCollection) | CollectionPerms(DeleteCollection)

// CollectionGrants returns the user's collection grants (path and
// permissions), for listings that filter by where a permission holds.
func (u *User) CollectionGrants() []CollectionGrant {
	if u == nil {
		return nil
	}
	out := make([]CollectionGrant, 0, len(u.collGrants))
	for p, s := range u.collGrants {
		out = append(out, CollectionGrant{Path: p, Perms: s})
	}
	return out
}
