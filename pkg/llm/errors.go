package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// ErrInvalidOutput is wrapped by the error of an answer that does not fit
// the request's schema (or was cut off). Such errors are permanent.
var ErrInvalidOutput = errors.New("llm: answer does not fit the schema")

// Error is a failed call.
type Error struct {
	// Status is the HTTP status, or the code of an error OpenRouter sent in
	// an HTTP 200 body; 0 for transport failures and unusable answers.
	Status int
	// Message says what went wrong, from the API when it said.
	Message string
	// RetryAfter is how long the API asked the client to wait, when it did.
	RetryAfter time.Duration
	// Permanent reports that retrying the same request cannot succeed:
	// bad request, bad or missing key, no credits, refused, no such model,
	// an answer that does not fit the schema.
	Permanent bool
	Err       error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("llm: ")
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
		if t := http.StatusText(e.Status); t != "" {
			fmt.Fprintf(&b, "%s: ", t)
		}
	}
	b.WriteString(e.Message)
	if e.Err != nil && !strings.Contains(e.Message, e.Err.Error()) {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a call failure that retrying cannot fix.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// permanentStatus reports the statuses no retry can fix: bad request (and
// unsupported schema), bad key, no credits, forbidden (moderation), no such
// model or route, payload too large, unprocessable.
func permanentStatus(status int) bool {
	switch status {
	case 400, 401, 402, 403, 404, 413, 422:
		return true
	}
	return false
}

func permanent(msg string) *Error { return &Error{Message: msg, Permanent: true} }

func invalidOutput(cause error) *Error {
	return &Error{Message: "unusable answer", Permanent: true, Err: fmt.Errorf("%w: %w", ErrInvalidOutput, cause)}
}

// classify turns a go-openai failure into an *Error.
func classify(err error, capt *capture) error {
	var e *Error
	var api *openai.APIError
	var req *openai.RequestError
	switch {
	case errors.As(err, &api):
		e = &Error{Status: api.HTTPStatusCode, Message: api.Message}
	case errors.As(err, &req):
		e = &Error{Status: req.HTTPStatusCode, Message: "undecodable error response: " + truncate(string(req.Body), 200)}
	case capt.status >= 200 && capt.status < 300:
		e = &Error{Status: capt.status, Message: "undecodable response", Err: err}
	default:
		e = &Error{Message: "request failed", Err: err}
	}
	if e.Message == "" {
		e.Message = "request failed"
	}
	e.Permanent = permanentStatus(e.Status)
	e.RetryAfter = retryAfter(capt.header, time.Now())
	return e
}

// bodyError turns the {"error": {...}} of an HTTP 200 answer into an *Error
// classified by its code.
func bodyError(be *struct {
	Code     json.RawMessage `json:"code"`
	Message  string          `json:"message"`
	Metadata map[string]any  `json:"metadata"`
}, h http.Header) error {
	code := 0
	if len(be.Code) > 0 {
		if err := json.Unmarshal(be.Code, &code); err != nil {
			var s string
			if json.Unmarshal(be.Code, &s) == nil {
				code, _ = strconv.Atoi(s)
			}
		}
	}
	msg := be.Message
	if msg == "" {
		msg = "error in an HTTP 200 answer"
	}
	return &Error{Status: code, Message: msg, Permanent: permanentStatus(code), RetryAfter: retryAfter(h, time.Now())}
}

// retryAfter reads how long to wait: Retry-After in seconds or as an HTTP
// date, else OpenRouter's X-RateLimit-Reset (Unix milliseconds).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
			return time.Duration(secs * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
			return max(time.UnixMilli(ms).Sub(now), 0)
		}
	}
	return 0
}
