package storefront_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/services/product-service/storefront"
)

func TestShopAPIListsPublishedProductsNewestVideoFirst(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	resp, body := r.get("/api/shops/" + bella)
	wantStatus(t, resp, body, http.StatusOK)
	shop := decode[storefront.Shop](t, body)
	if shop.Seller.Handle != bella || shop.Seller.ShopURL != r.base+"/s/"+bella || shop.Seller.DisplayName != "Bella's <b>Finds</b>" {
		t.Fatalf("seller: %+v", shop.Seller)
	}
	if len(shop.Products) != 4 {
		t.Fatalf("want bella's 4 products, got %d", len(shop.Products))
	}
	// The newer video's products come first.
	if v := shop.Products[0].VideoID; v != vidBottle || shop.Products[3].VideoID != vidMugs {
		t.Fatalf("order: first from %s, last from %s", v, shop.Products[3].VideoID)
	}
	var mug storefront.PublicProduct
	for _, p := range shop.Products {
		if p.ID == pid(vidMugs, 0) {
			mug = p
		}
	}
	if mug.Price == nil || mug.Price.Text != "$19.99" || mug.CompareAt.Text != "$25.99" || mug.DiscountCode != "BELLA15" ||
		!mug.OfferEnded || mug.ClickURL != r.base+"/r/"+mug.ID || len(mug.Images) != 1 ||
		mug.VideoURL != "https://www.tiktok.com/@bella.shop/video/"+vidMugs || mug.ShopVideoURL != r.base+"/s/bella.shop/v/"+vidMugs ||
		strings.Join(mug.Tags, ",") != "mug,kitchen" {
		t.Fatalf("mug: %+v", mug)
	}
	if resp.Header.Get("ETag") == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		t.Fatalf("caching headers: %v", resp.Header)
	}
	// Hidden products leave the shop; pinned ones lead it.
	r.jsonReq(http.MethodPatch, "/api/seller/products/"+pid(vidBottle, 0), tokBella, `{"status":"hidden"}`)
	r.jsonReq(http.MethodPatch, "/api/seller/products/"+pid(vidMugs, 1), tokBella, `{"pinned":true}`)
	_, body = r.get("/api/shops/" + bella)
	shop = decode[storefront.Shop](t, body)
	if len(shop.Products) != 3 || shop.Products[0].ID != pid(vidMugs, 1) || !shop.Products[0].Pinned {
		t.Fatalf("after hide and pin: %+v", shop.Products)
	}
}

func TestETagsAnswer304AndGzipIsOffered(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	for _, path := range []string{"/api/shops/" + bella, "/api/products?seller=" + bella, "/s/" + bella} {
		resp, body := r.get(path)
		wantStatus(t, resp, body, http.StatusOK)
		etag := resp.Header.Get("ETag")
		resp2, body2 := r.get(path, "If-None-Match", etag)
		if resp2.StatusCode != http.StatusNotModified || len(body2) != 0 || resp2.Header.Get("ETag") != etag {
			t.Fatalf("%s: If-None-Match %s gave %d (%d bytes)", path, etag, resp2.StatusCode, len(body2))
		}
		if resp3, _ := r.get(path, "If-None-Match", `"stale"`); resp3.StatusCode != http.StatusOK {
			t.Fatalf("%s: a stale ETag gave %d", path, resp3.StatusCode)
		}
		// Go's client decompresses only when it asked itself; ask explicitly.
		resp4, gz := r.get(path, "Accept-Encoding", "gzip")
		if resp4.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp4.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("%s: no gzip: %v", path, resp4.Header)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if !bytes.Equal(plain, body) {
			t.Fatalf("%s: gzip body differs from the plain one", path)
		}
		if resp5, _ := r.get(path, "If-None-Match", resp4.Header.Get("ETag")); resp5.StatusCode != http.StatusNotModified {
			t.Fatalf("%s: the gzip ETag does not revalidate: %d", path, resp5.StatusCode)
		}
	}
	// An edit changes the representation, so the old ETag no longer matches.
	resp, _ := r.get("/api/shops/" + bella)
	old := resp.Header.Get("ETag")
	r.jsonReq(http.MethodPatch, "/api/seller/products/"+pid(vidMugs, 0), tokBella, `{"title":"Blue mug"}`)
	resp, body := r.get("/api/shops/"+bella, "If-None-Match", old)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Blue mug") {
		t.Fatalf("after an edit: %d %s", resp.StatusCode, truncate(body))
	}
}

