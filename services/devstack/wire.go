package devstack

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/services/product-service/projector"
	"github.com/buylink/buylink/services/product-service/storefront"
)

// DemoSeller is the handle of the seller devstack seeds.
const DemoSeller = "demo"

// wiring is what the services add to the stack.
type wiring struct {
	workers []worker
	links   []link
	notes   []string
	// closers run after the HTTP server and the workers stopped, before the
	// stores close (draining buffers that write to them).
	closers []func(context.Context) error
}

type link struct{ what, path string }

// wire plugs every service into the stack: routes on router, workers, seeds.
func wire(ctx context.Context, st *Stack, router *gin.Engine) (*wiring, error) {
	w := &wiring{}
	router.GET("/media/*key", gin.WrapH(media.Handler(st.Media, "/media/")))
	w.links = append(w.links, link{"health", "/healthz"}, link{"readiness", "/readyz"}, link{"media", "/media/"})
	if err := seedDemoSeller(ctx, st); err != nil {
		return nil, err
	}
	if err := wireProductService(st, router, w, pendingLogin{}); err != nil {
		return nil, err
	}
	router.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/healthz") })
	return w, nil
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
// projector's writes invalidate the storefront's page cache at once.
func wireProductService(st *Stack, router *gin.Engine, w *wiring, verifier auth.Verifier) error {
	srv, err := storefront.New(storefront.Config{
		Store: st.Store, Media: st.Media, Verifier: verifier, PublicURL: st.Config.PublicURL, Logger: st.Log,
	})
	if err != nil {
		return err
	}
	srv.Register(router)
	proj := projector.New(st.Store, projector.Options{Logger: st.Log, OnChange: func(string) { srv.Invalidate() }})
	for _, eventType := range projector.EventTypes {
		w.workers = append(w.workers, worker{name: "product-projector-" + strings.ReplaceAll(eventType, ".", "-"), eventType: eventType, handler: proj.Handle})
	}
	w.closers = append(w.closers, srv.Close)
	w.links = append(w.links,
		link{"shop", "/s/" + DemoSeller}, link{"shop API", "/api/shops/" + DemoSeller},
		link{"seller dashboard", "/dashboard"}, link{"OpenAPI", "/openapi.json"})
	return nil
}

// pendingLogin stands in for devstack's token verifier until the local
// issuer is wired: it refuses every token, so seller endpoints answer 401
// and the dashboard sends browsers to the login page.
type pendingLogin struct{}

func (pendingLogin) Verify(context.Context, string) (auth.Identity, error) {
	return auth.Identity{}, catalog.Errorf(catalog.CodeUnauthorized, "sign-in is not available in devstack yet")
}
