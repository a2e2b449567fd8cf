package devstack

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
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
	if err := seedDemoSeller(ctx, st); err != nil {
		return nil, err
	}
	if err := wireIngestion(ctx, st, router, w); err != nil {
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
