package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/obs"
	"github.com/buylink/buylink/pkg/web"
)

// Main is the whole main of an ECS binary (and of the same binary run
// alone on a laptop): it sets up logging and metrics, runs the deployable
// called name until SIGINT or SIGTERM, drains, and exits non-zero with the
// reason on stderr when it cannot start or fails.
func Main(name string, build Builder) {
	d := deploy.MustGet(name)
	log := obs.Setup(name)
	stopMetrics, err := metrics.Setup(name)
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = Run(ctx, d, os.Getenv, log, metrics.Default(), build, nil)
		stop()
		stopMetrics()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// drainTimeout bounds the HTTP server's and the workers' drain.
const drainTimeout = 30 * time.Second

// Run runs d's ECS binary until ctx ends: an HTTP service (with a worker
// for its consumer when SUBSCRIPTION_URL is set) or a long-poll worker.
// ready, when set, gets the HTTP server's bound address.
func Run(ctx context.Context, d deploy.Deployable, getenv func(string) string, log *slog.Logger, reg *metrics.Registry, build Builder, ready func(addr string)) error {
	env := deploy.EnvOf(d, deploy.ECS, getenv)
	if err := env.Check(); err != nil {
		return err
	}
	deps, res, err := Open(ctx, env, log, reg)
	if err != nil {
		return err
	}
	defer func() { _ = res.Close() }()
	var ln net.Listener
	if d.Kind == deploy.HTTP {
		addr := env.Or("ADDR", d.LocalAddr)
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("listen on %s: %w (set ADDR)", addr, err)
		}
		defer func() { _ = ln.Close() }()
		deps.ListenAddr = ln.Addr().String()
	}
	c, err := build(ctx, deps)
	if err != nil {
		return err
	}
	var w *bus.Worker
	switch {
	case len(d.Consumes) > 0 && env.Get("SUBSCRIPTION_URL") != "" && c.Handler != nil:
		var closeWorker func() error
		if w, closeWorker, err = newWorker(ctx, env, c.Handler, log, reg); err != nil {
			return errors.Join(err, c.Close())
		}
		defer func() { _ = closeWorker() }()
	case d.Kind == deploy.Worker:
		return errors.Join(fmt.Errorf("%s: set SUBSCRIPTION_URL (the queue it consumes)", d.Name), c.Close())
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	if ln != nil {
		router := web.New(web.Options{Logger: log, TrustedProxies: SplitList(env.Get("TRUSTED_PROXIES"))})
		// Behind a CDN the client's address is the header it sets (gin
		// believes it first, then X-Forwarded-For from TRUSTED_PROXIES).
		router.TrustedPlatform = env.Get("CLIENT_IP_HEADER")
		checks := map[string]web.Check{}
		if deps.Store != nil {
			checks["store"] = deps.Store.Ping
		}
		for k, v := range c.Checks {
			checks[k] = v
		}
		web.Health(router, checks)
		if c.Routes != nil {
			if err := c.Routes(router); err != nil {
				return errors.Join(err, c.Close())
			}
		}
		log.Info(d.Name+" listening", "addr", ln.Addr().String(), "public_url", deps.PublicURL, "consumer", w != nil)
		wg.Go(func() { errc <- web.Serve(runCtx, ln, router) })
		if ready != nil {
			ready(ln.Addr().String())
		}
	}
	if w != nil {
		wg.Go(func() { errc <- w.Run(runCtx) })
	}
	var firstErr error
	select {
	case <-ctx.Done():
	case firstErr = <-errc:
	}
	cancel()
	wg.Wait()
	close(errc)
	for err := range errc {
		firstErr = errors.Join(firstErr, err)
	}
	return errors.Join(firstErr, c.Close())
}

// newWorker hosts handler on SUBSCRIPTION_URL, giving up messages to
// DEADLETTER_URL (the queue's DLQ on AWS).
func newWorker(ctx context.Context, env deploy.Env, handler bus.Handler, log *slog.Logger, reg *metrics.Registry) (*bus.Worker, func() error, error) {
	subURL, dlURL := env.Get("SUBSCRIPTION_URL"), env.Get("DEADLETTER_URL")
	conc, err := bus.ParseConcurrency(env.Get("WORKER_CONCURRENCY"))
	if err != nil {
		return nil, nil, err
	}
	if err := bus.CheckURLs(ctx, subURL, dlURL); err != nil {
		return nil, nil, err
	}
	sub, err := pubsub.OpenSubscription(ctx, subURL)
	if err != nil {
		return nil, nil, fmt.Errorf("open subscription %s: %w", subURL, err)
	}
	sink, closeSink, err := bus.OpenDeadLetterSink(ctx, dlURL)
	if err != nil {
		_ = sub.Shutdown(context.Background())
		return nil, nil, err
	}
	d := env.Deployable()
	w := &bus.Worker{Name: d.ConsumerName(), Sub: sub, Handler: handler, Concurrency: conc, DeadLetters: sink,
		DrainTimeout: drainTimeout, Logger: log, Metrics: reg}
	if dlURL == "" {
		w.MaxAttempts = -1 // the queue's redrive policy dead-letters
	}
	return w, func() error { return errors.Join(sub.Shutdown(context.Background()), closeSink()) }, nil
}
