package ingestion_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/tiktok/apifytest"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

const apifyToken = "apify_api_scheduler_test"

// schedEnv is a store with sellers, a fake Apify serving the sample profile
// scrape of apifytest.ProfileHandle, and a scheduler over them.
type schedEnv struct {
	env   *env
	fake  *apifytest.Server
	apify *tiktok.ApifyClient
}

func newSchedEnv(t *testing.T, sellers ...string) *schedEnv {
	t.Helper()
	e := newEnv(t, nil)
	for _, h := range sellers {
		if _, err := e.store.CreateSeller(t.Context(), catalog.Seller{Handle: h, Sub: "local|" + h, DisplayName: h}); err != nil {
			t.Fatal(err)
		}
	}
	fake := apifytest.NewServer(t, apifyToken, tiktok.DefaultActor)
	fake.SetProfile(apifytest.ProfileHandle, apifytest.ProfileItems(t))
	// The environment's own sellers have no posts on the fake.
	fake.SetProfile(bella, nil)
	fake.SetProfile(other, nil)
	client, err := tiktok.NewApifyClient(tiktok.ApifyOptions{Token: apifyToken, BaseURL: fake.URL, MinRetryDelay: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &schedEnv{env: e, fake: fake, apify: client}
}

func (s *schedEnv) scheduler(scraper ingestion.Scraper) *ingestion.Scheduler {
	if scraper == nil {
		scraper = s.apify
	}
	return &ingestion.Scheduler{Sellers: s.env.store, Scraper: scraper, Concurrency: 2,
		Ingester: &ingestion.Ingester{Videos: s.env.store, Publisher: s.env.pub, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Logger:   slog.New(slog.NewTextHandler(s.env.logs, nil))}
}

func TestSchedulerIngestsNewPostsAndIsolatesFailures(t *testing.T) {
	s := newSchedEnv(t, apifytest.ProfileHandle, "ghost_profile", "broken_profile")
	s.fake.FailNext(apifytest.Fault{Endpoint: apifytest.SyncRun, Profile: "broken_profile", Status: 400, Type: "run-failed",
		Message: "Actor run did not succeed (run ID: 55uatRrZib4xbZs, status: FAILED)"})
	sum, err := s.scheduler(nil).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sellers != 5 || sum.Failed != 1 || sum.Created != 10 || sum.Fetched != 10 || sum.Existing != 0 || sum.Skipped != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if !strings.Contains(sum.Errors["broken_profile"], "run-failed") || len(sum.Errors) != 1 {
		t.Fatalf("errors %v", sum.Errors)
	}
	logs := s.env.logs.String()
	if !strings.Contains(logs, "scheduled ingestion run done") || !strings.Contains(logs, "created=10") || !strings.Contains(logs, "failed=1") {
		t.Fatalf("no summary line: %s", logs)
	}
	evs := s.env.pub.events()
	ids := map[string]bool{}
	correlations := map[string]bool{}
	for _, ev := range evs {
		ids[ev.VideoID] = true
		correlations[ev.CorrelationID] = true
		if ev.Seller != apifytest.ProfileHandle {
			t.Fatalf("event for seller %q", ev.Seller)
		}
	}
	if len(evs) != 10 || len(ids) != 10 || len(correlations) != 10 {
		t.Fatalf("%d events for %d videos with %d correlation ids", len(evs), len(ids), len(correlations))
	}
	v, err := s.env.store.GetVideo(t.Context(), "7518203345618291982")
	if err != nil || v.Source != catalog.SourceScheduled || !strings.HasPrefix(v.MediaURL, "https://api.apify.com/v2/key-value-stores/") ||
		v.CoverURL == "" || v.Attempts != 1 || !v.PostedAt.Equal(time.Date(2025, 6, 21, 9, 14, 5, 0, time.UTC)) {
		t.Fatalf("stored video %+v %v", v, err)
	}
	seller, _ := s.env.store.GetSeller(t.Context(), apifytest.ProfileHandle)
	if !seller.IngestCursor.Equal(v.PostedAt) {
		t.Fatalf("cursor %v, want the newest post %v", seller.IngestCursor, v.PostedAt)
	}

	// The next run asks only for posts since the cursor and finds none new.
	sum, err = s.scheduler(nil).Run(t.Context())
	if err != nil || sum.Created != 0 || sum.Fetched != 0 || sum.Failed != 0 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
	var sent []string
	for _, c := range s.fake.Calls() {
		if len(c.Input.Profiles) == 1 && c.Input.Profiles[0] == apifytest.ProfileHandle {
			sent = append(sent, c.Input.OldestPostDateUnified)
		}
	}
	if len(sent) != 2 || sent[0] != "" || sent[1] != "2025-06-21" {
		t.Fatalf("date cursors sent %q", sent)
	}
	if n := len(s.env.pub.events()); n != 10 {
		t.Fatalf("second run published: %d events in all", n)
	}
}

func TestTwoSchedulerRunsAtOnceCreateEachVideoOnce(t *testing.T) {
	s := newSchedEnv(t, apifytest.ProfileHandle)
	// Both runs' scrapes are in flight together.
	s.fake.SetSyncDelay(200 * time.Millisecond)
	var wg sync.WaitGroup
	sums := make([]ingestion.Summary, 2)
	for i := range sums {
		wg.Go(func() {
			sum, err := s.scheduler(nil).Run(t.Context())
			if err != nil {
				t.Errorf("run %d: %v", i, err)
			}
			sums[i] = sum
		})
	}
	wg.Wait()
	if created := sums[0].Created + sums[1].Created; created != 10 {
		t.Fatalf("two runs created %d videos, want 10 in all: %+v", created, sums)
	}
	if existing := sums[0].Existing + sums[1].Existing; existing != 10 {
		t.Fatalf("the second run should see 10 existing videos, saw %d", existing)
	}
	if n := s.env.countVideos(); n != 10 {
		t.Fatalf("%d videos stored, want 10", n)
	}
	perVideo := map[string]int{}
	for _, ev := range s.env.pub.events() {
		perVideo[ev.VideoID]++
	}
	for id, n := range perVideo {
		if n != 1 {
			t.Fatalf("video %s published %d times", id, n)
		}
	}
	if len(perVideo) != 10 {
		t.Fatalf("%d videos published", len(perVideo))
	}
}

// gauge wraps a scraper and records the most scrapes in flight at once.
type gauge struct {
	next          ingestion.Scraper
	now, maxSeen  atomic.Int32
	delayPerCall  time.Duration
	mu            sync.Mutex
	handlesCalled []string
}

func (g *gauge) ScrapeProfile(ctx context.Context, q tiktok.ProfileQuery) (tiktok.Batch, error) {
	n := g.now.Add(1)
	defer g.now.Add(-1)
	for {
		m := g.maxSeen.Load()
		if n <= m || g.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	g.mu.Lock()
	g.handlesCalled = append(g.handlesCalled, q.Handle)
	g.mu.Unlock()
	time.Sleep(g.delayPerCall)
	return g.next.ScrapeProfile(ctx, q)
}

func TestSchedulerBoundsConcurrency(t *testing.T) {
	s := newSchedEnv(t, "shop_a", "shop_b", "shop_c", "shop_d", "shop_e")
	for _, h := range []string{"shop_a", "shop_b", "shop_c", "shop_d", "shop_e"} {
		s.fake.SetProfile(h, nil)
	}
	g := &gauge{next: s.apify, delayPerCall: 100 * time.Millisecond}
	sched := s.scheduler(g)
	sched.Exclude = []string{"shop_e"}
	sum, err := sched.Run(t.Context())
	if err != nil || sum.Sellers != 6 || sum.Failed != 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	if m := g.maxSeen.Load(); m != 2 {
		t.Fatalf("at most %d scrapes ran at once, want exactly the bound 2", m)
	}
	if len(g.handlesCalled) != 6 || slices.Contains(g.handlesCalled, "shop_e") {
		t.Fatalf("scraped %v (shop_e is excluded)", g.handlesCalled)
	}
}

func TestSchedulerFailsWhenEverySellerFails(t *testing.T) {
	s := newSchedEnv(t)
	bad, err := tiktok.NewApifyClient(tiktok.ApifyOptions{Token: "revoked", BaseURL: s.fake.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.scheduler(bad).Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "failed for every seller (2)") || !strings.Contains(err.Error(), "token-not-valid") || sum.Failed != 2 {
		t.Fatalf("want a systemic failure, got %+v %v", sum, err)
	}
}

func TestSchedulerReportsTruncatedBackfills(t *testing.T) {
	s := newSchedEnv(t, apifytest.ProfileHandle)
	sched := s.scheduler(nil)
	sched.Limit = 4
	sum, err := sched.Run(t.Context())
	if err != nil || sum.Created != 4 || sum.Truncated != 1 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	if !strings.Contains(s.env.logs.String(), "older ones are not ingested") {
		t.Fatal("truncation not logged")
	}
	seller, _ := s.env.store.GetSeller(t.Context(), apifytest.ProfileHandle)
	if want := time.Date(2025, 6, 21, 9, 14, 5, 0, time.UTC); !seller.IngestCursor.Equal(want) {
		t.Fatalf("cursor %v", seller.IngestCursor)
	}
}

func TestRunEveryRunsUntilCancelled(t *testing.T) {
	s := newSchedEnv(t, apifytest.ProfileHandle)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.scheduler(nil).RunEvery(ctx, 20*time.Millisecond) }()
	eventually(t, "three runs", func() bool { return s.fake.Count(apifytest.SyncRun) >= 3*3 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunEvery did not stop")
	}
	if n := s.env.countVideos(); n != 10 {
		t.Fatalf("videos %d", n)
	}
}
