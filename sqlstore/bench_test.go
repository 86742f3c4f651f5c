package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

// tree100k builds a site of 100,011 pages: home, 10 branches, each with 100
// sections of 99 pages. A branch subtree holds 10,001 pages.
func tree100k(b *testing.B, db *sqlstore.DB) (*sqlstore.SiteDB, *canopy.Site) {
	b.Helper()
	site, err := db.CreateSite(ctx, sqlstore.NewSite{Hostname: "big.test", Name: "Big"})
	if err != nil {
		b.Fatal(err)
	}
	s := db.Site(site.ID, types(b))
	var branches []*sqlstore.ImportPage
	for i := 1; i <= 10; i++ {
		br := &sqlstore.ImportPage{Type: canopy.IndexType, Live: true, Content: canopy.PageContent{Title: fmt.Sprintf("Branch %d", i), Slug: fmt.Sprintf("branch-%d", i)}}
		for j := 1; j <= 100; j++ {
			sec := &sqlstore.ImportPage{Type: canopy.IndexType, Live: true, Content: canopy.PageContent{Title: fmt.Sprintf("Section %d", j), Slug: fmt.Sprintf("section-%d", j)}}
			for k := 1; k <= 99; k++ {
				sec.Children = append(sec.Children, &sqlstore.ImportPage{Type: canopy.StandardType, Live: true,
					Content: canopy.PageContent{Title: fmt.Sprintf("Page %d", k), Slug: fmt.Sprintf("page-%d", k),
						Fields: map[string]any{"intro": "Benchmark page", "body": "<p>Body</p>"}}})
			}
			br.Children = append(br.Children, sec)
		}
		branches = append(branches, br)
	}
	n, err := s.Import(ctx, site.RootPageID, branches, 0)
	if err != nil || n != 100010 {
		b.Fatalf("import: %d %v", n, err)
	}
	return s, site
}

// BenchmarkTree100k measures tree operations on a site of 100,011 pages.
func BenchmarkTree100k(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(string(d), func(b *testing.B) {
			db := testdb.Open(b, d)
			s, _ := tree100k(b, db)
			branch1, err := s.PageByURLPath(ctx, "/branch-1/")
			if err != nil {
				b.Fatal(err)
			}
			branch2, _ := s.PageByURLPath(ctx, "/branch-2/")
			section, _ := s.PageByURLPath(ctx, "/branch-5/section-50/")

			b.Run("children-of-100", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					kids, err := s.Children(ctx, branch2.ID, false)
					if err != nil || len(kids) != 100 {
						b.Fatal(len(kids), err)
					}
				}
			})
			b.Run("descendants-of-99", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					d, err := s.Descendants(ctx, section.ID, false)
					if err != nil || len(d) != 99 {
						b.Fatal(len(d), err)
					}
				}
			})
			b.Run("descendants-of-10000", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					d, err := s.Descendants(ctx, branch2.ID, false)
					if err != nil || len(d) != 10000 {
						b.Fatal(len(d), err)
					}
				}
			})
			b.Run("url-lookup-depth-5", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					p, err := s.PageByURLPath(ctx, "/branch-7/section-63/page-42/")
					if err != nil || p.Slug != "page-42" {
						b.Fatal(err)
					}
				}
			})
			b.Run("move-subtree-10001", func(b *testing.B) {
				home := branch1.ParentID
				for i := 0; i < b.N; i++ {
					target := branch2.ID
					if i%2 == 1 {
						target = home
					}
					if _, err := s.Move(ctx, branch1.ID, target, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if p, _ := s.Page(ctx, branch1.ID); p.ParentID != home {
					if _, err := s.Move(ctx, branch1.ID, home, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
