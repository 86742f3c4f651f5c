package delivery_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
)

// TestMediaInPages: image and document fields, rich-text media references and
// the settings' logo, in templates and the content API; references never
// cross sites.
func TestMediaInPages(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			rootA := f.Login("alpha.test", "root")
			rootB := f.Login("beta.test", "root")
			anonA := &testserver.Client{T: t, F: f.Fixture, Host: "alpha.test"}
			_, img := rootA.Upload("/admin/api/images", "harbour.jpg", testserver.JPEG(t, 800, 600), map[string]string{"tags": "sea"})
			_, doc := rootA.Upload("/admin/api/documents", "programme.pdf", []byte("%PDF-1.4 programme"), nil)
			_, bimg := rootB.Upload("/admin/api/images", "beta.jpg", testserver.JPEG(t, 50, 50), nil)
			imgID, docID, bimgID := int64(img["id"].(float64)), int64(doc["id"].(float64)), int64(bimg["id"].(float64))

			pages := f.Svc.Pages(f.Alpha.ID)
			// Another site's image: refused in a field, in rich text and as the logo.
			for _, fields := range []map[string]any{{"image": bimgID}, {"body": fmt.Sprintf(`<p><img data-image-id="%d"></p>`, bimgID)}} {
				if _, err := pages.Create(ctx, f.Alpha.RootPageID, service.PageInput{Type: canopy.StandardType, Title: "Bad", Fields: fields}, 0, true); canopy.ErrorCode(err) != canopy.EINVALID {
					t.Fatalf("another site's image in %v: %v", fields, err)
				}
			}
			if status, body := rootA.Do("PUT", "/admin/api/settings/general", map[string]any{"logo": bimgID}); status != 400 {
				t.Fatalf("another site's logo: %d %v", status, body)
			}
			body := fmt.Sprintf(`<p>See <img data-image-id="%d" alt="The harbour" src="javascript:alert(1)"> and <a data-document-id="%d">the programme</a>.</p>`, imgID, docID)
			p, err := pages.Create(ctx, f.Alpha.RootPageID, service.PageInput{Type: canopy.StandardType, Title: "Harbour", Fields: map[string]any{"image": imgID, "body": body}}, 0, true)
			if err != nil {
				t.Fatal(err)
			}
			if status, resp := rootA.Do("PUT", "/admin/api/settings/general", map[string]any{"logo": imgID}); status != 200 {
				t.Fatalf("logo: %d %v", status, resp)
			}
			html := f.Get("alpha.test", "/harbour/").Body
			for _, want := range []string{`class="logo" src="/media/images/`, `/max-200x60/harbour-`, `width="800" height="600" alt="harbour"`,
				`alt="The harbour"`, `/max-1200x1200/harbour-`, `href="/media/documents/` + fmt.Sprint(docID) + `/programme.pdf"`} {
				if !strings.Contains(html, want) {
					t.Errorf("page lacks %s:\n%s", want, html)
				}
			}
			if strings.Contains(html, "javascript:") {
				t.Fatal("a script URL survived in rich text")
			}
			// The image's rendition in the page works for a visitor.
			i := strings.Index(html, `<figure><img src="`)
			src := html[i+len(`<figure><img src="`):]
			src = src[:strings.Index(src, `"`)]
			if status, h, _ := anonA.Fetch(src); status != 200 || h.Get("Content-Type") != "image/jpeg" {
				t.Fatalf("page image %s: %d", src, status)
			}

			// Content API: the page's image field with renditions; images and documents listings.
			r := f.Get("alpha.test", fmt.Sprintf("/api/v2/pages/%d/?fields=image", p.ID))
			var detail map[string]any
			json.Unmarshal([]byte(r.Body), &detail)
			im, _ := detail["image"].(map[string]any)
			if im == nil || im["width"].(float64) != 800 || im["renditions"].(map[string]any)["thumbnail"].(map[string]any)["width"].(float64) != 300 {
				t.Fatalf("page API image field: %s", r.Body)
			}
			if !strings.HasPrefix(im["meta"].(map[string]any)["download_url"].(string), "http://alpha.test/media/images/") {
				t.Fatalf("download_url: %v", im["meta"])
			}
			var list map[string]any
			json.Unmarshal([]byte(f.Get("alpha.test", "/api/v2/images/").Body), &list)
			if list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("alpha's images API: %v", list)
			}
			json.Unmarshal([]byte(f.Get("alpha.test", "/api/v2/images/?tags=sea").Body), &list)
			if list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("tag filter: %v", list)
			}
			if r := f.Get("alpha.test", fmt.Sprintf("/api/v2/images/%d/", bimgID)); r.Status != 404 || !strings.Contains(r.Body, `"message"`) {
				t.Fatalf("beta's image on alpha's API: %d %s", r.Status, r.Body)
			}
			if r := f.Get("alpha.test", "/api/v2/images/?colour=red"); r.Status != 400 {
				t.Fatalf("unknown parameter: %d", r.Status)
			}
			// Documents in a private collection leave the listing for anonymous requests.
			json.Unmarshal([]byte(f.Get("alpha.test", "/api/v2/documents/").Body), &list)
			if list["meta"].(map[string]any)["total_count"].(float64) != 1 {
				t.Fatalf("documents API: %v", list)
			}
			if status, resp := rootA.Do("PUT", fmt.Sprintf("/admin/api/collections/%d/privacy", f.Alpha.RootCollectionID), map[string]any{"type": "login"}); status != 200 {
				t.Fatalf("privacy: %d %v", status, resp)
			}
			json.Unmarshal([]byte(f.Get("alpha.test", "/api/v2/documents/").Body), &list)
			if list["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("private document listed for an anonymous request: %v", list)
			}
			if r := f.Get("alpha.test", fmt.Sprintf("/api/v2/documents/%d/", docID)); r.Status != 404 {
				t.Fatalf("private document detail: %d", r.Status)
			}
			status, _, b := rootA.Fetch("/api/v2/documents/")
			if status != 200 || !strings.Contains(string(b), `"total_count": 1`) {
				t.Fatalf("logged-in member: %d %s", status, b)
			}
			// A password: the document asks for it, a wrong one is refused,
			// the right one opens the collection's documents.
			coll := fmt.Sprint(f.Alpha.RootCollectionID)
			if status, resp := rootA.Do("PUT", "/admin/api/collections/"+coll+"/privacy", map[string]any{"type": "password", "password": "open sesame"}); status != 200 {
				t.Fatalf("password privacy: %d %v", status, resp)
			}
			docPath := fmt.Sprintf("/media/documents/%d/programme.pdf", docID)
			r = f.Get("alpha.test", docPath)
			if r.Status != 401 || !strings.Contains(r.Body, `action="/_password/collection/`+coll+`/"`) || !strings.Contains(r.Body, "document is protected") ||
				r.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("a password-protected document: %d %v", r.Status, r.Header)
			}
			form := url.Values{"password": {"nope"}, "next": {docPath}}
			if status, _, _ := f.Post("alpha.test", "/_password/collection/"+coll+"/", form); status != 401 {
				t.Fatalf("wrong password: %d", status)
			}
			form.Set("password", "open sesame")
			status, h, _ := f.Post("alpha.test", "/_password/collection/"+coll+"/", form)
			pw := cookieNamed(h, "canopy_pw_c"+coll)
			if status != 303 || pw == nil {
				t.Fatalf("right password: %d %v", status, h)
			}
			if r := f.Get("alpha.test", docPath, "Cookie", pw.Name+"="+pw.Value); r.Status != 200 {
				t.Fatalf("after the password: %d", r.Status)
			}
			if r := f.Get("alpha.test", docPath, "Cookie", pw.Name+"=forged"); r.Status == 200 {
				t.Fatal("a forged cookie passed")
			}
			// Beta's collection id on alpha's host: 404; a page's password form is not a collection's.
			if status, _, _ := f.Post("alpha.test", fmt.Sprintf("/_password/collection/%d/", f.Beta.RootCollectionID), form); status != 404 {
				t.Fatalf("beta's collection on alpha: %d", status)
			}
			json.Unmarshal([]byte(f.Get("alpha.test", "/api/v2/documents/").Body), &list)
			if list["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("a password-protected document is listed: %v", list)
			}
		})
	}
}
