package thumbgen

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/safefetch"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/testmedia"
)

// TestMain lets the test binary act as the decoding child, as the worker
// binary does: the generator re-executes os.Executable().
func TestMain(m *testing.M) {
	MaybeRunChild()
	code := m.Run()
	testmedia.Cleanup()
	os.Exit(code)
}

// recorder is a bus.Publisher that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	envs []events.Envelope
}

func (r *recorder) Publish(_ context.Context, env events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.envs = append(r.envs, env)
	return nil
}

func (r *recorder) last(t *testing.T) events.ThumbnailsGenerated {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.envs) == 0 {
		t.Fatal("nothing was published")
	}
	var out events.ThumbnailsGenerated
	if err := events.Decode(r.envs[len(r.envs)-1], &out); err != nil {
		t.Fatalf("published event: %v", err)
	}
	return out
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.envs)
}

// fileServer serves files by name on 127.0.0.1 and counts connections.
type fileServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	asked map[string]int
}

// requests returns how often path was asked for.
func (fs *fileServer) requests(path string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.asked[path]
}

func newFileServer(t *testing.T) *fileServer {
	t.Helper()
	fs := &fileServer{files: map[string][]byte{}, asked: map[string]int{}}
	fs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.asked[r.URL.Path]++
		b, ok := fs.files[r.URL.Path]
		fs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "video/mp4")
		_, _ = w.Write(b)
	}))
	fs.Start()
	t.Cleanup(fs.Close)
	return fs
}

// serve publishes the file at path under /name and returns its URL.
func (fs *fileServer) serve(t *testing.T, name, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fs.serveBytes(name, b)
}

func (fs *fileServer) serveBytes(name string, b []byte) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.files["/"+name] = b
	return fs.URL + "/" + name
}

type env struct {
	gen   *Generator
	pub   *recorder
	store *media.Store
	srv   *fileServer
}

// newEnv returns a generator over a file:// media store and a recording
// publisher, allowed to fetch from the loopback file server.
func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	store, err := media.Open(t.Context(), "file://"+t.TempDir()+"?create_dir=1&no_tmp_dir=1", "http://localhost:8080/media")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	pub := &recorder{}
	cfg := Config{Media: store, Publisher: pub, Fetch: safefetch.Options{AllowLoopback: true}, TempDir: t.TempDir()}
	if mod != nil {
		mod(&cfg)
	}
	g, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(g.Close)
	return &env{gen: g, pub: pub, store: store, srv: newFileServer(t)}
}

// post runs the handler on a video.posted event and returns what it published.
func (e *env) post(t *testing.T, p events.VideoPosted) events.ThumbnailsGenerated {
	t.Helper()
	if p.PageURL == "" {
		p.PageURL = "https://www.tiktok.com/@shop/video/7351234567890123456"
	}
	if p.Attempt == 0 {
		p.Attempt = 1
	}
	in, err := events.New("", "shop", "7351234567890123456", &p)
	if err != nil {
		t.Fatal(err)
	}
	before := e.pub.count()
	if err := e.gen.Handle(t.Context(), in); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if e.pub.count() != before+1 {
		t.Fatalf("Handle published %d events, want 1", e.pub.count()-before)
	}
	out := e.pub.last(t)
	if e.pub.envs[len(e.pub.envs)-1].CorrelationID != in.CorrelationID {
		t.Error("the correlation id was not carried over")
	}
	return out
}

// thumbnail loads a stored thumbnail and checks it is a 400x400 JPEG.
func (e *env) thumbnail(t *testing.T, th events.Thumbnail) image.Image {
	t.Helper()
	if !media.ValidKey(th.Key) || filepath.Dir(filepath.Dir(th.Key)) != MediaPrefix {
		t.Fatalf("key %q is not a thumbs/ media key", th.Key)
	}
	b, err := e.store.ReadAll(t.Context(), th.Key)
	if err != nil {
		t.Fatalf("read %s: %v", th.Key, err)
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s is not a JPEG: %v", th.Key, err)
	}
	if s := img.Bounds().Size(); s.X != 400 || s.Y != 400 || th.Width != 400 || th.Height != 400 {
		t.Fatalf("%s is %v (event says %dx%d), want 400x400", th.Key, s, th.Width, th.Height)
	}
	return img
}
