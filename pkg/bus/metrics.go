package bus

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/metrics"
)

// PanicError is the error Call returns for a handler that panicked. It is
// retryable, like any error not marked permanent.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("handler panic: %v\n%s", e.Value, e.Stack) }

// FailureKind classifies a handler error for the EventFailures metric:
// metrics.KindPanic, KindPermanent or KindRetryable.
func FailureKind(err error) string {
	var pe *PanicError
	switch {
	case errors.As(err, &pe):
		return metrics.KindPanic
	case events.IsPermanent(err):
		return metrics.KindPermanent
	}
	return metrics.KindRetryable
}

// RecordHandled records one handler call of a host into r: its latency and
// EventsProcessed, or EventFailures by kind. Every host calls it.
func RecordHandled(r *metrics.Registry, worker, eventType string, took time.Duration, err error) {
	w, et := metrics.D(metrics.DimWorker, worker), metrics.D(metrics.DimEventType, eventType)
	r.Summary(metrics.HandlerLatency, metrics.Milliseconds, w, et).ObserveDuration(took)
	if err == nil {
		r.Counter(metrics.EventsProcessed, metrics.Count, w, et).Inc()
		return
	}
	r.Counter(metrics.EventFailures, metrics.Count, w, et, metrics.D(metrics.DimKind, FailureKind(err))).Inc()
}

// RecordDeadLetter records a message a host gave up on and kept as a dead
// letter.
func RecordDeadLetter(r *metrics.Registry, worker, eventType string) {
	r.Counter(metrics.DeadLetters, metrics.Count, metrics.D(metrics.DimWorker, worker), metrics.D(metrics.DimEventType, eventType)).Inc()
}

// WorkerStats is what a running Worker reports about itself.
type WorkerStats struct {
	// InFlight counts the handlers running now.
	InFlight int64 `json:"inFlight"`
	// Handled counts messages handled successfully, Failed the failed
	// handler calls (each retry counts), DeadLettered the messages given up
	// and written to the dead-letter sink.
	Handled      int64 `json:"handled"`
	Failed       int64 `json:"failed"`
	DeadLettered int64 `json:"deadLettered"`
}

// workerStats are a Worker's live counts.
type workerStats struct {
	inFlight, handled, failed, deadLettered atomic.Int64
}

// Stats returns the worker's counts since it was created.
func (w *Worker) Stats() WorkerStats {
	return WorkerStats{
		InFlight: w.stats.inFlight.Load(), Handled: w.stats.handled.Load(),
		Failed: w.stats.failed.Load(), DeadLettered: w.stats.deadLettered.Load(),
	}
}

// record counts one handler call.
func (w *Worker) record(err error) {
	if err == nil {
		w.stats.handled.Add(1)
	} else {
		w.stats.failed.Add(1)
	}
}
