package catalogtest

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// RunCounters runs the conformance suite of catalog.CounterStore against
// stores made by open, which arranges their closing (t.Cleanup).
func RunCounters(t *testing.T, open func(t *testing.T) catalog.CounterStore) {
	t.Helper()
	t.Run("AddWithinLimit", func(t *testing.T) { testCounterLimit(t, open(t)) })
	t.Run("GiveBack", func(t *testing.T) { testCounterGiveBack(t, open(t)) })
	t.Run("Expiry", func(t *testing.T) { testCounterExpiry(t, open(t)) })
	t.Run("Validation", func(t *testing.T) { testCounterValidation(t, open(t)) })
	t.Run("ConcurrentAdds", func(t *testing.T) { testCounterConcurrent(t, open(t)) })
	t.Run("FirstClaimWins", func(t *testing.T) { testCounterClaim(t, open(t)) })
}

func testCounterLimit(t *testing.T, st catalog.CounterStore) {
	end := time.Now().Add(time.Hour)
	if v := must(st.GetCounter(ctx(t), "posts/h/shop"))(t); v != 0 {
		t.Fatalf("a missing counter is %d, want 0", v)
	}
	for i, want := range []int64{3, 6, 9} {
		v, added, err := st.AddCounter(ctx(t), "posts/h/shop", 3, 10, end)
		if err != nil || !added || v != want {
			t.Fatalf("add %d: value=%d added=%v err=%v; want %d", i, v, added, err, want)
		}
	}
	v, added, err := st.AddCounter(ctx(t), "posts/h/shop", 3, 10, end)
	if err != nil || added || v != 9 {
		t.Fatalf("an add over the limit: value=%d added=%v err=%v; want 9, refused", v, added, err)
	}
	v, added, err = st.AddCounter(ctx(t), "posts/h/shop", 1, 10, end)
	if err != nil || !added || v != 10 {
		t.Fatalf("an add up to the limit exactly: value=%d added=%v err=%v", v, added, err)
	}
	if v := must(st.GetCounter(ctx(t), "posts/h/shop"))(t); v != 10 {
		t.Fatalf("get: %d, want 10", v)
	}
	if v, added, err := st.AddCounter(ctx(t), "posts/h/other", 11, 10, end); err != nil || added || v != 0 {
		t.Fatalf("a first add over the limit: value=%d added=%v err=%v", v, added, err)
	}
	if v := must(st.GetCounter(ctx(t), "posts/h/other"))(t); v != 0 {
		t.Fatalf("a refused first add left %d", v)
	}
}

func testCounterGiveBack(t *testing.T, st catalog.CounterStore) {
	end := time.Now().Add(time.Hour)
	if v, added, err := st.AddCounter(ctx(t), "bytes/d/shop", -5, 100, end); err != nil || added || v != 0 {
		t.Fatalf("giving back to a missing counter must not create it: value=%d added=%v err=%v", v, added, err)
	}
	if _, added, err := st.AddCounter(ctx(t), "bytes/d/shop", 100, 100, end); !added || err != nil {
		t.Fatalf("add: added=%v err=%v", added, err)
	}
	v, added, err := st.AddCounter(ctx(t), "bytes/d/shop", -40, 100, end)
	if err != nil || !added || v != 60 {
		t.Fatalf("give back: value=%d added=%v err=%v; want 60", v, added, err)
	}
	if v, added, _ := st.AddCounter(ctx(t), "bytes/d/shop", 40, 100, end); !added || v != 100 {
		t.Fatalf("what was given back may be taken again: value=%d added=%v", v, added)
	}
}

