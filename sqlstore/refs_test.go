package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestReferenceIndex: "used on" follows pages (live content and latest
// draft), snippets and settings through every change, per site only, and a
// rebuild writes the same rows.
func TestReferenceIndex(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		pt := types(t)
		snippetTypes, err := canopy.NewSnippetTypes()
		if err != nil {
			t.Fatal(err)
		}
		alpha := mustCreateSite(t, db, "alpha.example", true)
		beta := mustCreateSite(t, db, "beta.example", false)
		a, b := db.Site(alpha.ID, pt), db.Site(beta.ID, pt)
		newImage := func(s *sqlstore.SiteDB, root int64, title string) *canopy.Image {
			im, err := s.CreateImage(ctx, sqlstore.NewImage{CollectionID: root, Title: title, Filename: "p.png", FileKey: "k/" + title,
				Format: "png", Width: 10, Height: 10, FileSize: 100, FileHash: "h"})
			if err != nil {
				t.Fatal(err)
			}
			return im
		}
		pic := newImage(a, alpha.RootCollectionID, "Pic")
		other := newImage(a, alpha.RootCollectionID, "Other")
		doc, err := a.CreateDocument(ctx, sqlstore.NewDocument{CollectionID: alpha.RootCollectionID, Title: "Doc", Filename: "d.pdf", FileKey: "k/d",
			ContentType: "application/pdf", FileSize: 5, FileHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		hall, err := a.CreateSnippet(ctx, snippetTypes.Get(canopy.LocationType), map[string]any{"name": "Main Hall"})
		if err != nil {
			t.Fatal(err)
		}
		home, _ := a.Home(ctx)
		used := func(s *sqlstore.SiteDB, kind string, id int64) []string {
			t.Helper()
			list, total, err := s.Usage(ctx, kind, id, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(list) {
				t.Errorf("total %d for %d rows", total, len(list))
			}
			var out []string
			for _, u := range list {
				out = append(out, fmt.Sprintf("%s %s.%s", u.SourceKind, u.Title, u.Field))
			}
			return out
		}
		// A live event with the image, the document in its description, the snippet.
		ev, err := a.CreatePage(ctx, home.ID, sqlstore.NewPage{Type: canopy.EventType, Publish: true, Content: canopy.PageContent{Title: "Launch",
			Fields: map[string]any{"start": "2026-12-01T18:00:00Z", "image": pic.ID, "location": hall.ID,
				"description": fmt.Sprintf(`<p><a data-document-id="%d" href="/documents/%d/d.pdf">the flyer</a></p>`, doc.ID, doc.ID)}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := used(a, canopy.RefImage, pic.ID); fmt.Sprint(got) != "[page Launch.image]" {
			t.Errorf("image used on %v", got)
		}
		if got := used(a, canopy.RefDocument, doc.ID); fmt.Sprint(got) != "[page Launch.description]" {
			t.Errorf("document used on %v", got)
		}
		if got := used(a, canopy.RefSnippet, hall.ID); fmt.Sprint(got) != "[page Launch.location]" {
			t.Errorf("snippet used on %v", got)
		}
		// A draft with the other image: both count (live and latest), under the draft's title.
		c := ev.Content()
		c.Title = "Launch party"
		c.Fields["image"] = other.ID
		rev, err := a.SaveDraft(ctx, ev.ID, c, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := used(a, canopy.RefImage, pic.ID); fmt.Sprint(got) != "[page Launch party.image]" {
			t.Errorf("image used on, with a draft: %v", got)
		}
		if got := used(a, canopy.RefImage, other.ID); fmt.Sprint(got) != "[page Launch party.image]" {
			t.Errorf("the draft's image used on %v", got)
		}
		// Published: the old image is no longer used.
		if _, err := a.Publish(ctx, ev.ID, rev.ID); err != nil {
			t.Fatal(err)
		}
		if got := used(a, canopy.RefImage, pic.ID); len(got) != 0 {
			t.Errorf("the replaced image is still used on %v", got)
		}
		// Settings and snippets refer too.
		if err := a.SaveSettings(ctx, canopy.GeneralSettings, map[string]any{"logo": pic.ID}, canopy.BuiltinSettingsTypes()[0].Fields...); err != nil {
			t.Fatal(err)
		}
		if got := used(a, canopy.RefImage, pic.ID); fmt.Sprint(got) != "[settings .logo]" {
			t.Errorf("after the logo: %v", got)
		}
		counts, err := a.UsageCounts(ctx, canopy.RefImage, []int64{pic.ID, other.ID, 999})
		if err != nil || counts[pic.ID] != 1 || counts[other.ID] != 1 || len(counts) != 2 {
			t.Errorf("counts %v %v", counts, err)
		}
		// Beta sees nothing of alpha's usage, even asking for alpha's ids.
		if got := used(b, canopy.RefImage, other.ID); len(got) != 0 {
			t.Errorf("beta sees %v", got)
		}
		// A rebuild writes the same; deleting the page and the snippet removes theirs.
		if _, err := db.ReindexSite(ctx, alpha.ID, pt, snippetTypes); err != nil {
			t.Fatal(err)
		}
		if got := used(a, canopy.RefImage, other.ID); fmt.Sprint(got) != "[page Launch party.image]" {
			t.Errorf("after a rebuild: %v", got)
		}
		if got := used(a, canopy.RefImage, pic.ID); fmt.Sprint(got) != "[settings .logo]" {
			t.Errorf("settings after a rebuild: %v", got)
		}
		if _, err := a.Delete(ctx, ev.ID); err != nil {
			t.Fatal(err)
		}
		for _, k := range []struct {
			kind string
			id   int64
		}{{canopy.RefImage, other.ID}, {canopy.RefDocument, doc.ID}, {canopy.RefSnippet, hall.ID}} {
			if got := used(a, k.kind, k.id); len(got) != 0 {
				t.Errorf("%s %d used after the page was deleted: %v", k.kind, k.id, got)
			}
		}
	})
}
