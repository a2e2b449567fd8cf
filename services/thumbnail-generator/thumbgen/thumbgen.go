// Package thumbgen is the thumbnail generator: it consumes video.posted,
// downloads the post's video (or slideshow images) through pkg/safefetch,
// cuts up to five 400x400 JPEG product thumbnails from good, different
// frames, stores them in media under "thumbs/" and publishes
// thumbnails.generated.
//
// Decoding untrusted media is risky (OpenCV aborts the process on a C++
// exception; a hostile file can exhaust memory or CPU), so every decode runs
// in a child process: the same binary started with ChildCommand, under
// RLIMIT_AS, RLIMIT_CPU and a wall-clock deadline. A child that crashes or
// hits a limit fails only that video: the generator publishes a permanent
// Failure for it and carries on. Binaries hosting the generator must call
// MaybeRunChild first thing in main.
//
// Frames are sampled by seeking: each candidate is a keyframe reached by a
// seek and decoded alone (internal/frames), except for short videos whose
// keyframes are too few, which are decoded once from start to end. Each
// candidate is scored on sharpness, exposure and, when a YOLOv8 ONNX model is
// configured (YOLO_MODEL_PATH), product detections (internal/vision).
package thumbgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/safefetch"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/vision"
)

// DefaultCount is how many thumbnails are made per video.
const DefaultCount = 5

// MediaPrefix is the media key prefix of thumbnails.
const MediaPrefix = "thumbs"

// maxThumbBytes bounds one thumbnail file the child writes.
const maxThumbBytes = 2 << 20

// Blobs stores thumbnails (a *media.Store).
type Blobs interface {
	Put(ctx context.Context, prefix string, data []byte, contentType string) (string, error)
}

// Config configures a Generator.
type Config struct {
	// Media stores the thumbnails. Required.
	Media Blobs
	// Publisher receives thumbnails.generated. Required.
	Publisher bus.Publisher
	// ModelPath names a YOLOv8 ONNX model (YOLO_MODEL_PATH); empty scores
	// frames on sharpness and exposure only.
	ModelPath string
	// Count is how many thumbnails to make (default 5, at most catalog.MaxThumbnails).
	Count int
	// Fetch is the download policy (devstack and tests set AllowLoopback).
	Fetch safefetch.Options
	// Limits bound each decoding child.
	Limits Limits
	// MaxChildren bounds the children running at once (default 2).
	MaxChildren int
	// MaxPerSeller bounds the posts of one seller this generator works on
	// at once (default 2: one downloading, one decoding). Handle defers a
	// post over the cap (bus.Defer) instead of waiting, so one seller's
	// slow or many posts never hold every worker slot. Downloads are capped
	// per seller too, by Fetch.MaxPerTenant (safefetch's default: 1).
	MaxPerSeller int
	// Executable is the binary run as the child (default os.Executable());
	// it must call MaybeRunChild.
	Executable string
	// TempDir holds downloads and the children's output (default os.TempDir()).
	TempDir string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics receives ThumbnailTime, the time to make one post's
	// thumbnails (default metrics.Default()).
	Metrics *metrics.Registry
}

// Generator makes thumbnails. It is safe for concurrent use.
type Generator struct {
	cfg      Config
	fetch    *safefetch.Client
	children chan struct{}

	// spare is a started child waiting for a job, so that the next video
	// does not wait for the child's start (its shared libraries, the model).
	mu     sync.Mutex
	spare  *childProc
	closed bool
	// noLandlock warns once that the kernel cannot confine the child's files.
	noLandlock sync.Once
	// sellers counts the posts in work per seller.
	sellers map[string]int
}

// sellerRetry is how long a post deferred by a seller's cap waits.
const sellerRetry = time.Second

