package httpkit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/canopy-cms/canopy"
)

// The one mapping from Canopy's error codes to HTTP statuses, for every
// interface: the admin API renders it as {"error":{"code","message"}}, the
// content API as Wagtail's {"message"}, pages and media as plain text.
var errorStatus = map[string]int{canopy.EINVALID: 400, canopy.EUNAUTHENTICATED: 401, canopy.EFORBIDDEN: 403,
	canopy.ENOTFOUND: 404, canopy.ECONFLICT: 409, canopy.ETOOLARGE: 413, canopy.EUNAVAILABLE: 503, canopy.EINTERNAL: 500}

// RetryAfterSeconds is what a 503 (unavailable: busy) tells the client to wait.
const RetryAfterSeconds = "5"

// StatusClientClosed is the status logged and counted for a request whose
// client went away before the answer (nginx's 499); nobody receives it.
const StatusClientClosed = 499

// CodeClientClosed is the error code of such a request.
const CodeClientClosed = "client_closed"

// Classify returns err's code, HTTP status and the message to show. An
// over-limit body is too_large whatever read it. An internal error is logged
// with its detail and a correlation id, and shown with the id only; but an
// error caused by the client going away (its request's context cancelled) is
// no internal error: it is logged at debug level and answered 499.
// A busy answer (unavailable) sets Retry-After on w.
func (k *Kit) Classify(w http.ResponseWriter, r *http.Request, err error) (code string, status int, msg string) {
	if errors.Is(r.Context().Err(), context.Canceled) {
		k.Log.Debug("client closed the request", "method", r.Method, "host", r.Host, "path", r.URL.Path, "err", err)
		return CodeClientClosed, StatusClientClosed, "the client closed the request"
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = canopy.Errorf(canopy.ETOOLARGE, "the request body is larger than %d bytes", mbe.Limit)
	}
	code = canopy.ErrorCode(err)
	msg = canopy.ErrorMessage(err)
	if code == canopy.EUNAVAILABLE {
		w.Header().Set("Retry-After", RetryAfterSeconds)
	}
	if code == canopy.EINTERNAL {
		id := correlationID()
		k.Log.Error("internal error", "id", id, "method", r.Method, "host", r.Host, "path", r.URL.Path, "err", err)
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

// MaxJSONBody is the largest JSON (or CSV) body an API reads.
const MaxJSONBody = 1 << 20

// WriteJSON writes v as an uncached JSON answer.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// DecodeJSON reads a JSON body into v: application/json only, at most 1 MiB,
// one JSON object (not null, an array or a scalar), unknown fields refused.
func DecodeJSON(r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return canopy.Errorf(canopy.EINVALID, "send a JSON body with Content-Type: application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, MaxJSONBody))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return canopy.Errorf(canopy.ETOOLARGE, "the request body is larger than 1 MiB")
		case errors.Is(err, io.EOF):
			return canopy.Errorf(canopy.EINVALID, "the request body is empty; send a JSON object")
		}
		return canopy.Errorf(canopy.EINVALID, "the request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return canopy.Errorf(canopy.EINVALID, "the request body must hold a single JSON object")
	}
	if raw[0] != '{' {
		return canopy.Errorf(canopy.EINVALID, "the request body must be a JSON object ({...}), not %s", jsonKind(raw[0]))
	}
	obj := json.NewDecoder(bytes.NewReader(raw))
	obj.DisallowUnknownFields()
	if err := obj.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return canopy.Errorf(canopy.EINVALID, "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return canopy.Errorf(canopy.EINVALID, "the request body does not fit: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// jsonKind names the kind of JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// DecodeOptionalJSON decodes a body if there is one (an empty body leaves v as is).
func DecodeOptionalJSON(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return DecodeJSON(r, v)
}
