package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/awsconfig"
)

// WorkerConfig is what a standalone worker process reads from its environment.
type WorkerConfig struct {
	// SubscriptionURL is the queue the worker consumes (SUBSCRIPTION_URL),
	// e.g. "awssqs://sqs.eu-west-1.amazonaws.com/123/caption-parser?region=eu-west-1".
	SubscriptionURL string
	// TopicTemplate names the topics results are published to
	// (TOPIC_URL_TEMPLATE, see Topics).
	TopicTemplate string
	// DeadLetterURL is the dead-letter box's bucket URL (DEADLETTER_URL);
	// empty when the queue has its own DLQ (SQS), which sets MaxAttempts < 0.
	DeadLetterURL string
	// Concurrency is WORKER_CONCURRENCY (default 4).
	Concurrency int
}

// WorkerConfigFromEnv reads a WorkerConfig, failing with the variable's name
// when one is missing or malformed.
func WorkerConfigFromEnv() (WorkerConfig, error) {
	c := WorkerConfig{
		SubscriptionURL: os.Getenv("SUBSCRIPTION_URL"),
		TopicTemplate:   os.Getenv("TOPIC_URL_TEMPLATE"),
		DeadLetterURL:   os.Getenv("DEADLETTER_URL"),
		Concurrency:     4,
	}
	if c.SubscriptionURL == "" {
		return c, errors.New("SUBSCRIPTION_URL is required (the queue this worker consumes)")
	}
	if c.TopicTemplate == "" {
		return c, errors.New("TOPIC_URL_TEMPLATE is required (where results are published, e.g. mem://{type})")
	}
	if s := os.Getenv("WORKER_CONCURRENCY"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 256 {
			return c, fmt.Errorf("WORKER_CONCURRENCY must be an integer in 1..256 (got %q)", s)
		}
		c.Concurrency = n
	}
	return c, nil
}

// queueRedriveSink is the sink of workers whose queue dead-letters by itself
// (SQS redrive policy): it refuses every letter, so the worker leaves the
// message unacknowledged and the queue moves it to its DLQ after
// maxReceiveCount deliveries.
type queueRedriveSink struct{}

func (queueRedriveSink) DeadLetter(_ context.Context, dl DeadLetter) error {
	return fmt.Errorf("no dead-letter box configured; leaving %s for the queue's redrive policy", dl.EventID)
}

// RunWorker runs a worker process: it opens the subscription, hosts h until
// SIGINT or SIGTERM, then drains and closes everything. newHandler receives
// the publisher for the worker's results.
func RunWorker(name string, cfg WorkerConfig, log *slog.Logger, newHandler func(Publisher) (Handler, error)) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := CheckURLs(ctx, cfg.SubscriptionURL, cfg.TopicTemplate, cfg.DeadLetterURL); err != nil {
		return err
	}
	topics, err := NewTopics(cfg.TopicTemplate)
	if err != nil {
		return err
	}
	defer func() { _ = topics.Close(context.Background()) }()
	h, err := newHandler(topics)
	if err != nil {
		return err
	}
	sub, err := pubsub.OpenSubscription(ctx, cfg.SubscriptionURL)
	if err != nil {
		return fmt.Errorf("open subscription %s: %w", cfg.SubscriptionURL, err)
	}
	defer func() { _ = sub.Shutdown(context.Background()) }()
	w := &Worker{Name: name, Sub: sub, Handler: h, Concurrency: cfg.Concurrency, Logger: log}
	if cfg.DeadLetterURL != "" {
		box, err := OpenDeadLetterBox(ctx, cfg.DeadLetterURL)
		if err != nil {
			return err
		}
		defer func() { _ = box.Close() }()
		w.DeadLetters = box
	} else {
		w.DeadLetters, w.MaxAttempts = queueRedriveSink{}, -1
	}
	return w.Run(ctx)
}

// CheckURLs checks, before anything is opened, that the AWS URLs among urls
// (subscriptions, topic templates, buckets) have credentials, so a process
// configured for AWS without them stops at start-up with a message saying
// what to set. Other URLs pass; empty ones are skipped.
func CheckURLs(ctx context.Context, urls ...string) error {
	for _, u := range urls {
		if u == "" {
			continue
		}
		if err := awsconfig.CheckURL(ctx, ExpandURL(u, "event")); err != nil {
			return err
		}
	}
	return nil
}
