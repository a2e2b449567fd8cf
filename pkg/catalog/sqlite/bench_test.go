package sqlite_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
)

func benchStore(b *testing.B) *sqlite.Store {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}

func fill(i int) func(*catalog.Product, bool) error {
	return func(p *catalog.Product, _ bool) error {
		price := int64(1000 + i)
		p.Seller, p.VideoIDs, p.Title, p.Index = "bench", []string{fmt.Sprint(1_000_000 + i/3)}, fmt.Sprintf("Product %d", i), i%3
		p.PriceMinor, p.Currency, p.BuyURL = &price, "USD", "https://shop.example.com/p"
		p.Status, p.Source, p.VideoPostedAt = catalog.ProductPublished, catalog.ProductFromRules, time.Unix(int64(i), 0)
		p.Tags = []catalog.Tag{{Name: "kitchen", Confidence: 0.9}, {Name: "bottle", Confidence: 0.8}}
		return nil
	}
}

// BenchmarkUpsertProduct measures write throughput (one transaction each).
func BenchmarkUpsertProduct(b *testing.B) {
	st := benchStore(b)
	i := 0
	for b.Loop() {
		if _, err := st.UpsertProduct(b.Context(), fmt.Sprintf("p%d", i%1000), fill(i%1000)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

// BenchmarkGetProductParallel measures concurrent point reads.
func BenchmarkGetProductParallel(b *testing.B) {
	st := benchStore(b)
	for i := range 1000 {
		if _, err := st.UpsertProduct(b.Context(), fmt.Sprintf("p%d", i), fill(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := st.GetProduct(b.Context(), fmt.Sprintf("p%d", i%1000)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

// BenchmarkListProducts measures a shop page: 50 products of a seller with 1000.
func BenchmarkListProducts(b *testing.B) {
	st := benchStore(b)
	for i := range 1000 {
		if _, err := st.UpsertProduct(b.Context(), fmt.Sprintf("p%d", i), fill(i)); err != nil {
			b.Fatal(err)
		}
	}
	q := catalog.ProductQuery{Seller: "bench", Statuses: []catalog.ProductStatus{catalog.ProductPublished}}
	for b.Loop() {
		items, _, err := st.ListProducts(b.Context(), q, catalog.Page{Limit: 50})
		if err != nil || len(items) != 50 {
			b.Fatalf("%d items, %v", len(items), err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkRecordClick measures click inserts.
func BenchmarkRecordClick(b *testing.B) {
	st := benchStore(b)
	now := time.Now()
	for b.Loop() {
		if err := st.RecordClick(b.Context(), catalog.Click{ProductID: "p1", Seller: "bench", At: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "clicks/s")
}
