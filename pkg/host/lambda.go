package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/buylink/buylink/pkg/awsconfig"
	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/bus/lambdahost"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/obs"
)

// Lambda is the whole main of a Lambda binary. At cold start it reads the
// secrets its environment names by ARN (once, for the life of the execution
// environment), checks its configuration, opens its dependencies and builds
// the component; any failure ends the process at once with the reason
// logged, so initialisation fails visibly instead of every invocation. It
// then serves SQS batches (a worker) or schedule events until the runtime
// stops the process.
func Lambda(name string, build Builder) {
	d := deploy.MustGet(name)
	log := obs.Setup(name)
	stopMetrics, err := metrics.Setup(name)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	handler, closeAll, err := NewLambda(context.Background(), d, os.Getenv, log, metrics.Default(), awsconfig.SecretValue, build)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.StartWithOptions(handler, lambda.WithEnableSIGTERM(func() { _ = closeAll(); stopMetrics() }))
}

// NewLambda prepares d's Lambda: its handler (a func taking an SQS event or
// an EventBridge event) and what closes everything it opened.
func NewLambda(ctx context.Context, d deploy.Deployable, getenv func(string) string, log *slog.Logger, reg *metrics.Registry,
	secrets deploy.SecretFetcher, build Builder,
) (any, func() error, error) {
	env := deploy.EnvOf(d, deploy.Lambda, getenv)
	if err := env.LoadSecrets(ctx, secrets); err != nil {
		return nil, nil, err
	}
	if err := env.Check(); err != nil {
		return nil, nil, err
	}
	deps, res, err := Open(ctx, env, log, reg)
	if err != nil {
		return nil, nil, err
	}
	c, err := build(ctx, deps)
	if err != nil {
		return nil, nil, errors.Join(err, res.Close())
	}
	closeAll := func() error { return errors.Join(c.Close(), res.Close()) }
	fail := func(err error) (any, func() error, error) { return nil, nil, errors.Join(err, closeAll()) }
	switch {
	case d.Kind == deploy.Schedule && c.Job != nil:
		return func(ctx context.Context, ev lambdaevents.EventBridgeEvent) (any, error) {
			log.InfoContext(ctx, d.Name+" invoked", "event_id", ev.ID, "time", ev.Time)
			out, err := c.Job(ctx)
			if err := reg.Flush(); err != nil {
				log.WarnContext(ctx, "metrics not written", "err", err)
			}
			return out, err
		}, closeAll, nil
	case d.Kind == deploy.Worker && c.SQS != nil:
		return c.SQS, closeAll, nil
	case d.Kind == deploy.Worker && c.Handler != nil:
		conc, err := bus.ParseConcurrency(env.Get("WORKER_CONCURRENCY"))
		if err != nil {
			return fail(err)
		}
		dl := env.Get("DEADLETTER_URL")
		if err := bus.CheckURLs(ctx, dl); err != nil {
			return fail(err)
		}
		sink, closeSink, err := bus.OpenDeadLetterSink(ctx, dl)
		if err != nil {
			return fail(err)
		}
		h := &lambdahost.Host{Name: d.ConsumerName(), Handler: c.Handler, DeadLetters: sink, Concurrency: conc, Logger: log, Metrics: reg}
		return h.HandleSQS, func() error { return errors.Join(closeAll(), closeSink()) }, nil
	}
	return fail(fmt.Errorf("%s: its component has nothing a %s Lambda runs", d.Name, d.Kind))
}
