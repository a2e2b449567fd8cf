package bus_test

// The bus conformance suite, in the spirit of gocloud's drivertest: the same
// properties checked on every host of a Handler, each on its own queue:
//
//   - the embedded worker: bus.Worker on in-process mem:// topics;
//   - the SQS-backed worker: bus.Worker on an SQS queue fed by an SNS topic
//     with raw delivery, its DLQ after maxReceiveCount 3, dead letters sent
//     there by bus.QueueSink;
//   - the Lambda host: lambdahost.Host fed by a poller doing what Lambda's
//     SQS event source mapping does (receive a batch, invoke, delete what
//     the answer does not report).
//
// The SQS hosts run against fauxqs (an SNS/SQS emulator pinned in
// tools/testservers), started on a free port and stopped after.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/awssnssqs"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/bus/lambdahost"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

// visibility is the SQS queues' visibility timeout: how long a received,
// unsettled message stays hidden.
const visibility = 2 * time.Second

// running is one host consuming its queue with a handler.
type running struct {
	// publish sends an event to the host's topic, raw a body that is no event.
	publish func(ctx context.Context, env events.Envelope) error
	raw     func(ctx context.Context, body []byte) error
	// stop drains the host and waits for it.
	stop func()
	// deadLetters returns what the host gave up so far.
	deadLetters func(t *testing.T) []bus.DeadLetter
	// pending counts the messages still in the queue (visible or not).
	pending func(t *testing.T) int
	// counting is the worker's in-memory delivery counts (-1: no worker).
	counting func() int
}

// host starts a host of h; drain bounds how long stop lets handlers run.
type host struct {
	name  string
	queue bool // an SQS queue: visibility timeouts and a redrive policy
	start func(t *testing.T, h bus.Handler, drain time.Duration) *running
}

func TestBusConformance(t *testing.T) {
	testservers.UseEmulators(t)
	endpoint := testservers.Fauxqs(t)
	for _, h := range []host{embeddedWorker(), sqsWorker(endpoint), lambdaHost(endpoint)} {
		t.Run(h.name, func(t *testing.T) {
			t.Run("at least once", func(t *testing.T) { atLeastOnce(t, h) })
			t.Run("gives up after three deliveries", func(t *testing.T) { givesUpAfterThree(t, h) })
			t.Run("permanent failures at once", func(t *testing.T) { permanentAtOnce(t, h) })
			t.Run("bodies that are no event", func(t *testing.T) { undecodable(t, h) })
			t.Run("graceful drain", func(t *testing.T) { gracefulDrain(t, h) })
			if h.queue {
				t.Run("redelivery and redrive after a crash", func(t *testing.T) { crashRedrive(t, h) })
			}
		})
	}
}

// script is a handler doing what each event's seller says, counting calls.
type script struct {
	mu    sync.Mutex
	calls map[string]int // event id -> calls
	done  map[string]int // event id -> successful calls
	// started is closed on the first call.
	started   chan struct{}
	startOnce sync.Once
}

func newScript() *script {
	return &script{calls: map[string]int{}, done: map[string]int{}, started: make(chan struct{})}
}

func (s *script) handle(ctx context.Context, env events.Envelope) error {
	s.startOnce.Do(func() { close(s.started) })
	s.mu.Lock()
	s.calls[env.ID]++
	n := s.calls[env.ID]
	s.mu.Unlock()
	var err error
	switch env.Seller {
	case "flaky": // fails its first delivery
		if n == 1 {
			err = errors.New("upstream timeout")
		}
	case "always":
		err = errors.New("the model is down")
	case "perm":
		err = events.Permanent(errors.New("caption is no product post"))
	case "slow":
		time.Sleep(500 * time.Millisecond)
	case "hang": // a crash: never settles while the host runs
		<-ctx.Done()
		err = ctx.Err()
	}
	if err == nil {
		s.mu.Lock()
		s.done[env.ID]++
		s.mu.Unlock()
	}
	return err
}

