package perm_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/perm"
)

// The seed's tree: MegaCorp / About us, Offices / UK, France, Germany.
const (
	root    = "0001"
	mega    = "00010001"
	about   = "000100010001"
	offices = "000100010002"
	uk      = "0001000100020001"
	france  = "0001000100020002"
	germany = "0001000100020003"
)

var types = func() *canopy.PageTypes {
	t, err := canopy.NewPageTypes()
	if err != nil {
		panic(err)
	}
	return t
}()

func page(path, typ string) *perm.Page { return &perm.Page{Path: path, Type: typ} }

func user(id int64, grants map[string][]perm.Action) *perm.User {
	var g []perm.PageGrant
	for path, acts := range grants {
		var s perm.Actions
		for _, a := range acts {
			s |= perm.Actions(a)
		}
		g = append(g, perm.PageGrant{Path: path, Actions: s})
	}
	return perm.NewUser(id, true, false, g, nil)
}

func TestMegaCorpExample(t *testing.T) {
	c := perm.New(user(7, map[string][]perm.Action{offices: {perm.Change}}), types)
	for path, want := range map[string]bool{offices: true, uk: true, france: true, germany: true, mega: false, about: false, root: false} {
		if got := c.CanEdit(page(path, canopy.StandardType)); got != want {
			t.Errorf("edit %s = %v, want %v", path, got, want)
		}
	}
}

func TestGrantsApplyDownwardsOnly(t *testing.T) {
	u := user(1, map[string][]perm.Action{offices: {perm.Publish}, uk: {perm.Add}})
	cases := map[string]perm.Actions{
		mega:    0,
		about:   0,
		offices: perm.Actions(perm.Publish),
		uk:      perm.Actions(perm.Publish) | perm.Actions(perm.Add),
		france:  perm.Actions(perm.Publish),
	}
	for path, want := range cases {
		if got := u.On(path); got != want {
			t.Errorf("On(%s) = %v, want %v", path, got.Names(), want.Names())
		}
	}
	if got := perm.NewUser(1, false, false, []perm.PageGrant{{Path: mega, Actions: 0xff}}, nil).On(uk); got != 0 {
		t.Error("inactive user has grants")
	}
}

// rule is one row of the decision table.
type rule struct {
	name   string
	grants map[string][]perm.Action
	super  bool
	check  func(c *perm.Checker) bool
	want   bool
}

func run(t *testing.T, rules []rule) {
	t.Helper()
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			u := user(7, r.grants)
			if r.super {
				u = perm.NewUser(7, true, true, nil, nil)
			}
			if got := r.check(perm.New(u, types)); got != r.want {
				t.Fatalf("got %v, want %v", got, r.want)
			}
		})
	}
}

var (
	none     = map[string][]perm.Action{}
	addOn    = map[string][]perm.Action{offices: {perm.Add}}
	changeOn = map[string][]perm.Action{offices: {perm.Change}}
	pubOn    = map[string][]perm.Action{offices: {perm.Publish}}
)

func owned(path string, owner int64) *perm.Page {
	return &perm.Page{Path: path, Type: canopy.StandardType, OwnerID: owner}
}

