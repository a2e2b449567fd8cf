package quota_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/internal/testservers"
	"github.com/buylink/buylink/pkg/quota"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func wantLimited(t *testing.T, err error, quotaName string, retry time.Duration) {
	t.Helper()
	var de *catalog.Error
	if !errors.As(err, &de) || de.Code != catalog.CodeRateLimited {
		t.Fatalf("want a rate-limited error, got %v", err)
	}
	if !strings.Contains(de.Message, "quota "+quotaName) {
		t.Fatalf("the message must name the quota %q: %s", quotaName, de.Message)
	}
	if de.RetryAfter != retry {
		t.Fatalf("retry after %s, want %s (%s)", de.RetryAfter, retry, de.Message)
	}
}

func TestPostsPerHourAndDay(t *testing.T) {
	st := openStore(t)
	clk := &clock{t: time.Date(2026, 12, 5, 13, 50, 0, 0, time.UTC)}
	q := &quota.Sellers{Counters: st, PostsPerHour: 3, PostsPerDay: 5, UploadBytesPerDay: quota.Unlimited, Now: clk.Now}
	ctx := t.Context()
	for i := range 3 {
		if _, err := q.TakePost(ctx, "shop"); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	_, err := q.TakePost(ctx, "shop")
	wantLimited(t, err, "posts per hour", 10*time.Minute)
	if _, err := q.TakePost(ctx, "other"); err != nil {
		t.Fatalf("another seller's quota is its own: %v", err)
	}
	// The next hour has room again, until the day's quota is full.
	clk.Set(time.Date(2026, 12, 5, 14, 0, 0, 0, time.UTC))
	for i := range 2 {
		if _, err := q.TakePost(ctx, "shop"); err != nil {
			t.Fatalf("post %d of the next hour: %v", i, err)
		}
	}
	_, err = q.TakePost(ctx, "shop")
	wantLimited(t, err, "posts per day", 10*time.Hour)
	// A refusal by the day's quota does not use up the hour's.
	if n, _ := st.GetCounter(ctx, "quota/posts/hour/2026120514/shop"); n != 2 {
		t.Fatalf("the hour counter is %d after a refused post, want 2", n)
	}
	// A post given back (its request failed) may be made again.
	clk.Set(time.Date(2026, 12, 6, 0, 0, 1, 0, time.UTC))
	giveBack, err := q.TakePost(ctx, "shop")
	if err != nil {
		t.Fatalf("a new day: %v", err)
	}
	giveBack(ctx)
	if n, _ := st.GetCounter(ctx, "quota/posts/day/2026120600/shop"); n != 0 {
		t.Fatalf("the day counter is %d after giving the post back", n)
	}
}

// Parallel posts and uploads never pass their quotas, on either store.
func TestConcurrentAdmission(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testConcurrentAdmission(t, openStore(t)) })
	t.Run("dynamodb", func(t *testing.T) {
		testservers.UseEmulators(t)
		endpoint := testservers.Dynalite(t)
		st, err := dynamo.Open(t.Context(), "dynamodb://quota-test?region="+testservers.Region+"&endpoint="+endpoint)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateTable(t.Context()); err != nil {
			t.Fatal(err)
		}
		testConcurrentAdmission(t, st)
	})
}

