package service

import (
	"context"

	"github.com/canopy-cms/canopy"
)

// Usage lists where an image, document or snippet is used on this site
// (pages with their live content or latest draft, snippets, settings): the
// caller must be allowed to see the object itself; limit rows from offset,
// and the total.
func (a *Admin) Usage(ctx context.Context, kind, snippetType string, id int64, limit, offset int) ([]canopy.Usage, int, error) {
	var err error
	switch kind {
	case canopy.RefImage:
		_, err = a.Image(ctx, id)
	case canopy.RefDocument:
		_, err = a.Document(ctx, id)
	case canopy.RefSnippet:
		_, err = a.Snippet(ctx, snippetType, id)
	default:
		return nil, 0, canopy.Errorf(canopy.EINVALID, "usage is known for images, documents and snippets, not %q", kind)
	}
	if err != nil {
		return nil, 0, err
	}
	return a.pages.Usage(ctx, kind, id, limit, offset)
}

// UsageCounts counts the places that use each of ids (objects the caller
// listed already; ids without usage are left out).
func (a *Admin) UsageCounts(ctx context.Context, kind string, ids []int64) (map[int64]int, error) {
	return a.pages.UsageCounts(ctx, kind, ids)
}