func testCounterExpiry(t *testing.T, st catalog.CounterStore) {
	past := time.Now().Add(-time.Second)
	if _, added, err := st.AddCounter(ctx(t), "llm/d/total", 7, 10, past); err != nil || !added {
		t.Fatalf("add: added=%v err=%v", added, err)
	}
	if v := must(st.GetCounter(ctx(t), "llm/d/total"))(t); v != 0 {
		t.Fatalf("an expired counter reads %d, want 0", v)
	}
	if v, added, err := st.AddCounter(ctx(t), "llm/d/total", -3, 10, past); err != nil || added || v != 0 {
		t.Fatalf("giving back to an expired counter: value=%d added=%v err=%v", v, added, err)
	}
	v, added, err := st.AddCounter(ctx(t), "llm/d/total", 8, 10, time.Now().Add(time.Hour))
	if err != nil || !added || v != 8 {
		t.Fatalf("an expired counter counts from zero again: value=%d added=%v err=%v", v, added, err)
	}
	if v := must(st.GetCounter(ctx(t), "llm/d/total"))(t); v != 8 {
		t.Fatalf("the restarted counter reads %d, want 8", v)
	}
}

func testCounterValidation(t *testing.T, st catalog.CounterStore) {
	end := time.Now().Add(time.Hour)
	_, _, err := st.AddCounter(ctx(t), "", 1, 10, end)
	wantCode(t, err, catalog.CodeInvalid, "an empty key")
	_, _, err = st.AddCounter(ctx(t), strings.Repeat("k", catalog.MaxCounterKeyBytes+1), 1, 10, end)
	wantCode(t, err, catalog.CodeInvalid, "a long key")
	_, err = st.GetCounter(ctx(t), "")
	wantCode(t, err, catalog.CodeInvalid, "get with an empty key")
}

// Parallel adds never pass the limit and none is lost.
func testCounterConcurrent(t *testing.T, st catalog.CounterStore) {
	const workers, each, limit = 8, 5, 17
	end := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	var admitted atomic.Int64
	for range workers {
		wg.Go(func() {
			for range each {
				_, added, err := st.AddCounter(ctx(t), "posts/d/race", 1, limit, end)
				if err != nil {
					t.Errorf("concurrent add: %v", err)
					return
				}
				if added {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got, v := admitted.Load(), must(st.GetCounter(ctx(t), "posts/d/race"))(t); got != limit || v != limit {
		t.Fatalf("%d parallel adds against a limit of %d admitted %d and left the counter at %d", workers*each, limit, got, v)
	}
}

// A counter whose limit is its first delta is a claim that expires: of
// any number of parallel adds exactly one is added, every other caller
// reads the winner's value (the click gate's visit marks and shared
// daily salt rely on this), and once expired it can be claimed again.
func testCounterClaim(t *testing.T, st catalog.CounterStore) {
	const workers = 8
	end := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	var won atomic.Int64
	values := make([]int64, workers)
	for i := range workers {
		wg.Go(func() {
			delta := int64(1000 + i)
			v, added, err := st.AddCounter(ctx(t), "claim/race", delta, delta, end)
			if err != nil {
				t.Errorf("claim: %v", err)
				return
			}
			if added {
				won.Add(1)
			}
			values[i] = v
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d parallel claims: %d won, want exactly 1", workers, won.Load())
	}
	for i, v := range values {
		if v != values[0] || v < 1000 || v >= 1000+workers {
			t.Fatalf("claimant %d read %d, claimant 0 read %d: every claimant must read the winner's value", i, v, values[0])
		}
	}
	past := time.Now().Add(-time.Second)
	if _, added, err := st.AddCounter(ctx(t), "claim/old", 1, 1, past); err != nil || !added {
		t.Fatalf("claim: added=%v err=%v", added, err)
	}
	if v, added, err := st.AddCounter(ctx(t), "claim/old", 2, 2, end); err != nil || !added || v != 2 {
		t.Fatalf("an expired claim is free again: value=%d added=%v err=%v; want 2, added", v, added, err)
	}
	if v, added, err := st.AddCounter(ctx(t), "claim/old", 1, 1, end); err != nil || added || v != 2 {
		t.Fatalf("a live claim is taken: value=%d added=%v err=%v; want 2, refused", v, added, err)
	}
}
