// Command scheduled-ingestion-lambda is scheduled ingestion on AWS Lambda,
// invoked by an EventBridge schedule: each invocation runs one
// ingestion.Scheduler pass over every seller and returns its summary.
//
// Configuration, from the environment:
//
//	STORE_URL           the catalog store (dynamodb://<table>?region=<region>)
//	TOPIC_URL_TEMPLATE  event topics (awssns:///arn:aws:sns:…:buylink-{name}?region=…)
//	APIFY_TOKEN         the Apify API token (required)
//	APIFY_ACTOR         the scraper actor (default clockworks~tiktok-scraper)
//	INGEST_CONCURRENCY  sellers scraped at once (default 4)
//	LOG_FORMAT, LOG_LEVEL
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	// awssns:// topics.
	_ "gocloud.dev/pubsub/awssnssqs"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog/storeurl"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/obs"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

func main() {
	log := obs.Setup("scheduled-ingestion")
	sched, err := newScheduler(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, ev lambdaevents.EventBridgeEvent) (ingestion.Summary, error) {
		log.InfoContext(ctx, "scheduled ingestion invoked", "event_id", ev.ID, "time", ev.Time)
		return sched.Run(ctx)
	})
}

// newScheduler builds the scheduler from the environment.
func newScheduler(ctx context.Context, getenv func(string) string, log *slog.Logger) (*ingestion.Scheduler, error) {
	token := getenv("APIFY_TOKEN")
	if token == "" {
		return nil, errors.New("APIFY_TOKEN is required")
	}
	tmpl := getenv("TOPIC_URL_TEMPLATE")
	if tmpl == "" {
		return nil, errors.New("TOPIC_URL_TEMPLATE is required")
	}
	conc := 4
	if s := getenv("INGEST_CONCURRENCY"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 64 {
			return nil, fmt.Errorf("INGEST_CONCURRENCY must be an integer in 1..64 (got %q)", s)
		}
		conc = n
	}
	st, err := storeurl.Open(ctx, getenv("STORE_URL"))
	if err != nil {
		return nil, fmt.Errorf("STORE_URL: %w", err)
	}
	topics, err := bus.NewTopics(tmpl)
	if err != nil {
		return nil, err
	}
	if err := topics.Open(ctx, events.TypeVideoPosted); err != nil {
		return nil, err
	}
	apify, err := tiktok.NewApifyClient(tiktok.ApifyOptions{Token: token, Actor: getenv("APIFY_ACTOR"), Logger: log})
	if err != nil {
		return nil, err
	}
	return &ingestion.Scheduler{Sellers: st, Scraper: apify, Concurrency: conc, Logger: log,
		Ingester: &ingestion.Ingester{Videos: st, Publisher: topics, Logger: log}}, nil
}
