package storefront_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

// pageWeightBudget is the most a shop page's HTML, CSS and JS may weigh
// gzipped, images aside.
const pageWeightBudget = 30 << 10

func mustContain(t *testing.T, body []byte, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !bytes.Contains(body, []byte(p)) {
			t.Fatalf("page lacks %q", p)
		}
	}
}

func mustNotContain(t *testing.T, body []byte, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if bytes.Contains(body, []byte(p)) {
			t.Fatalf("page contains %q", p)
		}
	}
}

var ldRE = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

// jsonLD decodes the page's JSON-LD block.
func jsonLD(t *testing.T, body []byte) map[string]any {
	t.Helper()
	m := ldRE.FindSubmatch(body)
	if m == nil {
		t.Fatal("no JSON-LD block")
	}
	var doc map[string]any
	if err := json.Unmarshal(m[1], &doc); err != nil {
		t.Fatalf("JSON-LD does not parse: %v\n%s", err, m[1])
	}
	return doc
}

func TestShopPageRendersCardsSafely(t *testing.T) {
	r := newRig(t, time.Date(2025, 7, 10, 0, 0, 0, 0, time.UTC))
	r.seed()
	resp, body := r.get("/s/" + bella)
	wantStatus(t, resp, body, 200)
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	if n := bytes.Count(body, []byte(`<article class="card"`)); n != 4 {
		t.Fatalf("%d cards, want 4", n)
	}
	// Hostile text is escaped everywhere it appears.
	mustNotContain(t, body, `<script>alert`, `<b>Finds</b>`, `"Owala"`)
	mustContain(t, body,
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &#34;Owala&#34; bottle&#39;s best`, `Bella&#39;s &lt;b&gt;Finds&lt;/b&gt;`,
		// Prices in their currencies, the old price struck through, codes with a copy button.
		// An ended offer shows the regular price, no sale or "was" price.
		`<span class="now">$25.99</span></p>`, `€1,299.00`, `¥1,980`,
		`Code <code>BELLA15</code><button type="button" class="copy" data-code="BELLA15">`,
		`<p class="ends">Offer ended <time datetime="2025-07-02T00:00:00Z">Jul 2, 2025 00:00 UTC</time></p>`,
		`Offer ends <time datetime="2030-01-05T18:00:00Z">`,
		// Links: the tracked buy link and the video's shop page.
		`href="/r/`+pid(vidMugs, 0)+`"`, `<a class="vid" href="/s/bella.shop/v/`+vidMugs+`">More from this video`,
		// Images sized, with a srcset and sizes.
		`width="400" height="400"`, `sizes="(min-width:40em) 14rem,50vw"`,
		// Social previews.
		`<meta property="og:title" content="Bella&#39;s &lt;b&gt;Finds&lt;/b&gt; (@bella.shop) · Shop">`,
		`<meta property="og:image" content="`+r.base+`/media/thumbs/`, `<meta name="twitter:card" content="summary_large_image">`,
		`<link rel="canonical" href="`+r.base+`/s/bella.shop">`,
		// Categories of the taxonomy by name, the most used first; a search box; the
		// in-app browser hint, hidden until the script sees TikTok, with a dismiss button.
		`<nav class="cats" aria-label="Categories"><ul>`, `<a href="/s/bella.shop?category=kitchen%2Fdrinkware">Drinkware</a>`,
		`<form class="search" role="search" action="/s/bella.shop" method="get">`, `name="q"`,
		`<aside id="inapp" class="inapp" aria-label="Browser hint" hidden>`, `<button type="button" id="inapp-close"`,
		`<link rel="icon" href="/favicon.ico"`, `<link rel="manifest" href="/manifest.webmanifest">`, `<html lang="en">`, `<h2 id="t-`+pid(vidMugs, 0)+`" dir="auto">`,
	)
	// The rice cooker has no buy link: no tracked link, still a video link.
	cooker := pid(vidBottle, 1)
	if bytes.Contains(body, []byte(`/r/`+cooker)) {
		t.Fatal("a product without a buy link links to the redirect")
	}
	ld := jsonLD(t, body)
	items := ld["itemListElement"].([]any)
	if ld["@type"] != "ItemList" || len(items) != 4 {
		t.Fatalf("JSON-LD: %v", ld)
	}
	var names []string
	for _, it := range items {
		p := it.(map[string]any)["item"].(map[string]any)
		if p["@type"] != "Product" {
			t.Fatalf("JSON-LD item %v", p)
		}
		names = append(names, p["name"].(string))
		if p["name"] == "Speckled ceramic mug" {
			o := p["offers"].(map[string]any)
			// The offer ended: the regular price, valid with no end date.
			if o["price"] != "25.99" || o["priceCurrency"] != "USD" || o["priceValidUntil"] != nil {
				t.Fatalf("offer %v", o)
			}
		}
	}
	if !strings.Contains(strings.Join(names, "|"), `<script>alert("x")</script>`) {
		t.Fatalf("JSON-LD names: %v", names)
	}
	// Two products each: the taxonomy's order breaks the tie (by use: TestCategoryLinks).
	if i, j := bytes.Index(body, []byte(">Kitchen tools</a>")), bytes.Index(body, []byte(">Drinkware</a>")); i < 0 || j < 0 || i > j {
		t.Fatal("categories are not in taxonomy order on a tie")
	}
	// No attribute words in the row.
	mustNotContain(t, body, `?tag=kitchen`)
}

