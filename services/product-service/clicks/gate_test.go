package clicks

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog/sqlite"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock(hhmm string) *clock {
	t, err := time.Parse(time.RFC3339, "2026-03-04T"+hhmm+":00Z")
	if err != nil {
		panic(err)
	}
	return &clock{t}
}

const phoneUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 musical_ly_34.1.0"

func want(t *testing.T, got, want Verdict, what string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func TestGateCountsAVisitorAndTargetOncePerWindow(t *testing.T) {
	c := newClock("10:00")
	g := NewGate(GateOptions{Now: c.now})
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Count, "first click")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "same click again")
	c.add(29*time.Minute + 59*time.Second)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "just inside 30 minutes")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:b"), Count, "another product")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA+" other", "p:a"), Count, "another browser on the same address")
	want(t, g.Check(t.Context(), "198.51.100.2", phoneUA, "p:a"), Count, "another address")
	c.add(time.Second)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Count, "30 minutes after the first")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "again in the new window")
}

func TestGateRotatesItsSaltDaily(t *testing.T) {
	c := newClock("23:50")
	g := NewGate(GateOptions{Now: c.now})
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Count, "before midnight")
	before := g.hash("203.0.113.7", phoneUA)
	c.add(5 * time.Minute)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "same day")
	c.add(10 * time.Minute)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Count, "the next UTC day, a new salt")
	if g.hash("203.0.113.7", phoneUA) == before {
		t.Fatal("the visitor hash did not change with the day")
	}
	if len(g.seen) != 1 {
		t.Fatalf("yesterday's visits kept after rotation: %d", len(g.seen))
	}
}

func TestGateHashesAreUnambiguous(t *testing.T) {
	g := NewGate(GateOptions{})
	g.rotate(time.Now())
	if g.hash("1.2.3.4", "ab", "c") == g.hash("1.2.3.4", "a", "bc") {
		t.Fatal("parts split differently hash the same")
	}
}

func TestGateRateLimitsCountingPerClient(t *testing.T) {
	c := newClock("12:00")
	g := NewGate(GateOptions{Now: c.now, Every: time.Second, Burst: 5})
	for i := range 5 {
		want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:"+strconv.Itoa(i)), Count, "within the burst")
	}
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:x"), Limited, "past the burst")
	// Rotating User-Agents does not escape the per-address budget.
	want(t, g.Check(t.Context(), "203.0.113.7", "curl-like/1", "p:y"), Limited, "another UA, same address")
	want(t, g.Check(t.Context(), "198.51.100.2", phoneUA, "p:x"), Count, "another client has its own budget")
	c.add(time.Second)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:x"), Count, "one refilled after Every")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:z"), Limited, "and only one")
	// A limited event is not remembered: it may count later.
	c.add(time.Second)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:z"), Count, "limited earlier, counted now")
}

// A flood like the (one client, 150k clicks in 30 s) counts at most
// the burst plus the refill.
func TestGateFloodCountsBounded(t *testing.T) {
	c := newClock("12:00")
	g := NewGate(GateOptions{Now: c.now})
	counted := 0
	for i := range 150_000 {
		if i%5000 == 0 {
			c.add(time.Second)
		}
		if g.Check(t.Context(), "203.0.113.7", phoneUA, "p:"+strconv.Itoa(i%100)) == Count {
			counted++
		}
	}
	if counted != 60+29 { // burst 60, then one a second over the 29 s between first and last
		t.Fatalf("flood counted %d clicks, want 89", counted)
	}
}

func TestGateMemoryIsBounded(t *testing.T) {
	c := newClock("12:00")
	g := NewGate(GateOptions{Now: c.now, MaxTracked: 100})
	for i := range 1000 {
		c.add(time.Millisecond)
		want(t, g.Check(t.Context(), "10.0.0."+strconv.Itoa(i), phoneUA, "p:a"), Count, "distinct visitor")
		if len(g.seen) > 100 || len(g.clients) > 100 {
			t.Fatalf("after %d visitors: %d visits, %d clients tracked (max 100)", i+1, len(g.seen), len(g.clients))
		}
	}
	// The most recent visitor is still remembered.
	want(t, g.Check(t.Context(), "10.0.0.999", phoneUA, "p:a"), Duplicate, "latest visitor")
}

// sharedStore is a catalog store on the test's clock, as every replica's
// Shared; down makes it fail like an unreachable store.
type sharedStore struct {
	*sqlite.Store
	down atomic.Bool
}

func (s *sharedStore) AddCounter(ctx context.Context, key string, delta, limit int64, expiresAt time.Time) (int64, bool, error) {
	if s.down.Load() {
		return 0, false, errors.New("store unreachable")
	}
	return s.Store.AddCounter(ctx, key, delta, limit, expiresAt)
}

