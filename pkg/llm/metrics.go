package llm

import (
	"math"
	"sync/atomic"
	"time"
)

// The outcomes of a call.
const (
	OutcomeOK     = "ok"     // the model answered (the answer may still not fit the schema)
	OutcomeCached = "cached" // served from the cache, nothing paid
	OutcomeError  = "error"  // no answer
)

// Metrics receives one record per Complete call.
type Metrics interface {
	ObserveCall(CallStats)
}

// CallStats describes one Complete call.
type CallStats struct {
	Model    string
	Outcome  string
	Attempts int
	Usage    Usage
	Duration time.Duration
	// Status is the HTTP (or in-body) status of a failure, when there was one.
	Status int
	// Err is the call's error: a failed call or an answer that did not fit.
	Err error
}

// Counters is a minimal in-process Metrics: running totals since the
// process started, safe for concurrent use. Read them with Snapshot, e.g.
// to log them or to publish them through expvar.
type Counters struct {
	calls, cacheHits, failures, invalid, retries atomic.Int64
	promptTokens, completionTokens               atomic.Int64
	costMicroUSD                                 atomic.Int64
}

// ObserveCall implements Metrics.
func (c *Counters) ObserveCall(s CallStats) {
	c.calls.Add(1)
	switch s.Outcome {
	case OutcomeCached:
		c.cacheHits.Add(1)
	case OutcomeError:
		c.failures.Add(1)
	}
	if s.Outcome != OutcomeError && s.Err != nil {
		c.invalid.Add(1)
	}
	if s.Attempts > 1 {
		c.retries.Add(int64(s.Attempts - 1))
	}
	c.promptTokens.Add(int64(s.Usage.PromptTokens))
	c.completionTokens.Add(int64(s.Usage.CompletionTokens))
	c.costMicroUSD.Add(int64(math.Round(s.Usage.CostUSD * 1e6)))
}

// CounterSnapshot is a copy of the counters.
type CounterSnapshot struct {
	// Calls counts Complete calls; CacheHits those served from the cache;
	// Failures those without an answer; Invalid those whose answer did not
	// fit the schema; Retries the extra attempts made.
	Calls, CacheHits, Failures, Invalid, Retries int64
	PromptTokens, CompletionTokens               int64
	// CostUSD is the total cost OpenRouter reported.
	CostUSD float64
}

// Snapshot returns the current totals.
func (c *Counters) Snapshot() CounterSnapshot {
	return CounterSnapshot{
		Calls: c.calls.Load(), CacheHits: c.cacheHits.Load(), Failures: c.failures.Load(),
		Invalid: c.invalid.Load(), Retries: c.retries.Load(),
		PromptTokens: c.promptTokens.Load(), CompletionTokens: c.completionTokens.Load(),
		CostUSD: float64(c.costMicroUSD.Load()) / 1e6,
	}
}
