package thumbgen

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/testmedia"
)

// TestOneSellersDripsDoNotStarveAnother runs the generator in a real
// worker (bus.Worker on a mem:// subscription, 4 slots): one seller posts 8
// videos whose media URLs drip a byte every 2 s, then another seller posts
// a normal video. The normal video's thumbnails are out within 5 s, and
// every drip ends in a permanent Failure naming the slow transfer (none is
// dead-lettered or retried).
func TestOneSellersDripsDoNotStarveAnother(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Fetch.RateWindow = 500 * time.Millisecond })
	normalURL := e.srv.serve(t, "normal.mp4", testmedia.TikTokVideo(t))
	drip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Length", "10000000")
		stop := time.After(30 * time.Second)
		for {
			if _, err := w.Write([]byte{0}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-time.After(2 * time.Second):
			}
		}
	}))
	defer drip.Close()

	prefix := "mem://" + strings.ReplaceAll(t.Name(), "/", "-") + "/"
	topics, err := bus.NewTopics(prefix + "{type}")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = topics.Close(context.Background()) }()
	if err := topics.Open(t.Context(), events.TypeVideoPosted); err != nil {
		t.Fatal(err)
	}
	sub, err := pubsub.OpenSubscription(t.Context(), prefix+events.TypeVideoPosted)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Shutdown(context.Background()) }()
	box, err := bus.OpenDeadLetterBox(t.Context(), "file://"+t.TempDir()+"?create_dir=1&no_tmp_dir=1")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = box.Close() }()
	w := &bus.Worker{Name: "thumbnail-generator", Sub: sub, Handler: e.gen.Handle, DeadLetters: box, Concurrency: 4,
		DrainTimeout: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	}()

	publish := func(seller, videoID, mediaURL string) {
		t.Helper()
		env, err := events.New("", seller, videoID, &events.VideoPosted{
			PageURL: "https://www.tiktok.com/@" + seller + "/video/" + videoID, Attempt: 1, MediaURL: mediaURL})
		if err != nil {
			t.Fatal(err)
		}
		if err := topics.Publish(t.Context(), env); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 8 {
		publish("dripper", fmt.Sprintf("73500000000000000%02d", i), fmt.Sprintf("%s/slow-%d.mp4", drip.URL, i))
	}
	time.Sleep(200 * time.Millisecond) // the drips take the worker first
	start := time.Now()
	publish("shop", "7351234567890123456", normalURL)

	result := func(videoID string) *events.ThumbnailsGenerated {
		e.pub.mu.Lock()
		defer e.pub.mu.Unlock()
		for _, env := range e.pub.envs {
			if env.VideoID == videoID {
				var out events.ThumbnailsGenerated
				if err := events.Decode(env, &out); err != nil {
					t.Fatal(err)
				}
				return &out
			}
		}
		return nil
	}
	var normal *events.ThumbnailsGenerated
	for normal == nil && time.Since(start) < 5*time.Second {
		time.Sleep(20 * time.Millisecond)
		normal = result("7351234567890123456")
	}
	latency := time.Since(start)
	if normal == nil {
		t.Fatalf("the other seller's video had no thumbnails within 5s, behind 8 drips")
	}
	if normal.Failure != nil || len(normal.Thumbnails) != DefaultCount {
		t.Fatalf("the normal video: %+v", normal)
	}
	t.Logf("the other seller's thumbnails were out %s after its post, behind 8 drips", latency.Round(time.Millisecond))

	deadline := time.Now().Add(30 * time.Second)
	for i := range 8 {
		id := fmt.Sprintf("73500000000000000%02d", i)
		var out *events.ThumbnailsGenerated
		for out == nil && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			out = result(id)
		}
		if out == nil {
			t.Fatalf("drip %d never ended", i)
		}
		if out.Failure == nil || !strings.Contains(out.Failure.Reason, "too slowly") {
			t.Errorf("drip %d: want a permanent too-slow failure, got %+v", i, out)
		}
	}
	if n := e.pub.count(); n != 9 {
		t.Errorf("%d events published for 9 posts", n)
	}
	if dls, err := box.List(t.Context(), ""); err != nil || len(dls) != 0 {
		t.Errorf("dead letters %d (%v): deferral must not count as failure", len(dls), err)
	}
}
