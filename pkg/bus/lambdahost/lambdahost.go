// Package lambdahost hosts a bus.Handler on AWS Lambda behind an SQS event
// source mapping, the second host of the one Handler (bus.Worker is the
// first): the caption-parser and auto-tagger Lambdas are a Start call.
//
// Lambda deletes the records of a batch that the function does not report in
// BatchItemFailures; the reported ones become visible again after the
// queue's visibility timeout and, after maxReceiveCount (3) receives, move to
// the queue's dead-letter queue. So:
//
//   - a record whose handler succeeds is acknowledged (not reported);
//   - a retryable failure, a panic, or a record not started before the
//     invocation's deadline is reported, and only that record is retried;
//   - a permanent failure (events.Permanent, or a body that is no event) is
//     logged and, when a dead-letter box is configured, recorded there, then
//     acknowledged: retrying cannot help. When recording fails it is reported
//     instead, so the queue keeps it.
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
	"github.com/buylink/buylink/pkg/obs"
)

// maxReceives is the queues' maxReceiveCount: a record failing on this
// receive goes to the dead-letter queue instead of coming back.
const maxReceives = 3

// Host runs a Handler on the records of SQS events.
type Host struct {
	// Name identifies the function in logs and dead letters ("caption-parser").
	Name    string
	Handler bus.Handler
	// DeadLetters records permanent failures; nil only logs them.
	DeadLetters bus.DeadLetterSink
	// Concurrency bounds the records handled at once (default 4).
	Concurrency int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
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
	env, err := bus.ParseMessage([]byte(rec.Body))
	if err != nil {
		return h.deadLetter(ctx, log, rec, busevents.Envelope{}, receives, err)
	}
	ctx = obs.WithCorrelationID(ctx, env.CorrelationID)
	log = log.With("event", env.Type, "event_id", env.ID, "video_id", env.VideoID)
	err = bus.Call(ctx, h.Handler, env)
	switch {
	case err == nil:
		log.DebugContext(ctx, "handled")
		return true
	case busevents.IsPermanent(err):
		return h.deadLetter(ctx, log, rec, env, receives, err)
	case receives >= maxReceives:
		log.ErrorContext(ctx, "handler failed on the last receive; the queue moves the message to its dead-letter queue", "err", err)
	default:
		log.WarnContext(ctx, "handler failed; the message will be redelivered", "err", err)
	}
	return false
}

// deadLetter records a permanent failure and reports whether the record may
// be acknowledged (it may not when recording failed).
func (h *Host) deadLetter(ctx context.Context, log *slog.Logger, rec events.SQSMessage, env busevents.Envelope, receives int, cause error) bool {
	dl := bus.NewDeadLetter(h.Name, []byte(rec.Body), env, max(receives, 1), cause)
	if h.DeadLetters != nil {
		if err := h.DeadLetters.DeadLetter(context.WithoutCancel(ctx), dl); err != nil {
			log.ErrorContext(ctx, "dead-letter write failed; message kept for redelivery", "err", err, "reason", dl.Reason)
			return false
		}
	}
	log.ErrorContext(ctx, "permanent failure; message dropped from the queue", "reason", dl.Reason, "dead_letter_id", dl.ID)
	return true
}
