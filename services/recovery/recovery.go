// Package recovery keeps the promise that a crash loses nothing, on AWS as
// in devstack: Sweeper restarts videos stuck unfinished (and fails them
// after their last allowed start), DeadLetters takes every message a
// worker gave up on from the workers' dead-letter queues, marks its video
// failed with the reason and keeps the letter in the dead-letter box, where
// `buylink dlq` lists and redrives it. Both are components (pkg/host) of
// Lambdas: a schedule and a consumer of every DLQ.
package recovery

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
)

// Sweeper is the sweeper's component: its Job is one sweep
// (bus.Sweeper.SweepOnce) restarting videos unfinished for
// SWEEP_STUCK_AFTER (default 10m), failing those started
// SWEEP_MAX_ATTEMPTS times (default 3); it answers the sweep's counts.
func Sweeper(_ context.Context, d host.Deps) (*host.Component, error) {
	stuck := 10 * time.Minute
	if s := d.Env.Get("SWEEP_STUCK_AFTER"); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil || v < time.Minute {
			return nil, fmt.Errorf("SWEEP_STUCK_AFTER must be a duration of at least 1m (got %q)", s)
		}
		stuck = v
	}
	maxAttempts := 3
	if s := d.Env.Get("SWEEP_MAX_ATTEMPTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10 {
			return nil, fmt.Errorf("SWEEP_MAX_ATTEMPTS must be an integer in 1..10 (got %q)", s)
		}
		maxAttempts = n
	}
	s := &bus.Sweeper{Videos: d.Store, Publisher: d.Publisher, StuckAfter: stuck, MaxAttempts: maxAttempts, Logger: d.Log}
	return &host.Component{Job: func(ctx context.Context) (any, error) { return s.SweepOnce(ctx) }}, nil
}

// DeadLetters is the dead-letter consumer's component: it handles batches
// of the workers' DLQs (its SQS handler), keeping each letter in the box
// at DEADLETTER_URL after marking its video failed (bus.VideoFailer). A
// record it cannot keep is reported for a retry.
func DeadLetters(ctx context.Context, d host.Deps) (*host.Component, error) {
	boxURL := d.Env.Get("DEADLETTER_URL")
	if boxURL == "" {
		return nil, errors.New("DEADLETTER_URL is required: the dead-letter box (s3://<bucket>?prefix=deadletters/) the letters are kept in")
	}
	box, err := bus.OpenDeadLetterBox(ctx, boxURL)
	if err != nil {
		return nil, err
	}
	sink := &bus.VideoFailer{Videos: d.Store, Next: box}
	c := &host.Component{SQS: func(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
		resp := lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{}}
		for _, rec := range ev.Records {
			dl := Letter(rec)
			log := d.Log.With("message_id", rec.MessageId, "worker", dl.Worker, "event_id", dl.EventID)
			if err := sink.DeadLetter(ctx, dl); err != nil {
				log.ErrorContext(ctx, "dead letter not kept; it will be retried", "err", err)
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				continue
			}
			log.WarnContext(ctx, "dead letter kept, its video marked failed", "reason", dl.Reason, "attempts", dl.Attempts)
		}
		return resp, nil
	}}
	c.OnClose(box.Close)
	return c, nil
}

// Letter describes a record of a worker's DLQ: the worker is the consumer
// whose queue the DLQ belongs to (the source queue's name ends in its name),
// the reason and attempts those its host sent along (bus.QueueSink) or, for
// a message the queue's redrive policy moved, that it was not settled.
func Letter(rec lambdaevents.SQSMessage) bus.DeadLetter {
	meta := map[string]string{}
	for k, v := range rec.MessageAttributes {
		if v.StringValue == nil {
			continue
		}
		// gocloud escapes attribute values as URL paths.
		val, err := url.PathUnescape(*v.StringValue)
		if err != nil {
			val = *v.StringValue
		}
		meta[k] = val
	}
	return bus.DeadLetterFromQueue(consumerOf(rec.EventSourceARN), []byte(rec.Body), meta)
}

// consumerOf names the consumer of a DLQ from its ARN
// (arn:aws:sqs:<region>:<account>:buylink-prod-caption-parser-dlq).
func consumerOf(arn string) string {
	name := strings.TrimSuffix(arn[strings.LastIndexByte(arn, ':')+1:], "-dlq")
	best := ""
	for _, d := range deploy.All {
		c := d.ConsumerName()
		if len(d.Consumes) > 0 && (name == c || strings.HasSuffix(name, "-"+c)) && len(c) > len(best) {
			best = c
		}
	}
	if best == "" {
		return strings.ReplaceAll(name, ".", "-") // an unknown queue: its own name
	}
	return best
}
