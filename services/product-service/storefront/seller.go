package storefront

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// Limits of the seller API.
const (
	// ClickDays is how far back click analytics reach.
	ClickDays = 90
	// maxReorder bounds the products one reorder may name.
	maxReorder = 500
	// maxSellerScan bounds the products read for a whole-shop operation
	// (reordering neighbours, titling click reports).
	maxSellerScan = 2000
)

// SellerProduct is a product as its seller sees it: every stored field plus
// the addresses the storefront uses.
type SellerProduct struct {
	catalog.Product
	Images       []Image `json:"images"`
	ClickURL     string  `json:"clickUrl,omitempty"`
	ShopVideoURL string  `json:"shopVideoUrl,omitempty"`
}

// SellerProductList is the answer of GET /api/seller/products.
type SellerProductList struct {
	Items      []SellerProduct `json:"items"`
	NextCursor string          `json:"nextCursor,omitempty"`
}

// Optional is a JSON field of a patch: absent (Set false), null (Null) or a value.
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// ProductPatch is the body of PATCH /api/seller/products/{id}: each field
// present is changed; null or "" clears an optional field. Changed pipeline
// fields are recorded in Edited, so later pipeline runs leave them alone.
type ProductPatch struct {
	Title          Optional[string]                `json:"title"`
	PriceMinor     Optional[int64]                 `json:"priceMinor"`
	CompareAtMinor Optional[int64]                 `json:"compareAtMinor"`
	Currency       Optional[string]                `json:"currency"`
	BuyURL         Optional[string]                `json:"buyUrl"`
	DiscountCode   Optional[string]                `json:"discountCode"`
	OfferEndsAt    Optional[string]                `json:"offerEndsAt"`
	Category       Optional[string]                `json:"category"`
	Tags           Optional[[]string]              `json:"tags"`
	Status         Optional[catalog.ProductStatus] `json:"status"`
	Pinned         Optional[bool]                  `json:"pinned"`
}

// errEmptyPatch is the answer to a patch without any field.
var errEmptyPatch = catalog.Invalid("body", "changes nothing; send at least one field")

// apply validates the patch and applies it to p.
func (pt *ProductPatch) apply(p *catalog.Product) error {
	edited := func(field string) {
		if !p.IsEdited(field) {
			p.Edited = append(p.Edited, field)
		}
	}
	changed := false
	if f := pt.Title; f.Set {
		title := strings.TrimSpace(f.Value)
		if f.Null || title == "" {
			return catalog.Invalid("title", "is required")
		}
		if err := sellerText("title", title, catalog.MaxTitleRunes); err != nil {
			return err
		}
		p.Title, changed = title, true
		edited("title")
	}
	if f := pt.Currency; f.Set {
		code := strings.ToUpper(strings.TrimSpace(f.Value))
		if code != "" {
			if err := catalog.ValidateCurrency("currency", code); err != nil {
				return err
			}
		}
		p.Currency, changed = code, true
		edited("currency")
	}
	for _, price := range []struct {
		field string
		f     Optional[int64]
		dst   **int64
	}{{"priceMinor", pt.PriceMinor, &p.PriceMinor}, {"compareAtMinor", pt.CompareAtMinor, &p.CompareAtMinor}} {
		if !price.f.Set {
			continue
		}
		*price.dst = nil
		if !price.f.Null {
			v := price.f.Value
			*price.dst = &v
		}
		changed = true
		edited(price.field)
	}
	if f := pt.BuyURL; f.Set {
		u := strings.TrimSpace(f.Value)
		if u != "" {
			if err := catalog.ValidatePublicURL("buyUrl", u); err != nil {
				return err
			}
		}
		p.BuyURL, changed = u, true
		edited("buyUrl")
	}
	if f := pt.DiscountCode; f.Set {
		code := strings.TrimSpace(f.Value)
		if strings.ContainsFunc(code, unicode.IsSpace) {
			return catalog.Invalid("discountCode", "must not contain spaces")
		}
		if err := sellerText("discountCode", code, catalog.MaxCodeRunes); err != nil {
			return err
		}
		p.DiscountCode, changed = code, true
		edited("discountCode")
	}
	if f := pt.OfferEndsAt; f.Set {
		p.OfferEndsAt = nil
		if s := strings.TrimSpace(f.Value); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return catalog.Invalid("offerEndsAt", "must be an RFC 3339 time such as 2025-08-01T18:00:00Z (got %q)", truncateRunes(s, 40))
			}
			t = t.UTC()
			p.OfferEndsAt = &t
		}
		changed = true
		edited("offerEndsAt")
	}
	if f := pt.Category; f.Set {
		cat := strings.TrimSpace(f.Value)
		if err := sellerText("category", cat, catalog.MaxCategoryRunes); err != nil {
			return err
		}
		p.Category, changed = cat, true
		edited("category")
	}
	if f := pt.Tags; f.Set {
		tags, err := sellerTags(f.Value)
		if err != nil {
			return err
		}
		p.Tags, changed = tags, true
		edited("tags")
	}
	if f := pt.Status; f.Set {
		if f.Null || !f.Value.Settable() {
			return catalog.Invalid("status", "must be draft, published or hidden (delete and restore have their own routes)")
		}
		p.Status, changed = f.Value, true
	}
	if f := pt.Pinned; f.Set {
		if f.Null {
			return catalog.Invalid("pinned", "must be true or false")
		}
		p.Pinned, changed = f.Value, true
	}
	if !changed {
		return errEmptyPatch
	}
	if p.PriceMinor != nil && p.CompareAtMinor != nil && *p.CompareAtMinor <= *p.PriceMinor {
		return catalog.Invalid("compareAtMinor", "the former price must be higher than the price (%s)", FormatPrice(*p.PriceMinor, p.Currency))
	}
	return p.Validate()
}

