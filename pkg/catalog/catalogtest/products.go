package catalogtest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

func testProducts(t *testing.T, st catalog.Store) {
	posted := time.Date(2025, 7, 7, 0, 0, 0, 0, time.UTC)
	id := catalog.ProductID("1001", 0)
	if id != catalog.ProductID("1001", 0) || id == catalog.ProductID("1001", 1) || id == catalog.ProductID("1002", 0) {
		t.Fatalf("product ids are not deterministic and distinct")
	}
	_, err := st.GetProduct(ctx(t), id)
	wantCode(t, err, catalog.CodeNotFound, "get missing product")

	var sawExists []bool
	fill := productFn("bella.shop", "1001", "Stanley Quencher 40oz", posted, nil)
	record := func(p *catalog.Product, exists bool) error {
		sawExists = append(sawExists, exists)
		return fill(p, exists)
	}
	first := must(st.UpsertProduct(ctx(t), id, record))(t)
	second := must(st.UpsertProduct(ctx(t), id, record))(t)
	if len(sawExists) != 2 || sawExists[0] || !sawExists[1] {
		t.Fatalf("exists flags: got %v want [false true]", sawExists)
	}
	if first.ID != id || second.Title != first.Title || !second.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("idempotent upsert changed identity: %+v vs %+v", first, second)
	}
	items, _, err := st.ListProducts(ctx(t), catalog.ProductQuery{Seller: "bella.shop"}, catalog.Page{})
	if err != nil || len(items) != 1 {
		t.Fatalf("a repeated upsert must not duplicate: %d items, err %v", len(items), err)
	}

	upd := must(st.UpsertProduct(ctx(t), id, func(p *catalog.Product, exists bool) error {
		p.Tags = []catalog.Tag{{Name: "tumbler", Confidence: 0.9}, {Name: "kitchen", Confidence: 0.7}}
		p.Thumbnails = []catalog.Thumbnail{{Key: "thumbs/ab/abc.jpg", FrameMS: 1200, Score: 0.8, Width: 400, Height: 400}}
		p.Edited = append(p.Edited, "title")
		p.Title = "Quencher"
		return nil
	}))(t)
	got := must(st.GetProduct(ctx(t), id))(t)
	if got.Title != "Quencher" || len(got.Tags) != 2 || got.Tags[0].Confidence != 0.9 || len(got.Thumbnails) != 1 ||
		!got.IsEdited("title") || *got.PriceMinor != 1999 || !got.UpdatedAt.Equal(upd.UpdatedAt) {
		t.Fatalf("stored product: %+v", got)
	}

	_, err = st.UpsertProduct(ctx(t), id, func(p *catalog.Product, _ bool) error {
		p.Seller = "thief"
		return nil
	})
	wantCode(t, err, catalog.CodeInvalid, "changing a product's seller")

	if err := st.DeleteProduct(ctx(t), id); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = st.GetProduct(ctx(t), id)
	wantCode(t, err, catalog.CodeNotFound, "get deleted product")
	wantCode(t, st.DeleteProduct(ctx(t), id), catalog.CodeNotFound, "delete missing product")
	if items, _, _ := st.ListProducts(ctx(t), catalog.ProductQuery{Tag: "tumbler"}, catalog.Page{}); len(items) != 0 {
		t.Fatalf("a deleted product is still listed by tag")
	}
}

func testProductListing(t *testing.T, st catalog.Store) {
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	// Video i is posted i hours after base; each has two products.
	for i := range 6 {
		vid := fmt.Sprintf("20%02d", i)
		for j := range 2 {
			i, j := i, j
			must(st.UpsertProduct(ctx(t), catalog.ProductID(vid, j), productFn("bella.shop", vid,
				fmt.Sprintf("Item %d-%d", i, j), base.Add(time.Duration(i)*time.Hour), func(p *catalog.Product) {
					p.Index = j
					if i == 1 && j == 1 {
						p.Pinned = true
					}
					if i == 0 && j == 0 {
						p.Position = 5
					}
				})))(t)
		}
	}
	var got []string
	cursor := ""
	for {
		items, next, err := st.ListProducts(ctx(t), catalog.ProductQuery{Seller: "bella.shop"}, catalog.Page{Limit: 5, Cursor: cursor})
		if err != nil {
			t.Fatalf("list products: %v", err)
		}
		for _, p := range items {
			got = append(got, p.Title)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	// Pinned first, then position 0 newest video first (ties by id), then position 5.
	wantFirst, wantLast := "Item 1-1", "Item 0-0"
	if len(got) != 12 || got[0] != wantFirst || got[11] != wantLast {
		t.Fatalf("product order: got %v", got)
	}
	for i, title := range got[1:11] {
		var vi, pj int
		if _, err := fmt.Sscanf(title, "Item %d-%d", &vi, &pj); err != nil {
			t.Fatalf("title %q: %v", title, err)
		}
		if i > 0 {
			var pvi, ppj int
			_, _ = fmt.Sscanf(got[i], "Item %d-%d", &pvi, &ppj)
			if vi > pvi {
				t.Fatalf("newer video listed after older: %v", got)
			}
		}
	}
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Fatalf("paging repeated %q: %v", g, got)
		}
		seen[g] = true
	}
	_, _, err := st.ListProducts(ctx(t), catalog.ProductQuery{}, catalog.Page{Limit: 101})
	wantCode(t, err, catalog.CodeInvalid, "limit over 100")
	_, _, err = st.ListProducts(ctx(t), catalog.ProductQuery{Seller: "x"}, catalog.Page{Cursor: "%%%"})
	wantCode(t, err, catalog.CodeInvalid, "forged cursor")
}

