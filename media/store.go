package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // registers s3:// URLs
	"gocloud.dev/gcerrors"

	"github.com/canopy-cms/canopy"
)

// Store holds media files: a local directory or an S3-compatible bucket.
// Keys are "sites/<id>/…", so a site's files share one prefix.
type Store struct {
	bucket *blob.Bucket
	desc   string
	dir    string // the local directory, if the store is one
}

// OpenStore opens the store named by a URL: a directory path or file:///dir
// (local files), or s3://bucket?region=…&endpoint=…&use_path_style=true for
// S3-compatible storage (credentials from the usual AWS_* variables).
func OpenStore(ctx context.Context, rawURL string) (*Store, error) {
	if rawURL == "" {
		return nil, canopy.Errorf(canopy.EINVALID, "no media storage configured")
	}
	if !strings.Contains(rawURL, "://") || strings.HasPrefix(rawURL, "file://") {
		dir := strings.TrimPrefix(rawURL, "file://")
		if u, err := url.Parse(rawURL); err == nil && u.Scheme == "file" {
			dir = u.Path
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return nil, canopy.Errorf(canopy.EINVALID, "media directory %s: %v", abs, err)
		}
		b, err := fileblob.OpenBucket(abs, &fileblob.Options{CreateDir: true, NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
		if err != nil {
			return nil, canopy.Errorf(canopy.EINVALID, "media directory %s: %v", abs, err)
		}
		return &Store{bucket: b, desc: "file://" + abs, dir: abs}, nil
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, canopy.Errorf(canopy.EINVALID, "media storage %s: %v", redactURL(rawURL), err)
	}
	return &Store{bucket: b, desc: redactURL(rawURL)}, nil
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	u.User = nil
	return u.String()
}

// String names the store (without credentials).
func (s *Store) String() string { return s.desc }

// Close releases the store.
func (s *Store) Close() error { return s.bucket.Close() }

// Put writes a file. The write is all or nothing: a failed or cancelled write
// leaves no file under the key.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType, CacheControl: "public, max-age=31536000, immutable"})
	if err != nil {
		return fmt.Errorf("media: write %s: %w", key, err)
	}
	if _, err := w.Write(data); err != nil {
		cancel() // abandons the write
		_ = w.Close()
		return fmt.Errorf("media: write %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("media: write %s: %w", key, err)
	}
	return nil
}

// Open opens a file for reading (the reader seeks, for ranges).
func (s *Store) Open(ctx context.Context, key string) (*blob.Reader, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "media file not found")
	}
	return r, err
}

// ReadAll reads a whole file.
func (s *Store) ReadAll(ctx context.Context, key string) ([]byte, error) {
	r, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// Exists reports whether a file exists.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	return s.bucket.Exists(ctx, key)
}

// Delete removes a file; a missing file is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.bucket.Delete(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return err
}

// DeletePrefix removes every file whose key starts with prefix and returns
// how many it removed. In a local directory, a prefix ending in "/" loses its
// (then empty) directories too.
func (s *Store) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	n := 0
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			if s.dir != "" && strings.HasSuffix(prefix, "/") && !strings.Contains(prefix, "..") {
				if err := os.RemoveAll(filepath.Join(s.dir, filepath.FromSlash(prefix))); err != nil {
					return n, err
				}
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if obj.IsDir {
			continue
		}
		if err := s.Delete(ctx, obj.Key); err != nil {
			return n, err
		}
		n++
	}
}

// Keys lists the keys under prefix (for tests and checks).
func (s *Store) Keys(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if !obj.IsDir {
			out = append(out, obj.Key)
		}
	}
}

// SitePrefix is the key prefix of a site's files (0: the installation's
// shared library).
func SitePrefix(siteID int64) string {
	if siteID == 0 {
		return "installation/"
	}
	return fmt.Sprintf("sites/%d/", siteID)
}
