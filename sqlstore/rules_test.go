package sqlstore_test

import (
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestFieldRulesOnEveryPath: a page type's rule across fields (an event's end
// after its start) is checked by every write of content — a save, a revert,
// a copy, a publication — also for content written before the rule existed
// (a page-types file changed later): nothing is written when it fails, and
// the error names the field.
func TestFieldRulesOnEveryPath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		course := func(rule bool) *canopy.PageTypes {
			ct := canopy.PageType{Name: "school.Course", Label: "Course", Fields: []canopy.Field{
				{Name: "opens", Label: "Opens", Type: canopy.FieldDateTime}, {Name: "closes", Label: "Closes", Type: canopy.FieldDateTime}}}
			if rule {
				ct.Rules = []canopy.FieldRule{{Field: "closes", Op: "after", Other: "opens"}}
			}
			pt, err := canopy.NewPageTypes(ct)
			if err != nil {
				t.Fatal(err)
			}
			return pt
		}
		site := mustCreateSite(t, db, "alpha.example", true)
		before, after := db.Site(site.ID, course(false)), db.Site(site.ID, course(true))
		home, _ := before.Home(ctx)
		bad := canopy.PageContent{Title: "Backwards", Fields: map[string]any{"opens": "2027-02-01T10:00:00Z", "closes": "2027-01-01T10:00:00Z"}}
		good := canopy.PageContent{Title: "Forwards", Fields: map[string]any{"opens": "2027-01-01T10:00:00Z", "closes": "2027-02-01T10:00:00Z"}}
		// Written while there was no rule: a live page, then a bad draft.
		p, err := before.CreatePage(ctx, home.ID, sqlstore.NewPage{Type: "school.Course", Content: good, Publish: true})
		if err != nil {
			t.Fatal(err)
		}
		firstRev := p.LatestRevisionID
		badRev, err := before.SaveDraft(ctx, p.ID, bad, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		refused := func(what string, err error) {
			t.Helper()
			if canopy.ErrorCode(err) != canopy.EINVALID || canopy.ErrorField(err) != "fields.closes" {
				t.Errorf("%s: %v (field %q), want an error beside fields.closes", what, err, canopy.ErrorField(err))
			}
		}
		// With the rule: saving, creating, publishing the bad revision,
		// reverting to it and copying the page are refused.
		_, err = after.SaveDraft(ctx, p.ID, bad, 0, 0)
		refused("save", err)
		_, err = after.CreatePage(ctx, home.ID, sqlstore.NewPage{Type: "school.Course", Content: bad})
		refused("create", err)
		_, err = after.Publish(ctx, p.ID, badRev.ID)
		refused("publish", err)
		_, err = after.Copy(ctx, p.ID, home.ID, sqlstore.CopyOptions{Slug: "copy"})
		if canopy.ErrorCode(err) != canopy.EINVALID {
			t.Errorf("copy of a page whose draft breaks the rule: %v", err)
		}
		now, err := after.Page(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if now.LiveRevisionID != firstRev || now.LatestRevisionID != badRev.ID {
			t.Errorf("a refused write changed the page: live %d latest %d", now.LiveRevisionID, now.LatestRevisionID)
		}
		// The good content passes everywhere; reverting to it works.
		if _, err := after.SaveDraft(ctx, p.ID, good, 0, 0); err != nil {
			t.Errorf("good content refused: %v", err)
		}
		if _, err := after.SaveDraft(sqlstore.WithRevert(ctx, badRev.ID), p.ID, bad, 0, 0); err == nil {
			t.Error("reverting to the bad revision was allowed")
		}
		// Scheduled before the rule, due after it: not published, the
		// schedule ends, and the scheduler goes on with the next page.
		later := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
		sched := bad
		sched.GoLiveAt = &later
		q, err := before.CreatePage(ctx, home.ID, sqlstore.NewPage{Type: "school.Course", Content: sched, Publish: true})
		if err != nil {
			t.Fatal(err)
		}
		okSched := good
		okSched.Title, okSched.GoLiveAt = "On time", &later
		r, err := before.CreatePage(ctx, home.ID, sqlstore.NewPage{Type: "school.Course", Content: okSched, Publish: true})
		if err != nil {
			t.Fatal(err)
		}
		if q.ScheduledRevisionID == 0 || r.ScheduledRevisionID == 0 {
			t.Fatal("not scheduled")
		}
		published, _, err := db.RunScheduled(ctx, later.Add(time.Minute), course(true))
		if err != nil || published != 1 {
			t.Fatalf("scheduler: %d published, %v", published, err)
		}
		q, _ = after.Page(ctx, q.ID)
		r, _ = after.Page(ctx, r.ID)
		if q.Live || q.ScheduledRevisionID != 0 || !r.Live {
			t.Errorf("after the scheduler: bad live %v scheduled %d, good live %v", q.Live, q.ScheduledRevisionID, r.Live)
		}
	})
}
