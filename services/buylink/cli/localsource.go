package cli

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/buylink/buylink/pkg/metrics"
)

// localSource reads a devstack's admin endpoints.
type localSource struct{ d *localStack }

func (s *localSource) describe() string { return "devstack " + s.d.base }

func (s *localSource) queues(ctx context.Context) ([]queueRow, error) {
	qs, err := s.d.queues(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]queueRow, 0, len(qs))
	for _, q := range qs {
		dl := int64(q.DeadLetters)
		rows = append(rows, queueRow{Worker: q.Worker, InFlight: &q.InFlight, Handled: &q.Handled, Failed: &q.Failed, DLQ: &dl})
	}
	return rows, nil
}

func (s *localSource) services(ctx context.Context) ([]serviceRow, error) {
	var rows []serviceRow
	for _, p := range []string{"/healthz", "/readyz"} {
		code, took, err := s.d.health(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("devstack at %s does not answer (is `make dev` running?): %w", s.d.base, unwrapURLError(err))
		}
		rows = append(rows, serviceRow{Kind: "http", Name: p, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)),
			Detail: fmt.Sprintf("%d ms", took.Milliseconds()), Bad: code != http.StatusOK})
	}
	qs, err := s.d.queues(ctx)
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		rows = append(rows, serviceRow{Kind: "worker", Name: q.Worker, Status: "running",
			Detail: fmt.Sprintf("consumes %s, %d in flight", strings.Join(q.EventTypes, ", "), q.InFlight)})
	}
	return rows, nil
}

// errors lists the latest dead letters: the devstack's logs go to its own
// stderr, the dead letters are the failures that need an operator.
func (s *localSource) errors(ctx context.Context, _ time.Duration, limit int) ([]errorLine, error) {
	l, err := s.d.deadLetters(ctx, "", 1000)
	if err != nil {
		return nil, err
	}
	var out []errorLine
	for i := len(l.Letters) - 1; i >= 0 && len(out) < limit; i-- {
		dl := l.Letters[i]
		out = append(out, errorLine{At: dl.At, Source: dl.Worker, Message: fmt.Sprintf("dead letter %s (%s, %d attempts): %s", dl.EventID, dl.EventType, dl.Attempts, dl.Reason)})
	}
	return out, nil
}

func (s *localSource) metrics(ctx context.Context, _ time.Duration) (metricsView, error) {
	snap, err := s.d.metrics(ctx)
	if err != nil {
		return metricsView{}, err
	}
	v := viewOfSnapshot(snap)
	v.Window = fmt.Sprintf("since the devstack started (%s ago)", snap.At.Sub(snap.Since).Round(time.Second))
	return v, nil
}

// viewOfSnapshot groups a registry snapshot into the metrics view.
func viewOfSnapshot(snap metrics.Snapshot) metricsView {
	var v metricsView
	workers := map[[2]string]*workerMetrics{}
	row := func(dims map[string]string) *workerMetrics {
		k := [2]string{dims[metrics.DimWorker], dims[metrics.DimEventType]}
		if workers[k] == nil {
			workers[k] = &workerMetrics{Worker: k[0], EventType: k[1]}
		}
		return workers[k]
	}
	llms := map[string]*llmMetrics{}
	llm := func(w string) *llmMetrics {
		if llms[w] == nil {
			llms[w] = &llmMetrics{Worker: w}
		}
		return llms[w]
	}
	for _, c := range snap.Counters {
		switch c.Name {
		case metrics.EventsProcessed:
			row(c.Dims).Processed += c.Value
		case metrics.DeadLetters:
			row(c.Dims).DeadLetters += c.Value
		case metrics.EventFailures:
			r := row(c.Dims)
			switch c.Dims[metrics.DimKind] {
			case metrics.KindPanic:
				r.Panics += c.Value
			case metrics.KindPermanent:
				r.Permanent += c.Value
			default:
				r.Retryable += c.Value
			}
		case metrics.Clicks:
			v.Clicks += c.Value
		case metrics.LLMCalls:
			llm(c.Dims[metrics.DimWorker]).Calls += c.Value
		case metrics.LLMCacheHits:
			llm(c.Dims[metrics.DimWorker]).CacheHits += c.Value
		case metrics.LLMFailures:
			llm(c.Dims[metrics.DimWorker]).Failures += c.Value
		case metrics.LLMPromptTokens:
			llm(c.Dims[metrics.DimWorker]).Prompt += c.Value
		case metrics.LLMCompletionTokens:
			llm(c.Dims[metrics.DimWorker]).Completion += c.Value
		case metrics.LLMCostUSD:
			llm(c.Dims[metrics.DimWorker]).CostUSD += c.Value
		}
	}
	for _, sm := range snap.Summaries {
		switch sm.Name {
		case metrics.HandlerLatency:
			if sm.Count > 0 {
				r := row(sm.Dims)
				r.HasLatency, r.LatencyP50, r.LatencyP99 = true, sm.P50, sm.P99
			}
		case metrics.ThumbnailTime:
			if sm.Count > 0 {
				v.HasThumb, v.ThumbP50, v.ThumbP99 = true, sm.P50, sm.P99
			}
		}
	}
	for _, w := range workers {
		v.Workers = append(v.Workers, *w)
	}
	sortWorkers(v.Workers)
	for _, k := range sortedKeys(llms) {
		v.LLM = append(v.LLM, *llms[k])
	}
	return v
}
