package projector_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/catalogtest"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/services/product-service/projector"
)

const seller = "bella.shop"

var posted = time.Date(2025, 7, 7, 14, 58, 13, 0, time.UTC)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateSeller(t.Context(), catalog.Seller{Handle: seller, Sub: "sub-bella", DisplayName: "Bella"}); err != nil {
		t.Fatal(err)
	}
	return st
}

func addVideo(t *testing.T, st catalog.Store, id string) {
	t.Helper()
	if _, _, err := st.UpsertVideo(t.Context(), catalogtest.Video(id, seller, posted)); err != nil {
		t.Fatalf("add video: %v", err)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func env(t *testing.T, videoID string, p events.Payload) events.Envelope {
	t.Helper()
	e, err := events.New("corr-1", seller, videoID, p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func i64(v int64) *int64 { return &v }

func caption(products ...events.ParsedProduct) *events.CaptionParsed {
	return &events.CaptionParsed{Parser: "rules", Products: products, PostedAt: posted}
}

func twoProducts() *events.CaptionParsed {
	ends := time.Date(2030, 1, 5, 0, 0, 0, 0, time.UTC)
	return caption(
		events.ParsedProduct{Index: 0, Title: "Stanley Quencher 40oz", PriceMinor: i64(3500), CompareAtMinor: i64(4500), Currency: "USD",
			BuyURL: "https://amzn.to/3xYz", DiscountCode: "BELLA15", OfferEndsAt: &ends, Confidence: 0.9},
		events.ParsedProduct{Index: 1, Title: "Owala FreeSip", PriceMinor: i64(2799), Currency: "USD", BuyURL: "https://shop.example.com/owala", Confidence: 0.8},
	)
}

func fiveThumbs() *events.ThumbnailsGenerated {
	var ts []events.Thumbnail
	for i := range 5 {
		ts = append(ts, events.Thumbnail{Key: thumbKey(i), FrameMS: int64(i * 1000), Score: 1 - float64(i)/10, Width: 400, Height: 400})
	}
	return &events.ThumbnailsGenerated{Thumbnails: ts, Requested: 5}
}

func thumbKey(i int) string {
	return fmt.Sprintf("thumbs/%02x/%064x.jpg", i, i)
}

func tags() *events.ProductTagged {
	return &events.ProductTagged{Tagger: "rules", Products: []events.TaggedProduct{
		{Index: 0, Category: "kitchen", Tags: []events.Tag{{Name: "Tumbler", Confidence: 0.9}, {Name: "#stainless-steel", Confidence: 0.7}, {Name: "tumbler", Confidence: 0.6}}},
		{Index: 1, Category: "kitchen", Tags: []events.Tag{{Name: "water bottle", Confidence: 1.4}}},
	}}
}

func handle(t *testing.T, p *projector.Projector, e events.Envelope) {
	t.Helper()
	if err := p.Handle(t.Context(), e); err != nil {
		t.Fatalf("handle %s: %v", e.Type, err)
	}
}

func products(t *testing.T, st catalog.Store, videoID string) []catalog.Product {
	t.Helper()
	items, _, err := st.ListProducts(t.Context(), catalog.ProductQuery{VideoID: videoID}, catalog.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(items, func(a, b catalog.Product) int { return a.Index - b.Index })
	return items
}

func video(t *testing.T, st catalog.Store, id string) catalog.Video {
	t.Helper()
	v, err := st.GetVideo(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// state is a video's projection without timestamps, for comparing outcomes.
func state(t *testing.T, st catalog.Store, videoID string) string {
	t.Helper()
	ps := products(t, st, videoID)
	for i := range ps {
		ps[i].CreatedAt, ps[i].UpdatedAt = time.Time{}, time.Time{}
	}
	v := video(t, st, videoID)
	v.CreatedAt, v.UpdatedAt = time.Time{}, time.Time{}
	b, _ := json.Marshal(struct {
		V catalog.Video
		P []catalog.Product
	}{v, ps})
	return string(b)
}

func TestAllResultsMakeReadyProducts(t *testing.T) {
	st := openStore(t)
	addVideo(t, st, "100")
	var changed []string
	p := projector.New(st, projector.Options{Logger: quiet(), OnChange: func(s string) { changed = append(changed, s) }})
	handle(t, p, env(t, "100", twoProducts()))
	if v := video(t, st, "100"); v.Status != catalog.VideoProcessing || v.ProductCount != 2 {
		t.Fatalf("after caption: status %s count %d", v.Status, v.ProductCount)
	}
	handle(t, p, env(t, "100", fiveThumbs()))
	handle(t, p, env(t, "100", tags()))

	v := video(t, st, "100")
	if v.Status != catalog.VideoReady || v.FailureReason != "" {
		t.Fatalf("video: %s %q steps %v", v.Status, v.FailureReason, v.Steps)
	}
	ps := products(t, st, "100")
	if len(ps) != 2 {
		t.Fatalf("want 2 products, got %d", len(ps))
	}
	a, b := ps[0], ps[1]
	if a.ID != catalog.ProductID("100", 0) || a.Title != "Stanley Quencher 40oz" || *a.PriceMinor != 3500 || *a.CompareAtMinor != 4500 ||
		a.Currency != "USD" || a.BuyURL != "https://amzn.to/3xYz" || a.DiscountCode != "BELLA15" || a.OfferEndsAt == nil ||
		a.Status != catalog.ProductPublished || a.Source != catalog.ProductFromRules || !a.VideoPostedAt.Equal(posted) || a.Seller != seller {
		t.Fatalf("product 0: %+v", a)
	}
	// Five thumbnails over two products: 0, 2, 4 and 1, 3.
	if keys(a.Thumbnails) != keysOf(0, 2, 4) || keys(b.Thumbnails) != keysOf(1, 3) {
		t.Fatalf("thumbnail shares: %s / %s", keys(a.Thumbnails), keys(b.Thumbnails))
	}
	if fmt.Sprint(a.Tags) != "[{tumbler 0.9} {stainless steel 0.7}]" || a.Category != "kitchen" {
		t.Fatalf("tags of product 0: %v %q", a.Tags, a.Category)
	}
	if fmt.Sprint(b.Tags) != "[{water bottle 1}]" {
		t.Fatalf("confidence must be clamped: %v", b.Tags)
	}
	if len(changed) != 3 || changed[0] != seller {
		t.Fatalf("OnChange calls: %v", changed)
	}
}

func keys(ts []catalog.Thumbnail) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Key)
	}
	return strings.Join(out, ",")
}

func keysOf(is ...int) string {
	var out []string
	for _, i := range is {
		out = append(out, thumbKey(i))
	}
	return strings.Join(out, ",")
}

func TestEveryOrderGivesTheSameResult(t *testing.T) {
	st := openStore(t)
	p := projector.New(st, projector.Options{Logger: quiet()})
	payloads := []events.Payload{twoProducts(), fiveThumbs(), tags()}
	orders := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	var want string
	for n, order := range orders {
		id := fmt.Sprint(7524157935543832200 + n)
		addVideo(t, st, id)
		for _, i := range order {
			handle(t, p, env(t, id, payloads[i]))
		}
		got := strings.ReplaceAll(state(t, st, id), id, "ID")
		got = strings.ReplaceAll(got, catalog.ProductID(id, 0), "P0")
		got = strings.ReplaceAll(got, catalog.ProductID(id, 1), "P1")
		if n == 0 {
			want = got
			if !strings.Contains(want, `"status":"ready"`) {
				t.Fatalf("first order did not end ready: %s", want)
			}
			continue
		}
		if got != want {
			t.Fatalf("order %v ends differently:\n got %s\nwant %s", order, got, want)
		}
	}
}

func TestRedeliveryChangesNothing(t *testing.T) {
	st := openStore(t)
	addVideo(t, st, "300")
	calls := 0
	p := projector.New(st, projector.Options{Logger: quiet(), OnChange: func(string) { calls++ }})
	envs := []events.Envelope{env(t, "300", twoProducts()), env(t, "300", fiveThumbs()), env(t, "300", tags())}
	for _, e := range envs {
		handle(t, p, e)
	}
	before := video(t, st, "300").UpdatedAt
	beforeP := products(t, st, "300")
	calls = 0
	time.Sleep(2 * time.Millisecond)
	for _, e := range append(envs, envs...) {
		handle(t, p, e)
	}
	if after := video(t, st, "300").UpdatedAt; !after.Equal(before) {
		t.Fatalf("a redelivery rewrote the video: %v -> %v", before, after)
	}
	for i, pr := range products(t, st, "300") {
		if !pr.UpdatedAt.Equal(beforeP[i].UpdatedAt) {
			t.Fatalf("a redelivery rewrote product %d", i)
		}
	}
	if calls != 0 {
		t.Fatalf("OnChange called %d times for redeliveries", calls)
	}
}

func TestConcurrentDeliveriesLoseNothing(t *testing.T) {
	st := openStore(t)
	p := projector.New(st, projector.Options{Logger: quiet()})
	const first = "7524157935543832399"
	addVideo(t, st, first)
	for _, pl := range []events.Payload{twoProducts(), fiveThumbs(), tags()} {
		handle(t, p, env(t, first, pl))
	}
	want := strings.ReplaceAll(state(t, st, first), first, "ID")
	for round := range 8 {
		id := fmt.Sprint(7524157935543832400 + round)
		addVideo(t, st, id)
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for _, pl := range []events.Payload{twoProducts(), fiveThumbs(), tags(), twoProducts(), fiveThumbs(), tags()} {
			e := env(t, id, pl)
			wg.Go(func() { errs <- p.Handle(context.Background(), e) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		got := strings.ReplaceAll(state(t, st, id), id, "ID")
		for i := range 2 {
			got = strings.ReplaceAll(got, catalog.ProductID(id, i), catalog.ProductID(first, i))
		}
		if got != want {
			t.Fatalf("round %d ends differently:\n got %s\nwant %s", round, got, want)
		}
	}
}

func TestCaptionWithoutProductsNeedsNoTags(t *testing.T) {
	st := openStore(t)
	addVideo(t, st, "500")
	p := projector.New(st, projector.Options{Logger: quiet()})
	handle(t, p, env(t, "500", fiveThumbs()))
	handle(t, p, env(t, "500", caption()))
	if v := video(t, st, "500"); v.Status != catalog.VideoReady || v.ProductCount != 0 {
		t.Fatalf("video: %+v", v)
	}
	if n := len(products(t, st, "500")); n != 0 {
		t.Fatalf("%d products", n)
	}
}

func TestPermanentStepFailureFailsTheVideo(t *testing.T) {
	st := openStore(t)
	addVideo(t, st, "600")
	addVideo(t, st, "601")
	p := projector.New(st, projector.Options{Logger: quiet()})
	handle(t, p, env(t, "600", twoProducts()))
	handle(t, p, env(t, "600", &events.ThumbnailsGenerated{Failure: &events.Failure{Reason: "corrupt video: moov atom not found"}}))
	handle(t, p, env(t, "600", tags()))
	v := video(t, st, "600")
	if v.Status != catalog.VideoFailed || v.FailureReason != "thumbnails: corrupt video: moov atom not found" || v.Steps["thumbnails"] != "failed" {
		t.Fatalf("video: %s %q %v", v.Status, v.FailureReason, v.Steps)
	}
	if ps := products(t, st, "600"); len(ps) != 2 || len(ps[0].Tags) == 0 {
		t.Fatalf("products made before the failure stay, tagged: %+v", ps)
	}
	handle(t, p, env(t, "601", &events.CaptionParsed{Parser: "llm", Failure: &events.Failure{Reason: ""}}))
	if v := video(t, st, "601"); v.Status != catalog.VideoFailed || !strings.HasPrefix(v.FailureReason, "caption: ") {
		t.Fatalf("caption failure: %s %q", v.Status, v.FailureReason)
	}
}

func TestSellerEditsSurviveAReparse(t *testing.T) {
	st := openStore(t)
	addVideo(t, st, "700")
	p := projector.New(st, projector.Options{Logger: quiet()})
	handle(t, p, env(t, "700", twoProducts()))
	id0 := catalog.ProductID("700", 0)
	if _, err := st.UpsertProduct(t.Context(), id0, func(pr *catalog.Product, _ bool) error {
		pr.Title, pr.PriceMinor, pr.Currency = "My own title", i64(2999), "EUR"
		pr.Edited = []string{"title", "priceMinor"}
		pr.Status = catalog.ProductHidden
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reparse := caption(
		events.ParsedProduct{Index: 0, Title: "New parse title", PriceMinor: i64(100), Currency: "USD", BuyURL: "https://amzn.to/new"},
		events.ParsedProduct{Index: 2, Title: "A third thing"},
	)
	reparse.Parser = "llm"
	handle(t, p, env(t, "700", reparse))
	ps := products(t, st, "700")
	if len(ps) != 2 || ps[0].Index != 0 || ps[1].Index != 2 {
		t.Fatalf("want products 0 and 2 (1 dropped by the re-parse), got %+v", ps)
	}
	a := ps[0]
	if a.Title != "My own title" || *a.PriceMinor != 2999 || a.Currency != "EUR" || a.CompareAtMinor == nil || *a.CompareAtMinor != 4500 {
		t.Fatalf("edited fields changed: %+v", a)
	}
	if a.BuyURL != "https://amzn.to/new" || a.Source != catalog.ProductFromLLM || a.Status != catalog.ProductHidden {
		t.Fatalf("unedited fields must follow the re-parse and the status stays: %+v", a)
	}
	// A product the seller edited survives a re-parse that no longer finds it.
	if _, err := st.UpsertProduct(t.Context(), catalog.ProductID("700", 2), func(pr *catalog.Product, _ bool) error {
		pr.DiscountCode, pr.Edited = "MINE", []string{"discountCode"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	handle(t, p, env(t, "700", caption(events.ParsedProduct{Index: 0, Title: "x"})))
	if ps := products(t, st, "700"); len(ps) != 2 || ps[1].DiscountCode != "MINE" {
		t.Fatalf("edited product deleted by a re-parse: %+v", ps)
	}
}

func TestUntrustedFieldsAreCleaned(t *testing.T) {
	st := openStore(t)
	addVideo(t, st, "800")
	p := projector.New(st, projector.Options{Logger: quiet()})
	handle(t, p, env(t, "800", caption(
		events.ParsedProduct{Index: 0, Title: "  <script>alert(1)</script> \"quoted\"\n\u202eevil\u202c  " + strings.Repeat("x", 300),
			PriceMinor: i64(-5), Currency: "USD", BuyURL: "javascript:alert(1)", DiscountCode: "TWO WORDS"},
		events.ParsedProduct{Index: 1, Title: "", PriceMinor: i64(1000), Currency: "usd", BuyURL: "http://169.254.169.254/latest"},
		events.ParsedProduct{Index: 2, Title: "Data", BuyURL: "data:text/html,x", DiscountCode: "SAVE\u200b20"},
		events.ParsedProduct{Index: 3, Title: "Scheme-relative", BuyURL: "//evil.example/x", PriceMinor: i64(catalog.MaxPriceMinor + 1), Currency: "JPY"},
	)))
	handle(t, p, env(t, "800", &events.ThumbnailsGenerated{Thumbnails: []events.Thumbnail{
		{Key: "../../etc/passwd"}, {Key: thumbKey(1), Width: 400, Height: 400}, {Key: thumbKey(1)},
	}}))
	ps := products(t, st, "800")
	if len(ps) != 4 {
		t.Fatalf("want 4 products, got %d", len(ps))
	}
	a := ps[0]
	if !strings.HasPrefix(a.Title, `<script>alert(1)</script> "quoted" evil xxx`) || len([]rune(a.Title)) != catalog.MaxTitleRunes {
		t.Fatalf("title not cleaned: %q", a.Title)
	}
	if a.PriceMinor != nil || a.Currency != "" || a.BuyURL != "" || a.DiscountCode != "" {
		t.Fatalf("bad fields kept: %+v", a)
	}
	if ps[1].Title != "Item 2" || ps[1].PriceMinor != nil || ps[1].BuyURL != "" {
		t.Fatalf("product 1: %+v", ps[1])
	}
	if ps[2].BuyURL != "" || ps[2].DiscountCode != "" || ps[3].BuyURL != "" || ps[3].PriceMinor != nil {
		t.Fatalf("products 2, 3: %+v / %+v", ps[2], ps[3])
	}
	for _, pr := range ps {
		if keys(pr.Thumbnails) != thumbKey(1) {
			t.Fatalf("only the one valid thumbnail may be used, got %q", keys(pr.Thumbnails))
		}
	}
}

func TestEventsThatCanNeverApplyArePermanent(t *testing.T) {
	st := openStore(t)
	addVideo(t, st, "900")
	p := projector.New(st, projector.Options{Logger: quiet()})
	otherSeller := env(t, "900", twoProducts())
	otherSeller.Seller = "someone.else"
	wrongType := env(t, "900", twoProducts())
	wrongType.Type = events.TypeVideoPosted
	badData := env(t, "900", twoProducts())
	badData.Data = json.RawMessage(`{"parser": 7}`)
	badID := env(t, "900", twoProducts())
	badID.VideoID = "../900"
	for name, e := range map[string]events.Envelope{
		"unknown video": env(t, "404", twoProducts()), "other seller": otherSeller, "wrong type": wrongType,
		"undecodable": badData, "bad video id": badID,
	} {
		if err := p.Handle(t.Context(), e); err == nil || !events.IsPermanent(err) {
			t.Errorf("%s: want a permanent error, got %v", name, err)
		}
	}
	if n := len(products(t, st, "900")); n != 0 {
		t.Fatalf("a refused event made %d products", n)
	}
}

// flaky fails GetVideo with a transient error.
type flaky struct {
	projector.Store
}

func (flaky) GetVideo(context.Context, string) (catalog.Video, error) {
	return catalog.Video{}, catalog.Unavailable(errors.New("connection reset"), "read video")
}

func TestStoreOutagesAreRetryable(t *testing.T) {
	st := openStore(t)
	p := projector.New(flaky{st}, projector.Options{Logger: quiet()})
	err := p.Handle(t.Context(), env(t, "900", twoProducts()))
	if err == nil || events.IsPermanent(err) {
		t.Fatalf("want a retryable error, got %v", err)
	}
}

func TestShareThumbnails(t *testing.T) {
	th := func(n int) []catalog.Thumbnail {
		var out []catalog.Thumbnail
		for i := range n {
			out = append(out, catalog.Thumbnail{Key: fmt.Sprint(i)})
		}
		return out
	}
	for _, c := range []struct {
		m, index, n int
		want        string
	}{
		{5, 0, 1, "0,1,2,3,4"}, {5, 1, 2, "1,3"}, {2, 3, 5, "1"}, {2, 4, 5, "0"}, {0, 0, 3, ""}, {5, 7, 3, "1,4"}, {3, 0, 0, "0,1,2"},
	} {
		if got := keys(projector.ShareThumbnails(th(c.m), c.index, c.n)); got != c.want {
			t.Errorf("ShareThumbnails(%d thumbs, index %d, n %d) = %q want %q", c.m, c.index, c.n, got, c.want)
		}
	}
}
