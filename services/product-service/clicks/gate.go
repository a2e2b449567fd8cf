package clicks

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
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
	// Shared, when set, makes de-duplication hold across replicas (see
	// Gate); nil keeps it per process.
	Shared Marks
	// SharedTimeout bounds each call to Shared (default 500 ms): past it
	// the event is decided by this process alone.
	SharedTimeout time.Duration
	// Logger receives the fall-backs to per-process de-duplication
	// (default slog.Default()).
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
}

// Marks is where replicas share visits and the daily salt: an expiring
// counter store (catalog.CounterStore; the catalog stores implement it).
// A counter added to with its limit equal to the delta is a claim: one
// caller adds it, every other reads the winner's value until it expires.
type Marks interface {
	AddCounter(ctx context.Context, key string, delta, limit int64, expiresAt time.Time) (value int64, added bool, err error)
}

// saltParts is how many counters (62 random bits each) make the shared
// daily salt.
const saltParts = 4

// saltRetry is how long a process waits before asking Shared for the
// day's salt again after a failure.
const saltRetry = time.Minute

// Gate decides which clicks and page views count, the one rule used for
// both (and the building block for other per-client counting quotas):
//
//   - De-duplication: one visitor + target (a product, a link, a page) counts
//     once per Window. A visitor is a hash of the client address and User-Agent
//     with a salt replaced every UTC day, so nothing personal is stored or can
//     be linked across days; after the daily rotation every visitor is new.
//   - Rate limit: each client address (hashed the same way) has a token
//     bucket of counted events; beyond it events are Limited. Callers always
//     serve the request (a redirect, a page) and only skip counting it.
//
// Without Shared, state is per process: the salt is random and lives only in
// memory, and with N replicas one visitor can be counted up to N times per
// window. With Shared, the replicas agree:
//
//   - the day's salt is claimed in Shared by the first replica that needs it
//     (counters "visitor-salt/<day>/<i>", 4 x 62 random bits, expiring an hour
//     after the day ends) and read by the others, so every replica hashes a
//     visitor the same way;
//   - a visit this process has not seen is counted only if it claims the
//     mark "visit/<hash>" in Shared (expiring after Window), so a repeat on
//     another replica is a Duplicate. Check decides locally; the claim is
//     Decision.Claim, which the click recorder runs in its writers (the
//     redirect never waits for it) and page views before they are written.
//
// Shared then holds the day's salt and salted, truncated hashes of address,
// User-Agent and target, never an address or a User-Agent. (Whoever can read
// the store on that day could test a guessed address, User-Agent and target
// against the marks: the price of needing no secret of our own; the marks
// last Window, and the store's TTL deletes the rest.) The rate limit stays per
// process. When Shared fails or is slow (SharedTimeout), the Gate decides
// alone, as without Shared, logs it, and asks for the day's salt again a
// minute later; the request is served either way. A Gate is safe for
// concurrent use.
type Gate struct {
	o GateOptions

	mu       sync.Mutex
	day      int64 // UTC day of salt
	salt     [32]byte
	shared   bool                   // salt is the day's shared salt
	fetching bool                   // a call is asking Shared for the day's salt
	retry    time.Time              // when to ask again after a failure
	warned   time.Time              // when Shared's last failure was logged
	seen     map[[16]byte]time.Time // visitor+target -> when counted
	clients  map[[16]byte]*clientBudget
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
	if o.SharedTimeout <= 0 {
		o.SharedTimeout = 500 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Gate{o: o, day: -1 << 62, seen: map[[16]byte]time.Time{}, clients: map[[16]byte]*clientBudget{}}
}

// Decision is a Gate's decision about one event as this process sees it.
// A Count may still be a repeat another replica counted: Claim settles it
// in the shared store, so it can run off the request's path (the click
// recorder claims before it writes; the redirect does not wait).
type Decision struct {
	// Verdict is this process's decision.
	Verdict Verdict
	g       *Gate
	visit   [16]byte
	at      time.Time
}

// Check decides about one event of the client at addr with userAgent on
// target ("p:<product id>", "v:<handle>/<page>": any string naming what was
// clicked or viewed) and remembers it when it counts. ctx bounds the one
// call a day per process that asks Shared for the day's salt.
func (g *Gate) Check(ctx context.Context, addr, userAgent, target string) Decision {
	now := g.o.Now()
	if g.o.Shared != nil {
		g.shareSalt(ctx, now)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rotate(now)
	visit := g.hash(addr, userAgent, target)
	if at, ok := g.seen[visit]; ok && now.Sub(at) < g.o.Window {
		return Decision{Verdict: Duplicate}
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
		return Decision{Verdict: Limited}
	}
	if len(g.seen) >= g.o.MaxTracked {
		g.forgetVisits(now)
	}
	g.seen[visit] = now
	if !g.shared {
		return Decision{Verdict: Count}
	}
	return Decision{Verdict: Count, g: g, visit: visit, at: now}
}

// Claim is the final verdict: a Count hashed with the shared salt counts
// only if its visit mark is claimed first in Shared (bounded by
// SharedTimeout; when Shared fails this process's Count stands, logged);
// any other decision is returned as it is.
func (d Decision) Claim(ctx context.Context) Verdict {
	if d.Verdict != Count || d.g == nil {
		return d.Verdict
	}
	g := d.g
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.o.SharedTimeout)
	defer cancel()
	_, first, err := g.o.Shared.AddCounter(ctx, "visit/"+hex.EncodeToString(d.visit[:]), 1, 1, d.at.Add(g.o.Window))
	switch {
	case err != nil:
		g.warn(g.o.Now(), "click gate: the shared visit marks failed; this replica de-duplicates alone", "err", err)
		return Count
	case !first:
		return Duplicate
	}
	return Count
}

// rotate replaces the salt with a random one of this process (and forgets
// everything hashed with the old one) when the UTC day changes; g.mu is
// held.
func (g *Gate) rotate(now time.Time) {
	d := dayOf(now)
	if d == g.day {
		return
	}
	var salt [32]byte
	_, _ = rand.Read(salt[:]) // crypto/rand.Read never fails
	g.setSalt(d, salt, false)
}

// setSalt makes salt the salt of day d and forgets everything hashed with
// the old one; g.mu is held.
func (g *Gate) setSalt(d int64, salt [32]byte, shared bool) {
	g.day, g.salt, g.shared = d, salt, shared
	clear(g.seen)
	clear(g.clients)
}

// shareSalt takes the day's shared salt from Shared when this process does
// not hold it yet, unless another call is already asking or the last
// failure was less than saltRetry ago.
func (g *Gate) shareSalt(ctx context.Context, now time.Time) {
	d := dayOf(now)
	g.mu.Lock()
	ask := (g.day != d || !g.shared) && d >= g.day && !g.fetching && !now.Before(g.retry)
	g.fetching = g.fetching || ask
	g.mu.Unlock()
	if !ask {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.o.SharedTimeout)
	defer cancel()
	salt, err := sharedSalt(ctx, g.o.Shared, d)
	g.mu.Lock()
	g.fetching = false
	if err == nil && d >= g.day {
		g.setSalt(d, salt, true)
	}
	if err != nil {
		g.retry = now.Add(saltRetry)
	}
	g.mu.Unlock()
	if err != nil {
		g.warn(now, "click gate: no shared salt; this replica de-duplicates alone", "err", err, "retry_in", saltRetry)
	}
}

// warn logs a failure of Shared, at most once per saltRetry so that an
// outage does not log every click.
func (g *Gate) warn(now time.Time, msg string, args ...any) {
	g.mu.Lock()
	quiet := now.Sub(g.warned) < saltRetry && !g.warned.IsZero()
	if !quiet {
		g.warned = now
	}
	g.mu.Unlock()
	if !quiet {
		g.o.Logger.Warn(msg, args...)
	}
}

// sharedSalt is day d's salt in marks: each part is claimed with a random
// value by the first replica to ask, and read by the others.
func sharedSalt(ctx context.Context, marks Marks, d int64) ([32]byte, error) {
	var salt [32]byte
	end := time.Unix((d+1)*86400, 0).Add(time.Hour) // outlives the day on clocks a little behind
	for i := range saltParts {
		var r [8]byte
		_, _ = rand.Read(r[:])
		mine := int64(binary.BigEndian.Uint64(r[:])>>2) + 1 // in 1..2^62
		v, _, err := marks.AddCounter(ctx, "visitor-salt/"+strconv.FormatInt(d, 10)+"/"+strconv.Itoa(i), mine, mine, end)
		if err != nil {
			return salt, err
		}
		if v < 1 || v > 1<<62 {
			return salt, fmt.Errorf("shared salt part %d of day %d is %d", i, d, v)
		}
		binary.BigEndian.PutUint64(salt[8*i:], uint64(v))
	}
	return salt, nil
}

// dayOf is the UTC day number of t.
func dayOf(t time.Time) int64 { return t.UTC().Unix() / 86400 }

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
