package devstack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/metrics/llmmetrics"
	"github.com/buylink/buylink/pkg/safefetch"
	autotagger "github.com/buylink/buylink/services/auto-tagger"
	"github.com/buylink/buylink/services/caption-parser/captionparser"
	"github.com/buylink/buylink/services/product-service/projector"
	"github.com/buylink/buylink/services/product-service/storefront"
	"github.com/buylink/buylink/services/thumbnail-generator/thumbgen"
)

// DemoSeller is the handle of the seller devstack seeds.
const DemoSeller = "demo"

// wiring is what the services add to the stack.
type wiring struct {
	workers []worker
	// tasks run in the background until the stack stops.
	tasks []task
	links []link
	notes []string
}

// task is a background job of a service; run returns when ctx ends.
type task struct {
	name string
	run  func(ctx context.Context) error
}

type link struct{ what, path string }

// wire plugs every service into the stack: routes on router, workers, seeds.
func wire(ctx context.Context, st *Stack, router *gin.Engine) (*wiring, error) {
	w := &wiring{}
	router.GET("/media/*key", gin.WrapH(media.Handler(st.Media, "/media/")))
	w.links = append(w.links, link{"health", "/healthz"}, link{"readiness", "/readyz"}, link{"media", "/media/"})
	if err := wireCaptionParser(st, w); err != nil {
		return nil, err
	}
	if err := wireThumbnails(ctx, st, w); err != nil {
		return nil, err
	}
	if err := wireAutoTagger(ctx, st, w); err != nil {
		return nil, err
	}
	if err := seedDemoSeller(ctx, st); err != nil {
		return nil, err
	}
	verifier, renewer, err := wireIngestion(ctx, st, router, w)
	if err != nil {
		return nil, err
	}
	if err := wireProductService(st, router, w, verifier, renewer); err != nil {
		return nil, err
	}
	wireAdmin(st, router, w)
	router.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/healthz") })
	return w, nil
}

// wireCaptionParser runs the caption parser on video.posted: by rules, or by
// LLM when OPENROUTER_API_KEY is set (answers cached under the data dir).
func wireCaptionParser(st *Stack, w *wiring) error {
	cfg, err := captionparser.ConfigFromEnv()
	if err != nil {
		return fmt.Errorf("devstack: caption-parser: %w", err)
	}
	cfg.Logger = st.Log
	if cfg.CacheURL == "" {
		cfg.CacheURL = "file://" + filepath.Join(st.DataDir, "llm-cache") + "?create_dir=1&no_tmp_dir=1"
	}
	p, err := captionparser.New(cfg, st.Topics)
	if err != nil {
		return fmt.Errorf("devstack: caption-parser: %w", err)
	}
	st.closers = append(st.closers, p.Close)
	llmmetrics.Register(st.Metrics, captionparser.Name, func() llm.CounterSnapshot { return p.Stats().LLM })
	w.workers = append(w.workers, worker{captionparser.Name, events.TypeVideoPosted, p.Handle})
	if cfg.LLM.APIKey == "" {
		w.notes = append(w.notes, "captions parsed by rules (set OPENROUTER_API_KEY for the LLM parser)")
	}
	return nil
}

// wireAutoTagger runs the auto-tagger on caption.parsed: by taxonomy rules,
// or by LLM when OPENROUTER_API_KEY is set.
func wireAutoTagger(ctx context.Context, st *Stack, w *wiring) error {
	cfg, closeCache, err := autotagger.ConfigFromEnv(ctx, st.Log)
	if err != nil {
		return fmt.Errorf("devstack: auto-tagger: %w", err)
	}
	st.closers = append(st.closers, closeCache)
	svc, err := autotagger.New(cfg, st.Topics)
	if err != nil {
		return fmt.Errorf("devstack: auto-tagger: %w", err)
	}
	w.workers = append(w.workers, worker{autotagger.Name, events.TypeCaptionParsed, svc.Handle})
	return nil
}

// wireThumbnails runs the thumbnail generator on video.posted. Devstack
// serves the media it fetches itself, so loopback downloads are allowed here
// (and only here).
func wireThumbnails(ctx context.Context, st *Stack, w *wiring) error {
	g, err := thumbgen.New(ctx, thumbgen.Config{
		Media: st.Media, Publisher: st.Topics, ModelPath: os.Getenv("YOLO_MODEL_PATH"),
		Fetch: safefetch.Options{AllowLoopback: true}, Logger: st.Log, Metrics: st.Metrics,
	})
	if err != nil {
		return fmt.Errorf("devstack: thumbnail-generator: %w", err)
	}
	w.workers = append(w.workers, worker{"thumbnail-generator", events.TypeVideoPosted, g.Handle})
	if os.Getenv("YOLO_MODEL_PATH") == "" {
		w.notes = append(w.notes, "thumbnails scored on sharpness and exposure (set YOLO_MODEL_PATH for product detection)")
	}
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

// wireProductService mounts product-service: the storefront's routes (shop
// pages, public and seller APIs, click redirect, dashboard, OpenAPI) on the
// shared router, and its projector as a worker on each result event. The
// projector's writes invalidate the storefront's page cache at once; the
// click recorder drains when the stack stops, before the store closes.
func wireProductService(st *Stack, router *gin.Engine, w *wiring, verifier auth.Verifier, renewer auth.Renewer) error {
	srv, err := storefront.New(storefront.Config{
		Store: st.Store, Media: st.Media, Verifier: verifier, Renewer: renewer, PublicURL: st.Config.PublicURL, Logger: st.Log, Metrics: st.Metrics,
	})
	if err != nil {
		return err
	}
	srv.Register(router)
	proj := projector.New(st.Store, projector.Options{Logger: st.Log, OnChange: func(string) { srv.Invalidate() }})
	for _, eventType := range projector.EventTypes {
		w.workers = append(w.workers, worker{"product-projector-" + strings.ReplaceAll(eventType, ".", "-"), eventType, proj.Handle})
	}
	st.closers = append(st.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return srv.Close(ctx)
	})
	w.links = append(w.links,
		link{"shop", "/s/" + DemoSeller}, link{"shop API", "/api/shops/" + DemoSeller},
		link{"seller dashboard (bearer token or buylink_token cookie)", "/dashboard"}, link{"OpenAPI", "/openapi.json"})
	return nil
}
