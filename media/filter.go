// Package media stores and processes images and documents: the blob store
// (local directory or S3-compatible object storage, chosen by URL), upload
// inspection (type sniffing, size and pixel limits, full decode), and image
// renditions from Wagtail-style filter specs.
package media

import (
	"image"
	"math"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

// Spec is a parsed filter spec such as "fill-300x200-c50|format-webp".
type Spec struct {
	// Op is the resize operation: original, width, height, max, min, fill or scale.
	Op   string
	W, H int
	// Closeness is fill's crop closeness to the focal point, 0–100.
	Closeness int
	// Scale is scale's percentage.
	Scale int
	// Format is the output format (jpeg, png, webp); "" keeps the source's.
	Format string
	// Quality is the JPEG quality (1–100); 0 means the default, 85.
	Quality int
}

// DefaultJPEGQuality is the quality of JPEG renditions without jpegquality-N.
const DefaultJPEGQuality = 85

// ParseSpec parses a filter spec: one resize operation (original, width-N,
// height-N, max-WxH, min-WxH, fill-WxH[-cN], scale-N) and optionally
// format-webp|jpeg|png and jpegquality-N, joined by "|". Sizes above maxDim
// (if > 0) are refused.
func ParseSpec(s string, maxDim int) (Spec, error) {
	var sp Spec
	bad := func(format string, args ...any) (Spec, error) {
		return Spec{}, canopy.Errorf(canopy.EINVALID, "filter spec %q: "+format, append([]any{s}, args...)...)
	}
	if s == "" {
		return bad("empty")
	}
	for _, part := range strings.Split(s, "|") {
		name, arg, _ := strings.Cut(part, "-")
		switch name {
		case "original", "width", "height", "max", "min", "fill", "scale":
			if sp.Op != "" {
				return bad("more than one resize operation (%s and %s)", sp.Op, name)
			}
			sp.Op = name
		}
		switch name {
		case "original":
			if arg != "" {
				return bad("original takes no size")
			}
		case "width", "height":
			n, ok := positive(arg)
			if !ok {
				return bad("%s needs a size in pixels, like %s-800", name, name)
			}
			if name == "width" {
				sp.W = n
			} else {
				sp.H = n
			}
		case "scale":
			n, ok := positive(arg)
			if !ok || n > 100 {
				return bad("scale needs a percentage from 1 to 100, like scale-50")
			}
			sp.Scale = n
		case "max", "min", "fill":
			size, rest, _ := strings.Cut(arg, "-")
			ws, hs, ok := strings.Cut(size, "x")
			w, okw := positive(ws)
			h, okh := positive(hs)
			if !ok || !okw || !okh {
				return bad("%s needs WxH, like %s-800x600", name, name)
			}
			sp.W, sp.H = w, h
			if rest != "" {
				if name != "fill" || !strings.HasPrefix(rest, "c") {
					return bad("unknown option %q", rest)
				}
				c, err := strconv.Atoi(rest[1:])
				if err != nil || c < 0 || c > 100 {
					return bad("crop closeness must be c0 to c100")
				}
				sp.Closeness = c
			}
		case "format":
			if sp.Format != "" {
				return bad("format given twice")
			}
			switch arg {
			case "jpeg", "png", "webp":
				sp.Format = arg
			default:
				return bad("format must be jpeg, png or webp")
			}
		case "jpegquality":
			q, ok := positive(arg)
			if !ok || q > 100 {
				return bad("jpegquality must be 1 to 100")
			}
			sp.Quality = q
		default:
			return bad("unknown operation %q (use original, width-N, height-N, max-WxH, min-WxH, fill-WxH[-cN], scale-N, format-…, jpegquality-N)", part)
		}
	}
	if sp.Op == "" {
		sp.Op = "original"
	}
	if maxDim > 0 && (sp.W > maxDim || sp.H > maxDim) {
		return bad("sizes above %d pixels are not allowed", maxDim)
	}
	return sp, nil
}

func positive(s string) (int, bool) {
	if s == "" || len(s) > 6 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// String is the canonical form of the spec (the key of its rendition).
func (sp Spec) String() string {
	var b strings.Builder
	switch sp.Op {
	case "original":
		b.WriteString("original")
	case "width":
		b.WriteString("width-" + strconv.Itoa(sp.W))
	case "height":
		b.WriteString("height-" + strconv.Itoa(sp.H))
	case "scale":
		b.WriteString("scale-" + strconv.Itoa(sp.Scale))
	default:
		b.WriteString(sp.Op + "-" + strconv.Itoa(sp.W) + "x" + strconv.Itoa(sp.H))
		if sp.Op == "fill" && sp.Closeness > 0 {
			b.WriteString("-c" + strconv.Itoa(sp.Closeness))
		}
	}
	if sp.Format != "" {
		b.WriteString("|format-" + sp.Format)
	}
	if sp.Quality > 0 {
		b.WriteString("|jpegquality-" + strconv.Itoa(sp.Quality))
	}
	return b.String()
}

// Focal is an image's focal point: a rectangle in source pixels.
type Focal struct{ X, Y, W, H int }

// Plan is what a rendition does to its source: crop this rectangle, then
// scale it to OutW×OutH. Images are never enlarged.
type Plan struct {
	Crop       image.Rectangle
	OutW, OutH int
}

// Plan computes the crop and output size for a source of srcW×srcH.
func (sp Spec) Plan(srcW, srcH int, focal *Focal) Plan {
	full := image.Rect(0, 0, srcW, srcH)
	fit := func(w, h float64) Plan { // scale the whole image by the smaller factor, never up
		f := math.Min(1, math.Min(w/float64(srcW), h/float64(srcH)))
		return Plan{Crop: full, OutW: atLeast1(float64(srcW) * f), OutH: atLeast1(float64(srcH) * f)}
	}
	inf := math.Inf(1)
	switch sp.Op {
	case "width":
		return fit(float64(sp.W), inf)
	case "height":
		return fit(inf, float64(sp.H))
	case "max":
		return fit(float64(sp.W), float64(sp.H))
	case "scale":
		return fit(float64(srcW)*float64(sp.Scale)/100, float64(srcH)*float64(sp.Scale)/100)
	case "min":
		f := math.Min(1, math.Max(float64(sp.W)/float64(srcW), float64(sp.H)/float64(srcH)))
		return Plan{Crop: full, OutW: atLeast1(float64(srcW) * f), OutH: atLeast1(float64(srcH) * f)}
	case "fill":
		return sp.planFill(srcW, srcH, focal)
	}
	return Plan{Crop: full, OutW: srcW, OutH: srcH}
}

// planFill crops to the target's aspect ratio around the focal point (or the
// centre), as tightly as the crop closeness asks while keeping the focal area
// and at least the target size, then scales down to the target.
func (sp Spec) planFill(srcW, srcH int, focal *Focal) Plan {
	aspect := float64(sp.W) / float64(sp.H)
	sw, sh := float64(srcW), float64(srcH)
	// The largest crop of the target's aspect ratio.
	maxW, maxH := sw, sw/aspect
	if maxH > sh {
		maxW, maxH = sh*aspect, sh
	}
	// The smallest: the target size, grown to hold the focal area.
	minW := float64(sp.W)
	if focal != nil {
		minW = math.Max(minW, math.Max(float64(focal.W), float64(focal.H)*aspect))
	}
	if minW > maxW {
		minW = maxW
	}
	cropW := maxW - (maxW-minW)*float64(sp.Closeness)/100
	cropH := cropW / aspect
	cx, cy := sw/2, sh/2
	if focal != nil {
		cx, cy = float64(focal.X)+float64(focal.W)/2, float64(focal.Y)+float64(focal.H)/2
	}
	x0 := clamp(cx-cropW/2, 0, sw-cropW)
	y0 := clamp(cy-cropH/2, 0, sh-cropH)
	crop := image.Rect(int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x0+cropW)), int(math.Round(y0+cropH))).Intersect(image.Rect(0, 0, srcW, srcH))
	outW, outH := sp.W, sp.H
	if crop.Dx() < outW { // never enlarge: a smaller image of the same shape
		outW, outH = crop.Dx(), atLeast1(float64(crop.Dx())/aspect)
	}
	return Plan{Crop: crop, OutW: outW, OutH: outH}
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func atLeast1(v float64) int {
	if n := int(math.Round(v)); n > 1 {
		return n
	}
	return 1
}

// OutputFormat is the rendition's format for a source format (jpeg, png, gif,
// webp): the spec's, else JPEG stays JPEG, WebP stays WebP, PNG and GIF become PNG.
func (sp Spec) OutputFormat(src string) string {
	if sp.Format != "" {
		return sp.Format
	}
	switch src {
	case "jpeg", "webp":
		return src
	}
	return "png"
}
