package security

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
)

// victimVideoID is a TikTok post of the victim's, by TikTok's oEmbed.
const victimVideoID = "7524354452762037512"

// victimShop is a second seller's shop with a hand-made product, a link
// and a video, which the attacking seller then goes after.
type victimShop struct {
	seller
	product, link string
}

func (s *stack) victim(t *testing.T) victimShop {
	t.Helper()
	v := victimShop{seller: s.newSeller(t, "victim.shop")}
	p := decode[struct{ ID string }](t, s.json(t, "POST", "/api/seller/products", v.token,
		map[string]any{"title": "Victim's mug", "priceMinor": 1999, "currency": "USD", "buyUrl": "https://shop.example.com/mug"}), 201)
	l := decode[struct{ ID string }](t, s.json(t, "POST", "/api/seller/links", v.token,
		map[string]any{"title": "Victim's store", "url": "https://shop.example.com/"}), 201)
	v.product, v.link = p.ID, l.ID
	if a := s.json(t, "POST", "/api/videos", v.token, map[string]string{"video_url": "https://www.tiktok.com/@victim.shop/video/" + victimVideoID,
		"seller_handle": v.handle, "caption": "Victim's lamp $45 shop.example.com/lamp"}); a.status != 202 {
		t.Fatalf("the victim's video: %s", a)
	}
	return v
}

// snapshot is what the victim's shop holds, as its owner reads it.
func (s *stack) snapshot(t *testing.T, v victimShop) string {
	t.Helper()
	var b strings.Builder
	for _, path := range []string{"/api/seller/products/" + v.product, "/api/seller/links", "/api/seller/profile"} {
		a := s.json(t, "GET", path, v.token, nil)
		if a.status != 200 {
			t.Fatalf("the victim reading %s: %s", path, a)
		}
		b.Write(a.body)
	}
	video := decode[struct {
		Caption  string
		Attempts int
		Seller   string
	}](t, s.json(t, "GET", "/api/videos/"+victimVideoID, v.token, nil), 200)
	b.WriteString(video.Caption + "|" + video.Seller + "|" + string(rune('0'+video.Attempts)))
	return b.String()
}

