package service_test

import (
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

func TestSiteTemplates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		// An installation with a page type that may exist only once: a
		// template using it works for the first site and fails half-way for
		// the second, after its snippets and groups were written.
		types, err := canopy.NewPageTypes(canopy.PageType{Name: "test.Imprint", Label: "Imprint", MaxCount: 1,
			Fields: []canopy.Field{{Name: "text", Type: canopy.FieldText}}})
		if err != nil {
			t.Fatal(err)
		}
		svc := service.New(db, types)
		svc.BcryptCost = 4

		// The built-in standard template: pages, a location, features, home intro.
		std, err := svc.CreateSiteFrom(ctx, canopy.NewSite{Hostname: "std.test", Name: "Std"}, service.StandardTemplate)
		if err != nil {
			t.Fatal(err)
		}
		store := db.Site(std.ID, types)
		for _, path := range []string{"/about/", "/news/", "/events/", "/contact/"} {
			if p, err := store.PageByURLPath(ctx, path); err != nil || !p.Live || !p.ShowInMenus {
				t.Fatalf("%s: %+v %v", path, p, err)
			}
		}
		if home, _ := store.Page(ctx, std.RootPageID); !strings.Contains(home.Fields["intro"].(string), "standard template") {
			t.Fatalf("home intro: %v", home.Fields)
		}
		if _, n, _ := store.Snippets(ctx, canopy.LocationType, "", 10, 0); n != 1 {
			t.Fatalf("locations: %d", n)
		}
		if !std.Features[canopy.FeatureContentAPI] {
			t.Fatalf("features: %v", std.Features)
		}
		// The same template again: its own pages, nothing shared with the first site.
		std2, err := svc.CreateSiteFrom(ctx, canopy.NewSite{Hostname: "std2.test", Features: map[string]bool{"events": true}}, service.StandardTemplate)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := db.Site(std2.ID, types).PageByURLPath(ctx, "/about/"); err != nil || p.SiteID != std2.ID {
			t.Fatalf("second site's about: %+v %v", p, err)
		}
		if std2.Features["events"] != true || len(std2.Features) != 1 {
			t.Fatalf("explicit features replace the template's: %v", std2.Features)
		}

		// A template as a config file gives it: TOML dates arrive as time values.
		dept := &canopy.SiteTemplate{Description: "Department", Features: map[string]bool{"news": true},
			HomeFields: map[string]any{"intro": "Department home"},
			Pages: []canopy.TemplatePage{
				{Type: canopy.IndexType, Title: "Events", Slug: "whats-on", Children: []canopy.TemplatePage{
					{Type: canopy.EventType, Title: "Open day", Fields: map[string]any{"start": "2027-03-01T10:00:00Z"}},
					{Type: canopy.EventType, Title: "Draft talk", Draft: true, Fields: map[string]any{"start": "2027-04-01T10:00:00Z"}},
				}},
				{Type: "test.Imprint", Title: "Imprint"},
			},
			Snippets: map[string][]map[string]any{canopy.LocationType: {{"name": "Main Hall", "building_name": "North"}, {"name": "Lab"}}},
			Settings: map[string]map[string]any{canopy.GeneralSettings: {"contact_email": "office@dept.test"}},
		}
		if err := svc.RegisterSiteTemplate("department", dept); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetDefaultTemplate("department"); err != nil {
			t.Fatal(err)
		}
		site, err := svc.CreateSite(ctx, canopy.NewSite{Hostname: "dept.test"})
		if err != nil {
			t.Fatal(err)
		}
		s := db.Site(site.ID, types)
		if p, err := s.PageByURLPath(ctx, "/whats-on/open-day/"); err != nil || !p.Live {
			t.Fatalf("event from the template: %+v %v", p, err)
		}
		if p, err := s.PageByURLPath(ctx, "/whats-on/draft-talk/"); err != nil || p.Live {
			t.Fatalf("draft from the template: %+v %v", p, err)
		}
		if g, _ := s.Settings(ctx, canopy.GeneralSettings); g["contact_email"] != "office@dept.test" {
			t.Fatalf("settings: %v", g)
		}
		if !site.Features["news"] {
			t.Fatalf("features: %v", site.Features)
		}
		// Two sites may both have a "Main Hall": uniqueness is per site. The
		// second site fails on the imprint (one per installation) after its
		// snippets were inserted: nothing of it remains.
		before := tableCounts(t, db)
		_, err = svc.CreateSite(ctx, canopy.NewSite{Hostname: "dept2.test"})
		if canopy.ErrorCode(err) != canopy.EINVALID || !strings.Contains(canopy.ErrorMessage(err), "site template department") {
			t.Fatalf("half-way failure: %v", err)
		}
		if after := tableCounts(t, db); after != before {
			t.Fatalf("a template failing half-way left rows: %v, then %v", before, after)
		}

		// Unknown template: a clear error, no site.
		_, err = svc.CreateSiteFrom(ctx, canopy.NewSite{Hostname: "nope.test"}, "nope")
		if canopy.ErrorCode(err) != canopy.EINVALID || !strings.Contains(canopy.ErrorMessage(err), "blank, department, standard") {
			t.Fatalf("unknown template: %v", err)
		}
		if n, _ := db.Count(ctx, `SELECT count(*) FROM sites WHERE hostname = 'nope.test'`); n != 0 {
			t.Fatal("unknown template created a site")
		}
		if err := svc.SetDefaultTemplate("nope"); canopy.ErrorCode(err) != canopy.EINVALID {
			t.Fatalf("default set to an unknown template: %v", err)
		}
	})
}

