// Command caption-parser is the long-poll caption worker: it consumes
// video.posted from SUBSCRIPTION_URL and publishes caption.parsed to the
// topics TOPIC_URL_TEMPLATE names (see bus.WorkerConfigFromEnv). The LLM is
// configured by OPENROUTER_API_KEY, LLM_MODEL, LLM_BASE_URL and
// LLM_CACHE_URL (see captionparser.ConfigFromEnv); without a key the rules
// parse every caption. It drains and exits on SIGINT or SIGTERM, logging its
// totals (captions by parser, LLM tokens and cost).
package main

import (
	"log/slog"
	"os"

	// awssqs:// subscriptions and awssns:// topics on AWS.
	_ "gocloud.dev/pubsub/awssnssqs"
	// s3:// buckets for the LLM answer cache and dead letters on AWS.
	_ "gocloud.dev/blob/s3blob"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/obs"
	"github.com/buylink/buylink/services/caption-parser/captionparser"
)

func main() {
	log := obs.Setup(captionparser.Name)
	if err := run(log); err != nil {
		log.Error("caption-parser stopped", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	wcfg, err := bus.WorkerConfigFromEnv()
	if err != nil {
		return err
	}
	cfg, err := captionparser.ConfigFromEnv()
	if err != nil {
		return err
	}
	cfg.Logger = log
	var p *captionparser.Parser
	defer func() {
		if p != nil {
			s := p.Stats()
			log.Info("caption-parser totals", "by_rules", s.ByRules, "by_llm", s.ByLLM, "fallbacks", s.Fallbacks,
				"rejected", s.Rejected, "llm_calls", s.LLM.Calls, "llm_cache_hits", s.LLM.CacheHits,
				"llm_failures", s.LLM.Failures, "prompt_tokens", s.LLM.PromptTokens,
				"completion_tokens", s.LLM.CompletionTokens, "cost_usd", s.LLM.CostUSD)
			_ = p.Close()
		}
	}()
	return bus.RunWorker(captionparser.Name, wcfg, log, func(pub bus.Publisher) (bus.Handler, error) {
		var err error
		p, err = captionparser.New(cfg, pub)
		if err != nil {
			return nil, err
		}
		return p.Handle, nil
	})
}
