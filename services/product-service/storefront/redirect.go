package storefront

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/product-service/clicks"
)

// redirect sends a shopper to a published product's stored buy link (with
// UTM parameters, see clicks.WithUTM) and queues the click. The target never
// comes from the request. HEAD requests, prefetches and bots are redirected
// but not counted.
func (s *Server) redirect(c *gin.Context) {
	id := c.Param("productId")
	if len(id) > 64 {
		web.WriteError(c, catalog.NotFound("product", truncateRunes(id, 64)))
		return
	}
	p, err := s.store.GetProduct(c.Request.Context(), id)
	if err == nil && p.Status != catalog.ProductPublished {
		err = catalog.NotFound("product", id)
	}
	if err == nil && p.BuyURL == "" {
		err = catalog.Errorf(catalog.CodeNotFound, "product %q has no buy link", id)
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	target, err := clicks.WithUTM(p.BuyURL, p.Seller)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Robots-Tag", "noindex, nofollow")
	if c.Request.Method == http.MethodGet && !clicks.IsBot(c.GetHeader("User-Agent")) && !clicks.IsPrefetch(c.Request.Header) {
		s.counted.Inc()
		s.clicks.Record(catalog.Click{
			ProductID: p.ID, Seller: p.Seller, At: s.now().UTC(), ReferrerHost: clicks.ReferrerHost(c.GetHeader("Referer")),
		})
	}
	c.Redirect(http.StatusFound, target)
}