// sellerText checks a single-line field a seller typed, refusing the bidi
// controls that make text display differently from what it is.
func sellerText(field, s string, maxRunes int) error {
	if err := catalog.ValidateText(field, s, maxRunes, false); err != nil {
		return err
	}
	if strings.ContainsFunc(s, isBidiControl) {
		return catalog.Invalid(field, "must not contain bidirectional control characters")
	}
	return nil
}

func isBidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }

func sellerTags(names []string) ([]catalog.Tag, error) {
	out := make([]catalog.Tag, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		t := catalog.NormalizeTag(n)
		if t == "" {
			return nil, catalog.Invalid("tags", "%q is not a tag (letters, digits and spaces)", truncateRunes(n, 40))
		}
		if seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, catalog.Tag{Name: t, Confidence: 1})
	}
	if len(out) > catalog.MaxTags {
		return nil, catalog.Invalid("tags", "must hold at most %d tags (got %d)", catalog.MaxTags, len(out))
	}
	return out, nil
}

// actingSeller is the seller the caller acts for: the one named by
// ?seller= (its owner or an admin), else the caller's own.
func (s *Server) actingSeller(c *gin.Context) (catalog.Seller, error) {
	ctx := c.Request.Context()
	id, ok := auth.FromContext(ctx)
	if !ok {
		return catalog.Seller{}, catalog.Errorf(catalog.CodeUnauthorized, "sign in first")
	}
	if h := c.Query("seller"); h != "" {
		sl, err := s.store.GetSeller(ctx, h)
		if catalog.IsCode(err, catalog.CodeNotFound) || (err == nil && !auth.CanActFor(id, sl)) {
			return catalog.Seller{}, catalog.NotFound("seller", h)
		}
		return sl, err
	}
	sl, err := s.store.GetSellerBySub(ctx, id.Sub)
	if catalog.IsCode(err, catalog.CodeNotFound) {
		return sl, catalog.Errorf(catalog.CodeNotFound, "no seller belongs to this account yet; create one with POST /api/sellers")
	}
	return sl, err
}

