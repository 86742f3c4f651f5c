// Package testserver runs a whole Canopy server over a fresh database for
// tests of the packages that serve it (delivery, the admin API and UI): two
// sites, alpha.test and beta.test, and clients that talk to them as browsers
// and scripts do. Only tests import it.
package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strconv"
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

// testLogger discards the server's log unless CANOPY_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("CANOPY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// fixture is a running server over a fresh database with two sites.
type Fixture struct {
	T           *testing.T
	URL         string // the server's address (requests name the site in Host)
	DBURL       string
	Svc         *service.Service
	Alpha, Beta *canopy.Site
	TS          *httptest.Server
	Srv         *server.Server
}

// New runs a server over a fresh database of dialect d with two sites,
// alpha.test (the default site if withDefault) and beta.test.
func New(t *testing.T, d sqlstore.Dialect, withDefault bool) *Fixture {
	t.Helper()
	return NewWith(t, d, withDefault, nil)
}

// newFixtureWith is newFixture with the server's options changed by opts
// and the extra page types added to the built-in ones.
func NewWith(t *testing.T, d sqlstore.Dialect, withDefault bool, opts func(*server.Options), extra ...canopy.PageType) *Fixture {
	t.Helper()
	dbURL := testdb.URL(t, d)
	db, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	types, err := canopy.NewPageTypes(extra...)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(db, types)
	svc.BcryptCost = 4
	if svc.Media, err = media.OpenStore(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	f := &Fixture{T: t, DBURL: dbURL, Svc: svc}
	if f.Alpha, err = svc.CreateSite(ctx, canopy.NewSite{Hostname: "alpha.test", Name: "Alpha", IsDefault: withDefault}); err != nil {
		t.Fatal(err)
	}
	if f.Beta, err = svc.CreateSite(ctx, canopy.NewSite{Hostname: "beta.test", Name: "Beta"}); err != nil {
		t.Fatal(err)
	}
	themes, err := theme.Load("")
	if err != nil {
		t.Fatal(err)
	}
	o := server.Options{CacheBytes: 32 << 20, MediaCacheBytes: 8 << 20, PollInterval: 100 * time.Millisecond, Logger: Logger()}
	if opts != nil {
		opts(&o)
	}
	srv, err := server.New(ctx, svc, themes, o)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	go srv.Watch(wctx)
	f.Srv = srv
	f.TS = httptest.NewServer(srv.Handler())
	t.Cleanup(func() { cancel(); f.TS.Close() })
	f.URL = f.TS.URL
	return f
}

// Page creates a page of site under parent through the service.
func (f *Fixture) Page(site *canopy.Site, parent int64, typ, title string, publish bool, fields map[string]any) *canopy.Page {
	f.T.Helper()
	p, err := f.Svc.Pages(site.ID).Create(ctx, parent, service.PageInput{Type: typ, Title: title, Fields: fields}, 0, publish)
	if err != nil {
		f.T.Fatalf("create %q: %v", title, err)
	}
	return p
}

// Response is an answer read whole.
type Response struct {
	Status int
	Body   string
	Header http.Header
}

// Get requests path on host without following redirects (hdr: name, value…).
func (f *Fixture) Get(host, path string, hdr ...string) Response {
	f.T.Helper()
	req, _ := http.NewRequest("GET", f.URL+path, nil)
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		f.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Response{res.StatusCode, string(b), res.Header}
}

// JSON is Get of a JSON answer, decoded.
func (f *Fixture) JSON(host, path string) (int, map[string]any) {
	f.T.Helper()
	r := f.Get(host, path)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		f.T.Fatalf("GET %s%s: not JSON (%d): %s", host, path, r.Status, r.Body)
	}
	return r.Status, m
}

// eventually retries check until it passes or 10 seconds have gone by.
func Eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 10s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// client is one browser or script talking to one host.
type Client struct {
	T      *testing.T
	F      *Fixture
	Host   string
	Cookie string            // the session cookie's value (set by a login)
	Token  string            // an API token (Bearer)
	Hdr    map[string]string // headers sent with every request
}

// Do sends body as JSON and decodes the JSON answer.
func (c *Client) Do(method, path string, body any) (int, map[string]any) {
	c.T.Helper()
	return c.DoType(method, path, "application/json", body)
}

// doType sends body (JSON-encoded unless a string) with the given content type.
func (c *Client) DoType(method, path, contentType string, body any) (int, map[string]any) {
	c.T.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequest(method, c.F.URL+path, rd)
	req.Host = c.Host
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Cookie != "" {
		req.Header.Set("Cookie", "canopy_session="+c.Cookie)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range c.Hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == "canopy_session" {
			c.Cookie = ck.Value
		}
	}
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.T.Fatalf("%s %s: not JSON (%d): %s", method, path, res.StatusCode, b)
		}
	}
	return res.StatusCode, out
}

// ErrCode is the code of an admin API error answer.
func ErrCode(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		return e["code"].(string)
	}
	return ""
}

// adminFixture adds users and groups: ed edits alpha (add+change on the home
// page, no publish), bea edits beta, root is a superuser.
type AdminFixture struct {
	*Fixture
	Ed, Bea, Root *canopy.User
	AlphaEditors  *canopy.Group
}

