package catalogtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// testProfiles checks the seller's profile fields round-trip and are
// validated by the store.
func testProfiles(t *testing.T, st catalog.Store) {
	must(st.CreateSeller(ctx(t), seller("bella.shop")))(t)
	got := must(st.UpdateSeller(ctx(t), "bella.shop", func(s *catalog.Seller) error {
		s.Bio = "Finds under $20\nNew every Friday"
		s.Avatar = &catalog.Avatar{Small: "avatars/ab/" + hex64('a') + ".jpg", Large: "avatars/cd/" + hex64('c') + ".jpg"}
		s.Socials = catalog.Socials{TikTok: "bella.shop", Instagram: "bella.shop", YouTube: "BellaShop", X: "bella_shop", Email: "hello@bella.example"}
		s.AccentColor = "#0b5d1e"
		return nil
	}))(t)
	stored := must(st.GetSeller(ctx(t), "bella.shop"))(t)
	if stored.Avatar == nil || *stored.Avatar != *got.Avatar || stored.Socials != got.Socials || stored.AccentColor != "#0b5d1e" ||
		stored.Bio != got.Bio {
		t.Fatalf("profile did not round-trip: %+v", stored)
	}
	for name, mut := range map[string]func(*catalog.Seller){
		"light accent":      func(s *catalog.Seller) { s.AccentColor = "#ffcc00" },
		"accent not a hex":  func(s *catalog.Seller) { s.AccentColor = "red" },
		"instagram handle":  func(s *catalog.Seller) { s.Socials.Instagram = "bad..name" },
		"e-mail":            func(s *catalog.Seller) { s.Socials.Email = "not an address" },
		"avatar half":       func(s *catalog.Seller) { s.Avatar = &catalog.Avatar{Small: "x"} },
		"unnormalised x":    func(s *catalog.Seller) { s.Socials.X = "@bella" },
		"bio over the size": func(s *catalog.Seller) { s.Bio = strings.Repeat("b", catalog.MaxBioRunes+1) },
	} {
		_, err := st.UpdateSeller(ctx(t), "bella.shop", func(s *catalog.Seller) error { mut(s); return nil })
		wantCode(t, err, catalog.CodeInvalid, name)
	}
	if again := must(st.GetSeller(ctx(t), "bella.shop"))(t); again.AccentColor != "#0b5d1e" {
		t.Fatalf("an invalid update changed the seller: %+v", again)
	}
}

