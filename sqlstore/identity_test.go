package sqlstore_test

import (
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/perm"
	"github.com/canopy-cms/canopy/sqlstore"
)

func mustUser(t *testing.T, db *sqlstore.DB, name string, super, superadmin bool) *canopy.User {
	t.Helper()
	u := &canopy.User{Username: name, IsActive: true, IsSuperuser: super, IsSuperadmin: superadmin, PasswordHash: "x"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestGroupsAndGrants(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a := mustCreateSite(t, db, "alpha.test", true)
		b := mustCreateSite(t, db, "beta.test", false)
		sa := db.Site(a.ID, types(t))
		section := mustCreatePage(t, sa, a.RootPageID, canopy.StandardType, "Section", true)
		ed := mustUser(t, db, "ed", false, false)

		ga, err := db.Site(a.ID, nil).CreateGroup(ctx, "Editors")
		if err != nil {
			t.Fatal(err)
		}
		// Two sites may both have "Editors"; one site may not have it twice.
		gb, err := db.Site(b.ID, nil).CreateGroup(ctx, "Editors")
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Site(a.ID, nil).CreateGroup(ctx, "editors")
		wantCode(t, err, canopy.ECONFLICT)
		// A site's group is not found from another site.
		_, err = db.Site(b.ID, nil).Group(ctx, ga.ID)
		wantCode(t, err, canopy.ENOTFOUND)
		// A site group can only be granted its own site's pages.
		err = db.Site(b.ID, nil).SetGroupGrants(ctx, gb.ID, []sqlstore.PageGrantRow{{PageID: section.ID, Actions: []string{"change"}}}, nil)
		wantCode(t, err, canopy.ENOTFOUND)
		err = db.Site(a.ID, nil).SetGroupGrants(ctx, ga.ID, []sqlstore.PageGrantRow{{PageID: section.ID, Actions: []string{"fly"}}}, nil)
		wantCode(t, err, canopy.EINVALID)
		if err := db.Site(a.ID, nil).SetGroupGrants(ctx, ga.ID, []sqlstore.PageGrantRow{{PageID: section.ID, Actions: []string{"add", "change"}}},
			[]string{"access_admin", "add_location"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Site(a.ID, nil).GroupGrantsOf(ctx, ga.ID)
		if err != nil || len(got.Pages) != 1 || len(got.Pages[0].Actions) != 2 || len(got.Models) != 2 {
			t.Fatalf("grants = %+v, %v", got, err)
		}
		if err := db.Site(a.ID, nil).AddMember(ctx, ga.ID, ed.ID); err != nil {
			t.Fatal(err)
		}
		// Ed's grants count on alpha only.
		acc, err := db.Site(a.ID, nil).UserAccess(ctx, ed)
		if err != nil || !acc.Member || len(acc.Pages) != 1 || acc.Pages[0].Path != section.Path || len(acc.Models) != 2 {
			t.Fatalf("access on alpha = %+v, %v", acc, err)
		}
		u := perm.NewUser(ed.ID, true, false, acc.Pages, acc.Models)
		if !u.On(section.Path).Has(perm.Change) || u.On(section.Path[:8]).Has(perm.Change) {
			t.Fatal("grant does not apply to the section only")
		}
		acc, err = db.Site(b.ID, nil).UserAccess(ctx, ed)
		if err != nil || acc.Member || len(acc.Pages) != 0 || len(acc.Models) != 0 {
			t.Fatalf("access on beta = %+v, %v", acc, err)
		}
		// A super admin acts as a member of the site's administrators group,
		// the one marked is_admin whatever its name; a group merely named
		// Admins is not it.
		fake, _ := db.Site(b.ID, nil).CreateGroup(ctx, sqlstore.AdminsGroup)
		if err := db.Site(b.ID, nil).SetGroupGrants(ctx, fake.ID, nil, []string{"access_admin", "view_history"}); err != nil {
			t.Fatal(err)
		}
		admins, _ := db.Site(b.ID, nil).CreateGroup(ctx, "Owners")
		if err := db.ExecRaw(ctx, `UPDATE groups SET is_admin = TRUE WHERE id = $1`, admins.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.Site(b.ID, nil).SetGroupGrants(ctx, admins.ID, []sqlstore.PageGrantRow{{PageID: b.RootPageID, Actions: perm.ActionNames()}}, []string{"access_admin"}); err != nil {
			t.Fatal(err)
		}
		sa2 := mustUser(t, db, "sadmin", false, true)
		acc, _ = db.Site(b.ID, nil).UserAccess(ctx, sa2)
		if !acc.Member || len(acc.Pages) != 1 || len(acc.Models) != 1 || acc.Models[0] != "access_admin" || len(acc.Groups) != 1 || !acc.Groups[0].IsAdmin {
			t.Fatalf("super admin access = %+v", acc)
		}
		// Deleting the granted page removes the grant with it.
		if _, err := sa.Delete(ctx, section.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Site(a.ID, nil).GroupGrantsOf(ctx, ga.ID); len(got.Pages) != 0 {
			t.Fatalf("grant outlived its page: %+v", got)
		}
	})
}

func TestSessionsTokensAndLog(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a := mustCreateSite(t, db, "alpha.test", true)
		b := mustCreateSite(t, db, "beta.test", false)
		u := mustUser(t, db, "ed", false, false)
		if err := db.Site(a.ID, nil).CreateSession(ctx, u.ID, "hash1", time.Hour, "127.0.0.1", "test"); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Site(a.ID, nil).SessionUser(ctx, "hash1"); err != nil || got.ID != u.ID {
			t.Fatalf("session on its site: %v %v", got, err)
		}
		_, err := db.Site(b.ID, nil).SessionUser(ctx, "hash1")
		wantCode(t, err, canopy.EUNAUTHENTICATED)
		db.Site(a.ID, nil).CreateSession(ctx, u.ID, "old", -time.Minute, "", "")
		_, err = db.Site(a.ID, nil).SessionUser(ctx, "old")
		wantCode(t, err, canopy.EUNAUTHENTICATED)
		db.DeleteSession(ctx, "hash1")
		_, err = db.Site(a.ID, nil).SessionUser(ctx, "hash1")
		wantCode(t, err, canopy.EUNAUTHENTICATED)

		actx := sqlstore.WithActor(ctx, sqlstore.Actor{UserID: u.ID})
		tok, err := db.Site(a.ID, nil).CreateToken(actx, u.ID, "tokhash", "deploy script", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.Site(a.ID, nil).TokenUser(ctx, "tokhash"); err != nil || got.ID != u.ID {
			t.Fatal(err)
		}
		_, err = db.Site(b.ID, nil).TokenUser(ctx, "tokhash")
		wantCode(t, err, canopy.EUNAUTHENTICATED)
		wantCode(t, db.Site(b.ID, nil).DeleteToken(actx, u.ID, tok.ID), canopy.ENOTFOUND)
		if err := db.Site(a.ID, nil).DeleteToken(actx, u.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.Site(a.ID, nil).TokenUser(ctx, "tokhash")
		wantCode(t, err, canopy.EUNAUTHENTICATED)

		// Page writes are logged with their actor, per site.
		s := db.Site(a.ID, types(t))
		p, err := s.CreatePage(actx, a.RootPageID, sqlstore.NewPage{Type: canopy.StandardType, Content: canopy.PageContent{Title: "Logged"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetLock(actx, p.ID, true); err != nil {
			t.Fatal(err)
		}
		locked, _ := s.Page(ctx, p.ID)
		if !locked.Locked || locked.LockedBy != u.ID {
			t.Fatalf("lock = %+v", locked)
		}
		entries, err := db.Site(a.ID, nil).LogEntries(ctx, 10)
		if err != nil || len(entries) < 3 || entries[0].Action != "lock" || entries[1].Action != "create" || entries[1].UserID != u.ID || entries[1].ObjectTitle != "Logged" {
			t.Fatalf("log = %+v, %v", entries, err)
		}
		if other, _ := db.Site(b.ID, nil).LogEntries(ctx, 10); len(other) != 1 || other[0].ObjectType != "site" {
			t.Fatalf("beta's log shows alpha's actions: %+v", other)
		}
	})
}
