package storefront

import (
	"slices"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

func TestCategoryLinks(t *testing.T) {
	ps := []catalog.Product{
		{Category: "home/decor"}, {Category: "beauty/skincare"}, {Category: "beauty/skincare"},
		{Category: "kitchen/tools"}, {Category: "home/decor"}, {Category: "beauty/skincare"},
		{Category: "not a category"}, {Category: ""},
	}
	got := categoryLinks("bella.shop", ps, shopFilter{Category: "home/decor", Tag: "led"})
	want := []filterLink{
		{Name: "#led", URL: "/s/bella.shop?tag=led", Active: true},
		{Name: "Skin care", URL: "/s/bella.shop?category=beauty%2Fskincare"},
		{Name: "Home decor", URL: "/s/bella.shop?category=home%2Fdecor", Active: true},
		{Name: "Kitchen tools", URL: "/s/bella.shop?category=kitchen%2Ftools"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// An active category the shop has no product in still shows, last.
	got = categoryLinks("bella.shop", ps[:1], shopFilter{Category: "apparel/shoes"})
	if len(got) != 2 || got[1].Name != "Shoes" || !got[1].Active {
		t.Fatalf("inactive category: %+v", got)
	}
}

func TestListingOrderKeepsCaptionOrderWithinAVideo(t *testing.T) {
	posted := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	mk := func(video string, index int, pinned bool, at time.Time) catalog.Product {
		return catalog.Product{ID: catalog.ProductID(video, index), VideoIDs: []string{video}, Index: index, Pinned: pinned, VideoPostedAt: at}
	}
	var ps []catalog.Product
	for i := range 12 { // ids are hashes: their order is not the caption's
		ps = append(ps, mk("111", i, false, posted))
	}
	ps = append(ps, mk("222", 0, false, posted.Add(time.Hour)), mk("111", 12, true, posted))
	slices.SortStableFunc(ps, listingOrder)
	if ps[0].Index != 12 || !ps[0].Pinned {
		t.Fatalf("pinned not first: %+v", ps[0])
	}
	if ps[1].VideoIDs[0] != "222" {
		t.Fatalf("newest video not next: %+v", ps[1])
	}
	for i, p := range ps[2:] {
		if p.Index != i {
			t.Fatalf("position %d holds caption index %d", i, p.Index)
		}
	}
}

func TestShopFilterQuery(t *testing.T) {
	f := shopFilter{Tag: "led", Category: "home/decor", Text: "a&b"}
	if got := f.query(map[string][]string{"cursor": {"x"}}); got != "?category=home%2Fdecor&cursor=x&q=a%26b&tag=led" {
		t.Fatalf("query %q", got)
	}
	if (shopFilter{}).query(nil) != "" || !(shopFilter{}).Empty() || f.Empty() {
		t.Fatal("empty filter")
	}
}
