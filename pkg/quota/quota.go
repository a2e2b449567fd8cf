// Package quota is buylink's abuse limits and paid-call budgets: how many
// videos a seller may post per hour and per day, how many bytes of video a
// seller may upload per day, and how much LLM spend a seller and the whole
// platform may run up per day.
//
// Windows are fixed and in UTC: an hour window is a clock hour, a day
// window a UTC calendar day; a refusal's Retry-After is the time left in
// the window that is full. (A fixed window lets a burst straddle a window
// edge, at most twice the limit over the edge; it needs one counter per
// window and no clock agreement beyond the hour.)
//
// Counts live in the catalog store (catalog.CounterStore: DynamoDB atomic
// counters with a TTL on AWS, SQLite locally), so every replica of a
// service and every restart sees the same totals. Counters are keyed by
// quota, window and seller, and expire a day after their window ends.
package quota

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// Counters keeps the counts (catalog.CounterStore; the catalog stores
// implement it).
type Counters interface {
	AddCounter(ctx context.Context, key string, delta, limit int64, expiresAt time.Time) (int64, bool, error)
	GetCounter(ctx context.Context, key string) (int64, error)
}

// Unlimited is a limit that is never reached (a quota turned off).
const Unlimited = math.MaxInt64

// Defaults of the limits.
const (
	// DefaultPostsPerHour lets a seller add a backlog of videos by hand
	// (one every two minutes) while a script posting in a loop is stopped
	// within seconds.
	DefaultPostsPerHour = 30
	// DefaultPostsPerDay is many times what an active TikTok seller posts.
	DefaultPostsPerDay = 200
	// DefaultUploadBytesPerDay is 2 GiB: forty uploads at the 50 MB limit.
	DefaultUploadBytesPerDay = 2 << 30
)

// window is a fixed UTC window.
type window struct {
	name string // in keys and messages: "hour", "day"
	span time.Duration
}

var (
	hour = window{"hour", time.Hour}
	day  = window{"day", 24 * time.Hour}
)

// bounds returns the start of the window holding t, and its end.
func (w window) bounds(t time.Time) (time.Time, time.Time) {
	start := t.UTC().Truncate(w.span)
	return start, start.Add(w.span)
}

// key names the counter of a quota in the window holding t.
func (w window) key(quota string, t time.Time, subject string) string {
	start, _ := w.bounds(t)
	return "quota/" + quota + "/" + w.name + "/" + start.Format("2006010215") + "/" + subject
}

// expiry is when a window's counter may go: a day after the window ends,
// so that an operator can still read yesterday's totals.
func (w window) expiry(t time.Time) time.Time {
	_, end := w.bounds(t)
	return end.Add(24 * time.Hour)
}

// retryAfter is the time left in the window holding t (at least a second).
func (w window) retryAfter(t time.Time) time.Duration {
	_, end := w.bounds(t)
	return max(end.Sub(t), time.Second)
}