func (s *script) count(id string) (calls, done int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[id], s.done[id]
}

func event(t *testing.T, behaviour string, i int) events.Envelope {
	t.Helper()
	id := fmt.Sprintf("74%017d", i)
	env, err := events.New("", behaviour, id, &events.VideoPosted{PageURL: "https://www.tiktok.com/@shop/video/" + id, PostedAt: time.Now(), Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// eventually polls cond until it holds or 30s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func atLeastOnce(t *testing.T, h host) {
	s := newScript()
	r := h.start(t, s.handle, 5*time.Second)
	defer r.stop()
	var sent []events.Envelope
	for i := range 20 {
		behaviour := "ok"
		if i%2 == 0 {
			behaviour = "flaky"
		}
		env := event(t, behaviour, i)
		sent = append(sent, env)
		if err := r.publish(t.Context(), env); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "every event handled", func() bool {
		for _, env := range sent {
			if _, done := s.count(env.ID); done == 0 {
				return false
			}
		}
		return true
	})
	eventually(t, "the queue empty", func() bool { return r.pending(t) == 0 })
	if dl := r.deadLetters(t); len(dl) != 0 {
		t.Fatalf("dead letters %+v", dl)
	}
	if n := r.counting(); n > 0 {
		t.Fatalf("%d delivery counts kept after every message settled", n)
	}
}

func givesUpAfterThree(t *testing.T, h host) {
	s := newScript()
	r := h.start(t, s.handle, 5*time.Second)
	defer r.stop()
	poison, ok := event(t, "always", 1), event(t, "ok", 2)
	for _, env := range []events.Envelope{poison, ok} {
		if err := r.publish(t.Context(), env); err != nil {
			t.Fatal(err)
		}
	}
	var dl []bus.DeadLetter
	eventually(t, "the poison message dead-lettered", func() bool { dl = r.deadLetters(t); return len(dl) > 0 })
	if calls, _ := s.count(poison.ID); calls != 3 {
		t.Errorf("the poison message was handled %d times, want 3", calls)
	}
	if _, done := s.count(ok.ID); done != 1 {
		t.Errorf("the other message was handled %d times, want once", done)
	}
	if len(dl) != 1 || dl[0].EventID != poison.ID || dl[0].Attempts != 3 || dl[0].Reason != "the model is down" || dl[0].Worker != "conformance" {
		t.Fatalf("dead letters %+v", dl)
	}
	eventually(t, "the queue empty", func() bool { return r.pending(t) == 0 })
	// The counts of settled messages are forgotten: none is kept.
	if n := r.counting(); n > 0 {
		t.Fatalf("%d delivery counts kept", n)
	}
}

func permanentAtOnce(t *testing.T, h host) {
	s := newScript()
	r := h.start(t, s.handle, 5*time.Second)
	defer r.stop()
	env := event(t, "perm", 1)
	if err := r.publish(t.Context(), env); err != nil {
		t.Fatal(err)
	}
	var dl []bus.DeadLetter
	eventually(t, "the message dead-lettered", func() bool { dl = r.deadLetters(t); return len(dl) > 0 })
	if calls, _ := s.count(env.ID); calls != 1 {
		t.Errorf("handled %d times, want once", calls)
	}
	if len(dl) != 1 || dl[0].Attempts != 1 || !strings.Contains(dl[0].Reason, "caption is no product post") {
		t.Fatalf("dead letters %+v", dl)
	}
}

func undecodable(t *testing.T, h host) {
	s := newScript()
	r := h.start(t, s.handle, 5*time.Second)
	defer r.stop()
	if err := r.raw(t.Context(), []byte("<html>502 Bad Gateway</html>")); err != nil {
		t.Fatal(err)
	}
	var dl []bus.DeadLetter
	eventually(t, "the body dead-lettered", func() bool { dl = r.deadLetters(t); return len(dl) > 0 })
	if len(dl) != 1 || string(dl[0].Body) != "<html>502 Bad Gateway</html>" || dl[0].EventID != "" {
		t.Fatalf("dead letters %+v", dl)
	}
	if len(s.calls) != 0 {
		t.Fatal("the handler saw a body that is no event")
	}
}

// Stopping lets a running handler finish and settles its message: it is
// not delivered again.
func gracefulDrain(t *testing.T, h host) {
	s := newScript()
	r := h.start(t, s.handle, 10*time.Second)
	env := event(t, "slow", 1)
	if err := r.publish(t.Context(), env); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the handler never started")
	}
	r.stop()
	if calls, done := s.count(env.ID); calls != 1 || done != 1 {
		t.Fatalf("during the drain: %d calls, %d done", calls, done)
	}
	if n := r.pending(t); n != 0 {
		t.Fatalf("%d messages left in the queue after the drain", n)
	}
}

// A message its host never settles (a crash, a handler cut off at the end
// of the drain) comes back after the visibility timeout with a higher
// receive count, and after maxReceiveCount receives the queue's redrive
// policy moves it to the DLQ, where it reads as not settled.
func crashRedrive(t *testing.T, h host) {
	s := newScript()
	env := event(t, "hang", 1)
	r := h.start(t, s.handle, 100*time.Millisecond)
	defer r.stop()
	if err := r.publish(t.Context(), env); err != nil {
		t.Fatal(err)
	}
	var dl []bus.DeadLetter
	eventually(t, "the redrive policy moving the message", func() bool { dl = r.deadLetters(t); return len(dl) > 0 })
	if calls, _ := s.count(env.ID); calls != 3 {
		t.Errorf("delivered %d times before the redrive, want 3", calls)
	}
	if len(dl) != 1 || dl[0].EventID != env.ID || !strings.Contains(dl[0].Reason, "not settled after") {
		t.Fatalf("dead letters %+v", dl)
	}
}

// ---- Hosts ----------------------------------------------------------------

// recorder is a dead-letter sink keeping letters in memory.
type recorder struct {
	mu      sync.Mutex
	letters []bus.DeadLetter
}

func (r *recorder) DeadLetter(_ context.Context, dl bus.DeadLetter) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.letters = append(r.letters, dl)
	return nil
}

