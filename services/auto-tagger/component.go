package autotagger

import (
	"context"

	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/quota"
)

// Component is the auto-tagger's component (pkg/host): the handler of
// caption.parsed, configured by ConfigFromEnv. Closing it logs its totals
// and releases the LLM answer cache.
func Component(ctx context.Context, d host.Deps) (*host.Component, error) {
	cfg, closeCache, err := ConfigFromEnv(ctx, d.Log)
	if err != nil {
		return nil, err
	}
	if cfg.LLM != nil {
		if cfg.Budget, err = quota.BudgetFromEnv(d.Store, d.Env); err != nil {
			_ = closeCache()
			return nil, err
		}
	}
	svc, err := New(cfg, d.Publisher)
	if err != nil {
		_ = closeCache()
		return nil, err
	}
	c := &host.Component{Handler: svc.Handle}
	d.Metrics.CounterFunc(metrics.LLMOverBudget, metrics.Count, func() float64 { return float64(svc.Stats().OverBudget) },
		metrics.D(metrics.DimWorker, Name))
	c.OnClose(func() error {
		s := svc.Stats()
		d.Log.Info("auto-tagger totals", "events", s.Events, "by_rules", s.ByRules, "by_llm", s.ByLLM, "over_budget", s.OverBudget, "failures_forwarded", s.FailuresForwarded)
		return closeCache()
	})
	if cfg.LLM == nil {
		c.Notes = append(c.Notes, "products tagged by the taxonomy rules (set OPENROUTER_API_KEY for the LLM tagger)")
	}
	return c, nil
}
