package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/canopy-cms/canopy"
)

// Page privacy (view restrictions): login, password, or groups of this site,
// set on a page for it and everything below it. A page's effective
// restrictions are its own and its ancestors'; all must pass.

// PagePrivacy is a page's own restriction (nil: none) and those it inherits.
type PagePrivacy struct {
	Own       *canopy.Restriction
	Inherited []canopy.Restriction
}

// PagePrivacy returns a page's privacy as editors see it.
func (a *Admin) PagePrivacy(ctx context.Context, id int64) (*PagePrivacy, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	anc, err := a.pages.Ancestors(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	ids := []int64{p.ID}
	for _, x := range anc {
		ids = append(ids, x.ID)
	}
	rs, err := a.pages.PageRestrictions(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := &PagePrivacy{}
	for _, r := range rs {
		if r.PageID == p.ID {
			r := r
			out.Own = &r
		} else {
			out.Inherited = append(out.Inherited, r)
		}
	}
	return out, nil
}

// restrictionFor builds a restriction of a kind: "none" (nil), "login",
// "password" (the password hashed; an empty one keeps the current
// restriction's hash, when it is a password one) or "groups".
func (a *Admin) restrictionFor(kind, password string, groups []int64, current *canopy.Restriction) (*canopy.Restriction, error) {
	if kind != "password" && password != "" {
		return nil, canopy.Errorf(canopy.EINVALID, "a password is only given with type password")
	}
	if kind != "groups" && len(groups) > 0 {
		return nil, canopy.Errorf(canopy.EINVALID, "groups are only given with type groups")
	}
	switch kind {
	case "none", "":
		return nil, nil
	case "login":
		return &canopy.Restriction{Kind: "login"}, nil
	case "password":
		if password == "" && current != nil && current.Kind == "password" && current.PasswordHash != "" {
			return &canopy.Restriction{Kind: "password", PasswordHash: current.PasswordHash}, nil
		}
		if password == "" {
			return nil, canopy.FieldErrorf("password", canopy.EINVALID, "a password restriction needs a password")
		}
		if len(password) > 72 {
			return nil, canopy.FieldErrorf("password", canopy.EINVALID, "the password must be at most 72 bytes long")
		}
		hash, err := HashPassword(password, a.svc.BcryptCost)
		if err != nil {
			return nil, err
		}
		return &canopy.Restriction{Kind: "password", PasswordHash: hash}, nil
	case "groups":
		if len(groups) == 0 {
			return nil, canopy.FieldErrorf("groups", canopy.EINVALID, "a groups restriction needs at least one group")
		}
		return &canopy.Restriction{Kind: "groups", GroupIDs: slices.Compact(slices.Sorted(slices.Values(groups)))}, nil
	}
	return nil, canopy.Errorf(canopy.EINVALID, "privacy type must be none, login, password or groups")
}

// SetPagePrivacy sets a page's own restriction: kind "none", "login",
// "password" (with a non-empty password, stored as a bcrypt hash) or "groups"
// (this site's groups). It needs the set_privacy permission (as publishing).
func (a *Admin) SetPagePrivacy(ctx context.Context, id int64, kind, password string, groups []int64) (*PagePrivacy, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Check.CanSetPrivacy(a.pp(p)) {
		return nil, forbidden("you may not change the privacy of %q", p.Title)
	}
	r, err := a.restrictionFor(kind, password, groups, nil)
	if err != nil {
		return nil, err
	}
	if err := a.pages.SetPageRestriction(a.Ctx(ctx), id, r); err != nil {
		return nil, err
	}
	return a.PagePrivacy(ctx, id)
}

// Access is what a visitor gets at a restricted page.
type Access int

// The outcomes of checking a page's restrictions.
const (
	Allowed      Access = iota
	NeedLogin           // not logged in (login or groups restriction)
	NeedPassword        // a password restriction not yet passed
	Denied              // logged in, but not in the groups
)

// CheckPage decides a visitor's access to a page with the given effective
// restrictions. viewer loads the logged-in user (nil: anonymous) only when a
// restriction needs it; hasPassword reports whether the visitor entered the
// password of a password restriction. On NeedPassword, the restriction to ask
// for is returned.
func CheckPage(rs []canopy.Restriction, viewer func() *Viewer, hasPassword func(canopy.Restriction) bool) (Access, *canopy.Restriction) {
	var v *Viewer
	loaded := false
	load := func() *Viewer {
		if !loaded {
			v, loaded = viewer(), true
		}
		return v
	}
	for i := range rs {
		r := rs[i]
		switch r.Kind {
		case "password":
			if !hasPassword(r) {
				return NeedPassword, &rs[i]
			}
		default:
			u := load()
			if u == nil || u.User == nil {
				return NeedLogin, &rs[i]
			}
			if !Passes([]canopy.Restriction{r}, u) {
				return Denied, &rs[i]
			}
		}
	}
	return Allowed, nil
}

// PasswordToken is the value of the cookie that proves a visitor entered a
// page's or a collection's password; changing the password changes it.
func (s *Service) PasswordToken(ctx context.Context, siteID int64, r canopy.Restriction) (string, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	if r.CollectionID != 0 {
		fmt.Fprintf(m, "collection-password/%d/%d/%s", siteID, r.CollectionID, r.PasswordHash)
	} else {
		fmt.Fprintf(m, "page-password/%d/%d/%s", siteID, r.PageID, r.PasswordHash)
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:32], nil
}

// PrivacyGroups lists this site's groups, for choosing who may see a page
// whose privacy the caller may set.
func (a *Admin) PrivacyGroups(ctx context.Context, id int64) ([]*canopy.Group, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Check.CanSetPrivacy(a.pp(p)) {
		return nil, forbidden("you may not change the privacy of %q", p.Title)
	}
	return a.pages.Groups(ctx)
}
