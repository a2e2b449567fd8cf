// Command caption-parser-lambda is the caption worker on AWS Lambda: it takes
// video.posted batches from SQS (partial batch failures) and publishes
// caption.parsed. Its environment is caption-parser's Lambda environment in
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
	"github.com/buylink/buylink/services/caption-parser/captionparser"
)

func main() { host.Lambda(deploy.CaptionParser, captionparser.Component) }