func TestTitlesWithBidiControlsAreIsolated(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	// The projector strips bidi controls from captions...
	r.video(bella, "7524157935543833000", posted2, []events.ParsedProduct{{Index: 0, Title: "gift\u202eexe.txt", BuyURL: "https://shop.example.com/g"}}, nil)
	p, err := r.store.GetProduct(context.Background(), pid("7524157935543833000", 0))
	if err != nil || p.Title != "giftexe.txt" {
		t.Fatalf("projected title %q, %v", p.Title, err)
	}
	// ...so does the store on any write (catalog.CleanText), and every
	// title renders in its own direction-isolated element, so it cannot
	// reorder the page around it.
	if _, err := r.store.UpsertProduct(context.Background(), p.ID, func(p *catalog.Product, _ bool) error {
		p.Title = "gift\u202eexe.txt"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.srv.Invalidate()
	_, body := r.get("/s/" + bella)
	mustContain(t, body, `<h2 id="t-`+p.ID+`" dir="auto">giftexe.txt</h2>`)
}

func TestShopPageFiltersPagesAndErrors(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seedFixtureShop("demo", 60)
	resp, body := r.get("/s/demo")
	wantStatus(t, resp, body, 200)
	if n := bytes.Count(body, []byte(`<article class="card"`)); n != 48 {
		t.Fatalf("first page has %d cards, want 48", n)
	}
	if n := bytes.Count(body, []byte(`loading="lazy"`)); n != 44 {
		t.Fatalf("%d lazy images, want all but the first 4", n)
	}
	m := regexp.MustCompile(`<a class="btn" href="([^"]+)" rel="next">`).FindSubmatch(body)
	if m == nil {
		t.Fatal("no link to the next page")
	}
	next := strings.ReplaceAll(string(m[1]), "&amp;", "&")
	resp, body = r.get(next)
	wantStatus(t, resp, body, 200)
	if n := bytes.Count(body, []byte(`<article class="card"`)); n != 12 || bytes.Contains(body, []byte(`rel="next"`)) {
		t.Fatalf("second page: %d cards", n)
	}
	// A category filter keeps only that category's products and marks the filter current.
	cat := regexp.MustCompile(`<li><a href="/s/demo\?category=([^"]+)">([^<]+)</a>`).FindSubmatch(body)
	if cat == nil {
		t.Fatal("no category links")
	}
	resp, body = r.get("/s/demo?category=" + string(cat[1]))
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `aria-current="page">`+string(cat[2])+`</a>`)
	if n := bytes.Count(body, []byte(`<article class="card"`)); n == 0 || n >= 48 {
		t.Fatalf("category %q kept %d cards", cat[2], n)
	}
	// A tag filter (links from elsewhere) still works, and shows in the row.
	r.seed()
	resp, body = r.get("/s/" + bella + "?tag=tea")
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `aria-current="page">#tea</a>`)
	if n := bytes.Count(body, []byte(`<article class="card"`)); n != 1 {
		t.Fatalf("tag tea kept %d cards", n)
	}
	// Search uses the API's text filter: case-insensitive, in the title.
	resp, body = r.get("/s/" + bella + "?q=%20MUG%20")
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `value="MUG"`, "Speckled ceramic mug")
	if n := bytes.Count(body, []byte(`<article class="card"`)); n != 1 {
		t.Fatalf("search kept %d cards", n)
	}
	resp, body = r.get("/s/" + bella + "?q=nothing-like-this")
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `No products match “nothing-like-this”.`)
	for path, want := range map[string]struct {
		status int
		text   string
	}{
		"/s/demo?tag=%21%21%21":                       {400, "tag: &#34;!!!&#34; is not a tag"},
		"/s/demo?category=" + strings.Repeat("c", 65): {400, "category: "},
		"/s/demo?q=a%00b":                             {400, "q: "},
		"/s/demo?q=" + strings.Repeat("x", 101):       {400, "q: must be at most 100 characters"},
		"/s/demo?cursor=forged":                       {400, "cursor: is not a cursor returned by this listing"},
		"/s/nobody.here":                              {404, "shop &#34;nobody.here&#34; not found"},
		"/s/demo/v/" + vidOther:                       {404, "not found"},
		"/s/demo/v/not-a-video":                       {404, "not found"},
		"/s/demo?q=" + strings.Repeat("x", 5000):      {414, "request URI"},
	} {
		resp, body := r.get(path)
		if resp.StatusCode != want.status || !bytes.Contains(body, []byte(want.text)) {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, truncate(body))
		}
	}
}

