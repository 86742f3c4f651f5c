package canopy

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// HasControl reports whether s holds a control character (C0, DEL or C1:
// NUL, ESC, tab, CR, LF…) or is not valid UTF-8. One-line text fields
// (titles, names, paths, redirect targets) refuse such text: it is never what
// a person meant, and it reaches HTML, headers and logs.
func HasControl(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// CheckText checks a one-line text field: valid UTF-8, no control
// characters, at most max characters (0: no limit).
func CheckText(field, s string, max int) error {
	if HasControl(s) {
		return Errorf(EINVALID, "%s must not contain control characters (such as tabs, line breaks or NUL) or invalid UTF-8", field)
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		return Errorf(EINVALID, "%s is longer than %d characters", field, max)
	}
	return nil
}

// ReservedSlugs are the first URL segments that Canopy's own routes take on
// every site's host: a page directly below a site's home page cannot use one
// (it could never be reached). Slugs starting with _ are reserved too.
var ReservedSlugs = []string{"admin", "api", "healthz", "media", "static"}

// IsReservedSlug reports whether slug is one of ReservedSlugs.
func IsReservedSlug(slug string) bool {
	for _, r := range ReservedSlugs {
		if slug == r {
			return true
		}
	}
	return false
}

// ReservedSlugError is the error for a reserved first-level slug.
func ReservedSlugError(slug string) error {
	return FieldErrorf("slug", EINVALID, "slug %q is reserved for Canopy's own routes on this site's host (%s, and any slug starting with _); choose another slug for a page directly below the home page",
		slug, strings.Join(ReservedSlugs, ", "))
}

// IsLocalPath reports whether next is a safe same-host destination for a
// redirect after login or logout: a path starting with a single /, with no
// control character or backslash (browsers drop tabs and newlines and read \
// as /, so "/\t/evil.test" or "/\evil.test" would leave the site), neither as
// written nor after percent-decoding, and no scheme or host.
func IsLocalPath(next string) bool {
	if next == "" || next[0] != '/' || len(next) > 2000 {
		return false
	}
	decoded := next
	for i := 0; i < 3; i++ {
		d, err := url.PathUnescape(decoded)
		if err != nil {
			return false
		}
		if d == decoded {
			break
		}
		decoded = d
	}
	for _, s := range []string{next, decoded} {
		if HasControl(s) || strings.ContainsRune(s, '\\') || strings.HasPrefix(s, "//") {
			return false
		}
		for _, r := range s {
			// Unicode spaces and invisible formatting characters (such as
			// U+2028, U+200B, U+FEFF) have no place in a path either.
			if r != ' ' && (unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)) {
				return false
			}
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

// AsID reads a reference field's value (a page, image, document or snippet
// id, as JSON decodes it or as stored) as a positive id.
func AsID(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), x > 0
	case int64:
		return x, x > 0
	}
	return 0, false
}