func TestAddEditPublish(t *testing.T) {
	event := &perm.Page{Path: uk, Type: canopy.EventType}
	run(t, []rule{
		{"add subpage with add", addOn, false, func(c *perm.Checker) bool { return c.CanAddSubpage(page(uk, canopy.StandardType)) }, true},
		{"add subpage without add", changeOn, false, func(c *perm.Checker) bool { return c.CanAddSubpage(page(uk, canopy.StandardType)) }, false},
		{"add subpage: type allows no children (binds superusers)", nil, true, func(c *perm.Checker) bool { return c.CanAddSubpage(event) }, false},
		{"add subpage under the root: nothing creatable", nil, true, func(c *perm.Checker) bool { return c.CanAddSubpage(page(root, canopy.RootType)) }, false},
		{"superuser adds", nil, true, func(c *perm.Checker) bool { return c.CanAddSubpage(page(mega, canopy.HomeType)) }, true},
		{"edit with change", changeOn, false, func(c *perm.Checker) bool { return c.CanEdit(owned(uk, 99)) }, true},
		{"edit own page with add", addOn, false, func(c *perm.Checker) bool { return c.CanEdit(owned(uk, 7)) }, true},
		{"edit others' page with add", addOn, false, func(c *perm.Checker) bool { return c.CanEdit(owned(uk, 99)) }, false},
		{"edit with publish only", pubOn, false, func(c *perm.Checker) bool { return c.CanEdit(owned(uk, 7)) }, false},
		{"edit as task reviewer without grants", none, false, func(c *perm.Checker) bool {
			return c.CanEdit(&perm.Page{Path: uk, Type: canopy.StandardType, Task: &perm.Task{Reviewer: true}})
		}, true},
		{"never edit the root", nil, true, func(c *perm.Checker) bool { return c.CanEdit(page(root, canopy.RootType)) }, false},
		{"publish with publish", pubOn, false, func(c *perm.Checker) bool { return c.CanPublish(page(uk, canopy.StandardType)) }, true},
		{"publish with change only", changeOn, false, func(c *perm.Checker) bool { return c.CanPublish(page(uk, canopy.StandardType)) }, false},
		{"publish the root", nil, true, func(c *perm.Checker) bool { return c.CanPublish(page(root, canopy.RootType)) }, false},
		{"publish subpage", pubOn, false, func(c *perm.Checker) bool { return c.CanPublishSubpage(page(offices, canopy.IndexType)) }, true},
		{"publish subpage under an event", nil, true, func(c *perm.Checker) bool { return c.CanPublishSubpage(page(uk, canopy.EventType)) }, false},
		{"reorder with publish", pubOn, false, func(c *perm.Checker) bool { return c.CanReorderChildren(page(offices, canopy.IndexType)) }, true},
		{"reorder with change", changeOn, false, func(c *perm.Checker) bool { return c.CanReorderChildren(page(offices, canopy.IndexType)) }, false},
		{"set privacy = publish", pubOn, false, func(c *perm.Checker) bool { return c.CanSetPrivacy(page(uk, canopy.StandardType)) }, true},
		{"set privacy without publish", changeOn, false, func(c *perm.Checker) bool { return c.CanSetPrivacy(page(uk, canopy.StandardType)) }, false},
		{"view revisions with change", changeOn, false, func(c *perm.Checker) bool { return c.CanViewRevisions(page(uk, canopy.StandardType)) }, true},
		{"view revisions with publish", pubOn, false, func(c *perm.Checker) bool { return c.CanViewRevisions(page(uk, canopy.StandardType)) }, true},
		{"view revisions with lock only", map[string][]perm.Action{offices: {perm.Lock}}, false, func(c *perm.Checker) bool { return c.CanViewRevisions(page(uk, canopy.StandardType)) }, false},
		{"copy = edit, with add somewhere", map[string][]perm.Action{offices: {perm.Change}, uk: {perm.Add}}, false, func(c *perm.Checker) bool { return c.CanCopy(page(uk, canopy.StandardType)) }, true},
		{"no copy with add nowhere", changeOn, false, func(c *perm.Checker) bool { return c.CanCopy(page(uk, canopy.StandardType)) }, false},
		{"copy own page with add", addOn, false, func(c *perm.Checker) bool { return c.CanCopy(owned(uk, 7)) }, true},
	})
}

func TestUnpublish(t *testing.T) {
	live := func() *perm.Page { return &perm.Page{Path: uk, Type: canopy.StandardType, Live: true} }
	run(t, []rule{
		{"publisher unpublishes a live page", pubOn, false, func(c *perm.Checker) bool { return c.CanUnpublish(live()) }, true},
		{"not live", pubOn, false, func(c *perm.Checker) bool { return c.CanUnpublish(page(uk, canopy.StandardType)) }, false},
		{"without publish", changeOn, false, func(c *perm.Checker) bool { return c.CanUnpublish(live()) }, false},
		{"locked by someone else", pubOn, false, func(c *perm.Checker) bool { p := live(); p.Locked, p.LockedBy = true, 99; return c.CanUnpublish(p) }, false},
		{"locked by oneself", pubOn, false, func(c *perm.Checker) bool { p := live(); p.Locked, p.LockedBy = true, 7; return c.CanUnpublish(p) }, true},
		{"superuser blocked by another's lock", nil, true, func(c *perm.Checker) bool { p := live(); p.Locked, p.LockedBy = true, 99; return c.CanUnpublish(p) }, false},
		{"lock without locker blocks superusers", nil, true, func(c *perm.Checker) bool { p := live(); p.Locked = true; return c.CanUnpublish(p) }, false},
		{"scheduled publication blocks", nil, true, func(c *perm.Checker) bool { p := live(); p.ScheduledPublish = true; return c.CanUnpublish(p) }, false},
		{"workflow task blocks non-reviewers", pubOn, false, func(c *perm.Checker) bool { p := live(); p.Task = &perm.Task{}; return c.CanUnpublish(p) }, false},
		{"workflow task does not block superusers", nil, true, func(c *perm.Checker) bool { p := live(); p.Task = &perm.Task{}; return c.CanUnpublish(p) }, true},
		{"workflow task does not block reviewers", pubOn, false, func(c *perm.Checker) bool { p := live(); p.Task = &perm.Task{Reviewer: true}; return c.CanUnpublish(p) }, true},
	})
}