func hex64(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// testLinks checks plain links: create, order, update, delete, isolation
// between sellers and validation.
func testLinks(t *testing.T, st catalog.Store) {
	if links, err := st.ListLinks(ctx(t), "bella.shop"); err != nil || len(links) != 0 {
		t.Fatalf("no links yet: %v %v", links, err)
	}
	put := func(seller, title string, pos int, mut func(*catalog.Link)) catalog.Link {
		t.Helper()
		id := catalog.NewLinkID()
		return must(st.PutLink(ctx(t), id, func(l *catalog.Link, exists bool) error {
			if exists {
				return errors.New("a new id exists")
			}
			l.Seller, l.Title, l.URL, l.Position = seller, title, "https://shop.example.com/"+title, pos
			if mut != nil {
				mut(l)
			}
			return nil
		}))(t)
	}
	start := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	end := start.Add(48 * time.Hour)
	a := put("bella.shop", "a", 0, nil)
	time.Sleep(2 * time.Millisecond)
	b := put("bella.shop", "b", 0, func(l *catalog.Link) {
		l.StartsAt, l.EndsAt = &start, &end
		l.Image = &catalog.Thumbnail{Key: "links/ab/" + hex64('b') + ".jpg", Width: 512, Height: 512}
	})
	c := put("bella.shop", "c", 1, nil)
	put("other", "z", 0, nil)
	order := func() []string {
		links, err := st.ListLinks(ctx(t), "bella.shop")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range links {
			out = append(out, l.Title)
		}
		return out
	}
	if got := fmt.Sprint(order()); got != "[a b c]" {
		t.Fatalf("link order: got %s, want position then creation order [a b c]", got)
	}
	gotB := must(st.GetLink(ctx(t), b.ID))(t)
	if gotB.StartsAt == nil || !gotB.StartsAt.Equal(start) || !gotB.EndsAt.Equal(end) || gotB.Image == nil || gotB.Image.Width != 512 {
		t.Fatalf("scheduled link did not round-trip: %+v", gotB)
	}
	if gotB.LiveAt(start.Add(-time.Second)) || !gotB.LiveAt(start) || gotB.LiveAt(end) {
		t.Fatal("a scheduled link is live exactly in [startsAt, endsAt)")
	}
	for i, id := range []string{c.ID, a.ID, b.ID} {
		must(st.PutLink(ctx(t), id, func(l *catalog.Link, exists bool) error {
			if !exists {
				return errors.New("missing")
			}
			l.Position = i + 1
			return nil
		}))(t)
	}
	if got := fmt.Sprint(order()); got != "[c a b]" {
		t.Fatalf("reordered links: got %s, want [c a b]", got)
	}
	_, err := st.PutLink(ctx(t), a.ID, func(l *catalog.Link, _ bool) error { l.Seller = "other"; return nil })
	wantCode(t, err, catalog.CodeInvalid, "moving a link to another seller")
	for name, mut := range map[string]func(*catalog.Link){
		"end before start": func(l *catalog.Link) { l.EndsAt = &start; l.StartsAt = &end },
		"private url":      func(l *catalog.Link) { l.URL = "http://127.0.0.1/admin" },
		"script url":       func(l *catalog.Link) { l.URL = "javascript:alert(1)" },
		"empty title":      func(l *catalog.Link) { l.Title = " " },
	} {
		_, err := st.PutLink(ctx(t), a.ID, func(l *catalog.Link, _ bool) error { mut(l); return nil })
		wantCode(t, err, catalog.CodeInvalid, name)
	}
	_, err = st.PutLink(ctx(t), "p123", func(l *catalog.Link, _ bool) error {
		l.Seller, l.Title, l.URL = "bella.shop", "x", "https://shop.example.com/"
		return nil
	})
	wantCode(t, err, catalog.CodeInvalid, "a link id of another shape")
	boom := errors.New("boom")
	if _, err := st.PutLink(ctx(t), a.ID, func(l *catalog.Link, _ bool) error { l.Title = "never"; return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn error: %v", err)
	}
	if err := st.DeleteLink(ctx(t), a.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, st.DeleteLink(ctx(t), a.ID), catalog.CodeNotFound, "delete a deleted link")
	_, err = st.GetLink(ctx(t), a.ID)
	wantCode(t, err, catalog.CodeNotFound, "get a deleted link")
	if got := fmt.Sprint(order()); got != "[c b]" {
		t.Fatalf("after delete: %s", got)
	}
}

// testSoftDelete checks that deleted products leave every listing that does
// not ask for them and come back with their status when restored.
func testSoftDelete(t *testing.T, st catalog.Store) {
	posted := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	id := catalog.ProductID("3001", 0)
	must(st.UpsertProduct(ctx(t), id, productFn("bella.shop", "3001", "Lamp", posted, func(p *catalog.Product) {
		p.Status = catalog.ProductHidden
		p.Tags = []catalog.Tag{{Name: "lamp", Confidence: 1}}
	})))(t)
	keep := catalog.ProductID("3001", 1)
	must(st.UpsertProduct(ctx(t), keep, productFn("bella.shop", "3001", "Shade", posted, nil)))(t)
	deleted := must(st.UpsertProduct(ctx(t), id, func(p *catalog.Product, _ bool) error {
		p.Delete(time.Now())
		return nil
	}))(t)
	if deleted.Status != catalog.ProductDeleted || deleted.DeletedAt == nil || deleted.RestoreStatus != catalog.ProductHidden {
		t.Fatalf("deleted product: %+v", deleted)
	}
	for name, q := range map[string]catalog.ProductQuery{
		"seller": {Seller: "bella.shop"}, "video": {VideoID: "3001"}, "tag": {Tag: "lamp"},
		"seller and tag": {Seller: "bella.shop", Tag: "lamp"}, "all": {},
	} {
		items, _, err := st.ListProducts(ctx(t), q, catalog.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range items {
			if p.ID == id {
				t.Fatalf("%s listing shows a deleted product", name)
			}
		}
	}
	bin, _, err := st.ListProducts(ctx(t), catalog.ProductQuery{Seller: "bella.shop", Statuses: []catalog.ProductStatus{catalog.ProductDeleted}}, catalog.Page{})
	if err != nil || len(bin) != 1 || bin[0].ID != id {
		t.Fatalf("the bin: %v %v", bin, err)
	}
	restored := must(st.UpsertProduct(ctx(t), id, func(p *catalog.Product, _ bool) error { return p.Restore() }))(t)
	if restored.Status != catalog.ProductHidden || restored.DeletedAt != nil || restored.RestoreStatus != "" {
		t.Fatalf("restored product: %+v", restored)
	}
	_, err = st.UpsertProduct(ctx(t), id, func(p *catalog.Product, _ bool) error { return p.Restore() })
	wantCode(t, err, catalog.CodeConflict, "restoring a product that is not deleted")
	_, err = st.UpsertProduct(ctx(t), id, func(p *catalog.Product, _ bool) error {
		p.Status = catalog.ProductDeleted
		return nil
	})
	wantCode(t, err, catalog.CodeInvalid, "deleted without a time")
}

// testManualProducts checks products added by hand (no video) and the
// chosen card image.
func testManualProducts(t *testing.T, st catalog.Store) {
	id := catalog.NewManualProductID()
	img := catalog.Thumbnail{Key: "products/ab/" + hex64('e') + ".jpg", Width: 512, Height: 512}
	p := must(st.UpsertProduct(ctx(t), id, func(p *catalog.Product, _ bool) error {
		p.Seller, p.Title, p.Source, p.Status = "bella.shop", "Hand-made candle", catalog.ProductFromManual, catalog.ProductPublished
		p.PriceMinor, p.Currency = price(4599), "EUR"
		p.Image = &img
		return nil
	}))(t)
	if len(p.VideoIDs) != 0 || p.CardImage() == nil || p.CardImage().Key != img.Key {
		t.Fatalf("manual product: %+v", p)
	}
	items, _, err := st.ListProducts(ctx(t), catalog.ProductQuery{Seller: "bella.shop"}, catalog.Page{})
	if err != nil || len(items) != 1 || items[0].ID != id {
		t.Fatalf("manual product listing: %v %v", items, err)
	}
	_, err = st.UpsertProduct(ctx(t), catalog.NewManualProductID(), func(p *catalog.Product, _ bool) error {
		p.Seller, p.Title, p.Source, p.Status = "bella.shop", "No video", catalog.ProductFromRules, catalog.ProductPublished
		return nil
	})
	wantCode(t, err, catalog.CodeInvalid, "a pipeline product without a video")
	_, err = st.UpsertProduct(ctx(t), id, func(p *catalog.Product, _ bool) error {
		p.Image = &catalog.Thumbnail{}
		return nil
	})
	wantCode(t, err, catalog.CodeInvalid, "a card image without a key")
}

// testVideoMedia checks where a video's media came from round-trips, and
// that uploaded videos' ids never look like TikTok's.
func testVideoMedia(t *testing.T, st catalog.Store) {
	id := catalog.NewUploadVideoID()
	if !catalog.IsUploadVideoID(id) || catalog.IsUploadVideoID("7524157935543832863") || catalog.ValidateVideoID("id", id) != nil {
		t.Fatalf("upload id %q", id)
	}
	v := Video(id, "bella.shop", time.Now())
	v.MediaSource = catalog.MediaFromUpload
	must3(st.UpsertVideo(ctx(t), v))(t)
	if got := must(st.GetVideo(ctx(t), id))(t); got.MediaSource != catalog.MediaFromUpload {
		t.Fatalf("media source: %+v", got)
	}
	_, err := st.UpdateVideo(ctx(t), id, func(v *catalog.Video) error { v.MediaSource = "telepathy"; return nil })
	wantCode(t, err, catalog.CodeInvalid, "an unknown media source")
}
