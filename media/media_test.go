package media_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/media"
)

func TestParseSpec(t *testing.T) {
	for in, want := range map[string]string{
		"original": "original", "width-800": "width-800", "height-600": "height-600", "max-800x600": "max-800x600",
		"min-200x200": "min-200x200", "fill-300x200": "fill-300x200", "fill-300x200-c50": "fill-300x200-c50",
		"fill-300x200-c0": "fill-300x200", "scale-50": "scale-50", "format-webp": "original|format-webp",
		"jpegquality-60|fill-10x10": "fill-10x10|jpegquality-60", "max-100x100|format-png": "max-100x100|format-png",
	} {
		sp, err := media.ParseSpec(in, 5000)
		if err != nil || sp.String() != want {
			t.Errorf("%s: %q %v, want %q", in, sp.String(), err, want)
		}
	}
	for _, bad := range []string{"", "width", "width-0", "width--3", "width-abc", "fill-300", "fill-300x200-z4", "fill-300x200-c101",
		"max-10x10|width-5", "format-bmp", "jpegquality-0", "jpegquality-101", "blur-3", "scale-0", "scale-200", "width-6000", "original-3",
		"format-png|format-jpeg", "width-1e3"} {
		if _, err := media.ParseSpec(bad, 5000); canopy.ErrorCode(err) != canopy.EINVALID {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestPlan(t *testing.T) {
	must := func(s string) media.Spec {
		sp, err := media.ParseSpec(s, 0)
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	for _, c := range []struct {
		spec       string
		w, h       int
		focal      *media.Focal
		outW, outH int
		crop       image.Rectangle
	}{
		{"width-400", 4000, 3000, nil, 400, 300, image.Rect(0, 0, 4000, 3000)},
		{"width-8000", 4000, 3000, nil, 4000, 3000, image.Rect(0, 0, 4000, 3000)}, // never enlarged
		{"height-300", 4000, 3000, nil, 400, 300, image.Rect(0, 0, 4000, 3000)},
		{"max-800x800", 4000, 3000, nil, 800, 600, image.Rect(0, 0, 4000, 3000)},
		{"min-800x800", 4000, 3000, nil, 1067, 800, image.Rect(0, 0, 4000, 3000)},
		{"scale-50", 4000, 3000, nil, 2000, 1500, image.Rect(0, 0, 4000, 3000)},
		{"fill-300x200", 4000, 3000, nil, 300, 200, image.Rect(0, 167, 4000, 2833)},
		{"fill-300x300", 4000, 3000, &media.Focal{X: 3500, Y: 1000, W: 100, H: 100}, 300, 300, image.Rect(1000, 0, 4000, 3000)},
		{"fill-300x300-c100", 4000, 3000, &media.Focal{X: 3500, Y: 1000, W: 100, H: 100}, 300, 300, image.Rect(3400, 900, 3700, 1200)},
		{"fill-300x200", 150, 150, nil, 150, 100, image.Rect(0, 25, 150, 125)}, // smaller source: same shape, not enlarged
	} {
		p := must(c.spec).Plan(c.w, c.h, c.focal)
		if p.OutW != c.outW || p.OutH != c.outH || p.Crop != c.crop {
			t.Errorf("%s on %dx%d: %+v, want %dx%d crop %v", c.spec, c.w, c.h, p, c.outW, c.outH, c.crop)
		}
	}
}

func jpegBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestInspectAndRender(t *testing.T) {
	src := jpegBytes(t, 400, 300)
	info, err := media.InspectImage(src, 1_000_000)
	if err != nil || info.Format != "jpeg" || info.Width != 400 || info.Height != 300 {
		t.Fatalf("%+v %v", info, err)
	}
	for _, c := range []struct {
		spec, format string
		w, h         int
	}{{"fill-100x100", "jpeg", 100, 100}, {"max-200x200|format-png", "png", 200, 150}, {"width-50|format-webp", "webp", 50, 38}, {"original", "jpeg", 400, 300}} {
		sp, _ := media.ParseSpec(c.spec, 0)
		r, err := media.Render(src, "jpeg", sp, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := media.InspectImage(r.Data, 0)
		if err != nil || got.Format != c.format || got.Width != c.w || got.Height != c.h || r.Width != c.w {
			t.Errorf("%s: %+v %v", c.spec, got, err)
		}
	}
	// Not an image, SVG, truncated, a decompression bomb (header says 100,000 × 100,000).
	if _, err := media.InspectImage([]byte("%PDF-1.4 hello"), 0); canopy.ErrorCode(err) != canopy.EINVALID {
		t.Errorf("pdf: %v", err)
	}
	if _, err := media.InspectImage([]byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>`), 0); err == nil || !strings.Contains(err.Error(), "SVG") {
		t.Errorf("svg: %v", err)
	}
	if _, err := media.InspectImage(src[:len(src)/2], 0); canopy.ErrorCode(err) != canopy.EINVALID || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated: %v", err)
	}
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	bomb := b.Bytes()
	bomb[16], bomb[17], bomb[18], bomb[19] = 0, 1, 0x86, 0xA0 // width 100000
	bomb[20], bomb[21], bomb[22], bomb[23] = 0, 1, 0x86, 0xA0 // height 100000 (the header CRC is not checked by DecodeConfig)
	if _, err := media.InspectImage(bomb, 50_000_000); canopy.ErrorCode(err) != canopy.ETOOLARGE && canopy.ErrorCode(err) != canopy.EINVALID {
		t.Errorf("bomb: %v", err)
	}
}

// TestStores runs the same checks on the local directory store and on an S3
// server run inside the test.
func TestStores(t *testing.T) {
	ctx := context.Background()
	backend := s3mem.New()
	faker := gofakes3.New(backend)
	ts := httptest.NewServer(faker.Server())
	defer ts.Close()
	if err := backend.CreateBucket("canopy-media"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	urls := map[string]string{
		"local": t.TempDir(),
		"s3":    "s3://canopy-media?region=us-east-1&use_path_style=true&disable_https=true&endpoint=" + ts.URL,
	}
	for name, u := range urls {
		t.Run(name, func(t *testing.T) {
			s, err := media.OpenStore(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, k := range []string{"sites/1/images/a.jpg", "sites/1/renditions/1/x.jpg", "sites/12/images/b.jpg"} {
				if err := s.Put(ctx, k, []byte("data of "+k), "image/jpeg"); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.ReadAll(ctx, "sites/1/images/a.jpg")
			if err != nil || string(got) != "data of sites/1/images/a.jpg" {
				t.Fatalf("read: %q %v", got, err)
			}
			if _, err := s.Open(ctx, "sites/1/nope"); canopy.ErrorCode(err) != canopy.ENOTFOUND {
				t.Fatalf("missing: %v", err)
			}
			n, err := s.DeletePrefix(ctx, media.SitePrefix(1))
			if err != nil || n != 2 {
				t.Fatalf("delete prefix: %d %v", n, err)
			}
			if keys, _ := s.Keys(ctx, "sites/"); len(keys) != 1 || keys[0] != "sites/12/images/b.jpg" {
				t.Fatalf("left: %v (site 12's file must stay)", keys)
			}
			if err := s.Delete(ctx, "sites/12/images/b.jpg"); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, "sites/12/images/b.jpg"); err != nil {
				t.Fatalf("deleting a missing file: %v", err)
			}
		})
	}
}

// TestRenderKeepsColours: the pre-halving of large sources keeps colours (a
// solid colour stays that colour, for JPEG's subsampled chroma too).
func TestRenderKeepsColours(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 1601, 1201))
	for y := 0; y < 1201; y++ {
		for x := 0; x < 1601; x++ {
			img.Set(x, y, color.RGBA{200, 40, 60, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	var p bytes.Buffer
	png.Encode(&p, img)
	for _, c := range []struct {
		format string
		data   []byte
	}{{"jpeg", b.Bytes()}, {"png", p.Bytes()}} {
		sp, _ := media.ParseSpec("fill-100x80|format-png", 0)
		r, err := media.Render(c.data, c.format, sp, &media.Focal{X: 1201, Y: 1, W: 300, H: 300})
		if err != nil {
			t.Fatal(err)
		}
		out, err := png.Decode(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range []image.Point{{0, 0}, {50, 40}, {99, 79}} {
			cr, cg, cb, _ := out.At(pt.X, pt.Y).RGBA()
			if d := absDiff(cr>>8, 200) + absDiff(cg>>8, 40) + absDiff(cb>>8, 60); d > 24 {
				t.Errorf("%s at %v: %d,%d,%d, want about 200,40,60", c.format, pt, cr>>8, cg>>8, cb>>8)
			}
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// withOrientation inserts an EXIF APP1 segment with the orientation tag.
func withOrientation(jpg []byte, o byte) []byte {
	tiff := []byte{'I', 'I', 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, o, 0, 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	n := len(payload) + 2
	seg := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	return append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
}

// TestOrientation: a photo stored on its side (EXIF orientation 6, "turn 90°
// clockwise") has display dimensions and renditions turned upright.
func TestOrientation(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 80, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 80; x++ {
			c := color.RGBA{220, 20, 20, 255} // left half red
			if x >= 40 {
				c = color.RGBA{20, 20, 220, 255} // right half blue
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	for o, want := range map[byte][2]string{6: {"red", "blue"}, 8: {"blue", "red"}, 1: {"", ""}} {
		src := withOrientation(b.Bytes(), o)
		if got := media.Orientation("jpeg", src); got != int(o) {
			t.Fatalf("orientation %d read as %d", o, got)
		}
		info, err := media.InspectImage(src, 0)
		if err != nil {
			t.Fatal(err)
		}
		if o == 1 {
			if info.Width != 80 || info.Height != 40 {
				t.Fatalf("orientation 1: %dx%d", info.Width, info.Height)
			}
			continue
		}
		if info.Width != 40 || info.Height != 80 {
			t.Fatalf("orientation %d: display size %dx%d, want 40x80", o, info.Width, info.Height)
		}
		sp, _ := media.ParseSpec("width-20|format-png", 0)
		r, err := media.Render(src, "jpeg", sp, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := png.Decode(bytes.NewReader(r.Data))
		if out.Bounds().Dx() != 20 || out.Bounds().Dy() != 40 {
			t.Fatalf("orientation %d: rendition %v", o, out.Bounds())
		}
		colour := func(x, y int) string {
			r, _, bl, _ := out.At(x, y).RGBA()
			if r > bl {
				return "red"
			}
			return "blue"
		}
		if colour(10, 5) != want[0] || colour(10, 35) != want[1] {
			t.Errorf("orientation %d: top %s, bottom %s; want %v", o, colour(10, 5), colour(10, 35), want)
		}
	}
}
