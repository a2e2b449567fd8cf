package tiktok

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/tiktok/apifytest"
)

const testToken = "apify_api_test_token"

// newTestClient returns a client of the fake whose sleeps are recorded and
// skipped.
func newTestClient(t *testing.T, fake *apifytest.Server) (*ApifyClient, *[]time.Duration) {
	t.Helper()
	c, err := NewApifyClient(ApifyOptions{Token: testToken, BaseURL: fake.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var slept []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, &slept
}

func newFake(t *testing.T) *apifytest.Server {
	fake := apifytest.NewServer(t, testToken, DefaultActor)
	fake.SetProfile(apifytest.ProfileHandle, apifytest.ProfileItems(t))
	return fake
}

func TestScrapeProfileSync(t *testing.T) {
	fake := newFake(t)
	c, slept := newTestClient(t, fake)
	b, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: apifytest.ProfileHandle, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 5 || b.Posts[0].ID != "7518203345618291982" || b.Skipped() != 0 {
		t.Fatalf("posts %d first %+v skipped %d", len(b.Posts), b.Posts[0], b.Skipped())
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Endpoint != apifytest.SyncRun || calls[0].Input.ResultsPerPage != 5 ||
		!calls[0].Input.ShouldDownloadVideos || !strings.Contains(calls[0].Query, "maxItems=5") || len(*slept) != 0 {
		t.Fatalf("calls %+v slept %v", calls, *slept)
	}
}

func TestScrapeProfileKeepsOnlyPostsNewerThanTheCursor(t *testing.T) {
	fake := newFake(t)
	c, _ := newTestClient(t, fake)
	// The third newest post was created at 2025-06-18T05:14:05Z.
	since := time.Date(2025, 6, 18, 5, 14, 5, 0, time.UTC)
	b, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: apifytest.ProfileHandle, Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 2 || b.Posts[1].ID != "7518202952105417469" {
		t.Fatalf("posts after the cursor: %d %+v", len(b.Posts), b.Posts)
	}
	if got := fake.Calls()[0].Input.OldestPostDateUnified; got != "2025-06-18" {
		t.Fatalf("date cursor sent: %q", got)
	}
}

func TestScrapeProfileCountsTheErrorItemOfAMissingProfile(t *testing.T) {
	c, _ := newTestClient(t, newFake(t))
	b, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: "nobody_here"})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 || b.ErrorItems != 1 || !strings.Contains(b.Problems[0], "does not exist") {
		t.Fatalf("batch %+v", b)
	}
}

func TestScrapeProfileRunFailed(t *testing.T) {
	fake := newFake(t)
	fake.FailNext(apifytest.Fault{Endpoint: apifytest.SyncRun, Status: 400, Type: "run-failed",
		Message: "Actor run did not succeed (run ID: 55uatRrZib4xbZs, status: FAILED)"})
	c, slept := newTestClient(t, fake)
	_, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: apifytest.ProfileHandle})
	var apiErr *APIError
	if !errors.Is(err, ErrRunFailed) || !errors.As(err, &apiErr) || apiErr.Status != 400 || !strings.Contains(err.Error(), "55uatRrZib4xbZs") {
		t.Fatalf("want run-failed, got %v", err)
	}
	if fake.Count(apifytest.SyncRun) != 1 || len(*slept) != 0 {
		t.Fatal("a failed run must not be retried")
	}
}

func TestScrapeProfileDoesNotRetryClientErrors(t *testing.T) {
	fake := newFake(t)
	c, _ := newTestClient(t, fake)
	c.o.Token = "wrong"
	_, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: apifytest.ProfileHandle})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Type != "token-not-valid" || errors.Is(err, ErrRunFailed) {
		t.Fatalf("want 401, got %v", err)
	}
	c, _ = newTestClient(t, fake)
	c.o.Actor = "someone~else"
	if _, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: apifytest.ProfileHandle}); !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Fatalf("want 404, got %v", err)
	}
}

func TestScrapeProfileFallsBackToAnAsyncRunAfter408(t *testing.T) {
	fake := newFake(t)
	fake.FailNext(apifytest.Fault{Endpoint: apifytest.SyncRun, Status: 408, Type: "run-timeout-exceeded",
		Message: "Actor run exceeded timeout of 300 seconds for this API endpoint"})
	fake.SetRunBehaviour(2, "SUCCEEDED")
	fake.SetPageLimit(3)
	c, slept := newTestClient(t, fake)
	b, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: apifytest.ProfileHandle, Limit: 8})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 8 || b.Posts[7].ID != "7518200591028170391" {
		t.Fatalf("posts %d", len(b.Posts))
	}
	if n := fake.Count(apifytest.StartRun); n != 1 {
		t.Fatalf("runs started %d", n)
	}
	if n := fake.Count(apifytest.GetRun); n != 3 {
		t.Fatalf("run polled %d times, want 3 (RUNNING, RUNNING, SUCCEEDED)", n)
	}
	if n := fake.Count(apifytest.DatasetItems); n != 3 {
		t.Fatalf("dataset pages %d, want 3 of at most 3 items", n)
	}
	if len(*slept) != 3 {
		t.Fatalf("pauses between polls: %v", *slept)
	}
	for _, call := range fake.Calls() {
		if call.Endpoint == apifytest.GetRun && !strings.Contains(call.Query, "waitForFinish=60") {
			t.Fatalf("poll without long-polling: %q", call.Query)
		}
	}
}

