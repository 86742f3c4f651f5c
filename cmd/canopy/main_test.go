package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/sqlstore"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "canopy-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "canopy")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs the canopy binary and returns stdout, stderr and the exit code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func cleanEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CANOPY_") {
			env = append(env, e)
		}
	}
	return env
}

// waitListening waits until something accepts connections on addr, or
// fails the test with the server's stderr.
func waitListening(t *testing.T, addr string, within time.Duration, stderr *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listening on %s: %s", addr, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(t *testing.T, addr, host, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeDemo boots the real binary as a user would, on each database.
func TestServeDemo(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			dbArgs := []string{"--data", t.TempDir()}
			if d == sqlstore.Postgres {
				dbArgs = append(dbArgs, "--database", testdb.URL(t, d))
			}
			addr := freePort(t)
			cmd := exec.Command(binary, append([]string{"serve", "--demo", "--addr", addr}, dbArgs...)...)
			cmd.Env = append(cleanEnv(), "CANOPY_POLL_INTERVAL=200ms")
			stdout, _ := cmd.StdoutPipe()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			var printed strings.Builder
			sc := bufio.NewScanner(stdout)
			password := ""
			for sc.Scan() {
				printed.WriteString(sc.Text() + "\n")
				if m := regexp.MustCompile(`username admin, password (\S+)`).FindStringSubmatch(sc.Text()); m != nil {
					password = m[1]
				}
				if strings.Contains(sc.Text(), "username beta-admin, password ") {
					break
				}
			}
			if password == "" {
				t.Fatalf("no admin password printed:\n%s\n%s", printed.String(), stderr.String())
			}
			for _, want := range []string{"http://localhost:", "http://alpha.localhost:", "http://beta.localhost:",
				"username alpha-editor, password ", "username alpha-moderator, password ", "username alpha-admin, password ", "/admin/"} {
				if !strings.Contains(printed.String(), want) {
					t.Errorf("demo output lacks %s:\n%s", want, printed.String())
				}
			}
			waitListening(t, addr, 10*time.Second, &stderr)
			_, port, _ := net.SplitHostPort(addr)
			_, alpha := get(t, addr, "alpha.localhost:"+port, "/")
			_, beta := get(t, addr, "beta.localhost:"+port, "/")
			if !strings.Contains(alpha, "Alpha Physics Department") || !strings.Contains(beta, "Beta Gardening Club") || strings.Contains(alpha, "Gardening") {
				t.Fatalf("sites are not distinct:\n%s\n---\n%s", alpha, beta)
			}
			code, api := get(t, addr, "localhost:"+port, "/api/v2/pages/")
			var listing struct {
				Meta struct {
					TotalCount int `json:"total_count"`
				} `json:"meta"`
			}
			if code != 200 || json.Unmarshal([]byte(api), &listing) != nil || listing.Meta.TotalCount < 10 {
				t.Fatalf("content API: %d %s", code, api)
			}
			if code, _ := get(t, addr, "alpha.localhost:"+port, "/plans-for-next-year/"); code != 404 {
				t.Fatalf("demo draft served: %d", code)
			}
			// The CLI changes the running server's database: served within seconds.
			out, errOut, exit := run(t, "", append([]string{"site", "create", "--hostname", "gamma.localhost", "--name", "Gamma Choir"}, dbArgs...)...)
			if exit != 0 {
				t.Fatalf("site create: %d %s %s", exit, out, errOut)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, body := get(t, addr, "gamma.localhost:"+port, "/"); strings.Contains(body, "Gamma Choir") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("site created by the CLI not served within 10s")
				}
				time.Sleep(100 * time.Millisecond)
			}
			// --demo on a non-empty installation changes nothing.
			out, _, exit = run(t, "", append([]string{"site", "list", "--json"}, dbArgs...)...)
			var sites []map[string]any
			if exit != 0 || json.Unmarshal([]byte(out), &sites) != nil || len(sites) != 4 {
				t.Fatalf("site list: %d %s", exit, out)
			}
			// Graceful shutdown on SIGTERM.
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("no graceful shutdown")
			}
			if !strings.Contains(stderr.String(), "stopped") {
				t.Errorf("no shutdown log: %s", stderr.String())
			}
		})
	}
}