// pngBytes is a small valid PNG picture.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// BOLA (held): a seller acting on another seller's products, links, videos
// and profile through every seller route of ingestion and the storefront —
// by id, by ?seller= and through the dashboard's forms — is answered 404 or
// 403, and the victim's shop is unchanged.
func TestAttackBOLA(t *testing.T) {
	s := startStack(t, knows(oembedtest.Video{ID: victimVideoID, Author: "victim.shop"}))
	v := s.victim(t)
	att := s.newSeller(t, "attacker.shop")
	before := s.snapshot(t, v)
	img := string(pngBytes(t, 64, 64))
	type call struct {
		method, path string
		body         any
	}
	q := "?seller=" + v.handle
	api := []call{
		{"GET", "/api/seller/products/" + v.product, nil},
		{"PATCH", "/api/seller/products/" + v.product, map[string]any{"title": "pwned"}},
		{"PATCH", "/api/seller/products/" + v.product, map[string]any{"buyUrl": "https://evil.example/"}},
		{"DELETE", "/api/seller/products/" + v.product, nil},
		{"POST", "/api/seller/products/" + v.product + "/restore", nil},
		{"PUT", "/api/seller/products/" + v.product + "/image", map[string]any{"thumbnailKey": nil}},
		{"PUT", "/api/seller/products/order", map[string]any{"productIds": []string{v.product}}},
		{"PATCH", "/api/seller/links/" + v.link, map[string]any{"url": "https://evil.example/"}},
		{"DELETE", "/api/seller/links/" + v.link, nil},
		{"PUT", "/api/seller/links/order", map[string]any{"linkIds": []string{v.link}}},
		{"GET", "/api/seller/products" + q, nil},
		{"POST", "/api/seller/products" + q, map[string]any{"title": "planted", "buyUrl": "https://evil.example/"}},
		{"GET", "/api/seller/products/" + v.product + q, nil},
		{"PATCH", "/api/seller/products/" + v.product + q, map[string]any{"title": "pwned"}},
		{"DELETE", "/api/seller/products/" + v.product + q, nil},
		{"GET", "/api/seller/clicks" + q, nil},
		{"GET", "/api/seller/profile" + q, nil},
		{"PATCH", "/api/seller/profile" + q, map[string]any{"bio": "pwned"}},
		{"DELETE", "/api/seller/profile/avatar" + q, nil},
		{"GET", "/api/seller/links" + q, nil},
		{"POST", "/api/seller/links" + q, map[string]any{"title": "planted", "url": "https://evil.example/"}},
		{"PATCH", "/api/seller/links/" + v.link + q, map[string]any{"url": "https://evil.example/"}},
		{"GET", "/api/videos/" + victimVideoID, nil},
		{"GET", "/api/videos" + q, nil},
		{"POST", "/api/videos", map[string]string{"video_url": "https://www.tiktok.com/@victim.shop/video/" + victimVideoID, "seller_handle": v.handle, "caption": "pwned"}},
		{"GET", "/api/seller/videos" + q, nil},
		{"POST", "/api/seller/videos/" + victimVideoID + "/retry", nil},
		{"POST", "/api/seller/videos/" + victimVideoID + "/reparse", map[string]any{"caption": "pwned $1 evil.example"}},
		{"POST", "/api/sellers", map[string]string{"handle": v.handle, "displayName": "Mine now"}},
	}
	for _, c := range api {
		a := s.json(t, c.method, c.path, att.token, c.body)
		try(t, "BOLA", c.method+" "+c.path, a.status == http.StatusNotFound || a.status == http.StatusForbidden || a.status == http.StatusConflict ||
			(a.status == http.StatusBadRequest && strings.Contains(c.path, "/order")), "%s", a)
	}
	// Image uploads onto the victim's product and link.
	for _, path := range []string{"/api/seller/products/" + v.product + "/image", "/api/seller/links/" + v.link + "/image", "/api/seller/profile/avatar" + q} {
		field := "image"
		if strings.Contains(path, "avatar") {
			field = "avatar"
		}
		body, ct := multipartBody(t, part{name: field, filename: "x.png", contentType: "image/png", value: img})
		a := s.do(t, request{method: "POST", path: path, body: body, contentType: ct, token: att.token})
		try(t, "BOLA", "POST "+path, a.status == http.StatusNotFound || a.status == http.StatusForbidden, "%s", a)
	}
	// Mass assignment: fields naming the owner are not fields of any body.
	own := decode[struct{ ID string }](t, s.json(t, "POST", "/api/seller/products", att.token, map[string]any{"title": "Own mug"}), 201)
	ownLink := decode[struct{ ID string }](t, s.json(t, "POST", "/api/seller/links", att.token, map[string]any{"title": "Own", "url": "https://shop.example.com/"}), 201)
	for _, c := range []call{
		{"PATCH", "/api/seller/products/" + own.ID, map[string]any{"seller": v.handle}},
		{"PATCH", "/api/seller/products/" + own.ID, map[string]any{"id": v.product, "title": "pwned"}},
		{"POST", "/api/seller/products", map[string]any{"title": "planted", "seller": v.handle}},
		{"PATCH", "/api/seller/links/" + ownLink.ID, map[string]any{"seller": v.handle}},
		{"PATCH", "/api/seller/profile", map[string]any{"handle": v.handle}},
		{"PATCH", "/api/seller/profile", map[string]any{"sub": "local|victim.shop"}},
		{"POST", "/api/videos", map[string]any{"video_url": "https://www.tiktok.com/@attacker.shop/video/7524354452762037000", "seller_handle": att.handle, "seller": v.handle}},
	} {
		a := s.json(t, c.method, c.path, att.token, c.body)
		try(t, "BOLA", "mass assignment "+c.method+" "+c.path+" "+fmt.Sprint(c.body), a.status == http.StatusBadRequest && strings.Contains(a.message(), "has an unknown field"), "%s", a)
	}
	// A new account may not take the victim's handle either.
	fresh := s.devToken(t, map[string]string{"sub": "local|newcomer"})
	a := s.json(t, "POST", "/api/sellers", fresh, map[string]string{"handle": v.handle, "displayName": "Mine now"})
	try(t, "BOLA", "a new account claiming the victim's handle", a.status == http.StatusConflict, "%s", a)

	// The dashboard's forms, with the attacker's own valid session and CSRF token.
	forms := []struct {
		path string
		form url.Values
	}{
		{"/dashboard/products/" + v.product, url.Values{"title": {"pwned"}, "currency": {"USD"}, "price": {"1"}, "buyUrl": {"https://evil.example/"}, "status": {"published"}}},
		{"/dashboard/products/" + v.product + "/hide", nil},
		{"/dashboard/products/" + v.product + "/delete", url.Values{"confirm": {"yes"}}},
		{"/dashboard/products/" + v.product + "/pin", nil},
		{"/dashboard/products/order", url.Values{"ids": {v.product}}},
		{"/dashboard/links/" + v.link, url.Values{"title": {"pwned"}, "url": {"https://evil.example/"}}},
		{"/dashboard/links/" + v.link + "/delete", url.Values{"confirm": {"yes"}}},
		{"/dashboard/links/order", url.Values{"ids": {v.link}}},
		{"/api/seller/videos/" + victimVideoID + "/retry", nil},
		{"/api/seller/videos/" + victimVideoID + "/reparse", url.Values{"caption": {"pwned $1 evil.example"}}},
	}
	for _, f := range forms {
		if f.form == nil {
			f.form = url.Values{}
		}
		f.form.Set("csrf", att.csrf)
		a := s.form(t, f.path, att.cookies, f.form, nil)
		loc := a.header.Get("Location")
		// Browser forms answer with a page or a redirect carrying the error.
		refused := a.status == http.StatusNotFound || a.status == http.StatusForbidden || a.status == http.StatusBadRequest
		if a.status == http.StatusSeeOther {
			// Sent back to the page with the error in a flash.
			page := s.follow(t, a, att.cookies)
			refused = bytes.Contains(page.body, []byte("not found")) && !strings.Contains(loc, "done=")
		}
		try(t, "BOLA", "dashboard form "+f.path, refused, "%s Location %q", a, loc)
	}
	for _, path := range []string{"/dashboard/products/" + v.product, "/dashboard/links/" + v.link} {
		a := s.do(t, request{method: "GET", path: path, cookies: att.cookies})
		try(t, "BOLA", "dashboard page "+path, a.status == http.StatusNotFound && !bytes.Contains(a.body, []byte("Victim's")), "%s", a)
	}
	a = s.do(t, request{method: "GET", path: "/dashboard" + q, cookies: att.cookies})
	try(t, "BOLA", "dashboard ?seller= of the victim", !bytes.Contains(a.body, []byte("Victim's mug")), "%s", a)

	if after := s.snapshot(t, v); after != before {
		t.Fatalf("the victim's shop changed:\nbefore %s\nafter  %s", before, after)
	}
}
