// Command auto-tagger-lambda is the tagging worker on AWS Lambda: it takes
// caption.parsed batches from SQS (batch size 10, partial batch failures) and
// publishes product.tagged to the topics TOPIC_URL_TEMPLATE names. Tagging is
// configured as for cmd/auto-tagger (autotagger.ConfigFromEnv).
package main

import (
	"context"
	"log/slog"

	// awssns:// topics for the results.
	_ "gocloud.dev/pubsub/awssnssqs"
	// s3:// buckets for the LLM answer cache and dead letters.
	_ "gocloud.dev/blob/s3blob"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/bus/lambdahost"
	autotagger "github.com/buylink/buylink/services/auto-tagger"
)

func main() {
	lambdahost.Start(autotagger.Name, func(pub bus.Publisher) (bus.Handler, error) {
		// The cache lives as long as the Lambda's execution environment.
		cfg, _, err := autotagger.ConfigFromEnv(context.Background(), slog.Default())
		if err != nil {
			return nil, err
		}
		svc, err := autotagger.New(cfg, pub)
		if err != nil {
			return nil, err
		}
		return svc.Handle, nil
	})
}
