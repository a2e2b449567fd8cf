// Package catalogtest is the conformance suite every catalog.Store must pass:
// create/get/update, idempotent upserts, ordering and opaque-cursor paging,
// not-found and conflict semantics, validation, concurrent writers, click
// counting, seller profiles, plain links, soft-deleted and hand-made
// products. A backend's test calls Run with a function that opens an empty store.
package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// Opener returns a new, empty store; Run closes it when the subtest ends.
type Opener func(t *testing.T) catalog.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	t.Helper()
	suites := []struct {
		name string
		fn   func(*testing.T, catalog.Store)
	}{
		{"Sellers", testSellers},
		{"SellerPaging", testSellerPaging},
		{"Videos", testVideos},
		{"VideoListing", testVideoListing},
		{"Products", testProducts},
		{"ProductListing", testProductListing},
		{"ProductFilters", testProductFilters},
		{"Validation", testValidation},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Clicks", testClicks},
		{"Views", testViews},
		{"Profiles", testProfiles},
		{"Links", testLinks},
		{"SoftDelete", testSoftDelete},
		{"ManualProducts", testManualProducts},
		{"VideoMedia", testVideoMedia},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("close store: %v", err)
				}
			})
			s.fn(t, st)
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

// wantCode fails the test unless err carries the domain code.
func wantCode(t *testing.T, err error, code catalog.Code, what string) {
	t.Helper()
	if got := catalog.CodeOf(err); got != code {
		t.Fatalf("%s: want error code %q, got %q (%v)", what, code, got, err)
	}
}

// must turns a (value, error) result into a check that fails the test on an error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func seller(handle string) catalog.Seller {
	return catalog.Seller{Handle: handle, Sub: "sub-" + handle, DisplayName: "Seller " + handle}
}

// Video returns a valid queued video of the seller; tests of other packages
// use it as a fixture too.
func Video(id, sellerHandle string, posted time.Time) catalog.Video {
	return catalog.Video{
		ID: id, Seller: sellerHandle, PageURL: "https://www.tiktok.com/@" + sellerHandle + "/video/" + id,
		MediaURL: "https://cdn.example.com/" + id + ".mp4", Caption: "Great find 👉 $19.99",
		PostedAt: posted.UTC(), Status: catalog.VideoQueued, Source: catalog.SourceManual,
	}
}

func price(v int64) *int64 { return &v }

// productFn returns an UpsertProduct function that fills a valid product.
func productFn(sellerHandle, videoID, title string, posted time.Time, mut func(*catalog.Product)) func(*catalog.Product, bool) error {
	return func(p *catalog.Product, _ bool) error {
		p.Seller, p.VideoIDs, p.Title = sellerHandle, []string{videoID}, title
		p.PriceMinor, p.Currency, p.BuyURL = price(1999), "USD", "https://shop.example.com/item"
		p.Status, p.Source, p.VideoPostedAt = catalog.ProductPublished, catalog.ProductFromRules, posted.UTC()
		if mut != nil {
			mut(p)
		}
		return nil
	}
}

