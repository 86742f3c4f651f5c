package media

import (
	"context"
	"image"
	"image/color"
	"runtime"
	"time"

	"github.com/canopy-cms/canopy"

	"golang.org/x/sync/semaphore"
)

// DefaultRenderBudget is the memory budget for concurrent renditions when
// none is configured: sized for a 1 GiB process (half of it for decoding and
// resampling, the rest for everything else and the garbage collector's slack).
const DefaultRenderBudget = 512 << 20

// Budget bounds the memory that concurrent renditions take: each generation
// is charged its estimated peak (RenderCost) before it decodes anything, and
// waits while the charges of the generations in progress would exceed the
// total. A source whose cost alone exceeds the total runs by itself. So no
// burst of requests, however many cores the machine has, takes the process
// beyond the budget.
type Budget struct {
	total int64
	sem   *semaphore.Weighted
}

// NewBudget returns a budget of total bytes (DefaultRenderBudget if total <= 0).
func NewBudget(total int64) *Budget {
	if total <= 0 {
		total = DefaultRenderBudget
	}
	return &Budget{total: total, sem: semaphore.NewWeighted(total)}
}

// Total is the budget in bytes.
func (b *Budget) Total() int64 { return b.total }

// RenderCost estimates the peak memory of rendering src to an outW×outH
// image (an upper bound, checked by TestRenderCostBoundsTheHeap): the decoded
// pixels (by the source's colour model) twice over (the decoder's working
// memory, an interlaced PNG's passes, the halved copies); the resampling
// kernel's intermediate rows (four float64 per pixel, output width × source
// height, the source halved down to under four times the output where it can
// be); the output pixels with their turned copy and encoder buffers; and the
// source itself.
func RenderCost(src []byte, format string, outW, outH int) (int64, error) {
	cfg, err := decodeConfig(format, src)
	if err != nil {
		return 0, err
	}
	decoded := int64(cfg.Width) * int64(cfg.Height) * bytesPerPixel(cfg.ColorModel)
	out := int64(max(outW, outH))
	rows := int64(max(cfg.Width, cfg.Height))
	if reducible(cfg.ColorModel) {
		rows = min(rows, 4*out)
	}
	return 2*decoded + 32*out*rows + 16*int64(outW)*int64(outH) + int64(len(src)), nil
}

// reducible: the decoded type is one that reduce halves (so the kernel sees
// at most four times the output size).
func reducible(m color.Model) bool {
	return m == color.RGBAModel || m == color.NRGBAModel || m == color.GrayModel || m == color.YCbCrModel
}

func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4 at most (4:2:0 takes half of that)
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA, CMYK and anything else
}

// InspectCost estimates the peak memory of InspectImage's decode of src:
// the decoded pixels twice over (as RenderCost) and the source.
func InspectCost(src []byte, cfg image.Config) int64 {
	return 2*int64(cfg.Width)*int64(cfg.Height)*bytesPerPixel(cfg.ColorModel) + int64(len(src))
}

// Inspect is InspectImage within the budget: the header is read first (a
// wrong type or too many pixels is refused without decoding), then the
// decode is charged its estimated cost, waiting at most wait for room; a
// budget still full after that is an unavailable error (503, Retry-After).
func (b *Budget) Inspect(ctx context.Context, src []byte, maxPixels int64, wait time.Duration) (ImageInfo, error) {
	info, cfg, err := inspectHeader(src, maxPixels)
	if err != nil {
		return ImageInfo{}, err
	}
	cost := min(InspectCost(src, cfg), b.total)
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := b.sem.Acquire(wctx, cost); err != nil {
		if ctx.Err() != nil {
			return ImageInfo{}, ctx.Err()
		}
		return ImageInfo{}, canopy.Errorf(canopy.EUNAVAILABLE, "the server is busy processing other images; try the upload again in a few seconds")
	}
	defer b.sem.Release(cost)
	info, err = inspectPixels(src, info, cfg)
	b.settle(cost)
	return info, err
}

// settle returns a large decode's memory to the heap before the next waiter
// allocates its own: otherwise the heap grows to the collector's target
// (twice the live heap) before they are reclaimed.
func (b *Budget) settle(cost int64) {
	if cost >= b.total/8 {
		runtime.GC()
	}
}

// Render is Render within the budget: it waits (or gives up when ctx ends)
// until the estimated cost fits, renders, and hands the memory back.
func (b *Budget) Render(ctx context.Context, src []byte, format string, sp Spec, focal *Focal, outW, outH int) (*Rendition, error) {
	cost, err := RenderCost(src, format, outW, outH)
	if err != nil {
		return nil, err
	}
	if cost > b.total {
		cost = b.total
	}
	if err := b.sem.Acquire(ctx, cost); err != nil {
		return nil, err
	}
	defer b.sem.Release(cost)
	r, err := Render(src, format, sp, focal)
	b.settle(cost)
	return r, err
}
