// Package benchmem serves the benchmarks that bound memory (renditions,
// uploads): the peak of the live heap while a function runs, and camera-like
// photos to decode.
package benchmem

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// Peak samples the live heap every 200 µs while fn runs and returns its
// peak above what was live before (after a collection).
func Peak(fn func()) uint64 {
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
	return max(peak.Load(), base) - base
}

// CameraJPEG is a w×h JPEG with photo-like detail (noise over gradients),
// so that decoding it costs what a camera's photo costs; seed varies it.
func CameraJPEG(w, h int, seed int64) ([]byte, error) {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewSource(seed))
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
		return nil, err
	}
	return buf.Bytes(), nil
}
