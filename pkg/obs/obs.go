// Package obs sets up structured logging (log/slog) and carries request and
// correlation ids through contexts, so every log line of one HTTP request or
// one event chain can be found together.
package obs

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"
)

type ctxKey int

const (
	correlationKey ctxKey = iota
	requestKey
)

// WithCorrelationID returns ctx carrying the correlation id of an event chain.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey, id)
}

// CorrelationID returns the correlation id ctx carries, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey).(string)
	return id
}

// WithRequestID returns ctx carrying an HTTP request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestKey, id)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestKey).(string)
	return id
}

// Options choose the log output. The zero value logs text at info level to stderr.
type Options struct {
	// Format is "json", "text" or "" (text on a terminal, JSON otherwise).
	Format string
	// Level is "debug", "info", "warn" or "error"; "" means info.
	Level string
}

// OptionsFromEnv reads LOG_FORMAT and LOG_LEVEL.
func OptionsFromEnv() Options {
	return Options{Format: os.Getenv("LOG_FORMAT"), Level: os.Getenv("LOG_LEVEL")}
}

// NewLogger returns a logger writing to w that adds the ids a context carries
// to every record logged with it.
func NewLogger(w io.Writer, o Options) *slog.Logger {
	ho := &slog.HandlerOptions{Level: parseLevel(o.Level)}
	format := o.Format
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	var h slog.Handler
	if strings.EqualFold(format, "text") {
		h = slog.NewTextHandler(w, ho)
	} else {
		h = slog.NewJSONHandler(w, ho)
	}
	return slog.New(contextHandler{h})
}

// Setup makes the process's default logger from the environment, tagged
// with the service name, and returns it.
func Setup(service string) *slog.Logger {
	l := NewLogger(os.Stderr, OptionsFromEnv()).With("service", service)
	slog.SetDefault(l)
	return l
}

func parseLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// contextHandler adds request_id and correlation_id from the record's context.
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if id := CorrelationID(ctx); id != "" {
		r.AddAttrs(slog.String("correlation_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
