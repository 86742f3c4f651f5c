package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/canopy-cms/canopy"
)

// The one mapping from Canopy's error codes to HTTP statuses, for every
// interface: the admin API renders it as {"error":{"code","message"}}, the
// content API as Wagtail's {"message"}, pages and media as plain text.
var errorStatus = map[string]int{canopy.EINVALID: 400, canopy.EUNAUTHENTICATED: 401, canopy.EFORBIDDEN: 403,
	canopy.ENOTFOUND: 404, canopy.ECONFLICT: 409, canopy.ETOOLARGE: 413, canopy.EINTERNAL: 500}

// classify returns err's code, HTTP status and the message to show. An
// over-limit body is too_large whatever read it. An internal error is logged
// with its detail and a correlation id, and shown with the id only.
func (s *Server) classify(r *http.Request, err error) (code string, status int, msg string) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = canopy.Errorf(canopy.ETOOLARGE, "the request body is larger than %d bytes", mbe.Limit)
	}
	code = canopy.ErrorCode(err)
	msg = canopy.ErrorMessage(err)
	if code == canopy.EINTERNAL {
		id := correlationID()
		s.log.Error("internal error", "id", id, "method", r.Method, "host", r.Host, "path", r.URL.Path, "err", err)
		msg = "internal error (id " + id + ")"
	}
	return code, errorStatus[code], msg
}

// correlationID names one internal error in the log and in the answer.
func correlationID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
