package storefront

import (
	"context"
	"slices"

	"github.com/buylink/buylink/pkg/catalog"
)

// Bounds of the shop snapshots.
const (
	// maxShopProducts bounds the products a shop page lists (the API lists
	// every product page by page).
	maxShopProducts = 1000
	// maxSnapshots bounds the shops held at once (the busiest within CacheTTL).
	maxSnapshots = 64
	// maxPages and maxSearches bound the cached responses (Server.cache and
	// Server.searches); a page is at most shopPageSize cards (about 100 KB
	// with its gzip form), so together they stay under about 130 MB.
	maxPages    = 1024
	maxSearches = 256
)

// snapshot is one shop as its pages show it, read from the store once per
// CacheTTL (or change): every shop page, filtered or not, and every page of
// its listing is cut from the same list, so filters cost no store query,
// the order is the same on every page (listingOrder), and only filter
// values the shop has get a cache entry of their own (knows).
type snapshot struct {
	seller catalog.Seller
	links  []PublicLink
	// products are the shop's published products in listingOrder, at most
	// maxShopProducts.
	products   []catalog.Product
	tags       map[string]bool
	categories map[string]bool
}

func (s *Server) shopSnapshot(ctx context.Context, handle string) (*snapshot, error) {
	return s.snapshots.get(handle, func() (*snapshot, error) {
		sl, err := s.seller(ctx, handle)
		if err != nil {
			return nil, err
		}
		links, err := s.liveLinks(ctx, handle)
		if err != nil {
			return nil, err
		}
		snap := &snapshot{seller: sl, links: links, tags: map[string]bool{}, categories: map[string]bool{}}
		q := catalog.ProductQuery{Seller: handle, Statuses: published}
		page := catalog.Page{Limit: catalog.MaxPageLimit}
		for len(snap.products) < maxShopProducts {
			items, next, err := s.store.ListProducts(ctx, q, page)
			if err != nil {
				return nil, err
			}
			snap.products = append(snap.products, items...)
			if next == "" {
				break
			}
			page.Cursor = next
		}
		snap.products = snap.products[:min(len(snap.products), maxShopProducts)]
		slices.SortStableFunc(snap.products, listingOrder)
		for _, p := range snap.products {
			for _, t := range p.Tags {
				snap.tags[t.Name] = true
			}
			if p.Category != "" {
				snap.categories[p.Category] = true
			}
		}
		return snap, nil
	})
}

// knows reports whether f names only what the shop has (no search text):
// such pages are few per shop and cached with the shop's other pages, while
// any other filter is cached among the bounded searches.
func (snap *snapshot) knows(f shopFilter) bool {
	return f.Text == "" && (f.Tag == "" || snap.tags[f.Tag]) && (f.Category == "" || snap.categories[f.Category])
}

// list is the page of the shop's products that f selects, from offset
// cursor (a token made by listCursor for the same filter), and the next
// page's cursor ("" after the last page).
func (snap *snapshot) list(f shopFilter, cursor string) ([]catalog.Product, string, error) {
	from := 0
	if cursor != "" {
		if err := catalog.DecodeCursor(cursor, f, &from); err != nil {
			return nil, "", err
		}
		if from <= 0 {
			return nil, "", catalog.Invalid("cursor", "is not a cursor returned by this listing")
		}
	}
	q := catalog.ProductQuery{Tag: f.Tag, Category: f.Category, Text: f.Text}
	var out []catalog.Product
	seen := 0
	for i := range snap.products {
		p := &snap.products[i]
		if !q.Matches(p) {
			continue
		}
		switch {
		case seen < from:
		case len(out) < shopPageSize:
			out = append(out, *p)
		default:
			next, err := catalog.EncodeCursor(f, seen)
			return out, next, err
		}
		seen++
	}
	if from >= seen && from > 0 {
		return nil, "", catalog.Invalid("cursor", "is not a cursor returned by this listing")
	}
	return out, "", nil
}
