package security

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

// issuerKey is the devstack's local issuer: its private key (what an
// attacker does not have), its key id and its issuer URL.
type issuerKey struct {
	key      *rsa.PrivateKey
	kid, iss string
}

func (s *stack) issuer(t *testing.T) issuerKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, "auth", "issuer-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.ParseKeyPEM(b)
	if err != nil {
		t.Fatal(err)
	}
	jwks := s.do(t, request{method: "GET", path: ingestion.LocalIssuerPath + auth.WellKnownJWKSPath})
	var set struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal(jwks.body, &set); jwks.status != 200 || err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %s", jwks)
	}
	return issuerKey{key: k, kid: set.Keys[0].Kid, iss: "http://" + strings.Replace(strings.TrimPrefix(s.base, "http://"), "127.0.0.1", "localhost", 1) + ingestion.LocalIssuerPath}
}

// claims are a valid ID token's claims for sub, which a forgery then changes.
func (k issuerKey) claims(sub string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": k.iss, "sub": sub, "aud": auth.DefaultLocalClientID, "token_use": "id", "cognito:username": "x",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix()}
}

func signRS256(t *testing.T, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawJWT assembles a token from a header, claims and a signature function.
func rawJWT(t *testing.T, header map[string]any, c jwt.MapClaims, sign func(input string) []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	return in + "." + base64.RawURLEncoding.EncodeToString(sign(in))
}

// Forged tokens (held): every forgery is refused with 401 and a reason by
// both services' bearer routes, and none acts as its subject.
func TestAttackForgedTokens(t *testing.T) {
	s := startStack(t)
	victim := s.newSeller(t, "victim.shop")
	k := s.issuer(t)
	sub := "local|victim.shop"
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	with := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := k.claims(sub)
		change(c)
		return c
	}
	hs256 := func(secret []byte) func(string) []byte {
		return func(in string) []byte { m := hmac.New(sha256.New, secret); m.Write([]byte(in)); return m.Sum(nil) }
	}
	valid := signRS256(t, k.key, k.kid, k.claims(sub))
	parts := strings.Split(valid, ".")
	tampered := func() string {
		c := k.claims("local|attacker")
		p, _ := json.Marshal(c)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
	}()
	refresh := ""
	for _, c := range victim.cookies {
		if c.Name == auth.RefreshCookie {
			refresh = c.Value
		}
	}
	if refresh == "" {
		t.Fatal("the sign-in set no refresh cookie")
	}
	forgeries := []struct{ name, token, want string }{
		{"alg none", rawJWT(t, map[string]any{"alg": "none", "typ": "JWT", "kid": k.kid}, k.claims(sub), func(string) []byte { return nil }), `RS256, not "none"`},
		{"alg none, capitalised", rawJWT(t, map[string]any{"alg": "None", "typ": "JWT", "kid": k.kid}, k.claims(sub), func(string) []byte { return nil }), "malformed"},
		{"HS256 keyed with the public key PEM", rawJWT(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": k.kid}, k.claims(sub), hs256(pubPEM)), `RS256, not "HS256"`},
		{"HS256 keyed with the public key DER", rawJWT(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": k.kid}, k.claims(sub), hs256(pubDER)), `RS256, not "HS256"`},
		{"payload changed under a valid signature", tampered, "signature is invalid"},
		{"wrong issuer, real key", signRS256(t, k.key, k.kid, with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/auth" })), "issuer this service does not trust"},
		{"issuer with a trailing slash", signRS256(t, k.key, k.kid, with(func(c jwt.MapClaims) { c["iss"] = k.iss + "/" })), "issuer this service does not trust"},
		{"wrong audience", signRS256(t, k.key, k.kid, with(func(c jwt.MapClaims) { c["aud"] = "another-app" })), "another app client"},
		{"access token for another client", signRS256(t, k.key, k.kid, with(func(c jwt.MapClaims) { c["token_use"] = "access"; c["client_id"] = "another-app" })), "another app client"},
		{"expired", signRS256(t, k.key, k.kid, with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })), "expired"},
		{"no expiry", signRS256(t, k.key, k.kid, with(func(c jwt.MapClaims) { delete(c, "exp") })), "no expiry"},
		{"not valid yet", signRS256(t, k.key, k.kid, with(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })), "not valid yet"},
		{"issued in the future", signRS256(t, k.key, k.kid, with(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() })), "issued in the future"},
		{"kid of the real key, attacker's signature", signRS256(t, attacker, k.kid, k.claims(sub)), "signature is invalid"},
		{"attacker's kid", signRS256(t, attacker, "attacker-key", k.claims(sub)), "a key its issuer does not publish"},
		{"kid as a path", signRS256(t, attacker, "../../../../etc/passwd", k.claims(sub)), "a key its issuer does not publish"},
		{"no kid", signRS256(t, attacker, "", k.claims(sub)), "no key id"},
		{"admin subject and group, attacker's key", signRS256(t, attacker, k.kid, with(func(c jwt.MapClaims) { c["sub"] = auth.AdminSub; c["cognito:groups"] = []string{auth.GroupAdmins} })), "signature is invalid"},
		{"refresh token as a bearer token", refresh, "token_use must be id or access"},
		{"not a JWT", "victim.shop", "malformed"},
	}
	routes := []string{"/api/sellers/me", "/api/seller/products", "/api/seller/profile", "/api/seller/videos"}
	for _, f := range forgeries {
		for _, path := range routes {
			a := s.json(t, "GET", path, f.token, nil)
			try(t, "forged token", f.name+" on "+path, a.status == http.StatusUnauthorized && strings.Contains(a.message(), f.want) &&
				strings.Contains(a.header.Get("WWW-Authenticate"), "invalid_token"), "%s (want 401 %q)", a, f.want)
		}
		// In the session cookie, the dashboard sends the browser to sign in.
		a := s.do(t, request{method: "GET", path: "/dashboard", cookies: []*http.Cookie{{Name: auth.SessionCookie, Value: f.token}}})
		try(t, "forged token", f.name+" as the session cookie", a.status == http.StatusSeeOther && strings.HasPrefix(a.header.Get("Location"), "/login"), "%s", a)
	}
	// The genuine token works on every route: the refusals are the forgeries'.
	for _, path := range routes {
		if a := s.json(t, "GET", path, valid, nil); a.status != 200 {
			t.Fatalf("the genuine token on %s: %s", path, a)
		}
	}
}

// Admin subject spoofing through the dev login (held): nobody signs in as
// the admin's subject, asks for the admins group, or becomes an admin by
// an account named admin.
func TestAttackAdminSubjectSpoofing(t *testing.T) {
	s := startStack(t)
	victim := s.newSeller(t, "victim.shop")
	for _, body := range []string{
		`{"sub":"` + auth.AdminSub + `"}`,
		`{"sub":"local|admin|root","username":"admin"}`,
		`{"sub":"admin|root"}`,
		`{"sub":"local|demo","cognito:groups":["admins"]}`,
		`{"sub":"local|demo","groups":["admins"]}`,
		`{"sub":"local|ADMIN"}`,
		`{"sub":"local|admin\u0000|root"}`,
		`{"sub":"3c9e1f5a-7b2d-4e8f-9a1c-6d0b2e4f8a73"}`,
	} {
		a := s.json(t, "POST", "/auth/dev/login", "", body)
		try(t, "admin subject spoofing", "dev login "+body, a.status == http.StatusBadRequest, "%s", a)
	}
	// An account named admin is an ordinary account: it may not act for another shop.
	tok := s.devToken(t, map[string]string{"sub": "local|admin", "username": "admin"})
	a := s.json(t, "POST", "/api/videos", tok, map[string]string{"video_url": "https://www.tiktok.com/@victim.shop/video/7524354452762037512", "seller_handle": victim.handle})
	try(t, "admin subject spoofing", "local|admin posting for another shop", a.status == http.StatusForbidden && strings.Contains(a.message(), "may not post videos for seller @victim.shop"), "%s", a)
	a = s.json(t, "GET", "/api/seller/products?seller="+victim.handle, tok, nil)
	try(t, "admin subject spoofing", "local|admin reading another shop's products", a.status == http.StatusNotFound, "%s", a)
	// The login form refuses the admin's shop-less subject too.
	a = s.form(t, "/login", nil, map[string][]string{"handle": {"admin"}}, nil)
	try(t, "admin subject spoofing", "login form as admin", a.status >= 400 && a.header.Get("Set-Cookie") == "", "%s", a)
}