// ownProduct reads a product of the seller; another seller's is not found.
func (s *Server) ownProduct(ctx context.Context, sl catalog.Seller, id string) (catalog.Product, error) {
	if id == "" || len(id) > 64 {
		return catalog.Product{}, catalog.NotFound("product", truncateRunes(id, 64))
	}
	p, err := s.store.GetProduct(ctx, id)
	if err == nil && p.Seller != sl.Handle {
		return catalog.Product{}, catalog.NotFound("product", id)
	}
	return p, err
}

// updateOwnProduct applies fn to a product of the seller and invalidates
// the public pages.
func (s *Server) updateOwnProduct(ctx context.Context, sl catalog.Seller, id string, fn func(*catalog.Product) error) (catalog.Product, error) {
	if id == "" || len(id) > 64 {
		return catalog.Product{}, catalog.NotFound("product", truncateRunes(id, 64))
	}
	p, err := s.store.UpsertProduct(ctx, id, func(p *catalog.Product, exists bool) error {
		if !exists || p.Seller != sl.Handle {
			return catalog.NotFound("product", id)
		}
		return fn(p)
	})
	if err == nil {
		s.Invalidate()
	}
	return p, err
}

func (s *Server) sellerView(p catalog.Product) SellerProduct {
	out := SellerProduct{Product: p, Images: s.images(p)}
	if p.BuyURL != "" {
		out.ClickURL = s.clickURL(p.ID)
	}
	if len(p.VideoIDs) > 0 {
		out.ShopVideoURL = s.videoShopURL(p.Seller, p.VideoIDs[0])
	}
	return out
}

func (s *Server) sellerProducts(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	q := catalog.ProductQuery{Seller: sl.Handle}
	if st, ok := c.GetQuery("status"); ok {
		if !catalog.ProductStatus(st).Valid() {
			web.WriteError(c, catalog.Invalid("status", "must be draft, published, hidden or deleted (got %q)", truncateRunes(st, 20)))
			return
		}
		q.Statuses = []catalog.ProductStatus{catalog.ProductStatus(st)}
	}
	page, err := pageParam(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	items, next, err := s.store.ListProducts(c.Request.Context(), q, page)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	out := SellerProductList{Items: make([]SellerProduct, 0, len(items)), NextCursor: next}
	for _, p := range items {
		out.Items = append(out.Items, s.sellerView(p))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) sellerProduct(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	p, err := s.ownProduct(c.Request.Context(), sl, c.Param("id"))
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.sellerView(p))
}

func (s *Server) sellerPatch(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	var patch ProductPatch
	if err := web.BindJSON(c, &patch); err != nil {
		web.WriteError(c, err)
		return
	}
	p, err := s.updateOwnProduct(c.Request.Context(), sl, c.Param("id"), patch.apply)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.sellerView(p))
}

