package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	// mem:// buckets for the dead-letter box.
	_ "gocloud.dev/blob/memblob"
	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/mempubsub"

	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
	autotagger "github.com/buylink/buylink/services/auto-tagger"
)

// run runs the worker as main does, until SIGTERM.
func run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	return host.Run(ctx, deploy.MustGet(deploy.AutoTagger), os.Getenv, log, metrics.New("test"), autotagger.Component, nil)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRunNeedsItsConfiguration(t *testing.T) {
	t.Setenv("SUBSCRIPTION_URL", "")
	if err := run(quiet()); err == nil || !strings.Contains(err.Error(), "SUBSCRIPTION_URL") {
		t.Errorf("err %v, want one naming SUBSCRIPTION_URL", err)
	}
	t.Setenv("SUBSCRIPTION_URL", "mem://x")
	t.Setenv("TOPIC_URL_TEMPLATE", "mem://{type}")
	t.Setenv("TAGGER_MIN_CONFIDENCE", "very")
	if err := run(quiet()); err == nil || !strings.Contains(err.Error(), "TAGGER_MIN_CONFIDENCE") {
		t.Errorf("err %v, want one naming TAGGER_MIN_CONFIDENCE", err)
	}
}

// TestWorkerProcess runs the whole worker on mem:// topics: a
// caption.parsed in, a product.tagged out, and a clean drain on SIGTERM.
func TestWorkerProcess(t *testing.T) {
	ctx := context.Background()
	prefix := "mem://" + events.NewID() + "-"
	in, err := pubsub.OpenTopic(ctx, prefix+"caption-parsed")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Shutdown(ctx) }()
	outTopic, err := pubsub.OpenTopic(ctx, prefix+"product-tagged")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = outTopic.Shutdown(ctx) }()
	out, err := pubsub.OpenSubscription(ctx, prefix+"product-tagged")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = out.Shutdown(ctx) }()
	t.Setenv("SUBSCRIPTION_URL", prefix+"caption-parsed")
	t.Setenv("TOPIC_URL_TEMPLATE", prefix+"{name}")
	t.Setenv("DEADLETTER_URL", "mem://deadletters")
	done := make(chan error, 1)
	go func() { done <- run(quiet()) }()

	env, err := events.New("", "bella.shop", "1", &events.CaptionParsed{Parser: "rules", Products: []events.ParsedProduct{{Index: 0, Title: "Heated eyelash curler"}}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := env.Marshal()
	// mem:// topics drop messages sent before the worker subscribes, so the
	// event is sent again until the result comes (the handler is idempotent).
	var msg *pubsub.Message
	for attempt := 0; msg == nil && attempt < 60; attempt++ {
		select {
		case err := <-done:
			t.Fatalf("worker stopped early: %v", err)
		default:
		}
		if err := in.Send(ctx, &pubsub.Message{Body: body}); err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		msg, _ = out.Receive(rctx)
		cancel()
	}
	if msg == nil {
		t.Fatal("no product.tagged within 15s")
	}
	msg.Ack()
	got, err := events.Parse(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	var pt events.ProductTagged
	if err := events.Decode(got, &pt); err != nil || pt.Tagger != "rules" || len(pt.Products) != 1 || pt.Products[0].Category != "beauty/tools" || got.CorrelationID != env.CorrelationID {
		t.Errorf("product.tagged %+v (%v)", pt, err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("worker stopped with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("worker did not drain after SIGTERM")
	}
}
