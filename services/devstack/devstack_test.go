package devstack

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
)

// syncBuffer is a bytes.Buffer safe for the stack's and the test's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// start runs a devstack on a free loopback port and returns its base URL;
// opts may change its configuration.
func start(t *testing.T, dataDir string, opts ...func(*Config)) (base string, out *syncBuffer, stop func() error) {
	t.Helper()
	out = &syncBuffer{}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// TikTok's oEmbed endpoint, naming the demo seller as the author of the videos tests post.
	tiktokFake := oembedtest.NewServer(t, oembedtest.Video{ID: "7524354452762037512", Author: DemoSeller},
		oembedtest.Video{ID: "7524157935543832863", Author: DemoSeller})
	cfg := Config{Addr: "127.0.0.1:0", DataDir: dataDir, Out: out, Ready: func(a string) { ready <- a }, Metrics: metrics.New("devstack"),
		TikTokOEmbedURL: tiktokFake.Endpoint()}
	for _, o := range opts {
		o(&cfg)
	}
	go func() { done <- Run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("devstack did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("devstack did not start within 30s")
	}
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				t.Error("devstack did not stop within 30s")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return base, out, stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDevstackServesHealthAndSeedsTheDemoSeller(t *testing.T) {
	dir := t.TempDir()
	base, out, stop := start(t, dir)
	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %s", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("readyz: %d %s", code, body)
	}
	if code, body := get(t, base+"/"); code != 200 || !strings.Contains(body, "<h1>buylink</h1>") {
		t.Fatalf("landing page: %d %.200s", code, body)
	}
	if code, _ := get(t, base+"/favicon.ico"); code != 200 {
		t.Fatalf("favicon: %d", code)
	}
	if code, _ := get(t, base+"/media/thumbs/00/nothing.jpg"); code != 404 {
		t.Fatalf("missing media: %d", code)
	}
	if s := out.String(); !strings.Contains(s, "buylink devstack listening on") || !strings.Contains(s, "/healthz") {
		t.Fatalf("start-up summary: %q", s)
	}
	if err := stop(); err != nil {
		t.Fatalf("clean stop: %v", err)
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if s, err := st.GetSeller(t.Context(), DemoSeller); err != nil || s.DisplayName == "" {
		t.Fatalf("demo seller: %+v %v", s, err)
	}
}

// noDemo starts a stack without the demo shop.
func noDemo(c *Config) { c.NoDemo = true }

func TestDevstackRestartsOnTheSameDataDir(t *testing.T) {
	dir := t.TempDir()
	_, _, stop := start(t, dir, noDemo)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	base, _, _ := start(t, dir, noDemo)
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("second start not ready: %d", code)
	}
}

func TestDevstackReportsABusyPort(t *testing.T) {
	base, _, _ := start(t, t.TempDir(), noDemo)
	err := Run(t.Context(), Config{Addr: strings.TrimPrefix(base, "http://"), DataDir: t.TempDir(), Out: io.Discard}, slog.Default())
	if err == nil || !strings.Contains(err.Error(), "DEV_ADDR") {
		t.Fatalf("want a clear listen error, got %v", err)
	}
}

// Every deployable pkg/deploy declares is wired: a component or a local
// stand-in, and nothing else.
func TestEveryDeployableIsWired(t *testing.T) {
	for _, d := range deploy.All {
		_, c := components[d.Name]
		_, l := localRunners[d.Name]
		if c == l {
			t.Errorf("%s: component %v, local runner %v: want exactly one", d.Name, c, l)
		}
	}
	if len(components)+len(localRunners) != len(deploy.All) {
		t.Errorf("%d wired, %d declared", len(components)+len(localRunners), len(deploy.All))
	}
}
