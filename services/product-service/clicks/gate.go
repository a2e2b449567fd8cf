package clicks

import (
	"crypto/rand"
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Verdict is what a Gate decided about one click or page view.
type Verdict int

// A Gate's verdicts.
const (
	// Count: the first from this visitor for this target in the window.
	Count Verdict = iota
	// Duplicate: the same visitor already counted this target within the
	// window.
	Duplicate
	// Limited: the client spent its counting budget; the event is not
	// counted (the request itself is still served).
	Limited
)

func (v Verdict) String() string {
	return [...]string{"count", "duplicate", "limited"}[v]
}

// GateOptions tune a Gate. Zero values take the defaults.
type GateOptions struct {
	// Window is how long one visitor's event on one target is counted once
	// (default 30 minutes).
	Window time.Duration
	// Every and Burst are each client's counting budget: Burst events at
	// once, then one per Every (default one a second after a burst of 60:
	// far above one shopper, and loose enough for many shoppers behind one
	// carrier-grade NAT address, while a flood counts at most 60 a minute).
	Every time.Duration
	Burst int
	// MaxTracked bounds the remembered visitor/target pairs and clients
	// each (default 200,000); past it the oldest are forgotten first, so
	// memory stays bounded under a flood of distinct visitors.
	MaxTracked int
	// Now defaults to time.Now.
	Now func() time.Time
}

// Gate decides which clicks and page views count, the one rule used for
// both (and the building block for other per-client counting quotas):
//
//   - De-duplication: one visitor + target (a product, a link, a page) counts
//     once per Window. A visitor is a hash of the client address and User-Agent
//     with a random salt that lives only in memory and is replaced every UTC
//     day, so nothing personal is stored or can be linked across days; after
//     the daily rotation every visitor is new.
//   - Rate limit: each client address (hashed the same way) has a token
//     bucket of counted events; beyond it events are Limited. Callers always
//     serve the request (a redirect, a page) and only skip counting it.
//
// State is per process: with N replicas one visitor can be counted at most
// N times per window, and a restart forgets the window. A Gate is safe for
// concurrent use.
type Gate struct {
	o GateOptions

	mu      sync.Mutex
	day     int64 // UTC day of salt
	salt    [32]byte
	seen    map[[16]byte]time.Time // visitor+target -> when counted
	clients map[[16]byte]*clientBudget
}

type clientBudget struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewGate returns a Gate with o's settings.
func NewGate(o GateOptions) *Gate {
	if o.Window <= 0 {
		o.Window = 30 * time.Minute
	}
	if o.Every <= 0 {
		o.Every = time.Second
	}
	if o.Burst <= 0 {
		o.Burst = 60
	}
	if o.MaxTracked <= 0 {
		o.MaxTracked = 200_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Gate{o: o, day: -1 << 62, seen: map[[16]byte]time.Time{}, clients: map[[16]byte]*clientBudget{}}
}

// Check decides about one event of the client at addr with userAgent on
// target ("p:<product id>", "v:<handle>/<page>": any string naming what was
// clicked or viewed) and remembers it when it counts.
func (g *Gate) Check(addr, userAgent, target string) Verdict {
	now := g.o.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rotate(now)
	visit := g.hash(addr, userAgent, target)
	if at, ok := g.seen[visit]; ok && now.Sub(at) < g.o.Window {
		return Duplicate
	}
	client := g.hash(addr)
	b := g.clients[client]
	if b == nil {
		if len(g.clients) >= g.o.MaxTracked {
			g.forgetClients(now)
		}
		b = &clientBudget{lim: rate.NewLimiter(rate.Every(g.o.Every), g.o.Burst)}
		g.clients[client] = b
	}
	b.seen = now
	if !b.lim.AllowN(now, 1) {
		return Limited
	}
	if len(g.seen) >= g.o.MaxTracked {
		g.forgetVisits(now)
	}
	g.seen[visit] = now
	return Count
}

// rotate replaces the salt (and forgets everything hashed with the old
// one) when the UTC day changes; g.mu is held.
func (g *Gate) rotate(now time.Time) {
	d := now.UTC().Unix() / 86400
	if d == g.day {
		return
	}
	g.day = d
	_, _ = rand.Read(g.salt[:]) // crypto/rand.Read never fails
	clear(g.seen)
	clear(g.clients)
}

// hash is the salted hash of parts (each length-prefixed, so no two
// different lists collide by concatenation); g.mu is held.
func (g *Gate) hash(parts ...string) [16]byte {
	h := sha256.New()
	h.Write(g.salt[:])
	for _, p := range parts {
		n := len(p)
		h.Write([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		h.Write([]byte(p))
	}
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

// forgetVisits drops the visits older than the window and, if that is not
// enough, the older half; g.mu is held.
func (g *Gate) forgetVisits(now time.Time) {
	for k, at := range g.seen {
		if now.Sub(at) >= g.o.Window {
			delete(g.seen, k)
		}
	}
	if len(g.seen) >= g.o.MaxTracked {
		dropOlderHalf(g.seen, func(at time.Time) time.Time { return at })
	}
}

// forgetClients drops clients whose bucket is full again (idle for a whole
// refill) and, if that is not enough, the less recently seen half; g.mu is
// held.
func (g *Gate) forgetClients(now time.Time) {
	idle := g.o.Every * time.Duration(g.o.Burst)
	for k, b := range g.clients {
		if now.Sub(b.seen) >= idle {
			delete(g.clients, k)
		}
	}
	if len(g.clients) >= g.o.MaxTracked {
		dropOlderHalf(g.clients, func(b *clientBudget) time.Time { return b.seen })
	}
}

// dropOlderHalf deletes the entries of m whose time is at or before the
// median.
func dropOlderHalf[V any](m map[[16]byte]V, at func(V) time.Time) {
	times := make([]time.Time, 0, len(m))
	for _, v := range m {
		times = append(times, at(v))
	}
	slices.SortFunc(times, time.Time.Compare)
	cut := times[len(times)/2]
	for k, v := range m {
		if !at(v).After(cut) {
			delete(m, k)
		}
	}
}
