package sqlstore

import (
	"strings"

	"golang.org/x/net/idna"

	"github.com/canopy-cms/canopy"
)

// normalizeHostname is canopy.NormalizeHostname after converting an
// internationalised hostname (café.example) to its ASCII form
// (xn--caf-dma.example), the form browsers send in the Host header.
func normalizeHostname(h string) (string, error) {
	h = strings.TrimSpace(h)
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(strings.ToLower(h))
			if err != nil {
				return "", canopy.Errorf(canopy.EINVALID, "hostname %q is not a valid internationalised domain name (%v)", h, err)
			}
			h = a
			break
		}
	}
	return canopy.NormalizeHostname(h)
}
