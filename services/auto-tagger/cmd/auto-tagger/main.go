// Command auto-tagger is the long-poll tagging worker: it consumes
// caption.parsed from SUBSCRIPTION_URL and publishes product.tagged to the
// topics TOPIC_URL_TEMPLATE names (see bus.WorkerConfigFromEnv). Tag lists
// are bounded by TAGGER_MAX_TAGS (default 10) and TAGGER_MIN_CONFIDENCE
// (default 0.6). With OPENROUTER_API_KEY products are tagged by the LLM
// (LLM_MODEL, LLM_BASE_URL; answers cached at LLM_CACHE_URL), otherwise by
// the rule tagger. It drains and exits
// on SIGINT or SIGTERM, logging its totals.
package main

import (
	"context"
	"log/slog"
	"os"

	// awssqs:// subscriptions and awssns:// topics on AWS.
	_ "gocloud.dev/pubsub/awssnssqs"
	// s3:// buckets for dead letters on AWS.
	_ "gocloud.dev/blob/s3blob"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/obs"
	autotagger "github.com/buylink/buylink/services/auto-tagger"
)

func main() {
	log := obs.Setup(autotagger.Name)
	if err := run(log); err != nil {
		log.Error("auto-tagger stopped", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	wcfg, err := bus.WorkerConfigFromEnv()
	if err != nil {
		return err
	}
	cfg, closeCache, err := autotagger.ConfigFromEnv(context.Background(), log)
	if err != nil {
		return err
	}
	defer func() { _ = closeCache() }()
	var svc *autotagger.Service
	defer func() {
		if svc != nil {
			s := svc.Stats()
			log.Info("auto-tagger totals", "events", s.Events, "by_rules", s.ByRules, "by_llm", s.ByLLM,
				"failures_forwarded", s.FailuresForwarded)
		}
	}()
	return bus.RunWorker(autotagger.Name, wcfg, log, func(pub bus.Publisher) (bus.Handler, error) {
		var err error
		svc, err = autotagger.New(cfg, pub)
		if err != nil {
			return nil, err
		}
		return svc.Handle, nil
	})
}
