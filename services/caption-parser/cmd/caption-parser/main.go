// Command caption-parser is the long-poll caption worker: it consumes
// video.posted from SUBSCRIPTION_URL and publishes caption.parsed (package
// captionparser). Its environment is caption-parser's in pkg/deploy: the
// worker host's variables and the LLM's (OPENROUTER_API_KEY, LLM_*); without
// a key the rules parse every caption. It drains and exits on SIGINT or
// SIGTERM, logging its totals.
package main

import (
	// awssqs:// subscriptions and awssns:// topics; s3:// buckets for the
	// LLM answer cache and dead letters.
	_ "gocloud.dev/blob/s3blob"
	_ "gocloud.dev/pubsub/awssnssqs"

	// The catalog store the LLM budgets are counted in (STORE_URL).
	_ "github.com/buylink/buylink/pkg/catalog/dynamo"
	_ "github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/services/caption-parser/captionparser"
)

func main() { host.Main(deploy.CaptionParser, captionparser.Component) }
