package storefront_test

import (
	"bytes"
	"context"
	"image/color"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/services/product-service/storefront"
)

// multipartReq sends a multipart form with one file field and the session
// cookie (token "" sends a bearer-less request with none).
func (r *rig) multipartReq(path, token string, auth []string, fields map[string]string, fileField string, file []byte) (*http.Response, []byte) {
	r.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if fileField != "" {
		fw, _ := w.CreateFormFile(fileField, "upload.jpg")
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	return r.req(http.MethodPost, path, &b, append(auth, "Content-Type", w.FormDataContentType())...)
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func TestProfileAPI(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	resp, body := r.jsonReq(http.MethodPatch, "/api/seller/profile", tokBella,
		`{"displayName":"Bella","bio":"New every Friday","socials":{"instagram":"https://instagram.com/Bella.Shop/","x":"@bella_x","email":"hi@bella.example"},"accentColor":"#0B5D1E"}`)
	wantStatus(t, resp, body, 200)
	p := decode[storefront.Profile](t, body)
	if p.Socials.Instagram != "bella.shop" || p.SocialURLs["x"] != "https://x.com/bella_x" || p.AccentColor != "#0b5d1e" {
		t.Fatalf("profile %+v", p)
	}
	for _, c := range []struct{ body, want string }{
		{`{"accentColor":"#ffcc00"}`, "accentColor: #ffcc00 is too light"},
		{`{"accentColor":"red"}`, "accentColor: must be a colour"},
		{`{"socials":{"instagram":"bad..name"}}`, "socials.instagram: must be an Instagram username"},
		{`{"socials":{"myspace":"bella"}}`, "is not a network"},
		{`{"socials":{"email":"Bella <a@b.example>"}}`, "socials.email: must be an e-mail address"},
		{`{"displayName":""}`, "displayName: is required"},
		{`{"bio":"` + strings.Repeat("b", 501) + `"}`, "bio: must be at most 500"},
		{`{"bio":"evil \u202e txt"}`, "bio: must not contain bidirectional"},
		{`{}`, "changes nothing"},
		{`{"display_name":"x"}`, `unknown field "display_name"`},
	} {
		resp, body := r.jsonReq(http.MethodPatch, "/api/seller/profile", tokBella, c.body)
		wantError(t, resp, body, 400, c.want)
	}
	// Avatars: checked by content, stored as squares, never as uploaded.
	jpg := jpegOf(t, color.RGBA{R: 200, A: 255})
	resp, body = r.multipartReq("/api/seller/profile/avatar", tokBella, bearer(tokBella), nil, "avatar", jpg)
	wantStatus(t, resp, body, 200)
	if p := decode[storefront.Profile](t, body); !strings.Contains(p.AvatarURL, "/media/avatars/") {
		t.Fatalf("avatar %q", p.AvatarURL)
	}
	for _, c := range []struct {
		file   []byte
		status int
		want   string
	}{
		{[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 400, "SVG"},
		{jpg[:len(jpg)/2], 400, "damaged or truncated"},
		{[]byte("GIF89a"), 400, "GIF"},
		{bytes.Repeat([]byte{0xff}, 6<<20), 413, "at most 5308416 are accepted"},
		{append(jpg[:3:3], bytes.Repeat([]byte{0}, 5<<20+100)...), 413, "limit of 5 MB"},
	} {
		resp, body := r.multipartReq("/api/seller/profile/avatar", tokBella, bearer(tokBella), nil, "avatar", c.file)
		wantError(t, resp, body, c.status, c.want)
	}
	sl, _ := r.store.GetSeller(context.Background(), bella)
	if sl.Avatar == nil || sl.AvatarURL != "" {
		t.Fatalf("stored avatar %+v", sl)
	}
	// The shop shows the profile and its colour as a stylesheet.
	_, shop := r.get("/api/shops/" + bella)
	s := decode[storefront.Shop](t, shop)
	if s.Seller.AccentColor != "#0b5d1e" || len(s.Seller.Socials) != 3 || !strings.Contains(s.Seller.AvatarURL, "/media/avatars/") {
		t.Fatalf("public seller %+v", s.Seller)
	}
	resp, css := r.get("/s/" + bella + "/theme.css")
	if resp.StatusCode != 200 || !strings.Contains(string(css), "--accent:#0b5d1e") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("theme: %d %s", resp.StatusCode, css)
	}
	_, page := r.get("/s/" + bella)
	mustContain(t, page, "/s/"+bella+"/theme.css?c=0b5d1e", `href="https://www.instagram.com/bella.shop/"`)
}

func TestLinksAPI(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	nextWeek := time.Now().UTC().Add(7 * 24 * time.Hour).Format(time.RFC3339)
	yesterday := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	create := func(body string) storefront.SellerLink {
		t.Helper()
		resp, b := r.jsonReq(http.MethodPost, "/api/seller/links", tokBella, body)
		wantStatus(t, resp, b, 201)
		return decode[storefront.SellerLink](t, b)
	}
	store := create(`{"title":"My store","url":"shop.example.com/all"}`)
	later := create(`{"title":"Next week","url":"https://shop.example.com/soon","startsAt":"` + nextWeek + `"}`)
	over := create(`{"title":"Ended","url":"https://shop.example.com/old","endsAt":"` + yesterday + `"}`)
	if store.URL != "https://shop.example.com/all" || !store.Live || later.Live || over.Live {
		t.Fatalf("links %+v %+v %+v", store, later, over)
	}
	for _, c := range []struct{ body, want string }{
		{`{"url":"https://x.example.com"}`, "title: is required"},
		{`{"title":"x"}`, "url: is required"},
		{`{"title":"x","url":"javascript:alert(1)"}`, "url: must be an http or https URL"},
		{`{"title":"x","url":"http://169.254.169.254/"}`, "url: must point at a public host"},
		{`{"title":"x","url":"https://a.example.com","startsAt":"2025-08-02T00:00:00Z","endsAt":"2025-08-01T00:00:00Z"}`, "endsAt: must be after"},
		{`{"title":"x","url":"https://a.example.com","startsAt":"tomorrow"}`, "startsAt: must be an RFC 3339 time"},
	} {
		resp, body := r.jsonReq(http.MethodPost, "/api/seller/links", tokBella, c.body)
		wantError(t, resp, body, 400, c.want)
	}
	// Other sellers' links are not found.
	resp, body := r.jsonReq(http.MethodPatch, "/api/seller/links/"+store.ID, tokOther, `{"title":"mine now"}`)
	wantError(t, resp, body, 404, "not found")
	resp, body = r.jsonReq(http.MethodDelete, "/api/seller/links/"+store.ID, tokOther, "")
	wantError(t, resp, body, 404, "not found")
	resp, body = r.jsonReq(http.MethodPut, "/api/seller/links/order", tokOther, `{"linkIds":["`+store.ID+`"]}`)
	wantError(t, resp, body, 404, "not found")
	// Order: every link once.
	resp, body = r.jsonReq(http.MethodPut, "/api/seller/links/order", tokBella, `{"linkIds":["`+store.ID+`"]}`)
	wantError(t, resp, body, 400, "each of the shop's 3 links once")
	resp, body = r.jsonReq(http.MethodPut, "/api/seller/links/order", tokBella, `{"linkIds":["`+over.ID+`","`+later.ID+`","`+store.ID+`"]}`)
	wantStatus(t, resp, body, 204)
	_, body = r.jsonReq(http.MethodGet, "/api/seller/links", tokBella, "")
	if l := decode[storefront.SellerLinkList](t, body); len(l.Items) != 3 || l.Items[0].ID != over.ID || l.Items[2].ID != store.ID {
		t.Fatalf("order %+v", l)
	}
	// The shop shows live links only; their clicks are counted and go out with UTM.
	_, shop := r.get("/api/shops/" + bella)
	if s := decode[storefront.Shop](t, shop); len(s.Links) != 1 || s.Links[0].ID != store.ID {
		t.Fatalf("shop links %+v", s.Links)
	}
	resp, _ = r.get("/r/" + store.ID)
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "https://shop.example.com/all?utm_source=buylink") {
		t.Fatalf("link redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := r.get("/r/" + later.ID); resp.StatusCode != 404 {
		t.Fatalf("a link not live yet: %d", resp.StatusCode)
	}
	r.waitClicks(bella, 1)
	_, rep := r.jsonReq(http.MethodGet, "/api/seller/clicks", tokBella, "")
	if c := decode[storefront.ClickReport](t, rep); len(c.Products) != 1 || c.Products[0].Title != "Link: My store" {
		t.Fatalf("click report %+v", c.Products)
	}
	resp, body = r.jsonReq(http.MethodDelete, "/api/seller/links/"+store.ID, tokBella, "")
	wantStatus(t, resp, body, 204)
}

func TestHandMadeProductsAndImages(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	for _, c := range []struct{ body, want string }{
		{`{"priceMinor":100,"currency":"EUR"}`, "title: is required"},
		{`{"title":"Candle","priceMinor":4599,"compareAtMinor":3900,"currency":"EUR"}`, "compareAtMinor: the former price must be higher"},
		{`{"title":"Candle","priceMinor":4599,"compareAtMinor":4599,"currency":"EUR"}`, "must be higher"},
		{`{"title":"Candle","priceMinor":4599}`, "currency: is required"},
		{`{"title":"Candle","status":"deleted"}`, "status: must be draft, published or hidden"},
	} {
		resp, body := r.jsonReq(http.MethodPost, "/api/seller/products", tokBella, c.body)
		wantError(t, resp, body, 400, c.want)
	}
	resp, body := r.jsonReq(http.MethodPost, "/api/seller/products", tokBella, `{"title":"Candle","priceMinor":4599,"compareAtMinor":5900,"currency":"EUR","buyUrl":"https://shop.example.com/candle"}`)
	wantStatus(t, resp, body, 201)
	p := decode[storefront.SellerProduct](t, body)
	if p.Source != catalog.ProductFromManual || len(p.VideoIDs) != 0 || p.Status != catalog.ProductPublished {
		t.Fatalf("hand-made %+v", p)
	}
	_, shop := r.get("/api/shops/" + bella)
	found := false
	for _, pp := range decode[storefront.Shop](t, shop).Products {
		if pp.ID == p.ID {
			found = pp.VideoURL == "" && pp.Price.Text == "€45.99"
		}
	}
	if !found {
		t.Fatal("the hand-made product is not on the shop as it should be")
	}
	// Choose a card picture among the video's thumbnails.
	mug := pid(vidMugs, 0)
	v, _ := r.store.GetVideo(context.Background(), vidMugs)
	resp, body = r.jsonReq(http.MethodPut, "/api/seller/products/"+mug+"/image", tokBella, `{"thumbnailKey":"thumbs/aa/forged.jpg"}`)
	wantError(t, resp, body, 400, "not one of this product's pictures")
	resp, body = r.jsonReq(http.MethodPut, "/api/seller/products/"+pid(vidOther, 0)+"/image", tokBella, `{"thumbnailKey":null}`)
	wantError(t, resp, body, 404, "not found")
	last := v.Thumbnails[len(v.Thumbnails)-1].Key
	resp, body = r.jsonReq(http.MethodPut, "/api/seller/products/"+mug+"/image", tokBella, `{"thumbnailKey":"`+last+`"}`)
	wantStatus(t, resp, body, 200)
	if sp := decode[storefront.SellerProduct](t, body); sp.Image == nil || sp.Image.Key != last || !strings.HasSuffix(sp.Images[0].URL, last) {
		t.Fatalf("chosen image %+v", sp.Image)
	}
	// Or upload one.
	resp, body = r.multipartReq("/api/seller/products/"+p.ID+"/image", tokBella, bearer(tokBella), nil, "image", jpegOf(t, color.RGBA{G: 200, A: 255}))
	wantStatus(t, resp, body, 200)
	if sp := decode[storefront.SellerProduct](t, body); sp.Image == nil || !strings.HasPrefix(sp.Image.Key, "products/") || sp.Image.Width != 512 {
		t.Fatalf("uploaded image %+v", sp.Image)
	}
}

func TestDashboardSelfServicePages(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	csrf := r.csrf(tokBella)
	for _, page := range []string{"/dashboard/profile", "/dashboard/links", "/dashboard/videos", "/dashboard/products/new"} {
		resp, body := r.get(page, cookie(tokBella)...)
		wantStatus(t, resp, body, 200)
		mustContain(t, body, `name="csrf" value="`+csrf+`"`, `action="/logout"`)
		if resp.Header.Get("Content-Security-Policy") == "" || bytes.Contains(body, []byte(" style=")) {
			t.Fatalf("%s: no CSP, or inline style", page)
		}
	}
	// Every form needs the CSRF token.
	for _, path := range []string{"/dashboard/profile", "/dashboard/links", "/dashboard/products", "/dashboard/products/order", "/dashboard/links/order"} {
		resp, _ := r.form(path, tokBella, url.Values{"title": {"x"}, "displayName": {"x"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without CSRF: %d", path, resp.StatusCode)
		}
	}
	// A product by hand, the price as a German seller types it.
	resp, body := r.req(http.MethodPost, "/dashboard/products", strings.NewReader(url.Values{"csrf": {csrf}, "title": {"Kerze"},
		"price": {"1.299,00"}, "currency": {"EUR"}, "status": {"published"}}.Encode()),
		append(cookie(tokBella), "Content-Type", "application/x-www-form-urlencoded", "Accept-Language", "de-DE,de;q=0.9")...)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", resp.StatusCode, truncate(body))
	}
	items, _, _ := r.store.ListProducts(context.Background(), catalog.ProductQuery{Seller: bella, Text: "kerze"}, catalog.Page{})
	if len(items) != 1 || *items[0].PriceMinor != 129900 {
		t.Fatalf("1.299,00 EUR: %+v", items)
	}
	// An ambiguous price is refused next to its field.
	resp, body = r.form("/dashboard/products", tokBella, url.Values{"csrf": {csrf}, "title": {"Lamp"}, "price": {"1,299"}, "currency": {"EUR"}})
	wantStatus(t, resp, body, 400)
	mustContain(t, body, `id="price-err"`, "is ambiguous")
	// Delete asks first, then can be undone.
	resp, body = r.form("/dashboard/products/"+items[0].ID+"/delete", tokBella, url.Values{"csrf": {csrf}})
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `name="confirm" value="yes"`, "Kerze")
	resp, _ = r.form("/dashboard/products/"+items[0].ID+"/delete", tokBella, url.Values{"csrf": {csrf}, "confirm": {"yes"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "done=deleted") {
		t.Fatalf("delete: %d %q", resp.StatusCode, loc)
	}
	_, page := r.get(loc, cookie(tokBella)...)
	mustContain(t, page, `action="/dashboard/products/`+items[0].ID+`/restore"`, "Recently deleted")
	resp, _ = r.form("/dashboard/products/"+items[0].ID+"/restore", tokBella, url.Values{"csrf": {csrf}})
	if p, _ := r.store.GetProduct(context.Background(), items[0].ID); resp.StatusCode != http.StatusSeeOther || p.Status != catalog.ProductPublished {
		t.Fatalf("undo: %d %s", resp.StatusCode, p.Status)
	}
	// Links from the form; errors next to the field.
	resp, body = r.multipartReq("/dashboard/links", tokBella, cookie(tokBella), map[string]string{"csrf": csrf, "title": "Giveaway", "url": "http://localhost/x"}, "", nil)
	wantStatus(t, resp, body, 400)
	mustContain(t, body, `id="url-err"`, "public host")
	// Editing a link: the form is filled in; another seller's link is not found.
	resp, body = r.jsonReq(http.MethodPost, "/api/seller/links", tokBella, `{"title":"Shop all","url":"https://shop.example.com/all"}`)
	wantStatus(t, resp, body, 201)
	link := decode[storefront.SellerLink](t, body)
	resp, body = r.get("/dashboard/links/"+link.ID, cookie(tokBella)...)
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `value="Shop all"`, `action="/dashboard/links/`+link.ID+`"`)
	if resp, _ := r.get("/dashboard/links/"+link.ID, cookie(tokOther)...); resp.StatusCode != 404 {
		t.Fatalf("another seller's link page: %d", resp.StatusCode)
	}
	resp, _ = r.form("/dashboard/links/"+link.ID+"/delete", tokOther, url.Values{"csrf": {r.csrf(tokOther)}, "confirm": {"yes"}})
	if resp.StatusCode != 404 {
		t.Fatalf("deleting another seller's link: %d", resp.StatusCode)
	}
	// Profile from the form; an avatar that is not an image is refused next to its field.
	resp, body = r.multipartReq("/dashboard/profile", tokBella, cookie(tokBella), map[string]string{"csrf": csrf, "displayName": "Bella", "accentColor": "#b0124f"}, "avatar", []byte("<svg/>"))
	wantStatus(t, resp, body, 400)
	mustContain(t, body, `id="avatar-err"`, "SVG")
	// Drag and drop: the order saved at once, the same rules as the API.
	all, _, _ := r.store.ListProducts(context.Background(), catalog.ProductQuery{Seller: bella}, catalog.Page{})
	ids := []string{all[len(all)-1].ID, all[0].ID}
	resp, body = r.req(http.MethodPost, "/dashboard/products/order", strings.NewReader(url.Values{"ids": {strings.Join(ids, ",")}}.Encode()),
		append(cookie(tokBella), "Content-Type", "application/x-www-form-urlencoded", "X-CSRF-Token", csrf)...)
	wantStatus(t, resp, body, 204)
	resp, body = r.req(http.MethodPost, "/dashboard/products/order", strings.NewReader(url.Values{"ids": {pid(vidOther, 0)}}.Encode()),
		append(cookie(tokBella), "Content-Type", "application/x-www-form-urlencoded", "X-CSRF-Token", csrf)...)
	wantStatus(t, resp, body, 404)
}