func TestProductFiltersAndPaging(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	list := func(q string) storefront.ProductList {
		t.Helper()
		resp, body := r.get("/api/products?" + q)
		wantStatus(t, resp, body, http.StatusOK)
		return decode[storefront.ProductList](t, body)
	}
	titles := func(l storefront.ProductList) string {
		var out []string
		for _, p := range l.Items {
			out = append(out, p.Title)
		}
		return strings.Join(out, "|")
	}
	if got := list("seller=" + bella + "&tag=Tea"); titles(got) != "Matcha whisk set" {
		t.Fatalf("tag filter: %s", titles(got))
	}
	if got := list("seller=" + bella + "&q=MUG"); titles(got) != "Speckled ceramic mug" {
		t.Fatalf("text filter: %s", titles(got))
	}
	if got := list("seller=" + bella + "&minPrice=2000&maxPrice=3000"); titles(got) != `<script>alert("x")</script> "Owala" bottle's best` {
		t.Fatalf("price filter: %s", titles(got))
	}
	if got := list("category=kitchen/drinkware"); len(got.Items) != 3 {
		t.Fatalf("category across sellers: %d (bella 2, other 1)", len(got.Items))
	}
	if got := list("tag=lamp"); len(got.Items) != 0 {
		t.Fatalf("no such tag: %s", titles(got))
	}
	// Paging walks every product exactly once.
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		q := "seller=" + bella + "&limit=3"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		got := list(q)
		for _, p := range got.Items {
			if seen[p.ID] {
				t.Fatalf("%s listed twice", p.ID)
			}
			seen[p.ID] = true
		}
		if got.NextCursor == "" {
			break
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		cursor = got.NextCursor
	}
	if len(seen) != 4 {
		t.Fatalf("paging saw %d products", len(seen))
	}
}

func TestBadQueriesAreRefusedWithAReason(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	_, body := r.get("/api/products?seller=" + bella + "&limit=1")
	first := decode[storefront.ProductList](t, body)
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/products?limit=101", 400, "limit: must be an integer between 1 and 100"},
		{"/api/products?limit=0", 400, "limit"},
		{"/api/products?limit=ten", 400, "limit"},
		{"/api/shops/" + bella + "?limit=500", 400, "limit"},
		{"/api/products?cursor=forged", 400, "cursor: is not a cursor returned by this listing"},
		{"/api/shops/" + bella + "?cursor=eyJxIjoiYWJjIiwicCI6MX0", 400, "cursor"},
		// A real cursor of another query is refused too.
		{"/api/products?seller=" + other + "&cursor=" + url.QueryEscape(first.NextCursor), 400, "cursor"},
		{"/api/products?seller=Not%20A%20Handle", 400, "seller: must be 2-24 characters"},
		{"/api/products?minPrice=-1", 400, "minPrice: must be a non-negative"},
		{"/api/products?maxPrice=1e9", 400, "maxPrice"},
		{"/api/products?minPrice=500&maxPrice=100", 400, "minPrice: must not exceed maxPrice"},
		{"/api/products?q=" + strings.Repeat("x", 101), 400, "q: must be at most 100 characters"},
		{"/api/products?tag=%23%23%23", 400, "tag"},
		{"/api/products?q=" + strings.Repeat("a", 5000), 414, "request URI"},
		{"/api/shops/nobody.here", 404, `shop "nobody.here" not found`},
		{"/api/shops/NOT_VALID!", 404, "not found"},
	} {
		resp, body := r.get(c.path)
		wantError(t, resp, body, c.status, c.want)
	}
	if first.NextCursor == "" {
		t.Fatal("the seeded shop should have a second page at limit=1")
	}
}

