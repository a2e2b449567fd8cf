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
	"github.com/buylink/buylink/pkg/metrics"
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
	}
	if c.SubscriptionURL == "" {
		return c, errors.New("SUBSCRIPTION_URL is required (the queue this worker consumes)")
	}
	if c.TopicTemplate == "" {
		return c, errors.New("TOPIC_URL_TEMPLATE is required (where results are published, e.g. mem://{type})")
	}
	n, err := ConcurrencyFromEnv()
	c.Concurrency = n
	return c, err
}

// ConcurrencyFromEnv reads WORKER_CONCURRENCY, the handlers a host runs at
// once: 4 when unset, an error naming the variable unless it is in 1..256.
func ConcurrencyFromEnv() (int, error) {
	s := os.Getenv("WORKER_CONCURRENCY")
	if s == "" {
		return 4, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 256 {
		return 4, fmt.Errorf("WORKER_CONCURRENCY must be an integer in 1..256 (got %q)", s)
	}
	return n, nil
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
// the publisher for the worker's results. Metrics go to metrics.Default(),
// written as EMF when metrics.Setup says so (on ECS by default).
func RunWorker(name string, cfg WorkerConfig, log *slog.Logger, newHandler func(Publisher) (Handler, error)) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopMetrics, err := metrics.Setup(name)
	if err != nil {
		return err
	}
	defer stopMetrics()
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
