package canopy_test

import (
	"testing"

	"github.com/canopy-cms/canopy"
)

func TestSiteResolution(t *testing.T) {
	site := func(id int64, host string, port int, def bool) *canopy.Site {
		return &canopy.Site{ID: id, Hostname: host, Port: port, IsDefault: def}
	}
	withDefault := canopy.NewSiteTable([]*canopy.Site{
		site(1, "localhost", 80, true),
		site(2, "alpha.localhost", 80, false),
		site(3, "multi.example", 80, false),
		site(4, "multi.example", 8080, false),
		site(5, "localhost", 9000, false),
	})
	noDefault := canopy.NewSiteTable([]*canopy.Site{
		site(2, "alpha.localhost", 80, false),
		site(3, "multi.example", 80, false),
		site(4, "multi.example", 8080, false),
	})
	cases := []struct {
		name  string
		table *canopy.SiteTable
		host  string
		port  int
		want  int64
	}{
		{"exact host and port", withDefault, "alpha.localhost", 80, 2},
		{"exact port among several", withDefault, "multi.example", 8080, 4},
		{"exact match beats default hostname", withDefault, "localhost", 9000, 5},
		{"default wins its hostname on any port", withDefault, "localhost", 8000, 1},
		{"unknown port, one site for hostname", withDefault, "alpha.localhost", 8000, 2},
		{"unknown port, several sites for hostname", withDefault, "multi.example", 9999, 1},
		{"unknown hostname goes to default", withDefault, "nowhere.example", 80, 1},
		{"malformed host is an unknown hostname", withDefault, "", 80, 1},
		{"no default: unknown host has no site", noDefault, "nowhere.example", 80, 0},
		{"no default: one rank-3 candidate", noDefault, "alpha.localhost", 8000, 2},
		{"no default: several rank-3 candidates", noDefault, "multi.example", 9999, 0},
		{"no default: exact", noDefault, "multi.example", 8080, 4},
		{"empty table", canopy.NewSiteTable(nil), "localhost", 80, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.table.Match(c.host, c.port)
			var id int64
			if got != nil {
				id = got.ID
			}
			if id != c.want {
				t.Fatalf("Match(%q, %d) = site %d, want %d", c.host, c.port, id, c.want)
			}
		})
	}
}

func TestParseHostHeader(t *testing.T) {
	cases := []struct {
		in   string
		host string
		port int
		ok   bool
	}{
		{"Example.ORG.:8080", "example.org", 8080, true},
		{"alpha.localhost", "alpha.localhost", 0, true},
		{"[::1]:8000", "[::1]", 8000, true},
		{"[0:0::1]", "[::1]", 0, true},
		{"127.0.0.1:80", "127.0.0.1", 80, true},
		{"a:b:c", "", 0, false},
		{":80", "", 0, false},
		{"host:99999", "", 0, false},
		{"host:", "host", 0, true}, // RFC 3986 allows an empty port
		{"exa mple.org", "", 0, false},
		{"evil.org/x", "", 0, false},
		{"[::1", "", 0, false},
		{"", "", 0, false},
	}
	for _, c := range cases {
		h, p, ok := canopy.ParseHostHeader(c.in)
		if h != c.host || p != c.port || ok != c.ok {
			t.Errorf("ParseHostHeader(%q) = %q, %d, %v; want %q, %d, %v", c.in, h, p, ok, c.host, c.port, c.ok)
		}
	}
}

func TestNormalizeHostname(t *testing.T) {
	good := map[string]string{"Example.org.": "example.org", "localhost": "localhost", "10.0.0.1": "10.0.0.1",
		"[::1]": "[::1]", "xn--bcher-kva.example": "xn--bcher-kva.example", " alpha.localhost ": "alpha.localhost"}
	for in, want := range good {
		if got, err := canopy.NormalizeHostname(in); err != nil || got != want {
			t.Errorf("NormalizeHostname(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "bad_host", "-x.org", "x-.org", "a..b", "::1", "[zz]", "with space.org", "ex/ample"} {
		if _, err := canopy.NormalizeHostname(in); canopy.ErrorCode(err) != canopy.EINVALID {
			t.Errorf("NormalizeHostname(%q) accepted", in)
		}
	}
}

func TestSiteDisplay(t *testing.T) {
	s := &canopy.Site{Hostname: "example.org", Port: 8080}
	if s.DisplayName() != "example.org:8080" || s.RootURL() != "http://example.org:8080" {
		t.Fatal(s.DisplayName(), s.RootURL())
	}
	s.Port, s.Name = 443, "Example"
	if s.DisplayName() != "Example" || s.RootURL() != "https://example.org" {
		t.Fatal(s.DisplayName(), s.RootURL())
	}
}
