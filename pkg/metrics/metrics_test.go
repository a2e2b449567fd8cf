package metrics_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/metrics"
)

// syncBuffer collects EMF lines from the flusher's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the EMF lines written so far, each checked against the EMF
// specification, and empties the buffer.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	raw := s.b.String()
	s.b.Reset()
	s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(raw), "\n") {
		if l == "" {
			continue
		}
		out = append(out, checkEMF(t, l))
	}
	return out
}

// checkEMF validates one line against the embedded metric format: a JSON
// object whose _aws member has an integer Timestamp and CloudWatchMetrics
// directives, each naming a namespace, dimension sets whose members are
// string members of the root, and metrics whose values are numbers or at
// most 100 numbers.
func checkEMF(t *testing.T, line string) map[string]any {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal([]byte(line), &root); err != nil {
		t.Fatalf("EMF line is not a JSON object: %v\n%s", err, line)
	}
	aws, ok := root["_aws"].(map[string]any)
	if !ok {
		t.Fatalf("no _aws member: %s", line)
	}
	if ts, ok := aws["Timestamp"].(float64); !ok || ts != float64(int64(ts)) || ts < 1e12 {
		t.Fatalf("Timestamp must be epoch milliseconds: %v", aws["Timestamp"])
	}
	dirs, ok := aws["CloudWatchMetrics"].([]any)
	if !ok || len(dirs) == 0 {
		t.Fatalf("CloudWatchMetrics missing: %s", line)
	}
	for _, d := range dirs {
		dir := d.(map[string]any)
		if dir["Namespace"] != metrics.Namespace {
			t.Fatalf("namespace %v", dir["Namespace"])
		}
		for _, set := range dir["Dimensions"].([]any) {
			names := set.([]any)
			if len(names) == 0 || len(names) > 30 {
				t.Fatalf("dimension set of %d", len(names))
			}
			for _, n := range names {
				if v, ok := root[n.(string)].(string); !ok || v == "" {
					t.Fatalf("dimension %v has no string value in the root: %s", n, line)
				}
			}
		}
		ms := dir["Metrics"].([]any)
		if len(ms) == 0 || len(ms) > 100 {
			t.Fatalf("%d metrics in one directive", len(ms))
		}
		for _, m := range ms {
			def := m.(map[string]any)
			switch v := root[def["Name"].(string)].(type) {
			case float64:
			case []any:
				if len(v) == 0 || len(v) > 100 {
					t.Fatalf("%s has %d values", def["Name"], len(v))
				}
			default:
				t.Fatalf("metric %v has no numeric value in the root: %s", def["Name"], line)
			}
			if def["Unit"] == "" {
				t.Fatalf("metric %v without a unit", def["Name"])
			}
		}
	}
	return root
}

func TestCountersAndSnapshot(t *testing.T) {
	r := metrics.New("caption-parser")
	c := r.Counter(metrics.EventsProcessed, metrics.Count, metrics.D(metrics.DimWorker, "w"), metrics.D(metrics.DimEventType, "video.posted"))
	c.Inc()
	c.Add(2)
	// The same name and dimensions in another order are the same counter.
	r.Counter(metrics.EventsProcessed, metrics.Count, metrics.D(metrics.DimEventType, "video.posted"), metrics.D(metrics.DimWorker, "w")).Inc()
	r.Counter(metrics.EventsProcessed, metrics.Count, metrics.D(metrics.DimWorker, "other"), metrics.D(metrics.DimEventType, "")).Inc()
	if c.Value() != 4 {
		t.Fatalf("counter %v, want 4", c.Value())
	}
	s := r.Snapshot()
	if s.Service != "caption-parser" || len(s.Counters) != 2 {
		t.Fatalf("snapshot %+v", s)
	}
	if got := s.Total(metrics.EventsProcessed, nil); got != 5 {
		t.Fatalf("total %v, want 5", got)
	}
	if got := s.Total(metrics.EventsProcessed, map[string]string{metrics.DimWorker: "w"}); got != 4 {
		t.Fatalf("total for w %v, want 4", got)
	}
	if got := s.Counters[0].Dims[metrics.DimEventType]; got != "unknown" {
		t.Fatalf("empty dimension value became %q, want unknown", got)
	}
	if s.Since.After(s.At) {
		t.Fatalf("since %v after at %v", s.Since, s.At)
	}
}