func TestDelete(t *testing.T) {
	leafDraft := perm.Subtree{AllOwned: true}
	leafLive := perm.Subtree{AllOwned: true, AnyLive: true}
	withKids := perm.Subtree{AllOwned: true, HasChildren: true}
	notMine := perm.Subtree{}
	g := func(a ...perm.Action) map[string][]perm.Action { return map[string][]perm.Action{offices: a} }
	del := func(sub perm.Subtree) func(c *perm.Checker) bool {
		return func(c *perm.Checker) bool { return c.CanDelete(owned(uk, 7), sub) }
	}
	run(t, []rule{
		{"change deletes a draft leaf", g(perm.Change), false, del(notMine), true},
		{"change cannot delete live without publish", g(perm.Change), false, del(leafLive), false},
		{"change+publish deletes live", g(perm.Change, perm.Publish), false, del(leafLive), true},
		{"children need bulk_delete", g(perm.Change, perm.Publish), false, del(withKids), false},
		{"bulk_delete with change", g(perm.Change, perm.BulkDelete), false, del(withKids), true},
		{"bulk_delete alone grants nothing", g(perm.BulkDelete), false, del(withKids), false},
		{"add deletes own draft subtree", g(perm.Add, perm.BulkDelete), false, del(withKids), true},
		{"add cannot delete others' pages", g(perm.Add), false, del(notMine), false},
		{"add cannot delete live own page without publish", g(perm.Add), false, del(leafLive), false},
		{"add+publish deletes live own page", g(perm.Add, perm.Publish), false, del(leafLive), true},
		{"add deletes own draft leaf", g(perm.Add), false, del(leafDraft), true},
		{"publish only cannot delete", g(perm.Publish), false, del(leafDraft), false},
		{"superuser deletes anything", nil, true, del(perm.Subtree{AnyLive: true, HasChildren: true}), true},
		{"never the root", nil, true, func(c *perm.Checker) bool { return c.CanDelete(page(root, canopy.RootType), leafDraft) }, false},
		{"never a home page (delete the site)", nil, true, func(c *perm.Checker) bool { return c.CanDelete(page(mega, canopy.HomeType), leafDraft) }, false},
		{"move ignores the leaf rule", g(perm.Change), false, func(c *perm.Checker) bool { return c.CanMove(owned(uk, 7), withKids) }, true},
	})
}

func TestMoveAndCopyTo(t *testing.T) {
	idx := page(offices, canopy.IndexType)
	aboutPage := page(about, canopy.StandardType)
	ukPage := owned(uk, 7)
	event := page("0001000100010001", canopy.EventType)
	draft := perm.Subtree{AllOwned: true}
	live := perm.Subtree{AllOwned: true, AnyLive: true}
	both := map[string][]perm.Action{offices: {perm.Change}, about: {perm.Add}}
	run(t, []rule{
		{"move with move right and add on destination", both, false, func(c *perm.Checker) bool { return c.CanMoveTo(ukPage, aboutPage, draft) }, true},
		{"live subtree needs publish on destination", both, false, func(c *perm.Checker) bool { return c.CanMoveTo(ukPage, aboutPage, live) }, false},
		{"live subtree with publish on destination", map[string][]perm.Action{offices: {perm.Change, perm.Publish}, about: {perm.Add, perm.Publish}}, false,
			func(c *perm.Checker) bool { return c.CanMoveTo(ukPage, aboutPage, live) }, true},
		{"no add on destination", changeOn, false, func(c *perm.Checker) bool { return c.CanMoveTo(ukPage, aboutPage, draft) }, false},
		{"not into itself", nil, true, func(c *perm.Checker) bool { return c.CanMoveTo(idx, idx, draft) }, false},
		{"not into its descendant", nil, true, func(c *perm.Checker) bool { return c.CanMoveTo(idx, ukPage, draft) }, false},
		{"type rules bind superusers", nil, true, func(c *perm.Checker) bool { return c.CanMoveTo(ukPage, event, draft) }, false},
		{"superuser moves", nil, true, func(c *perm.Checker) bool { return c.CanMoveTo(ukPage, aboutPage, live) }, true},
		{"copy with add on destination", map[string][]perm.Action{about: {perm.Add}}, false, func(c *perm.Checker) bool { return c.CanCopyTo(ukPage, aboutPage, true, false) }, true},
		{"keeping live needs publish subpage", map[string][]perm.Action{about: {perm.Add}}, false, func(c *perm.Checker) bool { return c.CanCopyTo(ukPage, aboutPage, true, true) }, false},
		{"keeping live with publish", map[string][]perm.Action{about: {perm.Add, perm.Publish}}, false, func(c *perm.Checker) bool { return c.CanCopyTo(ukPage, aboutPage, true, true) }, true},
		{"recursive copy not inside itself", nil, true, func(c *perm.Checker) bool { return c.CanCopyTo(idx, ukPage, true, false) }, false},
		{"non-recursive copy inside itself", nil, true, func(c *perm.Checker) bool { return c.CanCopyTo(idx, idx, false, false) }, true},
		{"copy needs a creatable type under destination", nil, true, func(c *perm.Checker) bool { return c.CanCopyTo(ukPage, event, false, false) }, false},
	})
}

