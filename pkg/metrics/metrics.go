// Package metrics is buylink's in-process metrics registry: counters and
// latency summaries, named and dimensioned as CloudWatch metrics, with two
// outputs read from the same registry:
//
//   - CloudWatch embedded metric format (EMF): JSON lines on stdout that
//     CloudWatch Logs turns into metrics in the "buylink" namespace. A process
//     turns it on with Setup (METRICS_FORMAT=emf, or automatically on Lambda
//     and ECS); lines are written every FlushInterval, when a summary holds
//     100 values, on Flush (the Lambda host flushes after every invocation)
//     and at shutdown.
//   - A JSON Snapshot of the totals since the process started, which the
//     devstack serves at GET /admin/metrics for `buylink monitor --local`.
//
// Every metric carries the Service dimension (the registry's service) plus
// the dimensions given when it is created. The names below are the contract
// with the dashboards, the alarms and the monitor:
//
//	EventsProcessed  Count         Worker, EventType        handler succeeded
//	EventFailures    Count         Worker, EventType, Kind  handler failed (Kind: retryable, permanent, panic)
//	DeadLetters      Count         Worker, EventType        message given up and kept as a dead letter
//	HandlerLatency   Milliseconds  Worker, EventType        handler duration, success or not
//	LLMCalls, LLMCacheHits, LLMFailures,
//	LLMPromptTokens, LLMCompletionTokens  Count  Worker     see package llmmetrics
//	LLMCostUSD       None          Worker                   cost reported by OpenRouter
//	LLMOverBudget    Count         Worker                   items the rules read because an LLM budget was spent
//	ThumbnailTime    Milliseconds  (none)                   time to cut one post's thumbnails
//	Clicks           Count         (none)                   buy-link clicks counted (after bots, repeats, budget)
//	PageViews        Count         (none)                   shop page views counted (same rules)
//	CountingLimited  Count         (none)                   clicks and views not counted: client over its budget
//
// DeadLetters counts the letters a host keeps in a dead-letter box. A message
// that an SQS queue moves to its DLQ by itself (redrive policy, maxReceiveCount)
// is not seen by any host: SQS's own ApproximateNumberOfMessagesVisible of the
// DLQ counts those.
//
// Keep dimensions low-cardinality (never a seller, video or product id):
// every distinct combination is a billed CloudWatch metric.
package metrics

import (
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Namespace is the CloudWatch namespace of every buylink metric.
const Namespace = "buylink"

// Metric names (see the package documentation).
const (
	EventsProcessed     = "EventsProcessed"
	EventFailures       = "EventFailures"
	DeadLetters         = "DeadLetters"
	HandlerLatency      = "HandlerLatency"
	LLMCalls            = "LLMCalls"
	LLMCacheHits        = "LLMCacheHits"
	LLMFailures         = "LLMFailures"
	LLMPromptTokens     = "LLMPromptTokens"
	LLMCompletionTokens = "LLMCompletionTokens"
	LLMCostUSD          = "LLMCostUSD"
	LLMOverBudget       = "LLMOverBudget"
	ThumbnailTime       = "ThumbnailTime"
	Clicks              = "Clicks"
	PageViews           = "PageViews"
	CountingLimited     = "CountingLimited"
)

// Dimension names.
const (
	DimService   = "Service"
	DimWorker    = "Worker"
	DimEventType = "EventType"
	DimKind      = "Kind"
)

// Failure kinds, the values of the Kind dimension of EventFailures.
const (
	KindRetryable = "retryable"
	KindPermanent = "permanent"
	KindPanic     = "panic"
)

// Unit is a CloudWatch unit.
type Unit string

// The units buylink uses.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	None         Unit = "None"
)

// Dim is one dimension of a metric.
type Dim struct{ Name, Value string }

// D returns a dimension.
func D(name, value string) Dim { return Dim{name, value} }

// maxDims is CloudWatch's limit of dimensions per metric, Service included.
const maxDims = 30

