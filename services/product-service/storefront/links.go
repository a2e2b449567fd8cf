package storefront

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// SellerLink is a plain link as its seller sees it.
type SellerLink struct {
	catalog.Link
	ImageURL string `json:"imageUrl,omitempty"`
	// ClickURL counts the click and redirects; Live says whether the link
	// shows on the shop now.
	ClickURL string `json:"clickUrl"`
	Live     bool   `json:"live"`
}

// SellerLinkList is the answer of GET /api/seller/links.
type SellerLinkList struct {
	Items []SellerLink `json:"items"`
}

// PublicLink is a live plain link as shoppers see it.
type PublicLink struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	ClickURL string `json:"clickUrl"`
	ImageURL string `json:"imageUrl,omitempty"`
}

// LinkPatch is the body of POST /api/seller/links (title and url required)
// and PATCH /api/seller/links/{id}: startsAt and endsAt are RFC 3339 times
// (null or "" clears them); image null removes the link's image.
type LinkPatch struct {
	Title    Optional[string]   `json:"title"`
	URL      Optional[string]   `json:"url"`
	StartsAt Optional[string]   `json:"startsAt"`
	EndsAt   Optional[string]   `json:"endsAt"`
	Image    Optional[struct{}] `json:"image"`
}

func (pt *LinkPatch) apply(l *catalog.Link, creating bool) error {
	if creating && (!pt.Title.Set || !pt.URL.Set) {
		if !pt.Title.Set {
			return catalog.Invalid("title", "is required")
		}
		return catalog.Invalid("url", "is required")
	}
	changed := false
	if f := pt.Title; f.Set {
		title := strings.TrimSpace(f.Value)
		if title == "" {
			return catalog.Invalid("title", "is required")
		}
		if err := sellerText("title", title, catalog.MaxLinkTitleRunes); err != nil {
			return err
		}
		l.Title, changed = title, true
	}
	if f := pt.URL; f.Set {
		u := strings.TrimSpace(f.Value)
		if u != "" && !hasScheme.MatchString(u) {
			u = "https://" + u
		}
		if err := catalog.ValidatePublicURL("url", u); err != nil {
			return err
		}
		l.URL, changed = u, true
	}
	for _, t := range []struct {
		field string
		f     Optional[string]
		dst   **time.Time
	}{{"startsAt", pt.StartsAt, &l.StartsAt}, {"endsAt", pt.EndsAt, &l.EndsAt}} {
		if !t.f.Set {
			continue
		}
		*t.dst, changed = nil, true
		if v := strings.TrimSpace(t.f.Value); v != "" {
			when, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return catalog.Invalid(t.field, "must be an RFC 3339 time such as 2025-08-01T18:00:00Z (got %q)", truncateRunes(v, 40))
			}
			when = when.UTC()
			*t.dst = &when
		}
	}
	if f := pt.Image; f.Set {
		if !f.Null {
			return catalog.Invalid("image", "can only be removed here (null); upload one with POST /api/seller/links/{id}/image")
		}
		l.Image, changed = nil, true
	}
	if !changed {
		return errEmptyPatch
	}
	if l.StartsAt != nil && l.EndsAt != nil && !l.EndsAt.After(*l.StartsAt) {
		return catalog.Invalid("endsAt", "must be after the start")
	}
	return nil
}

