package devstack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/tiktok"
	autotagger "github.com/buylink/buylink/services/auto-tagger"
	"github.com/buylink/buylink/services/caption-parser/captionparser"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
	"github.com/buylink/buylink/services/product-service/productservice"
	"github.com/buylink/buylink/services/thumbnail-generator/thumbgen"
)

// DemoSeller is the handle of the seller devstack seeds.
const DemoSeller = "demo"

// components are the services' builders (pkg/host), by deployable. Every
// deployable pkg/deploy declares is here or in localRunners.
var components = map[string]host.Builder{
	deploy.IngestionAPI:       ingestion.Component,
	deploy.CaptionParser:      captionparser.Component,
	deploy.ThumbnailGenerator: thumbgen.Component,
	deploy.AutoTagger:         autotagger.Component,
	deploy.ProductService:     productservice.Component,
}

// localRunners stand in for the scheduled Lambdas and the dead-letter
// consumer, which are AWS plumbing: locally the sweeper runs on an interval,
// scheduled ingestion when APIFY_TOKEN is set, and the dead-letter box
// marks videos failed itself (Stack.DeadLetters).
var localRunners = map[string]func(ctx context.Context, st *Stack, w *wiring) error{
	deploy.ScheduledIngestion: wireScheduledIngestion,
	deploy.Sweeper:            wireSweeper,
	deploy.DeadLetters:        func(context.Context, *Stack, *wiring) error { return nil },
}

// wiring is what the deployables add to the stack.
type wiring struct {
	workers []worker
	// tasks run in the background until the stack stops.
	tasks []task
	links []link
	notes []string
}

// task is a background job; run returns when ctx ends.
type task struct {
	name string
	run  func(ctx context.Context) error
}

type link struct{ what, path string }

// wire plugs every deployable pkg/deploy declares into the stack: each
// service's component (routes on router, a worker per event it consumes),
// then the local stand-ins of the AWS-only ones.
func wire(ctx context.Context, st *Stack, router *gin.Engine) (*wiring, error) {
	w := &wiring{}
	w.links = append(w.links, link{"health", "/healthz"}, link{"readiness", "/readyz"}, link{"media", "/media/"})
	if err := seedDemoSeller(ctx, st); err != nil {
		return nil, err
	}
	for _, d := range deploy.All {
		if run, ok := localRunners[d.Name]; ok {
			if err := run(ctx, st, w); err != nil {
				return nil, fmt.Errorf("devstack: %s: %w", d.Name, err)
			}
			continue
		}
		build, ok := components[d.Name]
		if !ok {
			return nil, fmt.Errorf("devstack: no component for %s (add it to components)", d.Name)
		}
		c, err := build(ctx, st.deps(d))
		if err != nil {
			return nil, fmt.Errorf("devstack: %s: %w", d.Name, err)
		}
		st.closers = append(st.closers, c.Close)
		if c.Routes != nil {
			if err := c.Routes(router); err != nil {
				return nil, fmt.Errorf("devstack: %s: %w", d.Name, err)
			}
		}
		if len(d.Consumes) > 0 {
			if c.Handler == nil {
				return nil, fmt.Errorf("devstack: %s consumes %v but its component has no handler", d.Name, d.Consumes)
			}
			w.workers = append(w.workers, worker{name: d.ConsumerName(), eventTypes: d.Consumes, handler: c.Handler})
		}
		w.notes = append(w.notes, c.Notes...)
	}
	w.links = append(w.links,
		link{"ingestion API (bearer token)", ingestion.PathVideos},
		link{`dev login: POST {"handle":"demo"}`, ingestion.PathDevLogin},
		link{"seller sign-in (browser, no password)", ingestion.PathLoginPage},
		link{"create a shop (browser)", auth.PathSignup},
		link{"local issuer JWKS", ingestion.LocalIssuerPath + "/.well-known/jwks.json"},
		link{"shop", "/s/" + DemoSeller}, link{"shop API", "/api/shops/" + DemoSeller},
		link{"seller dashboard (bearer token or buylink_token cookie)", "/dashboard"}, link{"OpenAPI", "/openapi.json"})
	if st.Config.AdminPasswordHash != "" {
		w.links = append(w.links, link{`admin login: POST {"password":…}`, ingestion.PathAdminLogin})
	}
	wireAdmin(st, router, w)
	return w, nil
}

