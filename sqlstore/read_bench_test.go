package sqlstore_test

import (
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
)

// BenchmarkReadPage measures single-page reads on a small site: by URL path,
// and a page with its ancestors.
func BenchmarkReadPage(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(string(d), func(b *testing.B) {
			db := testdb.Open(b, d)
			site := mustCreateSite(b, db, "a.test", true)
			s := db.Site(site.ID, types(b))
			ev := mustCreatePage(b, s, site.RootPageID, canopy.IndexType, "Events", true)
			mustCreatePage(b, s, ev.ID, canopy.EventType, "Party", true)
			b.Run("by-url-path", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := s.PageByURLPath(ctx, "/events/party/"); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("with-ancestors", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, a, err := s.PageWithAncestors(ctx, "/events/party/"); err != nil || len(a) != 2 {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
