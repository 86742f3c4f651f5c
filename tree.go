package canopy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The page tree is stored as a materialised path: each level adds one fixed-width
// step of StepLen base-36 characters, so tree order is path order, descendants are
// a path-prefix range and ancestors are the prefixes of a path (see
// docs/decisions/0003-page-tree-encoding.md).
const (
	StepLen      = 4
	stepAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	// MaxChildren is the number of children one page can hold (36^4 - 1).
	MaxChildren = 36*36*36*36 - 1
	// RootPath is the path of the global root; site home pages are its children.
	RootPath = "0001"
	// MaxSlugLen is the longest slug accepted.
	MaxSlugLen = 255
	// MaxTitleLen is the longest title accepted.
	MaxTitleLen = 255
)

// EncodeStep writes n (1..MaxChildren) as one path step.
func EncodeStep(n int) string {
	var b [StepLen]byte
	for i := StepLen - 1; i >= 0; i-- {
		b[i] = stepAlphabet[n%36]
		n /= 36
	}
	return string(b[:])
}

// DecodeStep reads one path step; it returns -1 for a malformed step.
func DecodeStep(s string) int {
	if len(s) != StepLen {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(stepAlphabet, s[i])
		if d < 0 {
			return -1
		}
		n = n*36 + d
	}
	return n
}

// ChildPath returns the path of the n-th child slot under parentPath.
func ChildPath(parentPath string, n int) string { return parentPath + EncodeStep(n) }

// ParentPath returns the path one level up ("" for the root).
func ParentPath(path string) string {
	if len(path) <= StepLen {
		return ""
	}
	return path[:len(path)-StepLen]
}

// AncestorPaths returns the paths of every ancestor of path, nearest the root first.
func AncestorPaths(path string) []string {
	var out []string
	for l := StepLen; l < len(path); l += StepLen {
		out = append(out, path[:l])
	}
	return out
}

// PathUpperBound returns the smallest string greater than every descendant path
// of prefix, for range scans: path > prefix AND path < PathUpperBound(prefix).
func PathUpperBound(prefix string) string { return prefix + "~" }

// DepthOf returns the depth of a path (the root has depth 1).
func DepthOf(path string) int { return len(path) / StepLen }

// Slugify makes a slug from a title: lower-case letters and digits (any
// script), words joined with hyphens, other characters dropped.
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '-' || unicode.IsSpace(r) || unicode.IsPunct(r):
			dash = true
		}
	}
	s := strings.TrimLeft(b.String(), "_-")
	for len(s) > MaxSlugLen-8 {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return strings.TrimRight(s, "-")
}

// ValidateSlug checks a slug given by a user.
func ValidateSlug(slug string) error {
	if slug == "" {
		return FieldErrorf("slug", EINVALID, "slug is required")
	}
	if utf8.RuneCountInString(slug) > MaxSlugLen {
		return FieldErrorf("slug", EINVALID, "slug is longer than %d characters", MaxSlugLen)
	}
	if !utf8.ValidString(slug) {
		return FieldErrorf("slug", EINVALID, "slug is not valid UTF-8")
	}
	if strings.HasPrefix(slug, "_") {
		return FieldErrorf("slug", EINVALID, "slug %q: slugs starting with _ are reserved (the site's /_login/ and similar pages)", slug)
	}
	for _, r := range slug {
		if !(unicode.IsLetter(r) && !unicode.IsUpper(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			return FieldErrorf("slug", EINVALID, "slug %q may contain only lower-case letters, digits, hyphens and underscores", slug)
		}
	}
	return nil
}

// ValidateTitle checks a page title (required, even for drafts).
func ValidateTitle(title string) (string, error) {
	t := strings.TrimSpace(title)
	if t == "" {
		return "", FieldErrorf("title", EINVALID, "title is required")
	}
	if HasControl(t) {
		return "", FieldErrorf("title", EINVALID, "title must not contain control characters (such as tabs, line breaks or NUL)")
	}
	if utf8.RuneCountInString(t) > MaxTitleLen {
		return "", FieldErrorf("title", EINVALID, "title is longer than %d characters", MaxTitleLen)
	}
	return t, nil
}