func testProductFilters(t *testing.T, st catalog.Store) {
	posted := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	add := func(vid string, idx int, title string, mut func(*catalog.Product)) {
		must(st.UpsertProduct(ctx(t), catalog.ProductID(vid, idx), productFn("bella.shop", vid, title, posted, func(p *catalog.Product) {
			p.Index = idx
			mut(p)
		})))(t)
	}
	add("3001", 0, "Pink Yoga Mat", func(p *catalog.Product) {
		p.Category, p.PriceMinor = "sports", price(2500)
		p.Tags = []catalog.Tag{{Name: "yoga", Confidence: 0.9}}
	})
	add("3001", 1, "Water Bottle", func(p *catalog.Product) {
		p.Category, p.PriceMinor = "kitchen", price(1500)
		p.Tags = []catalog.Tag{{Name: "bottle", Confidence: 0.8}}
	})
	add("3002", 0, "Yoga Blocks", func(p *catalog.Product) {
		p.Category, p.PriceMinor, p.Currency = "sports", nil, ""
		p.Status = catalog.ProductHidden
		p.Tags = []catalog.Tag{{Name: "yoga", Confidence: 0.7}}
	})
	add("3003", 0, "Other seller yoga", func(p *catalog.Product) { p.Seller = "other" })

	cases := []struct {
		name string
		q    catalog.ProductQuery
		want []string
	}{
		{"seller", catalog.ProductQuery{Seller: "bella.shop"}, []string{"Pink Yoga Mat", "Water Bottle", "Yoga Blocks"}},
		{"video", catalog.ProductQuery{VideoID: "3001"}, []string{"Pink Yoga Mat", "Water Bottle"}},
		{"tag", catalog.ProductQuery{Seller: "bella.shop", Tag: "yoga"}, []string{"Pink Yoga Mat", "Yoga Blocks"}},
		{"category", catalog.ProductQuery{Category: "kitchen"}, []string{"Water Bottle"}},
		{"text", catalog.ProductQuery{Seller: "bella.shop", Text: "YOGA"}, []string{"Pink Yoga Mat", "Yoga Blocks"}},
		{"status", catalog.ProductQuery{Seller: "bella.shop", Statuses: []catalog.ProductStatus{catalog.ProductPublished}}, []string{"Pink Yoga Mat", "Water Bottle"}},
		{"min price", catalog.ProductQuery{Seller: "bella.shop", MinPrice: price(2000)}, []string{"Pink Yoga Mat"}},
		{"price range", catalog.ProductQuery{Seller: "bella.shop", MinPrice: price(1000), MaxPrice: price(2000)}, []string{"Water Bottle"}},
		{"no match", catalog.ProductQuery{Seller: "bella.shop", Tag: "nothing"}, nil},
	}
	for _, c := range cases {
		items, next, err := st.ListProducts(ctx(t), c.q, catalog.Page{Limit: 100})
		if err != nil || next != "" {
			t.Fatalf("%s: err=%v next=%q", c.name, err, next)
		}
		var got []string
		for _, p := range items {
			got = append(got, p.Title)
		}
		if fmt.Sprint(sortedStrings(got)) != fmt.Sprint(sortedStrings(c.want)) {
			t.Errorf("%s: got %v want %v", c.name, got, c.want)
		}
	}
}