func TestCLI(t *testing.T) {
	data := t.TempDir()
	d := []string{"--data", data}
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string // in stdout+stderr
	}{
		{"help", "", []string{"--help"}, 0, "Commands:"},
		{"no command", "", nil, 2, "no command given"},
		{"unknown", "", []string{"frobnicate"}, 2, "unknown command"},
		{"serve help", "", []string{"serve", "--help"}, 0, "--addr"},
		{"site create help", "", []string{"site", "create", "-h"}, 0, "--hostname"},
		{"migrate", "", append([]string{"migrate"}, d...), 0, "up to date"},
		{"site create", "", append([]string{"site", "create", "--hostname", "Example.ORG", "--name", "Example", "--default"}, d...), 0, "created site"},
		{"bad hostname", "", append([]string{"site", "create", "--hostname", "bad host", "--name", "X"}, d...), 2, "hostname"},
		{"second default", "", append([]string{"site", "create", "--hostname", "two.example", "--name", "Two", "--default"}, d...), 4, "Example is already the default site"},
		{"duplicate", "", append([]string{"site", "create", "--hostname", "example.org", "--name", "Again"}, d...), 4, "already exists"},
		{"missing name", "", append([]string{"site", "create", "--hostname", "x.example"}, d...), 2, "--hostname and --name are required"},
		{"bad port", "", append([]string{"site", "create", "--hostname", "x.example", "--name", "X", "--port", "70000"}, d...), 2, "out of range"},
		{"unknown theme", "", append([]string{"site", "create", "--hostname", "x.example", "--name", "X", "--theme", "neon"}, d...), 2, `theme "neon" does not exist`},
		{"user create", "s3cret-pass\n", append([]string{"user", "create", "--username", "ed", "--email", "ed@example.org", "--password-stdin"}, d...), 0, "created user ed"},
		{"user exists", "s3cret-pass\n", append([]string{"user", "create", "--username", "ED", "--password-stdin"}, d...), 4, "already exists"},
		{"short password", "short\n", append([]string{"user", "create", "--username", "amy", "--password-stdin"}, d...), 2, "at least 8"},
		{"no password source", "", append([]string{"user", "create", "--username", "amy"}, d...), 2, "--password-stdin"},
		{"group create", "", append([]string{"group", "create", "--name", "Web team"}, d...), 0, "created installation-wide group Web team"},
		{"group add-member", "", append([]string{"group", "add-member", "--group", "web TEAM", "--user", "ed@example.org"}, d...), 0, "added ed to Web team"},
		{"group members", "", append([]string{"group", "members", "--group", "Web team"}, d...), 0, "ed@example.org"},
		{"group add unknown", "", append([]string{"group", "add-member", "--group", "Web team", "--user", "nobody"}, d...), 3, "no single account"},
		{"group unknown", "", append([]string{"group", "members", "--group", "Nope"}, d...), 3, `no installation-wide group is named "Nope"`},
		{"group remove-member", "", append([]string{"group", "remove-member", "--group", "Web team", "--user", "ed"}, d...), 0, "removed ed from Web team"},
		{"group remove again", "", append([]string{"group", "remove-member", "--group", "Web team", "--user", "ed"}, d...), 3, "not a member"},
		{"generate", "", append([]string{"generate", "--sites", "2", "--pages-per-site", "30"}, d...), 0, "generated 2 site(s)"},
		{"site list", "", append([]string{"site", "list"}, d...), 0, "gen-2.localhost"},
		{"search reindex", "", append([]string{"search", "reindex"}, d...), 0, "Generated site 2: 31 documents"},
		{"search reindex one", "", append([]string{"search", "reindex", "--site", "GEN-1.localhost"}, d...), 0, "reindexed Generated site 1: 31 documents"},
		{"search reindex unknown", "", append([]string{"search", "reindex", "--site", "nope.example"}, d...), 3, `no site has the hostname "nope.example"`},
		{"search no subcommand", "", append([]string{"search"}, d...), 2, "needs a subcommand: reindex"},
		{"site list searched", "", append([]string{"site", "list", "--search", "GEN-", "--limit", "1", "--order", "-hostname"}, d...), 0, "gen-2.localhost"},
		{"site list partial", "", append([]string{"site", "list", "--search", "gen-", "--limit", "1"}, d...), 0, "(1 of 2 sites; use --offset and --limit for more)"},
		{"site list bad order", "", append([]string{"site", "list", "--order", "theme"}, d...), 2, "order must be one of"},
		{"site list bad limit", "", append([]string{"site", "list", "--limit", "-1"}, d...), 2, "must not be negative"},
		{"rename", "", append([]string{"site", "update", "--id", "1", "--hostname", "www.example.org"}, d...), 0, "updated site 1"},
		{"rename to a taken hostname", "", append([]string{"site", "update", "--id", "2", "--hostname", "www.example.org"}, d...), 4, "already exists"},
		{"update nothing", "", append([]string{"site", "update", "--id", "1"}, d...), 2, "nothing to change"},
		{"convert dry run", "", append([]string{"site", "convert-domain", "--to", "staging.example.org", "--dry-run"}, d...), 0, "would change"},
		{"convert", "", append([]string{"site", "convert-domain", "--to", "staging.example.org"}, d...), 0, "1 site(s) changed"},
		{"delete unconfirmed", "", append([]string{"site", "delete", "--id", "2"}, d...), 2, "--yes"},
		{"delete default without successor", "", append([]string{"site", "delete", "--id", "1", "--yes"}, d...), 2, "name the new default"},
		{"delete", "", append([]string{"site", "delete", "--id", "2", "--yes"}, d...), 0, "deleted site 2"},
		{"delete missing", "", append([]string{"site", "delete", "--id", "99", "--yes"}, d...), 3, "not found"},
		{"unreadable config", "", []string{"site", "list", "--config", filepath.Join(data, "missing.toml")}, 2, "cannot read config file"},
		{"bad database URL", "", []string{"site", "list", "--database", "mysql://x"}, 2, "database must be"},
		{"unexpected argument", "", append([]string{"site", "list", "extra"}, d...), 2, "unexpected argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := run(t, c.stdin, c.args...)
			if code != c.code || !strings.Contains(out+errOut, c.out) {
				t.Fatalf("exit %d (want %d), output:\n%s%s\nwant it to contain %q", code, c.code, out, errOut, c.out)
			}
		})
	}
	out, _, _ := run(t, "", append([]string{"site", "list", "--json"}, d...)...)
	if !strings.Contains(out, `"hostname": "www.staging.example.org"`) || strings.Contains(out, `"id": 2,`) || !strings.Contains(out, "gen-2.localhost") {
		t.Fatal(out)
	}
}