// New checks cfg and returns a Generator. A configured model must exist and
// load in a child: a missing or broken model is a start-up error.
func New(ctx context.Context, cfg Config) (*Generator, error) {
	if cfg.Media == nil || cfg.Publisher == nil {
		return nil, errors.New("thumbgen: Media and Publisher are required")
	}
	if cfg.Count == 0 {
		cfg.Count = DefaultCount
	}
	if cfg.Count < 1 || cfg.Count > catalog.MaxThumbnails {
		return nil, fmt.Errorf("thumbgen: Count must be in 1..%d (got %d)", catalog.MaxThumbnails, cfg.Count)
	}
	if cfg.MaxChildren <= 0 {
		cfg.MaxChildren = 2
	}
	if cfg.MaxPerSeller <= 0 {
		cfg.MaxPerSeller = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.Default()
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("thumbgen: locate this binary to run the decoding child: %w", err)
		}
		cfg.Executable = exe
	}
	cfg.Limits = cfg.Limits.withDefaults()
	cfg.Fetch.TempDir = cfg.TempDir
	g := &Generator{cfg: cfg, fetch: safefetch.New(cfg.Fetch), children: make(chan struct{}, cfg.MaxChildren), sellers: map[string]int{}}
	if cfg.ModelPath != "" {
		if err := vision.CheckModelFile(cfg.ModelPath); err != nil {
			return nil, fmt.Errorf("thumbgen: YOLO_MODEL_PATH: %w", err)
		}
		if _, err := g.child(ctx, job{Kind: "model"}); err != nil {
			g.Close()
			return nil, fmt.Errorf("thumbgen: YOLO_MODEL_PATH %s does not load as a YOLOv8 model: %w", cfg.ModelPath, err)
		}
	} else {
		g.refill()
	}
	return g, nil
}