func TestClickRedirect(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	mug := pid(vidMugs, 0)
	resp, body := r.get("/r/"+mug, "Referer", "https://www.tiktok.com/@bella.shop")
	wantStatus(t, resp, body, http.StatusFound)
	if loc := resp.Header.Get("Location"); loc != "https://shop.example.com/mug?ref=bella&utm_source=buylink&utm_medium=linkinbio&utm_campaign=bella.shop" {
		t.Fatalf("Location %q", loc)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a redirect must not be cached, or clicks go uncounted: %q", resp.Header.Get("Cache-Control"))
	}
	// The seller's own UTM parameters win.
	resp, _ = r.get("/r/" + pid(vidMugs, 1))
	if loc := resp.Header.Get("Location"); loc != "https://amzn.to/3xYzQ7k?utm_source=tiktok" {
		t.Fatalf("Location %q", loc)
	}
	r.waitClicks(bella, 2)
	// Bots, link previews, prefetches and HEAD are redirected but not counted.
	for _, h := range [][]string{
		{"User-Agent", "facebookexternalhit/1.1"}, {"User-Agent", "curl/8.5.0"}, {"User-Agent", ""},
		{"User-Agent", "Mozilla/5.0 HeadlessChrome/120.0"}, {"Sec-Purpose", "prefetch"},
	} {
		if resp, _ := r.get("/r/"+mug, h...); resp.StatusCode != http.StatusFound {
			t.Fatalf("%v: %d", h, resp.StatusCode)
		}
	}
	if resp, _ := r.req(http.MethodHead, "/r/"+mug, nil); resp.StatusCode != http.StatusFound {
		t.Fatalf("HEAD: %d", resp.StatusCode)
	}
	// The target never comes from the request.
	resp, _ = r.get("/r/" + mug + "?to=https://evil.example/")
	if strings.Contains(resp.Header.Get("Location"), "evil") {
		t.Fatalf("redirect target taken from the request: %s", resp.Header.Get("Location"))
	}
	// Another shopper's click on the mug counts; the first shopper's repeat
	// (with a query string) above did not.
	if resp, _ := r.get("/r/"+mug, "User-Agent", mobileUA+" other"); resp.StatusCode != http.StatusFound {
		t.Fatalf("another shopper: %d", resp.StatusCode)
	}
	r.waitClicks(bella, 3)
	if n := r.metrics.Snapshot().Total(metrics.Clicks, nil); n != 3 {
		t.Fatalf("Clicks metric %v, want 3 (bots, prefetches, HEAD and repeats are not clicks)", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r.waitClicks(bella, 3)
	rows, _ := r.store.DailyClicks(context.Background(), bella, time.Now().Add(-48*time.Hour), time.Now().Add(48*time.Hour))
	var mugClicks int64
	for _, row := range rows {
		if row.ProductID == mug {
			mugClicks += row.Count
		}
	}
	if mugClicks != 2 {
		t.Fatalf("mug clicks %d, want 2 (two shoppers; a repeat with a query string is not counted)", mugClicks)
	}
}

func TestClickRedirectRefusals(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	resp, body := r.get("/r/pnosuchproduct")
	wantError(t, resp, body, 404, `product "pnosuchproduct" not found`)
	resp, body = r.get("/r/" + pid(vidBottle, 1)) // the rice cooker has no buy link
	wantError(t, resp, body, 404, "has no buy link")
	r.jsonReq(http.MethodPatch, "/api/seller/products/"+pid(vidMugs, 0), tokBella, `{"status":"hidden"}`)
	resp, body = r.get("/r/" + pid(vidMugs, 0))
	wantError(t, resp, body, 404, "not found")
	resp, body = r.get("/r/" + strings.Repeat("p", 200))
	wantError(t, resp, body, 404, "not found")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.srv.Close(ctx)
	if s := r.srv.ClickStats(); s.Recorded != 0 {
		t.Fatalf("refused redirects recorded clicks: %+v", s)
	}
}

func TestSellerAPIRequiresAValidToken(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	resp, body := r.jsonReq(http.MethodGet, "/api/seller/products", "", "")
	wantError(t, resp, body, 401, "bearer token is required")
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	resp, body = r.jsonReq(http.MethodGet, "/api/seller/products", "forged", "")
	wantError(t, resp, body, 401, "expired")
	resp, body = r.jsonReq(http.MethodGet, "/api/seller/products", tokNobody, "")
	wantError(t, resp, body, 404, "POST /api/sellers")
}

func TestSellerAPIListsEditsAndGuardsOwnership(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	mug, lamp := pid(vidMugs, 0), pid(vidOther, 0)
	r.jsonReq(http.MethodPatch, "/api/seller/products/"+pid(vidBottle, 0), tokBella, `{"status":"hidden"}`)
	resp, body := r.jsonReq(http.MethodGet, "/api/seller/products", tokBella, "")
	wantStatus(t, resp, body, 200)
	list := decode[storefront.SellerProductList](t, body)
	if len(list.Items) != 4 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the seller sees hidden products too: %d items", len(list.Items))
	}
	_, body = r.jsonReq(http.MethodGet, "/api/seller/products?status=hidden", tokBella, "")
	if l := decode[storefront.SellerProductList](t, body); len(l.Items) != 1 || l.Items[0].Status != catalog.ProductHidden {
		t.Fatalf("status filter: %s", truncate(body))
	}
	resp, body = r.jsonReq(http.MethodGet, "/api/seller/products?status=gone", tokBella, "")
	wantError(t, resp, body, 400, "status")

	// Another seller's product is not found, whatever the verb.
	for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
		resp, body := r.jsonReq(m, "/api/seller/products/"+lamp, tokBella, `{"title":"mine now"}`)
		wantError(t, resp, body, 404, "not found")
	}
	resp, body = r.jsonReq(http.MethodPut, "/api/seller/products/order", tokBella, `{"productIds":["`+mug+`","`+lamp+`"]}`)
	wantError(t, resp, body, 404, "not found")
	resp, body = r.jsonReq(http.MethodGet, "/api/seller/products?seller="+other, tokBella, "")
	wantError(t, resp, body, 404, "not found")

	// An edit marks its fields as the seller's and shows at once.
	resp, body = r.jsonReq(http.MethodPatch, "/api/seller/products/"+mug, tokBella,
		`{"title":"Blue speckled mug","priceMinor":1799,"buyUrl":"https://shop.example.com/blue","tags":["Mugs","#Gift Idea","mugs"],"offerEndsAt":null,"discountCode":""}`)
	wantStatus(t, resp, body, 200)
	p := decode[storefront.SellerProduct](t, body)
	if p.Title != "Blue speckled mug" || *p.PriceMinor != 1799 || p.BuyURL != "https://shop.example.com/blue" || p.OfferEndsAt != nil ||
		p.DiscountCode != "" || len(p.Tags) != 2 || p.Tags[1].Name != "gift idea" {
		t.Fatalf("patched: %+v", p.Product)
	}
	for _, f := range []string{"title", "priceMinor", "buyUrl", "tags", "offerEndsAt", "discountCode"} {
		if !p.IsEdited(f) {
			t.Fatalf("%s not marked edited: %v", f, p.Edited)
		}
	}
	_, body = r.get("/s/" + bella)
	if !strings.Contains(string(body), "Blue speckled mug") {
		t.Fatal("the edit is not on the public page")
	}

	// An admin may act for any seller.
	resp, body = r.jsonReq(http.MethodPatch, "/api/seller/products/"+lamp+"?seller="+other, tokAdmin, `{"pinned":true}`)
	wantStatus(t, resp, body, 200)

	// Reorder and delete.
	ids := []string{pid(vidMugs, 1), mug}
	resp, body = r.jsonReq(http.MethodPut, "/api/seller/products/order", tokBella, `{"productIds":["`+ids[0]+`","`+ids[1]+`"]}`)
	wantStatus(t, resp, body, 204)
	_, body = r.jsonReq(http.MethodGet, "/api/seller/products/"+mug, tokBella, "")
	if p := decode[storefront.SellerProduct](t, body); p.Position != 2 {
		t.Fatalf("position after reorder: %d", p.Position)
	}
	resp, body = r.jsonReq(http.MethodDelete, "/api/seller/products/"+mug, tokBella, "")
	wantStatus(t, resp, body, 204)
	// Deleting is soft: the product leaves the shop, stays in the bin and
	// comes back with its status.
	_, body = r.jsonReq(http.MethodGet, "/api/seller/products/"+mug, tokBella, "")
	if p := decode[storefront.SellerProduct](t, body); p.Status != catalog.ProductDeleted || p.DeletedAt == nil {
		t.Fatalf("deleted product: %+v", p)
	}
	if _, body := r.get("/api/shops/" + bella); bytes.Contains(body, []byte(mug)) {
		t.Fatal("a deleted product is still on the shop")
	}
	resp, body = r.jsonReq(http.MethodPost, "/api/seller/products/"+mug+"/restore", tokOther, "")
	wantError(t, resp, body, 404, "not found")
	resp, body = r.jsonReq(http.MethodPost, "/api/seller/products/"+mug+"/restore", tokBella, "")
	wantStatus(t, resp, body, 200)
	if p := decode[storefront.SellerProduct](t, body); p.Status != catalog.ProductPublished || p.DeletedAt != nil {
		t.Fatalf("restored product: %+v", p)
	}
	resp, body = r.jsonReq(http.MethodPost, "/api/seller/products/"+mug+"/restore", tokBella, "")
	wantError(t, resp, body, 409, "is not deleted")
}