func TestConfigLayers(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.toml")
	inst := filepath.Join(dir, "acom.toml")
	os.WriteFile(base, []byte("addr = \":9000\"\ndata = \"shared\"\napi_max_limit = 50\n"), 0o644)
	os.WriteFile(inst, []byte("data = \"acom-data\"\nallowed_hosts = [\"a.com\"]\n"), 0o644)
	out, errOut, code := run(t, "", "config", "--config", base, "--config", inst)
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{`addr = ":9000"`, `data = "` + filepath.Join(dir, "acom-data") + `"`, "api_max_limit = 50", `allowed_hosts = ["a.com"]`} {
		if !strings.Contains(out, want) {
			t.Errorf("effective config lacks %s:\n%s", want, out)
		}
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("adr = \":1\"\n"), 0o644)
	if _, errOut, code := run(t, "", "config", "--config", bad); code != 2 || !strings.Contains(errOut, "unknown setting(s): adr") {
		t.Fatalf("unknown key: %d %s", code, errOut)
	}
	// Environment beats files, flags beat the environment; secrets from *_FILE.
	secret := filepath.Join(dir, "db-url")
	os.WriteFile(secret, []byte("postgres://canopy:hunter2@db.internal/canopy\n"), 0o600)
	cmd := exec.Command(binary, "config", "--config", base)
	cmd.Env = append(cleanEnv(), "CANOPY_ADDR=:7000", "CANOPY_DATABASE_FILE="+secret)
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), `addr = ":7000"`) || !strings.Contains(string(b), "canopy:xxxxx@db.internal") || strings.Contains(string(b), "hunter2") {
		t.Fatalf("env layering: %v\n%s", err, b)
	}
	// The front ends' credentials are not printed.
	purgeCfg := filepath.Join(dir, "purge.toml")
	os.WriteFile(purgeCfg, []byte("[[purge]]\nkind = \"cloudflare\"\nzone = \"z1\"\ntoken = \"cf-secret-token\"\n[[purge]]\nkind = \"cloudfront\"\ndistribution = \"D1\"\nsecret_key = \"aws-secret\"\n"), 0o600)
	if out, errOut, code := run(t, "", "config", "--config", purgeCfg); code != 0 || strings.Contains(out, "cf-secret-token") || strings.Contains(out, "aws-secret") ||
		!strings.Contains(out, `zone = "z1"`) {
		t.Errorf("purge credentials printed: %d %s %s", code, out, errOut)
	}
	_ = context.Background
}