func (r *recorder) all(*testing.T) []bus.DeadLetter {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.letters)
}

func fastBackoff(int) time.Duration { return 20 * time.Millisecond }

func embeddedWorker() host {
	return host{name: "embedded worker", start: func(t *testing.T, h bus.Handler, drain time.Duration) *running {
		prefix := "mem://conformance-" + events.NewID() + "/"
		topic := openTopic(t, prefix+events.TypeVideoPosted)
		sub := openSub(t, prefix+events.TypeVideoPosted+"?ackdeadline=1s")
		box := &recorder{}
		w := &bus.Worker{Name: "conformance", Sub: sub, Handler: h, DeadLetters: box, Backoff: fastBackoff, DrainTimeout: drain, Logger: quiet}
		stop := drainWorker(t, w, sub)
		topics := topicPublisher(topic)
		return &running{
			publish: topics, raw: func(ctx context.Context, b []byte) error { return topic.Send(ctx, &pubsub.Message{Body: b}) },
			stop: stop, deadLetters: box.all,
			// mem:// keeps no count we can read: settled is handled or given up.
			pending:  func(*testing.T) int { return 0 },
			counting: func() int { return bus.Counting(w) },
		}
	}}
}

func sqsWorker(endpoint string) host {
	return host{name: "SQS worker", queue: true, start: func(t *testing.T, h bus.Handler, drain time.Duration) *running {
		q := newSQSQueue(t, endpoint)
		sub := awssnssqs.OpenSubscriptionV2(t.Context(), q.sqs, q.url, &awssnssqs.SubscriptionOptions{Raw: true, WaitTime: time.Second})
		dlq := awssnssqs.OpenSQSTopicV2(t.Context(), q.sqs, q.dlqURL, nil)
		t.Cleanup(func() { _ = dlq.Shutdown(context.Background()) })
		w := &bus.Worker{Name: "conformance", Sub: sub, Handler: h, DeadLetters: bus.NewQueueSink(dlq), Backoff: fastBackoff,
			DrainTimeout: drain, Logger: quiet}
		return &running{publish: q.publish, raw: q.publishRaw, stop: drainWorker(t, w, sub), deadLetters: q.deadLetters, pending: q.pending,
			counting: func() int { return bus.Counting(w) }}
	}}
}

