package canopy_test

import (
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
)

// TestParseSearch: what a user types becomes words, phrases, prefixes and
// AND/OR groups; search-engine syntax is never passed on; bad input is a
// clear error naming the field.
func TestParseSearch(t *testing.T) {
	for _, c := range []struct{ q, op, want string }{
		{"Galaxies far away", "", "galaxies AND far AND away"},
		{"galaxies far", "or", "galaxies OR far"},
		{`"the dark side" moon`, "and", `"the dark side" AND moon`},
		{"gal*", "", "gal*"},
		{"stars OR planets moons", "", "stars OR planets AND moons"},
		{"stars AND planets", "or", "stars AND planets"},
		{"the galaxy of stars", "", "galaxy AND stars"},
		{`title:secret NEAR(a b) -x ^y (z)`, "", "title AND secret AND near AND b AND x AND y AND z"},
		{`unclosed "quote here`, "", `unclosed AND "quote here"`},
		{"Über Café", "", "über AND café"},
		{"OR stars OR", "", "stars"},
	} {
		q, err := canopy.ParseSearch(c.q, c.op)
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		if got := q.String(); got != c.want {
			t.Errorf("%q (%s): %s, want %s", c.q, c.op, got, c.want)
		}
	}
	for _, c := range []struct{ q, op, field, msg string }{
		{"", "", "search", "type something"},
		{"   ", "", "search", "type something"},
		{"the and of", "", "search", "not as common"},
		{`"" :: () **`, "", "search", "not as common"},
		{strings.Repeat("a", 1001), "", "search", "longer than 1000"},
		{"stars", "xor", "search_operator", "and or or"},
	} {
		_, err := canopy.ParseSearch(c.q, c.op)
		if canopy.ErrorCode(err) != canopy.EINVALID || canopy.ErrorField(err) != c.field || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%.40q: %v (field %q), want invalid %s: %s", c.q, err, canopy.ErrorField(err), c.field, c.msg)
		}
	}
}
