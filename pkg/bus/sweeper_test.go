package bus_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/catalogtest"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/events"
)

type capture struct {
	mu   sync.Mutex
	envs []events.Envelope
}

func (c *capture) Publish(_ context.Context, env events.Envelope) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.envs = append(c.envs, env)
	return nil
}

func TestSweeperRestartsStuckVideosAndGivesUpAfterMaxAttempts(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"), sqlite.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	add := func(id string, status catalog.VideoStatus, attempts int) {
		v := catalogtest.Video(id, "bella.shop", now.Add(-24*time.Hour))
		v.Status, v.Attempts, v.CorrelationID = status, attempts, "corr-"+id
		if status == catalog.VideoFailed {
			v.FailureReason = "bad"
		}
		if _, _, err := store.UpsertVideo(t.Context(), v); err != nil {
			t.Fatal(err)
		}
	}
	add("1", catalog.VideoQueued, 1)     // stuck: restart
	add("2", catalog.VideoProcessing, 3) // stuck, out of attempts: fail
	add("3", catalog.VideoReady, 1)      // final: leave
	add("4", catalog.VideoFailed, 1)     // final: leave
	setNow(now.Add(15 * time.Minute))
	add("5", catalog.VideoQueued, 1) // recent: leave

	pub := &capture{}
	sw := &bus.Sweeper{Videos: store, Publisher: pub, StuckAfter: 10 * time.Minute, Logger: quiet, Now: clock}
	res, err := sw.SweepOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Restarted != 1 || res.Failed != 1 {
		t.Fatalf("sweep result %+v, want 1 restarted and 1 failed", res)
	}
	if len(pub.envs) != 1 {
		t.Fatalf("published %d events, want 1", len(pub.envs))
	}
	env := pub.envs[0]
	var p events.VideoPosted
	if err := events.Decode(env, &p); err != nil {
		t.Fatal(err)
	}
	if env.VideoID != "1" || env.CorrelationID != "corr-1" || p.Attempt != 2 || p.Caption == "" {
		t.Fatalf("republished %+v %+v", env, p)
	}
	v1, _ := store.GetVideo(t.Context(), "1")
	v2, _ := store.GetVideo(t.Context(), "2")
	if v1.Attempts != 2 || v1.Status != catalog.VideoQueued || v2.Status != catalog.VideoFailed || v2.FailureReason == "" {
		t.Fatalf("after sweep: v1 %+v, v2 %+v", v1, v2)
	}
	for _, id := range []string{"3", "4", "5"} {
		v, _ := store.GetVideo(t.Context(), id)
		if !v.UpdatedAt.Before(now.Add(15*time.Minute)) && id != "5" {
			t.Fatalf("video %s was touched: %+v", id, v)
		}
	}
	// A second sweep right away finds nothing: the restarted video is fresh.
	res, err = sw.SweepOnce(t.Context())
	if err != nil || res.Restarted+res.Failed != 0 || len(pub.envs) != 1 {
		t.Fatalf("second sweep: %+v %v, %d events", res, err, len(pub.envs))
	}
	// Stuck again with its attempt budget spent, video 1 fails for good;
	// video 5, on its first attempt, is restarted.
	setNow(now.Add(2 * time.Hour))
	sw.MaxAttempts = 2
	if res, _ = sw.SweepOnce(t.Context()); res.Failed != 1 || res.Restarted != 1 {
		t.Fatalf("third sweep %+v: want video 1 failed and video 5 restarted", res)
	}
	if v1, _ := store.GetVideo(t.Context(), "1"); v1.Status != catalog.VideoFailed {
		t.Fatalf("video 1 after its last attempt: %+v", v1)
	}
}

// The sweeper brings a video whose worker crashed (the event was lost with
// an in-memory bus) through the pipeline again.
func TestSweeperRecoversAVideoLostInACrash(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r := newRig(t, time.Minute)
	v := catalogtest.Video("901", "bella.shop", time.Now())
	v.Attempts = 1
	if _, _, err := store.UpsertVideo(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	// No event was ever delivered (lost in the crash). A worker that finishes
	// the video is running; the sweeper with StuckAfter 1ns restarts it.
	w := &bus.Worker{Name: "finisher", Sub: r.subscribe(t), DeadLetters: r.box,
		Handler: func(ctx context.Context, env events.Envelope) error {
			_, err := store.UpdateVideo(ctx, env.VideoID, func(v *catalog.Video) error {
				v.Status = catalog.VideoReady
				return nil
			})
			return err
		}}
	runWorker(t, w)
	time.Sleep(2 * time.Millisecond)
	sw := &bus.Sweeper{Videos: store, Publisher: r.topics, StuckAfter: time.Nanosecond, Logger: quiet}
	if res, err := sw.SweepOnce(t.Context()); err != nil || res.Restarted != 1 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	waitFor(t, "the video to be ready", func() bool {
		got, _ := store.GetVideo(t.Context(), "901")
		return got.Status == catalog.VideoReady
	})
}
