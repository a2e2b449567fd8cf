package storefront

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/product-service/clicks"
)

// redirect sends a shopper to a published product's stored buy link, or a
// live plain link's address (with UTM parameters, see clicks.WithUTM), and
// queues the click. The target never comes from the request. HEAD requests,
// prefetches, bots, repeats within the de-duplication window and clicks past
// the client's counting budget are redirected but not counted (countable).
func (s *Server) redirect(c *gin.Context) {
	id := c.Param("productId")
	if len(id) > 64 {
		web.WriteError(c, catalog.NotFound("product", truncateRunes(id, 64)))
		return
	}
	seller, dest, err := s.clickTarget(c.Request.Context(), id)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	target, err := clicks.WithUTM(dest, seller)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Robots-Tag", "noindex, nofollow")
	if c.Request.Method == http.MethodGet {
		if d, ok := s.countable(c, "p:"+id); ok {
			s.clicks.Record(catalog.Click{
				ProductID: id, Seller: seller, At: s.now().UTC(), ReferrerHost: clicks.ReferrerHost(c.GetHeader("Referer")),
			}, d)
		}
	}
	c.Redirect(http.StatusFound, target)
}

// clickTarget is the seller and address behind a click id: a published
// product with a buy link, or a link live now.
func (s *Server) clickTarget(ctx context.Context, id string) (seller, dest string, err error) {
	if catalog.IsLinkID(id) {
		l, err := s.store.GetLink(ctx, id)
		if err == nil && !l.LiveAt(s.now()) {
			err = catalog.NotFound("link", id)
		}
		return l.Seller, l.URL, err
	}
	p, err := s.store.GetProduct(ctx, id)
	if err == nil && p.Status != catalog.ProductPublished {
		err = catalog.NotFound("product", id)
	}
	if err == nil && p.BuyURL == "" {
		err = catalog.Errorf(catalog.CodeNotFound, "product %q has no buy link", id)
	}
	return p.Seller, p.BuyURL, err
}
