package certs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/letsencrypt/pebble/v2/ca"
	pebbledb "github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/certs"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
)

var ctx = context.Background()

// dnsServer answers every A question with 127.0.0.1: the test CA finds the
// sites' hostnames (alpha.test, …) on this machine, as it would find a real
// installation's by their DNS.
func dnsServer(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The same port over TCP, which the CA's resolver uses.
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	answer := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			if question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A: net.ParseIP("127.0.0.1")})
			}
		}
		_ = w.WriteMsg(m)
	})
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: answer}, {Listener: ln, Handler: answer}} {
		go func() { _ = srv.ActivateAndServe() }()
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return pc.LocalAddr().String()
}

// testCA runs Pebble, Let's Encrypt's ACME test server, in this process:
// it validates challenges by connecting to httpPort and tlsPort on the
// address DNS gives. Certificates last validity seconds. It returns the
// directory URL, the roots to trust for its API, and its issuing root.
func testCA(t *testing.T, httpPort, tlsPort int, validity uint64) (string, *x509.CertPool, *x509.CertPool) {
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	logger := log.New(io.Discard, "", 0)
	if os.Getenv("CANOPY_TEST_LOG") != "" {
		logger = log.New(os.Stderr, "pebble ", 0)
	}
	store := pebbledb.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "test", ValidityPeriod: validity}})
	validator := va.New(logger, httpPort, tlsPort, false, dnsServer(t), store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	api := httptest.NewTLSServer(front.Handler())
	t.Cleanup(api.Close)
	apiRoots := x509.NewCertPool()
	apiRoots.AddCert(api.Certificate())
	issued := x509.NewCertPool()
	issued.AddCert(authority.GetRootCert(0).Cert)
	return api.URL + wfe.DirectoryPath, apiRoots, issued
}

// listen opens a listener on a free loopback port.
func listen(t *testing.T) (net.Listener, int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// handshake connects to addr over TLS for serverName, trusting roots, and
// returns the certificate served.
func handshake(addr, serverName string, roots *x509.CertPool) (*x509.Certificate, error) {
	d := &net.Dialer{Timeout: 30 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: serverName, RootCAs: roots})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// TestAutomaticHTTPS: with the installation's sites alpha.test and
// beta.test and alpha's alias www.alpha.test (redirected to alpha), the
// first TLS handshake for each obtains a certificate from
// the ACME CA (its challenges answered by this server), valid for that name
// and served by every node sharing the database; a hostname no site has
// gets no certificate and the CA is never asked; plain HTTP redirects to HTTPS except the ACME
// challenges, and a host no site has is served as before.
func TestAutomaticHTTPS(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			f := testserver.New(t, dialect, true)
			// alpha's other hostname (redirected to alpha.test).
			aliases := []string{"www.alpha.test"}
			if _, err := f.Svc.DB.UpdateSite(ctx, f.Alpha.ID, canopy.SiteUpdate{Aliases: &aliases}); err != nil {
				t.Fatal(err)
			}
			testserver.Eventually(t, "the alias in the site table", func() bool { return f.Srv.ServesHostname("www.alpha.test") })
			httpLn, httpPort := listen(t)
			tlsLn, tlsPort := listen(t)
			dir, apiRoots, issued := testCA(t, httpPort, tlsPort, 3600)
			var mu sync.Mutex
			var asked []string
			logger := testserver.Logger()
			newNode := func(storage certmagic.Storage) *certs.Manager {
				m, err := certs.New(ctx, certs.Options{CA: dir, Storage: storage, TrustedRoots: apiRoots, HTTPPort: httpPort, TLSPort: tlsPort,
					Allowed: func(name string) bool {
						mu.Lock()
						asked = append(asked, name)
						mu.Unlock()
						return f.Srv.ServesHostname(name)
					}, Logger: logger, DisableARI: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(m.Stop)
				return m
			}
			one := newNode(certs.NewDBStorage(f.Svc.DB))
			https := &http.Server{Handler: f.Srv.Handler(), TLSConfig: one.TLSConfig(), ErrorLog: log.New(io.Discard, "", 0)}
			go func() { _ = https.Serve(tls.NewListener(tlsLn, https.TLSConfig)) }()
			plain := &http.Server{Handler: one.HTTPHandler(tlsPort, f.Srv.Handler())}
			go func() { _ = plain.Serve(httpLn) }()
			t.Cleanup(func() { https.Close(); plain.Close() })

			addr := tlsLn.Addr().String()
			for _, host := range []string{"alpha.test", "beta.test", "www.alpha.test"} {
				cert, err := handshake(addr, host, issued)
				if err != nil {
					t.Fatalf("%s: %v", host, err)
				}
				if err := cert.VerifyHostname(host); err != nil {
					t.Errorf("%s's certificate: %v", host, err)
				}
			}
			// Pages over HTTPS: the site's own page.
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: issued},
				DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
				}},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := client.Get("https://beta.test/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(string(body), "Beta") {
				t.Errorf("https://beta.test/: %d", res.StatusCode)
			}
			// The alias, over HTTPS with its own certificate, sends to the site.
			res, err = client.Get("https://www.alpha.test/news/?page=2")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if want := f.Alpha.RootURL() + "/news/?page=2"; res.StatusCode != 301 || res.Header.Get("Location") != want {
				t.Errorf("the alias: %d %s, want %s", res.StatusCode, res.Header.Get("Location"), want)
			}
			// A hostname no site has: the handshake fails, the CA is not asked.
			mu.Lock()
			asked = nil
			mu.Unlock()
			if _, err := handshake(addr, "evil.test", issued); err == nil {
				t.Error("a certificate for a hostname no site has")
			}
			mu.Lock()
			if len(asked) != 1 || asked[0] != "evil.test" {
				t.Errorf("names decided: %v", asked)
			}
			mu.Unlock()
			// A second node over the same database serves the same
			// certificate without asking the CA.
			two := newNode(certs.NewDBStorage(f.Svc.DB))
			ln2, _ := listen(t)
			https2 := &http.Server{Handler: f.Srv.Handler(), TLSConfig: two.TLSConfig(), ErrorLog: log.New(io.Discard, "", 0)}
			go func() { _ = https2.Serve(tls.NewListener(ln2, https2.TLSConfig)) }()
			t.Cleanup(func() { https2.Close() })
			first, _ := handshake(addr, "alpha.test", issued)
			second, err := handshake(ln2.Addr().String(), "alpha.test", issued)
			if err != nil || first == nil || second.SerialNumber.Cmp(first.SerialNumber) != 0 {
				t.Errorf("the second node's certificate: %v (%v)", second, err)
			}
			// Plain HTTP: a site's hostname redirects to HTTPS, path and
			// query kept; a host no site has is served as before.
			httpClient := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			req, _ := http.NewRequest("GET", "http://"+httpLn.Addr().String()+"/news/?page=2", nil)
			req.Host = "alpha.test"
			res, err = httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if want := "https://alpha.test:" + strconv.Itoa(tlsPort) + "/news/?page=2"; res.StatusCode != 301 || res.Header.Get("Location") != want {
				t.Errorf("http redirect: %d %s, want %s", res.StatusCode, res.Header.Get("Location"), want)
			}
			req.Host = "10.1.2.3"
			if res, err = httpClient.Do(req); err != nil || res.StatusCode == 301 {
				t.Errorf("an address: %v %v", res, err)
			}
		})
	}
}

