package media

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/canopy-cms/canopy"
)

// TestInspectWaitsForTheBudget: an upload's decode waits for room in the
// budget and, when none comes in time, is answered busy (unavailable);
// a wrong file is refused from its header without waiting.
func TestInspectWaitsForTheBudget(t *testing.T) {
	src := tinyPNG(t)
	b := NewBudget(1 << 20)
	if err := b.sem.Acquire(context.Background(), b.total); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := b.Inspect(context.Background(), src, 0, 50*time.Millisecond)
	if canopy.ErrorCode(err) != canopy.EUNAVAILABLE || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("full budget: %v after %v", err, time.Since(start))
	}
	if _, err := b.Inspect(context.Background(), []byte("not an image"), 0, time.Hour); canopy.ErrorCode(err) != canopy.EINVALID {
		t.Fatalf("not an image: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := b.Inspect(context.Background(), src, 0, 10*time.Second)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	b.sem.Release(b.total)
	if err := <-done; err != nil {
		t.Fatalf("after room was made: %v", err)
	}
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
