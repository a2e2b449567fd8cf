package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
	"github.com/buylink/buylink/services/devstack"
)

// startDevstack runs a devstack on a free loopback port and returns its
// base URL; opts adjust its configuration.
func startDevstack(t *testing.T, dataDir string, opts ...func(*devstack.Config)) string {
	t.Helper()
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// TikTok's oEmbed endpoint names the demo seller as the author of the video ingested.
	tiktokFake := oembedtest.NewServer(t, oembedtest.Video{ID: "7524354452762037599", Author: devstack.DemoSeller})
	cfg := devstack.Config{Addr: "127.0.0.1:0", DataDir: dataDir, Out: io.Discard, Ready: func(a string) { ready <- a },
		Metrics: metrics.New("devstack"), TikTokOEmbedURL: tiktokFake.Endpoint()}
	for _, o := range opts {
		o(&cfg)
	}
	go func() { done <- devstack.Run(ctx, cfg, slog.New(slog.DiscardHandler)) }()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("devstack did not start: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("devstack did not start within 60s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("devstack stopped with %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("devstack did not stop within 60s")
		}
	})
	return base
}

// imageServer serves a slideshow image, answering 503 while down is set.
func imageServer(t *testing.T, down *atomic.Bool) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 720, 960))
	for y := range 960 {
		for x := range 720 {
			c := color.RGBA{uint8(40 + x/6), uint8(200 - y/8), uint8((x * y) % 251), 255}
			if (x/90+y/120)%2 == 0 {
				c = color.RGBA{230, 60, 40, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "upstream overloaded", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(b.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/slide-1.png"
}

// localCounts reads the devstack's worker counts through the CLI's client.
func localCounts(t *testing.T, base string) map[string]localQueue {
	t.Helper()
	d := &localStack{base: base, http: http.DefaultClient}
	qs, err := d.queues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]localQueue{}
	for _, q := range qs {
		out[q.Worker] = q
	}
	return out
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLocalDeadLettersAreRedrivenAndProcessed follows a video through a real
// devstack: its images are down, so the thumbnail generator dead-letters
// every start of the pipeline; `buylink dlq` lists and redrives them once the
// images are back, and they are processed.
func TestLocalDeadLettersAreRedrivenAndProcessed(t *testing.T) {
	dir := t.TempDir()
	// No demo, and a sweeper that restarts unfinished videos at once.
	base := startDevstack(t, dir, func(c *devstack.Config) {
		c.NoDemo, c.SweepEvery, c.StuckAfter = true, 100*time.Millisecond, time.Millisecond
	})
	var down atomic.Bool
	down.Store(true)
	imgURL := imageServer(t, &down)

	// A video stuck in the queue: the sweeper starts its pipeline until it
	// gives up on it after three starts.
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const id = "7524354452762037512"
	if _, _, err := st.UpsertVideo(t.Context(), catalog.Video{ID: id, Seller: devstack.DemoSeller, Status: catalog.VideoQueued,
		PageURL: "https://www.tiktok.com/@demo/video/" + id, ImageURLs: []string{imgURL}, Caption: "Desk lamp $29 at shop.example/lamp"}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the sweeper to give up on the video", func() bool {
		v, err := st.GetVideo(t.Context(), id)
		return err == nil && v.Status == catalog.VideoFailed
	})
	var starts int64
	waitUntil(t, "every start to be dead-lettered by the thumbnail generator", func() bool {
		c := localCounts(t, base)
		starts = c["caption-parser"].Handled
		th := c["thumbnail-generator"]
		return starts > 0 && th.InFlight == 0 && int64(th.DeadLetters) == starts
	})

	out, errOut, code := run(t, "", "dlq", "list", "--local", base, "--show", "10")
	if code != 0 {
		t.Fatalf("dlq list: %d %s", code, errOut)
	}
	lineWith(t, out, `^thumbnail-generator\s+`+itoa(starts)+`$`)
	lineWith(t, out, `^caption-parser\s+0$`)
	lineWith(t, out, `thumbnail-generator  video.posted [0-9a-f]{32}  3 attempts  .*503 Service Unavailable`)

	out, errOut, code = run(t, "", "monitor", "--local", base, "--queues", "--metrics", "--errors")
	if code != 0 {
		t.Fatalf("monitor: %d %s", code, errOut)
	}
	lineWith(t, out, `WORKER\s+IN FLIGHT\s+HANDLED\s+FAILED\s+DEAD LETTERS`)
	lineWith(t, out, `^\s+thumbnail-generator\s+0\s+0\s+`+itoa(3*starts)+`\s+`+itoa(starts)+`$`)
	lineWith(t, out, `since the devstack started`)
	// Three retryable failures per start, then a dead letter.
	lineWith(t, out, `^\s+thumbnail-generator\s+video.posted\s+0\s+`+itoa(3*starts)+`\s+0\s+0\s+`+itoa(starts)+`\s+\d+\s+\d+$`)
	lineWith(t, out, `^\s+caption-parser\s+video.posted\s+`+itoa(starts)+`\s+0\s+0\s+0\s+0\s`)
	lineWith(t, out, `thumbnail-generator\s+dead letter [0-9a-f]{32} \(video.posted, 3 attempts\): .*503`)

	// The images are back: redrive, and every letter is processed.
	down.Store(false)
	out, errOut, code = run(t, "", "dlq", "redrive", "--local", base, "--worker", "thumbnail-generator")
	if code != 0 || !strings.Contains(out, "thumbnail-generator: "+itoa(starts)+" dead letters re-published to their topics") {
		t.Fatalf("redrive: %d %s %s", code, out, errOut)
	}
	lineWith(t, errOut, `redrive thumbnail-generator \[#{30}\] `+itoa(starts)+`/`+itoa(starts))
	waitUntil(t, "the redriven letters to be processed", func() bool {
		c := localCounts(t, base)
		// Redriving publishes to the topic: the caption parser sees them again too.
		return c["thumbnail-generator"].Handled == starts && c["caption-parser"].Handled == 2*starts && c["thumbnail-generator"].InFlight == 0
	})
	out, _, code = run(t, "", "dlq", "list", "--local", base, "--worker", "thumbnail-generator")
	if code != 0 {
		t.Fatal("dlq list after the redrive")
	}
	lineWith(t, out, `^thumbnail-generator\s+0$`)

	// The live view, two frames.
	out, errOut, code = run(t, "", "monitor", "--local", base, "--frames", "2", "--interval", "1s")
	if code != 0 {
		t.Fatalf("live monitor: %d %s", code, errOut)
	}
	if strings.Count(out, "\x1b[H\x1b[2J") != 2 {
		t.Fatalf("want 2 frames:\n%s", out)
	}
	lineWith(t, out, `^\s+thumbnail-generator\s+0\s+`+itoa(starts)+`\s+`+itoa(3*starts)+`\s+0$`)
	lineWith(t, out, `http\s+/readyz\s+200 OK`)
	lineWith(t, out, `worker\s+thumbnail-generator\s+running\s+consumes video.posted`)
	lineWith(t, out, `LLM\s+CALLS`)
	lineWith(t, out, `thumbnail time p50 \d+ ms, p99 \d+ ms`)

	// Unknown worker: a clear message from the devstack.
	_, errOut, code = run(t, "", "dlq", "redrive", "--local", base, "--worker", "nope")
	if code != 1 || !strings.Contains(errOut, `404 not_found: no worker "nope" in this devstack (workers: auto-tagger, caption-parser, `) {
		t.Fatalf("unknown worker: %d %s", code, errOut)
	}
}

func itoa(n int64) string { return strings.TrimSpace(count(float64(n))) }

// TestLocalMonitorShowsTheDemoAndIngestsThroughTheAPI watches `make dev`'s
// demo shop go through the pipeline, then posts a video with `buylink ingest`.
func TestLocalMonitorShowsTheDemoAndIngestsThroughTheAPI(t *testing.T) {
	base := startDevstack(t, t.TempDir())
	// A seller's token from the devstack's dev login, for the API.
	resp, err := http.Post(base+"/auth/dev/login", "application/json", strings.NewReader(`{"handle":"demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.Token == "" {
		t.Fatalf("dev login: %d %v", resp.StatusCode, err)
	}
	_ = resp.Body.Close()
	// Every demo video goes through every worker once: all of them ready,
	// and every worker idle with the same count.
	waitUntil(t, "the demo videos to go through every worker", func() bool {
		if !allVideosReady(t, base, tok.Token) {
			return false
		}
		c := localCounts(t, base)
		videos := c["caption-parser"].Handled
		for name, q := range c {
			want := videos
			if name == "projector" {
				want = 3 * videos // caption.parsed, thumbnails.generated, product.tagged
			}
			if q.Handled != want || q.InFlight > 0 {
				return false
			}
		}
		return len(c) >= 4 && videos > 0
	})
	demo := localCounts(t, base)
	out, errOut, code := run(t, "", "monitor", "--local", base, "--frames", "1")
	if code != 0 {
		t.Fatalf("monitor: %d %s", code, errOut)
	}
	for _, w := range []string{"caption-parser", "thumbnail-generator", "auto-tagger"} {
		lineWith(t, out, `^\s+`+w+`\s+0\s+`+itoa(demo[w].Handled)+`\s+\d+\s+0$`)
		lineWith(t, out, `^\s+`+w+`\s+\S+\s+`+itoa(demo[w].Handled)+`\s+\d+\s+\d+\s+0\s+0\s+\d+\s+\d+$`)
	}
	// The projector: one queue, three events.
	lineWith(t, out, `^\s+projector\s+0\s+`+itoa(demo["projector"].Handled)+`\s+\d+\s+0$`)
	for _, et := range []string{"caption.parsed", "thumbnails.generated", "product.tagged"} {
		lineWith(t, out, `^\s+projector\s+`+regexp.QuoteMeta(et)+`\s+`+itoa(demo["projector"].Handled/3)+`\s+`)
	}
	lineWith(t, out, `thumbnail time p50 \d+ ms, p99 \d+ ms`)

	// A video through the API.
	args := []string{"ingest", "https://www.tiktok.com/@demo/video/7524354452762037599", "--seller", "demo",
		"--caption", "Ceramic pour-over mug $18 at shop.example/mug", "--local", base, "--token", tok.Token}
	out, errOut, code = run(t, "", args...)
	if code != 0 || strings.TrimSpace(out) != "queued video 7524354452762037599 of @demo" {
		t.Fatalf("ingest: %d %q %s", code, out, errOut)
	}
	// Watch the video itself: the worker counts alone cannot tell the demo's
	// last videos from this one when they finish close together.
	waitUntil(t, "the ingested video to be parsed", func() bool {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/videos/7524354452762037599", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct{ Steps map[string]string }
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&v) == nil && v.Steps["caption"] == "done"
	})
	if got := localCounts(t, base)["caption-parser"].Handled; got <= demo["caption-parser"].Handled {
		t.Fatalf("caption-parser handled %d events, no more than the demo's %d", got, demo["caption-parser"].Handled)
	}
	out, _, code = run(t, "", args...)
	if code != 0 || !strings.Contains(out, "video 7524354452762037599 of @demo was already ingested") {
		t.Fatalf("second ingest: %d %q", code, out)
	}
}

// allVideosReady reports whether the demo seller has videos and all are ready.
func allVideosReady(t *testing.T, base, token string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/videos?seller=demo&limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Videos []struct{ Status string }
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&list) != nil || len(list.Videos) == 0 {
		return false
	}
	for _, v := range list.Videos {
		if v.Status != "ready" {
			return false
		}
	}
	return true
}
