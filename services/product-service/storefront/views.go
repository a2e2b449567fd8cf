package storefront

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/product-service/clicks"
)

// viewWriteTimeout bounds the store write of one page view.
const viewWriteTimeout = 3 * time.Second

// viewRequest is the body of POST /api/views, sent by the shop pages' script
// once the page is shown (cached pages cannot count themselves).
type viewRequest struct {
	Handle  string `json:"handle"`
	VideoID string `json:"videoId"`
}

// recordView counts a view of a shop page or a "shop this video" page with
// the rules of clicks: bots and prefetches are not counted, one visitor +
// page counts once per window, and each client has a counting budget. The
// answer is 204 whether or not the view counted, so a page cannot tell.
func (s *Server) recordView(c *gin.Context) {
	var req viewRequest
	if err := web.BindJSON(c, &req); err != nil {
		web.WriteError(c, err)
		return
	}
	v := catalog.View{Seller: req.Handle, Page: req.VideoID, At: s.now().UTC()}
	if err := catalog.ValidateHandle("handle", v.Seller); err != nil {
		web.WriteError(c, err)
		return
	}
	if v.Page != "" {
		if err := catalog.ValidateVideoID("videoId", v.Page); err != nil {
			web.WriteError(c, err)
			return
		}
	}
	c.Header("Cache-Control", "no-store")
	d, ok := s.countable(c, "v:"+v.Seller+"/"+v.Page)
	if !ok {
		c.Status(http.StatusNoContent)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), viewWriteTimeout)
	defer cancel()
	if d.Claim(ctx) != clicks.Count { // another replica counted it
		c.Status(http.StatusNoContent)
		return
	}
	if _, err := s.seller(ctx, v.Seller); err != nil {
		web.WriteError(c, err)
		return
	}
	if err := s.store.RecordView(ctx, v); err != nil {
		web.WriteError(c, err)
		return
	}
	s.viewed.Inc()
	c.Status(http.StatusNoContent)
}

// countable is the gate's decision on a request's click or view on target
// and whether it counts as far as this process can tell: a GET or POST from
// a browser (not a bot, not a prefetch) that the gate lets through
// (clicks.Gate: de-duplicated per visitor, rate-limited per client). A
// counted decision is claimed across replicas before it is recorded.
func (s *Server) countable(c *gin.Context, target string) (clicks.Decision, bool) {
	ua := c.GetHeader("User-Agent")
	if clicks.IsBot(ua) || clicks.IsPrefetch(c.Request.Header) {
		return clicks.Decision{}, false
	}
	d := s.gate.Check(c.Request.Context(), c.ClientIP(), ua, target)
	if d.Verdict == clicks.Limited {
		s.limited.Inc()
	}
	return d, d.Verdict == clicks.Count
}
