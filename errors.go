// Package canopy holds Canopy's domain: types, the error type and the pure rules
// (site resolution, the page-tree encoding, page types). It imports nothing of the
// project and no database or HTTP package; adapters live in sub-packages.
package canopy

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status and one CLI exit code at the edges.
const (
	EINVALID         = "invalid"
	ENOTFOUND        = "not_found"
	EFORBIDDEN       = "forbidden"
	ECONFLICT        = "conflict"
	EUNAUTHENTICATED = "unauthenticated"
	ETOOLARGE        = "too_large"
	EUNAVAILABLE     = "unavailable" // busy for now: try again shortly (503 with Retry-After)
	EINTERNAL        = "internal"
)

// Error is Canopy's one error type: a code from the set above and a message
// written for the person who has to fix the input.
type Error struct {
	Code    string
	Message string
	// Field names the input the error is about (a form shows the message
	// beside it); empty when the error is about the request as a whole.
	Field string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error about the input field.
func FieldErrorf(field, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Field: field}
}

// ErrorField returns the input field a wrapped *Error is about, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorCode returns the code of err: the code of a wrapped *Error, EINTERNAL for
// any other error, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors are not
// described (they are logged with detail where they are handled).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