func TestLocks(t *testing.T) {
	lockG := map[string][]perm.Action{offices: {perm.Lock}}
	unlockG := map[string][]perm.Action{offices: {perm.Unlock}}
	lockedBy := func(id int64) *perm.Page {
		return &perm.Page{Path: uk, Type: canopy.StandardType, Locked: true, LockedBy: id}
	}
	run(t, []rule{
		{"lock grant locks", lockG, false, func(c *perm.Checker) bool { return c.CanLock(page(uk, canopy.StandardType)) }, true},
		{"no lock grant", changeOn, false, func(c *perm.Checker) bool { return c.CanLock(page(uk, canopy.StandardType)) }, false},
		{"on a task, reviewers may lock", none, false, func(c *perm.Checker) bool {
			return c.CanLock(&perm.Page{Path: uk, Type: canopy.StandardType, Task: &perm.Task{Reviewer: true}})
		}, true},
		{"on a task, the grant does not decide", lockG, false, func(c *perm.Checker) bool {
			return c.CanLock(&perm.Page{Path: uk, Type: canopy.StandardType, Task: &perm.Task{}})
		}, false},
		{"locker unlocks own lock", lockG, false, func(c *perm.Checker) bool { return c.CanUnlock(lockedBy(7)) }, true},
		{"lock grant does not unlock others' locks", lockG, false, func(c *perm.Checker) bool { return c.CanUnlock(lockedBy(99)) }, false},
		{"unlock grant unlocks anyone's", unlockG, false, func(c *perm.Checker) bool { return c.CanUnlock(lockedBy(99)) }, true},
		{"group approval task: no one else unlocks", unlockG, false, func(c *perm.Checker) bool {
			p := lockedBy(99)
			p.Task = &perm.Task{GroupApproval: true}
			return c.CanUnlock(p)
		}, false},
		{"superuser unlocks", nil, true, func(c *perm.Checker) bool { return c.CanUnlock(lockedBy(99)) }, true},
		{"locked for others", changeOn, false, func(c *perm.Checker) bool { return c.LockedForUser(lockedBy(99)) }, true},
		{"not locked for the locker", changeOn, false, func(c *perm.Checker) bool { return c.LockedForUser(lockedBy(7)) }, false},
	})
}

func TestSubmit(t *testing.T) {
	wf := func() *perm.Page { return &perm.Page{Path: uk, Type: canopy.StandardType, HasActiveWorkflow: true} }
	run(t, []rule{
		{"editor submits", changeOn, false, func(c *perm.Checker) bool { return c.CanSubmit(wf()) }, true},
		{"no workflow", changeOn, false, func(c *perm.Checker) bool { return c.CanSubmit(page(uk, canopy.StandardType)) }, false},
		{"already in progress", changeOn, false, func(c *perm.Checker) bool { p := wf(); p.WorkflowInProgress = true; return c.CanSubmit(p) }, false},
		{"locked by someone else", changeOn, false, func(c *perm.Checker) bool { p := wf(); p.Locked, p.LockedBy = true, 99; return c.CanSubmit(p) }, false},
		{"publisher without edit", pubOn, false, func(c *perm.Checker) bool { return c.CanSubmit(wf()) }, false},
	})
}

