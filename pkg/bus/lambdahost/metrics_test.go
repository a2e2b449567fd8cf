package lambdahost_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/buylink/buylink/pkg/bus/lambdahost"
	"github.com/buylink/buylink/pkg/metrics"
)

func TestHostRecordsMetricsAndFlushesAfterEachBatch(t *testing.T) {
	var seen sync.Map
	reg := metrics.New("caption-parser")
	var out bytes.Buffer
	stop := reg.StartEMF(&out, 0) // no ticker: only the host flushes
	defer stop()
	h := &lambdahost.Host{Name: "caption-parser", Handler: behaviourHandler(&seen), DeadLetters: &sink{}, Logger: quiet(), Metrics: reg}
	_, _ = h.HandleSQS(t.Context(), sqsEvent(t,
		record{id: "a", body: rawBody(t, envelope(t, "ok"))},
		record{id: "b", body: rawBody(t, envelope(t, "perm"))},
		record{id: "c", body: rawBody(t, envelope(t, "panic"))},
		record{id: "d", body: "not an event"},
	))
	s := reg.Snapshot()
	w := map[string]string{metrics.DimWorker: "caption-parser"}
	if got := s.Total(metrics.EventsProcessed, w); got != 1 {
		t.Errorf("processed %v", got)
	}
	if got := s.Total(metrics.EventFailures, map[string]string{metrics.DimKind: metrics.KindPanic}); got != 1 {
		t.Errorf("panics %v", got)
	}
	if got := s.Total(metrics.EventFailures, map[string]string{metrics.DimKind: metrics.KindPermanent}); got != 1 {
		t.Errorf("permanent %v", got)
	}
	// The permanent failure and the body that is no event.
	if got := s.Total(metrics.DeadLetters, w); got != 2 {
		t.Errorf("dead letters %v", got)
	}
	emf := out.String()
	for _, want := range []string{`"EventsProcessed":1`, `"DeadLetters":1`, `"Namespace":"buylink"`, `"HandlerLatency":[`} {
		if !strings.Contains(emf, want) {
			t.Errorf("EMF written after the batch lacks %s:\n%s", want, emf)
		}
	}
}