// tableCounts is the number of sites, pages, snippets, groups, settings and
// collections, as one comparable value.
func tableCounts(t *testing.T, db *sqlstore.DB) [6]int {
	t.Helper()
	var out [6]int
	for i, table := range []string{"sites", "pages", "snippets", "groups", "site_settings", "collections"} {
		n, err := db.Count(ctx, "SELECT count(*) FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = int(n)
	}
	return out
}

func TestSiteTemplateRegistrationErrors(t *testing.T) {
	types, _ := canopy.NewPageTypes()
	svc := service.New(nil, types)
	for _, c := range []struct {
		name string
		t    canopy.SiteTemplate
		want string
	}{
		{"unknown-type", canopy.SiteTemplate{Pages: []canopy.TemplatePage{{Type: "x.Nope", Title: "A"}}}, `page 1 ("A"): unknown page type "x.Nope"`},
		{"not-under", canopy.SiteTemplate{Pages: []canopy.TemplatePage{{Type: canopy.EventType, Title: "E",
			Fields: map[string]any{"start": "2027-01-01T00:00:00Z"}, Children: []canopy.TemplatePage{{Type: canopy.StandardType, Title: "S"}}}}},
			`page 1.1 ("S"): a canopy.StandardPage cannot be created under a canopy.EventPage`},
		{"no-title", canopy.SiteTemplate{Pages: []canopy.TemplatePage{{Type: canopy.StandardType}}}, "title"},
		{"bad-field", canopy.SiteTemplate{Pages: []canopy.TemplatePage{{Type: canopy.StandardType, Title: "A", Fields: map[string]any{"colour": "red"}}}}, `no field "colour"`},
		{"snippet-ref", canopy.SiteTemplate{Pages: []canopy.TemplatePage{{Type: canopy.EventType, Title: "E",
			Fields: map[string]any{"start": "2027-01-01T00:00:00Z", "location": 3}}}}, "cannot do"},
		{"same-slug", canopy.SiteTemplate{Pages: []canopy.TemplatePage{{Type: canopy.StandardType, Title: "A", Slug: "a"}, {Type: canopy.StandardType, Title: "B", Slug: "a"}}}, "used twice"},
		{"bad-snippet", canopy.SiteTemplate{Snippets: map[string][]map[string]any{canopy.LocationType: {{"room": "1"}}}}, "location snippet 1"},
		{"dup-snippet", canopy.SiteTemplate{Snippets: map[string][]map[string]any{canopy.LocationType: {{"name": "Hall"}, {"name": "hall"}}}}, "listed twice"},
		{"snippet-type", canopy.SiteTemplate{Snippets: map[string][]map[string]any{"person": {{"name": "X"}}}}, `unknown snippet type "person"`},
		{"settings", canopy.SiteTemplate{Settings: map[string]map[string]any{canopy.GeneralSettings: {"contact_email": "not-an-email"}}}, "general settings"},
		{"settings-name", canopy.SiteTemplate{Settings: map[string]map[string]any{"colours": {}}}, `unknown settings "colours"`},
		{"feature", canopy.SiteTemplate{Features: map[string]bool{"Bad Flag": true}}, "feature flag"},
		{"home", canopy.SiteTemplate{HomeFields: map[string]any{"nope": "x"}}, "home page"},
		{"Bad Name", canopy.SiteTemplate{}, "site template name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := svc.RegisterSiteTemplate(c.name, &c.t)
			if canopy.ErrorCode(err) != canopy.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an invalid-input error containing %q", err, c.want)
			}
			if _, err := svc.SiteTemplate(c.name); err == nil {
				t.Fatal("a rejected template was registered")
			}
		})
	}
}
