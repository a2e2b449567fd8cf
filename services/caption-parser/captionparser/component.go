package captionparser

import (
	"context"
	"path/filepath"

	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/metrics/llmmetrics"
	"github.com/buylink/buylink/pkg/quota"
)

// Component is the caption parser's component (pkg/host): the handler of
// video.posted, configured by ConfigFromEnv. In devstack LLM answers are
// cached under the data directory unless LLM_CACHE_URL says otherwise.
// Closing it logs the parser's totals and releases the cache.
func Component(_ context.Context, d host.Deps) (*host.Component, error) {
	cfg, err := ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	cfg.Logger = d.Log
	if cfg.LLM.Enabled() {
		if cfg.Budget, err = quota.BudgetFromEnv(d.Store, d.Env); err != nil {
			return nil, err
		}
	}
	if cfg.CacheURL == "" && d.Devstack && d.DataDir != "" {
		cfg.CacheURL = "file://" + filepath.ToSlash(filepath.Join(d.DataDir, "llm-cache")) + "?create_dir=1&no_tmp_dir=1"
	}
	p, err := New(cfg, d.Publisher)
	if err != nil {
		return nil, err
	}
	llmmetrics.Register(d.Metrics, Name, func() llm.CounterSnapshot { return p.Stats().LLM })
	d.Metrics.CounterFunc(metrics.LLMOverBudget, metrics.Count, func() float64 { return float64(p.Stats().OverBudget) },
		metrics.D(metrics.DimWorker, Name))
	c := &host.Component{Handler: p.Handle}
	c.OnClose(func() error {
		s := p.Stats()
		d.Log.Info("caption-parser totals", "by_rules", s.ByRules, "by_llm", s.ByLLM, "fallbacks", s.Fallbacks, "over_budget", s.OverBudget,
			"rejected", s.Rejected, "llm_calls", s.LLM.Calls, "llm_cache_hits", s.LLM.CacheHits,
			"llm_failures", s.LLM.Failures, "prompt_tokens", s.LLM.PromptTokens,
			"completion_tokens", s.LLM.CompletionTokens, "cost_usd", s.LLM.CostUSD)
		return p.Close()
	})
	if !cfg.LLM.Enabled() {
		c.Notes = append(c.Notes, "captions parsed by rules (set OPENROUTER_API_KEY for the LLM parser)")
	}
	return c, nil
}
