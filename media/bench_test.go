package media_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"math/rand"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/canopy-cms/canopy/media"
)

// photo makes a 4000×3000 JPEG with photo-like detail (noise over gradients),
// so that decoding costs what a camera image costs.
func photo(b *testing.B) []byte {
	const w, h = 4000, 3000
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewSource(1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = uint8((x/16+y/16)%200 + rng.Intn(12))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(100+rng.Intn(40)), uint8(120+rng.Intn(30))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// heapPeak samples the live heap while fn runs and returns its peak above
// what was live before.
func heapPeak(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v := read(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	fn()
	close(done)
	if v := read(); v > peak.Load() {
		peak.Store(v)
	}
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// BenchmarkFill4000x3000 generates fill-300x200 from a 4000×3000 JPEG
// (decode, crop, resample, encode), reporting time and peak heap per rendition.
func BenchmarkFill4000x3000(b *testing.B) {
	src := photo(b)
	sp, _ := media.ParseSpec("fill-300x200", 0)
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	for i := 0; i < b.N; i++ {
		p := heapPeak(func() {
			if _, err := media.Render(src, "jpeg", sp, nil); err != nil {
				b.Fatal(err)
			}
		})
		if p > peak {
			peak = p
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
	b.ReportMetric(float64(len(src))/1e6, "MB-source")
}

// BenchmarkDecode4000x3000 is the floor under any rendition of that JPEG:
// decoding it (the baseline BENCHMARKS.md compares fill-300x200 with).
func BenchmarkDecode4000x3000(b *testing.B) {
	src := photo(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := jpeg.Decode(bytes.NewReader(src)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFillKernelOnly4000x3000 is fill-300x200 without the pre-halving:
// the crop resampled by Catmull-Rom in one step (the baseline the halving is
// measured against).
func BenchmarkFillKernelOnly4000x3000(b *testing.B) {
	src := photo(b)
	sp, _ := media.ParseSpec("fill-300x200", 0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		img, err := jpeg.Decode(bytes.NewReader(src))
		if err != nil {
			b.Fatal(err)
		}
		plan := sp.Plan(4000, 3000, nil)
		dst := image.NewRGBA(image.Rect(0, 0, plan.OutW, plan.OutH))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, plan.Crop, draw.Src, nil)
		if err := jpeg.Encode(io.Discard, dst, &jpeg.Options{Quality: media.DefaultJPEGQuality}); err != nil {
			b.Fatal(err)
		}
	}
}