// TestPageTypesFile adds a page type from a schema file without recompiling.
func TestPageTypesFile(t *testing.T) {
	dir := t.TempDir()
	schema := filepath.Join(dir, "types.toml")
	os.WriteFile(schema, []byte(`
[[page_type]]
name = "news.PressRelease"
label = "Press release"
parent_page_types = ["canopy.IndexPage", "canopy.HomePage"]
subpage_types = []

[[page_type.field]]
name = "summary"
type = "text"
required = true

[[page_type.field]]
name = "embargo_note"
type = "text"
permission = "change_embargo"
`), 0o644)
	cfg := filepath.Join(dir, "canopy.toml")
	os.WriteFile(cfg, []byte("page_types = \"types.toml\"\ndata = \"data\"\n"), 0o644)
	if _, errOut, code := run(t, "", "migrate", "--config", cfg); code != 0 {
		t.Fatal(errOut)
	}
	os.WriteFile(schema, []byte(`
[[page_type]]
name = "news.Story"
[[page_type.field]]
name = "hero"
type = "image"
renditions = { hero = "fill-1600x600-c50", card = "blur-3" }
`), 0o644)
	if _, errOut, code := run(t, "", "migrate", "--config", cfg); code != 2 || !strings.Contains(errOut, `news.Story.hero rendition "card"`) {
		t.Fatalf("bad rendition spec: %d %s", code, errOut)
	}
	os.WriteFile(schema, []byte("[[page_type]]\nname = \"news.Note\"\n[[page_type.field]]\nname = \"x\"\ntype = \"text\"\npermission = \"Change X!\"\n"), 0o644)
	if _, errOut, code := run(t, "", "migrate", "--config", cfg); code != 2 || !strings.Contains(errOut, "not a permission codename") {
		t.Fatalf("bad field permission: %d %s", code, errOut)
	}
	// Rules across fields: the fields must exist and be comparable.
	for body, want := range map[string]string{
		"[[page_type]]\nname = \"news.Course\"\n[[page_type.field]]\nname = \"opens\"\ntype = \"datetime\"\n[[page_type.rule]]\nfield = \"opens\"\nafter = \"closes\"\n":                                                           `both "opens" and "closes" must be fields`,
		"[[page_type]]\nname = \"news.Course\"\n[[page_type.field]]\nname = \"opens\"\ntype = \"datetime\"\n[[page_type.field]]\nname = \"title2\"\ntype = \"text\"\n[[page_type.rule]]\nfield = \"opens\"\nbefore = \"title2\"\n": "only two date-time or two integer fields",
		"[[page_type]]\nname = \"news.Course\"\n[[page_type.field]]\nname = \"opens\"\ntype = \"datetime\"\n[[page_type.rule]]\nfield = \"opens\"\n":                                                                               "needs one of after",
	} {
		os.WriteFile(schema, []byte(body), 0o644)
		if _, errOut, code := run(t, "", "migrate", "--config", cfg); code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("bad rule: %d %s, want %q", code, errOut, want)
		}
	}
	os.WriteFile(schema, []byte("[[page_type]]\nname = \"nope\"\n"), 0o644)
	if _, errOut, code := run(t, "", "migrate", "--config", cfg); code != 2 || !strings.Contains(errOut, "app.ModelName") {
		t.Fatalf("bad schema: %d %s", code, errOut)
	}
}

