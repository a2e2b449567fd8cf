package llmmetrics_test

import (
	"testing"

	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/metrics/llmmetrics"
)

func TestRegisterReportsTheCounters(t *testing.T) {
	r := metrics.New("caption-parser")
	var c llm.Counters
	llmmetrics.Register(r, "caption-parser", c.Snapshot)
	c.ObserveCall(llm.CallStats{Outcome: llm.OutcomeOK, Attempts: 1, Usage: llm.Usage{PromptTokens: 120, CompletionTokens: 30, CostUSD: 0.00042}})
	c.ObserveCall(llm.CallStats{Outcome: llm.OutcomeCached, Attempts: 1})
	c.ObserveCall(llm.CallStats{Outcome: llm.OutcomeError, Attempts: 3})
	s := r.Snapshot()
	w := map[string]string{metrics.DimWorker: "caption-parser"}
	for name, want := range map[string]float64{
		metrics.LLMCalls: 3, metrics.LLMCacheHits: 1, metrics.LLMFailures: 1,
		metrics.LLMPromptTokens: 120, metrics.LLMCompletionTokens: 30, metrics.LLMCostUSD: 0.00042,
	} {
		if got := s.Total(name, w); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}