// Registry holds a process's metrics. It is safe for concurrent use.
type Registry struct {
	started time.Time

	mu        sync.Mutex
	service   string
	counters  map[string]*Counter
	funcs     map[string]*counterFunc
	summaries map[string]*Summary

	// out is the EMF output, nil until StartEMF.
	out atomic.Pointer[emfOut]
	// flushMu serialises EMF lines and guards the emitted values.
	flushMu sync.Mutex
}

// New returns an empty registry for a service.
func New(service string) *Registry {
	return &Registry{
		started: time.Now(), service: service,
		counters: map[string]*Counter{}, funcs: map[string]*counterFunc{}, summaries: map[string]*Summary{},
	}
}

var defaultRegistry = New("buylink")

// Default returns the process's registry: the one the bus hosts record into
// and the one services use for their own metrics, e.g.
//
//	metrics.Default().Counter(metrics.Clicks, metrics.Count).Inc()
//
// Setup names its service.
func Default() *Registry { return defaultRegistry }

// Service returns the value of the Service dimension.
func (r *Registry) Service() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.service
}

// SetService sets the value of the Service dimension.
func (r *Registry) SetService(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.service = s
}

// series identifies one metric: its name and dimensions, sorted by name.
type series struct {
	name string
	unit Unit
	dims []Dim
}

func newSeries(name string, unit Unit, dims []Dim) series {
	ds := make([]Dim, 0, len(dims))
	for _, d := range dims {
		if d.Name == "" || d.Name == DimService {
			continue // Service comes from the registry
		}
		if d.Value == "" {
			d.Value = "unknown" // CloudWatch rejects empty dimension values
		}
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Name < ds[j].Name })
	if len(ds) > maxDims-1 {
		ds = ds[:maxDims-1]
	}
	return series{name: name, unit: unit, dims: ds}
}

// key is the series' map key; dims is its dimension part.
func (s series) key() string { return s.name + "|" + s.dimKey() }

func (s series) dimKey() string {
	var b strings.Builder
	for _, d := range s.dims {
		b.WriteString(d.Name)
		b.WriteByte('=')
		b.WriteString(d.Value)
		b.WriteByte(';')
	}
	return b.String()
}

func (s series) dimMap() map[string]string {
	m := make(map[string]string, len(s.dims))
	for _, d := range s.dims {
		m[d.Name] = d.Value
	}
	return m
}

// Counter is a running total.
type Counter struct {
	series
	bits atomic.Uint64 // float64
	// emitted is the value at the last EMF flush (guarded by flushMu).
	emitted float64
}

// Counter returns the counter of that name and dimensions, creating it on
// first use. The unit is fixed by the first call.
func (r *Registry) Counter(name string, unit Unit, dims ...Dim) *Counter {
	s := newSeries(name, unit, dims)
	k := s.key()
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.counters[k]
	if !ok {
		c = &Counter{series: s}
		r.counters[k] = c
	}
	return c
}

