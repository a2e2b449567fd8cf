package storefront

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// maxQueryRunes bounds the text query of GET /api/products.
const maxQueryRunes = 100

// apiCacheControl lets clients and CDNs reuse public API answers briefly;
// the ETag makes revalidation cheap.
const apiCacheControl = "public, max-age=10"

// pageCacheControl is the pages' (and themes'): browsers revalidate at
// once (the ETag makes it cheap), a CDN keeps a page 30 s and serves it
// 30 s more while it refetches, so a product change reaches every shopper
// within 65 s (with the 5 s of CacheTTL; README, Infrastructure).
const pageCacheControl = "public, max-age=0, s-maxage=30, stale-while-revalidate=30"

var published = []catalog.ProductStatus{catalog.ProductPublished}

// pageParam reads ?limit= and ?cursor=; an explicit limit must be 1..100.
func pageParam(c *gin.Context) (catalog.Page, error) {
	p := catalog.Page{Cursor: c.Query("cursor")}
	if raw, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > catalog.MaxPageLimit {
			return p, catalog.Invalid("limit", "must be an integer between 1 and %d (got %q)", catalog.MaxPageLimit, truncateRunes(raw, 20))
		}
		p.Limit = n
	}
	return p, nil
}

func jsonResponse(v any) (*response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, catalog.Internal(err, "encode response")
	}
	return &response{contentType: "application/json; charset=utf-8", cacheControl: apiCacheControl, body: b}, nil
}

func (s *Server) apiShop(c *gin.Context) {
	handle := c.Param("handle")
	var page catalog.Page
	if c.Request.URL.RawQuery != "" {
		var err error
		if page, err = pageParam(c); err != nil {
			web.WriteError(c, err)
			return
		}
	}
	key := pageKey{route: routeAPIShop, handle: handle, limit: page.Limit, cursor: page.Cursor}
	r, err := getResponse(s.cache, key, func() (*response, error) {
		if catalog.ValidateHandle("handle", handle) != nil {
			return nil, catalog.NotFound("shop", handle)
		}
		ctx, cancel := buildContext(c)
		defer cancel()
		return s.buildAPIShop(ctx, handle, page)
	})
	if err != nil {
		web.WriteError(c, err)
		return
	}
	r.write(c)
}

func (s *Server) buildAPIShop(ctx context.Context, handle string, page catalog.Page) (*response, error) {
	sl, err := s.seller(ctx, handle)
	if err != nil {
		return nil, err
	}
	items, next, err := s.store.ListProducts(ctx, catalog.ProductQuery{Seller: handle, Statuses: published}, page)
	if err != nil {
		return nil, err
	}
	links, err := s.liveLinks(ctx, handle)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := Shop{Seller: s.publicSeller(sl), Links: links, Products: make([]PublicProduct, 0, len(items)), NextCursor: next}
	for _, p := range items {
		out.Products = append(out.Products, s.publicProduct(p, now))
	}
	return jsonResponse(out)
}

// productQuery reads the filters of GET /api/products.
func productQuery(c *gin.Context) (catalog.ProductQuery, error) {
	q := catalog.ProductQuery{Statuses: published}
	if h, ok := c.GetQuery("seller"); ok {
		if err := catalog.ValidateHandle("seller", h); err != nil {
			return q, err
		}
		q.Seller = h
	}
	tag, err := tagParam(c)
	if err != nil {
		return q, err
	}
	q.Tag = tag
	if q.Category, err = categoryParam(c); err != nil {
		return q, err
	}
	if q.Text, err = textParam(c); err != nil {
		return q, err
	}
	for name, dst := range map[string]**int64{"minPrice": &q.MinPrice, "maxPrice": &q.MaxPrice} {
		raw, ok := c.GetQuery(name)
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v < 0 {
			return q, catalog.Invalid(name, "must be a non-negative whole number of minor units (got %q)", truncateRunes(raw, 20))
		}
		*dst = &v
	}
	if q.MinPrice != nil && q.MaxPrice != nil && *q.MinPrice > *q.MaxPrice {
		return q, catalog.Invalid("minPrice", "must not exceed maxPrice")
	}
	return q, nil
}

// categoryParam reads ?category= (a taxonomy id such as "beauty/skincare").
func categoryParam(c *gin.Context) (string, error) {
	cat := c.Query("category")
	if cat == "" {
		return "", nil
	}
	return cat, catalog.ValidateText("category", cat, catalog.MaxCategoryRunes, false)
}

// textParam reads the search text ?q=, trimmed.
func textParam(c *gin.Context) (string, error) {
	text := strings.TrimSpace(c.Query("q"))
	if text == "" {
		return "", nil
	}
	if n := utf8.RuneCountInString(text); n > maxQueryRunes {
		return "", catalog.Invalid("q", "must be at most %d characters (got %d)", maxQueryRunes, n)
	}
	return text, catalog.ValidateText("q", text, maxQueryRunes, false)
}

func (s *Server) apiProducts(c *gin.Context) {
	q, err := productQuery(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	page, err := pageParam(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	canon := url.Values{"seller": {q.Seller}, "tag": {q.Tag}, "category": {q.Category}, "q": {q.Text},
		"limit": {strconv.Itoa(page.Limit)}, "cursor": {page.Cursor}}
	for name, v := range map[string]*int64{"min": q.MinPrice, "max": q.MaxPrice} {
		if v != nil {
			canon.Set(name, strconv.FormatInt(*v, 10))
		}
	}
	r, err := getResponse(s.searches, pageKey{route: routeAPIProducts, text: canon.Encode()}, func() (*response, error) {
		ctx, cancel := buildContext(c)
		defer cancel()
		items, next, err := s.store.ListProducts(ctx, q, page)
		if err != nil {
			return nil, err
		}
		now := s.now()
		out := ProductList{Items: make([]PublicProduct, 0, len(items)), NextCursor: next}
		for _, p := range items {
			out.Items = append(out.Items, s.publicProduct(p, now))
		}
		return jsonResponse(out)
	})
	if err != nil {
		web.WriteError(c, err)
		return
	}
	r.write(c)
}