func TestSellerEditsAreValidated(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	path := "/api/seller/products/" + pid(vidMugs, 0)
	for _, c := range []struct {
		body, want string
		status     int
	}{
		{`{"buyUrl":"javascript:alert(1)"}`, `buyUrl: must be an http or https URL (got scheme "javascript")`, 400},
		{`{"buyUrl":"data:text/html,<script>alert(1)</script>"}`, `buyUrl: must be an http or https URL`, 400},
		{`{"buyUrl":"//evil.example/x"}`, `buyUrl: must be an http or https URL`, 400},
		{`{"buyUrl":"http://127.0.0.1/admin"}`, `buyUrl: must point at a public host`, 400},
		{`{"buyUrl":"https://user:pw@shop.example.com/"}`, `buyUrl: must not contain user information`, 400},
		{`{"buyUrl":"https://shop.example.com/` + strings.Repeat("a", 2100) + `"}`, `buyUrl: must be at most 2048 bytes`, 400},
		{`{"title":""}`, "title: is required", 400},
		{`{"title":null}`, "title: is required", 400},
		{`{"title":"` + strings.Repeat("t", 201) + `"}`, "title: must be at most 200 characters", 400},
		{`{"title":"evil \u202e txt.exe"}`, "title: must not contain bidirectional control characters", 400},
		{`{"priceMinor":-5}`, "priceMinor: must be positive", 400},
		{`{"priceMinor":"cheap"}`, "priceMinor: must be a number", 400},
		{`{"currency":"dollars"}`, "currency: must be an upper-case ISO 4217 code", 400},
		{`{"currency":null}`, "currency: is required when a price is set", 400},
		{`{"discountCode":"TWO WORDS"}`, "discountCode: must not contain spaces", 400},
		{`{"offerEndsAt":"next friday"}`, "offerEndsAt: must be an RFC 3339 time", 400},
		{`{"tags":["ok","@@@"]}`, `tags: "@@@" is not a tag`, 400},
		{`{"tags":["a","b","c","d","e","f","g","h","i","j","k"]}`, "tags: must hold at most 10 tags", 400},
		{`{"status":"deleted"}`, "status: must be draft, published or hidden", 400},
		{`{"pinned":null}`, "pinned: must be true or false", 400},
		{`{}`, "body: changes nothing", 400},
		{`{"title":"x","owner":"me"}`, `body: has an unknown field "owner"`, 400},
		{`{"title":"x"} {"title":"y"}`, "body: has data after the JSON value", 400},
		{`{"title":`, "body: is truncated JSON", 400},
		{`{"title":"` + strings.Repeat("x", 70<<10) + `"}`, "at most 65536", 413},
	} {
		resp, body := r.jsonReq(http.MethodPatch, path, tokBella, c.body)
		wantError(t, resp, body, c.status, c.want)
	}
	resp, body := r.jsonReq(http.MethodPut, "/api/seller/products/order", tokBella, `{"productIds":[]}`)
	wantError(t, resp, body, 400, "productIds: must list 1 to 500 products")
	resp, body = r.jsonReq(http.MethodPut, "/api/seller/products/order", tokBella, `{"productIds":["a","a"]}`)
	wantError(t, resp, body, 400, `productIds: lists "a" twice`)
	resp, body = r.jsonReq(http.MethodGet, "/api/seller/clicks?days=91", tokBella, "")
	wantError(t, resp, body, 400, "days: must be an integer between 1 and 90")
	// Nothing of the refused edits was stored.
	p, err := r.store.GetProduct(context.Background(), pid(vidMugs, 0))
	if err != nil || p.Title != "Speckled ceramic mug" || len(p.Edited) != 0 {
		t.Fatalf("a refused edit changed the product: %+v %v", p, err)
	}
}

