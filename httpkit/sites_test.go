package httpkit

import (
	"fmt"
	"testing"
	"time"

	"github.com/canopy-cms/canopy/service"
)

// TestChangeCursor: a change numbered after one not yet committed is handled
// at once; the missing one is read again until it commits (PostgreSQL takes
// numbers before the commit) or, if its transaction rolled back, given up
// after gapTimeout; a change this process made itself is not read again.
func TestChangeCursor(t *testing.T) {
	var c changeCursor
	c.reset(10)
	now := time.Unix(1000, 0)
	ch := func(seqSite ...int64) []service.SiteChange {
		var out []service.SiteChange
		for i := 0; i+1 < len(seqSite); i += 2 {
			out = append(out, service.SiteChange{Seq: seqSite[i], SiteID: seqSite[i+1]})
		}
		return out
	}
	if ids := c.take(ch(11, 1, 13, 3), now); fmt.Sprint(ids) != "[1 3]" || c.from() != 11 {
		t.Fatalf("ids %v, from %d; want [1 3] from 11 (12 is missing)", ids, c.from())
	}
	// Read again from 11: 13 is not handled twice; 12 has committed.
	if ids := c.take(ch(12, 2, 13, 3), now.Add(time.Second)); fmt.Sprint(ids) != "[2]" || c.from() != 13 {
		t.Fatalf("ids %v, from %d; want [2] from 13", ids, c.from())
	}
	// 14 never commits; 15 does; this process made 16.
	c.saw(16)
	if ids := c.take(ch(15, 5, 16, 6), now.Add(2*time.Second)); fmt.Sprint(ids) != "[5]" || c.from() != 13 {
		t.Fatalf("ids %v, from %d; want [5] from 13", ids, c.from())
	}
	if ids := c.take(ch(15, 5, 16, 6), now.Add(2*time.Second+gapTimeout)); len(ids) != 0 || c.from() != 16 {
		t.Fatalf("ids %v, from %d; want none from 16 (14 given up)", ids, c.from())
	}
}
