package media

import (
	"bytes"
	"image"
	"image/draw"

	"github.com/rwcarlsen/goexif/exif"
)

// Cameras store photos as the sensor saw them and record how to turn them in
// the EXIF orientation tag (1–8). Canopy keeps the original file as uploaded
// (browsers apply the tag to it) and bakes the orientation into renditions,
// which carry no EXIF: sizes, crops and focal points are all in display
// coordinates, as the editor sees the image.

// Orientation reads a JPEG's EXIF orientation (1 when absent or unreadable).
func Orientation(format string, b []byte) int {
	if format != "jpeg" {
		return 1
	}
	x, err := exif.Decode(bytes.NewReader(b))
	if err != nil {
		return 1
	}
	tag, err := x.Get(exif.Orientation)
	if err != nil {
		return 1
	}
	o, err := tag.Int(0)
	if err != nil || o < 1 || o > 8 {
		return 1
	}
	return o
}

// swapsAxes reports whether an orientation turns the image by 90°.
func swapsAxes(o int) bool { return o >= 5 && o <= 8 }

// storedRect maps a rectangle in display coordinates to the stored image of
// size w×h (stored dimensions) for orientation o.
func storedRect(r image.Rectangle, w, h, o int) image.Rectangle {
	x0, y0, x1, y1 := r.Min.X, r.Min.Y, r.Max.X, r.Max.Y
	switch o {
	case 2: // mirrored horizontally
		return image.Rect(w-x1, y0, w-x0, y1)
	case 3: // turned 180°
		return image.Rect(w-x1, h-y1, w-x0, h-y0)
	case 4: // mirrored vertically
		return image.Rect(x0, h-y1, x1, h-y0)
	case 5: // transposed
		return image.Rect(y0, x0, y1, x1)
	case 6: // to be turned 90° clockwise
		return image.Rect(y0, h-x1, y1, h-x0)
	case 7: // transverse
		return image.Rect(w-y1, h-x1, w-y0, h-x0)
	case 8: // to be turned 90° anticlockwise
		return image.Rect(w-y1, x0, w-y0, x1)
	}
	return r
}

// orient turns a stored-orientation image (a small rendition) to display
// orientation.
func orient(src draw.Image, o int) draw.Image {
	if o <= 1 || o > 8 {
		return src
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if swapsAxes(o) {
		dw, dh = h, w
	}
	var dst draw.Image
	if _, ok := src.(*image.RGBA); ok {
		dst = image.NewRGBA(image.Rect(0, 0, dw, dh))
	} else {
		dst = image.NewNRGBA(image.Rect(0, 0, dw, dh))
	}
	for dy := 0; dy < dh; dy++ {
		for dx := 0; dx < dw; dx++ {
			p := storedRect(image.Rect(dx, dy, dx+1, dy+1), w, h, o).Min
			dst.Set(dx, dy, src.At(b.Min.X+p.X, b.Min.Y+p.Y))
		}
	}
	return dst
}