func TestVideoPage(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	resp, body := r.get("/s/" + bella + "/v/" + vidMugs)
	wantStatus(t, resp, body, 200)
	mustContain(t, body, "<h2>Shop this video</h2>", `href="https://www.tiktok.com/@bella.shop/video/`+vidMugs+`"`,
		`<link rel="canonical" href="`+r.base+`/s/bella.shop/v/`+vidMugs+`">`)
	if n := bytes.Count(body, []byte(`<article class="card"`)); n != 2 {
		t.Fatalf("%d cards", n)
	}
	// The video's cover; no link to the page the shopper is on.
	mustContain(t, body, `<img class="cover" src="`+r.base+`/media/`)
	mustNotContain(t, body, `class="vid"`)
	// Caption order within the video, the same on the shop page.
	if bytes.Index(body, []byte("Speckled ceramic mug")) > bytes.Index(body, []byte("Matcha whisk set")) {
		t.Fatal("products are not in caption order")
	}
	_, shop := r.get("/s/" + bella)
	if bytes.Index(shop, []byte("Speckled ceramic mug")) > bytes.Index(shop, []byte("Matcha whisk set")) {
		t.Fatal("the shop page orders the video's products differently")
	}
	if ld := jsonLD(t, body); len(ld["itemListElement"].([]any)) != 2 {
		t.Fatalf("JSON-LD: %v", ld)
	}
	// Another seller's video is not this shop's.
	resp, _ = r.get("/s/" + bella + "/v/" + vidOther)
	if resp.StatusCode != 404 {
		t.Fatalf("another seller's video: %d", resp.StatusCode)
	}
}

func TestQRCodeAndAssets(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	resp, body := r.get("/s/" + bella + "/qr.svg")
	wantStatus(t, resp, body, 200)
	if resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	var svg struct {
		XMLName xml.Name `xml:"svg"`
		ViewBox string   `xml:"viewBox,attr"`
		Title   string   `xml:"title"`
		Paths   []struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal(body, &svg); err != nil {
		t.Fatalf("QR code is not SVG: %v", err)
	}
	if !strings.Contains(svg.Title, r.base+"/s/bella.shop") || len(svg.Paths) != 1 || len(svg.Paths[0].D) < 500 || !strings.HasPrefix(svg.ViewBox, "0 0 ") {
		t.Fatalf("QR svg: %+v", svg.ViewBox)
	}
	if resp, _ := r.get("/s/nobody.here/qr.svg"); resp.StatusCode != 404 {
		t.Fatalf("QR of a missing shop: %d", resp.StatusCode)
	}
	_, page := r.get("/s/" + bella)
	css := regexp.MustCompile(`href="(/assets/app\.[0-9a-f]{8}\.css)"`).FindSubmatch(page)
	js := regexp.MustCompile(`src="(/assets/app\.[0-9a-f]{8}\.js)"`).FindSubmatch(page)
	if css == nil || js == nil {
		t.Fatal("the page does not link its hashed assets")
	}
	for _, a := range [][]byte{css[1], js[1]} {
		resp, body := r.get(string(a))
		wantStatus(t, resp, body, 200)
		if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(body) == 0 {
			t.Fatalf("%s: %v", a, resp.Header)
		}
	}
	if resp, _ := r.get("/assets/app.00000000.css"); resp.StatusCode != 404 {
		t.Fatalf("unknown asset: %d", resp.StatusCode)
	}
}

// gzipped returns the gzip size of a response fetched with Accept-Encoding.
func gzipped(t *testing.T, r *rig, path string) int {
	t.Helper()
	resp, body := r.get(path, "Accept-Encoding", "gzip")
	wantStatus(t, resp, body, 200)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%s is not served gzipped", path)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		t.Fatal(err)
	}
	return len(body)
}

