// Package devstack runs the whole buylink platform in one process on embedded
// defaults: a SQLite file and a media directory under a data directory,
// in-process mem:// topics, every service's HTTP routes on one port and every
// worker on its own subscription. `make dev` runs it; tests start it too.
//
// Adding a service means adding it to wire.go: its routes, its workers and
// anything it seeds.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/web"
)

// Config configures a devstack.
type Config struct {
	// Addr is the listen address (default 127.0.0.1:8080).
	Addr string
	// DataDir holds the SQLite file, media and dead letters (default ./.buylink).
	DataDir string
	// PublicURL is the address browsers use (default http://<Addr>).
	PublicURL string
	// SweepEvery and StuckAfter tune the sweeper (defaults 30s and 2m).
	SweepEvery time.Duration
	StuckAfter time.Duration
	// Out receives the start-up summary (default os.Stdout).
	Out io.Writer
	// Ready, when set, is called with the bound address once serving.
	Ready func(addr string)
	// Metrics is the registry the workers record into and GET /admin/metrics
	// serves (default metrics.Default()).
	Metrics *metrics.Registry
	// NoDemo skips seeding the demo shop (DEMO=off).
	NoDemo bool

	// ApifyToken turns on scheduled ingestion through Apify (APIFY_TOKEN);
	// ApifyActor and ApifyBaseURL override the actor and the API address
	// (APIFY_ACTOR, APIFY_BASE_URL).
	ApifyToken, ApifyActor, ApifyBaseURL string
	// IngestEvery is the interval of scheduled ingestion (default 1h).
	IngestEvery time.Duration
	// AdminPasswordHash turns on the admin login (ADMIN_PASSWORD_HASH, a
	// bcrypt hash).
	AdminPasswordHash string
	// AllowRemote lets Addr be beyond loopback (DEV_ALLOW_REMOTE=1): the
	// devstack signs anyone in without a password, so it listens on this
	// machine only unless told otherwise.
	AllowRemote bool
	// TikTokOEmbedURL overrides TikTok's oEmbed endpoint, asked who posted
	// a video before its id is claimed (TIKTOK_OEMBED_URL).
	TikTokOEmbedURL string

	// started, when set, sees the wired stack before it serves (tests).
	started func(*Stack)
}

// ConfigFromEnv reads DEV_ADDR, DEV_ALLOW_REMOTE, DATA_DIR, PUBLIC_URL, DEMO,
// APIFY_TOKEN, APIFY_ACTOR, APIFY_BASE_URL, ADMIN_PASSWORD_HASH and
// TIKTOK_OEMBED_URL.
func ConfigFromEnv() Config {
	return Config{
		Addr: os.Getenv("DEV_ADDR"), DataDir: os.Getenv("DATA_DIR"), PublicURL: os.Getenv("PUBLIC_URL"),
		NoDemo:     os.Getenv("DEMO") == "off",
		ApifyToken: os.Getenv("APIFY_TOKEN"), ApifyActor: os.Getenv("APIFY_ACTOR"), ApifyBaseURL: os.Getenv("APIFY_BASE_URL"),
		AdminPasswordHash: os.Getenv("ADMIN_PASSWORD_HASH"), TikTokOEmbedURL: os.Getenv(tiktok.OEmbedURLEnv),
		AllowRemote: os.Getenv(AllowRemoteEnv) == "1",
	}
}

// Stack is a running devstack's parts, for the services wired into it.
type Stack struct {
	Config Config
	Log    *slog.Logger
	Store  *sqlite.Store
	Media  *media.Store
	Topics *bus.Topics
	Box    *bus.DeadLetterBox
	// Metrics is Config.Metrics.
	Metrics *metrics.Registry
	// DataDir is the absolute data directory.
	DataDir string
	// ListenAddr is the bound address, by which the stack reaches itself.
	ListenAddr string
	// closers run when the stack stops, after the workers drained.
	closers []func() error
	// topicPrefix keeps this stack's mem:// topics apart from any other
	// stack in the same process (tests).
	topicPrefix string
	// running are the started workers, for the admin endpoints; set before
	// the HTTP server starts.
	running []runningWorker
}

// runningWorker is a worker the stack started.
type runningWorker struct {
	worker
	bw *bus.Worker
}

// worker is one consumer wired into the stack.
type worker struct {
	name      string
	eventType string
	handler   bus.Handler
}

