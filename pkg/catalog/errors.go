package catalog

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies a domain error. The HTTP layer maps each code to a status in
// exactly one place (pkg/web); workers map them to retry decisions.
type Code string

// The domain error codes.
const (
	CodeInvalid      Code = "invalid"
	CodeNotFound     Code = "not_found"
	CodeConflict     Code = "conflict"
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeUnavailable  Code = "unavailable"
	// CodeTooLarge is an upload or body over its size limit; the message
	// names the limit.
	CodeTooLarge Code = "too_large"
	// CodeRateLimited is a quota used up; the message names the quota and
	// Error.RetryAfter says when it has room again.
	CodeRateLimited Code = "rate_limited"
	CodeInternal    Code = "internal"
)

// Error is a domain error: a code, a message meant for the caller, the field it
// concerns (if any) and the underlying cause (never shown to callers).
type Error struct {
	Code    Code
	Field   string
	Message string
	Err     error
	// RetryAfter is how long the caller should wait before trying again
	// (CodeRateLimited; the HTTP layer sends it as Retry-After).
	RetryAfter time.Duration
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, msg)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// PublicMessage is the text safe to show to a caller: the field and message,
// without the internal cause.
func (e *Error) PublicMessage() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf returns a domain error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports an invalid value of the named field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports that the named kind of record with the given id does not exist.
func NotFound(kind, id string) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("%s %q not found", kind, id)}
}

// Conflict reports a write that clashes with the existing state.
func Conflict(format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Message: fmt.Sprintf(format, args...)}
}

// TooLarge reports a value of the named field over its size limit.
func TooLarge(field, format string, args ...any) *Error {
	return &Error{Code: CodeTooLarge, Field: field, Message: fmt.Sprintf(format, args...)}
}

// RateLimited reports a used-up quota: the message names it, retryAfter is
// when it has room again.
func RateLimited(retryAfter time.Duration, format string, args ...any) *Error {
	return &Error{Code: CodeRateLimited, Message: fmt.Sprintf(format, args...), RetryAfter: retryAfter}
}

// Unavailable wraps a transient failure of a dependency; the operation may be retried.
func Unavailable(err error, format string, args ...any) *Error {
	return &Error{Code: CodeUnavailable, Message: fmt.Sprintf(format, args...), Err: err}
}

// Internal wraps an unexpected failure; its cause is logged, never shown.
func Internal(err error, format string, args ...any) *Error {
	return &Error{Code: CodeInternal, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the domain code of err: the code of the outermost *Error in its
// chain, CodeInternal for any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsCode reports whether err carries the given domain code.
func IsCode(err error, code Code) bool { return CodeOf(err) == code }