// Add adds v (which should not be negative) to the counter.
func (c *Counter) Add(v float64) {
	for {
		old := c.bits.Load()
		if c.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Inc adds one.
func (c *Counter) Inc() { c.Add(1) }

// Value returns the total.
func (c *Counter) Value() float64 { return math.Float64frombits(c.bits.Load()) }

// counterFunc is a total kept elsewhere (llm.Counters), read when the
// registry is written out.
type counterFunc struct {
	series
	fn      atomic.Pointer[func() float64]
	emitted float64 // guarded by flushMu
}

func (f *counterFunc) read() float64 { return (*f.fn.Load())() }

// CounterFunc registers a running total kept outside the registry: read
// returns it (it must only grow, and be safe to call from any goroutine).
// Registering the same name and dimensions again replaces read.
func (r *Registry) CounterFunc(name string, unit Unit, read func() float64, dims ...Dim) {
	s := newSeries(name, unit, dims)
	k := s.key()
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.funcs[k]
	if !ok {
		f = &counterFunc{series: s}
		r.funcs[k] = f
	}
	f.fn.Store(&read)
}

// recentSize is how many of the latest observations a summary keeps for its
// percentiles.
const recentSize = 1024

// maxEMFValues is EMF's limit of values per metric in one line.
const maxEMFValues = 100

// Summary tracks a distribution, such as latencies: count, sum, min and max
// since the start, percentiles over the latest 1024 observations, and, while
// EMF is on, the values not yet written.
type Summary struct {
	series
	r *Registry

	mu       sync.Mutex
	count    int64
	sum      float64
	min, max float64
	recent   []float64
	next     int // ring position in recent once full
	pending  []float64
}

// Summary returns the summary of that name and dimensions, creating it on
// first use.
func (r *Registry) Summary(name string, unit Unit, dims ...Dim) *Summary {
	s := newSeries(name, unit, dims)
	k := s.key()
	r.mu.Lock()
	defer r.mu.Unlock()
	sm, ok := r.summaries[k]
	if !ok {
		sm = &Summary{series: s, r: r}
		r.summaries[k] = sm
	}
	return sm
}

// Observe records one value.
func (s *Summary) Observe(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	s.mu.Lock()
	if s.count == 0 || v < s.min {
		s.min = v
	}
	if s.count == 0 || v > s.max {
		s.max = v
	}
	s.count++
	s.sum += v
	if len(s.recent) < recentSize {
		s.recent = append(s.recent, v)
	} else {
		s.recent[s.next] = v
		s.next = (s.next + 1) % recentSize
	}
	var full []float64
	if out := s.r.out.Load(); out != nil {
		s.pending = append(s.pending, v)
		if len(s.pending) >= maxEMFValues {
			full, s.pending = s.pending, nil
		}
	}
	s.mu.Unlock()
	if full != nil {
		s.r.writeValues(s, full)
	}
}

// ObserveDuration records a duration in milliseconds (the unit of the
// latency summaries).
func (s *Summary) ObserveDuration(d time.Duration) {
	s.Observe(float64(d) / float64(time.Millisecond))
}

// takePending returns the values not yet written and forgets them.
func (s *Summary) takePending() []float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending
	s.pending = nil
	return p
}

// snapshot returns the summary's statistics.
func (s *Summary) snapshot() SummaryValue {
	s.mu.Lock()
	v := SummaryValue{Name: s.name, Unit: s.unit, Dims: s.dimMap(), Count: s.count, Sum: s.sum, Min: s.min, Max: s.max}
	recent := append([]float64(nil), s.recent...)
	s.mu.Unlock()
	if len(recent) > 0 {
		sort.Float64s(recent)
		v.P50, v.P90, v.P99 = quantile(recent, 0.50), quantile(recent, 0.90), quantile(recent, 0.99)
	}
	return v
}

// quantile returns the q-quantile of sorted values (nearest rank).
func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// each calls the functions on every metric, in name and dimension order,
// outside the registry's lock.
func (r *Registry) each(counter func(*Counter), fn func(*counterFunc), summary func(*Summary)) {
	r.mu.Lock()
	cs := make([]*Counter, 0, len(r.counters))
	for _, c := range r.counters {
		cs = append(cs, c)
	}
	fs := make([]*counterFunc, 0, len(r.funcs))
	for _, f := range r.funcs {
		fs = append(fs, f)
	}
	ss := make([]*Summary, 0, len(r.summaries))
	for _, s := range r.summaries {
		ss = append(ss, s)
	}
	r.mu.Unlock()
	sort.Slice(cs, func(i, j int) bool { return cs[i].key() < cs[j].key() })
	sort.Slice(fs, func(i, j int) bool { return fs[i].key() < fs[j].key() })
	sort.Slice(ss, func(i, j int) bool { return ss[i].key() < ss[j].key() })
	for _, c := range cs {
		counter(c)
	}
	for _, f := range fs {
		fn(f)
	}
	for _, s := range ss {
		summary(s)
	}
}