func TestClickAnalytics(t *testing.T) {
	now := time.Now().UTC()
	r := newRig(t, now)
	r.seed()
	mug := pid(vidMugs, 0)
	for _, c := range []catalog.Click{
		{ProductID: mug, Seller: bella, At: now}, {ProductID: mug, Seller: bella, At: now},
		{ProductID: mug, Seller: bella, At: now.AddDate(0, 0, -3)}, {ProductID: pid(vidBottle, 0), Seller: bella, At: now.AddDate(0, 0, -89)},
		{ProductID: mug, Seller: bella, At: now.AddDate(0, 0, -91)}, {ProductID: pid(vidOther, 0), Seller: other, At: now},
	} {
		if err := r.store.RecordClick(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := r.jsonReq(http.MethodGet, "/api/seller/clicks", tokBella, "")
	wantStatus(t, resp, body, 200)
	rep := decode[storefront.ClickReport](t, body)
	if len(rep.Days) != storefront.ClickDays || rep.Total != 4 || rep.Days[len(rep.Days)-1].Count != 2 || rep.Days[len(rep.Days)-1].Day != now.Format(time.DateOnly) {
		t.Fatalf("report: total %d, %d days, last %+v", rep.Total, len(rep.Days), rep.Days[len(rep.Days)-1])
	}
	if len(rep.Products) != 2 || rep.Products[0].ProductID != mug || rep.Products[0].Total != 3 || len(rep.Products[0].Days) != 2 ||
		rep.Products[0].Title != "Speckled ceramic mug" {
		t.Fatalf("per product: %+v", rep.Products)
	}
	_, body = r.jsonReq(http.MethodGet, "/api/seller/clicks?days=7", tokBella, "")
	if rep := decode[storefront.ClickReport](t, body); rep.Total != 3 || len(rep.Days) != 7 {
		t.Fatalf("7 days: %+v", rep)
	}
}
