package canopy_test

import (
	"testing"

	"github.com/canopy-cms/canopy"
)

// TestIsLocalPath: the WHATWG URL parser's tricks (tabs and newlines dropped,
// backslash read as slash, leading spaces trimmed) and their percent-encoded
// forms never pass as a same-host path.
func TestIsLocalPath(t *testing.T) {
	for _, c := range []struct {
		next string
		ok   bool
	}{
		{"/", true}, {"/about/", true}, {"/about/?a=1&b=2#x", true}, {"/a%20b/", true}, {"/caf%C3%A9/", true},
		{"", false}, {"about/", false}, {"//evil.test", false}, {"///evil.test", false}, {"/\\evil.test", false}, {"\\\\evil.test", false},
		{"/\t/evil.test", false}, {"/%09/evil.test", false}, {"/\n/evil.test", false}, {"/%0a/evil.test", false}, {"/%0D%0A/evil.test", false},
		{"/%5Cevil.test", false}, {"/%5cevil.test", false}, {"/%2F/evil.test", false}, {"/%2f%2fevil.test", false}, {"/%252F/evil.test", false},
		{"/%25252F%25252Fevil.test", false}, {" //evil.test", false}, {"/\x00", false}, {"/%00", false}, {"/\x1b", false},
		{"https://evil.test/", false}, {"http:/evil.test", false}, {"javascript:alert(1)", false}, {"/%E2%80%A8/evil.test", false},
		{"/\u200b/evil.test", false}, {"/%ZZ", false}, {"/\xff", false},
	} {
		if got := canopy.IsLocalPath(c.next); got != c.ok {
			t.Errorf("IsLocalPath(%q) = %v, want %v", c.next, got, c.ok)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, s := range []string{"a\x00b", "a\x1bb", "a\tb", "a\nb", "a\rb", "a\x7fb", "a\u0085b", "a\xffb"} {
		if canopy.CheckText("title", s, 0) == nil {
			t.Errorf("CheckText(%q) passed", s)
		}
	}
	if err := canopy.CheckText("title", "Café – “ok” 🌿", 20); err != nil {
		t.Error(err)
	}
	if canopy.CheckText("title", "abcdef", 5) == nil {
		t.Error("over max passed")
	}
}
