package media

import (
	"context"
	"image/color"
	"runtime"

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
	if cost >= b.total/8 {
		// Give the decoded planes back before the next waiter allocates
		// its own: otherwise the heap grows to the collector's target
		// (twice the live heap) before they are reclaimed.
		runtime.GC()
	}
	return r, err
}