func TestScrapeProfileAsyncRunThatFails(t *testing.T) {
	fake := newFake(t)
	fake.FailNext(apifytest.Fault{Endpoint: apifytest.SyncRun, Status: 408, Type: "run-timeout-exceeded", Message: "timeout"})
	fake.SetRunBehaviour(0, "TIMED-OUT")
	c, _ := newTestClient(t, fake)
	_, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: apifytest.ProfileHandle})
	if !errors.Is(err, ErrRunFailed) || !strings.Contains(err.Error(), "TIMED-OUT") {
		t.Fatalf("want a failed run, got %v", err)
	}
}

func TestScrapeProfileHonoursRateLimits(t *testing.T) {
	fake := newFake(t)
	fake.FailNext(apifytest.Fault{Endpoint: apifytest.SyncRun, Status: 429, Type: "rate-limit-exceeded",
		Message: "You have exceeded the rate limit of 30 requests per second", Header: http.Header{"Retry-After": {"7"}}})
	fake.FailNext(apifytest.Fault{Endpoint: apifytest.SyncRun, Status: 429, Type: "rate-limit-exceeded", Message: "again"})
	fake.FailNext(apifytest.Fault{Endpoint: apifytest.SyncRun, Status: 503, Type: "server-error", Message: "busy"})
	c, slept := newTestClient(t, fake)
	b, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: apifytest.ProfileHandle})
	if err != nil || len(b.Posts) != 10 {
		t.Fatalf("after retries: %v (%d posts)", err, len(b.Posts))
	}
	s := *slept
	if len(s) != 3 || s[0] != 7*time.Second {
		t.Fatalf("waits %v: the first must honour Retry-After: 7", s)
	}
	// Without Retry-After: 500ms then 1s, each times a factor in [1,2).
	if s[1] < time.Second || s[1] >= 2*time.Second || s[2] < 2*time.Second || s[2] >= 4*time.Second {
		t.Fatalf("exponential backoff waits %v", s[1:])
	}
}

func TestScrapeProfileGivesUpAfterMaxRetries(t *testing.T) {
	fake := newFake(t)
	for range 10 {
		fake.FailNext(apifytest.Fault{Endpoint: apifytest.SyncRun, Status: 429, Type: "rate-limit-exceeded", Message: "slow down"})
	}
	c, slept := newTestClient(t, fake)
	c.o.MaxRetries = 3
	_, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: apifytest.ProfileHandle})
	if err == nil || !strings.Contains(err.Error(), "giving up after 4 attempts") || !strings.Contains(err.Error(), "rate-limit-exceeded") {
		t.Fatalf("want a give-up error, got %v", err)
	}
	if fake.Count(apifytest.SyncRun) != 4 || len(*slept) != 3 {
		t.Fatalf("calls %d sleeps %d", fake.Count(apifytest.SyncRun), len(*slept))
	}
}

func TestScrapeProfileTimesOut(t *testing.T) {
	fake := newFake(t)
	fake.SetSyncDelay(5 * time.Second)
	c, _ := newTestClient(t, fake)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ScrapeProfile(ctx, ProfileQuery{Handle: apifytest.ProfileHandle})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatal("the deadline was not honoured")
	}
}

func TestScrapeProfileRejectsOversizedOrBrokenBodies(t *testing.T) {
	fake := newFake(t)
	fake.SetProfile("broken", []json.RawMessage{json.RawMessage(`{"id":"1"}`)})
	c, _ := newTestClient(t, fake)
	b, err := c.ScrapeProfile(t.Context(), ProfileQuery{Handle: "broken"})
	if err != nil || b.Invalid != 1 {
		t.Fatalf("an unusable item is counted, not fatal: %v %+v", err, b)
	}
	if _, err := c.ScrapeProfile(t.Context(), ProfileQuery{}); err == nil {
		t.Fatal("a query without a handle was sent")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 7, 8, 10, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{"3": 3 * time.Second, "0": 0, "Tue, 08 Jul 2025 10:00:30 GMT": 30 * time.Second, "Tue, 08 Jul 2025 09:00:00 GMT": 0}
	for h, want := range cases {
		if got, ok := retryAfter(h, now); !ok || got != want {
			t.Errorf("%q: %v %v", h, got, ok)
		}
	}
	for _, h := range []string{"", "soon", "-1"} {
		if _, ok := retryAfter(h, now); ok {
			t.Errorf("%q accepted", h)
		}
	}
}

func TestNewApifyClientNeedsAToken(t *testing.T) {
	if _, err := NewApifyClient(ApifyOptions{Token: " "}); err == nil {
		t.Fatal("no token accepted")
	}
	c, err := NewApifyClient(ApifyOptions{Token: "t", Actor: "clockworks/tiktok-scraper"})
	if err != nil || c.o.Actor != DefaultActor || c.o.BaseURL != DefaultAPIURL {
		t.Fatalf("defaults: %+v %v", c.o, err)
	}
}
