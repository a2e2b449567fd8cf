// Command product-service serves buylink's storefront: shop pages, the public
// and seller JSON APIs, the click redirect, the dashboard and media (package
// storefront), and, when SUBSCRIPTION_URL is set, runs the product projector
// on that subscription (package projector).
//
// Configuration (environment):
//
//	ADDR                   listen address (default :3002)
//	PUBLIC_URL             address shoppers use (default http://localhost:3002)
//	DATA_DIR               data directory (default .buylink)
//	STORE_URL              the catalog (package storeurl; default DATA_DIR/catalog.db)
//	MEDIA_BUCKET_URL       media bucket (default file://<abs DATA_DIR>/media)
//	LOGIN_URL              where the dashboard sends signed-out browsers (default /login)
//	AUTH_HOSTED_UI_URL     Cognito's hosted UI (https://<prefix>.auth.<region>.amazoncognito.com):
//	                       serves /login and /auth/callback (authorization-code flow,
//	                       callback PUBLIC_URL/auth/callback) for AUTH_CLIENT_IDS' first client
//	TRUSTED_PROXIES        CIDRs of the load balancer whose X-Forwarded-For is believed
//	AUTH_ISSUER            a Cognito user pool's issuer whose tokens sellers use,
//	                       with AUTH_CLIENT_IDS (comma-separated) and AUTH_JWKS_URL
//	                       (default AUTH_ISSUER/.well-known/jwks.json)
//	LOCAL_ISSUER_URL       a buylink local issuer (ingestion-api's) whose tokens
//	                       sellers use, JWKS at LOCAL_ISSUER_JWKS_URL (default
//	                       LOCAL_ISSUER_URL/.well-known/jwks.json)
//	SUBSCRIPTION_URL       projector subscription; the projector does not run when empty
//	DEADLETTER_URL         dead-letter box for the projector (empty: the queue's own DLQ)
//	WORKER_CONCURRENCY     projector concurrency (default 4)
//	LOG_FORMAT, LOG_LEVEL  see package obs
//
// Without any issuer the storefront runs and every seller request answers 401.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/storeurl"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/obs"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/product-service/projector"
	"github.com/buylink/buylink/services/product-service/storefront"
)