func testSellers(t *testing.T, st catalog.Store) {
	_, err := st.GetSeller(ctx(t), "nobody")
	wantCode(t, err, catalog.CodeNotFound, "get missing seller")

	created := must(st.CreateSeller(ctx(t), seller("bella.shop")))(t)
	if created.CreatedAt.IsZero() || created.UpdatedAt.IsZero() {
		t.Fatalf("created seller lacks timestamps: %+v", created)
	}
	got := must(st.GetSeller(ctx(t), "bella.shop"))(t)
	if got.Sub != "sub-bella.shop" || got.DisplayName != "Seller bella.shop" {
		t.Fatalf("get seller: got %+v", got)
	}
	bySub := must(st.GetSellerBySub(ctx(t), "sub-bella.shop"))(t)
	if bySub.Handle != "bella.shop" {
		t.Fatalf("get by sub: got %+v", bySub)
	}
	_, err = st.GetSellerBySub(ctx(t), "sub-none")
	wantCode(t, err, catalog.CodeNotFound, "get by missing sub")

	dup := seller("bella.shop")
	dup.Sub = "someone-else"
	_, err = st.CreateSeller(ctx(t), dup)
	wantCode(t, err, catalog.CodeConflict, "taken handle")

	second := seller("other_handle")
	second.Sub = "sub-bella.shop"
	_, err = st.CreateSeller(ctx(t), second)
	wantCode(t, err, catalog.CodeConflict, "account owning a seller already")

	upd := must(st.UpdateSeller(ctx(t), "bella.shop", func(s *catalog.Seller) error {
		s.DisplayName = "Bella"
		return nil
	}))(t)
	if upd.DisplayName != "Bella" || upd.UpdatedAt.Before(upd.CreatedAt) {
		t.Fatalf("update seller: got %+v", upd)
	}
	_, err = st.UpdateSeller(ctx(t), "bella.shop", func(s *catalog.Seller) error {
		s.Sub = "thief"
		return nil
	})
	wantCode(t, err, catalog.CodeInvalid, "changing a seller's account")
	_, err = st.UpdateSeller(ctx(t), "ghost", func(*catalog.Seller) error { return nil })
	wantCode(t, err, catalog.CodeNotFound, "update missing seller")

	boom := errors.New("boom")
	_, err = st.UpdateSeller(ctx(t), "bella.shop", func(s *catalog.Seller) error {
		s.DisplayName = "never stored"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update fn error: want boom, got %v", err)
	}
	if got := must(st.GetSeller(ctx(t), "bella.shop"))(t); got.DisplayName != "Bella" {
		t.Fatalf("a failed update changed the seller: %+v", got)
	}
}

func testSellerPaging(t *testing.T, st catalog.Store) {
	var want []string
	for i := range 7 {
		h := fmt.Sprintf("seller_%02d", 6-i)
		must(st.CreateSeller(ctx(t), seller(h)))(t)
		want = append([]string{h}, want...)
	}
	var got []string
	cursor, pages := "", 0
	for {
		items, next, err := st.ListSellers(ctx(t), catalog.Page{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatalf("list sellers: %v", err)
		}
		pages++
		for _, s := range items {
			got = append(got, s.Handle)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Fatalf("seller pages: got %v in %d pages, want %v in 3", got, pages, want)
	}
	_, _, err := st.ListSellers(ctx(t), catalog.Page{Cursor: "not-a-cursor"})
	wantCode(t, err, catalog.CodeInvalid, "forged cursor")
	_, _, err = st.ListSellers(ctx(t), catalog.Page{Limit: catalog.MaxPageLimit + 1})
	wantCode(t, err, catalog.CodeInvalid, "limit over the maximum")
}

func testVideos(t *testing.T, st catalog.Store) {
	must(st.CreateSeller(ctx(t), seller("bella.shop")))(t)
	posted := time.Date(2025, 7, 7, 14, 58, 13, 0, time.UTC)
	v := Video("7524157935543832863", "bella.shop", posted)

	stored, created, err := st.UpsertVideo(ctx(t), v)
	if err != nil || !created {
		t.Fatalf("first upsert: created=%v err=%v", created, err)
	}
	if !stored.PostedAt.Equal(posted) || stored.Status != catalog.VideoQueued {
		t.Fatalf("stored video: %+v", stored)
	}
	again := v
	again.Caption = "a repeat must not overwrite"
	stored2, created, err := st.UpsertVideo(ctx(t), again)
	if err != nil || created {
		t.Fatalf("repeat upsert: created=%v err=%v", created, err)
	}
	if stored2.Caption != v.Caption {
		t.Fatalf("repeat upsert changed the video: %q", stored2.Caption)
	}
	other := Video(v.ID, "someone", posted)
	_, _, err = st.UpsertVideo(ctx(t), other)
	wantCode(t, err, catalog.CodeConflict, "video of another seller")

	upd := must(st.UpdateVideo(ctx(t), v.ID, func(v *catalog.Video) error {
		v.Status, v.FailureReason = catalog.VideoFailed, "no media"
		v.Attempts++
		v.Steps = map[string]string{"caption": "done"}
		return nil
	}))(t)
	got := must(st.GetVideo(ctx(t), v.ID))(t)
	if got.Status != catalog.VideoFailed || got.FailureReason != "no media" || got.Attempts != 1 || got.Steps["caption"] != "done" {
		t.Fatalf("updated video: %+v", got)
	}
	if !got.UpdatedAt.Equal(upd.UpdatedAt) || got.UpdatedAt.Before(got.CreatedAt) {
		t.Fatalf("timestamps: created %v updated %v (returned %v)", got.CreatedAt, got.UpdatedAt, upd.UpdatedAt)
	}
	// The pipeline's per-video results round-trip.
	thumbs := []catalog.Thumbnail{{Key: "thumbs/ab/x.jpg", FrameMS: 1500, Score: 0.9, Label: "bottle", Width: 400, Height: 400}}
	tags := []catalog.ProductTags{{Index: 0, Category: "home", Tags: []catalog.Tag{{Name: "bottle", Confidence: 0.9}}}}
	must(st.UpdateVideo(ctx(t), v.ID, func(v *catalog.Video) error {
		v.Thumbnails, v.ProductTags = thumbs, tags
		return nil
	}))(t)
	got = must(st.GetVideo(ctx(t), v.ID))(t)
	if fmt.Sprint(got.Thumbnails) != fmt.Sprint(thumbs) || fmt.Sprint(got.ProductTags) != fmt.Sprint(tags) {
		t.Fatalf("pipeline results: %+v %+v", got.Thumbnails, got.ProductTags)
	}
	_, err = st.UpdateVideo(ctx(t), v.ID, func(v *catalog.Video) error {
		v.ProductTags = []catalog.ProductTags{{Index: 0}, {Index: 0}}
		return nil
	})
	wantCode(t, err, catalog.CodeInvalid, "repeated product tag index")
	_, err = st.UpdateVideo(ctx(t), v.ID, func(v *catalog.Video) error {
		v.Seller = "thief"
		return nil
	})
	wantCode(t, err, catalog.CodeInvalid, "changing a video's seller")
	_, err = st.UpdateVideo(ctx(t), v.ID, func(v *catalog.Video) error {
		v.Status = catalog.VideoFailed
		v.FailureReason = ""
		return nil
	})
	wantCode(t, err, catalog.CodeInvalid, "failed without a reason")
	_, err = st.UpdateVideo(ctx(t), "123", func(*catalog.Video) error { return nil })
	wantCode(t, err, catalog.CodeNotFound, "update missing video")
	_, err = st.GetVideo(ctx(t), "404")
	wantCode(t, err, catalog.CodeNotFound, "get missing video")
}

func testVideoListing(t *testing.T, st catalog.Store) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// Two videos share a posted time to exercise the id tie-break.
	for i := range 9 {
		posted := base.Add(time.Duration(i/2) * time.Hour)
		v := Video(fmt.Sprintf("10%02d", i), "bella.shop", posted)
		if i%3 == 0 {
			v.Status = catalog.VideoReady
		}
		must3(st.UpsertVideo(ctx(t), v))(t)
	}
	must3(st.UpsertVideo(ctx(t), Video("2000", "other", base)))(t)

	all := collectVideos(t, st, catalog.VideoQuery{Seller: "bella.shop"}, 4)
	want := []string{"1008", "1007", "1006", "1005", "1004", "1003", "1002", "1001", "1000"}
	if fmt.Sprint(ids(all)) != fmt.Sprint(want) {
		t.Fatalf("video order: got %v want %v", ids(all), want)
	}
	ready := collectVideos(t, st, catalog.VideoQuery{Seller: "bella.shop", Statuses: []catalog.VideoStatus{catalog.VideoReady}}, 2)
	if fmt.Sprint(ids(ready)) != "[1006 1003 1000]" {
		t.Fatalf("ready videos: got %v", ids(ready))
	}
	if n := len(collectVideos(t, st, catalog.VideoQuery{}, 100)); n != 10 {
		t.Fatalf("all videos: got %d want 10", n)
	}
	future := time.Now().Add(time.Hour)
	if n := len(collectVideos(t, st, catalog.VideoQuery{UpdatedBefore: future}, 100)); n != 10 {
		t.Fatalf("updated before the future: got %d want 10", n)
	}
	if n := len(collectVideos(t, st, catalog.VideoQuery{UpdatedBefore: base}, 100)); n != 0 {
		t.Fatalf("updated before 2025: got %d want 0", n)
	}

	// A cursor belongs to its query.
	_, next, err := st.ListVideos(ctx(t), catalog.VideoQuery{Seller: "bella.shop"}, catalog.Page{Limit: 2})
	if err != nil || next == "" {
		t.Fatalf("first page: next=%q err=%v", next, err)
	}
	_, _, err = st.ListVideos(ctx(t), catalog.VideoQuery{Seller: "other"}, catalog.Page{Limit: 2, Cursor: next})
	wantCode(t, err, catalog.CodeInvalid, "cursor of another query")
	_, _, err = st.ListVideos(ctx(t), catalog.VideoQuery{}, catalog.Page{Cursor: "eyJxIjoiMTIzIn0"})
	wantCode(t, err, catalog.CodeInvalid, "forged cursor")
}

// must3 is must for three results, the last an error.
func must3[A, B any](_ A, _ B, err error) func(*testing.T) {
	return func(t *testing.T) {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
	}
}

func collectVideos(t *testing.T, st catalog.Store, q catalog.VideoQuery, limit int) []catalog.Video {
	t.Helper()
	var out []catalog.Video
	cursor := ""
	for range 100 {
		items, next, err := st.ListVideos(ctx(t), q, catalog.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatalf("list videos: %v", err)
		}
		if len(items) > limit {
			t.Fatalf("page of %d items exceeds limit %d", len(items), limit)
		}
		out = append(out, items...)
		if next == "" {
			return out
		}
		cursor = next
	}
	t.Fatal("paging did not end")
	return nil
}

func ids(vs []catalog.Video) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}
