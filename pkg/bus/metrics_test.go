package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/metrics"
)

func TestWorkerRecordsMetricsAndStats(t *testing.T) {
	r := newRig(t, time.Minute)
	reg := metrics.New("test")
	release := make(chan struct{})
	w := &bus.Worker{Name: "caption-parser", Sub: r.subscribe(t), DeadLetters: r.box, Metrics: reg,
		Handler: func(ctx context.Context, env events.Envelope) error {
			switch env.VideoID {
			case "slow":
				<-release
			case "retry":
				return errors.New("upstream keeps failing")
			case "perm":
				return events.Permanent(errors.New("not a product post"))
			case "panic":
				panic("boom")
			}
			return nil
		}}
	runWorker(t, w)
	r.publish(t, posted(t, "slow"))
	waitFor(t, "one handler in flight", func() bool { return w.Stats().InFlight == 1 })
	close(release)
	r.publish(t, posted(t, "ok"), posted(t, "retry"), posted(t, "perm"), posted(t, "panic"))
	// retry and panic fail three times each, perm once: three dead letters.
	waitFor(t, "three dead letters", func() bool { return w.Stats().DeadLettered == 3 })
	waitFor(t, "nothing in flight", func() bool { return w.Stats().InFlight == 0 })
	st := w.Stats()
	if st.Handled != 2 || st.Failed != 7 {
		t.Fatalf("stats %+v, want 2 handled, 7 failed", st)
	}
	s := reg.Snapshot()
	dims := func(kv ...string) map[string]string {
		m := map[string]string{metrics.DimWorker: "caption-parser", metrics.DimEventType: events.TypeVideoPosted}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name string
		dims map[string]string
		want float64
	}{
		{metrics.EventsProcessed, dims(), 2},
		{metrics.EventFailures, dims(metrics.DimKind, metrics.KindRetryable), 3},
		{metrics.EventFailures, dims(metrics.DimKind, metrics.KindPanic), 3},
		{metrics.EventFailures, dims(metrics.DimKind, metrics.KindPermanent), 1},
		{metrics.DeadLetters, dims(), 3},
	} {
		if got := s.Total(c.name, c.dims); got != c.want {
			t.Errorf("%s %v = %v, want %v", c.name, c.dims, got, c.want)
		}
	}
	lat := s.Find(metrics.HandlerLatency, dims())
	if len(lat) != 1 || lat[0].Count != 9 || lat[0].Unit != metrics.Milliseconds {
		t.Fatalf("latency %+v, want 9 observations in ms", lat)
	}
}

func TestCallReturnsAPanicError(t *testing.T) {
	err := bus.Call(t.Context(), func(context.Context, events.Envelope) error { panic("boom") }, events.Envelope{})
	var pe *bus.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("got %v", err)
	}
	if bus.FailureKind(err) != metrics.KindPanic || bus.FailureKind(events.Permanent(errors.New("x"))) != metrics.KindPermanent ||
		bus.FailureKind(errors.New("x")) != metrics.KindRetryable {
		t.Fatal("failure kinds")
	}
}
