package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/metrics"
)

// Receiver is the part of *pubsub.Subscription a Worker uses.
type Receiver interface {
	Receive(ctx context.Context) (*pubsub.Message, error)
}

// Worker is a long-poll host for one Handler on one subscription.
type Worker struct {
	// Name identifies the worker in logs and dead letters ("caption-parser").
	Name    string
	Sub     Receiver
	Handler Handler
	// Concurrency bounds the handlers running at once (default 4).
	Concurrency int
	// MaxAttempts dead-letters a message after that many failed deliveries
	// (default 3, SQS's maxReceiveCount). Negative never dead-letters a
	// retryable failure: the queue's own redrive policy does (a worker with
	// no dead-letter sink of its own). Deliveries are counted by SQS
	// (ApproximateReceiveCount) when the subscription is an SQS queue, and
	// in memory otherwise, where a count is forgotten once its message is
	// settled or ForgetAfter has passed.
	MaxAttempts int
	// ForgetAfter drops an in-memory delivery count not touched for that
	// long (default 1h): its message was settled elsewhere or lost.
	ForgetAfter time.Duration
	// Backoff is the delay before a failed message is redelivered, by failed
	// attempt from 1 (default: 250ms doubling, at most 30s, with jitter).
	Backoff func(attempt int) time.Duration
	// DeadLetters receives messages that will not be retried. Required.
	DeadLetters DeadLetterSink
	// DrainTimeout bounds how long a shutdown waits for running handlers
	// before cancelling them (default 30s). Unfinished messages are not
	// acknowledged, so the queue redelivers them.
	DrainTimeout time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics receives the handler metrics (default metrics.Default()).
	Metrics *metrics.Registry

	mu       sync.Mutex
	attempts map[string]attempt
	pruned   time.Time
	mw       Middleware
	stats    workerStats
}

// attempt is an in-memory delivery count.
type attempt struct {
	n    int
	last time.Time
}

// DefaultBackoff doubles from 250ms up to 30s, with ±20% jitter.
func DefaultBackoff(attempt int) time.Duration {
	d := 250 * time.Millisecond << min(max(attempt-1, 0), 7)
	d = min(d, 30*time.Second)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (w *Worker) defaults() error {
	switch {
	case w.Sub == nil:
		return errors.New("bus: worker needs a subscription")
	case w.Handler == nil:
		return errors.New("bus: worker needs a handler")
	case w.DeadLetters == nil:
		return errors.New("bus: worker needs a dead-letter sink")
	}
	if w.Concurrency <= 0 {
		w.Concurrency = 4
	}
	if w.MaxAttempts == 0 {
		w.MaxAttempts = MaxDeliveries
	}
	if w.Backoff == nil {
		w.Backoff = DefaultBackoff
	}
	if w.DrainTimeout <= 0 {
		w.DrainTimeout = 30 * time.Second
	}
	if w.ForgetAfter <= 0 {
		w.ForgetAfter = time.Hour
	}
	if w.Logger == nil {
		w.Logger = slog.Default()
	}
	w.Logger = w.Logger.With("worker", w.Name)
	w.mu.Lock()
	w.attempts = map[string]attempt{}
	w.mu.Unlock()
	w.mw = Middleware{Name: w.Name, Handler: w.Handler, Metrics: w.Metrics}
	return nil
}

// Run receives and handles messages until ctx is cancelled, then drains: it
// stops receiving, lets running handlers finish for up to DrainTimeout,
// cancels the rest, and returns. It returns an error only for a
// misconfigured worker or a subscription that failed for good.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.defaults(); err != nil {
		return err
	}
	// Handlers run on a context that outlives ctx by the drain timeout.
	hctx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	sem := make(chan struct{}, w.Concurrency)
	var running sync.WaitGroup
	var runErr error
	w.Logger.Info("worker started", "concurrency", w.Concurrency, "max_attempts", w.MaxAttempts)
	for {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		msg, err := w.Sub.Receive(ctx)
		if err != nil {
			<-sem
			if ctx.Err() != nil {
				break
			}
			runErr = fmt.Errorf("bus: worker %s: receive: %w", w.Name, err)
			w.Logger.Error("receive failed; stopping", "err", err)
			break
		}
		running.Add(1)
		w.stats.inFlight.Add(1)
		go func() {
			defer running.Done()
			defer func() { <-sem }()
			defer w.stats.inFlight.Add(-1)
			w.handle(hctx, msg)
		}()
	}
	w.drain(&running, hardStop)
	return runErr
}

