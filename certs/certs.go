// Package certs terminates TLS for every site of the installation (issue 28
// item 1): certificates are obtained and renewed through ACME by CertMagic
// (github.com/caddyserver/certmagic, decision 29) on demand, at the first
// TLS handshake for a hostname — only a hostname of one of the
// installation's sites (the site table is asked first), at a limited rate.
// They are kept in the data directory, or in the database so that the nodes
// of an installation share them and one node at a time obtains or renews
// one (DBStorage). Certificates can also be given as files. The HTTP
// listener answers ACME HTTP-01 challenges and redirects everything else to
// HTTPS.
package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/certmagic"
	"golang.org/x/time/rate"
)

// DefaultCA is Let's Encrypt's production directory.
const DefaultCA = certmagic.LetsEncryptProductionCA

// CertFile is a certificate given as files (PEM): served for the names it
// covers, never renewed by Canopy.
type CertFile struct {
	Cert string `toml:"cert"`
	Key  string `toml:"key"`
}

// Options configure the certificate manager.
type Options struct {
	// CA is the ACME directory URL (default DefaultCA); Email the account's
	// contact address (optional, for the CA's notices).
	CA, Email string
	// Storage keeps certificates and ACME state: certmagic.FileStorage in
	// the data directory for one node, DBStorage for several.
	Storage certmagic.Storage
	// Allowed reports whether name is a hostname of a site: nothing is
	// asked of the CA for any other (required).
	Allowed func(name string) bool
	// Rate and Burst bound the certificate requests (new and renewals)
	// decided per second across every hostname (default 10 a minute, 20 at
	// once): a flood of handshakes for new names cannot exhaust the CA's
	// limits.
	Rate  rate.Limit
	Burst int
	// Files are certificates given as files; their names take no ACME
	// certificate.
	Files []CertFile
	// TrustedRoots, if set, are the roots trusted for the CA's own HTTPS
	// (a test CA).
	TrustedRoots *x509.CertPool
	// HTTPPort and TLSPort are the ports the CA reaches this server on for
	// its challenges (default 80 and 443: only a test sets them).
	HTTPPort, TLSPort int
	// RenewCheckInterval is how often certificates are checked for renewal
	// (default CertMagic's: 10 minutes).
	RenewCheckInterval time.Duration
	// DisableARI renews at two thirds of a certificate's life instead of
	// when the CA's renewal information says (a CA without it; tests).
	DisableARI bool
	Logger     *slog.Logger
}

// Manager obtains, renews and serves the certificates.
type Manager struct {
	cfg     *certmagic.Config
	cache   *certmagic.Cache
	issuer  *certmagic.ACMEIssuer
	limiter *rate.Limiter
	allowed func(string) bool
	log     *slog.Logger
}

// ErrNotOurs refuses a certificate for a hostname no site has.
var ErrNotOurs = errors.New("no site of this installation has this hostname")

// ErrRateLimited refuses a certificate request above the rate.
var ErrRateLimited = errors.New("too many certificate requests: try again in a minute")

// New makes the manager; ctx bounds the loading of certificate files.
func New(ctx context.Context, opt Options) (*Manager, error) {
	if opt.Allowed == nil || opt.Storage == nil {
		return nil, errors.New("certs: Allowed and Storage are required")
	}
	if opt.CA == "" {
		opt.CA = DefaultCA
	}
	if opt.Rate == 0 {
		opt.Rate, opt.Burst = rate.Every(6*time.Second), 20
	}
	if opt.Burst <= 0 {
		opt.Burst = 1
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	zl := zapToSlog(opt.Logger)
	m := &Manager{limiter: rate.NewLimiter(opt.Rate, opt.Burst), allowed: opt.Allowed, log: opt.Logger}
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   func(certmagic.Certificate) (*certmagic.Config, error) { return m.cfg, nil },
		RenewCheckInterval: opt.RenewCheckInterval,
		Logger:             zl,
	})
	m.cfg = certmagic.New(m.cache, certmagic.Config{
		Storage:    opt.Storage,
		OnDemand:   &certmagic.OnDemandConfig{DecisionFunc: m.Decide},
		DisableARI: opt.DisableARI,
		Logger:     zl,
	})
	m.issuer = certmagic.NewACMEIssuer(m.cfg, certmagic.ACMEIssuer{
		CA: opt.CA, Email: opt.Email, Agreed: true, TrustedRoots: opt.TrustedRoots,
		AltHTTPPort: opt.HTTPPort, AltTLSALPNPort: opt.TLSPort, Logger: zl,
	})
	m.cfg.Issuers = []certmagic.Issuer{m.issuer}
	for _, f := range opt.Files {
		if _, err := m.cfg.CacheUnmanagedCertificatePEMFile(ctx, f.Cert, f.Key, nil); err != nil {
			return nil, fmt.Errorf("certificate %s: %w", f.Cert, err)
		}
	}
	return m, nil
}

// Decide is CertMagic's on-demand decision, asked before a certificate is
// requested or renewed: a hostname of a site (else ErrNotOurs), within the
// rate (else ErrRateLimited).
func (m *Manager) Decide(ctx context.Context, name string) error {
	if !m.allowed(strings.ToLower(name)) {
		m.log.Warn("TLS handshake for a hostname no site has: no certificate requested", "name", name)
		return ErrNotOurs
	}
	if !m.limiter.Allow() {
		m.log.Warn("certificate request refused: rate limit", "name", name)
		return ErrRateLimited
	}
	m.log.Info("obtaining or renewing a certificate", "name", name)
	return nil
}

// TLSConfig is the HTTPS listener's configuration: certificates by SNI
// (given files first, then ACME ones), the ACME TLS-ALPN challenge, HTTP/2.
func (m *Manager) TLSConfig() *tls.Config {
	c := m.cfg.TLSConfig()
	c.NextProtos = append([]string{"h2", "http/1.1"}, c.NextProtos...)
	c.MinVersion = tls.VersionTLS12
	return c
}

// HTTPHandler is the plain HTTP listener's handler: ACME HTTP-01
// challenges answered; a request for a site's hostname redirected to the
// same address over HTTPS (port httpsPort; 443 is left out of the
// address); any other host (an address, a name no site has, which can
// have no certificate) served by fallback over HTTP.
func (m *Manager) HTTPHandler(httpsPort int, fallback http.Handler) http.Handler {
	return m.issuer.HTTPChallengeHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.ToLower(host)
		if !m.allowed(host) {
			fallback.ServeHTTP(w, r)
			return
		}
		if httpsPort != 443 {
			host = net.JoinHostPort(host, strconv.Itoa(httpsPort))
		}
		target := "https://" + host + r.URL.RequestURI()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		http.Redirect(w, r, target, http.StatusPermanentRedirect)
	}))
}

// Stop ends the background renewal.
func (m *Manager) Stop() { m.cache.Stop() }