// deps are what devstack hands a deployable's component: the embedded
// store, topics and media, and its environment, where the variables below
// are devstack's own (its local issuer, its public URL) and every other one
// is the process's (OPENROUTER_API_KEY, YOLO_MODEL_PATH, ...).
func (st *Stack) deps(d deploy.Deployable) host.Deps {
	issuer := st.Config.PublicURL + ingestion.LocalIssuerPath
	own := map[string]string{
		"PUBLIC_URL":            st.Config.PublicURL,
		"LOCAL_ISSUER_URL":      issuer,
		"LOCAL_ISSUER_KEY_FILE": filepath.Join(st.DataDir, "auth", "issuer-key.pem"),
		// The stack serves the JWKS itself: fetch it over loopback.
		"LOCAL_ISSUER_JWKS_URL": "http://" + host.Loopback(st.ListenAddr) + ingestion.LocalIssuerPath + "/.well-known/jwks.json",
		"ADMIN_PASSWORD_HASH":   st.Config.AdminPasswordHash,
		"AUTH_ISSUER":           "", // devstack's sellers sign in locally
		"APIFY_TOKEN":           st.Config.ApifyToken,
		"APIFY_ACTOR":           st.Config.ApifyActor,
		"APIFY_BASE_URL":        st.Config.ApifyBaseURL,
	}
	if st.Config.TikTokOEmbedURL != "" {
		own[tiktok.OEmbedURLEnv] = st.Config.TikTokOEmbedURL
	}
	getenv := func(name string) string {
		if v, ok := own[name]; ok {
			return v
		}
		return os.Getenv(name)
	}
	return host.Deps{
		Env: deploy.LocalEnv(d, getenv), Log: st.Log, Metrics: st.Metrics,
		Store: st.Store, Publisher: st.Topics, Media: st.Media,
		PublicURL: st.Config.PublicURL, DataDir: st.DataDir, ListenAddr: st.ListenAddr, Devstack: true,
	}
}

// wireScheduledIngestion scrapes every seller's new posts through Apify
// every IngestEvery when APIFY_TOKEN is set (not the demo seller, whose
// handle is somebody's real account).
func wireScheduledIngestion(_ context.Context, st *Stack, w *wiring) error {
	if st.Config.ApifyToken == "" {
		w.notes = append(w.notes, "scheduled ingestion off: APIFY_TOKEN is not set")
		return nil
	}
	apify, err := tiktok.NewApifyClient(tiktok.ApifyOptions{Token: st.Config.ApifyToken, Actor: st.Config.ApifyActor,
		BaseURL: st.Config.ApifyBaseURL, Logger: st.Log})
	if err != nil {
		return err
	}
	sched := &ingestion.Scheduler{Sellers: st.Store, Scraper: apify, Logger: st.Log,
		Ingester: &ingestion.Ingester{Videos: st.Store, Publisher: st.Topics, Logger: st.Log},
		Exclude:  []string{DemoSeller}}
	every := st.Config.IngestEvery
	w.tasks = append(w.tasks, task{name: "scheduled ingestion", run: func(ctx context.Context) error { return sched.RunEvery(ctx, every) }})
	w.notes = append(w.notes, fmt.Sprintf("scheduled ingestion: every %s through Apify, at once at start (not for the demo seller)", every))
	return nil
}

// wireSweeper restarts videos stuck for StuckAfter, every SweepEvery.
func wireSweeper(_ context.Context, st *Stack, w *wiring) error {
	s := &bus.Sweeper{Videos: st.Store, Publisher: st.Topics, Interval: st.Config.SweepEvery, StuckAfter: st.Config.StuckAfter, Logger: st.Log}
	w.tasks = append(w.tasks, task{name: "sweeper", run: s.Run})
	w.notes = append(w.notes, fmt.Sprintf("sweeper: every %s, restarts videos stuck for %s", st.Config.SweepEvery, st.Config.StuckAfter))
	return nil
}

// seedDemoSeller creates the demo seller once.
func seedDemoSeller(ctx context.Context, st *Stack) error {
	_, err := st.Store.CreateSeller(ctx, catalog.Seller{
		Handle: DemoSeller, Sub: "local|demo", DisplayName: "buylink demo shop",
		Bio: "Everything from our TikToks, in one place.",
	})
	if catalog.IsCode(err, catalog.CodeConflict) {
		return nil
	}
	return err
}
