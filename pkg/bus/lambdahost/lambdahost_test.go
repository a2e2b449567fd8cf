package lambdahost_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/bus/lambdahost"
	busevents "github.com/buylink/buylink/pkg/events"
)

// record is one SQS record of a test event.
type record struct {
	id       string
	body     string
	receives int
	attrs    map[string]string // message attributes (String)
}

// sqsEvent renders records in the JSON Lambda delivers for an SQS event
// source and decodes it, so the adapter sees exactly what the runtime gives it.
func sqsEvent(t *testing.T, recs ...record) events.SQSEvent {
	t.Helper()
	var parts []string
	for i, r := range recs {
		attrs := map[string]any{}
		for k, v := range r.attrs {
			attrs[k] = map[string]any{"stringValue": v, "stringListValues": []string{}, "binaryListValues": []string{}, "dataType": "String"}
		}
		body, _ := json.Marshal(r.body)
		ma, _ := json.Marshal(attrs)
		sum := md5.Sum([]byte(r.body))
		parts = append(parts, fmt.Sprintf(`{
      "messageId": %q,
      "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a7yKd2hj+GypFfRfZCwJoNbXT8e4Es7lvlhLkrzyB/3UUbWl4ooDvkdLu4Z/8d3YoPCtQYUeyv2VZlhArhG8Lrzt3Ki7O9hgsJ9t5sP2z6JX6HNwJ8uJ4+aF1Zi0tTt7PshhRXxlIX9m6JWWPhCHqPV4VmqgP7qPvMBQG+nY1SbJ+7vR9ZRlNtUGGH6v/0VL%d",
      "body": %s,
      "attributes": {
        "ApproximateReceiveCount": "%d",
        "SentTimestamp": "1751900293000",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1751900293012"
      },
      "messageAttributes": %s,
      "md5OfBody": %q,
      "eventSource": "aws:sqs",
      "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:buylink-caption-parser",
      "awsRegion": "eu-west-1"
    }`, r.id, i, body, max(r.receives, 1), ma, hex.EncodeToString(sum[:])))
	}
	raw := `{"Records": [` + strings.Join(parts, ",") + `]}`
	var ev events.SQSEvent
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		t.Fatalf("test event does not decode: %v\n%s", err, raw)
	}
	return ev
}