func testValidation(t *testing.T, st catalog.Store) {
	bad := seller("X")
	_, err := st.CreateSeller(ctx(t), bad)
	wantInvalidField(t, err, "handle")

	v := Video("12ab", "bella.shop", time.Now())
	_, _, err = st.UpsertVideo(ctx(t), v)
	wantInvalidField(t, err, "id")
	v = Video("1234", "bella.shop", time.Now())
	v.PageURL = "javascript:alert(1)"
	_, _, err = st.UpsertVideo(ctx(t), v)
	wantInvalidField(t, err, "pageUrl")

	id := catalog.ProductID("1234", 0)
	productCases := []struct {
		field string
		mut   func(*catalog.Product)
	}{
		{"title", func(p *catalog.Product) { p.Title = "" }},
		{"priceMinor", func(p *catalog.Product) { p.PriceMinor = price(-5) }},
		{"currency", func(p *catalog.Product) { p.Currency = "XYZ" }},
		{"buyUrl", func(p *catalog.Product) { p.BuyURL = "javascript:alert(1)" }},
		{"buyUrl", func(p *catalog.Product) { p.BuyURL = "http://169.254.169.254/latest/meta-data" }},
		{"buyUrl", func(p *catalog.Product) { p.BuyURL = "https://user:pw@shop.example.com/" }},
		{"tags", func(p *catalog.Product) { p.Tags = []catalog.Tag{{Name: "Not Normal", Confidence: 0.5}} }},
		{"tags", func(p *catalog.Product) { p.Tags = []catalog.Tag{{Name: "ok", Confidence: 1.5}} }},
		{"status", func(p *catalog.Product) { p.Status = "live" }},
		{"currency", func(p *catalog.Product) { p.Currency = "XXX" }},
		{"currency", func(p *catalog.Product) { p.Currency = "XTS" }},
		{"offerEndsAt", func(p *catalog.Product) { e := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC); p.OfferEndsAt = &e }},
		{"offerEndsAt", func(p *catalog.Product) { e := time.Time{}.Add(time.Hour); p.OfferEndsAt = &e }},
		{"title", func(p *catalog.Product) { p.Title = "\u200b\u202e\u2066" }},
	}
	for _, c := range productCases {
		_, err := st.UpsertProduct(ctx(t), id, productFn("bella.shop", "1234", "Valid", time.Now(), c.mut))
		wantInvalidField(t, err, c.field)
	}
	_, err = st.GetProduct(ctx(t), id)
	wantCode(t, err, catalog.CodeNotFound, "an invalid product must not be stored")

	// Display text is kept without invisible and bidi control characters.
	clean := must(st.UpsertProduct(ctx(t), id, productFn("bella.shop", "1234", "Glow\u200b serum \u202egnp.exe", time.Now(), func(p *catalog.Product) {
		p.DiscountCode = "GLOW\u200d10"
	})))(t)
	if got := must(st.GetProduct(ctx(t), id))(t); got.Title != "Glow serum gnp.exe" || clean.Title != got.Title || got.DiscountCode != "GLOW10" {
		t.Fatalf("stored title %q, code %q (answered %q)", got.Title, got.DiscountCode, clean.Title)
	}
	s := seller("clean.shop")
	s.DisplayName, s.Bio = "Clean\u2067 Shop\ufeff", "line one\u200b\nline two"
	if got := must(st.CreateSeller(ctx(t), s))(t); got.DisplayName != "Clean Shop" || got.Bio != "line one\nline two" {
		t.Fatalf("stored seller %q %q", got.DisplayName, got.Bio)
	}
	wantInvalidField(t, st.RecordClick(ctx(t), catalog.Click{ProductID: id, Seller: "bella.shop"}), "at")
}

func wantInvalidField(t *testing.T, err error, field string) {
	t.Helper()
	var de *catalog.Error
	if !errorsAs(err, &de) || de.Code != catalog.CodeInvalid || de.Field != field {
		t.Fatalf("want invalid %q, got %v", field, err)
	}
}

func testConcurrentWriters(t *testing.T, st catalog.Store) {
	v := Video("4001", "bella.shop", time.Now())
	must3(st.UpsertVideo(ctx(t), v))(t)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*3)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := st.UpdateVideo(ctx(t), v.ID, func(v *catalog.Video) error {
					v.Attempts++
					return nil
				}); err != nil {
					errs <- err
				}
				// Every writer upserts the same products too: they must not duplicate.
				idx := i % 3
				if _, err := st.UpsertProduct(ctx(t), catalog.ProductID(v.ID, idx), productFn("bella.shop", v.ID,
					fmt.Sprintf("Product %d", idx), v.PostedAt, func(p *catalog.Product) { p.Index = idx; p.Position = w })); err != nil {
					errs <- err
				}
				if _, _, err := st.UpsertVideo(ctx(t), Video(fmt.Sprintf("5%03d", i), "bella.shop", time.Now())); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent write failed: %v", err)
	}
	if got := must(st.GetVideo(ctx(t), v.ID))(t); got.Attempts != writers*each {
		t.Fatalf("lost updates: attempts %d want %d", got.Attempts, writers*each)
	}
	items, _, err := st.ListProducts(ctx(t), catalog.ProductQuery{VideoID: v.ID}, catalog.Page{Limit: 100})
	if err != nil || len(items) != 3 {
		t.Fatalf("concurrent upserts: %d products (want 3), err %v", len(items), err)
	}
	if n := len(collectVideos(t, st, catalog.VideoQuery{Seller: "bella.shop"}, 100)); n != each+1 {
		t.Fatalf("concurrent video upserts: %d videos, want %d", n, each+1)
	}
}

