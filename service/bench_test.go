package service_test

import (
	"fmt"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
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
			site, _ := svc.CreateSite(ctx, sqlstore.NewSite{Hostname: "big.test"})
			var kids []*sqlstore.ImportPage
			for i := 0; i < 1000; i++ {
				kids = append(kids, &sqlstore.ImportPage{Type: canopy.StandardType, Live: i%2 == 0,
					Content: canopy.PageContent{Title: fmt.Sprintf("Child %d", i), Slug: fmt.Sprintf("child-%d", i)}})
			}
			if _, err := db.Site(site.ID, types).Import(ctx, site.RootPageID, []*sqlstore.ImportPage{{Type: canopy.IndexType, Live: true,
				Content: canopy.PageContent{Title: "Section", Slug: "section"}, Children: kids}}, 0); err != nil {
				b.Fatal(err)
			}
			section, _ := db.Site(site.ID, types).PageByURLPath(ctx, "/section/")
			u, _ := svc.CreateUser(ctx, service.NewUser{Username: "ed", Password: "password-ed"})
			for i := 0; i < 5; i++ {
				g, _ := db.CreateGroup(ctx, site.ID, fmt.Sprintf("Group %d", i))
				grants := []sqlstore.PageGrantRow{{PageID: section.ID, Actions: []string{"add", "change"}}}
				if err := db.SetGroupGrants(ctx, site.ID, g.ID, grants, []string{"access_admin"}); err != nil {
					b.Fatal(err)
				}
				db.AddMember(ctx, site.ID, g.ID, u.ID)
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
