package canopy_test

import (
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
)

func TestPathSteps(t *testing.T) {
	for _, n := range []int{1, 35, 36, 1000, canopy.MaxChildren} {
		s := canopy.EncodeStep(n)
		if len(s) != canopy.StepLen || canopy.DecodeStep(s) != n {
			t.Fatalf("step %d -> %q -> %d", n, s, canopy.DecodeStep(s))
		}
	}
	// Tree order is byte order of paths.
	if !(canopy.EncodeStep(9) < canopy.EncodeStep(10) && canopy.EncodeStep(35) < canopy.EncodeStep(36)) {
		t.Fatal("steps do not sort numerically")
	}
	p := canopy.ChildPath(canopy.ChildPath(canopy.RootPath, 2), 7)
	if canopy.ParentPath(p) != canopy.RootPath+"0002" || canopy.DepthOf(p) != 3 {
		t.Fatal(p)
	}
	if got := canopy.AncestorPaths(p); len(got) != 2 || got[0] != canopy.RootPath {
		t.Fatal(got)
	}
	if !(p+"0001" < canopy.PathUpperBound(p) && "00010003" > canopy.PathUpperBound(p)) {
		t.Fatal("upper bound does not bracket descendants")
	}
}

func TestSlugs(t *testing.T) {
	cases := map[string]string{"Christmas Party!": "christmas-party", "  Über café — 2026 ": "über-café-2026", "a--b": "a-b", "***": ""}
	for in, want := range cases {
		if got := canopy.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	if len(canopy.Slugify(strings.Repeat("word ", 200))) > canopy.MaxSlugLen {
		t.Error("slugify does not bound length")
	}
	for _, ok := range []string{"events", "über-2026", "a_b"} {
		if err := canopy.ValidateSlug(ok); err != nil {
			t.Errorf("ValidateSlug(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Events", "a/b", "a b", "..", strings.Repeat("x", 256)} {
		if err := canopy.ValidateSlug(bad); err == nil {
			t.Errorf("ValidateSlug(%q) accepted", bad)
		}
	}
	if _, err := canopy.ValidateTitle("   "); err == nil {
		t.Error("blank title accepted")
	}
}

func TestPageTypes(t *testing.T) {
	types, err := canopy.NewPageTypes(canopy.PageType{Name: "news.PressRelease", SubpageTypes: []string{},
		ParentTypes: []string{canopy.IndexType}, Fields: []canopy.Field{{Name: "summary", Type: canopy.FieldText, Required: true, MaxLength: 10},
			{Name: "related", Type: canopy.FieldPage}}})
	if err != nil {
		t.Fatal(err)
	}
	if pt := types.Get("news.PressRelease"); pt.Template != "press_release.html" || pt.Label != "PressRelease" {
		t.Fatalf("defaults: %+v", pt)
	}
	allowed := []struct {
		parent, child string
		ok            bool
	}{
		{canopy.RootType, canopy.HomeType, true},
		{canopy.RootType, canopy.StandardType, false},
		{canopy.HomeType, canopy.StandardType, true},
		{canopy.EventType, canopy.StandardType, false},
		{canopy.IndexType, "news.PressRelease", true},
		{canopy.HomeType, "news.PressRelease", false},
		{"news.PressRelease", canopy.StandardType, false},
	}
	for _, c := range allowed {
		if got := types.AllowedUnder(c.parent, c.child); got != c.ok {
			t.Errorf("AllowedUnder(%s, %s) = %v", c.parent, c.child, got)
		}
	}
	if got := types.CreatableUnder(canopy.RootType); len(got) != 0 {
		t.Errorf("creatable under root: %v", got)
	}
	pt := types.Get("news.PressRelease")
	clean, refs, err := pt.CleanFields(map[string]any{"summary": "short", "related": float64(7)}, nil)
	if err != nil || clean["related"] != int64(7) || len(refs) != 1 {
		t.Fatalf("CleanFields = %v %v %v", clean, refs, err)
	}
	for _, bad := range []map[string]any{{}, {"summary": "much too long text"}, {"summary": 5}, {"summary": "ok", "nope": 1}, {"summary": "ok", "related": 1.5}} {
		if _, _, err := pt.CleanFields(bad, nil); canopy.ErrorCode(err) != canopy.EINVALID {
			t.Errorf("CleanFields(%v) accepted", bad)
		}
	}
	ev := types.Get(canopy.EventType)
	clean, _, err = ev.CleanFields(map[string]any{"start": "2026-05-01T20:00:00+02:00"}, nil)
	if err != nil || clean["start"] != "2026-05-01T18:00:00Z" {
		t.Fatalf("datetime normalisation: %v %v", clean, err)
	}
	for _, bad := range []canopy.PageType{{Name: "bad"}, {Name: "x.Y", Fields: []canopy.Field{{Name: "title", Type: canopy.FieldText}}},
		{Name: "x.Y", Fields: []canopy.Field{{Name: "a", Type: "blob"}}}, {Name: "x.Y", ParentTypes: []string{"no.Such"}}, {Name: canopy.HomeType}} {
		if _, err := canopy.NewPageTypes(bad); err == nil {
			t.Errorf("NewPageTypes(%+v) accepted", bad)
		}
	}
}
