package media_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"github.com/canopy-cms/canopy/internal/benchmem"
	"github.com/canopy-cms/canopy/media"
)

// TestRenderCostBoundsTheHeap: the cost a rendition is charged is at least
// the heap it really takes, for the decoded types Canopy meets, so a budget
// of N bytes keeps concurrent renditions under N.
func TestRenderCostBoundsTheHeap(t *testing.T) {
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2000, 1500))
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(i * 7)
	}
	ycc := image.NewYCbCr(image.Rect(0, 0, 2000, 1500), image.YCbCrSubsampleRatio444)
	for i := range ycc.Y {
		ycc.Y[i] = uint8(i)
	}
	var p, j bytes.Buffer
	if err := png.Encode(&p, nrgba); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, ycc, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, format string
		src          []byte
	}{{"png", "png", p.Bytes()}, {"jpeg", "jpeg", j.Bytes()}} {
		for _, spec := range []string{"width-400", "fill-1900x1400", "max-4000x4000|format-webp"} {
			sp, err := media.ParseSpec(spec, 4000)
			if err != nil {
				t.Fatal(err)
			}
			plan := sp.Plan(2000, 1500, nil)
			cost, err := media.RenderCost(c.src, c.format, plan.OutW, plan.OutH)
			if err != nil {
				t.Fatal(err)
			}
			peak := benchmem.Peak(func() {
				if _, err := media.Render(c.src, c.format, sp, nil); err != nil {
					t.Fatal(err)
				}
			})
			if int64(peak) > cost {
				t.Errorf("%s %s: peak heap %d > charged cost %d", c.name, spec, peak, cost)
			}
		}
	}
}

// TestBudgetWaits: a rendition whose cost does not fit waits for the budget
// and gives up when its context ends; one larger than the whole budget runs
// alone rather than never.
func TestBudgetWaits(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 3000, 3000))); err != nil {
		t.Fatal(err)
	}
	sp, _ := media.ParseSpec("width-100", 4000)
	b := media.NewBudget(16 << 20) // less than one 3000×3000 decode (72 MB)
	if _, err := b.Render(context.Background(), buf.Bytes(), "png", sp, nil, 100, 100); err != nil {
		t.Fatalf("a source larger than the budget: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		// Hold the whole budget with a slow generation.
		close(started)
		_, _ = b.Render(context.Background(), buf.Bytes(), "png", sp, nil, 100, 100)
		close(release)
	}()
	<-started
	time.Sleep(5 * time.Millisecond)
	if _, err := b.Render(ctx, buf.Bytes(), "png", sp, nil, 100, 100); err == nil {
		// Either it waited for the first one to finish within 50 ms or
		// gave up: both are fine, but it must not have overlapped.
		select {
		case <-release:
		default:
			t.Error("two renditions over the budget ran at once")
		}
	}
	<-release
}
