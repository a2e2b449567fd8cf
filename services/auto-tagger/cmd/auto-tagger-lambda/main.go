// Command auto-tagger-lambda is the tagging worker on AWS Lambda: it takes
// caption.parsed batches from SQS (partial batch failures) and publishes
// product.tagged. Its environment is auto-tagger's Lambda environment in
// pkg/deploy; the OpenRouter key comes from Secrets Manager at cold start.
package main

import (
	// awssns:// topics, awssqs:// dead-letter queues, s3:// LLM cache.
	_ "gocloud.dev/blob/s3blob"
	_ "gocloud.dev/pubsub/awssnssqs"

	// The catalog store the LLM budgets are counted in (STORE_URL).
	_ "github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	autotagger "github.com/buylink/buylink/services/auto-tagger"
)

func main() { host.Lambda(deploy.AutoTagger, autotagger.Component) }