// TestSiteTemplateConfig declares a site template in the config file and
// creates a site from it with the CLI.
func TestSiteTemplateConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "canopy.toml")
	os.WriteFile(cfg, []byte(`data = "data"
site_template = "department"

[site_templates.department]
description = "A department: about, events and a contact office"
features = { events = true }
home_fields = { intro = "Welcome to the department" }

[[site_templates.department.pages]]
type = "canopy.StandardPage"
title = "About us"
slug = "about"
show_in_menus = true
fields = { body = "<p>Who we are</p><script>alert(1)</script>" }

[[site_templates.department.pages]]
type = "canopy.IndexPage"
title = "Events"

[[site_templates.department.pages.children]]
type = "canopy.EventPage"
title = "Open day"
fields = { start = 2027-03-01T10:00:00Z }

[[site_templates.department.snippets.location]]
name = "Main office"
room_number = "1.01"

[site_templates.department.settings.general]
contact_email = "office@dept.example"
`), 0o644)
	out, errOut, code := run(t, "", "site", "templates", "--config", cfg)
	if code != 0 || !strings.Contains(out, "department  yes") || !strings.Contains(out, "standard") {
		t.Fatalf("site templates: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code = run(t, "", "site", "create", "--config", cfg, "--hostname", "chem.example", "--name", "Chemistry", "--default"); code != 0 {
		t.Fatalf("create from the default template: %d %s%s", code, out, errOut)
	}
	if _, errOut, code = run(t, "", "site", "create", "--config", cfg, "--hostname", "std.example", "--name", "Std", "--template", "standard", "--feature", "content_api=off"); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code = run(t, "", "site", "create", "--config", cfg, "--hostname", "x.example", "--name", "X", "--template", "nope"); code != 2 || !strings.Contains(errOut, `no site template "nope"`) {
		t.Fatalf("unknown template: %d %s", code, errOut)
	}
	if _, errOut, code = run(t, "", "site", "create", "--config", cfg, "--hostname", "x.example", "--name", "X", "--feature", "events"); code != 2 || !strings.Contains(errOut, "NAME=on") {
		t.Fatalf("bad feature flag: %d %s", code, errOut)
	}
	if out, errOut, code = run(t, "", "site", "update", "--config", cfg, "--id", "1", "--feature", "news=on", "--feature", "events=unset"); code != 0 || !strings.Contains(out, "features: news=on") {
		t.Fatalf("update features: %d %s%s", code, out, errOut)
	}
	if out, _, _ = run(t, "", "site", "list", "--config", cfg); !strings.Contains(out, "content_api=off") {
		t.Fatalf("site list shows features:\n%s", out)
	}
	db, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(dir, "data", "canopy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	types, _ := canopy.NewPageTypes()
	s := db.Site(1, types)
	about, err := s.PageByURLPath(context.Background(), "/about/")
	if err != nil || !about.Live || about.Fields["body"] != "<p>Who we are</p>" {
		t.Fatalf("template page (rich text sanitised): %+v %v", about, err)
	}
	if ev, err := s.PageByURLPath(context.Background(), "/events/open-day/"); err != nil || ev.Fields["start"] != "2027-03-01T10:00:00Z" {
		t.Fatalf("template event (TOML date-time): %+v %v", ev, err)
	}
	if g, _ := s.Settings(context.Background(), canopy.GeneralSettings); g["contact_email"] != "office@dept.example" {
		t.Fatalf("template settings: %v", g)
	}
	// A template that does not fit the page types stops the command with a message.
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("data = \"data\"\n[[site_templates.broken.pages]]\ntype = \"canopy.EventPage\"\ntitle = \"No start\"\n"), 0o644)
	if _, errOut, code = run(t, "", "site", "list", "--config", bad); code != 2 || !strings.Contains(errOut, `site template broken: page 1 ("No start"): field "start" is required`) {
		t.Fatalf("bad template: %d %s", code, errOut)
	}
}

// TestSearchIndexSurvivesAKill kills canopy generate (sites of thousands of
// published pages, each site's pages imported in one transaction) at a
// random moment, on both databases: whatever was committed has exactly its
// search documents, and nothing else has any.
func TestSearchIndexSurvivesAKill(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			dbURL := testdb.URL(t, d)
			args := []string{"--data", t.TempDir(), "--database", dbURL}
			cmd := exec.Command(binary, append([]string{"generate", "--sites", "50", "--pages-per-site", "3000"}, args...)...)
			cmd.Env = cleanEnv()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			db, err := sqlstore.Open(context.Background(), dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Kill once some sites are in (mid-import of another).
			deadline := time.Now().Add(60 * time.Second)
			for {
				n, _ := db.Count(context.Background(), `SELECT count(*) FROM sites`)
				if n >= 3 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(time.Duration(100+time.Now().UnixNano()%400) * time.Millisecond)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			count := func(q string) int {
				n, err := db.Count(context.Background(), q)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			pages := count(`SELECT count(*) FROM pages WHERE depth > 1 AND live`)
			if pages < 3 {
				t.Fatalf("only %d live pages when killed", pages)
			}
			if missing := count(`SELECT count(*) FROM pages p WHERE p.depth > 1 AND p.live AND NOT EXISTS (
				SELECT 1 FROM search_documents d WHERE d.site_id = p.site_id AND d.kind = 'page' AND d.object_id = p.id AND d.live)`); missing != 0 {
				t.Errorf("%d live pages (of %d) have no search document", missing, pages)
			}
			if orphans := count(`SELECT count(*) FROM search_documents d WHERE d.kind = 'page' AND NOT EXISTS (
				SELECT 1 FROM pages p WHERE p.id = d.object_id AND p.site_id = d.site_id)`); orphans != 0 {
				t.Errorf("%d search documents of pages that were never committed", orphans)
			}
			t.Logf("killed with %d live pages, each indexed", pages)
		})
	}
}
