// Package host runs a service's one component on each of its hosts. Every
// service exposes one Builder: from Deps (its environment, the store, the
// topics, the media bucket its declaration in pkg/deploy asks for) it makes
// a Component holding what it serves: HTTP routes, an event handler, a
// scheduled job. The hosts put that to work:
//
//   - Main, in an ECS binary: an HTTP server (and its projector's long-poll
//     worker), or a long-poll worker on SUBSCRIPTION_URL;
//   - Lambda, in a Lambda binary: an SQS-fed function (partial batch
//     failures) or a scheduled one;
//   - devstack builds every component with embedded dependencies.
//
// So a main is a few lines:
//
//	func main() { host.Lambda(deploy.CaptionParser, captionparser.Component) }
//
// and its environment is only what pkg/deploy declares for it (deploy.Env).
package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/storeurl"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/web"
)

// Deps are what a host hands a component's Builder.
type Deps struct {
	// Env is the deployable's declared environment.
	Env deploy.Env
	Log *slog.Logger
	// Metrics is the registry the component records into.
	Metrics *metrics.Registry
	// Store is set when the deployable reads STORE_URL (and it is set, or
	// has its DATA_DIR default), Publisher when it
	// reads TOPIC_URL_TEMPLATE, Media when it reads MEDIA_BUCKET_URL.
	Store     catalog.Store
	Publisher bus.Publisher
	Media     *media.Store
	// PublicURL is the address browsers use (HTTP services).
	PublicURL string
	// DataDir is the absolute data directory of the embedded defaults
	// (caches, keys); empty on Lambda.
	DataDir string
	// ListenAddr is the HTTP server's bound address, so a service can reach
	// itself (its own JWKS); empty elsewhere.
	ListenAddr string
	// Devstack marks the one-process platform of `make dev`: loopback
	// downloads and the password-less dev login are allowed there, and
	// nowhere else.
	Devstack bool
}

// Component is one service as every host runs it.
type Component struct {
	// Routes puts the HTTP routes on a router (HTTP services).
	Routes func(r gin.IRouter) error
	// Checks are readiness checks (/readyz) besides the store's.
	Checks map[string]web.Check
	// Handler handles the events the deployable consumes.
	Handler bus.Handler
	// SQS handles whole SQS batches of queues that carry no events of its
	// own (the dead-letter consumer reads other queues' DLQs).
	SQS func(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error)
	// Job is one run of a scheduled deployable; its result is the
	// invocation's answer.
	Job func(ctx context.Context) (any, error)
	// Notes say which optional features are off and how to turn them on
	// (devstack prints them).
	Notes []string

	closers []func() error
}

// OnClose adds a function Close calls, last added first.
func (c *Component) OnClose(f func() error) { c.closers = append(c.closers, f) }

// Close releases what the component opened.
func (c *Component) Close() error {
	var errs []error
	for i := len(c.closers) - 1; i >= 0; i-- {
		errs = append(errs, c.closers[i]())
	}
	c.closers = nil
	return errors.Join(errs...)
}

// Builder makes a service's component.
type Builder func(ctx context.Context, d Deps) (*Component, error)

// Resources are what Open opened, closed by Close.
type Resources struct {
	closers []func() error
}

// Close closes everything, last opened first.
func (r *Resources) Close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i]())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// Open opens what the deployable's environment names: the store
// (STORE_URL), the topics (TOPIC_URL_TEMPLATE) and the media bucket
// (MEDIA_BUCKET_URL), with the embedded defaults under DATA_DIR for HTTP
// services run alone. AWS URLs are checked for credentials first.
func Open(ctx context.Context, env deploy.Env, log *slog.Logger, reg *metrics.Registry) (Deps, *Resources, error) {
	d := env.Deployable()
	res := &Resources{}
	deps := Deps{Env: env, Log: log, Metrics: reg}
	has := func(name string) bool { _, ok := d.Var(env.Runtime(), name); return ok }
	fail := func(err error) (Deps, *Resources, error) {
		_ = res.Close()
		return Deps{}, nil, err
	}
	if has("DATA_DIR") {
		dir, err := filepath.Abs(env.Or("DATA_DIR", ".buylink"))
		if err != nil {
			return fail(err)
		}
		deps.DataDir = dir
	}
	if has("PUBLIC_URL") {
		deps.PublicURL = strings.TrimSuffix(env.Or("PUBLIC_URL", "http://localhost"+d.LocalAddr), "/")
		if u, err := url.Parse(deps.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fail(fmt.Errorf("PUBLIC_URL must be an absolute http(s) URL such as https://shop.example.com (got %q)", deps.PublicURL))
		}
	}
	if has("STORE_URL") && (env.Get("STORE_URL") != "" || deps.DataDir != "") {
		// An optional store left unset (a rules-only worker) stays nil.
		u := env.Get("STORE_URL")
		if u == "" {
			u = filepath.Join(deps.DataDir, "catalog.db")
		}
		if err := bus.CheckURLs(ctx, u); err != nil {
			return fail(fmt.Errorf("STORE_URL: %w", err))
		}
		st, err := storeurl.Open(ctx, u)
		if err != nil {
			return fail(fmt.Errorf("STORE_URL: %w", err))
		}
		res.closers = append(res.closers, st.Close)
		deps.Store = st
	}
	if has("TOPIC_URL_TEMPLATE") {
		tmpl := env.Get("TOPIC_URL_TEMPLATE")
		if tmpl == "" && d.Kind == deploy.HTTP {
			tmpl = "mem://{type}"
			log.Warn("TOPIC_URL_TEMPLATE is not set: events stay in this process (mem://)")
		}
		if err := bus.CheckURLs(ctx, tmpl); err != nil {
			return fail(fmt.Errorf("TOPIC_URL_TEMPLATE: %w", err))
		}
		topics, err := bus.NewTopics(tmpl)
		if err != nil {
			return fail(fmt.Errorf("TOPIC_URL_TEMPLATE: %w", err))
		}
		res.closers = append(res.closers, func() error { return topics.Close(context.Background()) })
		if err := topics.Open(ctx, d.Produces...); err != nil {
			return fail(err)
		}
		deps.Publisher = topics
	}
	if has("MEDIA_BUCKET_URL") {
		u := env.Get("MEDIA_BUCKET_URL")
		if u == "" && deps.DataDir != "" {
			u = "file://" + filepath.ToSlash(filepath.Join(deps.DataDir, "media")) + "?create_dir=1&no_tmp_dir=1"
		}
		if u == "" {
			return fail(errors.New("MEDIA_BUCKET_URL is required (where media is stored: file:// or s3://)"))
		}
		base := ""
		if deps.PublicURL != "" {
			base = deps.PublicURL + "/media"
		}
		m, err := media.Open(ctx, u, base)
		if err != nil {
			return fail(fmt.Errorf("MEDIA_BUCKET_URL: %w", err))
		}
		res.closers = append(res.closers, m.Close)
		deps.Media = m
	}
	return deps, res, nil
}

// SplitList splits a comma-separated setting (AUTH_CLIENT_IDS, ...).
func SplitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Loopback is the address by which a process reaches its own listener
// bound to addr (an unspecified host becomes 127.0.0.1).
func Loopback(addr string) string {
	h, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(h); ip == nil || ip.IsUnspecified() {
		h = "127.0.0.1"
	}
	return net.JoinHostPort(h, port)
}
