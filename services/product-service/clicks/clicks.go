// Package clicks records shoppers' clicks on buy links without making them
// wait: a Recorder queues clicks in a bounded buffer that a few writers drain
// into the store, drops (and counts) clicks when the buffer is full rather
// than delay a redirect, and writes everything queued before it closes.
// It also holds the rules for what counts as a click or a page view (IsBot,
// IsPrefetch, and Gate: one visitor + target once per 30 minutes, across
// replicas when they share a store, a per-client budget on counting) and
// for the redirect target (WithUTM).
package clicks

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// Store is where clicks go.
type Store interface {
	RecordClick(ctx context.Context, c catalog.Click) error
}

// Options configure a Recorder.
type Options struct {
	// Buffer bounds the clicks waiting to be written (default 4096).
	Buffer int
	// Writers is the number of goroutines writing clicks (default 2).
	Writers int
	// WriteTimeout bounds one store write (default 5s).
	WriteTimeout time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Counted, when set, is incremented for each click that counts: after
	// its Decision is claimed, before it is written.
	Counted interface{ Inc() }
}

// Stats counts what a Recorder did. Duplicate counts the clicks another
// replica had counted already (their claim lost).
type Stats struct {
	Recorded, Dropped, Failed, Duplicate int64
}

// pending is a queued click with the gate's decision still to claim.
type pending struct {
	click    catalog.Click
	decision Decision
}

// Recorder writes clicks asynchronously. Record never blocks.
type Recorder struct {
	store   Store
	o       Options
	queue   chan pending
	mu      sync.RWMutex // guards closed against sends on a closed queue
	closed  bool
	writers sync.WaitGroup
	done    chan struct{}

	recorded, dropped, failed, duplicate atomic.Int64
}

// NewRecorder starts a recorder writing to store.
func NewRecorder(store Store, o Options) *Recorder {
	if o.Buffer <= 0 {
		o.Buffer = 4096
	}
	if o.Writers <= 0 {
		o.Writers = 2
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	r := &Recorder{store: store, o: o, queue: make(chan pending, o.Buffer), done: make(chan struct{})}
	for range o.Writers {
		r.writers.Go(r.write)
	}
	go func() { r.writers.Wait(); close(r.done) }()
	return r
}

// Record queues a click the Gate decided to count (d); the writer claims d
// before writing, so a repeat another replica counted is not written. It
// reports false when the click was dropped because the buffer is full or
// the recorder is closed.
func (r *Recorder) Record(c catalog.Click, d Decision) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.dropped.Add(1)
		return false
	}
	select {
	case r.queue <- pending{c, d}:
		return true
	default:
		if r.dropped.Add(1)%1000 == 1 {
			r.o.Logger.Warn("click buffer full; dropping clicks", "buffer", r.o.Buffer, "dropped", r.dropped.Load())
		}
		return false
	}
}

func (r *Recorder) write() {
	for p := range r.queue {
		c := p.click
		if p.decision.Claim(context.Background()) != Count {
			r.duplicate.Add(1)
			continue
		}
		if r.o.Counted != nil {
			r.o.Counted.Inc()
		}
		ctx, cancel := context.WithTimeout(context.Background(), r.o.WriteTimeout)
		err := r.store.RecordClick(ctx, c)
		cancel()
		if err != nil {
			r.failed.Add(1)
			r.o.Logger.Error("recording a click failed", "product_id", c.ProductID, "err", err)
			continue
		}
		r.recorded.Add(1)
	}
}

// Close stops accepting clicks and waits until every queued click is
// written, or ctx ends (the rest are then lost and counted as dropped).
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		s := r.Stats()
		r.o.Logger.Info("click recorder drained", "recorded", s.Recorded, "duplicate", s.Duplicate, "dropped", s.Dropped, "failed", s.Failed)
		return nil
	case <-ctx.Done():
		lost := int64(len(r.queue))
		r.dropped.Add(lost)
		return errors.Join(ctx.Err(), errors.New("clicks: recorder closed before every click was written"))
	}
}

// Stats returns the counts so far.
func (r *Recorder) Stats() Stats {
	return Stats{Recorded: r.recorded.Load(), Dropped: r.dropped.Load(), Failed: r.failed.Load(), Duplicate: r.duplicate.Load()}
}

// botRE matches the User-Agents of crawlers, link previewers, monitors,
// headless browsers and HTTP libraries: nobody shopping.
var botRE = regexp.MustCompile(`(?i)bot\b|bot/|spider|crawl|slurp|facebookexternalhit|facebookcatalog|meta-externalagent|` +
	`embedly|quora link preview|whatsapp|skypeuripreview|slack|vkshare|preview|` +
	`headless|phantomjs|lighthouse|pingdom|uptime|monitor|curl/|wget/|python-|aiohttp|go-http-client|java/|okhttp|` +
	`libwww|httpclient|axios/|node-fetch|undici|postman|insomnia|scrapy|httpx`)

// IsBot reports whether a request's User-Agent is an obvious bot (or missing).
func IsBot(userAgent string) bool {
	ua := strings.TrimSpace(userAgent)
	return ua == "" || botRE.MatchString(ua)
}

// IsPrefetch reports whether the browser fetched the link speculatively
// rather than because a shopper clicked it.
func IsPrefetch(h http.Header) bool {
	for _, v := range []string{h.Get("Sec-Purpose"), h.Get("Purpose"), h.Get("X-Moz"), h.Get("X-Purpose")} {
		if v = strings.ToLower(v); strings.Contains(v, "prefetch") || strings.Contains(v, "prerender") || v == "preview" {
			return true
		}
	}
	return false
}

// The UTM parameters added to buy links.
const (
	UTMSource = "buylink"
	UTMMedium = "linkinbio"
)

// WithUTM returns the buy URL with utm_source, utm_medium and utm_campaign
// (the seller's handle) added, unless it already carries any utm_ parameter.
// The seller's own query (affiliate tags, signatures) is kept byte for byte.
func WithUTM(buyURL, handle string) (string, error) {
	u, err := url.Parse(buyURL)
	if err != nil {
		return "", catalog.Invalid("buyUrl", "is not a valid URL")
	}
	for _, part := range strings.Split(u.RawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil && strings.HasPrefix(strings.ToLower(n), "utm_") {
			return buyURL, nil
		}
	}
	add := "utm_source=" + UTMSource + "&utm_medium=" + UTMMedium + "&utm_campaign=" + url.QueryEscape(handle)
	if u.RawQuery == "" {
		u.RawQuery = add
	} else {
		u.RawQuery = strings.TrimSuffix(u.RawQuery, "&") + "&" + add
	}
	u.ForceQuery = false
	return u.String(), nil
}

// ReferrerHost is the host of a Referer header value, or "".
func ReferrerHost(referer string) string {
	u, err := url.Parse(referer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	if len(h) > 253 || catalog.ValidateText("referrerHost", h, 253, false) != nil {
		return ""
	}
	return h
}