// ParseLimit reads a count limit from the environment variable name: a
// whole number in 1..max, "off" (Unlimited), or def when unset. Sizes may
// end in KB, MB or GB (powers of 1024) when bytes is true.
func ParseLimit(name, value string, def, maxValue int64, bytes bool) (int64, error) {
	v := strings.TrimSpace(value)
	switch {
	case v == "":
		return def, nil
	case strings.EqualFold(v, "off"):
		return Unlimited, nil
	}
	mult := int64(1)
	if bytes {
		for suffix, m := range map[string]int64{"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30} {
			if cut, ok := strings.CutSuffix(strings.ToUpper(v), suffix); ok {
				v, mult = strings.TrimSpace(cut), m
				break
			}
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	what := "a whole number"
	if bytes {
		what = "a size such as 2GB, 500MB or a number of bytes"
	}
	if err != nil || n < 1 || n > maxValue/mult {
		return 0, fmt.Errorf("%s must be %s from 1 to %d, or off (got %q)", name, what, maxValue/mult, value)
	}
	return n * mult, nil
}

// Sellers are the per-seller quotas of the ingestion API.
type Sellers struct {
	Counters Counters
	// PostsPerHour and PostsPerDay bound the videos a seller adds (by URL,
	// by upload, by a retry or a re-read of a video, which start the
	// pipeline again); UploadBytesPerDay the bytes of video uploaded.
	PostsPerHour, PostsPerDay, UploadBytesPerDay int64
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (s *Sellers) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// TakePost counts one video started for the seller, or refuses it with a
// rate-limited error naming the quota that is full. A post that is then
// not made (its request failed) is given back with the returned function.
func (s *Sellers) TakePost(ctx context.Context, seller string) (giveBack func(context.Context), err error) {
	now := s.now()
	var taken []string
	giveBack = func(ctx context.Context) {
		for _, k := range taken {
			_, _, _ = s.Counters.AddCounter(context.WithoutCancel(ctx), k, -1, Unlimited, now)
		}
	}
	for _, q := range []struct {
		w     window
		limit int64
	}{{hour, s.PostsPerHour}, {day, s.PostsPerDay}} {
		if q.limit == Unlimited {
			continue
		}
		k := q.w.key("posts", now, seller)
		_, ok, err := s.Counters.AddCounter(ctx, k, 1, q.limit, q.w.expiry(now))
		if err != nil || !ok {
			giveBack(ctx)
			if err != nil {
				return nil, err
			}
			wait := q.w.retryAfter(now)
			return nil, catalog.RateLimited(wait, "quota posts per %s: @%s has started %d videos this %s, the most allowed; try again in %s",
				q.w.name, seller, q.limit, q.w.name, human(wait))
		}
		taken = append(taken, k)
	}
	return giveBack, nil
}

// uploadChunk is how many bytes an upload reserves of the day's quota at a
// time: few counter writes per upload, little held back from parallel ones.
const uploadChunk = 4 << 20

// Upload is one upload's use of the seller's daily upload quota: Reader
// counts the bytes as they stream in and fails the read with a
// rate-limited error once the day's quota is used up; Close gives back
// what was reserved and not used.
type Upload struct {
	s                   *Sellers
	seller, key         string
	now                 time.Time
	used, reserved, max int64
}

// StartUpload refuses at once when the seller's day of uploads is used up,
// else returns the upload's meter.
func (s *Sellers) StartUpload(ctx context.Context, seller string) (*Upload, error) {
	now := s.now()
	u := &Upload{s: s, seller: seller, key: day.key("upload-bytes", now, seller), now: now, max: s.UploadBytesPerDay}
	if u.max == Unlimited {
		return u, nil
	}
	used, err := s.Counters.GetCounter(ctx, u.key)
	if err != nil {
		return nil, err
	}
	if used >= u.max {
		return nil, u.refusal()
	}
	return u, nil
}

func (u *Upload) refusal() error {
	wait := day.retryAfter(u.now)
	return catalog.RateLimited(wait, "quota upload bytes per day: @%s has uploaded its %s of video for today; try again in %s",
		u.seller, humanBytes(u.max), human(wait))
}

// Used is how many bytes went through the meter.
func (u *Upload) Used() int64 { return u.used }

// Reader counts what r yields against the quota.
func (u *Upload) Reader(ctx context.Context, r io.Reader) io.Reader {
	return &meteredReader{ctx: ctx, u: u, r: r}
}

type meteredReader struct {
	ctx context.Context
	u   *Upload
	r   io.Reader
	err error
}

// Read implements io.Reader.
func (m *meteredReader) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	n, err := m.r.Read(p)
	if n > 0 {
		if qerr := m.u.count(m.ctx, int64(n)); qerr != nil {
			m.err = qerr
			return 0, qerr
		}
	}
	return n, err
}

// count adds n used bytes, reserving more of the quota when needed.
func (u *Upload) count(ctx context.Context, n int64) error {
	u.used += n
	if u.max == Unlimited || u.used <= u.reserved {
		return nil
	}
	need := u.used - u.reserved
	for _, ask := range []int64{max(need, uploadChunk), need} {
		_, ok, err := u.s.Counters.AddCounter(ctx, u.key, ask, u.max, day.expiry(u.now))
		if err != nil {
			return err
		}
		if ok {
			u.reserved += ask
			return nil
		}
	}
	return u.refusal()
}

// Close gives back the reserved bytes that were not used.
func (u *Upload) Close(ctx context.Context) {
	if spare := u.reserved - u.used; spare > 0 && u.max != Unlimited {
		_, _, _ = u.s.Counters.AddCounter(context.WithoutCancel(ctx), u.key, -spare, Unlimited, u.now)
		u.reserved = u.used
	}
}

// human says a wait in words: "42s", "17m", "3h05m".
func human(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(math.Ceil(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(math.Ceil(d.Minutes())))
	}
	m := int(math.Ceil(d.Minutes()))
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
