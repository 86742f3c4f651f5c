package adminapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
)

// oembedProvider is an oEmbed provider served inside the test: /watch/ID
// pages, whose answer is an iframe of /embed/ID (and, to be removed, a
// script and an iframe of another host); /watch/broken answers 500.
func oembedProvider(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oembed" {
			http.NotFound(w, r)
			return
		}
		calls.Add(1)
		u := r.URL.Query().Get("url")
		id := u[strings.LastIndexByte(u, '/')+1:]
		if id == "broken" || r.URL.Query().Get("format") != "json" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "video", "title": "Telescope tour " + id, "width": 640, "height": 360,
			"html": fmt.Sprintf(`<iframe src="%s/embed/%s" width="640" height="360" title="Telescope tour"></iframe><script>alert(1)</script><iframe src="https://evil.test/x"></iframe>`, srv.URL, id)})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestRichTextEmbeds: a URL on a line of its own in rich text becomes an
// embed when a provider of the installation answers for it: fetched once,
// sanitised (its script and foreign iframe gone), kept, shown on the public
// page; an unknown URL, or one whose provider fails, stays a plain link; a
// URL inside a sentence is left alone.
func TestRichTextEmbeds(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			prov, calls := oembedProvider(t)
			host := strings.TrimPrefix(prov.URL, "https://")
			var err error
			f.Svc.Embeds, err = service.NewEmbedder([]service.OEmbedProvider{{Name: "Test video", Endpoint: prov.URL + "/oembed",
				URLs: []string{prov.URL + "/watch/*"}, FrameHosts: []string{host}}}, prov.Client())
			if err != nil {
				t.Fatal(err)
			}
			root := f.Login("alpha.test", "root")
			body := fmt.Sprintf(`<p>Watch this:</p><p>%[1]s/watch/abc</p><p><a href="%[1]s/watch/abc">%[1]s/watch/abc</a></p><p>See %[1]s/watch/inline in a sentence.</p><p>https://unknown.example/video/1</p><p>%[1]s/watch/broken</p>`, prov.URL)
			status, page := root.Do("POST", fmt.Sprintf("/admin/api/pages/%d/children", f.Alpha.RootPageID), map[string]any{"type": "canopy.StandardPage",
				"title": "Tour", "fields": map[string]any{"body": body}})
			if status != 201 {
				t.Fatalf("create: %d %v", status, page)
			}
			saved := page["fields"].(map[string]any)["body"].(string)
			embed := fmt.Sprintf(`<figure class="embed" data-embed-url="%s/watch/abc"><a href="%[1]s/watch/abc">Telescope tour abc</a></figure>`, prov.URL)
			for _, want := range []string{embed, "See " + prov.URL + "/watch/inline in a sentence.",
				`<p><a href="https://unknown.example/video/1">https://unknown.example/video/1</a></p>`,
				fmt.Sprintf(`<p><a href="%[1]s/watch/broken">%[1]s/watch/broken</a></p>`, prov.URL)} {
				if !strings.Contains(saved, want) {
					t.Errorf("saved body lacks %s\n%s", want, saved)
				}
			}
			if strings.Count(saved, "<figure") != 2 {
				t.Errorf("both lines of the known URL are embeds: %s", saved)
			}
			// Fetched once: abc (twice in the text) and broken.
			if n := calls.Load(); n != 2 {
				t.Errorf("%d calls to the provider, want 2", n)
			}
			id := testserver.ID(page["id"])
			if status, _ := root.Do("POST", "/admin/api/pages/"+id+"/publish", nil); status != 200 {
				t.Fatal("publish")
			}
			// Saved again (the editor sends the placeholder back): no new call.
			if status, body := root.Do("PATCH", "/admin/api/pages/"+id, map[string]any{"fields": map[string]any{"body": saved}}); status != 200 {
				t.Fatalf("save again: %d %v", status, body)
			}
			if n := calls.Load(); n != 3 { // only "broken", which is still a plain link, is asked again
				t.Errorf("%d calls after saving again, want 3", n)
			}
			r := f.Get("alpha.test", "/tour/")
			frame := fmt.Sprintf(`<iframe src="%s/embed/abc" width="640" height="360" title="Telescope tour"></iframe>`, prov.URL)
			if r.Status != 200 || !strings.Contains(r.Body, frame) || strings.Contains(r.Body, "alert(1)") || strings.Contains(r.Body, "evil.test") {
				t.Errorf("public page: %d\n%s", r.Status, r.Body)
			}
		})
	}
}
