// Package llmmetrics bridges llm.Counters, the LLM client's running totals,
// into a metrics registry, so a worker's LLM calls, tokens and cost reach
// CloudWatch and the devstack's /admin/metrics without a second set of
// counters. It is a package of its own so that the registry does not pull
// the LLM client into every binary.
package llmmetrics

import (
	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/pkg/metrics"
)

// Register reports the totals that snapshot returns (for example
// captionparser.Parser.Stats().LLM, or a *llm.Counters' Snapshot) as the
// LLM* metrics of r, with the Worker dimension. Registering the same worker
// again replaces snapshot.
func Register(r *metrics.Registry, worker string, snapshot func() llm.CounterSnapshot) {
	w := metrics.D(metrics.DimWorker, worker)
	count := func(name string, get func(llm.CounterSnapshot) int64) {
		r.CounterFunc(name, metrics.Count, func() float64 { return float64(get(snapshot())) }, w)
	}
	count(metrics.LLMCalls, func(s llm.CounterSnapshot) int64 { return s.Calls })
	count(metrics.LLMCacheHits, func(s llm.CounterSnapshot) int64 { return s.CacheHits })
	count(metrics.LLMFailures, func(s llm.CounterSnapshot) int64 { return s.Failures })
	count(metrics.LLMPromptTokens, func(s llm.CounterSnapshot) int64 { return s.PromptTokens })
	count(metrics.LLMCompletionTokens, func(s llm.CounterSnapshot) int64 { return s.CompletionTokens })
	r.CounterFunc(metrics.LLMCostUSD, metrics.None, func() float64 { return snapshot().CostUSD }, w)
}
