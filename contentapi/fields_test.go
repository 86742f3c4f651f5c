package contentapi

import (
	"reflect"
	"testing"
)

func TestParseFields(t *testing.T) {
	got, err := parseFields("_,title,-slug,related(title,id),*")
	if err != nil {
		t.Fatal(err)
	}
	want := []fieldItem{{name: "_"}, {name: "title"}, {name: "slug", remove: true},
		{name: "related", sub: []fieldItem{{name: "title"}, {name: "id"}}}, {name: "*"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
	for _, bad := range []string{"", "title,", "a(b", "-a(b)", "a b", "a,,b"} {
		if _, err := parseFields(bad); err == nil {
			t.Errorf("parseFields(%q) accepted", bad)
		}
	}
}
