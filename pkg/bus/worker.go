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
	// MaxDeferred bounds the messages held back by a Deferral at once
	// (default 8 x Concurrency); while it is reached no message is received.
	MaxDeferred int
	// MaxDeferral bounds how long one message is held back in all (default
	// 45s, below the embedded bus's one-minute ack deadline); then it is
	// nacked, to be redelivered (on SQS that counts as a receive).
	MaxDeferral time.Duration

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
	if w.MaxDeferred <= 0 {
		w.MaxDeferred = 8 * w.Concurrency
	}
	if w.MaxDeferral <= 0 {
		w.MaxDeferral = 45 * time.Second
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
	// sem holds a slot per running handler; held one per message received
	// and not settled: running, waiting for a slot or deferred.
	sem := make(chan struct{}, w.Concurrency)
	held := make(chan struct{}, w.Concurrency+w.MaxDeferred)
	var running sync.WaitGroup
	var runErr error
	w.Logger.Info("worker started", "concurrency", w.Concurrency, "max_attempts", w.MaxAttempts)
	for {
		select {
		case held <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		// Receive only when a handler slot is free; the slot is taken once
		// the message is in hand, so that Receive, which may wait long,
		// never keeps a deferred message from its turn.
		select {
		case sem <- struct{}{}:
			<-sem
		case <-ctx.Done():
			<-held
		}
		if ctx.Err() != nil {
			break
		}
		msg, err := w.Sub.Receive(ctx)
		if err != nil {
			<-held
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
			defer func() { <-held }()
			defer w.stats.inFlight.Add(-1)
			w.serve(ctx, hctx, msg, sem)
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

// serve handles msg once it has a slot in sem, and again after each
// Deferral; it waits for a deferral or a retry's backoff without the slot,
// so a message held back never keeps another from running. Stopping (stop
// done) leaves a deferred message unacknowledged, for redelivery.
func (w *Worker) serve(stop, ctx context.Context, msg *pubsub.Message, sem chan struct{}) {
	first := time.Now()
	for {
		select {
		case sem <- struct{}{}:
		case <-stop.Done():
			if msg.Nackable() {
				msg.Nack() // not started: back to the queue at once
			}
			return
		}
		d := w.handle(ctx, msg)
		<-sem
		if d == nil {
			return
		}
		if d.nack {
			t := time.NewTimer(d.After)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
			msg.Nack()
			return
		}
		if time.Since(first)+d.After > w.MaxDeferral {
			w.Logger.Warn("message deferred too long; handed back to the queue", "deferred_for", time.Since(first).Round(time.Millisecond).String(), "reason", d.Reason)
			if msg.Nackable() {
				msg.Nack()
			}
			return
		}
		t := time.NewTimer(d.After)
		select {
		case <-t.C:
		case <-stop.Done():
			t.Stop()
			return
		}
	}
}

// handle runs the handler on one message and settles it: ack on success,
// dead-letter. A retryable failure comes back as a Deferral to nack after
// its backoff, and the handler's Deferral as itself, unsettled and without
// counting an attempt: serve waits for either without a handler slot.
func (w *Worker) handle(ctx context.Context, msg *pubsub.Message) *Deferral {
	hctx, env, err := w.mw.Handle(ctx, msg.Body)
	if env.ID == "" && err != nil {
		w.deadLetter(ctx, msg, env, 1, err)
		return nil
	}
	log := w.mw.Logger(w.Logger, env)
	if d := (*Deferral)(nil); errors.As(err, &d) && ctx.Err() == nil {
		log.DebugContext(hctx, "deferred", "after", d.After.String(), "reason", d.Reason)
		return d
	}
	w.record(err)
	if err == nil {
		msg.Ack()
		w.forget(env.ID)
		log.DebugContext(hctx, "handled")
		return nil
	}
	if ctx.Err() != nil {
		// Shutting down: leave the message unacknowledged for redelivery.
		log.WarnContext(hctx, "handler interrupted by shutdown; message will be redelivered", "err", err)
		return nil
	}
	n := w.delivery(msg, env.ID)
	if events.IsPermanent(err) || (w.MaxAttempts > 0 && n >= w.MaxAttempts) {
		w.deadLetter(hctx, msg, env, n, err)
		return nil
	}
	delay := w.Backoff(n)
	log.WarnContext(hctx, "handler failed; will retry", "attempt", n, "retry_in", delay.String(), "err", err)
	if !msg.Nackable() {
		return nil // redelivered when the ack deadline passes
	}
	return &Deferral{After: delay, Reason: "retry", nack: true}
}

// Deferral is returned (wrapped or not) by a handler that cannot take a
// message yet through no fault of the message, a per-tenant cap being
// reached, say. The Worker hands the message to the handler again After
// the delay, without counting a failed attempt and without holding a
// handler slot meanwhile (see Worker.MaxDeferral). Hosts that cannot hold a
// message back (Lambda) treat it as a retryable failure.
type Deferral struct {
	After  time.Duration
	Reason string
	// nack marks the Worker's own retry: nack after the backoff.
	nack bool
}

func (d *Deferral) Error() string { return "deferred for " + d.After.String() + ": " + d.Reason }

// Defer returns a Deferral of the message for after.
func Defer(after time.Duration, reason string) error { return &Deferral{After: after, Reason: reason} }

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
