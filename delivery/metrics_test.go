package delivery_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/theme"
)

// syncBuffer is a log destination tests read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMetricsAndClientGone: /_metrics answers only with the token (else 404,
// as if absent) and holds the request, cache, site table, pool, outbox and
// scheduler metrics; a client that goes away mid-request is counted and
// logged (at debug) as 499, never as an internal error.
func TestMetricsAndClientGone(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.New(t, d, false)
			f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "About", true, nil)
			logs := &syncBuffer{}
			themes, _ := theme.Load("")
			const token = "metrics-token-0123456789"
			srv, err := server.New(ctx, f.Svc, themes, server.Options{CacheBytes: 8 << 20, MetricsToken: token, PollInterval: time.Hour,
				Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			get := func(host, path, auth string) (int, string) {
				req, _ := http.NewRequest("GET", ts.URL+path, nil)
				req.Host = host
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			get("alpha.test", "/about/", "") // miss
			get("alpha.test", "/about/", "") // hit
			get("alpha.test", "/nowhere/", "")
			f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "News", true, nil) // one site refreshed

			// The client goes away before the answer of an uncached page.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			req := httptest.NewRequest("GET", "/news/", nil).WithContext(cctx)
			req.Host = "alpha.test"
			srv.Handler().ServeHTTP(httptest.NewRecorder(), req)

			for _, auth := range []string{"", "Bearer wrong-token-0123456789", token} {
				if status, _ := get("alpha.test", "/_metrics", auth); status != 404 {
					t.Fatalf("/_metrics with %q: %d, want 404", auth, status)
				}
			}
			status, body := get("alpha.test", "/_metrics", "Bearer "+token)
			if status != 200 {
				t.Fatalf("/_metrics with the token: %d", status)
			}
			for _, want := range []string{
				`canopy_http_requests_total{class="page",code="200"} 2`,
				`canopy_http_requests_total{class="page",code="404"} 1`,
				`canopy_http_requests_total{class="page",code="499"} 1`,
				`canopy_http_request_duration_seconds_bucket{class="page",le="+Inf"} 4`,
				"canopy_page_cache_hits_total 1",
				"canopy_page_cache_budget_bytes 8.388608e+06",
				`canopy_site_table_refreshes_total{kind="site"} 1`,
				`canopy_site_table_refreshes_total{kind="full"} 0`, // the load at start comes before the metrics
				"canopy_sites 2",
				"canopy_mail_outbox_depth 0",
				`canopy_scheduler_runs_total{result="ok"} 0`,
				"go_sql_open_connections{db_name=",
				"go_goroutines",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("metrics lack %q", want)
				}
			}
			out := logs.String()
			if strings.Contains(out, "level=ERROR") || strings.Contains(out, "internal error") {
				t.Fatalf("a client going away was logged as an error:\n%s", out)
			}
			if !strings.Contains(out, `level=DEBUG msg=request method=GET host=alpha.test path=/news/ status=499`) {
				t.Fatalf("no debug line with status 499:\n%s", out)
			}
		})
	}
}