// TestRenewalBeforeExpiry: a certificate near its end is renewed by the
// background check, without a handshake asking for it.
func TestRenewalBeforeExpiry(t *testing.T) {
	f := testserver.New(t, "sqlite", true)
	httpLn, httpPort := listen(t)
	tlsLn, tlsPort := listen(t)
	dir, apiRoots, issued := testCA(t, httpPort, tlsPort, 30) // 30 seconds: renewed after 20
	m, err := certs.New(ctx, certs.Options{CA: dir, Storage: certs.NewDBStorage(f.Svc.DB), TrustedRoots: apiRoots, HTTPPort: httpPort, TLSPort: tlsPort,
		Allowed: f.Srv.ServesHostname, RenewCheckInterval: time.Second, Logger: testserver.Logger(), DisableARI: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	https := &http.Server{Handler: f.Srv.Handler(), TLSConfig: m.TLSConfig(), ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = https.Serve(tls.NewListener(tlsLn, https.TLSConfig)) }()
	plain := &http.Server{Handler: m.HTTPHandler(tlsPort, f.Srv.Handler())}
	go func() { _ = plain.Serve(httpLn) }()
	defer https.Close()
	defer plain.Close()
	first, err := handshake(tlsLn.Addr().String(), "alpha.test", issued)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		c, err := handshake(tlsLn.Addr().String(), "alpha.test", issued)
		if err == nil && c.SerialNumber.Cmp(first.SerialNumber) != 0 {
			if !c.NotAfter.After(first.NotAfter) {
				t.Errorf("renewed certificate ends %v, before the first's %v", c.NotAfter, first.NotAfter)
			}
			return
		}
	}
	t.Fatal("not renewed before its end")
}

// TestCertificateFiles: a certificate given as files is served for its
// name; a file that is not a certificate is refused at start.
func TestCertificateFiles(t *testing.T) {
	dir := t.TempDir()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.StartTLS() // its certificate, for example.com, written as files
	defer srv.Close()
	cert := srv.TLS.Certificates[0]
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", cert.Certificate[0])
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	m, err := certs.New(ctx, certs.Options{Storage: &certmagic.FileStorage{Path: t.TempDir()}, Allowed: func(string) bool { return false },
		Files: []certs.CertFile{{Cert: certFile, Key: keyFile}}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	ln, _ := listen(t)
	s := &http.Server{Handler: http.NotFoundHandler(), TLSConfig: m.TLSConfig(), ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = s.Serve(tls.NewListener(ln, s.TLSConfig)) }()
	defer s.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	if _, err := handshake(ln.Addr().String(), "example.com", roots); err != nil {
		t.Errorf("the given certificate: %v", err)
	}
	if _, err := certs.New(ctx, certs.Options{Storage: &certmagic.FileStorage{Path: t.TempDir()}, Allowed: func(string) bool { return false },
		Files: []certs.CertFile{{Cert: keyFile, Key: keyFile}}}); err == nil || !strings.Contains(err.Error(), keyFile) {
		t.Errorf("a key as the certificate: %v", err)
	}
	var target *os.PathError
	if _, err := certs.New(ctx, certs.Options{Storage: &certmagic.FileStorage{Path: t.TempDir()}, Allowed: func(string) bool { return false },
		Files: []certs.CertFile{{Cert: filepath.Join(dir, "missing.pem"), Key: keyFile}}}); !errors.As(err, &target) {
		t.Errorf("a missing file: %v", err)
	}
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDecide: certificates are asked for a site's hostname only, and at
// most at the configured rate.
func TestDecide(t *testing.T) {
	m, err := certs.New(ctx, certs.Options{Storage: &certmagic.FileStorage{Path: t.TempDir()}, Rate: rate.Every(time.Hour), Burst: 2,
		Allowed: func(n string) bool { return n == "a.test" || n == "b.test" }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	for _, c := range []struct {
		name string
		want error
	}{{"a.test", nil}, {"EVIL.test", certs.ErrNotOurs}, {"B.TEST", nil}, {"a.test", certs.ErrRateLimited}} {
		if err := m.Decide(ctx, c.name); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}
