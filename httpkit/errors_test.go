package httpkit

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/canopy-cms/canopy"
)

// TestBusyIs503WithRetryAfter: an unavailable error is a 503 that tells the
// client when to try again; other errors carry no Retry-After.
func TestBusyIs503WithRetryAfter(t *testing.T) {
	k := &Kit{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	w := httptest.NewRecorder()
	code, status, msg := k.Classify(w, httptest.NewRequest("POST", "/admin/api/images", nil), canopy.Errorf(canopy.EUNAVAILABLE, "busy"))
	if code != "unavailable" || status != 503 || msg != "busy" || w.Header().Get("Retry-After") != RetryAfterSeconds {
		t.Fatalf("busy: %s %d %q Retry-After %q", code, status, msg, w.Header().Get("Retry-After"))
	}
	w = httptest.NewRecorder()
	if _, status, _ := k.Classify(w, httptest.NewRequest("GET", "/", nil), canopy.Errorf(canopy.ETOOLARGE, "big")); status != 413 || w.Header().Get("Retry-After") != "" {
		t.Fatalf("too large: %d %q", status, w.Header().Get("Retry-After"))
	}
}