// envelope builds an event whose seller tells the test handler what to do.
func envelope(t *testing.T, behaviour string) busevents.Envelope {
	t.Helper()
	env, err := busevents.New("corr-"+behaviour, behaviour, "7524157935543832863", &busevents.VideoPosted{
		PageURL: "https://www.tiktok.com/@x/video/7524157935543832863", PostedAt: time.Now().UTC(), Attempt: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func rawBody(t *testing.T, env busevents.Envelope) string {
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// snsBody wraps an envelope as SNS delivers it without raw message delivery.
func snsBody(t *testing.T, env busevents.Envelope) string {
	b, _ := json.Marshal(map[string]any{
		"Type": "Notification", "MessageId": "5f9e1d0a-86b4-5b1f-a7ad-4d1c6b0e5a11",
		"TopicArn": "arn:aws:sns:eu-west-1:123456789012:buylink-video-posted", "Message": rawBody(t, env),
		"Timestamp": "2025-07-07T14:58:13.512Z", "SignatureVersion": "1", "Signature": "EXAMPLE",
		"SigningCertURL":    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem",
		"MessageAttributes": map[string]any{"type": map[string]string{"Type": "String", "Value": env.Type}},
	})
	return string(b)
}

// behaviourHandler does what the event's seller says: ok, retry, perm, panic.
func behaviourHandler(seen *sync.Map) bus.Handler {
	return func(_ context.Context, env busevents.Envelope) error {
		seen.Store(env.ID, env)
		switch env.Seller {
		case "retry":
			return errors.New("upstream timeout")
		case "perm":
			return busevents.Permanent(errors.New("caption is not a product post"))
		case "panic":
			var p *busevents.Envelope
			_ = p.ID // a nil-pointer panic
		}
		return nil
	}
}

type sink struct {
	mu      sync.Mutex
	letters []bus.DeadLetter
	fail    bool
}

func (s *sink) DeadLetter(_ context.Context, dl bus.DeadLetter) error {
	if s.fail {
		return errors.New("bucket unavailable")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.letters = append(s.letters, dl)
	return nil
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func failures(resp events.SQSEventResponse) string {
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return strings.Join(ids, ",")
}

func TestMixedBatch(t *testing.T) {
	var seen sync.Map
	dl := &sink{}
	h := &lambdahost.Host{Name: "caption-parser", Handler: behaviourHandler(&seen), DeadLetters: dl, Logger: quiet()}
	ok, wrapped := envelope(t, "ok"), envelope(t, "ok")
	ev := sqsEvent(t,
		record{id: "m-ok", body: rawBody(t, ok), attrs: map[string]string{"type": ok.Type, "version": "1"}},
		record{id: "m-retry", body: rawBody(t, envelope(t, "retry")), receives: 2},
		record{id: "m-perm", body: rawBody(t, envelope(t, "perm"))},
		record{id: "m-panic", body: rawBody(t, envelope(t, "panic"))},
		record{id: "m-sns", body: snsBody(t, wrapped)},
		record{id: "m-garbage", body: "<html>502 Bad Gateway</html>"},
		record{id: "m-last", body: rawBody(t, envelope(t, "retry")), receives: 3},
	)
	resp, err := h.HandleSQS(t.Context(), ev)
	if err != nil {
		t.Fatalf("a batch never fails as a whole: %v", err)
	}
	// The retryable failure on its third receive is given up with its
	// reason, as SQS would move it on the fourth.
	if got := failures(resp); got != "m-retry,m-panic" {
		t.Fatalf("batch item failures: %q, want m-retry,m-panic", got)
	}
	got, okSeen := seen.Load(wrapped.ID)
	if !okSeen || fmt.Sprint(got) != fmt.Sprint(wrapped) {
		t.Fatalf("the SNS-wrapped record decoded to %+v, want %+v", got, wrapped)
	}
	if _, okSeen := seen.Load(ok.ID); !okSeen {
		t.Fatal("the raw record was not handled")
	}
	dl.mu.Lock()
	defer dl.mu.Unlock()
	attempts := map[string]int{}
	for _, l := range dl.letters {
		attempts[l.Reason] = l.Attempts
		if l.Worker != "caption-parser" {
			t.Errorf("dead letter %+v", l)
		}
	}
	if len(dl.letters) != 3 || attempts["caption is not a product post"] != 1 || attempts["upstream timeout"] != 3 {
		t.Fatalf("dead letters: %+v", dl.letters)
	}
	for _, l := range dl.letters {
		if l.EventType == "" && string(l.Body) != "<html>502 Bad Gateway</html>" {
			t.Fatalf("the garbage body must be kept as received: %q", l.Body)
		}
	}
	b, _ := json.Marshal(resp)
	if !strings.HasPrefix(string(b), `{"batchItemFailures":[{"itemIdentifier":"m-retry"}`) {
		t.Fatalf("response JSON: %s", b)
	}
}

func TestAllSucceededReportsNothing(t *testing.T) {
	var seen sync.Map
	h := &lambdahost.Host{Name: "auto-tagger", Handler: behaviourHandler(&seen), Logger: quiet()}
	resp, _ := h.HandleSQS(t.Context(), sqsEvent(t, record{id: "a", body: rawBody(t, envelope(t, "ok"))}, record{id: "b", body: rawBody(t, envelope(t, "ok"))}))
	if b, _ := json.Marshal(resp); string(b) != `{"batchItemFailures":[]}` {
		t.Fatalf("response JSON: %s", b)
	}
}

// Without a sink a record given up stays in the queue, whose redrive policy
// moves it to the DLQ.
func TestNoSinkLeavesGivenUpRecordsToTheQueue(t *testing.T) {
	var seen sync.Map
	h := &lambdahost.Host{Name: "auto-tagger", Handler: behaviourHandler(&seen), Logger: quiet()}
	resp, _ := h.HandleSQS(t.Context(), sqsEvent(t, record{id: "a", body: rawBody(t, envelope(t, "ok"))}, record{id: "b", body: rawBody(t, envelope(t, "perm"))}))
	if got := failures(resp); got != "b" {
		t.Fatalf("failures %q, want b", got)
	}
}

func TestFailedDeadLetterKeepsTheRecord(t *testing.T) {
	var seen sync.Map
	h := &lambdahost.Host{Name: "caption-parser", Handler: behaviourHandler(&seen), DeadLetters: &sink{fail: true}, Logger: quiet()}
	resp, _ := h.HandleSQS(t.Context(), sqsEvent(t, record{id: "p", body: rawBody(t, envelope(t, "perm"))}, record{id: "g", body: "{"}))
	if got := failures(resp); got != "p,g" {
		t.Fatalf("failures %q: records that could not be recorded must stay on the queue", got)
	}
}

func TestDeadlineFailsUnstartedRecords(t *testing.T) {
	var calls atomic.Int32
	h := &lambdahost.Host{Name: "x", Logger: quiet(), Handler: func(context.Context, busevents.Envelope) error {
		calls.Add(1)
		return nil
	}}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	resp, _ := h.HandleSQS(ctx, sqsEvent(t, record{id: "1", body: rawBody(t, envelope(t, "ok"))}, record{id: "2", body: rawBody(t, envelope(t, "ok"))}))
	if failures(resp) != "1,2" || calls.Load() != 0 {
		t.Fatalf("after the deadline: failures %q, %d calls", failures(resp), calls.Load())
	}
}

func TestRecordsRunConcurrently(t *testing.T) {
	const n = 3
	arrived := make(chan struct{}, n)
	release := make(chan struct{})
	h := &lambdahost.Host{Name: "x", Concurrency: n, Logger: quiet(), Handler: func(ctx context.Context, _ busevents.Envelope) error {
		arrived <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	var recs []record
	for i := range n {
		recs = append(recs, record{id: fmt.Sprint(i), body: rawBody(t, envelope(t, "ok"))})
	}
	done := make(chan events.SQSEventResponse, 1)
	go func() {
		resp, _ := h.HandleSQS(t.Context(), sqsEvent(t, recs...))
		done <- resp
	}()
	for range n {
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("records did not run at once")
		}
	}
	close(release)
	if resp := <-done; len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %v", resp.BatchItemFailures)
	}
}