// hasScheme recognises an address that names its scheme ("https:",
// "javascript:"), as opposed to "shop.example.com/x" or "host:8080".
var hasScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:($|[^0-9])`)

func (s *Server) linkView(l catalog.Link) SellerLink {
	out := SellerLink{Link: l, ClickURL: s.clickURL(l.ID), Live: l.LiveAt(s.now())}
	if l.Image != nil {
		out.ImageURL = s.media.URL(l.Image.Key)
	}
	return out
}

// liveLinks are the seller's links showing on the shop now, in order.
func (s *Server) liveLinks(ctx context.Context, seller string) ([]PublicLink, error) {
	all, err := s.store.ListLinks(ctx, seller)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []PublicLink{}
	for _, l := range all {
		if !l.LiveAt(now) {
			continue
		}
		pl := PublicLink{ID: l.ID, Title: l.Title, ClickURL: s.clickURL(l.ID)}
		if l.Image != nil {
			pl.ImageURL = s.media.URL(l.Image.Key)
		}
		out = append(out, pl)
	}
	return out, nil
}

// ownLink reads a link of the seller; another seller's is not found.
func (s *Server) ownLink(ctx context.Context, sl catalog.Seller, id string) (catalog.Link, error) {
	if !catalog.IsLinkID(id) {
		return catalog.Link{}, catalog.NotFound("link", truncateRunes(id, 40))
	}
	l, err := s.store.GetLink(ctx, id)
	if err == nil && l.Seller != sl.Handle {
		return catalog.Link{}, catalog.NotFound("link", id)
	}
	return l, err
}

// putLink creates (id "") or changes a link of the seller.
func (s *Server) putLink(ctx context.Context, sl catalog.Seller, id string, fn func(*catalog.Link) error) (catalog.Link, error) {
	creating := id == ""
	if creating {
		all, err := s.store.ListLinks(ctx, sl.Handle)
		if err != nil {
			return catalog.Link{}, err
		}
		if len(all) >= catalog.MaxLinks {
			return catalog.Link{}, catalog.Conflict("a shop keeps at most %d links; delete one first", catalog.MaxLinks)
		}
		id = catalog.NewLinkID()
	} else if !catalog.IsLinkID(id) {
		return catalog.Link{}, catalog.NotFound("link", truncateRunes(id, 40))
	}
	l, err := s.store.PutLink(ctx, id, func(l *catalog.Link, exists bool) error {
		switch {
		case creating && exists:
			return catalog.Conflict("link %s exists", id)
		case !creating && (!exists || l.Seller != sl.Handle):
			return catalog.NotFound("link", id)
		}
		l.Seller = sl.Handle
		return fn(l)
	})
	if err == nil {
		s.Invalidate()
	}
	return l, err
}

func (s *Server) sellerLinks(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	all, err := s.store.ListLinks(c.Request.Context(), sl.Handle)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	out := SellerLinkList{Items: make([]SellerLink, 0, len(all))}
	for _, l := range all {
		out.Items = append(out.Items, s.linkView(l))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) sellerCreateLink(c *gin.Context) {
	s.sellerPutLink(c, "", http.StatusCreated)
}

func (s *Server) sellerPatchLink(c *gin.Context) {
	s.sellerPutLink(c, c.Param("id"), http.StatusOK)
}

func (s *Server) sellerPutLink(c *gin.Context, id string, status int) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	var pt LinkPatch
	if err := web.BindJSON(c, &pt); err != nil {
		web.WriteError(c, err)
		return
	}
	l, err := s.putLink(c.Request.Context(), sl, id, func(l *catalog.Link) error { return pt.apply(l, id == "") })
	if err != nil {
		web.WriteError(c, err)
		return
	}
	if status == http.StatusCreated {
		c.Header("Location", "/api/seller/links/"+l.ID)
	}
	c.JSON(status, s.linkView(l))
}

func (s *Server) sellerDeleteLink(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err == nil {
		err = s.deleteOwnLink(c.Request.Context(), sl, c.Param("id"))
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) deleteOwnLink(ctx context.Context, sl catalog.Seller, id string) error {
	if _, err := s.ownLink(ctx, sl, id); err != nil {
		return err
	}
	if err := s.store.DeleteLink(ctx, id); err != nil {
		return err
	}
	s.Invalidate()
	return nil
}

// LinkOrder is the body of PUT /api/seller/links/order: every link of the
// seller, in the order wanted.
type LinkOrder struct {
	LinkIDs []string `json:"linkIds"`
}

func (s *Server) sellerReorderLinks(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	var req LinkOrder
	if err := web.BindJSON(c, &req); err != nil {
		web.WriteError(c, err)
		return
	}
	if err := s.reorderLinks(c.Request.Context(), sl, req.LinkIDs); err != nil {
		web.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// reorderLinks numbers the listed links 1, 2, ...: the list must name each
// of the seller's links once.
func (s *Server) reorderLinks(ctx context.Context, sl catalog.Seller, ids []string) error {
	all, err := s.store.ListLinks(ctx, sl.Handle)
	if err != nil {
		return err
	}
	mine := map[string]bool{}
	for _, l := range all {
		mine[l.ID] = true
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !mine[id] {
			return catalog.NotFound("link", truncateRunes(id, 40))
		}
		if seen[id] {
			return catalog.Invalid("linkIds", "lists %q twice", id)
		}
		seen[id] = true
	}
	if len(ids) != len(all) {
		return catalog.Invalid("linkIds", "must list each of the shop's %d links once (got %d)", len(all), len(ids))
	}
	for i, id := range ids {
		if _, err := s.putLink(ctx, sl, id, func(l *catalog.Link) error { l.Position = i + 1; return nil }); err != nil {
			return err
		}
	}
	return nil
}

// moveLink swaps a link with its neighbour and numbers the order 1, 2, ...
func (s *Server) moveLink(ctx context.Context, sl catalog.Seller, id string, up bool) error {
	all, err := s.store.ListLinks(ctx, sl.Handle)
	if err != nil {
		return err
	}
	ids := make([]string, len(all))
	i := -1
	for k, l := range all {
		ids[k] = l.ID
		if l.ID == id {
			i = k
		}
	}
	if i < 0 {
		return catalog.NotFound("link", truncateRunes(id, 40))
	}
	j := i + 1
	if up {
		j = i - 1
	}
	if j < 0 || j >= len(ids) {
		return nil
	}
	ids[i], ids[j] = ids[j], ids[i]
	return s.reorderLinks(ctx, sl, ids)
}

func (s *Server) sellerUploadLinkImage(c *gin.Context) {
	sl, err := s.actingSeller(c)
	var l catalog.Link
	if err == nil {
		l, err = s.setLinkImage(c, sl, c.Param("id"), "image")
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.linkView(l))
}

// setLinkImage stores the request's image (form field) as the link's.
func (s *Server) setLinkImage(c *gin.Context, sl catalog.Seller, id, field string) (catalog.Link, error) {
	if _, err := s.ownLink(c.Request.Context(), sl, id); err != nil {
		return catalog.Link{}, err
	}
	f, err := uploadedImage(c, field)
	if err != nil {
		return catalog.Link{}, err
	}
	defer f.Close()
	sq, err := s.putImage(c.Request.Context(), prefixLinks, field, f)
	if err != nil {
		return catalog.Link{}, err
	}
	return s.putLink(c.Request.Context(), sl, id, func(l *catalog.Link) error {
		l.Image = squareThumbnail(sq.Large)
		return nil
	})
}

// squareThumbnail is an uploaded image's large square as a card image.
func squareThumbnail(key string) *catalog.Thumbnail {
	return &catalog.Thumbnail{Key: key, Width: 512, Height: 512}
}
