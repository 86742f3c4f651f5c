package delivery_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
	"github.com/canopy-cms/canopy/theme"
)

// TestForwardedHeaders checks that X-Forwarded-Host/-Port/-Proto count only
// from trusted proxies, and that the port written in Host wins.
func TestForwardedHeaders(t *testing.T) {
	db := testdb.Open(t, sqlstore.SQLite)
	types, _ := canopy.NewPageTypes()
	svc := service.New(db, types)
	for _, s := range []canopy.NewSite{
		{Hostname: "default.test", Name: "Default site", IsDefault: true},
		{Hostname: "shop.test", Port: 443, Name: "Shop TLS"},
		{Hostname: "shop.test", Port: 8443, Name: "Shop 8443"},
		{Hostname: "shop.test", Port: 80, Name: "Shop plain"},
	} {
		if _, err := svc.CreateSite(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	themes, _ := theme.Load("")
	srv, err := server.New(ctx, svc, themes, server.Options{CacheBytes: 8 << 20,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, AllowedHosts: []string{".test"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	cases := []struct {
		name, remote, host string
		hdr                []string
		want               string
	}{
		{"plain", "192.0.2.1:1234", "shop.test", nil, "Shop plain"},
		{"port in Host wins", "10.0.0.5:1", "shop.test:8443", []string{"X-Forwarded-Port", "443"}, "Shop 8443"},
		{"trusted proto https", "10.0.0.5:1", "shop.test", []string{"X-Forwarded-Proto", "https"}, "Shop TLS"},
		{"untrusted proto ignored", "192.0.2.1:1", "shop.test", []string{"X-Forwarded-Proto", "https"}, "Shop plain"},
		{"trusted port", "10.0.0.5:1", "shop.test", []string{"X-Forwarded-Port", "8443"}, "Shop 8443"},
		{"trusted host", "10.0.0.5:1", "internal.test", []string{"X-Forwarded-Host", "shop.test:443"}, "Shop TLS"},
		{"untrusted host ignored", "192.0.2.1:1", "default.test", []string{"X-Forwarded-Host", "shop.test"}, "Default site"},
		{"trailing dot and case", "192.0.2.1:1", "SHOP.test.", nil, "Shop plain"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr, req.Host = c.remote, c.host
			for i := 0; i+1 < len(c.hdr); i += 2 {
				req.Header.Set(c.hdr[i], c.hdr[i+1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<h1>"+c.want+"</h1>") {
				t.Fatalf("got %d, want site %q: %s", rec.Code, c.want, rec.Body.String())
			}
		})
	}
	// allowed_hosts refuses other hosts outright.
	req := httptest.NewRequest("GET", "/", nil)
	req.Host = "evil.example"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 400 {
		t.Fatalf("host outside allowed_hosts: %d", rec.Code)
	}
	// HEAD gets headers only.
	req = httptest.NewRequest("HEAD", "/", nil)
	req.Host = "shop.test"
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Fatalf("HEAD: %d %d", rec.Code, rec.Body.Len())
	}
}
