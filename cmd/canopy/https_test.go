package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for names and its key as PEM files.
func selfSigned(t *testing.T, dir string, names ...string) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	c, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return certFile, keyFile, pool
}

// TestServeHTTPS: `canopy serve --https` with a certificate given as files
// serves the demo's alpha site over HTTPS, and
// its plain listener redirects the site's hostname to HTTPS; a bad TLS
// setting stops it with a message and a non-zero exit.
func TestServeHTTPS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir, "alpha.localhost")
	cfg := filepath.Join(dir, "canopy.toml")
	if err := os.WriteFile(cfg, []byte("[[certificate]]\ncert = \""+certFile+"\"\nkey = \""+keyFile+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plainAddr, tlsAddr := freePort(t), freePort(t)
	cmd := exec.Command(binary, "serve", "--demo", "--https", "--addr", plainAddr, "--data", t.TempDir(), "--config", cfg)
	cmd.Env = append(cleanEnv(), "CANOPY_HTTPS_ADDR="+tlsAddr)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitListening(t, tlsAddr, 20*time.Second, &stderr)
	_, tlsPort, _ := net.SplitHostPort(tlsAddr)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool},
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "tcp", tlsAddr)
			}}}
	res, err := client.Get("https://alpha.localhost:" + tlsPort + "/")
	if err != nil {
		t.Fatalf("https: %v\n%s", err, stderr.String())
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "Alpha Physics Department") {
		t.Errorf("https://alpha.localhost/: %d", res.StatusCode)
	}
	// The plain listener: the site's hostname goes to HTTPS.
	req, _ := http.NewRequest("GET", "http://"+plainAddr+"/about/?x=1", nil)
	req.Host = "alpha.localhost"
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = plain.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := "https://alpha.localhost:" + tlsPort + "/about/?x=1"; res.StatusCode != 301 || res.Header.Get("Location") != want {
		t.Errorf("plain HTTP: %d %s, want %s", res.StatusCode, res.Header.Get("Location"), want)
	}

	// Bad TLS settings: a message and a non-zero exit.
	for _, c := range []struct{ env, want string }{
		{"CANOPY_TLS_STORAGE=cloud", "tls_storage must be file or database"},
		{"CANOPY_ACME_CA=http://ca.example/dir", "acme_ca must be an https:// URL"},
	} {
		cmd := exec.Command(binary, "serve", "--https", "--addr", freePort(t), "--data", t.TempDir())
		cmd.Env = append(cleanEnv(), c.env)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%s: %v %s", c.env, err, out)
		}
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[[certificate]]\ncert = \""+keyFile+"\"\nkey = \""+keyFile+"\"\n"), 0o600)
	cmd = exec.Command(binary, "serve", "--https", "--addr", freePort(t), "--data", t.TempDir(), "--config", bad)
	cmd.Env = append(cleanEnv(), "CANOPY_HTTPS_ADDR="+freePort(t))
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "certificate "+keyFile) {
		t.Errorf("a key given as the certificate: %v %s", err, out)
	}
}
