package media_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/canopy-cms/canopy/internal/benchmem"
	"github.com/canopy-cms/canopy/media"
)

// photo is a 4000×3000 camera-like JPEG.
func photo(b *testing.B) []byte {
	data, err := benchmem.CameraJPEG(4000, 3000, 1)
	if err != nil {
		b.Fatal(err)
	}
	return data
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
		p := benchmem.Peak(func() {
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

// bigPNG is a 7000×7000 PNG that compresses to a small file (the review's
// attack: a small upload under the pixel limit that decodes to 196 MB).
func bigPNG(b *testing.B) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 7000, 7000))
	for y := 0; y < 7000; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+7000*4]
		for x := 0; x < 7000; x++ {
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = uint8(x/64), uint8(y/64), 90, 255
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

var burstSpecs = []string{"width-400", "width-500", "width-600", "fill-300x200", "fill-200x200", "max-800x800", "height-300", "width-1000"}

// burst renders the 8 specs at once, with render, and reports the peak heap.
func burst(b *testing.B, render func(src []byte, sp media.Spec) error) {
	src := bigPNG(b)
	specs := make([]media.Spec, len(burstSpecs))
	for i, s := range burstSpecs {
		specs[i], _ = media.ParseSpec(s, 4000)
	}
	b.ResetTimer()
	var peak uint64
	for i := 0; i < b.N; i++ {
		p := benchmem.Peak(func() {
			var wg sync.WaitGroup
			for _, sp := range specs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := render(src, sp); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
	b.ReportMetric(float64(len(src))/1e3, "KB-source")
}

// BenchmarkBurst7000x7000Budget: 8 concurrent renditions of a 7000×7000 PNG
// through the default budget (512 MiB); the peak heap stays within it.
func BenchmarkBurst7000x7000Budget(b *testing.B) {
	budget := media.NewBudget(0)
	burst(b, func(src []byte, sp media.Spec) error {
		plan := sp.Plan(7000, 7000, nil)
		_, err := budget.Render(context.Background(), src, "png", sp, nil, plan.OutW, plan.OutH)
		return err
	})
	b.ReportMetric(float64(budget.Total())/(1<<20), "MiB-budget")
}

// BenchmarkBurst7000x7000Unbounded is the baseline: the same burst with no
// budget (what 8 cores allowed before).
func BenchmarkBurst7000x7000Unbounded(b *testing.B) {
	burst(b, func(src []byte, sp media.Spec) error {
		_, err := media.Render(src, "png", sp, nil)
		return err
	})
}

// uploadBurst inspects the 7000×7000 PNG in 20 concurrent uploads with
// inspect and reports the peak heap.
func uploadBurst(b *testing.B, inspect func(src []byte) error) {
	src := bigPNG(b)
	b.ResetTimer()
	var peak uint64
	for i := 0; i < b.N; i++ {
		p := benchmem.Peak(func() {
			var wg sync.WaitGroup
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := inspect(src); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
	b.ReportMetric(float64(len(src))/1e3, "KB-source")
}

// BenchmarkUpload20x7000x7000Budget: 20 concurrent uploads of the
// 7000×7000 PNG, each checked by a full decode charged to the default
// budget (512 MiB): the peak heap stays within the budget plus a margin.
func BenchmarkUpload20x7000x7000Budget(b *testing.B) {
	budget := media.NewBudget(0)
	uploadBurst(b, func(src []byte) error {
		_, err := budget.Inspect(context.Background(), src, 50_000_000, time.Minute)
		return err
	})
	b.ReportMetric(float64(budget.Total())/(1<<20), "MiB-budget")
}

// BenchmarkUpload20x7000x7000Unbounded is the baseline: the same uploads
// checked with no budget (what every upload did before).
func BenchmarkUpload20x7000x7000Unbounded(b *testing.B) {
	uploadBurst(b, func(src []byte) error {
		_, err := media.InspectImage(src, 50_000_000)
		return err
	})
}