func TestSummaryStatistics(t *testing.T) {
	r := metrics.New("svc")
	sm := r.Summary(metrics.HandlerLatency, metrics.Milliseconds, metrics.D(metrics.DimWorker, "w"))
	for i := 1; i <= 100; i++ {
		sm.Observe(float64(i))
	}
	sm.ObserveDuration(1500 * time.Microsecond)
	got := r.Snapshot().Find(metrics.HandlerLatency, map[string]string{metrics.DimWorker: "w"})
	if len(got) != 1 {
		t.Fatalf("found %d summaries", len(got))
	}
	v := got[0]
	if v.Count != 101 || v.Min != 1 || v.Max != 100 || v.Sum != 5050+1.5 {
		t.Fatalf("stats %+v", v)
	}
	if v.P50 != 50 || v.P90 != 90 || v.P99 != 99 {
		t.Fatalf("percentiles p50 %v p90 %v p99 %v", v.P50, v.P90, v.P99)
	}
	// Percentiles follow the latest 1024 observations.
	for range 2000 {
		sm.Observe(7)
	}
	if v := r.Snapshot().Find(metrics.HandlerLatency, nil)[0]; v.P99 != 7 || v.Max != 100 {
		t.Fatalf("after many 7s: %+v", v)
	}
}

func TestEMFWritesDeltasGroupedByDimensions(t *testing.T) {
	r := metrics.New("thumbnail-generator")
	var out syncBuffer
	stop := r.StartEMF(&out, 0)
	defer stop()
	w := metrics.D(metrics.DimWorker, "thumbnail-generator")
	et := metrics.D(metrics.DimEventType, "video.posted")
	r.Counter(metrics.EventsProcessed, metrics.Count, w, et).Add(3)
	r.Counter(metrics.EventFailures, metrics.Count, w, et, metrics.D(metrics.DimKind, metrics.KindRetryable)).Inc()
	lat := r.Summary(metrics.HandlerLatency, metrics.Milliseconds, w, et)
	lat.Observe(12)
	lat.Observe(30)
	r.Counter(metrics.Clicks, metrics.Count).Inc()
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := out.lines(t)
	if len(lines) != 3 {
		t.Fatalf("want 3 lines (one per dimension set), got %d: %v", len(lines), lines)
	}
	byMetric := map[string]map[string]any{}
	for _, l := range lines {
		for _, m := range l["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Metrics"].([]any) {
			byMetric[m.(map[string]any)["Name"].(string)] = l
		}
	}
	processed := byMetric[metrics.EventsProcessed]
	if processed[metrics.EventsProcessed] != 3.0 || processed[metrics.DimService] != "thumbnail-generator" || processed[metrics.DimEventType] != "video.posted" {
		t.Fatalf("processed line %v", processed)
	}
	dims := processed["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Dimensions"].([]any)[0]
	if fmt.Sprint(dims) != "[Service EventType Worker]" {
		t.Fatalf("dimensions %v", dims)
	}
	if v := processed[metrics.HandlerLatency]; fmt.Sprint(v) != "[12 30]" {
		t.Fatalf("latency values %v", v)
	}
	if byMetric[metrics.EventFailures][metrics.DimKind] != metrics.KindRetryable {
		t.Fatalf("failure line %v", byMetric[metrics.EventFailures])
	}
	if byMetric[metrics.Clicks][metrics.Clicks] != 1.0 {
		t.Fatalf("clicks line %v", byMetric[metrics.Clicks])
	}

	// Nothing moved: nothing written. Then only the increase.
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if l := out.lines(t); len(l) != 0 {
		t.Fatalf("unchanged registry wrote %v", l)
	}
	r.Counter(metrics.EventsProcessed, metrics.Count, w, et).Add(2)
	stop()
	l := out.lines(t)
	if len(l) != 1 || l[0][metrics.EventsProcessed] != 2.0 {
		t.Fatalf("after +2 and stop: %v", l)
	}
	// Stopped: nothing more is written.
	r.Counter(metrics.Clicks, metrics.Count).Inc()
	lat.Observe(1)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if l := out.lines(t); len(l) != 0 {
		t.Fatalf("stopped registry wrote %v", l)
	}
}

func TestEMFWritesAFullSummaryAtOnce(t *testing.T) {
	r := metrics.New("svc")
	var out syncBuffer
	stop := r.StartEMF(&out, 0)
	sm := r.Summary(metrics.ThumbnailTime, metrics.Milliseconds)
	for i := range 250 {
		sm.Observe(float64(i))
	}
	lines := out.lines(t)
	if len(lines) != 2 {
		t.Fatalf("250 values: want 2 full lines before any flush, got %d", len(lines))
	}
	for _, l := range lines {
		if n := len(l[metrics.ThumbnailTime].([]any)); n != 100 {
			t.Fatalf("line with %d values", n)
		}
	}
	stop()
	lines = out.lines(t)
	if len(lines) != 1 || len(lines[0][metrics.ThumbnailTime].([]any)) != 50 {
		t.Fatalf("remaining values at stop: %v", lines)
	}
}

