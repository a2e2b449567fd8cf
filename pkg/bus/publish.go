// Package bus publishes and consumes events through gocloud.dev/pubsub, so the
// same code runs on in-process mem:// topics (make dev, tests) and on AWS
// (SNS topics, SQS queues) chosen by URL alone.
//
// A Worker hosts one Handler on one subscription: bounded concurrency, retry
// with backoff through nack, dead-lettering after MaxAttempts failed deliveries
// (the rule SQS applies with maxReceiveCount 3) and a graceful drain on
// shutdown. A Sweeper re-publishes videos stuck in a non-final state, so a
// crash anywhere loses nothing. Package lambdahost hosts the same Handler on
// Lambda.
//
// # On AWS
//
// Each event type has an SNS topic, e.g. TOPIC_URL_TEMPLATE
// "awssns:///arn:aws:sns:eu-west-1:123456789012:buylink-{name}?region=eu-west-1",
// and each consumer an SQS queue subscribed to the topics it handles, read with
// "awssqs://sqs.eu-west-1.amazonaws.com/123456789012/caption-parser?region=eu-west-1&waittime=20s".
// Topics publishes the envelope as the message body with the event's type,
// version, id and correlation id as SNS message attributes (String). The
// subscriptions are expected to use raw message delivery, which hands the
// queue the envelope itself with those attributes as SQS message attributes;
// an SNS notification JSON body (no raw delivery) decodes to the same event
// (ParseMessage).
//
// Settlement on SQS, and what the Worker does with it:
//
//   - Ack deletes the message (DeleteMessageBatch).
//   - Nack makes it visible again at once (ChangeMessageVisibility 0); the
//     Worker nacks only after its backoff, during which the message stays
//     invisible, so the backoff must stay below the queue's visibility timeout.
//     With "nacklazy=true" in the subscription URL a nack does nothing and the
//     message returns when its visibility timeout ends.
//   - A message neither acked nor nacked (crash, drain timeout) returns when
//     its visibility timeout ends. The timeout is at least six times the
//     consumer's handler timeout, so a slow handler is not raced by a second
//     delivery.
//   - A handler's Deferral (Defer) keeps the message received and invisible
//     and runs the handler on it again after the delay, without a new
//     receive; only past Worker.MaxDeferral (45s) is it nacked, which then
//     counts as a receive.
//   - Every receive counts (ApproximateReceiveCount), and the Worker reads
//     that count instead of counting in memory. On the third failed receive,
//     or at once for a permanent failure, the host gives the message up: it
//     sends it to its dead-letter sink (DEADLETTER_URL: on AWS the queue's
//     own DLQ, the reason and attempts as message attributes, QueueSink)
//     and deletes it. The queue's redrive policy, maxReceiveCount 3, moves
//     what a crash or a timeout leaves behind. Without a sink (RedriveOnly)
//     the worker counts nothing and leaves every give-up to the redrive
//     policy.
//   - The dead-letter consumer (services/recovery) drains every DLQ: it
//     marks each message's video failed with the reason (VideoFailer) and
//     keeps the letter in the dead-letter box, as devstack's box does.
package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"gocloud.dev/pubsub"
	// awssns:// topics and awssqs:// topics and subscriptions on AWS.
	_ "gocloud.dev/pubsub/awssnssqs"
	// mem:// topics and subscriptions for the embedded runtime.
	_ "gocloud.dev/pubsub/mempubsub"

	"github.com/buylink/buylink/pkg/events"
)

// Message metadata keys set on every published event, so consumers and
// operators can route and inspect messages without decoding bodies.
const (
	MetaType          = "type"
	MetaVersion       = "version"
	MetaID            = "id"
	MetaCorrelationID = "correlationId"
)

// Handler processes one event. It returns nil when done, an error wrapped by
// events.Permanent when retrying cannot help, and any other error to be
// retried. Handlers must be idempotent: delivery is at least once.
type Handler func(ctx context.Context, env events.Envelope) error

// Publisher publishes events.
type Publisher interface {
	Publish(ctx context.Context, env events.Envelope) error
}

// Topics publishes each event to the topic of its type. Topic URLs come from
// a template in which "{type}" stands for the event type (video.posted) and
// "{name}" for its dashed form (video-posted), e.g. "mem://{type}".
type Topics struct {
	template string
	mu       sync.Mutex
	open     map[string]*pubsub.Topic
}

// NewTopics returns a publisher over the topics the template names. Topics are
// opened on first use.
func NewTopics(template string) (*Topics, error) {
	if !strings.Contains(template, "{type}") && !strings.Contains(template, "{name}") {
		return nil, fmt.Errorf("bus: topic URL template %q must contain {type} or {name}", template)
	}
	return &Topics{template: template, open: map[string]*pubsub.Topic{}}, nil
}

// TopicURL returns the URL of the topic for an event type.
func (t *Topics) TopicURL(eventType string) string {
	return ExpandURL(t.template, eventType)
}

// ExpandURL fills "{type}" and "{name}" in a topic or subscription URL template.
func ExpandURL(template, eventType string) string {
	return strings.NewReplacer("{type}", eventType, "{name}", strings.ReplaceAll(eventType, ".", "-")).Replace(template)
}

// Open opens (if needed) the topics of the given event types, so that
// configuration errors surface at start-up rather than on first publish.
func (t *Topics) Open(ctx context.Context, eventTypes ...string) error {
	for _, et := range eventTypes {
		if _, err := t.topic(ctx, et); err != nil {
			return err
		}
	}
	return nil
}

func (t *Topics) topic(ctx context.Context, eventType string) (*pubsub.Topic, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tp, ok := t.open[eventType]; ok {
		return tp, nil
	}
	u := t.TopicURL(eventType)
	tp, err := pubsub.OpenTopic(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("bus: open topic %s: %w", u, err)
	}
	t.open[eventType] = tp
	return tp, nil
}

// Publish implements Publisher.
func (t *Topics) Publish(ctx context.Context, env events.Envelope) error {
	body, err := env.Marshal()
	if err != nil {
		return events.Permanent(fmt.Errorf("bus: encode %s: %w", env.Type, err))
	}
	if len(body) > events.MaxSize {
		return events.Permanent(fmt.Errorf("bus: %s event of %d bytes exceeds %d", env.Type, len(body), events.MaxSize))
	}
	tp, err := t.topic(ctx, env.Type)
	if err != nil {
		return err
	}
	msg := &pubsub.Message{Body: body, Metadata: map[string]string{
		MetaType: env.Type, MetaVersion: strconv.Itoa(env.Version), MetaID: env.ID, MetaCorrelationID: env.CorrelationID,
	}}
	if err := tp.Send(ctx, msg); err != nil {
		return fmt.Errorf("bus: publish %s %s: %w", env.Type, env.ID, err)
	}
	return nil
}

// Close flushes and closes every open topic.
func (t *Topics) Close(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for et, tp := range t.open {
		errs = append(errs, tp.Shutdown(ctx))
		delete(t.open, et)
	}
	return errors.Join(errs...)
}
