package service_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
)

// BenchmarkAdminChildren1000 lists 1,000 children with each row's allowed
// actions for an editor whose grants come from five groups (add and change on
// the section, no publish: the case that needs subtree facts). Queries per
// listing: the page, its children, one grouped subtree-facts query.
func BenchmarkAdminChildren1000(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(string(d), func(b *testing.B) {
			db := testdb.Open(b, d)
			types, _ := canopy.NewPageTypes()
			svc := service.New(db, types)
			svc.BcryptCost = 4
			site, _ := svc.CreateSite(ctx, canopy.NewSite{Hostname: "big.test"})
			var kids []*canopy.ImportPage
			for i := 0; i < 1000; i++ {
				kids = append(kids, &canopy.ImportPage{Type: canopy.StandardType, Live: i%2 == 0,
					Content: canopy.PageContent{Title: fmt.Sprintf("Child %d", i), Slug: fmt.Sprintf("child-%d", i)}})
			}
			if _, err := db.Site(site.ID, types).Import(ctx, site.RootPageID, []*canopy.ImportPage{{Type: canopy.IndexType, Live: true,
				Content: canopy.PageContent{Title: "Section", Slug: "section"}, Children: kids}}, 0); err != nil {
				b.Fatal(err)
			}
			section, _ := db.Site(site.ID, types).PageByURLPath(ctx, "/section/")
			u, _ := svc.CreateUser(ctx, service.NewUser{Username: "ed", Password: "password-ed"})
			for i := 0; i < 5; i++ {
				g, _ := db.Site(site.ID, nil).CreateGroup(ctx, fmt.Sprintf("Group %d", i))
				grants := []canopy.PageGrantRow{{PageID: section.ID, Actions: []string{"add", "change"}}}
				if err := db.Site(site.ID, nil).SetGroupGrants(ctx, g.ID, grants, []string{"access_admin"}); err != nil {
					b.Fatal(err)
				}
				db.Site(site.ID, nil).AddMember(ctx, g.ID, u.ID)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a, err := svc.AdminFor(ctx, site, u)
				if err != nil {
					b.Fatal(err)
				}
				rows, err := a.Children(ctx, section.ID)
				if err != nil || len(rows) != 1000 || len(rows[1].Permissions) == 0 {
					b.Fatal(len(rows), err)
				}
			}
		})
	}
}

// BenchmarkCreateSites creates 1,500 sites with the default groups and
// grants, from the blank template (the home page alone) and from the standard
// one (four pages, a snippet and settings more), reporting the mean per-site time of sites 1-100, 401-500 and
// 1401-1500 (constant work per site means they stay level) and the total.
// Planner statistics are refreshed every 100 sites, outside the timing.
func BenchmarkCreateSites(b *testing.B) {
	for _, d := range testdb.Dialects {
		for _, tmpl := range []string{service.BlankTemplate, service.StandardTemplate} {
			b.Run(string(d)+"/"+tmpl, func(b *testing.B) {
				for n := 0; n < b.N; n++ {
					b.StopTimer()
					db := testdb.Open(b, d)
					types, _ := canopy.NewPageTypes()
					svc := service.New(db, types)
					b.StartTimer()
					var first, last, mid, analyzeTime time.Duration
					start := time.Now()
					for i := 0; i < 1500; i++ {
						if i%100 == 0 && i > 0 {
							// What autovacuum's analyze does as tables grow; a benchmark of a
							// few seconds is too short for it to run on its own.
							b.StopTimer()
							a0 := time.Now()
							if err := db.Analyze(ctx); err != nil {
								b.Fatal(err)
							}
							analyzeTime += time.Since(a0)
							b.StartTimer()
						}
						t0 := time.Now()
						if _, err := svc.CreateSiteFrom(ctx, canopy.NewSite{Hostname: fmt.Sprintf("site-%d.test", i), Name: fmt.Sprintf("Site %d", i)}, tmpl); err != nil {
							b.Fatal(err)
						}
						switch el := time.Since(t0); {
						case i < 100:
							first += el
						case i >= 400 && i < 500:
							mid += el
						case i >= 1400:
							last += el
						}
					}
					total := time.Since(start) - analyzeTime
					b.ReportMetric(total.Seconds(), "s/1500-sites")
					b.ReportMetric(float64(first.Microseconds())/100/1000, "ms/site-first-100")
					b.ReportMetric(float64(mid.Microseconds())/100/1000, "ms/site-400-500")
					b.ReportMetric(float64(last.Microseconds())/100/1000, "ms/site-1400-1500")
				}
			})
		}
	}
}
