package sqlstore_test

import (
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// TestAutomaticRedirects: moving a live page, or publishing it with a new
// slug, gives each old address of it and of its live descendants a permanent
// redirect to the page (drafts have no address to keep); a newer automatic
// redirect from the same address replaces an older one, one made by hand is
// kept; the site's auto_redirects flag turns it off; another site is never
// touched.
func TestAutomaticRedirects(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		pt := types(t)
		alpha := mustCreateSite(t, db, "alpha.example", true)
		beta := mustCreateSite(t, db, "beta.example", false)
		a, b := db.Site(alpha.ID, pt), db.Site(beta.ID, pt)
		home, _ := a.Home(ctx)
		news := page(t, a, home.ID, "News", "", "", true)
		events := page(t, a, home.ID, "Events", "", "", true)
		lab := page(t, a, news.ID, "Lab night", "", "", true)
		page(t, a, lab.ID, "Notes", "", "", true)
		page(t, a, lab.ID, "Draft", "", "", false)
		bhome, _ := b.Home(ctx)
		page(t, b, bhome.ID, "News", "", "", true)
		// A redirect made by hand from an address the move frees.
		if _, _, err := a.SaveRedirects(ctx, []sqlstore.RedirectInput{{OldPath: "/news/lab-night/notes", RedirectLink: "https://example.org/", IsPermanent: false}}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Move(ctx, lab.ID, events.ID, nil); err != nil {
			t.Fatal(err)
		}
		target := func(s *sqlstore.SiteDB, path string) (string, bool) {
			t.Helper()
			r, url, err := s.FindRedirect(ctx, path, path)
			if err != nil {
				t.Fatal(err)
			}
			if r == nil {
				return "", false
			}
			return url, r.IsPermanent
		}
		if url, perm := target(a, "/news/lab-night"); url != "/events/lab-night/" || !perm {
			t.Errorf("/news/lab-night → %q (permanent %v)", url, perm)
		}
		if url, _ := target(a, "/news/lab-night/notes"); url != "https://example.org/" {
			t.Errorf("the hand-made redirect was replaced: → %q", url)
		}
		if url, _ := target(a, "/news/lab-night/draft"); url != "" {
			t.Errorf("a draft got a redirect → %q", url)
		}
		if url, _ := target(b, "/news/lab-night"); url != "" {
			t.Errorf("beta got alpha's redirect → %q", url)
		}
		// A new slug, published: the page and its live child; the older
		// automatic redirect from /news/lab-night now points at the same page
		// under its new address.
		c := lab.Content()
		c.Slug = "open-lab"
		c.Title = "Open lab"
		rev, err := a.SaveDraft(ctx, lab.ID, c, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Publish(ctx, lab.ID, rev.ID); err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]string{"/events/lab-night": "/events/open-lab/", "/events/lab-night/notes": "/events/open-lab/notes/",
			"/news/lab-night": "/events/open-lab/"} {
			if url, _ := target(a, path); url != want {
				t.Errorf("%s → %q, want %q", path, url, want)
			}
		}
		list, _, err := a.Redirects(ctx, "", 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		auto := 0
		for _, r := range list {
			if r.Automatic {
				auto++
			}
		}
		if auto != 3 {
			t.Errorf("%d automatic redirects, want 3", auto)
		}
		// The flag off: a move leaves no redirect.
		off := false
		if _, err := db.UpdateSite(ctx, alpha.ID, canopy.SiteUpdate{Features: map[string]*bool{sqlstore.AutoRedirectsFeature: &off}}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Move(ctx, lab.ID, news.ID, nil); err != nil {
			t.Fatal(err)
		}
		if url, _ := target(a, "/events/open-lab"); url != "" {
			t.Errorf("after a move with the flag off: → %q", url)
		}
		if n, _, _ := a.Redirects(ctx, "", 100, 0); len(n) != len(list) {
			t.Errorf("the flag is off, yet %d redirects (was %d)", len(n), len(list))
		}
	})
}
