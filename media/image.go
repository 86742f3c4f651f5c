package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/HugoSmits86/nativewebp"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/canopy-cms/canopy"
)

// ImageInfo is what inspecting an upload found.
type ImageInfo struct {
	Format        string // jpeg, png, gif, webp
	Width, Height int
}

// MIME is the content type of an image format.
func MIME(format string) string {
	switch format {
	case "jpeg":
		return "image/jpeg"
	case "png":
		return "image/png"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	}
	return "application/octet-stream"
}

// Ext is the file extension (with the dot) of an image format.
func Ext(format string) string {
	if format == "jpeg" {
		return ".jpg"
	}
	return "." + format
}

// SniffImage names the image format from the first bytes of a file (not from
// its name or the browser's word): jpeg, png, gif, webp, "svg", or "".
func SniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "webp"
	}
	head := bytes.ToLower(bytes.TrimSpace(b[:min(len(b), 1024)]))
	if bytes.HasPrefix(head, []byte("<svg")) || (bytes.HasPrefix(head, []byte("<?xml")) || bytes.HasPrefix(head, []byte("<!doctype svg"))) && bytes.Contains(head, []byte("<svg")) {
		return "svg"
	}
	return ""
}

// InspectImage checks an uploaded image: its real type must be JPEG, PNG,
// GIF or WebP; its pixel count within maxPixels (read from the header before
// any decoding, so a decompression bomb is refused cheaply); and it must
// decode completely (a truncated file is refused).
func InspectImage(b []byte, maxPixels int64) (ImageInfo, error) {
	info, cfg, err := inspectHeader(b, maxPixels)
	if err != nil {
		return ImageInfo{}, err
	}
	return inspectPixels(b, info, cfg)
}

// inspectHeader is InspectImage's part that reads only the file's header:
// the type and the pixel count.
func inspectHeader(b []byte, maxPixels int64) (ImageInfo, image.Config, error) {
	format := SniffImage(b)
	switch format {
	case "":
		return ImageInfo{}, image.Config{}, canopy.Errorf(canopy.EINVALID, "the file is not a JPEG, PNG, GIF or WebP image")
	case "svg":
		return ImageInfo{}, image.Config{}, canopy.Errorf(canopy.EINVALID, "SVG images are not accepted (they can carry scripts); upload a PNG instead, or upload the SVG as a document")
	}
	cfg, err := decodeConfig(format, b)
	if err != nil {
		return ImageInfo{}, cfg, canopy.Errorf(canopy.EINVALID, "the %s image cannot be read: %v", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return ImageInfo{}, cfg, canopy.Errorf(canopy.EINVALID, "the image has no pixels")
	}
	if px := int64(cfg.Width) * int64(cfg.Height); maxPixels > 0 && px > maxPixels {
		return ImageInfo{}, cfg, canopy.Errorf(canopy.ETOOLARGE, "the image is %d×%d = %d pixels; the limit is %d", cfg.Width, cfg.Height, px, maxPixels)
	}
	return ImageInfo{Format: format, Width: cfg.Width, Height: cfg.Height}, cfg, nil
}

// inspectPixels is InspectImage's part that decodes the whole image (a
// truncated or damaged file is refused) and turns width and height as the
// image is displayed.
func inspectPixels(b []byte, info ImageInfo, cfg image.Config) (ImageInfo, error) {
	if _, err := decode(info.Format, b); err != nil {
		return ImageInfo{}, canopy.Errorf(canopy.EINVALID, "the %s image is damaged or truncated: %v", info.Format, err)
	}
	// Width and height as displayed: a photo taken upright is stored on its side.
	if swapsAxes(Orientation(info.Format, b)) {
		info.Width, info.Height = cfg.Height, cfg.Width
	}
	return info, nil
}

func decodeConfig(format string, b []byte) (image.Config, error) {
	r := bytes.NewReader(b)
	switch format {
	case "jpeg":
		return jpeg.DecodeConfig(r)
	case "png":
		return png.DecodeConfig(r)
	case "gif":
		return gif.DecodeConfig(r)
	case "webp":
		return webp.DecodeConfig(r)
	}
	return image.Config{}, fmt.Errorf("unsupported format %s", format)
}

func decode(format string, b []byte) (image.Image, error) {
	r := bytes.NewReader(b)
	switch format {
	case "jpeg":
		return jpeg.Decode(r)
	case "png":
		return png.Decode(r)
	case "gif":
		return gif.Decode(r)
	case "webp":
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("unsupported format %s", format)
}

// Rendition is a generated image.
type Rendition struct {
	Data          []byte
	Format        string
	Width, Height int
}

// Render applies a spec to a source image of the given format.
func Render(src []byte, format string, sp Spec, focal *Focal) (*Rendition, error) {
	img, err := decode(format, src)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", format, err)
	}
	b := img.Bounds()
	// Sizes, crop and focal point are in display orientation; the scaling
	// works on the stored pixels and the small result is turned at the end.
	o := Orientation(format, src)
	dispW, dispH := b.Dx(), b.Dy()
	if swapsAxes(o) {
		dispW, dispH = dispH, dispW
	}
	plan := sp.Plan(dispW, dispH, focal)
	crop := storedRect(plan.Crop, b.Dx(), b.Dy(), o).Add(b.Min)
	outW, outH := plan.OutW, plan.OutH
	if swapsAxes(o) {
		outW, outH = outH, outW
	}
	out := sp.OutputFormat(format)
	var dst draw.Image
	op := draw.Src
	if out == "jpeg" {
		dst = image.NewRGBA(image.Rect(0, 0, outW, outH))
		if !opaque(img) { // JPEG has no alpha: flatten on white
			draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
			op = draw.Over
		}
	} else {
		dst = image.NewNRGBA(image.Rect(0, 0, outW, outH))
	}
	if crop.Dx() == outW && crop.Dy() == outH {
		draw.Draw(dst, dst.Bounds(), img, crop.Min, op)
	} else {
		src := img
		if sub, ok := img.(interface {
			SubImage(image.Rectangle) image.Image
		}); ok {
			src = reduce(sub.SubImage(crop), outW, outH)
		}
		if src != img {
			draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), op, nil)
		} else {
			draw.CatmullRom.Scale(dst, dst.Bounds(), img, crop, op, nil)
		}
	}
	dst = orient(dst, o)
	var buf bytes.Buffer
	if err := encode(&buf, dst, out, sp.Quality); err != nil {
		return nil, err
	}
	return &Rendition{Data: buf.Bytes(), Format: out, Width: plan.OutW, Height: plan.OutH}, nil
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

func encode(w io.Writer, img image.Image, format string, quality int) error {
	switch format {
	case "jpeg":
		if quality == 0 {
			quality = DefaultJPEGQuality
		}
		return jpeg.Encode(w, img, &jpeg.Options{Quality: quality})
	case "png":
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		return enc.Encode(w, img)
	case "webp":
		return nativewebp.Encode(w, img, nil)
	}
	return fmt.Errorf("cannot encode %s", format)
}