func TestShopPageWeightBudget(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seedFixtureShop("demo", 200)
	_, page := r.get("/s/demo")
	if n := bytes.Count(page, []byte(`<article class="card"`)); n != 48 {
		t.Fatalf("a full page has 48 cards, got %d", n)
	}
	html := gzipped(t, r, "/s/demo")
	css := gzipped(t, r, string(regexp.MustCompile(`/assets/app\.[0-9a-f]{8}\.css`).Find(page)))
	js := gzipped(t, r, string(regexp.MustCompile(`/assets/app\.[0-9a-f]{8}\.js`).Find(page)))
	total := html + css + js
	t.Logf("page weight gzipped: HTML %d + CSS %d + JS %d = %d bytes (budget %d; %d bytes of HTML uncompressed)",
		html, css, js, total, pageWeightBudget, len(page))
	if total > pageWeightBudget {
		t.Fatalf("the shop page weighs %d bytes gzipped, over the %d budget", total, pageWeightBudget)
	}
}

func TestPinnedProductsShowAsFeaturedFirst(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	cooker := pid(vidBottle, 1)
	resp, body := r.jsonReq(http.MethodPatch, "/api/seller/products/"+cooker, tokBella, `{"pinned":true}`)
	wantStatus(t, resp, body, 200)
	_, body = r.get("/s/" + bella)
	first := bytes.Index(body, []byte(`<article class="card`))
	if first < 0 || !bytes.HasPrefix(body[first:], []byte(`<article class="card featured" aria-labelledby="t-`+cooker+`">`)) {
		t.Fatalf("the pinned product is not the first, featured card: %s", truncate(body[max(first, 0):]))
	}
	if n := bytes.Count(body, []byte(`<p class="badge">Featured</p>`)); n != 1 {
		t.Fatalf("%d featured badges, want 1", n)
	}
}

// TestShopPagesKeepCaptionOrderAcrossPages: one video with more products
// than a page lists them in caption order on both pages, and a page's
// cursor belongs to its own filter.
func TestShopPagesKeepCaptionOrderAcrossPages(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seedFixtureShop("demo", 3)
	var products []events.ParsedProduct
	for i := range 60 {
		products = append(products, events.ParsedProduct{Index: i, Title: fmt.Sprintf("Caption item %02d", i), Confidence: 0.9})
	}
	r.video("demo", "7599999999999999999", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), products, nil)
	titles := regexp.MustCompile(`Caption item (\d\d)`)
	var seen []string
	shown := map[string]bool{} // a page names a product more than once (card, alt text, JSON-LD)
	path := "/s/demo"
	for path != "" {
		resp, body := r.get(path)
		wantStatus(t, resp, body, 200)
		for _, m := range titles.FindAllSubmatch(body, -1) {
			if !shown[string(m[1])] {
				shown[string(m[1])] = true
				seen = append(seen, string(m[1]))
			}
		}
		path = ""
		if m := regexp.MustCompile(`<a class="btn" href="([^"]+)" rel="next">`).FindSubmatch(body); m != nil {
			path = strings.ReplaceAll(string(m[1]), "&amp;", "&")
		}
	}
	if len(seen) != 60 {
		t.Fatalf("saw %d caption items over the pages, want 60: %v", len(seen), seen)
	}
	for i, s := range seen {
		if s != fmt.Sprintf("%02d", i) {
			t.Fatalf("position %d shows caption item %s: %v", i, s, seen)
		}
	}
	// The next page's cursor of the unfiltered shop is not one of a category's.
	resp, body := r.get("/s/demo")
	m := regexp.MustCompile(`href="/s/demo\?cursor=([^"]+)" rel="next"`).FindSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("no next link: %d %s", resp.StatusCode, truncate(body))
	}
	resp, body = r.get("/s/demo?category=beauty%2Fskincare&cursor=" + string(m[1]))
	if resp.StatusCode != 400 || !bytes.Contains(body, []byte("cursor: is not a cursor returned by this listing")) {
		t.Fatalf("another filter's cursor: %d %s", resp.StatusCode, truncate(body))
	}
}