func lambdaHost(endpoint string) host {
	return host{name: "Lambda host", queue: true, start: func(t *testing.T, h bus.Handler, drain time.Duration) *running {
		q := newSQSQueue(t, endpoint)
		dlq := awssnssqs.OpenSQSTopicV2(t.Context(), q.sqs, q.dlqURL, nil)
		t.Cleanup(func() { _ = dlq.Shutdown(context.Background()) })
		lh := &lambdahost.Host{Name: "conformance", Handler: h, DeadLetters: bus.NewQueueSink(dlq), Logger: quiet}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); q.eventSource(ctx, lh, drain) }()
		var once sync.Once
		stop := func() { once.Do(func() { cancel(); <-done }) }
		t.Cleanup(stop)
		return &running{publish: q.publish, raw: q.publishRaw, stop: stop, deadLetters: q.deadLetters, pending: q.pending,
			counting: func() int { return -1 }}
	}}
}

// drainWorker runs w until stop, which drains it and then shuts its
// subscription down (flushing its acknowledgements), as the hosts do.
func drainWorker(t *testing.T, w *bus.Worker, sub *pubsub.Subscription) func() {
	stopWorker := runWorker(t, w)
	var once sync.Once
	return func() {
		once.Do(func() {
			stopWorker()
			if err := sub.Shutdown(context.Background()); err != nil {
				t.Errorf("subscription: %v", err)
			}
		})
	}
}

func openTopic(t *testing.T, u string) *pubsub.Topic {
	t.Helper()
	topic, err := pubsub.OpenTopic(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = topic.Shutdown(context.Background()) })
	return topic
}

// topicPublisher publishes envelopes as bus.Topics does, to one topic.
func topicPublisher(topic *pubsub.Topic) func(context.Context, events.Envelope) error {
	return func(ctx context.Context, env events.Envelope) error {
		b, err := env.Marshal()
		if err != nil {
			return err
		}
		return topic.Send(ctx, &pubsub.Message{Body: b, Metadata: map[string]string{bus.MetaType: env.Type, bus.MetaID: env.ID}})
	}
}

// sqsQueue is an SNS topic delivering raw to an SQS queue with a DLQ after
// 3 receives, on fauxqs.
type sqsQueue struct {
	sqs         *sqs.Client
	url, dlqURL string
	topics      *bus.Topics
	topicARN    string
	sns         *sns.Client
	mu          sync.Mutex
	dead        []bus.DeadLetter
}

