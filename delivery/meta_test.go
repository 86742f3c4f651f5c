package delivery_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
)

var metaRE = regexp.MustCompile(`<(?:meta (?:property|name)="([^"]+)" content="([^"]*)"|link rel="(canonical)" href="([^"]*)")>`)

// metaTags reads a page's head metadata by property or name.
func metaTags(body string) map[string]string {
	out := map[string]string{}
	for _, m := range metaRE.FindAllStringSubmatch(body, -1) {
		if m[3] != "" {
			out[m[3]] = m[4]
		} else {
			out[m[1]] = m[2]
		}
	}
	return out
}

// TestPageMetadata: a page carries its canonical URL and Open Graph and
// Twitter card tags, absolute from the site's root URL: the title (the SEO
// title when there is one), the description (the search description, else
// the introduction), the page's image as a large card; a page without an
// image has a plain card and no image; the 404 page has no canonical URL.
func TestPageMetadata(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			f := testserver.New(t, dialect, true)
			pic := image.NewRGBA(image.Rect(0, 0, 40, 30))
			for x := 0; x < 40; x++ {
				pic.Set(x, x%30, color.RGBA{200, 40, 90, 255})
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, pic); err != nil {
				t.Fatal(err)
			}
			im, err := f.Svc.StoreImage(ctx, f.Alpha.ID, 0, service.Upload{Filename: "hero.png", Title: "Hero", Data: buf.Bytes(), CollectionID: f.Alpha.RootCollectionID})
			if err != nil {
				t.Fatal(err)
			}
			visit := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Visit us", true, map[string]any{"intro": "Opening hours & directions.", "image": im.ID})
			plain := f.Page(f.Alpha, f.Alpha.RootPageID, canopy.StandardType, "Plain", true, nil)
			root := f.Alpha.RootURL()
			for round := 0; round < 2; round++ {
				r := f.Get("alpha.test", visit.URLPath)
				m := metaTags(r.Body)
				if r.Status != 200 || m["canonical"] != root+visit.URLPath || m["og:url"] != root+visit.URLPath || m["og:title"] != "Visit us" ||
					m["og:description"] != "Opening hours &amp; directions." || m["twitter:card"] != "summary_large_image" ||
					!strings.HasPrefix(m["og:image"], root+"/") || m["twitter:image"] != m["og:image"] || m["og:image:alt"] != "Hero" {
					t.Errorf("round %d, metadata of a page with an image: %d %v", round, r.Status, m)
				}
			}
			m := metaTags(f.Get("alpha.test", plain.URLPath).Body)
			if m["twitter:card"] != "summary" || m["og:image"] != "" || m["og:title"] != "Plain" {
				t.Errorf("metadata of a page without an image: %v", m)
			}
			if m := metaTags(f.Get("alpha.test", "/no-such-page/").Body); m["canonical"] != "" {
				t.Errorf("the 404 page has a canonical URL: %v", m)
			}
		})
	}
}