func testConcurrentAdmission(t *testing.T, st quota.Counters) {
	q := &quota.Sellers{Counters: st, PostsPerHour: 7, PostsPerDay: 100, UploadBytesPerDay: 10 << 20}
	var wg sync.WaitGroup
	var ok, limited atomic.Int64
	for range 30 {
		wg.Go(func() {
			_, err := q.TakePost(t.Context(), "shop")
			switch {
			case err == nil:
				ok.Add(1)
			case catalog.IsCode(err, catalog.CodeRateLimited):
				limited.Add(1)
			default:
				t.Errorf("post: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 7 || limited.Load() != 23 {
		t.Fatalf("30 parallel posts against 7 an hour: %d admitted, %d refused", ok.Load(), limited.Load())
	}
	// Eight parallel uploads of 3 MB against 10 MB a day: the bytes let
	// through never pass the quota (how many get through depends on how the
	// reservations interleave), and the refused ones are told so.
	var through atomic.Int64
	for range 8 {
		wg.Go(func() {
			u, err := q.StartUpload(t.Context(), "shop")
			if err != nil {
				if !catalog.IsCode(err, catalog.CodeRateLimited) {
					t.Errorf("start upload: %v", err)
				}
				return
			}
			defer u.Close(t.Context())
			n, err := io.Copy(io.Discard, u.Reader(t.Context(), bytes.NewReader(make([]byte, 3<<20))))
			through.Add(n)
			if err != nil && !catalog.IsCode(err, catalog.CodeRateLimited) {
				t.Errorf("upload: %v", err)
			}
		})
	}
	wg.Wait()
	if through.Load() > 10<<20 || through.Load() < 3<<20 {
		t.Fatalf("parallel uploads let %d bytes through a quota of %d", through.Load(), 10<<20)
	}
}

func TestUploadBytesPerDay(t *testing.T) {
	st := openStore(t)
	clk := &clock{t: time.Date(2026, 12, 5, 23, 59, 0, 0, time.UTC)}
	const limit = 10 << 20
	q := &quota.Sellers{Counters: st, PostsPerHour: quota.Unlimited, PostsPerDay: quota.Unlimited, UploadBytesPerDay: limit, Now: clk.Now}
	ctx := t.Context()
	upload := func(size int) (int64, error) {
		u, err := q.StartUpload(ctx, "shop")
		if err != nil {
			return 0, err
		}
		defer u.Close(ctx)
		n, err := io.Copy(io.Discard, u.Reader(ctx, bytes.NewReader(make([]byte, size))))
		return n, err
	}
	if n, err := upload(6 << 20); err != nil || n != 6<<20 {
		t.Fatalf("first upload: %d bytes, %v", n, err)
	}
	// The reservation left over from the first is given back: exactly the
	// remaining 4 MB fit.
	if n, err := upload(4 << 20); err != nil || n != 4<<20 {
		t.Fatalf("an upload up to the quota exactly: %d bytes, %v", n, err)
	}
	if used, _ := st.GetCounter(ctx, "quota/upload-bytes/day/2026120500/shop"); used != limit {
		t.Fatalf("the day's counter holds %d bytes, want %d", used, limit)
	}
	_, err := upload(1)
	wantLimited(t, err, "upload bytes per day", time.Minute)

	// An upload that crosses the quota is refused while it streams.
	clk.Set(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	if _, err := upload(7 << 20); err != nil {
		t.Fatal(err)
	}
	n, err := upload(5 << 20)
	wantLimited(t, err, "upload bytes per day", 12*time.Hour)
	if n > 3<<20 {
		t.Fatalf("%d bytes went through before the refusal; at most the 3 MB left may", n)
	}
	if used, _ := st.GetCounter(ctx, "quota/upload-bytes/day/2026120600/shop"); used > limit {
		t.Fatalf("the counter passed the quota: %d", used)
	}
}

func TestLLMBudget(t *testing.T) {
	st := openStore(t)
	clk := &clock{t: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	b := &quota.Budget{Counters: st, SellerMicroUSD: 1_000_000, TotalMicroUSD: 1_500_000, Now: clk.Now}
	ctx := t.Context()
	allow := func(seller string) string {
		t.Helper()
		why, err := b.Allow(ctx, seller)
		if err != nil {
			t.Fatal(err)
		}
		return why
	}
	if why := allow("shop"); why != "" {
		t.Fatalf("a fresh budget refused: %s", why)
	}
	if err := b.Spend(ctx, "shop", 0.6); err != nil {
		t.Fatal(err)
	}
	if why := allow("shop"); why != "" {
		t.Fatalf("under budget refused: %s", why)
	}
	if err := b.Spend(ctx, "shop", 0.4); err != nil {
		t.Fatal(err)
	}
	if why := allow("shop"); !strings.Contains(why, "seller @shop") || !strings.Contains(why, "$1.00") {
		t.Fatalf("a spent seller budget: %q", why)
	}
	if why := allow("other"); why != "" {
		t.Fatalf("another seller still has budget: %q", why)
	}
	if err := b.Spend(ctx, "other", 0.5); err != nil {
		t.Fatal(err)
	}
	if why := allow("third"); !strings.Contains(why, "all sellers") {
		t.Fatalf("the total budget is spent: %q", why)
	}
	clk.Set(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	if why := allow("shop"); why != "" {
		t.Fatalf("a new day has a new budget: %q", why)
	}
	zero := &quota.Budget{Counters: st, SellerMicroUSD: 0, TotalMicroUSD: quota.Unlimited}
	if why, _ := zero.Allow(ctx, "shop"); why == "" {
		t.Fatal("a budget of 0 must allow no spend")
	}
}

func TestParseLimits(t *testing.T) {
	for _, c := range []struct {
		value string
		bytes bool
		want  int64
	}{
		{"", false, 30}, {"12", false, 12}, {"off", false, quota.Unlimited}, {"OFF", false, quota.Unlimited},
		{"2GB", true, 2 << 30}, {"500 MB", true, 500 << 20}, {"1024", true, 1024}, {"64kb", true, 64 << 10},
	} {
		got, err := quota.ParseLimit("QUOTA_X", c.value, 30, 1<<40, c.bytes)
		if err != nil || got != c.want {
			t.Errorf("%q: %d, %v; want %d", c.value, got, err, c.want)
		}
	}
	for _, bad := range []string{"0", "-3", "ten", "1.5", "99999999999999", "2TB"} {
		_, err := quota.ParseLimit("QUOTA_X", bad, 30, 1<<40, true)
		if err == nil || !strings.Contains(err.Error(), "QUOTA_X") || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: want an error naming the variable and the value, got %v", bad, err)
		}
	}
	for _, c := range []struct {
		value string
		want  int64
	}{{"", 1_000_000}, {"2.50", 2_500_000}, {"$3", 3_000_000}, {"0", 0}, {"off", quota.Unlimited}} {
		got, err := quota.ParseUSD("LLM_X", c.value, 1)
		if err != nil || got != c.want {
			t.Errorf("usd %q: %d, %v; want %d", c.value, got, err, c.want)
		}
	}
	for _, bad := range []string{"-1", "lots", "NaN", "1e9"} {
		if _, err := quota.ParseUSD("LLM_X", bad, 1); err == nil || !strings.Contains(err.Error(), "LLM_X") {
			t.Errorf("usd %q: want an error naming the variable, got %v", bad, err)
		}
	}
}
