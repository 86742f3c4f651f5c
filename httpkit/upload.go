package httpkit

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// ReadUpload reads a multipart upload: the file part (at most limit bytes:
// more is 413) and the fields title, collection_id, tags (comma-separated or
// repeated) and, for images, focal_point_x/_y/_width/_height; the fields
// named in extra (if any) are read into it.
func ReadUpload(w http.ResponseWriter, r *http.Request, limit int64, extra map[string]string) (service.Upload, error) {
	var up service.Upload
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return up, canopy.Errorf(canopy.EINVALID, "send the upload as multipart/form-data with a file part named file")
	}
	if r.ContentLength > limit+1<<20 {
		return up, canopy.Errorf(canopy.ETOOLARGE, "the upload is larger than %d bytes", limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return up, canopy.Errorf(canopy.EINVALID, "malformed multipart body: %v", err)
	}
	focal := map[string]int{}
	haveFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return up, canopy.Errorf(canopy.ETOOLARGE, "the upload is larger than %d bytes", limit)
		}
		if err != nil {
			return up, canopy.Errorf(canopy.EINVALID, "malformed multipart body: %v", err)
		}
		name := part.FormName()
		if name == "file" {
			if haveFile {
				return up, canopy.Errorf(canopy.EINVALID, "send one file per upload")
			}
			haveFile = true
			// The raw filename: part.FileName() drops directories, which would
			// hide a name with path separators instead of refusing it.
			_, params, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
			up.Filename = params["filename"]
			data, err := io.ReadAll(io.LimitReader(part, limit+1))
			if errors.As(err, &mbe) || int64(len(data)) > limit {
				return up, canopy.Errorf(canopy.ETOOLARGE, "the file is larger than %d bytes", limit)
			}
			if err != nil {
				return up, canopy.Errorf(canopy.EINVALID, "the upload was interrupted: %v", err)
			}
			up.Data = data
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, 64<<10))
		if err != nil {
			return up, canopy.Errorf(canopy.EINVALID, "malformed multipart body: %v", err)
		}
		v := string(b)
		switch name {
		case "title":
			up.Title = v
		case "collection_id":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n <= 0 {
				return up, canopy.Errorf(canopy.EINVALID, "collection_id must be a collection id")
			}
			up.CollectionID = n
		case "tags":
			up.Tags = append(up.Tags, strings.Split(v, ",")...)
		case "focal_point_x", "focal_point_y", "focal_point_width", "focal_point_height":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return up, canopy.Errorf(canopy.EINVALID, "%s must be a whole number", name)
			}
			focal[name] = n
		default:
			if _, ok := extra[name]; ok {
				extra[name] = v
				continue
			}
			return up, canopy.Errorf(canopy.EINVALID, "unknown upload field %q (use file, title, collection_id, tags)", name)
		}
	}
	if !haveFile {
		return up, canopy.Errorf(canopy.EINVALID, "the upload has no file part named file")
	}
	if len(focal) > 0 {
		if len(focal) != 4 {
			return up, canopy.Errorf(canopy.EINVALID, "give all of focal_point_x, focal_point_y, focal_point_width and focal_point_height")
		}
		up.Focal = &canopy.Focal{X: focal["focal_point_x"], Y: focal["focal_point_y"], W: focal["focal_point_width"], H: focal["focal_point_height"]}
	}
	return up, nil
}
