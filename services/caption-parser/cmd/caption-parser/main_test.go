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

	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/mempubsub"

	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/services/caption-parser/captionparser"
)

// run runs the worker as main does, until SIGTERM.
func run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	return host.Run(ctx, deploy.MustGet(deploy.CaptionParser), os.Getenv, log, metrics.New("test"), captionparser.Component, nil)
}

func TestRunNeedsItsConfiguration(t *testing.T) {
	t.Setenv("SUBSCRIPTION_URL", "")
	err := run(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "SUBSCRIPTION_URL") {
		t.Errorf("err %v, want one naming SUBSCRIPTION_URL", err)
	}
	t.Setenv("SUBSCRIPTION_URL", "mem://x")
	t.Setenv("TOPIC_URL_TEMPLATE", "mem://{type}")
	t.Setenv("LLM_MAX_ATTEMPTS", "many")
	if err := run(slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "LLM_MAX_ATTEMPTS") {
		t.Errorf("err %v, want one naming LLM_MAX_ATTEMPTS", err)
	}
}

// TestWorkerProcess runs the whole worker on mem:// topics: a video.posted
// in, a caption.parsed out, and a clean drain on SIGTERM.
func TestWorkerProcess(t *testing.T) {
	ctx := context.Background()
	prefix := "mem://" + events.NewID() + "-"
	in, err := pubsub.OpenTopic(ctx, prefix+"video-posted")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Shutdown(ctx) }()
	outTopic, err := pubsub.OpenTopic(ctx, prefix+"caption-parsed")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = outTopic.Shutdown(ctx) }()
	out, err := pubsub.OpenSubscription(ctx, prefix+"caption-parsed")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = out.Shutdown(ctx) }()
	t.Setenv("SUBSCRIPTION_URL", prefix+"video-posted")
	t.Setenv("TOPIC_URL_TEMPLATE", prefix+"{name}")
	t.Setenv("DEADLETTER_URL", "mem://deadletters")
	t.Setenv("OPENROUTER_API_KEY", "")
	done := make(chan error, 1)
	go func() { done <- run(slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	env, err := events.New("", "bella.shop", "1", &events.VideoPosted{PageURL: "https://www.tiktok.com/@bella.shop/video/1", Caption: "our mug is $12 at mugs.com/m", PostedAt: time.Now(), Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := env.Marshal()
	// mem:// topics drop messages sent before the worker subscribes, so the
	// event is sent again until the result comes (the handler is idempotent).
	var msg *pubsub.Message
	for attempt := 0; msg == nil && attempt < 60; attempt++ {
		if err := in.Send(ctx, &pubsub.Message{Body: body}); err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		msg, _ = out.Receive(rctx)
		cancel()
	}
	if msg == nil {
		t.Fatal("no caption.parsed within 15s")
	}
	msg.Ack()
	got, err := events.Parse(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	var cp events.CaptionParsed
	if err := events.Decode(got, &cp); err != nil || cp.Parser != "rules" || len(cp.Products) != 1 || got.CorrelationID != env.CorrelationID {
		t.Errorf("caption.parsed %+v (%v)", cp, err)
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