func main() {
	log := obs.Setup("product-service")
	// Clicks and the projector's handler metrics, as EMF on ECS.
	stopMetrics, err := metrics.Setup("product-service")
	if err != nil {
		fmt.Fprintln(os.Stderr, "product-service:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, log, nil)
	stop()
	stopMetrics()
	if err != nil {
		fmt.Fprintln(os.Stderr, "product-service:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// noIssuer refuses every token: no issuer is configured.
type noIssuer struct{}

func (noIssuer) Verify(context.Context, string) (auth.Identity, error) {
	return auth.Identity{}, catalog.Errorf(catalog.CodeUnauthorized, "seller sign-in is not configured on this server")
}

// verifier trusts the issuers the environment names.
func verifier(ctx context.Context, log *slog.Logger) (auth.Verifier, func(), error) {
	var trusted []auth.TrustedIssuer
	if iss := env("AUTH_ISSUER", ""); iss != "" {
		ids := splitList(env("AUTH_CLIENT_IDS", ""))
		if len(ids) == 0 {
			return nil, nil, errors.New("AUTH_ISSUER needs AUTH_CLIENT_IDS, the app client ids whose tokens are accepted")
		}
		trusted = append(trusted, auth.TrustedIssuer{Issuer: iss, JWKSURL: env("AUTH_JWKS_URL", ""), ClientIDs: ids})
	}
	if iss := env("LOCAL_ISSUER_URL", ""); iss != "" {
		trusted = append(trusted, auth.TrustedIssuer{Issuer: iss, JWKSURL: env("LOCAL_ISSUER_JWKS_URL", ""), ClientIDs: []string{auth.DefaultLocalClientID}})
	}
	if len(trusted) == 0 {
		log.Warn("no token issuer (AUTH_ISSUER, LOCAL_ISSUER_URL): seller endpoints answer 401")
		return noIssuer{}, func() {}, nil
	}
	v, err := auth.NewJWTVerifier(ctx, auth.JWTConfig{Issuers: trusted, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return v, v.Close, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// run serves until ctx ends; ready, when set, gets the bound address.
func run(ctx context.Context, log *slog.Logger, ready func(addr string)) error {
	dataDir, err := filepath.Abs(env("DATA_DIR", ".buylink"))
	if err != nil {
		return err
	}
	addr := env("ADDR", ":3002")
	publicURL := env("PUBLIC_URL", "http://localhost:3002")
	store, err := storeurl.Open(ctx, env("STORE_URL", filepath.Join(dataDir, "catalog.db")))
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	mediaStore, err := media.Open(ctx, env("MEDIA_BUCKET_URL", "file://"+filepath.Join(dataDir, "media")+"?create_dir=1&no_tmp_dir=1"), publicURL+"/media")
	if err != nil {
		return err
	}
	defer func() { _ = mediaStore.Close() }()
	v, closeVerifier, err := verifier(ctx, log)
	if err != nil {
		return err
	}
	defer closeVerifier()
	var ui *auth.HostedUI
	if hosted := env("AUTH_HOSTED_UI_URL", ""); hosted != "" {
		ids := splitList(env("AUTH_CLIENT_IDS", ""))
		if len(ids) == 0 {
			return errors.New("AUTH_HOSTED_UI_URL needs AUTH_CLIENT_IDS, the app client the hosted UI signs in for")
		}
		ui = &auth.HostedUI{BaseURL: hosted, ClientID: ids[0], RedirectURL: publicURL + auth.PathCallback, Verifier: v}
	}
	cfg := storefront.Config{Store: store, Media: mediaStore, Verifier: v, PublicURL: publicURL, LoginURL: env("LOGIN_URL", "/login"), Logger: log}
	if ui != nil {
		cfg.Renewer = ui
	}
	srv, err := storefront.New(cfg)
	if err != nil {
		return err
	}
	router := web.New(web.Options{Logger: log, TrustedProxies: splitList(env("TRUSTED_PROXIES", ""))})
	web.Health(router, map[string]web.Check{"store": store.Ping})
	if ui != nil {
		ui.Register(router)
	}
	router.GET("/media/*key", gin.WrapH(media.Handler(mediaStore, "/media/")))
	router.HEAD("/media/*key", gin.WrapH(media.Handler(mediaStore, "/media/")))
	srv.Register(router)

	var worker *bus.Worker
	if subURL := env("SUBSCRIPTION_URL", ""); subURL != "" {
		w, closeWorker, err := projectorWorker(ctx, subURL, projector.New(store, projector.Options{
			Logger: log, OnChange: func(string) { srv.Invalidate() },
		}), log)
		if err != nil {
			return err
		}
		defer closeWorker()
		worker = w
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set ADDR)", addr, err)
	}
	log.Info("product-service listening", "addr", ln.Addr().String(), "public_url", publicURL, "projector", worker != nil)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Go(func() { errc <- web.Serve(runCtx, ln, router) })
	if worker != nil {
		wg.Go(func() { errc <- worker.Run(runCtx) })
	}
	if ready != nil {
		ready(ln.Addr().String())
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
	drain, cancelDrain := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelDrain()
	return errors.Join(firstErr, srv.Close(drain))
}

// projectorWorker hosts the projector on the subscription.
func projectorWorker(ctx context.Context, subURL string, p *projector.Projector, log *slog.Logger) (*bus.Worker, func(), error) {
	sub, err := pubsub.OpenSubscription(ctx, subURL)
	if err != nil {
		return nil, nil, fmt.Errorf("open subscription %s: %w", subURL, err)
	}
	w := &bus.Worker{Name: "product-projector", Sub: sub, Handler: p.Handle, Logger: log}
	closers := []func(){func() { _ = sub.Shutdown(context.Background()) }}
	if n := os.Getenv("WORKER_CONCURRENCY"); n != "" {
		c, err := strconv.Atoi(n)
		if err != nil || c < 1 || c > 256 {
			return nil, nil, fmt.Errorf("WORKER_CONCURRENCY must be an integer in 1..256 (got %q)", n)
		}
		w.Concurrency = c
	}
	if dl := os.Getenv("DEADLETTER_URL"); dl != "" {
		box, err := bus.OpenDeadLetterBox(ctx, dl)
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, func() { _ = box.Close() })
		w.DeadLetters = box
	} else {
		w.DeadLetters, w.MaxAttempts = queueDLQ{}, -1
	}
	return w, func() {
		for _, c := range closers {
			c()
		}
	}, nil
}

// queueDLQ leaves poison messages unacknowledged so the queue's redrive
// policy moves them to its dead-letter queue.
type queueDLQ struct{}

func (queueDLQ) DeadLetter(_ context.Context, dl bus.DeadLetter) error {
	return fmt.Errorf("no dead-letter box configured; leaving %s for the queue's redrive policy", dl.EventID)
}
