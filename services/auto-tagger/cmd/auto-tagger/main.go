// Command auto-tagger is the long-poll tagging worker: it consumes
// caption.parsed from SUBSCRIPTION_URL and publishes product.tagged
// (package autotagger). Its environment is auto-tagger's in pkg/deploy: the
// worker host's variables, TAGGER_MAX_TAGS, TAGGER_MIN_CONFIDENCE and the
// LLM's (OPENROUTER_API_KEY, LLM_*); without a key the rule tagger tags. It
// drains and exits on SIGINT or SIGTERM, logging its totals.
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
	autotagger "github.com/buylink/buylink/services/auto-tagger"
)

func main() { host.Main(deploy.AutoTagger, autotagger.Component) }
