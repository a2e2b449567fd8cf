package lambdahost

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/obs"
)

// Config is what a service Lambda reads from its environment.
type Config struct {
	// TopicTemplate names the topics results are published to
	// (TOPIC_URL_TEMPLATE, see bus.Topics).
	TopicTemplate string
	// DeadLetterURL is the bucket URL of a dead-letter box that records
	// permanent failures (DEADLETTER_URL, optional: without it they are logged).
	DeadLetterURL string
	// Concurrency is WORKER_CONCURRENCY (default 4): records of one batch
	// handled at once.
	Concurrency int
}

// ConfigFromEnv reads a Config, failing with the variable's name when one is
// missing or malformed.
func ConfigFromEnv() (Config, error) {
	c := Config{
		TopicTemplate: os.Getenv("TOPIC_URL_TEMPLATE"),
		DeadLetterURL: os.Getenv("DEADLETTER_URL"),
	}
	if c.TopicTemplate == "" {
		return c, errors.New("TOPIC_URL_TEMPLATE is required (where results are published, e.g. awssns:///arn:aws:sns:<region>:<account>:buylink-{name}?region=<region>)")
	}
	n, err := bus.ConcurrencyFromEnv()
	c.Concurrency = n
	return c, err
}

// New builds the Host of a function: it checks AWS credentials for the
// configured URLs, opens the topics and the dead-letter box, and makes the
// handler with the publisher of the function's results. The returned
// function closes what New opened.
func New(ctx context.Context, name string, cfg Config, log *slog.Logger, newHandler func(bus.Publisher) (bus.Handler, error)) (*Host, func(), error) {
	if err := bus.CheckURLs(ctx, cfg.TopicTemplate, cfg.DeadLetterURL); err != nil {
		return nil, nil, err
	}
	topics, err := bus.NewTopics(cfg.TopicTemplate)
	if err != nil {
		return nil, nil, err
	}
	closers := []func(){func() { _ = topics.Close(context.Background()) }}
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	h := &Host{Name: name, Concurrency: cfg.Concurrency, Logger: log}
	if cfg.DeadLetterURL != "" {
		box, err := bus.OpenDeadLetterBox(ctx, cfg.DeadLetterURL)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		closers = append(closers, func() { _ = box.Close() })
		h.DeadLetters = box
	}
	if h.Handler, err = newHandler(topics); err != nil {
		closeAll()
		return nil, nil, err
	}
	return h, closeAll, nil
}

// Start is the whole main of a service Lambda:
//
//	func main() { lambdahost.Start("caption-parser", captionparser.NewHandler) }
//
// It sets up logging (LOG_FORMAT, LOG_LEVEL), reads the Config, builds the
// Host and serves SQS events until the runtime stops the process. Any
// configuration error ends the process at once, with the reason logged, so
// the function's initialisation fails visibly instead of its invocations.
func Start(name string, newHandler func(bus.Publisher) (bus.Handler, error)) {
	log := obs.Setup(name)
	cfg, err := ConfigFromEnv()
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	stopMetrics, err := metrics.Setup(name)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	h, closeAll, err := New(context.Background(), name, cfg, log, newHandler)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.StartWithOptions(h.HandleSQS, lambda.WithEnableSIGTERM(func() { closeAll(); stopMetrics() }))
}
