package ingestion_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/quota"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

// testClock is a settable clock for the quota windows.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// quotaEnv is a media environment whose quotas are q's limits, on clk.
func quotaEnv(t *testing.T, clk *testClock, q quota.Sellers) *env {
	t.Helper()
	e, _ := mediaEnv(t, func(d *ingestion.Deps) {
		q.Counters, q.Now = d.Store.(quota.Counters), clk.Now
		d.Quotas = &q
	})
	return e
}

// wantQuota checks a 429 naming the quota with its Retry-After.
func wantQuota(t *testing.T, r response, name string, retryAfter time.Duration) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("status %d (%s), want 429", r.status, r.body)
	}
	if got := r.header.Get("Retry-After"); got != strconv.Itoa(int(retryAfter.Seconds())) {
		t.Fatalf("Retry-After %q, want %v", got, retryAfter.Seconds())
	}
	if msg := r.message(t); !strings.Contains(msg, "quota "+name) || !strings.Contains(msg, "@"+bella) {
		t.Fatalf("the message must name the quota %q and the seller: %s", name, msg)
	}
}

// Every way a video starts counts against the hour's and the day's posts:
// POST /api/videos, an upload, a retry; a post already stored does not.
func TestPostQuotas(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 12, 5, 13, 45, 0, 0, time.UTC)}
	e := quotaEnv(t, clk, quota.Sellers{PostsPerHour: 2, PostsPerDay: 3, UploadBytesPerDay: quota.Unlimited})
	tok := e.token(bellaID)
	post := func(url string) response {
		return e.do("POST", ingestion.PathVideos, tok, jsonBody(map[string]string{"videoUrl": url, "sellerHandle": bella}))
	}
	if r := post(videoURL); r.status != 202 {
		t.Fatalf("first post: %d %s", r.status, r.body)
	}
	clip := mp4(t)
	if r := e.upload(tok, nil, nil, clip); r.status != 202 {
		t.Fatalf("an upload: %d %s", r.status, r.body)
	}
	second := "https://www.tiktok.com/@bella.shop/video/42"
	wantQuota(t, post(second), "posts per hour", 15*time.Minute)
	wantQuota(t, e.upload(tok, nil, nil, clip), "posts per hour", 15*time.Minute)
	wantQuota(t, e.do("POST", ingestion.PathSellerVideos, tok, jsonBody(map[string]string{"videoUrl": second})), "posts per hour", 15*time.Minute)
	// The seller's post already stored is answered, not started again.
	if r := post(videoURL); r.status != 200 {
		t.Fatalf("a post already stored: %d %s", r.status, r.body)
	}
	// Another seller's quota is its own.
	if r := e.do("POST", ingestion.PathVideos, e.token(otherID), jsonBody(map[string]string{
		"videoUrl": "https://www.tiktok.com/@other_shop/video/" + otherVideoID, "sellerHandle": other})); r.status != 202 {
		t.Fatalf("another seller: %d %s", r.status, r.body)
	}
	if n := e.countVideos(); n != 3 {
		t.Fatalf("%d videos stored, want 3", n)
	}

	// The next hour has room, until the day's quota is full.
	clk.Set(time.Date(2026, 12, 5, 14, 0, 0, 0, time.UTC))
	if r := post(second); r.status != 202 {
		t.Fatalf("next hour: %d %s", r.status, r.body)
	}
	if _, err := e.store.UpdateVideo(t.Context(), videoID, func(v *catalog.Video) error {
		v.Status, v.FailureReason = catalog.VideoFailed, "media could not be read"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantQuota(t, e.do("POST", ingestion.PathSellerVideos+"/"+videoID+"/retry", tok, ""), "posts per day", 10*time.Hour)
	wantQuota(t, e.do("POST", ingestion.PathSellerVideos+"/"+videoID+"/reparse", tok, ""), "posts per day", 10*time.Hour)
	if v, _ := e.store.GetVideo(t.Context(), videoID); v.Status != catalog.VideoFailed || v.Attempts != 1 {
		t.Fatalf("a refused retry changed the video: %s, attempt %d", v.Status, v.Attempts)
	}
	// A new UTC day: the retry goes through.
	clk.Set(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	if r := e.do("POST", ingestion.PathSellerVideos+"/"+videoID+"/retry", tok, ""); r.status != 202 {
		t.Fatalf("retry on a new day: %d %s", r.status, r.body)
	}
}

// A refused request gives its post back: a post refused for another reason
// (a video of someone else's) does not use up the quota.
func TestFailedPostsAreGivenBack(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)}
	e := quotaEnv(t, clk, quota.Sellers{PostsPerHour: 1, PostsPerDay: 10, UploadBytesPerDay: quota.Unlimited})
	tok := e.token(bellaID)
	for range 3 {
		r := e.do("POST", ingestion.PathVideos, tok, jsonBody(map[string]string{
			"videoUrl": "https://m.tiktok.com/v/" + otherVideoID + ".html", "sellerHandle": bella}))
		if r.status != 400 {
			t.Fatalf("a video of another author: %d %s", r.status, r.body)
		}
	}
	if r := e.do("POST", ingestion.PathVideos, tok, jsonBody(map[string]string{"videoUrl": videoURL, "sellerHandle": bella})); r.status != 202 {
		t.Fatalf("the quota was used up by refused posts: %d %s", r.status, r.body)
	}
}