func newSQSQueue(t *testing.T, ep string) *sqsQueue {
	t.Helper()
	cfg := aws.Config{Region: testservers.Region, BaseEndpoint: &ep,
		Credentials: credentials.NewStaticCredentialsProvider(testservers.AccessKeyID, testservers.SecretAccessKey, "")}
	q := &sqsQueue{sqs: sqs.NewFromConfig(cfg), sns: sns.NewFromConfig(cfg)}
	ctx := t.Context()
	name := "conformance-" + events.NewID()[:12]
	dlq, err := q.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	q.dlqURL = *dlq.QueueUrl
	dlqARN := q.arn(t, q.dlqURL)
	main, err := q.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{
		"VisibilityTimeout": strconv.Itoa(int(visibility.Seconds())),
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":3}`, dlqARN),
	}})
	if err != nil {
		t.Fatal(err)
	}
	q.url = *main.QueueUrl
	topic, err := q.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name + "-video-posted")})
	if err != nil {
		t.Fatal(err)
	}
	q.topicARN = *topic.TopicArn
	if _, err := q.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(q.arn(t, q.url)), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	// Events go out as in production: bus.Topics on an awssns:// URL.
	prefix := strings.TrimSuffix(q.topicARN, "video-posted")
	if q.topics, err = bus.NewTopics("awssns:///" + prefix + "{name}?region=" + testservers.Region + "&endpoint=" + url.QueryEscape(ep)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.topics.Close(context.Background()) })
	return q
}

func (q *sqsQueue) arn(t *testing.T, queueURL string) string {
	t.Helper()
	out, err := q.sqs.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: &queueURL,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
}

func (q *sqsQueue) publish(ctx context.Context, env events.Envelope) error {
	return q.topics.Publish(ctx, env)
}

func (q *sqsQueue) publishRaw(ctx context.Context, body []byte) error {
	_, err := q.sns.Publish(ctx, &sns.PublishInput{TopicArn: &q.topicARN, Message: aws.String(string(body))})
	return err
}

// deadLetters takes what reached the DLQ, as the dead-letter consumer does,
// and returns every letter taken so far.
func (q *sqsQueue) deadLetters(t *testing.T) []bus.DeadLetter {
	out, err := q.sqs.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: &q.dlqURL, MaxNumberOfMessages: 10,
		MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range out.Messages {
		meta := map[string]string{}
		for k, v := range m.MessageAttributes {
			val, _ := url.PathUnescape(aws.ToString(v.StringValue))
			meta[k] = val
		}
		q.dead = append(q.dead, bus.DeadLetterFromQueue("conformance", []byte(aws.ToString(m.Body)), meta))
		if _, err := q.sqs.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: &q.dlqURL, ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	return slices.Clone(q.dead)
}

func (q *sqsQueue) pending(t *testing.T) int {
	out, err := q.sqs.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: &q.url, AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range out.Attributes {
		c, _ := strconv.Atoi(v)
		n += c
	}
	return n
}

// eventSource does what Lambda's SQS event source mapping does: receive a
// batch (long polling), invoke the function with it under a deadline, and
// delete the records its answer does not report as failures. It stops
// between batches when ctx ends, so an invocation always completes.
func (q *sqsQueue) eventSource(ctx context.Context, h *lambdahost.Host, timeout time.Duration) {
	for ctx.Err() == nil {
		out, err := q.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &q.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
		if err != nil || len(out.Messages) == 0 {
			continue
		}
		ev := lambdaevents.SQSEvent{}
		handles := map[string]*string{}
		for _, m := range out.Messages {
			rec := lambdaevents.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
				Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs", AWSRegion: testservers.Region,
				MessageAttributes: map[string]lambdaevents.SQSMessageAttribute{}}
			for k, v := range m.MessageAttributes {
				rec.MessageAttributes[k] = lambdaevents.SQSMessageAttribute{DataType: aws.ToString(v.DataType), StringValue: v.StringValue}
			}
			ev.Records = append(ev.Records, rec)
			handles[rec.MessageId] = m.ReceiptHandle
		}
		ictx, cancel := context.WithTimeout(context.Background(), timeout)
		resp, _ := h.HandleSQS(ictx, ev)
		timedOut := ictx.Err() != nil
		cancel()
		if timedOut {
			continue // a timed-out invocation fails its whole batch, as Lambda's does
		}
		for _, f := range resp.BatchItemFailures {
			delete(handles, f.ItemIdentifier)
		}
		for _, rh := range handles {
			_, _ = q.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &q.url, ReceiptHandle: rh})
		}
	}
}
