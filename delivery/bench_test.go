package delivery_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/media"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
	"github.com/canopy-cms/canopy/theme"
)

// nopWriter is a ResponseWriter that discards the body, so the benchmark
// measures the handler rather than a recorder.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchServer(b *testing.B, cacheBytes int64) (http.Handler, *http.Request) {
	db := testdb.Open(b, sqlstore.SQLite)
	types, _ := canopy.NewPageTypes()
	svc := service.New(db, types)
	svc.BcryptCost = 4
	if _, err := svc.Demo(ctx, 0); err != nil {
		b.Fatal(err)
	}
	themes, _ := theme.Load("")
	srv, err := server.New(ctx, svc, themes, server.Options{CacheBytes: cacheBytes})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/events/", nil)
	req.Host = "alpha.localhost:8000"
	return srv.Handler(), req
}

// BenchmarkServePage measures one public page request in-process, from the
// cache (plain, and gzip or Brotli as a browser asks: the compressed body
// made once, then served from the cache) and rendered with the cache off.
func BenchmarkServePage(b *testing.B) {
	for _, c := range []struct {
		name     string
		bytes    int64
		encoding string
	}{{"cached", 32 << 20, ""}, {"cached-gzip", 32 << 20, "gzip, deflate, br;q=0.9"}, {"cached-br", 32 << 20, "gzip, deflate, br, zstd"}, {"uncached", 0, ""}} {
		b.Run(c.name, func(b *testing.B) {
			h, req := benchServer(b, c.bytes)
			if c.encoding != "" {
				req.Header.Set("Accept-Encoding", c.encoding)
			}
			w := &nopWriter{h: http.Header{}}
			h.ServeHTTP(w, req)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.h = http.Header{}
				h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkDeleteSiteWhileServing deletes a site of 10,000 pages (with their
// revisions) and 1,000 images (with a rendition each: 2,000 files) while one client keeps requesting another
// site's home page over loopback. It reports the delete's time and the
// served site's request latency before and during the delete, with the page
// cache on (how Canopy runs) and off (every request reads the database).
func BenchmarkDeleteSiteWhileServing(b *testing.B) {
	for _, d := range testdb.Dialects {
		for _, cache := range []struct {
			name  string
			bytes int64
		}{{"cached", 32 << 20}, {"uncached", 0}} {
			b.Run(string(d)+"/"+cache.name, func(b *testing.B) {
				for n := 0; n < b.N; n++ {
					b.StopTimer()
					db := testdb.Open(b, d)
					types, _ := canopy.NewPageTypes()
					svc := service.New(db, types)
					mediaDir := b.TempDir()
					store, err := media.OpenStore(ctx, mediaDir)
					if err != nil {
						b.Fatal(err)
					}
					svc.Media = store
					sites, err := svc.Generate(ctx, 2, 10000, nil)
					if err != nil {
						b.Fatal(err)
					}
					served, doomed := sites[0], sites[1]
					// 1,000 images (40×30 PNGs, each with a stored fill-20x20
					// rendition): records and files.
					pic := benchPNG(b)
					for i := 0; i < 1000; i++ {
						im, err := svc.StoreImage(ctx, doomed.ID, 0, service.Upload{Filename: fmt.Sprintf("img-%d.png", i), Data: pic,
							CollectionID: doomed.RootCollectionID})
						if err != nil {
							b.Fatal(err)
						}
						ref, err := svc.RenditionURL(ctx, im, "fill-20x20")
						if err != nil {
							b.Fatal(err)
						}
						if _, err := svc.Rendition(ctx, doomed.ID, im.ID, strings.Split(ref.URL, "/")[5]); err != nil {
							b.Fatal(err)
						}
					}
					dir := filepath.Join(mediaDir, "sites", strconv.FormatInt(doomed.ID, 10))
					if err := db.Analyze(ctx); err != nil {
						b.Fatal(err)
					}
					themes, _ := theme.Load("")
					srv, err := server.New(ctx, svc, themes, server.Options{CacheBytes: cache.bytes})
					if err != nil {
						b.Fatal(err)
					}
					ts := httptest.NewServer(srv.Handler())
					client := ts.Client()
					get := func() (time.Duration, error) {
						req, _ := http.NewRequest("GET", ts.URL+"/", nil)
						req.Host = served.Hostname
						t0 := time.Now()
						resp, err := client.Do(req)
						if err != nil {
							return 0, err
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							return 0, fmt.Errorf("served site answered %d", resp.StatusCode)
						}
						return time.Since(t0), nil
					}
					load := func(until func() bool) ([]time.Duration, error) {
						var out []time.Duration
						for !until() {
							d, err := get()
							if err != nil {
								return out, err
							}
							out = append(out, d)
						}
						return out, nil
					}
					warm := 0
					if _, err := load(func() bool { warm++; return warm > 200 }); err != nil {
						b.Fatal(err)
					}
					start := time.Now()
					before, err := load(func() bool { return time.Since(start) > time.Second })
					if err != nil {
						b.Fatal(err)
					}
					var stop atomic.Bool
					var during []time.Duration
					var loadErr error
					done := make(chan struct{})
					go func() {
						defer close(done)
						during, loadErr = load(stop.Load)
					}()
					time.Sleep(20 * time.Millisecond) // the load is running when the delete starts
					b.StartTimer()
					t0 := time.Now()
					deleted, err := svc.DeleteSite(ctx, doomed.ID, 0)
					took := time.Since(t0)
					b.StopTimer()
					stop.Store(true)
					<-done
					ts.Close()
					if err != nil {
						b.Fatal(err)
					}
					if loadErr != nil {
						b.Fatal(loadErr)
					}
					if deleted["pages"] != 10001 || deleted["images"] != 1000 || deleted["renditions"] != 1000 || deleted["media_files"] != 2000 {
						b.Fatalf("deleted: %v", deleted)
					}
					if _, err := os.Stat(dir); !os.IsNotExist(err) {
						b.Fatalf("media left: %v", err)
					}
					b.ReportMetric(took.Seconds(), "s/delete")
					b.ReportMetric(ms(percentile(before, 50)), "ms-p50-before")
					b.ReportMetric(ms(percentile(before, 99)), "ms-p99-before")
					b.ReportMetric(ms(percentile(during, 50)), "ms-p50-during")
					b.ReportMetric(ms(percentile(during, 99)), "ms-p99-during")
					b.ReportMetric(ms(percentile(during, 100)), "ms-max-during")
					b.ReportMetric(float64(len(during)), "requests-during")
				}
			})
		}
	}
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s) - 1) * p / 100
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func benchPNG(b *testing.B) []byte {
	var buf bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	if err := png.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkSitemap10k: /sitemap.xml of a site of 10,000 live pages, the page
// cache off (every request reads and renders it), on both databases; in the
// same run the site's /events/ page uncached as the baseline.
func BenchmarkSitemap10k(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(string(dialect), func(b *testing.B) {
			db := testdb.Open(b, dialect)
			types, _ := canopy.NewPageTypes()
			svc := service.New(db, types)
			svc.BcryptCost = 4
			res, err := svc.Demo(ctx, 0)
			if err != nil {
				b.Fatal(err)
			}
			var alpha *canopy.Site
			for _, s := range res.Sites {
				if s.Hostname == "alpha.localhost" {
					alpha = s
				}
			}
			var pages []*sqlstore.ImportPage
			for i := 0; i < 10_000; i++ {
				pages = append(pages, &sqlstore.ImportPage{Type: canopy.StandardType, Live: true,
					Content: canopy.PageContent{Title: fmt.Sprintf("Page %05d", i), Fields: map[string]any{"intro": "A page."}}})
			}
			if _, err := db.Site(alpha.ID, types).Import(ctx, alpha.RootPageID, pages, 0); err != nil {
				b.Fatal(err)
			}
			themes, _ := theme.Load("")
			srv, err := server.New(ctx, svc, themes, server.Options{CacheBytes: 0})
			if err != nil {
				b.Fatal(err)
			}
			h := srv.Handler()
			for _, path := range []string{"/events/", "/sitemap.xml"} {
				b.Run(strings.Trim(path, "/"), func(b *testing.B) {
					req := httptest.NewRequest("GET", path, nil)
					req.Host = "alpha.localhost:8000"
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != 200 || path == "/sitemap.xml" && strings.Count(rec.Body.String(), "<url>") < 10_000 {
						b.Fatalf("%s: %d, %d URLs", path, rec.Code, strings.Count(rec.Body.String(), "<url>"))
					}
					w := &nopWriter{h: http.Header{}}
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						w.h = http.Header{}
						h.ServeHTTP(w, req)
					}
				})
			}
		})
	}
}