// Run starts the stack and blocks until ctx is cancelled, then stops every
// part cleanly: the HTTP server drains, workers drain, stores close.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if err := checkListenAddr(cfg.Addr, cfg.AllowRemote); err != nil {
		return err
	}
	if cfg.DataDir == "" {
		cfg.DataDir = ".buylink"
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = 30 * time.Second
	}
	if cfg.StuckAfter <= 0 {
		cfg.StuckAfter = 2 * time.Minute
	}
	if cfg.IngestEvery <= 0 {
		cfg.IngestEvery = time.Hour
	}
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.Default()
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return fmt.Errorf("devstack: data directory %s: %w", dataDir, err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("devstack: listen on %s: %w (set DEV_ADDR to use another address)", cfg.Addr, err)
	}
	defer func() { _ = ln.Close() }()
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + publicHost(ln.Addr().String())
	}

	st := &Stack{Config: cfg, Log: log, Metrics: cfg.Metrics, DataDir: dataDir, ListenAddr: ln.Addr().String(), topicPrefix: "mem://devstack-" + events.NewID()[:8] + "/"}
	if st.Store, err = sqlite.Open(ctx, filepath.Join(dataDir, "catalog.db")); err != nil {
		return err
	}
	defer func() { _ = st.Store.Close() }()
	if st.Media, err = media.Open(ctx, "file://"+filepath.Join(dataDir, "media")+"?create_dir=1&no_tmp_dir=1", cfg.PublicURL+"/media"); err != nil {
		return err
	}
	defer func() { _ = st.Media.Close() }()
	if st.Box, err = bus.OpenDeadLetterBox(ctx, "file://"+filepath.Join(dataDir, "deadletters")+"?create_dir=1&no_tmp_dir=1"); err != nil {
		return err
	}
	defer func() { _ = st.Box.Close() }()
	if st.Topics, err = bus.NewTopics(st.topicPrefix + "{type}"); err != nil {
		return err
	}
	defer func() { _ = st.Topics.Close(context.Background()) }()
	if err := st.Topics.Open(ctx, events.TypeVideoPosted, events.TypeCaptionParsed, events.TypeThumbnailsGenerated, events.TypeProductTagged); err != nil {
		return err
	}

	router := web.New(web.Options{Logger: log})
	router.Use(hostGuard(cfg.PublicURL))
	web.Health(router, map[string]web.Check{"store": st.Store.Ping})
	w, err := wire(ctx, st, router)
	if err != nil {
		return err
	}
	if cfg.started != nil {
		cfg.started(st)
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errc := make(chan error, len(w.workers)+len(w.tasks)+2)
	for _, wk := range w.workers {
		sub, err := pubsub.OpenSubscription(ctx, st.topicPrefix+wk.eventType)
		if err != nil {
			return fmt.Errorf("devstack: subscribe %s to %s: %w", wk.name, wk.eventType, err)
		}
		defer func() { _ = sub.Shutdown(context.Background()) }()
		bw := &bus.Worker{Name: wk.name, Sub: sub, Handler: wk.handler, DeadLetters: st.Box, Logger: log, Metrics: st.Metrics}
		st.running = append(st.running, runningWorker{wk, bw})
		wg.Go(func() { errc <- bw.Run(runCtx) })
	}
	for _, tk := range w.tasks {
		wg.Go(func() {
			if err := tk.run(runCtx); err != nil {
				errc <- fmt.Errorf("devstack: %s: %w", tk.name, err)
			}
		})
	}
	sweeper := &bus.Sweeper{Videos: st.Store, Publisher: st.Topics, Interval: cfg.SweepEvery, StuckAfter: cfg.StuckAfter, Logger: log}
	wg.Go(func() { errc <- sweeper.Run(runCtx) })
	wg.Go(func() { errc <- web.Serve(runCtx, ln, router) })
	if !cfg.NoDemo {
		// After the subscriptions exist: mem:// topics drop messages nobody
		// is subscribed to yet.
		note, err := seedDemo(ctx, st)
		if err != nil {
			stop()
			wg.Wait()
			return fmt.Errorf("devstack: seed the demo shop: %w", err)
		}
		w.notes = append(w.notes, note)
	}

	printSummary(cfg.Out, cfg, dataDir, ln.Addr().String(), w)
	if cfg.Ready != nil {
		cfg.Ready(ln.Addr().String())
	}
	var firstErr error
	select {
	case <-ctx.Done():
	case firstErr = <-errc:
	}
	stop()
	wg.Wait()
	close(errc)
	for _, c := range st.closers {
		firstErr = errors.Join(firstErr, c())
	}
	for err := range errc {
		firstErr = errors.Join(firstErr, err)
	}
	log.Info("devstack stopped")
	return firstErr
}

func publicHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func printSummary(out io.Writer, cfg Config, dataDir, addr string, w *wiring) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "buylink devstack listening on %s (data in %s)\n\n", addr, dataDir)
	fmt.Fprintln(tw, "WHAT\tWHERE")
	for _, l := range w.links {
		fmt.Fprintf(tw, "%s\t%s\n", l.what, cfg.PublicURL+l.path)
	}
	for _, wk := range w.workers {
		fmt.Fprintf(tw, "worker %s\tconsumes %s\n", wk.name, wk.eventType)
	}
	fmt.Fprintf(tw, "sweeper\tevery %s, restarts videos stuck for %s\n", cfg.SweepEvery, cfg.StuckAfter)
	for _, n := range w.notes {
		fmt.Fprintf(tw, "note\t%s\n", n)
	}
	_ = tw.Flush()
}
