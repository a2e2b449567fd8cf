package security

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/auth"
)

// CSRF (held): a cross-site page makes the seller's browser post the
// dashboard's forms with its cookies. Without the session's CSRF token —
// none, a made-up one, another session's, from another origin — every form
// is refused and nothing changes; the bearer-token APIs ignore cookies.
func TestAttackCSRF(t *testing.T) {
	s := startStack(t)
	own := s.newSeller(t, "own.shop")
	other := s.newSeller(t, "other.shop")
	p := decode[struct{ ID string }](t, s.json(t, "POST", "/api/seller/products", own.token,
		map[string]any{"title": "Own mug", "priceMinor": 1999, "currency": "USD", "buyUrl": "https://shop.example.com/mug"}), 201)
	l := decode[struct{ ID string }](t, s.json(t, "POST", "/api/seller/links", own.token,
		map[string]any{"title": "Own store", "url": "https://shop.example.com/"}), 201)
	before := s.ownState(t, own)

	// The session cookies are HttpOnly and SameSite=Lax.
	for _, c := range own.cookies {
		if c.Name == auth.SessionCookie || c.Name == auth.RefreshCookie {
			try(t, "CSRF", "cookie "+c.Name+" attributes", c.HttpOnly && c.SameSite == http.SameSiteLaxMode, "%+v", c)
		}
	}
	forms := []struct {
		path      string
		form      url.Values
		multipart bool
	}{
		{"/dashboard/products/" + p.ID, url.Values{"title": {"pwned"}, "currency": {"USD"}, "price": {"1"}, "buyUrl": {"https://evil.example/"}, "status": {"published"}}, false},
		{"/dashboard/products/" + p.ID + "/hide", url.Values{}, false},
		{"/dashboard/products/" + p.ID + "/delete", url.Values{"confirm": {"yes"}}, false},
		{"/dashboard/products/order", url.Values{"ids": {p.ID}}, false},
		{"/dashboard/products", url.Values{"title": {"planted"}, "buyUrl": {"https://evil.example/"}}, true},
		{"/dashboard/profile", url.Values{"displayName": {"pwned"}, "bio": {"pwned"}}, true},
		{"/dashboard/links", url.Values{"title": {"planted"}, "url": {"https://evil.example/"}}, true},
		{"/dashboard/links/" + l.ID + "/delete", url.Values{"confirm": {"yes"}}, false},
		{"/dashboard/links/order", url.Values{"ids": {l.ID}}, false},
		{"/api/seller/videos", url.Values{"videoUrl": {"https://www.tiktok.com/@own.shop/video/7524354452762037599"}, "caption": {"planted"}}, true},
		{"/api/seller/videos/7524354452762037599/retry", url.Values{}, false},
		{"/logout", url.Values{}, false},
	}
	variants := []struct {
		name   string
		token  string
		header map[string]string
	}{
		{"no token", "", nil},
		{"made-up token", "forged", nil},
		{"another session's token", other.csrf, nil},
		{"cross-site origin, no token", "", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"}},
		{"token in the header of another session", "", map[string]string{auth.HeaderCSRF: other.csrf}},
	}
	for _, f := range forms {
		for _, v := range variants {
			form := url.Values{}
			for k, vs := range f.form {
				form[k] = vs
			}
			if v.token != "" {
				form.Set("csrf", v.token)
			}
			var a answer
			if f.multipart {
				var parts []part
				for k := range form {
					parts = append(parts, part{name: k, value: form.Get(k)})
				}
				body, ct := multipartBody(t, parts...)
				a = s.do(t, request{method: "POST", path: f.path, body: body, contentType: ct, cookies: own.cookies, header: v.header})
			} else {
				a = s.form(t, f.path, own.cookies, form, v.header)
			}
			refused := a.status == http.StatusForbidden && bytes.Contains(a.body, []byte("expired")) && a.header.Get("Set-Cookie") == ""
			if a.status == http.StatusSeeOther { // sent back to the page with the error in a flash
				refused = bytes.Contains(s.follow(t, a, own.cookies).body, []byte("has expired"))
			}
			try(t, "CSRF", f.path+" with "+v.name, refused, "%s", a)
		}
	}
	// The JSON APIs take bearer tokens only: the cookies alone are no one.
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/api/seller/products/" + p.ID, `{"title":"pwned"}`},
		{"POST", "/api/seller/links", `{"title":"planted","url":"https://evil.example/"}`},
		{"PATCH", "/api/seller/profile", `{"bio":"pwned"}`},
		{"POST", "/api/videos", `{"video_url":"https://www.tiktok.com/@own.shop/video/7524354452762037599","seller_handle":"own.shop"}`},
	} {
		for _, ct := range []string{"application/json", "text/plain"} {
			a := s.do(t, request{method: c.method, path: c.path, body: strings.NewReader(c.body), contentType: ct, cookies: own.cookies,
				header: map[string]string{"Origin": "https://evil.example"}})
			try(t, "CSRF", c.method+" "+c.path+" with cookies as "+ct, a.status == http.StatusUnauthorized, "%s", a)
		}
	}
	if after := s.ownState(t, own); after != before {
		t.Fatalf("the shop changed:\nbefore %s\nafter  %s", before, after)
	}
	// The genuine token works: the refusals are the attack's.
	good := url.Values{"csrf": {own.csrf}}
	if a := s.form(t, "/dashboard/products/"+p.ID+"/hide", own.cookies, good, nil); a.status != http.StatusSeeOther || !strings.Contains(a.header.Get("Location"), "done=") {
		t.Fatalf("hiding with the genuine token: %s %q", a, a.header.Get("Location"))
	}
}

// ownState is a seller's products, links, profile and videos as it reads them.
func (s *stack) ownState(t *testing.T, sl seller) string {
	t.Helper()
	var b strings.Builder
	for _, path := range []string{"/api/seller/products", "/api/seller/links", "/api/seller/profile", "/api/seller/videos"} {
		a := s.json(t, "GET", path, sl.token, nil)
		if a.status != 200 {
			t.Fatalf("reading %s: %s", path, a)
		}
		b.Write(a.body)
	}
	return b.String()
}