func TestInactiveAndSuperuser(t *testing.T) {
	inactiveSuper := perm.New(perm.NewUser(1, false, true, nil, []string{"access_admin"}), types)
	p := &perm.Page{Path: uk, Type: canopy.StandardType, Live: true}
	if len(inactiveSuper.PageActions(p, perm.Subtree{})) != 0 || inactiveSuper.User.HasModelPerm("access_admin") {
		t.Fatal("an inactive user has permissions")
	}
	super := perm.New(perm.NewUser(1, true, true, nil, nil), types)
	want := []string{"add_subpage", "publish_subpage", "edit", "delete", "publish", "unpublish", "lock", "unlock", "move", "copy", "reorder", "view_revisions", "set_privacy"}
	if got := super.PageActions(p, perm.Subtree{AnyLive: true, HasChildren: true}); !reflect.DeepEqual(got, want) {
		t.Fatalf("superuser actions = %v", got)
	}
	// Sorting child pages is offered only where there are some.
	if got := super.PageActions(p, perm.Subtree{AnyLive: true}); slices.Contains(got, "reorder") {
		t.Fatalf("a page without children offers sorting them: %v", got)
	}
	if !super.User.HasModelPerm("change_general") {
		t.Fatal("superuser lacks a model permission")
	}
}

func TestModelPermsAndExplorer(t *testing.T) {
	u := perm.NewUser(3, true, false, []perm.PageGrant{{Path: uk, Actions: perm.Actions(perm.Change)}, {Path: france, Actions: perm.Actions(perm.Add)}},
		[]string{"add_location", "access_admin"})
	if !u.HasModelPerm("add_location") || u.HasModelPerm("delete_location") {
		t.Fatal("model permissions")
	}
	if got := u.ExplorableRoot(); got != offices {
		t.Fatalf("explorer root = %q, want Offices %q", got, offices)
	}
	for path, want := range map[string]bool{mega: true, offices: true, uk: true, uk + "0001": true, germany: false, about: false} {
		if got := u.CanExplore(path); got != want {
			t.Errorf("CanExplore(%s) = %v", path, got)
		}
	}
	if perm.NewUser(3, true, false, nil, nil).ExplorableRoot() != "" {
		t.Fatal("no grants, yet an explorer root")
	}
}

func TestParseAction(t *testing.T) {
	for _, n := range perm.ActionNames() {
		a, ok := perm.ParseAction(n)
		if !ok || perm.Actions(a).Names()[0] != n {
			t.Fatalf("round trip %s", n)
		}
	}
	if _, ok := perm.ParseAction("delete"); ok {
		t.Fatal("delete is not a grantable page action")
	}
}

// BenchmarkCheck measures one permission check for a user with grants from
// five groups, on a page at depth 6.
func BenchmarkCheck(b *testing.B) {
	var grants []perm.PageGrant
	for i := 0; i < 5; i++ {
		grants = append(grants, perm.PageGrant{Path: mega + canopy.EncodeStep(i+1), Actions: perm.Actions(perm.Add)})
	}
	grants = append(grants, perm.PageGrant{Path: offices, Actions: perm.Actions(perm.Change) | perm.Actions(perm.Publish)})
	c := perm.New(perm.NewUser(7, true, false, grants, nil), types)
	p := &perm.Page{Path: uk + "00010001", Type: canopy.StandardType, OwnerID: 7, Live: true}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !c.CanEdit(p) {
			b.Fatal("no edit")
		}
	}
}