func (s *Server) sellerDelete(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	if err := s.deleteOwnProduct(c.Request.Context(), sl, c.Param("id")); err != nil {
		web.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// deleteOwnProduct moves a product of the seller to the bin (soft delete):
// it leaves the shop at once and can be restored.
func (s *Server) deleteOwnProduct(ctx context.Context, sl catalog.Seller, id string) error {
	_, err := s.updateOwnProduct(ctx, sl, id, func(p *catalog.Product) error {
		p.Delete(s.now())
		return nil
	})
	return err
}

func (s *Server) sellerRestore(c *gin.Context) {
	sl, err := s.actingSeller(c)
	var p catalog.Product
	if err == nil {
		p, err = s.updateOwnProduct(c.Request.Context(), sl, c.Param("id"), func(p *catalog.Product) error { return p.Restore() })
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.sellerView(p))
}

// binDays is how long deleted products can be restored before they are
// purged (when the dashboard next lists the bin).
const binDays = 30

// purgeBin deletes for good the seller's products deleted more than
// binDays ago, and returns the rest of the bin, newest deletion first.
func (s *Server) purgeBin(ctx context.Context, sl catalog.Seller) ([]catalog.Product, error) {
	q := catalog.ProductQuery{Seller: sl.Handle, Statuses: []catalog.ProductStatus{catalog.ProductDeleted}}
	items, _, err := s.store.ListProducts(ctx, q, catalog.Page{Limit: catalog.MaxPageLimit})
	if err != nil {
		return nil, err
	}
	cutoff := s.now().AddDate(0, 0, -binDays)
	kept := items[:0]
	for _, p := range items {
		if p.DeletedAt != nil && p.DeletedAt.Before(cutoff) {
			if err := s.store.DeleteProduct(ctx, p.ID); err != nil && !catalog.IsCode(err, catalog.CodeNotFound) {
				return nil, err
			}
			continue
		}
		kept = append(kept, p)
	}
	slices.SortFunc(kept, func(a, b catalog.Product) int { return b.DeletedAt.Compare(*a.DeletedAt) })
	return kept, nil
}

// NewProduct is the body of POST /api/seller/products: a product added by
// hand, with the fields of a patch; title is required, status defaults to
// published.
type NewProduct = ProductPatch

// createProduct adds a product by hand to the seller's shop.
func (s *Server) createProduct(ctx context.Context, sl catalog.Seller, pt ProductPatch, image *catalog.Thumbnail) (catalog.Product, error) {
	if !pt.Title.Set {
		return catalog.Product{}, catalog.Invalid("title", "is required")
	}
	if !pt.Status.Set {
		pt.Status = Optional[catalog.ProductStatus]{Set: true, Value: catalog.ProductPublished}
	}
	id := catalog.NewManualProductID()
	p, err := s.store.UpsertProduct(ctx, id, func(p *catalog.Product, exists bool) error {
		if exists {
			return catalog.Conflict("product %s exists", id)
		}
		p.Seller, p.Source, p.Image = sl.Handle, catalog.ProductFromManual, image
		p.VideoPostedAt = s.now().UTC()
		if err := pt.apply(p); err != nil {
			return err
		}
		p.Edited = nil // nothing of a hand-made product comes from a pipeline
		return nil
	})
	if err == nil {
		s.Invalidate()
	}
	return p, err
}

func (s *Server) sellerCreateProduct(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	var pt NewProduct
	if err := web.BindJSON(c, &pt); err != nil {
		web.WriteError(c, err)
		return
	}
	p, err := s.createProduct(c.Request.Context(), sl, pt, nil)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.Header("Location", "/api/seller/products/"+p.ID)
	c.JSON(http.StatusCreated, s.sellerView(p))
}

// ImageChoice is the body of PUT /api/seller/products/{id}/image: the key of
// one of the product's or its videos' thumbnails, or null for the default
// (the first thumbnail).
type ImageChoice struct {
	ThumbnailKey *string `json:"thumbnailKey"`
}

// imageChoices are the thumbnails a product's card may show: its own and
// those of its videos, once each.
func (s *Server) imageChoices(ctx context.Context, p catalog.Product) ([]catalog.Thumbnail, error) {
	out := slices.Clone(p.Thumbnails)
	seen := map[string]bool{}
	for _, t := range out {
		seen[t.Key] = true
	}
	for _, vid := range p.VideoIDs {
		v, err := s.store.GetVideo(ctx, vid)
		if catalog.IsCode(err, catalog.CodeNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, t := range v.Thumbnails {
			if !seen[t.Key] {
				seen[t.Key] = true
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// chooseImage makes one of the product's image choices its card image
// (key "" resets to the first thumbnail).
func (s *Server) chooseImage(ctx context.Context, sl catalog.Seller, id, key string) (catalog.Product, error) {
	p, err := s.ownProduct(ctx, sl, id)
	if err != nil {
		return p, err
	}
	var chosen *catalog.Thumbnail
	if key != "" {
		choices, err := s.imageChoices(ctx, p)
		if err != nil {
			return p, err
		}
		for _, t := range choices {
			if t.Key == key {
				chosen = &t
			}
		}
		if chosen == nil {
			return p, catalog.Invalid("thumbnailKey", "is not one of this product's pictures")
		}
	}
	return s.updateOwnProduct(ctx, sl, id, func(p *catalog.Product) error {
		p.Image = chosen
		return nil
	})
}

func (s *Server) sellerChooseImage(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	var req ImageChoice
	if err := web.BindJSON(c, &req); err != nil {
		web.WriteError(c, err)
		return
	}
	key := ""
	if req.ThumbnailKey != nil {
		key = *req.ThumbnailKey
	}
	p, err := s.chooseImage(c.Request.Context(), sl, c.Param("id"), key)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.sellerView(p))
}

func (s *Server) sellerUploadProductImage(c *gin.Context) {
	sl, err := s.actingSeller(c)
	var p catalog.Product
	if err == nil {
		p, err = s.uploadProductImage(c, sl, c.Param("id"))
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.sellerView(p))
}

// uploadProductImage stores the request's "image" as the product's card
// image.
func (s *Server) uploadProductImage(c *gin.Context, sl catalog.Seller, id string) (catalog.Product, error) {
	ctx := c.Request.Context()
	if _, err := s.ownProduct(ctx, sl, id); err != nil {
		return catalog.Product{}, err
	}
	f, err := uploadedImage(c, "image")
	if err != nil {
		return catalog.Product{}, err
	}
	defer f.Close()
	sq, err := s.putImage(ctx, prefixProducts, "image", f)
	if err != nil {
		return catalog.Product{}, err
	}
	return s.updateOwnProduct(ctx, sl, id, func(p *catalog.Product) error {
		p.Image = squareThumbnail(sq.Large)
		return nil
	})
}

// ReorderRequest is the body of PUT /api/seller/products/order.
type ReorderRequest struct {
	// ProductIDs lists products in the order the seller wants them; they get
	// positions 1, 2, ... Products not listed keep theirs, and products the
	// seller never ordered (position 0) stay on top, newest video first.
	ProductIDs []string `json:"productIds"`
}

func (s *Server) sellerReorder(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	var req ReorderRequest
	if err := web.BindJSON(c, &req); err != nil {
		web.WriteError(c, err)
		return
	}
	if err := s.reorder(c.Request.Context(), sl, req.ProductIDs); err != nil {
		web.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) reorder(ctx context.Context, sl catalog.Seller, ids []string) error {
	if len(ids) == 0 || len(ids) > maxReorder {
		return catalog.Invalid("productIds", "must list 1 to %d products (got %d)", maxReorder, len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return catalog.Invalid("productIds", "lists %q twice", truncateRunes(id, 64))
		}
		seen[id] = true
	}
	for _, id := range ids {
		if _, err := s.ownProduct(ctx, sl, id); err != nil {
			return err
		}
	}
	for i, id := range ids {
		if _, err := s.updateOwnProduct(ctx, sl, id, func(p *catalog.Product) error {
			p.Position = i + 1
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// allProducts lists the seller's products in listing order, up to maxSellerScan.
func (s *Server) allProducts(ctx context.Context, seller string) ([]catalog.Product, bool, error) {
	var out []catalog.Product
	page := catalog.Page{Limit: catalog.MaxPageLimit}
	for len(out) < maxSellerScan {
		items, next, err := s.store.ListProducts(ctx, catalog.ProductQuery{Seller: seller}, page)
		if err != nil {
			return nil, false, err
		}
		out = append(out, items...)
		if next == "" {
			return out, false, nil
		}
		page.Cursor = next
	}
	return out, true, nil
}

// DayCount is the number of clicks on one UTC day.
type DayCount struct {
	Day   string `json:"day"` // YYYY-MM-DD
	Count int64  `json:"count"`
}

// ProductClicks is one product's (or link's) clicks in a report.
type ProductClicks struct {
	ProductID string     `json:"productId"`
	Title     string     `json:"title"`
	Total     int64      `json:"total"`
	Days      []DayCount `json:"days"` // days with clicks only
	// CTR is Total divided by the shop's page views in the range; null when
	// there were no views (a rate of nothing is not zero).
	CTR *float64 `json:"ctr"`
}

// ClickReport is the answer of GET /api/seller/clicks.
type ClickReport struct {
	// From (inclusive) and To (exclusive) are midnights UTC.
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Total int64     `json:"total"`
	// Days has every day of the range, oldest first.
	Days []DayCount `json:"days"`
	// Views counts the views of the shop's pages (shop and "shop this
	// video"), counted like clicks: bots and repeats within 30 minutes
	// left out. ViewDays has every day of the range, oldest first.
	Views    int64      `json:"views"`
	ViewDays []DayCount `json:"viewDays"`
	// CTR is Total divided by Views; null when there were no views.
	CTR *float64 `json:"ctr"`
	// Products has every product clicked in the range, most clicked first.
	Products []ProductClicks `json:"products"`
}

// ratio is n/of, or nil when of is zero.
func ratio(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	r := float64(n) / float64(of)
	return &r
}

func (s *Server) sellerClicks(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	days := ClickDays
	if raw, ok := c.GetQuery("days"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > ClickDays {
			web.WriteError(c, catalog.Invalid("days", "must be an integer between 1 and %d (got %q)", ClickDays, truncateRunes(raw, 20)))
			return
		}
		days = n
	}
	rep, err := s.clickReport(c.Request.Context(), sl, days)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

func (s *Server) clickReport(ctx context.Context, sl catalog.Seller, days int) (ClickReport, error) {
	to := s.now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := to.AddDate(0, 0, -days)
	rows, err := s.store.DailyClicks(ctx, sl.Handle, from, to)
	if err != nil {
		return ClickReport{}, err
	}
	views, err := s.store.DailyViews(ctx, sl.Handle, from, to)
	if err != nil {
		return ClickReport{}, err
	}
	rep := ClickReport{From: from, To: to, Days: make([]DayCount, days), ViewDays: make([]DayCount, days), Products: []ProductClicks{}}
	for i := range days {
		rep.Days[i].Day = from.AddDate(0, 0, i).Format(time.DateOnly)
		rep.ViewDays[i].Day = rep.Days[i].Day
	}
	for _, v := range views {
		if i := int(v.Day.Sub(from) / (24 * time.Hour)); i >= 0 && i < days {
			rep.ViewDays[i].Count += v.Count
			rep.Views += v.Count
		}
	}
	byID := map[string]*ProductClicks{}
	for _, r := range rows {
		i := int(r.Day.Sub(from) / (24 * time.Hour))
		if i < 0 || i >= days {
			continue
		}
		rep.Days[i].Count += r.Count
		rep.Total += r.Count
		pc := byID[r.ProductID]
		if pc == nil {
			pc = &ProductClicks{ProductID: r.ProductID}
			byID[r.ProductID] = pc
		}
		pc.Total += r.Count
		pc.Days = append(pc.Days, DayCount{Day: rep.Days[i].Day, Count: r.Count})
	}
	if len(byID) > 0 {
		all, _, err := s.allProducts(ctx, sl.Handle)
		if err != nil {
			return ClickReport{}, err
		}
		titles := map[string]string{}
		for _, p := range all {
			titles[p.ID] = p.Title
		}
		links, err := s.store.ListLinks(ctx, sl.Handle)
		if err != nil {
			return ClickReport{}, err
		}
		for _, l := range links {
			titles[l.ID] = "Link: " + l.Title
		}
		for _, pc := range byID {
			pc.CTR = ratio(pc.Total, rep.Views)
			pc.Title = titles[pc.ProductID]
			if pc.Title == "" {
				pc.Title = "(deleted product)"
				if catalog.IsLinkID(pc.ProductID) {
					pc.Title = "(deleted link)"
				}
			}
			rep.Products = append(rep.Products, *pc)
		}
	}
	rep.CTR = ratio(rep.Total, rep.Views)
	slices.SortFunc(rep.Products, func(a, b ProductClicks) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.ProductID, b.ProductID))
	})
	return rep, nil
}