// Close stops the spare child. Jobs running go on; later ones start their
// child when they need it.
func (g *Generator) Close() {
	g.mu.Lock()
	p := g.spare
	g.spare, g.closed = nil, true
	g.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// Result is what one generation made.
type Result struct {
	Thumbnails []events.Thumbnail
	// Note says why fewer than the requested count were made.
	Note string
	// Probe describes the video (nil for slideshows).
	Probe *Probe
	// PeakRSS is the decoding child's peak resident memory in bytes.
	PeakRSS int64
}

// Handle is the bus handler: video.posted in, thumbnails.generated out.
// A video that cannot give thumbnails (refused URL, not a video, corrupt or
// hostile file, a download too slow) is answered with a Failure and
// acknowledged; transient trouble (network, storage) is returned for a
// retry; a post over its seller's cap is deferred (bus.Defer).
func (g *Generator) Handle(ctx context.Context, env events.Envelope) error {
	var p events.VideoPosted
	if err := events.Decode(env, &p); err != nil {
		return err
	}
	if n, ok := g.enterSeller(env.Seller); !ok {
		return bus.Defer(sellerRetry, fmt.Sprintf("seller %q already has %d posts in work", env.Seller, n))
	}
	defer g.leaveSeller(env.Seller)
	log := g.cfg.Logger.With("video_id", env.VideoID, "seller", env.Seller)
	start := time.Now()
	res, err := g.Generate(safefetch.WithTenant(ctx, env.Seller), &p)
	if errors.Is(err, safefetch.ErrBusy) {
		return bus.Defer(sellerRetry, err.Error())
	}
	if err == nil {
		g.cfg.Metrics.Summary(metrics.ThumbnailTime, metrics.Milliseconds).ObserveDuration(time.Since(start))
	}
	out := events.ThumbnailsGenerated{Requested: g.cfg.Count, Thumbnails: res.Thumbnails, Note: res.Note}
	switch {
	case err == nil:
		attrs := []any{"count", len(res.Thumbnails), "peak_rss_mib", res.PeakRSS >> 20, "note", res.Note}
		if pr := res.Probe; pr != nil {
			attrs = append(attrs, "duration_ms", pr.DurationMS, "size", fmt.Sprintf("%dx%d", pr.Width, pr.Height),
				"codec", pr.Codec, "keyframes", pr.Keyframes, "sampling", pr.Sampling)
		}
		log.InfoContext(ctx, "thumbnails generated", attrs...)
	case events.IsPermanent(err):
		log.WarnContext(ctx, "no thumbnails for this video", "err", err)
		out = events.ThumbnailsGenerated{Requested: g.cfg.Count, Thumbnails: []events.Thumbnail{},
			Failure: &events.Failure{Reason: truncate(err.Error(), catalog.MaxReasonRunes)}}
	default:
		return err
	}
	next, err := events.Next(env, &out)
	if err != nil {
		return err
	}
	if err := g.cfg.Publisher.Publish(ctx, next); err != nil {
		return fmt.Errorf("thumbgen: publish %s: %w", next.Type, err)
	}
	return nil
}

// Generate makes the thumbnails of one post. Errors that retrying cannot fix
// are marked events.Permanent.
func (g *Generator) Generate(ctx context.Context, p *events.VideoPosted) (Result, error) {
	dir, err := os.MkdirTemp(g.cfg.TempDir, "thumbgen-*")
	if err != nil {
		return Result{}, fmt.Errorf("thumbgen: work directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	switch {
	case p.MediaURL != "":
		var res Result
		err := g.fetch.Fetch(ctx, p.MediaURL, func(f *safefetch.File) error {
			ok, err := sniffVideo(f.Path)
			if err != nil {
				return err
			}
			if !ok {
				return events.Permanent(fmt.Errorf("media_url did not return an MP4, MOV or WebM video (Content-Type %q)", f.ContentType))
			}
			res, err = g.fromVideo(ctx, dir, f.Path)
			return err
		})
		if err != nil && safefetch.IsPermanent(err) {
			err = events.Permanent(fmt.Errorf("download the video: %w", err))
		}
		return res, err
	case len(p.ImageURLs) > 0:
		return g.fromImages(ctx, dir, p.ImageURLs)
	}
	return Result{}, events.Permanent(errors.New("the post has neither a video nor images to cut thumbnails from"))
}

// fromVideo runs the child on a downloaded video and stores its thumbnails.
func (g *Generator) fromVideo(ctx context.Context, dir, path string) (Result, error) {
	return g.generate(ctx, dir, job{Kind: "video", Inputs: []string{path}})
}

// fromImages downloads a slideshow's images and runs the child on them.
// Images that are refused or are not JPEG/PNG/WebP are left out; the post
// fails only when none is usable.
func (g *Generator) fromImages(ctx context.Context, dir string, urls []string) (Result, error) {
	urls = urls[:min(len(urls), catalog.MaxImages)]
	var paths []string
	var lastErr error
	for i, u := range urls {
		dst := filepath.Join(dir, fmt.Sprintf("image-%02d", i))
		err := g.fetch.Fetch(ctx, u, func(f *safefetch.File) error {
			head := make([]byte, 16)
			fh, err := os.Open(f.Path)
			if err != nil {
				return err
			}
			n, _ := fh.Read(head)
			_ = fh.Close()
			if !sniffImage(head[:n]) {
				return events.Permanent(fmt.Errorf("image %d is not a JPEG, PNG or WebP (Content-Type %q)", i+1, f.ContentType))
			}
			return os.Rename(f.Path, dst)
		})
		switch {
		case err == nil:
			paths = append(paths, dst)
		case safefetch.IsPermanent(err) || events.IsPermanent(err):
			lastErr = err
		default:
			return Result{}, err
		}
	}
	if len(paths) == 0 {
		return Result{}, events.Permanent(fmt.Errorf("none of the %d slideshow images is usable: %w", len(urls), lastErr))
	}
	return g.generate(ctx, dir, job{Kind: "images", Inputs: paths})
}

// generate runs one job in a child and stores the thumbnails it wrote.
func (g *Generator) generate(ctx context.Context, dir string, j job) (Result, error) {
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		return Result{}, err
	}
	j.OutDir, j.Count = out, g.cfg.Count
	run, err := g.child(ctx, j)
	res := Result{PeakRSS: run.PeakRSS, Probe: run.result.Probe, Note: run.result.Note}
	if err != nil {
		return res, err
	}
	if len(run.result.Thumbs) > g.cfg.Count {
		return res, events.Permanent(fmt.Errorf("the decoder returned %d thumbnails for %d asked", len(run.result.Thumbs), g.cfg.Count))
	}
	res.Thumbnails = []events.Thumbnail{}
	for _, t := range run.result.Thumbs {
		if filepath.Base(t.File) != t.File {
			return res, events.Permanent(fmt.Errorf("the decoder named a thumbnail outside its directory: %q", t.File))
		}
		data, err := os.ReadFile(filepath.Join(out, t.File))
		if err != nil {
			return res, fmt.Errorf("thumbgen: read thumbnail: %w", err)
		}
		if len(data) > maxThumbBytes || !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
			return res, events.Permanent(fmt.Errorf("the decoder wrote an invalid thumbnail %s (%d bytes)", t.File, len(data)))
		}
		key, err := g.cfg.Media.Put(ctx, MediaPrefix, data, "image/jpeg")
		if err != nil {
			return res, fmt.Errorf("thumbgen: store thumbnail: %w", err)
		}
		res.Thumbnails = append(res.Thumbnails, events.Thumbnail{
			Key: key, FrameMS: t.FrameMS, Score: t.Score, Label: t.Label, Width: vision.ThumbSize, Height: vision.ThumbSize,
		})
	}
	return res, nil
}