func (w *Worker) drain(running *sync.WaitGroup, hardStop context.CancelFunc) {
	done := make(chan struct{})
	go func() { running.Wait(); close(done) }()
	select {
	case <-done:
		w.Logger.Info("worker drained")
	case <-time.After(w.DrainTimeout):
		w.Logger.Warn("drain timeout; cancelling running handlers", "timeout", w.DrainTimeout)
		hardStop()
		<-done
	}
}

// handle runs the handler on one message and settles it: ack on success or
// dead-letter, delayed nack on a retryable failure.
func (w *Worker) handle(ctx context.Context, msg *pubsub.Message) {
	hctx, env, err := w.mw.Handle(ctx, msg.Body)
	if env.ID == "" && err != nil {
		w.deadLetter(ctx, msg, env, 1, err)
		return
	}
	log := w.mw.Logger(w.Logger, env)
	w.record(err)
	if err == nil {
		msg.Ack()
		w.forget(env.ID)
		log.DebugContext(hctx, "handled")
		return
	}
	if ctx.Err() != nil {
		// Shutting down: leave the message unacknowledged for redelivery.
		log.WarnContext(hctx, "handler interrupted by shutdown; message will be redelivered", "err", err)
		return
	}
	n := w.delivery(msg, env.ID)
	if events.IsPermanent(err) || (w.MaxAttempts > 0 && n >= w.MaxAttempts) {
		w.deadLetter(hctx, msg, env, n, err)
		return
	}
	delay := w.Backoff(n)
	log.WarnContext(hctx, "handler failed; will retry", "attempt", n, "retry_in", delay.String(), "err", err)
	if !msg.Nackable() {
		return // redelivered when the ack deadline passes
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	msg.Nack()
}

func (w *Worker) deadLetter(ctx context.Context, msg *pubsub.Message, env events.Envelope, attempts int, cause error) {
	dl := NewDeadLetter(w.Name, msg.Body, env, attempts, cause)
	if err := w.DeadLetters.DeadLetter(ctx, dl); err != nil {
		// Keep the message: better redelivered than lost.
		w.Logger.ErrorContext(ctx, "dead-letter write failed; message kept for redelivery", "err", err, "reason", dl.Reason)
		if msg.Nackable() {
			msg.Nack()
		}
		return
	}
	msg.Ack()
	w.forget(env.ID)
	w.stats.deadLettered.Add(1)
	w.mw.DeadLettered(env.Type)
	w.Logger.ErrorContext(ctx, "message dead-lettered", "event", env.Type, "event_id", env.ID, "attempts", attempts, "reason", dl.Reason)
}

// delivery is the message's delivery number after a failure: SQS's
// ApproximateReceiveCount, else the in-memory count of failures.
func (w *Worker) delivery(msg *pubsub.Message, id string) int {
	var m sqstypes.Message
	if msg.As(&m) {
		if n, err := strconv.Atoi(m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)]); err == nil && n > 0 {
			return n
		}
	}
	if w.MaxAttempts < 0 {
		return 1 // nothing to count against: the queue's redrive policy decides
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	if now.Sub(w.pruned) > w.ForgetAfter/4 {
		for k, a := range w.attempts {
			if now.Sub(a.last) > w.ForgetAfter {
				delete(w.attempts, k)
			}
		}
		w.pruned = now
	}
	a := w.attempts[id]
	a.n++
	a.last = now
	w.attempts[id] = a
	return a.n
}

func (w *Worker) forget(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.attempts, id)
}
