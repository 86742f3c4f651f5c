package delivery_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/media"
)

// s3Store starts an S3 server inside the test and opens a bucket on it.
func s3Store(t *testing.T) *media.Store {
	t.Helper()
	backend := s3mem.New()
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(ts.Close)
	if err := backend.CreateBucket("media"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "canopy")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "canopy-secret")
	s, err := media.OpenStore(ctx, "s3://media?region=us-east-1&use_path_style=true&disable_https=true&endpoint="+ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMediaOnS3 runs uploads, renditions, downloads and deletions with the
// S3-compatible storage: the same behaviour as on local files.
func TestMediaOnS3(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			f.Svc.Media = s3Store(t)
			root := f.Login("alpha.test", "root")
			anon := &testserver.Client{T: t, F: f.Fixture, Host: "alpha.test"}
			status, img := root.Upload("/admin/api/images", "pier.jpg", testserver.JPEG(t, 320, 240), nil)
			if status != 201 {
				t.Fatalf("upload to S3: %d %v", status, img)
			}
			_, ref := root.Do("GET", "/admin/api/images/"+testserver.ID(img["id"])+"/rendition?spec=fill-100x100|format-png", nil)
			status, h, b := anon.Fetch(ref["url"].(string))
			if info, err := media.InspectImage(b, 0); status != 200 || h.Get("Content-Type") != "image/png" || err != nil || info.Width != 100 {
				t.Fatalf("rendition from S3: %d %v %+v %v", status, h, info, err)
			}
			if status, _, _ := anon.Fetch(ref["url"].(string)); status != 200 {
				t.Fatal("stored rendition not served again")
			}
			_, doc := root.Upload("/admin/api/documents", "notes.txt", []byte("plain notes"), nil)
			if status, h, b := anon.Fetch(doc["download_url"].(string)); status != 200 || string(b) != "plain notes" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
				t.Fatalf("document from S3: %d %v %q", status, h, b)
			}
			keys, _ := f.Svc.Media.Keys(ctx, media.SitePrefix(f.Alpha.ID))
			if len(keys) != 3 {
				t.Fatalf("stored: %v", keys)
			}
			if status, _ := root.Do("DELETE", "/admin/api/images/"+testserver.ID(img["id"]), nil); status != 204 {
				t.Fatal("delete image")
			}
			if keys, _ = f.Svc.Media.Keys(ctx, media.SitePrefix(f.Alpha.ID)); len(keys) != 1 {
				t.Fatalf("after deleting the image (original and rendition gone): %v", keys)
			}
			if _, err := f.Svc.DeleteSite(ctx, f.Alpha.ID, f.Beta.ID); err != nil {
				t.Fatal(err)
			}
			if keys, _ = f.Svc.Media.Keys(ctx, "sites/"); len(keys) != 0 {
				t.Fatalf("after deleting the site: %v", keys)
			}
		})
	}
}