// child runs j in a child process once a slot is free: the spare if there
// is one (started again for the next job), or a new one. Failures caused by
// the input come back permanent.
func (g *Generator) child(ctx context.Context, j job) (childRun, error) {
	select {
	case g.children <- struct{}{}:
	case <-ctx.Done():
		return childRun{}, ctx.Err()
	}
	defer func() { <-g.children }()
	defer g.refill()
	g.mu.Lock()
	p := g.spare
	g.spare = nil
	g.mu.Unlock()
	var run childRun
	err := errNotReady
	if p != nil {
		run, err = p.run(ctx, g.cfg.Limits, j)
	}
	if errors.Is(err, errNotReady) { // no spare, or it died waiting: a new child
		if p, err = startChild(g.cfg.Executable, g.cfg.Limits, g.cfg.ModelPath); err != nil {
			return childRun{}, err
		}
		run, err = p.run(ctx, g.cfg.Limits, j)
	}
	if sb := run.result.Sandbox; err == nil && sb != nil && sb.LandlockABI == 0 {
		g.noLandlock.Do(func() {
			g.cfg.Logger.Warn("the kernel has no Landlock: the decoding child's file access is not confined (its environment, seccomp filter and limits still hold)")
		})
	}
	if errors.Is(err, errChildFailed) {
		err = events.Permanent(err)
	}
	return run, err
}

// enterSeller counts a post of seller in work unless the seller is at
// MaxPerSeller; it returns the seller's count before.
func (g *Generator) enterSeller(seller string) (int, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.sellers[seller]
	if n >= g.cfg.MaxPerSeller {
		return n, false
	}
	g.sellers[seller] = n + 1
	return n, true
}

func (g *Generator) leaveSeller(seller string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sellers[seller]--; g.sellers[seller] <= 0 {
		delete(g.sellers, seller)
	}
}

// refill starts a spare child when there is none.
func (g *Generator) refill() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || g.spare != nil {
		return
	}
	p, err := startChild(g.cfg.Executable, g.cfg.Limits, g.cfg.ModelPath)
	if err != nil {
		g.cfg.Logger.Warn("cannot start a spare decoding child", "err", err)
		return
	}
	g.spare = p
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
