package clicks

import (
	"strconv"
	"testing"
	"time"
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
	want(t, g.Check("203.0.113.7", phoneUA, "p:a"), Count, "first click")
	want(t, g.Check("203.0.113.7", phoneUA, "p:a"), Duplicate, "same click again")
	c.add(29*time.Minute + 59*time.Second)
	want(t, g.Check("203.0.113.7", phoneUA, "p:a"), Duplicate, "just inside 30 minutes")
	want(t, g.Check("203.0.113.7", phoneUA, "p:b"), Count, "another product")
	want(t, g.Check("203.0.113.7", phoneUA+" other", "p:a"), Count, "another browser on the same address")
	want(t, g.Check("198.51.100.2", phoneUA, "p:a"), Count, "another address")
	c.add(time.Second)
	want(t, g.Check("203.0.113.7", phoneUA, "p:a"), Count, "30 minutes after the first")
	want(t, g.Check("203.0.113.7", phoneUA, "p:a"), Duplicate, "again in the new window")
}

func TestGateRotatesItsSaltDaily(t *testing.T) {
	c := newClock("23:50")
	g := NewGate(GateOptions{Now: c.now})
	want(t, g.Check("203.0.113.7", phoneUA, "p:a"), Count, "before midnight")
	before := g.hash("203.0.113.7", phoneUA)
	c.add(5 * time.Minute)
	want(t, g.Check("203.0.113.7", phoneUA, "p:a"), Duplicate, "same day")
	c.add(10 * time.Minute)
	want(t, g.Check("203.0.113.7", phoneUA, "p:a"), Count, "the next UTC day, a new salt")
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
		want(t, g.Check("203.0.113.7", phoneUA, "p:"+strconv.Itoa(i)), Count, "within the burst")
	}
	want(t, g.Check("203.0.113.7", phoneUA, "p:x"), Limited, "past the burst")
	// Rotating User-Agents does not escape the per-address budget.
	want(t, g.Check("203.0.113.7", "curl-like/1", "p:y"), Limited, "another UA, same address")
	want(t, g.Check("198.51.100.2", phoneUA, "p:x"), Count, "another client has its own budget")
	c.add(time.Second)
	want(t, g.Check("203.0.113.7", phoneUA, "p:x"), Count, "one refilled after Every")
	want(t, g.Check("203.0.113.7", phoneUA, "p:z"), Limited, "and only one")
	// A limited event is not remembered: it may count later.
	c.add(time.Second)
	want(t, g.Check("203.0.113.7", phoneUA, "p:z"), Count, "limited earlier, counted now")
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
		if g.Check("203.0.113.7", phoneUA, "p:"+strconv.Itoa(i%100)) == Count {
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
		want(t, g.Check("10.0.0."+strconv.Itoa(i), phoneUA, "p:a"), Count, "distinct visitor")
		if len(g.seen) > 100 || len(g.clients) > 100 {
			t.Fatalf("after %d visitors: %d visits, %d clients tracked (max 100)", i+1, len(g.seen), len(g.clients))
		}
	}
	// The most recent visitor is still remembered.
	want(t, g.Check("10.0.0.999", phoneUA, "p:a"), Duplicate, "latest visitor")
}