func TestCollections(t *testing.T) {
	const rootColl, photos, events = "0001", "00010001", "000100010001"
	u := perm.NewUser(7, true, false, nil, nil).WithCollections([]perm.CollectionGrant{
		{Path: photos, Perms: perm.CollectionPerms(perm.AddImage) | perm.CollectionPerms(perm.ChangeCollection) | perm.CollectionPerms(perm.DeleteCollection)},
		{Path: rootColl, Perms: perm.CollectionPerms(perm.ChooseImage)},
	})
	if got := u.OnCollection(events).Names(); len(got) != 4 {
		t.Fatalf("inherited collection perms on a child: %v", got)
	}
	if u.OnCollection(rootColl).Has(perm.AddImage) {
		t.Fatal("a grant applies upwards")
	}
	cases := []struct {
		name string
		path string
		p    perm.CollectionPerm
		move bool
		want bool
	}{
		{"rename the granted collection", photos, perm.ChangeCollection, false, true},
		{"move the granted collection", photos, perm.ChangeCollection, true, false},
		{"move a collection below the grant", events, perm.ChangeCollection, true, true},
		{"delete the granted collection", photos, perm.DeleteCollection, true, false},
		{"delete below the grant", events, perm.DeleteCollection, true, true},
		{"never rename a site's root collection", rootColl, perm.ChangeCollection, false, false},
		{"no add_collection grant", events, perm.AddCollection, false, false},
	}
	for _, c := range cases {
		if got := u.CanManageCollection(c.path, c.p, c.move); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
	super := perm.NewUser(1, true, true, nil, nil)
	if super.CanManageCollection(rootColl, perm.DeleteCollection, true) || !super.CanManageCollection(events, perm.DeleteCollection, true) {
		t.Fatal("superuser root-collection rules")
	}
	for _, n := range perm.CollectionPermNames() {
		if _, ok := perm.ParseCollectionPerm(n); !ok {
			t.Fatal(n)
		}
	}
}

// TestCollectionMoveAndIndex follows Wagtail's collection views: moving needs
// change_collection above the collection and add_collection at the
// destination; the index lists the subtrees under management grants only.
func TestCollectionMoveAndIndex(t *testing.T) {
	const root, marketing, campaigns, finance, reports = "0001", "00010001", "000100010001", "00010002", "000100020001"
	cp := func(ps ...perm.CollectionPerm) perm.CollectionPerms {
		var s perm.CollectionPerms
		for _, p := range ps {
			s |= perm.CollectionPerms(p)
		}
		return s
	}
	changeOnly := perm.NewUser(2, true, false, nil, nil).WithCollections([]perm.CollectionGrant{{Path: root, Perms: cp(perm.ChangeCollection)}})
	mover := perm.NewUser(3, true, false, nil, nil).WithCollections([]perm.CollectionGrant{
		{Path: marketing, Perms: cp(perm.ChangeCollection)}, {Path: finance, Perms: cp(perm.AddCollection)}})
	chooser := perm.NewUser(4, true, false, nil, nil).WithCollections([]perm.CollectionGrant{{Path: root, Perms: cp(perm.ChooseImage, perm.AddImage)}})
	for _, c := range []struct {
		name      string
		u         *perm.User
		path, dst string
		want      bool
	}{
		{"change above, no add anywhere", changeOnly, campaigns, finance, false},
		{"change above, add at the destination", mover, campaigns, finance, true},
		{"change above, no add at the destination", mover, campaigns, marketing, false},
		{"the collection the grant is on", mover, marketing, finance, false},
		{"add only", chooser, campaigns, finance, false},
	} {
		if got := c.u.CanMoveCollection(c.path, c.dst); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
	// Offering a move: not to a manager who may add collections nowhere, nor
	// where the only add grant is inside the collection itself.
	selfOnly := perm.NewUser(5, true, false, nil, nil).WithCollections([]perm.CollectionGrant{
		{Path: marketing, Perms: cp(perm.ChangeCollection)}, {Path: campaigns, Perms: cp(perm.AddCollection)}})
	super := perm.NewUser(1, true, true, nil, nil)
	for _, c := range []struct {
		name string
		u    *perm.User
		path string
		want bool
	}{
		{"change above, no add anywhere", changeOnly, campaigns, false},
		{"change above, add elsewhere", mover, campaigns, true},
		{"the collection the grant is on", mover, marketing, false},
		{"add only inside the collection", selfOnly, campaigns, false},
		{"superuser", super, campaigns, true},
		{"superuser, the root", super, root, false},
	} {
		if got := c.u.MayMoveCollection(c.path); got != c.want {
			t.Errorf("offer a move, %s: %v", c.name, got)
		}
	}
	if !mover.ManagesCollections() || chooser.ManagesCollections() || !changeOnly.ManagesCollections() {
		t.Error("ManagesCollections")
	}
	for _, c := range []struct {
		path string
		want bool
	}{{root, false}, {marketing, true}, {campaigns, true}, {finance, true}, {reports, true}} {
		if got := mover.ManagesCollection(c.path); got != c.want {
			t.Errorf("mover manages %s: %v", c.path, got)
		}
	}
	if chooser.ManagesCollection(marketing) {
		t.Error("a chooser manages a collection")
	}
}
