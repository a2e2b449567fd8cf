// Command product-service serves buylink's storefront: shop pages, the public
// and seller JSON APIs, the click redirect, the dashboard and media (package
// storefront), and, when SUBSCRIPTION_URL is set, runs the product projector
// on that subscription (package projector).
//
// Configuration (environment):
//
//	ADDR                 listen address (default :3002)
//	PUBLIC_URL           address shoppers use (default http://localhost:3002)
//	CATALOG_SQLITE_PATH  SQLite catalog file (default .buylink/catalog.db)
//	MEDIA_BUCKET_URL     media bucket (default file://<abs .buylink/media>)
//	LOGIN_URL            where the dashboard sends signed-out browsers (default /login)
//	SUBSCRIPTION_URL     projector subscription; the projector does not run when empty
//	DEADLETTER_URL       dead-letter box bucket for the projector (empty: the queue's own DLQ)
//	WORKER_CONCURRENCY   projector concurrency (default 4)
//	LOG_FORMAT, LOG_LEVEL
//
// Seller sign-in: until a token verifier is configured here, every seller
// request is refused with 401 (the JWT verifier lives in pkg/auth).
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
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/obs"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/product-service/projector"
	"github.com/buylink/buylink/services/product-service/storefront"
)

func main() {
	log := obs.Setup("product-service")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log); err != nil {
		fmt.Fprintln(os.Stderr, "product-service:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// noVerifier refuses every token: seller sign-in is not configured.
type noVerifier struct{}

func (noVerifier) Verify(context.Context, string) (auth.Identity, error) {
	return auth.Identity{}, catalog.Errorf(catalog.CodeUnauthorized, "seller sign-in is not configured on this server")
}

func run(ctx context.Context, log *slog.Logger) error {
	mediaDir, err := filepath.Abs(".buylink/media")
	if err != nil {
		return err
	}
	addr := env("ADDR", ":3002")
	publicURL := env("PUBLIC_URL", "http://localhost:3002")
	store, err := sqlite.Open(ctx, env("CATALOG_SQLITE_PATH", ".buylink/catalog.db"))
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	mediaStore, err := media.Open(ctx, env("MEDIA_BUCKET_URL", "file://"+mediaDir+"?create_dir=1&no_tmp_dir=1"), publicURL+"/media")
	if err != nil {
		return err
	}
	defer func() { _ = mediaStore.Close() }()

	log.Warn("seller sign-in is not configured: seller endpoints answer 401")
	srv, err := storefront.New(storefront.Config{
		Store: store, Media: mediaStore, Verifier: noVerifier{}, PublicURL: publicURL,
		LoginURL: env("LOGIN_URL", "/login"), Logger: log,
	})
	if err != nil {
		return err
	}
	router := web.New(web.Options{Logger: log})
	web.Health(router, map[string]web.Check{"store": store.Ping})
	router.GET("/media/*key", gin.WrapH(media.Handler(mediaStore, "/media/")))
	router.HEAD("/media/*key", gin.WrapH(media.Handler(mediaStore, "/media/")))
	srv.Register(router)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set ADDR)", addr, err)
	}
	log.Info("product-service listening", "addr", ln.Addr().String(), "public_url", publicURL)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Go(func() { errc <- web.Serve(runCtx, ln, router) })
	if subURL := os.Getenv("SUBSCRIPTION_URL"); subURL != "" {
		w, closeWorker, err := projectorWorker(ctx, subURL, projector.New(store, projector.Options{
			Logger: log, OnChange: func(string) { srv.Invalidate() },
		}), log)
		if err != nil {
			cancel()
			wg.Wait()
			return err
		}
		defer closeWorker()
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
