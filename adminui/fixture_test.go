package adminui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
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

var ctx = context.Background()

// handler is the last demo's root handler (benchmarks call it directly).
var handler http.Handler

// demo is a running demo installation: the sites of `serve --demo` on
// *.localhost, served on a loopback port.
type demo struct {
	t        testing.TB
	svc      *service.Service
	url      string // http://127.0.0.1:PORT
	port     string
	res      *service.DemoResult
	alpha    *canopy.Site
	beta     *canopy.Site
	password map[string]string
}

func newDemo(t testing.TB, d sqlstore.Dialect) *demo {
	t.Helper()
	db, err := sqlstore.Open(ctx, testdb.URL(t, d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	types, _ := canopy.NewPageTypes()
	svc := service.New(db, types)
	svc.BcryptCost = 4
	if svc.Media, err = media.OpenStore(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Demo(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	themes, err := theme.Load("")
	if err != nil {
		t.Fatal(err)
	}
	var logw io.Writer = io.Discard
	if os.Getenv("CANOPY_TEST_LOG") != "" {
		logw = os.Stderr
	}
	srv, err := server.New(ctx, svc, themes, server.Options{CacheBytes: 32 << 20, PollInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(logw, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	handler = srv.Handler()
	t.Cleanup(ts.Close)
	dm := &demo{t: t, svc: svc, url: ts.URL, port: ts.URL[strings.LastIndexByte(ts.URL, ':')+1:], res: res,
		password: map[string]string{res.Username: res.Password}}
	for _, s := range res.Sites {
		switch s.Hostname {
		case "alpha.localhost":
			dm.alpha = s
		case "beta.localhost":
			dm.beta = s
		}
	}
	for _, l := range res.Logins {
		dm.password[l.Username] = l.Password
	}
	return dm
}

// site is the base URL of a demo site as a browser reaches it.
func (d *demo) site(host string) string { return "http://" + host + ":" + d.port }

// page finds a page of a site by its URL path.
func (d *demo) page(site *canopy.Site, path string) *canopy.Page {
	d.t.Helper()
	p, err := d.svc.DB.Site(site.ID, d.svc.Types).PageByURLPath(ctx, path)
	if err != nil {
		d.t.Fatalf("page %s: %v", path, err)
	}
	return p
}
