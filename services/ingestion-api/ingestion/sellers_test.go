package ingestion_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

func TestSellerOnboarding(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.token("local|alice")
	if r := e.do("GET", "/api/sellers/me", alice, ""); r.status != 404 || !strings.Contains(r.message(t), "create one with POST /api/sellers") {
		t.Fatalf("me before onboarding: %d %s", r.status, r.body)
	}
	body := `{"handle":"@Alice.Shop","displayName":"Alice's shop","avatarUrl":"https://cdn.example.com/a.jpg","bio":"Linen.\nHandmade."}`
	r := e.do("POST", "/api/sellers", alice, body)
	var s catalog.Seller
	r.decode(t, &s)
	if r.status != http.StatusCreated || s.Handle != "alice.shop" || s.Sub != "local|alice" || s.DisplayName != "Alice's shop" || r.header.Get("Location") != "/api/sellers/me" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/sellers/me", alice, ""); r.status != 200 || !strings.Contains(string(r.body), `"handle":"alice.shop"`) {
		t.Fatalf("me: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/sellers", alice, body); r.status != http.StatusOK {
		t.Fatalf("a retried creation answers the seller: %d %s", r.status, r.body)
	}
	cases := []struct {
		name, token, body string
		status            int
		want              string
	}{
		{"handle owned by another account", e.token("local|mallory"), `{"handle":"alice.shop","displayName":"x"}`, 409, `handle "alice.shop" is already taken`},
		{"account owning another seller", alice, `{"handle":"alice_two","displayName":"x"}`, 409, `this account already owns the seller "alice.shop"`},
		{"invalid handle", e.token("local|bob"), `{"handle":"bob shop","displayName":"x"}`, 400, "handle: must be 2-24 characters"},
		{"handle ending with a period", e.token("local|bob"), `{"handle":"bob.","displayName":"x"}`, 400, "handle: must not end with a period"},
		{"no display name", e.token("local|bob"), `{"handle":"bob_shop"}`, 400, "displayName: is required"},
		{"invisible display name", e.token("local|bob"), `{"handle":"bob_shop","displayName":"\u200b\u202e\u2066"}`, 400, "displayName: is required"},
		{"multi-line display name", e.token("local|bob"), `{"handle":"bob_shop","displayName":"a\nb"}`, 400, "displayName: must be a single line"},
		{"avatar on a private address", e.token("local|bob"), `{"handle":"bob_shop","displayName":"Bob","avatarUrl":"http://10.0.0.5/a.png"}`, 400, "avatarUrl: must point at a public host"},
		{"bio too long", e.token("local|bob"), `{"handle":"bob_shop","displayName":"Bob","bio":"` + strings.Repeat("b", 501) + `"}`, 400, "bio: must be at most 500 characters"},
		{"unknown field", e.token("local|bob"), `{"handle":"bob_shop","displayName":"Bob","sub":"local|alice"}`, 400, `unknown field "sub"`},
		{"no token", "", `{"handle":"bob_shop","displayName":"Bob"}`, 401, "a bearer token is required"},
	}
	for _, c := range cases {
		r := e.do("POST", "/api/sellers", c.token, c.body)
		if r.status != c.status || !strings.Contains(r.message(t), c.want) {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	// The new seller can post its videos; another account cannot.
	e.tiktok.Add(oembedtest.Video{ID: "1", Author: "alice.shop"})
	post := jsonBody(map[string]string{"video_url": "https://www.tiktok.com/@alice.shop/video/1", "seller_handle": "alice.shop"})
	if r := e.do("POST", "/api/videos", alice, post); r.status != 202 {
		t.Fatalf("owner posts: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/videos", e.token("local|mallory"), post); r.status != 403 {
		t.Fatalf("another account posts: %d %s", r.status, r.body)
	}
}

func TestLoginsThroughTheAPI(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret-admin"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(d *ingestion.Deps) {
		login, err := auth.NewAdminLogin(auth.AdminLoginConfig{PasswordHash: string(hash), Issuer: d.LocalIssuer})
		if err != nil {
			t.Fatal(err)
		}
		d.AdminLogin, d.DevLogin = login, true
	})
	var tok auth.Token
	r := e.do("POST", ingestion.PathAdminLogin, "", `{"password":"s3cret-admin"}`)
	r.decode(t, &tok)
	if r.status != 200 || !tok.Identity.IsAdmin() {
		t.Fatalf("admin login: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/videos?seller=other_shop", tok.Token, ""); r.status != 200 {
		t.Fatalf("the admin reads any seller: %d %s", r.status, r.body)
	}
	if r := e.do("POST", ingestion.PathAdminLogin, "", `{"password":"`+strings.Repeat("x", 73)+`"}`); r.status != 400 {
		t.Fatalf("long password: %d", r.status)
	}
	r = e.do("POST", ingestion.PathDevLogin, "", `{"handle":"bella.shop"}`)
	r.decode(t, &tok)
	if r.status != 200 || tok.Identity.Sub != bellaID {
		t.Fatalf("dev login: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/sellers/me", tok.Token, ""); r.status != 200 || !strings.Contains(string(r.body), bella) {
		t.Fatalf("me after dev login: %d %s", r.status, r.body)
	}
	if r := e.do("GET", e.issuer.JWKSPath(), "", ""); r.status != 200 || !strings.Contains(string(r.body), `"kty":"RSA"`) {
		t.Fatalf("JWKS: %d %s", r.status, r.body)
	}
}
