package media

import "image"

// Downscaling a camera image to a thumbnail with a resampling kernel reads
// every source pixel once per output column: most of the rendition's time. So
// the source is first halved (2×2 box average, which is exact anti-aliasing for
// a factor of two) while it stays at least twice the output size, and the
// kernel does the last step. Halving works on the decoded planes directly:
// YCbCr (JPEG), RGBA and NRGBA (PNG, WebP) and Gray; other types go straight
// to the kernel.

// reduce halves img (already cropped to its bounds) until a further halving
// would bring it under twice outW×outH.
func reduce(img image.Image, outW, outH int) image.Image {
	for {
		b := img.Bounds()
		if b.Dx() < 4*outW || b.Dy() < 4*outH || b.Dx() < 4 || b.Dy() < 4 {
			return img
		}
		var next image.Image
		switch src := img.(type) {
		case *image.YCbCr:
			next = halveYCbCr(src)
		case *image.RGBA:
			dst := image.NewRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
			halvePix(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, dst.Rect.Dx(), dst.Rect.Dy(), 4)
			next = dst
		case *image.NRGBA:
			dst := image.NewNRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
			halvePix(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, dst.Rect.Dx(), dst.Rect.Dy(), 4)
			next = dst
		case *image.Gray:
			dst := image.NewGray(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
			halvePix(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, dst.Rect.Dx(), dst.Rect.Dy(), 1)
			next = dst
		default:
			return img
		}
		img = next
	}
}

// halvePix averages 2×2 blocks of interleaved samples (n per pixel).
func halvePix(dst []byte, dstStride int, src []byte, srcStride, w, h, n int) {
	for y := 0; y < h; y++ {
		r0 := src[2*y*srcStride:]
		r1 := src[(2*y+1)*srcStride:]
		d := dst[y*dstStride:]
		for x := 0; x < w; x++ {
			for c := 0; c < n; c++ {
				i := 2*x*n + c
				d[x*n+c] = uint8((uint(r0[i]) + uint(r0[i+n]) + uint(r1[i]) + uint(r1[i+n]) + 2) / 4)
			}
		}
	}
}

// chromaStep is how many pixels one chroma sample spans, per subsampling.
func chromaStep(r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

func halveYCbCr(src *image.YCbCr) *image.YCbCr {
	b := src.Bounds()
	w, h := b.Dx()/2, b.Dy()/2
	dst := image.NewYCbCr(image.Rect(0, 0, w, h), src.SubsampleRatio)
	for y := 0; y < h; y++ {
		i0 := src.YOffset(b.Min.X, b.Min.Y+2*y)
		i1 := i0 + src.YStride
		d := dst.Y[y*dst.YStride:]
		for x := 0; x < w; x++ {
			j := 2 * x
			d[x] = uint8((uint(src.Y[i0+j]) + uint(src.Y[i0+j+1]) + uint(src.Y[i1+j]) + uint(src.Y[i1+j+1]) + 2) / 4)
		}
	}
	sx, sy := chromaStep(src.SubsampleRatio)
	cw := (w + sx - 1) / sx
	ch := (h + sy - 1) / sy
	clampX := func(x int) int { return min(x, b.Max.X-1) }
	clampY := func(y int) int { return min(y, b.Max.Y-1) }
	for cy := 0; cy < ch; cy++ {
		for cx := 0; cx < cw; cx++ {
			px, py := b.Min.X+2*cx*sx, b.Min.Y+2*cy*sy
			o00 := src.COffset(clampX(px), clampY(py))
			o10 := src.COffset(clampX(px+sx), clampY(py))
			o01 := src.COffset(clampX(px), clampY(py+sy))
			o11 := src.COffset(clampX(px+sx), clampY(py+sy))
			k := cy*dst.CStride + cx
			dst.Cb[k] = uint8((uint(src.Cb[o00]) + uint(src.Cb[o10]) + uint(src.Cb[o01]) + uint(src.Cb[o11]) + 2) / 4)
			dst.Cr[k] = uint8((uint(src.Cr[o00]) + uint(src.Cr[o10]) + uint(src.Cr[o01]) + uint(src.Cr[o11]) + 2) / 4)
		}
	}
	return dst
}