func testClicks(t *testing.T, st catalog.Store) {
	day := time.Date(2025, 5, 10, 0, 0, 0, 0, time.UTC)
	a, b := catalog.ProductID("6001", 0), catalog.ProductID("6001", 1)
	clicks := []catalog.Click{
		{ProductID: a, Seller: "bella.shop", At: day.Add(1 * time.Hour), ReferrerHost: "www.tiktok.com"},
		{ProductID: a, Seller: "bella.shop", At: day.Add(23*time.Hour + 59*time.Minute)},
		{ProductID: b, Seller: "bella.shop", At: day.Add(2 * time.Hour)},
		{ProductID: a, Seller: "bella.shop", At: day.Add(25 * time.Hour)},
		{ProductID: a, Seller: "other", At: day.Add(time.Hour)},
		{ProductID: a, Seller: "bella.shop", At: day.Add(-time.Minute)}, // before the range
	}
	var wg sync.WaitGroup
	for _, c := range clicks {
		wg.Go(func() {
			if err := st.RecordClick(ctx(t), c); err != nil {
				t.Errorf("record click: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := st.DailyClicks(ctx(t), "bella.shop", day, day.Add(48*time.Hour))
	if err != nil {
		t.Fatalf("daily clicks: %v", err)
	}
	want := []catalog.DailyClicks{{ProductID: a, Day: day, Count: 2}, {ProductID: b, Day: day, Count: 1}, {ProductID: a, Day: day.Add(24 * time.Hour), Count: 1}}
	if a > b {
		want[0], want[1] = want[1], want[0]
	}
	if len(got) != len(want) {
		t.Fatalf("daily clicks: got %+v want %+v", got, want)
	}
	for i := range want {
		if got[i].ProductID != want[i].ProductID || !got[i].Day.Equal(want[i].Day) || got[i].Count != want[i].Count {
			t.Fatalf("daily clicks[%d]: got %+v want %+v", i, got[i], want[i])
		}
	}
}

func testViews(t *testing.T, st catalog.Store) {
	day := time.Date(2025, 5, 10, 0, 0, 0, 0, time.UTC)
	views := []catalog.View{
		{Seller: "bella.shop", At: day.Add(1 * time.Hour)},
		{Seller: "bella.shop", At: day.Add(23*time.Hour + 59*time.Minute)},
		{Seller: "bella.shop", Page: "6001", At: day.Add(2 * time.Hour)},
		{Seller: "bella.shop", At: day.Add(25 * time.Hour)},
		{Seller: "other", At: day.Add(time.Hour)},
		{Seller: "bella.shop", At: day.Add(-time.Minute)},   // before the range
		{Seller: "bella.shop", At: day.Add(48 * time.Hour)}, // at its end, excluded
	}
	var wg sync.WaitGroup
	for _, v := range views {
		wg.Go(func() {
			if err := st.RecordView(ctx(t), v); err != nil {
				t.Errorf("record view: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := st.DailyViews(ctx(t), "bella.shop", day, day.Add(48*time.Hour))
	if err != nil {
		t.Fatalf("daily views: %v", err)
	}
	want := []catalog.DailyViews{{Page: "", Day: day, Count: 2}, {Page: "6001", Day: day, Count: 1}, {Page: "", Day: day.Add(24 * time.Hour), Count: 1}}
	if len(got) != len(want) {
		t.Fatalf("daily views: got %+v want %+v", got, want)
	}
	for i := range want {
		if got[i].Page != want[i].Page || !got[i].Day.Equal(want[i].Day) || got[i].Count != want[i].Count {
			t.Fatalf("daily views[%d]: got %+v want %+v", i, got[i], want[i])
		}
	}
	wantInvalidField(t, st.RecordView(ctx(t), catalog.View{Seller: "bella.shop"}), "at")
	wantInvalidField(t, st.RecordView(ctx(t), catalog.View{Seller: "bella.shop", Page: "../x", At: day}), "page")
	wantInvalidField(t, st.RecordView(ctx(t), catalog.View{Seller: "Not A Handle", At: day}), "seller")
	if got, err := st.DailyViews(ctx(t), "nobody", day, day.Add(48*time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("daily views of a seller without any: %+v, %v", got, err)
	}
}