// NewAdmin is New (alpha the default site) with AdminFixture's people.
func NewAdmin(t *testing.T, d sqlstore.Dialect) *AdminFixture {
	f := &AdminFixture{Fixture: New(t, d, true)}
	db := f.Svc.DB
	mk := func(name string, super bool) *canopy.User {
		u, err := f.Svc.CreateUser(ctx, service.NewUser{Username: name, Password: "password-" + name, IsSuperuser: super, Email: name + "@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.Ed, f.Bea, f.Root = mk("ed", false), mk("bea", false), mk("root", true)
	var err error
	if f.AlphaEditors, err = db.Site(f.Alpha.ID, nil).CreateGroup(ctx, "Writers"); err != nil {
		t.Fatal(err)
	}
	Must(t, db.Site(f.Alpha.ID, nil).SetGroupGrants(ctx, f.AlphaEditors.ID, []canopy.PageGrantRow{{PageID: f.Alpha.RootPageID, Actions: []string{"add", "change"}}}, []string{"access_admin"}))
	Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, f.AlphaEditors.ID, f.Ed.ID))
	bg, _ := db.Site(f.Beta.ID, nil).CreateGroup(ctx, "Writers")
	Must(t, db.Site(f.Beta.ID, nil).SetGroupGrants(ctx, bg.ID, []canopy.PageGrantRow{{PageID: f.Beta.RootPageID, Actions: Perm6}}, []string{"access_admin"}))
	Must(t, db.Site(f.Beta.ID, nil).AddMember(ctx, bg.ID, f.Bea.ID))
	return f
}

// Perm6 are the page actions Bea holds on beta.
var Perm6 = []string{"add", "change", "publish", "bulk_delete", "lock", "unlock"}

// Must fails the test on an error.
func Must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Login logs user in on host (password "password-" + user) through the API.
func (f *AdminFixture) Login(host, user string) *Client {
	c := &Client{T: f.T, F: f.Fixture, Host: host}
	status, body := c.Do("POST", "/admin/api/login", map[string]string{"username": user, "password": "password-" + user})
	if status != 200 || c.Cookie == "" {
		f.T.Fatalf("login %s on %s: %d %v", user, host, status, body)
	}
	return c
}

// ID is a JSON number as an id in a path.
func ID(v any) string { return strconv.FormatInt(int64(v.(float64)), 10) }

// upload sends a multipart upload.
func (c *Client) Upload(path, filename string, data []byte, fields map[string]string) (int, map[string]any) {
	c.T.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename*=UTF-8''%s`, url.PathEscape(filename)))
	h.Set("Content-Type", "application/octet-stream")
	pw, _ := mw.CreatePart(h)
	pw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.F.URL+path, &buf)
	req.Host = c.Host
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if c.Cookie != "" {
		req.Header.Set("Cookie", "canopy_session="+c.Cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		c.T.Fatalf("upload: not JSON (%d): %s", res.StatusCode, b)
	}
	return res.StatusCode, out
}

// fetch GETs a path on the client's host and returns status, headers and body.
func (c *Client) Fetch(path string) (int, http.Header, []byte) {
	c.T.Helper()
	req, _ := http.NewRequest("GET", c.F.URL+path, nil)
	req.Host = c.Host
	if c.Cookie != "" {
		req.Header.Set("Cookie", "canopy_session="+c.Cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// post sends a form on a host without following redirects, with cookies.
func (f *Fixture) Post(host, path string, form url.Values, cookies ...*http.Cookie) (int, http.Header, string) {
	f.T.Helper()
	req, _ := http.NewRequest("POST", f.URL+path, strings.NewReader(form.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		f.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// groupNamed returns a site's group by name.
func GroupNamed(t *testing.T, db *sqlstore.DB, siteID int64, name string) *canopy.Group {
	t.Helper()
	gs, err := db.Site(siteID, nil).Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.Name == name && g.SiteID == siteID {
			return g
		}
	}
	t.Fatalf("no group %q on site %d", name, siteID)
	return nil
}

// FmtID is an id in a path.
func FmtID(id int64) string { return strconv.FormatInt(id, 10) }

// errMessage is the message of an admin API error answer.
func ErrMessage(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		s, _ := e["message"].(string)
		return s
	}
	return ""
}

// ContainsMessage reports whether an admin API error's message contains s.
func ContainsMessage(body map[string]any, s string) bool {
	return strings.Contains(ErrMessage(body), s)
}

// uiClient is a browser without JavaScript on alpha's admin screens.
type UIClient struct {
	T    *testing.T
	F    *AdminFixture
	Jar  http.CookieJar
	CSRF string // the token of the last page read
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// NewUIClient logs user in on alpha's admin login form.
func NewUIClient(t *testing.T, f *AdminFixture, user string) *UIClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &UIClient{T: t, F: f, Jar: jar}
	c.Get("/admin/login/")
	if status := c.Post("/admin/login/", url.Values{"username": {user}, "password": {"password-" + user}, "next": {"/admin/"}}); status != 303 {
		t.Fatalf("UI login %s: %d", user, status)
	}
	return c
}

// Send sends a request (a form if form is set) with the client's cookies.
func (c *UIClient) Send(method, path string, form url.Values) (int, string) {
	c.T.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.F.URL+path, body)
	req.Host = "alpha.test"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://alpha.test")
	}
	u, _ := url.Parse("http://alpha.test" + path)
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer res.Body.Close()
	c.Jar.SetCookies(u, res.Cookies())
	b, _ := io.ReadAll(res.Body)
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		c.CSRF = m[1]
	}
	return res.StatusCode, string(b)
}

// Get reads an admin screen.
func (c *UIClient) Get(path string) (int, string) { return c.Send("GET", path, nil) }

// post sends a form with the CSRF token of the last page read.
func (c *UIClient) Post(path string, form url.Values) int {
	form.Set("csrf", c.CSRF)
	status, _ := c.Send("POST", path, form)
	return status
}

// JPEG is a w×h JPEG image with a colour gradient.
func JPEG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 3), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// PNG is a blank w×h PNG image.
func PNG(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
