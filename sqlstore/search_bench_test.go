package sqlstore_test

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// BenchmarkSearchOneSite searches one site's pages (the first 20 by
// relevance, and their count) in an installation of one site of 1,000
// generated pages and in one of CANOPY_BENCH_SEARCH_SITES sites (default
// 100) of 1,000 pages each, on both databases, and reports the p50 and p99
// latency. Every generated page holds the words of the common query, so it
// ranks a whole site's pages: the worst case.
func BenchmarkSearchOneSite(b *testing.B) {
	many := 100
	if v, err := strconv.Atoi(os.Getenv("CANOPY_BENCH_SEARCH_SITES")); err == nil && v > 0 {
		many = v
	}
	for _, d := range testdb.Dialects {
		b.Run(string(d), func(b *testing.B) {
			for _, n := range []int{1, many} {
				db := testdb.Open(b, d)
				pt := types(b)
				var ids []int64
				start := time.Now()
				for i := range n {
					site := mustCreateSite(b, db, "s"+strconv.Itoa(i)+".test", i == 0)
					if _, err := db.Site(site.ID, pt).Import(ctx, site.RootPageID, service.GeneratedTree(1000), 0); err != nil {
						b.Fatal(err)
					}
					ids = append(ids, site.ID)
				}
				if err := db.Analyze(ctx); err != nil {
					b.Fatal(err)
				}
				if os.Getenv("CANOPY_BENCH_SEARCH_OPTIMIZE") != "" {
					if err := db.OptimizeSearchIndex(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.Logf("%s: %d sites × 1,000 pages built and indexed in %v", d, n, time.Since(start).Round(time.Second))
				// CANOPY_BENCH_SQLITE_READ_PRAGMAS (e.g.
				// "&_pragma=cache_size(-65536)") measures SQLite's reads
				// again, on the same data, with those pragmas.
				handles := []struct {
					name string
					db   *sqlstore.DB
				}{{"", db}}
				if extra := os.Getenv("CANOPY_BENCH_SQLITE_READ_PRAGMAS"); extra != "" && d == sqlstore.SQLite {
					other, err := sqlstore.ReopenSQLite(ctx, db, extra)
					if err != nil {
						b.Fatal(err)
					}
					defer other.Close()
					handles = append(handles, struct {
						name string
						db   *sqlstore.DB
					}{"/pragmas", other})
				}
				for _, h := range handles {
					db := h.db
					for _, q := range []string{"generated benchmarks", "section 7", "gener*"} {
						sq, err := canopy.ParseSearch(q, "")
						if err != nil {
							b.Fatal(err)
						}
						b.Run(fmt.Sprintf("sites=%d%s/q=%s", n, h.name, q), func(b *testing.B) {
							durs := make([]time.Duration, 0, b.N)
							for i := range b.N {
								s := db.Site(ids[(i*7919)%len(ids)], pt)
								t0 := time.Now()
								if _, _, err := s.SearchPages(ctx, sqlstore.PageQuery{Search: sq, LiveOnly: true, Limit: 20}); err != nil {
									b.Fatal(err)
								}
								durs = append(durs, time.Since(t0))
							}
							sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
							b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "p50-ms")
							b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds())/1000, "p99-ms")
						})
					}
				}
			}
		})
	}
}
