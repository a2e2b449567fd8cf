package bus

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/obs"
)

// Middleware is what every host (the long-poll Worker, the Lambda SQS host)
// does around a Handler, so they cannot drift apart: decode the body,
// carry the event's correlation id in the context (and so in every log
// line), recover a panic into a retryable error, measure the call and
// classify its failure (FailureKind) into the metrics.
type Middleware struct {
	// Name is the consumer's name in logs and metrics.
	Name    string
	Handler Handler
	// Metrics defaults to metrics.Default().
	Metrics *metrics.Registry
}

// Handle decodes body and runs the handler on its event. It returns the
// event (zero when the body is none: then err is permanent), a context
// carrying the correlation id, and the handler's error.
func (m Middleware) Handle(ctx context.Context, body []byte) (context.Context, events.Envelope, error) {
	env, err := ParseMessage(body)
	if err != nil {
		return ctx, events.Envelope{}, err
	}
	ctx = obs.WithCorrelationID(ctx, env.CorrelationID)
	start := time.Now()
	err = Call(ctx, m.Handler, env)
	if d := (*Deferral)(nil); !errors.As(err, &d) {
		// A deferred event was not handled: it counts when it is.
		RecordHandled(m.registry(), m.Name, env.Type, time.Since(start), err)
	}
	return ctx, env, err
}

// Logger returns log with the event's identity, for the host's lines.
func (m Middleware) Logger(log *slog.Logger, env events.Envelope) *slog.Logger {
	return log.With("event", env.Type, "event_id", env.ID, "video_id", env.VideoID)
}

// DeadLettered records a message the host gave up on.
func (m Middleware) DeadLettered(eventType string) {
	RecordDeadLetter(m.registry(), m.Name, eventType)
}

func (m Middleware) registry() *metrics.Registry {
	if m.Metrics != nil {
		return m.Metrics
	}
	return metrics.Default()
}

// Call runs h on env, turning a panic into a retryable error so that one bad
// message cannot take the host down.
func Call(ctx context.Context, h Handler, env events.Envelope) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return h(ctx, env)
}
