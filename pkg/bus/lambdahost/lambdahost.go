// Package lambdahost hosts a bus.Handler on AWS Lambda behind an SQS event
// source mapping, the second host of the one Handler (bus.Worker is the
// first), with the same middleware (bus.Middleware). Package host starts it
// for the worker Lambdas.
//
// Lambda deletes the records of a batch that the function does not report in
// BatchItemFailures; the reported ones become visible again after the
// queue's visibility timeout and, after maxReceiveCount (3) receives, move to
// the queue's dead-letter queue. So:
//
//   - a record whose handler succeeds is acknowledged (not reported);
//   - a retryable failure, a panic, or a record not started or not finished
//     before the invocation's deadline is reported, and only that record is
//     retried;
//   - a permanent failure (events.Permanent, or a body that is no event),
//     and a retryable one on the record's third receive, is given to the
//     dead-letter sink (the queue's DLQ, with the reason) and acknowledged:
//     retrying cannot help. When that fails the record is reported instead,
//     so the queue keeps it (and its redrive policy still applies).
//
// The event source mapping must enable ReportBatchItemFailures
// (FunctionResponseTypes); without it Lambda retries whole batches. Standard
// (not FIFO) queues only.
package lambdahost

import (
	"context"
	"log/slog"
	"strconv"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/buylink/buylink/pkg/bus"
	busevents "github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/metrics"
)

// maxReceives is the queues' maxReceiveCount: a record failing on this
// receive goes to the dead-letter queue instead of coming back.
const maxReceives = bus.MaxDeliveries

// Host runs a Handler on the records of SQS events.
type Host struct {
	// Name identifies the function in logs and dead letters ("caption-parser").
	Name    string
	Handler bus.Handler
	// DeadLetters receives the records given up on; nil leaves them to the
	// queue's redrive policy (bus.RedriveOnly).
	DeadLetters bus.DeadLetterSink
	// Concurrency bounds the records handled at once (default 4).
	Concurrency int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics receives the handler metrics (default metrics.Default()); its
	// EMF output, when on, is flushed after every batch, before Lambda
	// freezes the process.
	Metrics *metrics.Registry
}

func (h *Host) registry() *metrics.Registry {
	if h.Metrics != nil {
		return h.Metrics
	}
	return metrics.Default()
}

// HandleSQS handles a batch of SQS records and reports the ones to retry.
// It never returns an error: that would fail and retry the whole batch.
func (h *Host) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	log := h.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("function", h.Name)
	n := h.Concurrency
	if n <= 0 {
		n = 4
	}
	retry := make([]bool, len(ev.Records))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, rec := range ev.Records {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			retry[i] = !h.handle(ctx, log, rec)
		})
	}
	wg.Wait()
	if err := h.registry().Flush(); err != nil {
		log.WarnContext(ctx, "metrics not written", "err", err)
	}
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for i, r := range retry {
		if r {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}

// handle runs the handler on one record and reports whether the record is
// settled (false: report it for a retry).
func (h *Host) handle(ctx context.Context, log *slog.Logger, rec events.SQSMessage) bool {
	receives, _ := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"])
	log = log.With("message_id", rec.MessageId, "receive", receives)
	if ctx.Err() != nil {
		log.WarnContext(ctx, "invocation deadline reached before the record started; it will be redelivered")
		return false
	}
	mw := bus.Middleware{Name: h.Name, Handler: h.Handler, Metrics: h.Metrics}
	hctx, env, err := mw.Handle(ctx, []byte(rec.Body))
	if env.ID != "" {
		log = mw.Logger(log, env)
	}
	switch {
	case err == nil:
		log.DebugContext(hctx, "handled")
		return true
	case ctx.Err() != nil:
		// The invocation's deadline: Lambda fails the batch anyway; never
		// give a record up for it (the queue's redrive policy counts it).
		log.WarnContext(hctx, "invocation deadline reached while handling; the message will be redelivered", "err", err)
		return false
	case busevents.IsPermanent(err) || receives >= maxReceives:
		return h.deadLetter(hctx, log, mw, rec, env, max(receives, 1), err)
	}
	log.WarnContext(hctx, "handler failed; the message will be redelivered", "err", err)
	return false
}

// deadLetter gives a record up and reports whether it may be acknowledged
// (not when the sink refused it: the queue keeps it).
func (h *Host) deadLetter(ctx context.Context, log *slog.Logger, mw bus.Middleware, rec events.SQSMessage, env busevents.Envelope, receives int, cause error) bool {
	dl := bus.NewDeadLetter(h.Name, []byte(rec.Body), env, receives, cause)
	sink := h.DeadLetters
	if sink == nil {
		sink = bus.RedriveOnly{}
	}
	if err := sink.DeadLetter(context.WithoutCancel(ctx), dl); err != nil {
		log.ErrorContext(ctx, "dead letter not written; the record stays in the queue", "err", err, "reason", dl.Reason)
		return false
	}
	mw.DeadLettered(env.Type)
	log.ErrorContext(ctx, "message dead-lettered", "reason", dl.Reason, "dead_letter_id", dl.ID)
	return true
}