func TestEMFSplitsMoreThan100Metrics(t *testing.T) {
	r := metrics.New("svc")
	var out syncBuffer
	stop := r.StartEMF(&out, 0)
	for i := range 150 {
		r.Counter(fmt.Sprintf("M%03d", i), metrics.Count).Inc()
	}
	stop()
	lines := out.lines(t)
	if len(lines) != 2 {
		t.Fatalf("150 metrics: want 2 lines, got %d", len(lines))
	}
}

func TestEMFPeriodicFlush(t *testing.T) {
	r := metrics.New("svc")
	var out syncBuffer
	stop := r.StartEMF(&out, 10*time.Millisecond)
	defer stop()
	r.Counter(metrics.Clicks, metrics.Count).Inc()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out.mu.Lock()
		n := out.b.Len()
		out.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no periodic flush within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if l := out.lines(t); len(l) != 1 || l[0][metrics.Clicks] != 1.0 {
		t.Fatalf("periodic line %v", l)
	}
}

func TestCounterFuncReportsIncreases(t *testing.T) {
	r := metrics.New("svc")
	var out syncBuffer
	stop := r.StartEMF(&out, 0)
	defer stop()
	total := 10.0
	r.CounterFunc(metrics.LLMPromptTokens, metrics.Count, func() float64 { return total })
	if got := r.Snapshot().Total(metrics.LLMPromptTokens, nil); got != 10 {
		t.Fatalf("snapshot %v", got)
	}
	_ = r.Flush()
	total = 25
	_ = r.Flush()
	l := out.lines(t)
	if len(l) != 2 || l[0][metrics.LLMPromptTokens] != 10.0 || l[1][metrics.LLMPromptTokens] != 15.0 {
		t.Fatalf("lines %v", l)
	}
}

func TestConcurrentUse(t *testing.T) {
	r := metrics.New("svc")
	var out syncBuffer
	stop := r.StartEMF(&out, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			w := metrics.D(metrics.DimWorker, fmt.Sprint(g%2))
			for i := range 500 {
				r.Counter(metrics.EventsProcessed, metrics.Count, w).Inc()
				r.Summary(metrics.HandlerLatency, metrics.Milliseconds, w).Observe(float64(i))
				if i%100 == 0 {
					_ = r.Snapshot()
				}
			}
		})
	}
	wg.Wait()
	stop()
	if got := r.Snapshot().Total(metrics.EventsProcessed, nil); got != 4000 {
		t.Fatalf("total %v, want 4000", got)
	}
	var emitted, values float64
	for _, l := range out.lines(t) {
		if v, ok := l[metrics.EventsProcessed].(float64); ok {
			emitted += v
		}
		if v, ok := l[metrics.HandlerLatency].([]any); ok {
			values += float64(len(v))
		}
	}
	if emitted != 4000 || values != 4000 {
		t.Fatalf("EMF carried %v counts and %v latency values, want 4000 each", emitted, values)
	}
}

func TestEMFWanted(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want bool
		err  bool
	}{
		{env: nil, want: false},
		{env: map[string]string{"METRICS_FORMAT": "emf"}, want: true},
		{env: map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "caption-parser"}, want: true},
		{env: map[string]string{"ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/x"}, want: true},
		{env: map[string]string{"ECS_CONTAINER_METADATA_URI_V4": "x", "METRICS_FORMAT": "off"}, want: false},
		{env: map[string]string{"METRICS_FORMAT": "prometheus"}, err: true},
	} {
		got, err := metrics.EMFWanted(func(k string) string { return c.env[k] })
		if got != c.want || (err != nil) != c.err {
			t.Errorf("%v: got %v %v", c.env, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "METRICS_FORMAT") {
			t.Errorf("error does not name the variable: %v", err)
		}
	}
}

func BenchmarkCounterLookupAndInc(b *testing.B) {
	r := metrics.New("svc")
	w, et := metrics.D(metrics.DimWorker, "caption-parser"), metrics.D(metrics.DimEventType, "video.posted")
	b.ReportAllocs()
	for b.Loop() {
		r.Counter(metrics.EventsProcessed, metrics.Count, w, et).Inc()
	}
}

func BenchmarkSummaryObserveWithEMF(b *testing.B) {
	r := metrics.New("svc")
	var out bytes.Buffer
	stop := r.StartEMF(&out, 0)
	defer stop()
	sm := r.Summary(metrics.HandlerLatency, metrics.Milliseconds, metrics.D(metrics.DimWorker, "w"))
	b.ReportAllocs()
	for b.Loop() {
		sm.Observe(12.5)
	}
}
