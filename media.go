package canopy

import (
	"path"
	"strings"
	"time"
	"unicode"
)

// Collection is a folder of images and documents in a site's collection tree.
type Collection struct {
	ID       int64  `json:"id"`
	SiteID   int64  `json:"site_id"`
	ParentID int64  `json:"parent_id"` // 0 for the site's root collection
	Path     string `json:"-"`
	Depth    int    `json:"depth"`
	Name     string `json:"name"`
	// Restriction is who may download its documents (nil: everyone).
	Restriction *Restriction `json:"privacy"`
	CreatedAt   time.Time    `json:"created_at"`
}

// Restriction is a view restriction: Kind "login" (any logged-in member of
// the site), "password" (a shared password) or "groups" (members of
// GroupIDs, groups of the same site).
type Restriction struct {
	Kind     string  `json:"type"`
	GroupIDs []int64 `json:"groups,omitempty"`
	// PageID is the page the restriction is set on (page restrictions).
	PageID int64 `json:"page_id,omitempty"`
	// CollectionID is the collection it is set on (collection restrictions).
	CollectionID int64 `json:"collection_id,omitempty"`
	// PasswordHash is the bcrypt hash of a password restriction (never shown).
	PasswordHash string `json:"-"`
}

// Image is an uploaded image of a site.
type Image struct {
	ID           int64  `json:"id"`
	SiteID       int64  `json:"site_id"`
	CollectionID int64  `json:"collection_id"`
	Title        string `json:"title"`
	// AltText describes the image for people who cannot see it (the
	// default wherever it is shown; empty: decorative or not described).
	AltText   string    `json:"alt_text"`
	Filename  string    `json:"filename"`
	FileKey   string    `json:"-"`
	Format    string    `json:"format"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	FileSize  int64     `json:"file_size"`
	FileHash  string    `json:"file_hash"`
	Focal     *Focal    `json:"focal_point"`
	Tags      []string  `json:"tags"`
	OwnerID   int64     `json:"owner"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Focal is an image's focal area in pixels.
type Focal struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"width"`
	H int `json:"height"`
}

// ImageRendition is a stored, resized version of an image.
type ImageRendition struct {
	ID       int64
	ImageID  int64
	Spec     string
	FileKey  string
	Format   string
	Width    int
	Height   int
	FileSize int64
}

// Document is an uploaded file of a site.
type Document struct {
	ID           int64     `json:"id"`
	SiteID       int64     `json:"site_id"`
	CollectionID int64     `json:"collection_id"`
	Title        string    `json:"title"`
	Filename     string    `json:"filename"`
	FileKey      string    `json:"-"`
	ContentType  string    `json:"content_type"`
	FileSize     int64     `json:"file_size"`
	FileHash     string    `json:"file_hash"`
	Tags         []string  `json:"tags"`
	OwnerID      int64     `json:"owner"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ValidateCollectionName trims and checks a collection's name.
func ValidateCollectionName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", Errorf(EINVALID, "the collection name is empty")
	}
	return name, CheckText("the collection name", name, 255)
}

// CleanFilename checks an uploaded file's name: no path separators, no
// control characters, not empty, at most 255 bytes.
func CleanFilename(name string) (string, error) {
	if name == "" {
		return "", Errorf(EINVALID, "the file has no name")
	}
	if strings.ContainsAny(name, `/\`) {
		return "", Errorf(EINVALID, "the file name %q contains a path separator", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", Errorf(EINVALID, "the file name contains control characters")
		}
	}
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "", Errorf(EINVALID, "the file name %q is not usable", name)
	}
	if len(name) > 255 {
		return "", Errorf(EINVALID, "the file name is longer than 255 bytes")
	}
	return name, nil
}

// SafeKeyName turns a cleaned filename into a storage- and URL-safe name:
// lower-case letters, digits, '-', '_' and one extension.
func SafeKeyName(name string) string {
	ext := strings.ToLower(path.Ext(name))
	base := strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, Slugify(strings.TrimSuffix(name, path.Ext(name)))), "-")
	if base == "" {
		base = "file"
	}
	if len(base) > 60 {
		base = base[:60]
	}
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' {
			return r
		}
		return -1
	}, ext)
	if len(clean) > 10 {
		clean = clean[:10]
	}
	if clean == "." {
		clean = ""
	}
	return base + clean
}

// CleanTags normalises tags: trimmed, lower-cased, de-duplicated, no commas,
// each at most 100 characters, at most 50.
func CleanTags(tags []string) ([]string, error) {
	seen := map[string]bool{}
	out := []string{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		if strings.ContainsAny(t, ",\n\r\t") {
			return nil, Errorf(EINVALID, "the tag %q contains a comma or a line break", t)
		}
		if len([]rune(t)) > 100 {
			return nil, Errorf(EINVALID, "a tag is longer than 100 characters")
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > 50 {
		return nil, Errorf(EINVALID, "at most 50 tags")
	}
	return out, nil
}
