package storefront

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
)

// shopStore is a one-shop catalog that counts how often the shop is read.
type shopStore struct {
	Store    // unused methods: calling one panics
	seller   catalog.Seller
	products []catalog.Product
	lists    atomic.Int64
}

func (s *shopStore) GetSeller(_ context.Context, handle string) (catalog.Seller, error) {
	if handle != s.seller.Handle {
		return catalog.Seller{}, catalog.NotFound("seller", handle)
	}
	return s.seller, nil
}

func (s *shopStore) ListLinks(context.Context, string) ([]catalog.Link, error) { return nil, nil }

func (s *shopStore) ListProducts(_ context.Context, q catalog.ProductQuery, p catalog.Page) ([]catalog.Product, string, error) {
	s.lists.Add(1)
	var out []catalog.Product
	for i := range s.products {
		if q.Matches(&s.products[i]) {
			out = append(out, s.products[i])
		}
	}
	return out, "", nil
}

type noVerifier struct{}

func (noVerifier) Verify(context.Context, string) (auth.Identity, error) {
	return auth.Identity{}, catalog.Errorf(catalog.CodeUnauthorized, "no tokens here")
}

// noMedia names media keys; storing images is never asked of it here.
type noMedia struct{ Media }

func (noMedia) URL(key string) string { return "/media/" + key }

// TestRandomQueriesDoNotEvictShopPages: a flood of search texts and unknown
// filters is served from the shop's snapshot and cached apart, so the
// shop's own pages stay cached and the store is not read again.
func TestRandomQueriesDoNotEvictShopPages(t *testing.T) {
	st := &shopStore{seller: catalog.Seller{Handle: "demo", DisplayName: "Demo"}}
	for i := range 120 {
		st.products = append(st.products, catalog.Product{
			ID: fmt.Sprintf("p%03d", i), Seller: "demo", Status: catalog.ProductPublished, Title: fmt.Sprintf("Thing %d", i),
			Category: "home/decor", Tags: []catalog.Tag{{Name: "lamp"}},
		})
	}
	// A stopped clock: the flood takes longer than CacheTTL under the race
	// detector, and only eviction, not expiry, is under test.
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	srv, err := New(Config{Store: st, Media: noMedia{}, Verifier: noVerifier{}, PublicURL: "https://buylink.test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	r := gin.New()
	srv.Register(r)
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	known := []string{"/s/demo", "/s/demo?tag=lamp", "/s/demo?category=home%2Fdecor"}
	for _, p := range known {
		if w := get(p); w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", p, w.Code, w.Body)
		}
	}
	reads := st.lists.Load()
	for i := range maxPages + maxSearches + 1 {
		for _, p := range []string{fmt.Sprintf("/s/demo?q=x%d", i), fmt.Sprintf("/s/demo?tag=t%d", i), fmt.Sprintf("/s/demo?utm=%d", i)} {
			if w := get(p); w.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", p, w.Code, w.Body)
			}
		}
	}
	if got := st.lists.Load(); got != reads {
		t.Fatalf("random queries read the shop %d more times; want 0 (served from its snapshot)", got-reads)
	}
	if n := len(srv.cache.m); n != len(known) {
		t.Fatalf("%d shop pages cached after the flood, want the %d known ones", n, len(known))
	}
	if n := len(srv.searches.m); n > maxSearches {
		t.Fatalf("%d searches cached, bound %d", n, maxSearches)
	}
	srv.Invalidate()
	if w := get("/s/demo"); w.Code != http.StatusOK || st.lists.Load() == reads {
		t.Fatalf("after Invalidate the shop was not read again (%d)", w.Code)
	}
}
