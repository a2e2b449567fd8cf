package bus_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/events"
)

func TestParseMessage(t *testing.T) {
	env := newEvent(t)
	raw, _ := env.Marshal()
	b64 := base64.StdEncoding.EncodeToString(raw)
	good := map[string][]byte{
		"raw":                    raw,
		"raw with whitespace":    []byte("\n  " + string(raw) + "\n"),
		"SNS notification":       snsNotification(t, string(raw), map[string][2]string{"type": {"String", env.Type}}),
		"SNS without attributes": snsNotification(t, string(raw), nil),
		"SNS base64 body":        snsNotification(t, b64, map[string][2]string{"base64encoded": {"String", "true"}}),
	}
	for name, body := range good {
		got, err := bus.ParseMessage(body)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.ID != env.ID || got.Type != env.Type || got.CorrelationID != env.CorrelationID || string(got.Data) != string(env.Data) {
			t.Errorf("%s: decoded %+v", name, got)
		}
	}

	confirm, _ := json.Marshal(map[string]string{
		"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "TopicArn": topicARN,
		"Message": "You have chosen to subscribe to the topic", "SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription",
	})
	bad := map[string]string{
		"garbage":               "\x00\x01 not json at all",
		"empty":                 "",
		"JSON but no event":     `{"hello":"world"}`,
		"envelope without data": `{"id":"1","type":"video.posted","version":1}`,
		"subscription confirm":  string(confirm),
		"notification of junk":  string(snsNotification(t, "not an envelope", nil)),
		"bad base64":            string(snsNotification(t, "%%%", map[string][2]string{"base64encoded": {"String", "true"}})),
		"notification no body":  `{"Type":"Notification","Message":null}`,
		"oversized":             `{"id":"` + strings.Repeat("x", 300<<10) + `"}`,
	}
	for name, body := range bad {
		_, err := bus.ParseMessage([]byte(body))
		if err == nil || !events.IsPermanent(err) {
			t.Errorf("%s: want a permanent error, got %v", name, err)
		}
	}
}

// An event whose own JSON has members named like SNS's (in other case) is
// not mistaken for a notification.
func TestParseMessageDoesNotUnwrapEnvelopes(t *testing.T) {
	body := `{"id":"e1","type":"video.posted","version":1,"correlationId":"c","seller":"s","videoId":"1","data":{"Type":"Notification","Message":"x"}}`
	env, err := bus.ParseMessage([]byte(body))
	if err != nil || env.ID != "e1" {
		t.Fatalf("envelope with SNS-like data: %+v, %v", env, err)
	}
}

type recordingSink struct{ letters chan bus.DeadLetter }

func (s recordingSink) DeadLetter(_ context.Context, dl bus.DeadLetter) error {
	s.letters <- dl
	return nil
}

// TestWorkerDecodesSNSNotifications runs a Worker on a queue that receives
// one SNS-wrapped event and one garbage body.
func TestWorkerDecodesSNSNotifications(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	topic, err := pubsub.OpenTopic(ctx, "mem://sns-wrapped")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = topic.Shutdown(context.Background()) }()
	sub, err := pubsub.OpenSubscription(ctx, "mem://sns-wrapped?ackdeadline=1s")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Shutdown(context.Background()) }()
	env := newEvent(t)
	raw, _ := env.Marshal()
	for _, body := range [][]byte{snsNotification(t, string(raw), nil), []byte("garbage")} {
		if err := topic.Send(ctx, &pubsub.Message{Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan events.Envelope, 1)
	sink := recordingSink{letters: make(chan bus.DeadLetter, 1)}
	w := &bus.Worker{Name: "test", Sub: sub, DeadLetters: sink, Logger: slog.New(slog.DiscardHandler),
		Handler: func(_ context.Context, e events.Envelope) error { got <- e; return nil }}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	select {
	case e := <-got:
		if e.ID != env.ID {
			t.Fatalf("handled %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the SNS-wrapped event was not handled")
	}
	select {
	case dl := <-sink.letters:
		if string(dl.Body) != "garbage" || dl.Attempts != 1 {
			t.Fatalf("dead letter %+v", dl)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the garbage body was not dead-lettered")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
