package dynamo_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/catalogtest"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

// BenchmarkDynaliteVsSQLite runs each store operation on the DynamoDB store
// (against dynalite on loopback) and on the SQLite store, in the same
// iterations, and reports both latencies and their ratio. Informative only:
// dynalite is a Node.js emulator, not DynamoDB, and the ratio mostly
// measures HTTP round trips against in-process SQLite.
func BenchmarkDynaliteVsSQLite(b *testing.B) {
	testservers.UseEmulators(b)
	endpoint := testservers.Dynalite(b)
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = lite.Close() })
	stores := []struct {
		name string
		st   catalog.Store
	}{{"sqlite", lite}, {"dynalite", newStore(b, endpoint)}}

	const videos, perVideo = 20, 5
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range stores {
		if _, err := s.st.CreateSeller(ctx, catalog.Seller{Handle: "bench.shop", Sub: "bench", DisplayName: "Bench"}); err != nil {
			b.Fatal(err)
		}
		for v := range videos {
			vid := fmt.Sprintf("9%03d", v)
			if _, _, err := s.st.UpsertVideo(ctx, catalogtest.Video(vid, "bench.shop", base.Add(time.Duration(v)*time.Hour))); err != nil {
				b.Fatal(err)
			}
			for i := range perVideo {
				if _, err := s.st.UpsertProduct(ctx, catalog.ProductID(vid, i), fill(vid, i, base)); err != nil {
					b.Fatal(err)
				}
			}
		}
		for i := range 200 {
			if err := s.st.RecordClick(ctx, catalog.Click{ProductID: catalog.ProductID("9000", i%perVideo), Seller: "bench.shop", At: base.Add(time.Duration(i) * 7 * time.Minute)}); err != nil {
				b.Fatal(err)
			}
		}
	}

	ops := []struct {
		name string
		fn   func(st catalog.Store, i int) error
	}{
		{"GetProduct", func(st catalog.Store, i int) error {
			_, err := st.GetProduct(ctx, catalog.ProductID(fmt.Sprintf("9%03d", i%videos), i%perVideo))
			return err
		}},
		{"UpsertProduct", func(st catalog.Store, i int) error {
			vid := fmt.Sprintf("9%03d", i%videos)
			_, err := st.UpsertProduct(ctx, catalog.ProductID(vid, i%perVideo), func(p *catalog.Product, _ bool) error {
				p.Position = i % 3
				return nil
			})
			return err
		}},
		{"ListProductsBySeller", func(st catalog.Store, _ int) error {
			_, _, err := st.ListProducts(ctx, catalog.ProductQuery{Seller: "bench.shop", Statuses: []catalog.ProductStatus{catalog.ProductPublished}}, catalog.Page{Limit: 20})
			return err
		}},
		{"ListProductsByVideo", func(st catalog.Store, i int) error {
			_, _, err := st.ListProducts(ctx, catalog.ProductQuery{VideoID: fmt.Sprintf("9%03d", i%videos)}, catalog.Page{Limit: 20})
			return err
		}},
		{"UpdateVideo", func(st catalog.Store, i int) error {
			_, err := st.UpdateVideo(ctx, fmt.Sprintf("9%03d", i%videos), func(v *catalog.Video) error {
				v.Attempts++
				return nil
			})
			return err
		}},
		{"ListVideos", func(st catalog.Store, _ int) error {
			_, _, err := st.ListVideos(ctx, catalog.VideoQuery{Seller: "bench.shop"}, catalog.Page{Limit: 20})
			return err
		}},
		{"RecordClick", func(st catalog.Store, i int) error {
			return st.RecordClick(ctx, catalog.Click{ProductID: catalog.ProductID("9001", i%perVideo), Seller: "bench.shop", At: base.Add(time.Duration(i) * time.Second)})
		}},
		{"DailyClicks", func(st catalog.Store, _ int) error {
			_, err := st.DailyClicks(ctx, "bench.shop", base, base.Add(2*24*time.Hour))
			return err
		}},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			var spent [2]time.Duration
			i := 0
			for b.Loop() {
				for k, s := range stores {
					start := time.Now()
					if err := op.fn(s.st, i); err != nil {
						b.Fatalf("%s on %s: %v", op.name, s.name, err)
					}
					spent[k] += time.Since(start)
				}
				i++
			}
			b.ReportMetric(float64(spent[0].Nanoseconds())/float64(b.N), "sqlite-ns/op")
			b.ReportMetric(float64(spent[1].Nanoseconds())/float64(b.N), "dynalite-ns/op")
			b.ReportMetric(float64(spent[1])/float64(spent[0]), "dynalite/sqlite")
		})
	}
}

func fill(vid string, i int, base time.Time) func(*catalog.Product, bool) error {
	return func(p *catalog.Product, _ bool) error {
		price := int64(1000 + i)
		p.Seller, p.VideoIDs, p.Index, p.Title = "bench.shop", []string{vid}, i, fmt.Sprintf("Item %s-%d", vid, i)
		p.PriceMinor, p.Currency, p.BuyURL = &price, "USD", "https://shop.example.com/item"
		p.Status, p.Source, p.VideoPostedAt = catalog.ProductPublished, catalog.ProductFromRules, base
		p.Tags = []catalog.Tag{{Name: "bench", Confidence: 0.5}}
		return nil
	}
}
