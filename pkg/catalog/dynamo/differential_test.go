package dynamo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/catalogtest"
	"github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

// TestListingsMatchSQLite writes the same random catalog into both stores
// (same clock) and checks that every listing, paged at several sizes,
// returns the same records in the same order: the SQLite store is the
// reference for ordering, filters and paging.
func TestListingsMatchSQLite(t *testing.T) {
	testservers.UseEmulators(t)
	endpoint := testservers.Dynalite(t)
	ctx := context.Background()
	clock := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ref.db"), sqlite.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lite.Close() }()
	stores := []catalog.Store{lite, newStore(t, endpoint, dynamo.WithClock(now))}
	each := func(what string, fn func(catalog.Store) error) {
		t.Helper()
		clock = clock.Add(time.Second)
		for _, st := range stores {
			if err := fn(st); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
	}

	r := rand.New(rand.NewPCG(7, 11))
	sellers := []string{"alpha", "beta.shop"}
	statuses := []catalog.VideoStatus{catalog.VideoQueued, catalog.VideoProcessing, catalog.VideoReady, catalog.VideoFailed}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var videoIDs []string
	for i := range 30 {
		id := fmt.Sprintf("%d", 700+i*7)
		videoIDs = append(videoIDs, id)
		v := catalogtest.Video(id, sellers[r.IntN(2)], base.Add(time.Duration(r.IntN(10))*time.Hour))
		each("upsert video", func(st catalog.Store) error { _, _, err := st.UpsertVideo(ctx, v); return err })
		st := statuses[r.IntN(4)]
		each("update video", func(s catalog.Store) error {
			_, err := s.UpdateVideo(ctx, id, func(v *catalog.Video) error {
				v.Status = st
				if st == catalog.VideoFailed {
					v.FailureReason = "test"
				}
				return nil
			})
			return err
		})
	}
	tags := []string{"mug", "lamp", "kitchen decor"}
	cats := []string{"", "home", "kitchen"}
	pstat := []catalog.ProductStatus{catalog.ProductDraft, catalog.ProductPublished, catalog.ProductHidden}
	titles := []string{"Blue Mug", "Desk Lamp", "mug warmer", "Vase", "LAMP shade"}
	for i := range 80 {
		vid := videoIDs[r.IntN(len(videoIDs))]
		vids := []string{vid}
		if r.IntN(4) == 0 {
			vids = append(vids, videoIDs[r.IntN(len(videoIDs))])
		}
		vids = slices.Compact(vids)
		var ptags []catalog.Tag
		for _, tg := range tags {
			if r.IntN(3) == 0 {
				ptags = append(ptags, catalog.Tag{Name: tg, Confidence: 0.5})
			}
		}
		var price *int64
		if r.IntN(4) > 0 {
			p := int64(500 + r.IntN(5000))
			price = &p
		}
		seller, pinned, pos, status := sellers[r.IntN(2)], r.IntN(6) == 0, r.IntN(3), pstat[r.IntN(3)]
		cat, title := cats[r.IntN(3)], titles[r.IntN(len(titles))]
		posted := base.Add(time.Duration(r.IntN(5)) * time.Hour)
		id := catalog.ProductID(vid, i)
		each("upsert product", func(st catalog.Store) error {
			_, err := st.UpsertProduct(ctx, id, func(p *catalog.Product, _ bool) error {
				p.Seller, p.VideoIDs, p.Index, p.Title, p.Tags, p.Category = seller, vids, i, title, ptags, cat
				p.PriceMinor, p.Currency, p.Status, p.Source = price, "", status, catalog.ProductFromRules
				if price != nil {
					p.Currency = "EUR"
				}
				p.Pinned, p.Position, p.VideoPostedAt = pinned, pos, posted
				return nil
			})
			return err
		})
		if r.IntN(8) == 0 {
			each("delete product", func(st catalog.Store) error { return st.DeleteProduct(ctx, id) })
		}
	}

	price := func(v int64) *int64 { return &v }
	pqs := []catalog.ProductQuery{
		{}, {Seller: "alpha"}, {Seller: "beta.shop", Statuses: []catalog.ProductStatus{catalog.ProductPublished}},
		{Statuses: []catalog.ProductStatus{catalog.ProductDraft, catalog.ProductHidden}}, {Tag: "mug"}, {Seller: "alpha", Tag: "kitchen decor"},
		{VideoID: videoIDs[3]}, {VideoID: videoIDs[4], Tag: "lamp"}, {Category: "home"}, {Text: "MUG"}, {Seller: "alpha", Text: "lamp"},
		{MinPrice: price(2000)}, {Seller: "beta.shop", MinPrice: price(1000), MaxPrice: price(3000)}, {MaxPrice: price(1000), Tag: "lamp"},
	}
	for _, q := range pqs {
		for _, limit := range []int{1, 3, 7, 100} {
			ref := pageAll(t, func(c string) ([]string, string, error) {
				return productIDs(lite.ListProducts(ctx, q, catalog.Page{Limit: limit, Cursor: c}))
			})
			got := pageAll(t, func(c string) ([]string, string, error) {
				return productIDs(stores[1].ListProducts(ctx, q, catalog.Page{Limit: limit, Cursor: c}))
			})
			if fmt.Sprint(got) != fmt.Sprint(ref) {
				t.Errorf("products %+v limit %d:\n got %v\nwant %v", q, limit, got, ref)
			}
		}
	}
	vqs := []catalog.VideoQuery{
		{}, {Seller: "alpha"}, {Statuses: []catalog.VideoStatus{catalog.VideoQueued, catalog.VideoProcessing}},
		{Seller: "beta.shop", Statuses: []catalog.VideoStatus{catalog.VideoReady}},
		{UpdatedBefore: clock.Add(-30 * time.Second)}, {Statuses: []catalog.VideoStatus{catalog.VideoFailed}, UpdatedBefore: clock.Add(-100 * time.Second)},
	}
	for _, q := range vqs {
		for _, limit := range []int{1, 4, 100} {
			ref := pageAll(t, func(c string) ([]string, string, error) {
				return videoIDsOf(lite.ListVideos(ctx, q, catalog.Page{Limit: limit, Cursor: c}))
			})
			got := pageAll(t, func(c string) ([]string, string, error) {
				return videoIDsOf(stores[1].ListVideos(ctx, q, catalog.Page{Limit: limit, Cursor: c}))
			})
			if fmt.Sprint(got) != fmt.Sprint(ref) {
				t.Errorf("videos %+v limit %d:\n got %v\nwant %v", q, limit, got, ref)
			}
		}
	}
	if n := len(pageAll(t, func(c string) ([]string, string, error) {
		return productIDs(lite.ListProducts(ctx, catalog.ProductQuery{}, catalog.Page{Limit: 100, Cursor: c}))
	})); n < 50 {
		t.Fatalf("the random catalog is too small to mean anything: %d products", n)
	}
}

func pageAll(t *testing.T, list func(cursor string) ([]string, string, error)) []string {
	t.Helper()
	var all []string
	cursor := ""
	for range 500 {
		ids, next, err := list(cursor)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		all = append(all, ids...)
		if next == "" {
			return all
		}
		cursor = next
	}
	t.Fatal("paging did not end")
	return nil
}

func productIDs(ps []catalog.Product, next string, err error) ([]string, string, error) {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids, next, err
}

func videoIDsOf(vs []catalog.Video, next string, err error) ([]string, string, error) {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	return ids, next, err
}
