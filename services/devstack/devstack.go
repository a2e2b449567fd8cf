// Package devstack runs the whole buylink platform in one process on embedded
// defaults: a SQLite file and a media directory under a data directory,
// in-process mem:// topics, every service's HTTP routes on one port and a
// worker per event each consumer consumes. `make dev` runs it; tests start
// it too.
//
// Its wiring derives from pkg/deploy: every declared deployable's component
// (pkg/host) is built with the embedded dependencies and subscribed to the
// events it declares; the AWS-only ones (scheduled Lambdas, the dead-letter
// consumer) have local stand-ins. Adding a service means declaring it in
// pkg/deploy and adding its Builder to components in wire.go.
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
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/metrics"
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
	// a video before its id is claimed (default: TIKTOK_OEMBED_URL).
	TikTokOEmbedURL string

	// started, when set, sees the wired stack before it serves (tests).
	started func(*Stack)
}

// ConfigFromEnv reads DEV_ADDR, DEV_ALLOW_REMOTE, DATA_DIR, PUBLIC_URL, DEMO,
// APIFY_TOKEN, APIFY_ACTOR, APIFY_BASE_URL and ADMIN_PASSWORD_HASH. The
// components read the rest of their environment themselves (wire.go).
func ConfigFromEnv() Config {
	return Config{
		Addr: os.Getenv("DEV_ADDR"), DataDir: os.Getenv("DATA_DIR"), PublicURL: os.Getenv("PUBLIC_URL"),
		NoDemo:     os.Getenv("DEMO") == "off",
		ApifyToken: os.Getenv("APIFY_TOKEN"), ApifyActor: os.Getenv("APIFY_ACTOR"), ApifyBaseURL: os.Getenv("APIFY_BASE_URL"),
		AdminPasswordHash: os.Getenv("ADMIN_PASSWORD_HASH"),
		AllowRemote:       os.Getenv("DEV_ALLOW_REMOTE") == "1",
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
	// DeadLetters is every worker's sink: the box, marking videos failed.
	DeadLetters bus.DeadLetterSink
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
	name string
	// eventTypes are the events it consumes, from one subscription each
	// (on AWS, the topics of its one queue).
	eventTypes []string
	handler    bus.Handler
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
	if err := st.Topics.Open(ctx, deploy.EventTypes...); err != nil {
		return err
	}

	router := web.New(web.Options{Logger: log})
	router.Use(hostGuard(cfg.PublicURL))
	web.Health(router, map[string]web.Check{"store": st.Store.Ping})
	// A dead letter marks its video failed, as the dead-letter consumer
	// does on AWS, and stays in the box.
	st.DeadLetters = &bus.VideoFailer{Videos: st.Store, Next: st.Box}
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
		var subs []*pubsub.Subscription
		for _, et := range wk.eventTypes {
			sub, err := pubsub.OpenSubscription(ctx, st.topicPrefix+et)
			if err != nil {
				return fmt.Errorf("devstack: subscribe %s to %s: %w", wk.name, et, err)
			}
			defer func() { _ = sub.Shutdown(context.Background()) }()
			subs = append(subs, sub)
		}
		bw := &bus.Worker{Name: wk.name, Sub: newFanIn(runCtx, subs), Handler: wk.handler, DeadLetters: st.DeadLetters, Logger: log, Metrics: st.Metrics}
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
		fmt.Fprintf(tw, "worker %s\tconsumes %s\n", wk.name, strings.Join(wk.eventTypes, ", "))
	}
	for _, n := range w.notes {
		fmt.Fprintf(tw, "note\t%s\n", n)
	}
	_ = tw.Flush()
}

// fanIn receives from several subscriptions as one, as an SQS queue fed by
// several topics does: a goroutine per subscription hands its messages over
// one at a time until ctx ends.
type fanIn struct {
	msgs chan *pubsub.Message
	errs chan error
}

func newFanIn(ctx context.Context, subs []*pubsub.Subscription) *fanIn {
	f := &fanIn{msgs: make(chan *pubsub.Message), errs: make(chan error, len(subs))}
	for _, sub := range subs {
		go func() {
			for {
				m, err := sub.Receive(ctx)
				if err != nil {
					if ctx.Err() == nil {
						f.errs <- err
					}
					return
				}
				select {
				case f.msgs <- m:
				case <-ctx.Done():
					if m.Nackable() {
						m.Nack()
					}
					return
				}
			}
		}()
	}
	return f
}

// Receive implements bus.Receiver.
func (f *fanIn) Receive(ctx context.Context) (*pubsub.Message, error) {
	select {
	case m := <-f.msgs:
		return m, nil
	case err := <-f.errs:
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