// Parallel uploads never pass the hour's quota.
func TestPostQuotaUnderParallelRequests(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)}
	e := quotaEnv(t, clk, quota.Sellers{PostsPerHour: 3, PostsPerDay: 100, UploadBytesPerDay: quota.Unlimited})
	tok, clip := e.token(bellaID), mp4(t)
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			r := e.upload(tok, nil, nil, clip)
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[202] != 3 || statuses[429] != 7 {
		t.Fatalf("10 parallel uploads against 3 an hour: %v", statuses)
	}
	if n := e.countVideos(); n != 3 {
		t.Fatalf("%d videos stored, want 3", n)
	}
}

// Uploaded bytes count per day; an upload that crosses the quota is
// refused while it streams, and nothing of it is kept. (Refusing before
// streaming once the day is used up is tested in package quota.)
func TestUploadBytesQuota(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)}
	clip := mp4(t)
	e, dir := mediaEnv(t, func(d *ingestion.Deps) {
		d.Quotas = &quota.Sellers{Counters: d.Store.(quota.Counters), Now: clk.Now, PostsPerHour: quota.Unlimited, PostsPerDay: quota.Unlimited,
			UploadBytesPerDay: int64(len(clip)) * 3 / 2}
	})
	tok := e.token(bellaID)
	if r := e.upload(tok, nil, nil, clip); r.status != 202 {
		t.Fatalf("first upload: %d %s", r.status, r.body)
	}
	wantQuota(t, e.upload(tok, nil, nil, clip), "upload bytes per day", 4*time.Hour)
	if n := stored(t, dir); n != 1 {
		t.Fatalf("%d files stored, want the first upload's only", n)
	}
	if n := e.countVideos(); n != 1 {
		t.Fatalf("%d videos stored, want 1", n)
	}
}

// Bad quota settings stop the service at start-up, naming the variable.
func TestQuotaConfigErrors(t *testing.T) {
	st := newEnv(t, nil).store
	for name, val := range map[string]string{
		"QUOTA_POSTS_PER_HOUR":       "lots",
		"QUOTA_POSTS_PER_DAY":        "0",
		"QUOTA_UPLOAD_BYTES_PER_DAY": "2TB",
	} {
		env := map[string]string{"LOCAL_ISSUER_URL": "http://127.0.0.1:1/auth", name: val}
		d := host.Deps{Env: deploy.LocalEnv(deploy.MustGet(deploy.IngestionAPI), func(k string) string { return env[k] }),
			Store: st, DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		_, err := ingestion.Component(context.Background(), d)
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), val) {
			t.Errorf("%s=%s: want an error naming both, got %v", name, val, err)
		}
	}
	env := map[string]string{"LOCAL_ISSUER_URL": "http://127.0.0.1:1/auth", "QUOTA_POSTS_PER_HOUR": "50", "QUOTA_POSTS_PER_DAY": "20"}
	d := host.Deps{Env: deploy.LocalEnv(deploy.MustGet(deploy.IngestionAPI), func(k string) string { return env[k] }),
		Store: st, DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := ingestion.Component(context.Background(), d); err == nil || !strings.Contains(err.Error(), "QUOTA_POSTS_PER_DAY") {
		t.Errorf("a day quota under the hour's: %v", err)
	}
}
