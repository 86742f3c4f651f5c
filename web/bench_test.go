package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
	"github.com/canopy-cms/canopy/theme"
	"github.com/canopy-cms/canopy/web"
)

// nopWriter is a ResponseWriter that discards the body, so the benchmark
// measures the handler rather than a recorder.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchServer(b *testing.B, cacheEntries int) (http.Handler, *http.Request) {
	db := testdb.Open(b, sqlstore.SQLite)
	types, _ := canopy.NewPageTypes()
	svc := service.New(db, types)
	svc.BcryptCost = 4
	if _, err := svc.Demo(ctx); err != nil {
		b.Fatal(err)
	}
	themes, _ := theme.Load("")
	srv, err := web.New(ctx, svc, themes, web.Options{CacheEntries: cacheEntries})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/events/", nil)
	req.Host = "alpha.localhost:8000"
	return srv.Handler(), req
}

// BenchmarkServePage measures one public page request in-process, from the
// cache and rendered with the cache off.
func BenchmarkServePage(b *testing.B) {
	for _, c := range []struct {
		name    string
		entries int
	}{{"cached", 1000}, {"uncached", 0}} {
		b.Run(c.name, func(b *testing.B) {
			h, req := benchServer(b, c.entries)
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
