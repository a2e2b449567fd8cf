package clicks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
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
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Count, "first click")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "same click again")
	c.add(29*time.Minute + 59*time.Second)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "just inside 30 minutes")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:b").Claim(t.Context()), Count, "another product")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA+" other", "p:a").Claim(t.Context()), Count, "another browser on the same address")
	want(t, g.Check(t.Context(), "198.51.100.2", phoneUA, "p:a").Claim(t.Context()), Count, "another address")
	c.add(time.Second)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Count, "30 minutes after the first")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "again in the new window")
}

func TestGateRotatesItsSaltDaily(t *testing.T) {
	c := newClock("23:50")
	g := NewGate(GateOptions{Now: c.now})
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Count, "before midnight")
	before := g.hash("203.0.113.7", phoneUA)
	c.add(5 * time.Minute)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "same day")
	c.add(10 * time.Minute)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Count, "the next UTC day, a new salt")
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
		want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:"+strconv.Itoa(i)).Claim(t.Context()), Count, "within the burst")
	}
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:x").Claim(t.Context()), Limited, "past the burst")
	// Rotating User-Agents does not escape the per-address budget.
	want(t, g.Check(t.Context(), "203.0.113.7", "curl-like/1", "p:y").Claim(t.Context()), Limited, "another UA, same address")
	want(t, g.Check(t.Context(), "198.51.100.2", phoneUA, "p:x").Claim(t.Context()), Count, "another client has its own budget")
	c.add(time.Second)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:x").Claim(t.Context()), Count, "one refilled after Every")
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:z").Claim(t.Context()), Limited, "and only one")
	// A limited event is not remembered: it may count later.
	c.add(time.Second)
	want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:z").Claim(t.Context()), Count, "limited earlier, counted now")
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
		if g.Check(t.Context(), "203.0.113.7", phoneUA, "p:"+strconv.Itoa(i%100)).Claim(t.Context()) == Count {
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
		want(t, g.Check(t.Context(), "10.0.0."+strconv.Itoa(i), phoneUA, "p:a").Claim(t.Context()), Count, "distinct visitor")
		if len(g.seen) > 100 || len(g.clients) > 100 {
			t.Fatalf("after %d visitors: %d visits, %d clients tracked (max 100)", i+1, len(g.seen), len(g.clients))
		}
	}
	// The most recent visitor is still remembered.
	want(t, g.Check(t.Context(), "10.0.0.999", phoneUA, "p:a").Claim(t.Context()), Duplicate, "latest visitor")
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
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Count, "first click, on replica a")
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "the same click on replica b")
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "again on a")
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:b").Claim(t.Context()), Count, "another product on b")
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:b").Claim(t.Context()), Duplicate, "that product on a")
	want(t, a.Check(t.Context(), "198.51.100.2", phoneUA, "p:a").Claim(t.Context()), Count, "another visitor")
	if !a.shared || !b.shared || a.salt != b.salt {
		t.Fatal("the replicas do not hash visitors with the same shared salt")
	}
	c.add(30 * time.Minute)
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Count, "30 minutes later, on b")
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "and then on a")

	alone := []*Gate{NewGate(GateOptions{Now: c.now}), NewGate(GateOptions{Now: c.now})}
	counted := 0
	for _, g := range alone {
		if g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()) == Count {
			counted++
		}
	}
	if counted != 2 {
		t.Fatalf("replicas without a shared store counted a repeat %d times; the test expects 2 (per-process state)", counted)
	}
}

// countMetric counts Inc calls, as the product service's Clicks metric.
type countMetric struct{ n atomic.Int64 }

func (c *countMetric) Inc() { c.n.Add(1) }

// The redirect does not wait for the shared claim: both replicas decide
// Count on their own, and their recorders' writers settle it, so the click
// is written and counted once.
func TestRecorderWritesAClickOnlyWhenItsClaimWins(t *testing.T) {
	c := newClock("10:00")
	st := newShared(t, c)
	a, b := NewGate(GateOptions{Now: c.now, Shared: st}), NewGate(GateOptions{Now: c.now, Shared: st})
	da := a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a")
	db := b.Check(t.Context(), "203.0.113.7", phoneUA, "p:a")
	want(t, da.Verdict, Count, "replica a's own decision")
	want(t, db.Verdict, Count, "replica b's own decision (it has not seen the visit)")
	var counted countMetric
	r := NewRecorder(st, Options{Writers: 1, Counted: &counted, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	click := catalog.Click{ProductID: "p-a", Seller: "demo", At: c.now()}
	if !r.Record(click, da) || !r.Record(click, db) {
		t.Fatal("a click was dropped")
	}
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Recorded != 1 || s.Duplicate != 1 || counted.n.Load() != 1 {
		t.Fatalf("stats %+v, metric %d; want 1 recorded, 1 duplicate, metric 1", s, counted.n.Load())
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
		want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Count, "first click on a replica, store down")
		want(t, g.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "repeat on the same replica, store down")
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
	want(t, a.Check(t.Context(), "198.51.100.2", phoneUA, "p:a").Claim(t.Context()), Count, "store back: a new visitor")
	want(t, b.Check(t.Context(), "198.51.100.2", phoneUA, "p:a").Claim(t.Context()), Duplicate, "store back: the repeat on the other replica")
	st.down.Store(true)
	want(t, a.Check(t.Context(), "192.0.2.9", phoneUA, "p:a").Claim(t.Context()), Count, "store down again: counted alone")
	want(t, a.Check(t.Context(), "192.0.2.9", phoneUA, "p:a").Claim(t.Context()), Duplicate, "and de-duplicated alone")
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
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Count, "before midnight")
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "before midnight, other replica")
	yesterday := a.salt
	c.add(15 * time.Minute)
	want(t, b.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Count, "after midnight: a new visitor")
	want(t, a.Check(t.Context(), "203.0.113.7", phoneUA, "p:a").Claim(t.Context()), Duplicate, "after midnight, other replica")
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
			g.Check(b.Context(), "203.0.113.7", phoneUA, "p:a").Claim(b.Context())
		}
	})
	b.Run("new", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if g.Check(b.Context(), "203.0.113.7", phoneUA, "p:"+strconv.Itoa(i)).Claim(b.Context()) != Count {
				b.Fatal("a new visit was not counted")
			}
		}
	})
}