func newShared(t *testing.T, c *clock) *sharedStore {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"), sqlite.WithClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &sharedStore{Store: st}
}

// Two replicas sharing the store count a visitor's repeated click once,
// whichever replica each click reaches; without it each counts it.
func TestGateReplicasShareVisits(t *testing.T) {
	c := newClock("10:00")
	st := newShared(t, c)
	a, b := NewGate(GateOptions{Now: c.now, Shared: st}), NewGate(GateOptions{Now: c.now, Shared: st})
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Count, "first click, on replica a")
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "the same click on replica b")
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "again on a")
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:b"), Count, "another product on b")
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:b"), Duplicate, "that product on a")
	want(t, a.Check(t.Context(), "198.51.100.2", phoneUA, "p:a"), Count, "another visitor")
	if !a.shared || !b.shared || a.salt != b.salt {
		t.Fatal("the replicas do not hash visitors with the same shared salt")
	}
	c.add(30 * time.Minute)
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Count, "30 minutes later, on b")
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "and then on a")

	alone := []*Gate{NewGate(GateOptions{Now: c.now}), NewGate(GateOptions{Now: c.now})}
	counted := 0
	for _, g := range alone {
		if g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a") == Count {
			counted++
		}
	}
	if counted != 2 {
		t.Fatalf("replicas without a shared store counted a repeat %d times; the test expects 2 (per-process state)", counted)
	}
}

// When the shared store fails, each replica de-duplicates alone (the event
// is still decided, never an error), logs it once a minute, and takes the
// shared salt once the store answers again.
func TestGateFallsBackWhenTheSharedStoreFails(t *testing.T) {
	c := newClock("10:00")
	st := newShared(t, c)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	a := NewGate(GateOptions{Now: c.now, Shared: st, Logger: log})
	b := NewGate(GateOptions{Now: c.now, Shared: st, Logger: log})
	st.down.Store(true)
	for _, g := range []*Gate{a, b} {
		want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Count, "first click on a replica, store down")
		want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "repeat on the same replica, store down")
	}
	if a.shared || b.shared {
		t.Fatal("a replica claims a shared salt while the store is down")
	}
	if n := strings.Count(logs.String(), "de-duplicates alone"); n != 2 {
		t.Fatalf("%d warnings for 2 replicas in one minute, want 2:\n%s", n, logs.String())
	}

	// The store fails after the salt was shared: the mark cannot be
	// claimed, the click counts on this replica.
	st.down.Store(false)
	c.add(saltRetry)
	want(t, a.Check(t.Context(), "198.51.100.2", phoneUA, "p:a"), Count, "store back: a new visitor")
	want(t, b.Check(t.Context(), "198.51.100.2", phoneUA, "p:a"), Duplicate, "store back: the repeat on the other replica")
	st.down.Store(true)
	want(t, a.Check(t.Context(), "192.0.2.9", phoneUA, "p:a"), Count, "store down again: counted alone")
	want(t, a.Check(t.Context(), "192.0.2.9", phoneUA, "p:a"), Duplicate, "and de-duplicated alone")
	if !strings.Contains(logs.String(), "shared visit marks failed") {
		t.Fatalf("a failed mark was not logged:\n%s", logs.String())
	}
}

// The shared salt is the same on every replica within a UTC day and a new
// one the next day, so a visitor cannot be linked across days.
func TestGateSharedSaltRotatesDaily(t *testing.T) {
	c := newClock("23:50")
	st := newShared(t, c)
	a, b := NewGate(GateOptions{Now: c.now, Shared: st}), NewGate(GateOptions{Now: c.now, Shared: st})
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Count, "before midnight")
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "before midnight, other replica")
	yesterday := a.salt
	c.add(15 * time.Minute)
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Count, "after midnight: a new visitor")
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a"), Duplicate, "after midnight, other replica")
	if a.salt != b.salt || !a.shared || !b.shared {
		t.Fatal("the replicas disagree on the new day's salt")
	}
	if a.salt == yesterday {
		t.Fatal("the shared salt did not change with the day")
	}
}

// BenchmarkGateShared is the cost of counting with a shared store (the
// embedded SQLite one): "repeat" is a visit this replica has seen (no store
// call), "new" one it has not (one claim in the store).
func BenchmarkGateShared(b *testing.B) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	g := NewGate(GateOptions{Shared: st, Burst: 1 << 30, Every: time.Nanosecond})
	b.Run("repeat", func(b *testing.B) {
		for b.Loop() {
			g.Check(b.Context(), "203.0.113.7", phoneUA, "p:a")
		}
	})
	b.Run("new", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if g.Check(b.Context(), "203.0.113.7", phoneUA, "p:"+strconv.Itoa(i)) != Count {
				b.Fatal("a new visit was not counted")
			}
		}
	})
}
