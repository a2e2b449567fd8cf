package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/buylink/buylink/pkg/catalog"
)

// Test keys are made once: RSA generation is slow under -race.
var (
	keysOnce sync.Once
	keys     [3]*rsa.PrivateKey
)

func testKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		for i := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		}
	})
	return keys[i]
}

// The Cognito fixtures: the sample JWKS's key ids and the sample payloads.
const (
	fixtureKID1  = "b7TzQ2kP9xWc4sLmNv8Ry1eHdJ0fAgUi3oK5pZqXwE4="
	fixtureKID2  = "Qm3nR8sV2yB6tX1cZ4wA7dF0gH5jK9lP2oI6uY3eT8r="
	idIssuer     = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Qw3rTy7Ui"
	idClient     = "4k9q2mv7r1s8t3u6w0x5y2zab"
	accessIssuer = "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Zx8Cv6Bn4"
	accessClient = "6p1v8x3q0n4s7m2k5j9h1g6f3d"
)

// fakeJWKS serves the Cognito sample JWKS with its placeholder moduli
// replaced by test keys (the fixture's moduli are not real keys), and
// counts fetches.
type fakeJWKS struct {
	*httptest.Server
	fetches atomic.Int32
	mu      sync.Mutex
	body    []byte
	status  int
}

func newFakeJWKS(t *testing.T, keys map[string]*rsa.PrivateKey) *fakeJWKS {
	f := &fakeJWKS{status: http.StatusOK}
	f.setKeys(t, keys)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.fetches.Add(1)
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = w.Write(f.body)
	}))
	t.Cleanup(f.Close)
	return f
}

// setKeys publishes the fixture's key entries whose kid is in keys, with
// those keys' moduli, plus any other kid given.
func (f *fakeJWKS) setKeys(t *testing.T, keys map[string]*rsa.PrivateKey) {
	t.Helper()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(cognitoSample(t, "jwks.json"), &set); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	seen := map[string]bool{}
	for _, k := range set.Keys {
		kid := k["kid"].(string)
		if key, ok := keys[kid]; ok {
			k["n"] = b64(key.N.Bytes())
			k["e"] = b64(big.NewInt(int64(key.E)).Bytes())
			out = append(out, k)
			seen[kid] = true
		}
	}
	for kid, key := range keys {
		if !seen[kid] {
			out = append(out, map[string]any{"kid": kid, "alg": "RS256", "kty": "RSA", "use": "sig",
				"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())})
		}
	}
	body, _ := json.Marshal(map[string]any{"keys": out})
	f.mu.Lock()
	f.body = body
	f.mu.Unlock()
}

func (f *fakeJWKS) setStatus(s int) {
	f.mu.Lock()
	f.status = s
	f.mu.Unlock()
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// cognitoSample reads a sample of Cognito's wire format (testdata/cognito).
func cognitoSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cognito", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// payload reads a Cognito sample payload and makes it current.
func payload(t *testing.T, name string, now time.Time) jwt.MapClaims {
	t.Helper()
	var c jwt.MapClaims
	if err := json.Unmarshal(cognitoSample(t, name), &c); err != nil {
		t.Fatal(err)
	}
	c["iat"], c["auth_time"], c["exp"] = now.Add(-time.Minute).Unix(), now.Add(-time.Minute).Unix(), now.Add(time.Hour).Unix()
	return c
}

func sign(t *testing.T, c jwt.Claims, kid string, key *rsa.PrivateKey) string {
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

type verifierEnv struct {
	v    *JWTVerifier
	jwks *fakeJWKS
	now  time.Time
}

func newVerifierEnv(t *testing.T, cfg JWTConfig) *verifierEnv {
	t.Helper()
	jwks := newFakeJWKS(t, map[string]*rsa.PrivateKey{fixtureKID1: testKey(t, 0), fixtureKID2: testKey(t, 1)})
	e := &verifierEnv{jwks: jwks, now: time.Now()}
	cfg.Issuers = []TrustedIssuer{
		{Issuer: idIssuer, JWKSURL: jwks.URL, ClientIDs: []string{idClient}},
		{Issuer: accessIssuer, JWKSURL: jwks.URL, ClientIDs: []string{accessClient}},
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return e.now }
	}
	v, err := NewJWTVerifier(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	e.v = v
	return e
}

func TestVerifyAcceptsCognitoIDAndAccessTokens(t *testing.T) {
	e := newVerifierEnv(t, JWTConfig{})
	id, err := e.v.Verify(t.Context(), sign(t, payload(t, "id_token_payload.json", e.now), fixtureKID1, testKey(t, 0)))
	if err != nil || id.Sub != "3c9e1f5a-7b2d-4e8f-9a1c-6d0b2e4f8a73" || id.Username != "mira.home" || len(id.Groups) != 0 {
		t.Fatalf("id token: %+v %v", id, err)
	}
	id, err = e.v.Verify(t.Context(), sign(t, payload(t, "access_token_payload.json", e.now), fixtureKID2, testKey(t, 1)))
	if err != nil || id.Username != "mira@shop.example" || len(id.Groups) != 1 || id.Groups[0] != "ops" || id.IsAdmin() {
		t.Fatalf("access token: %+v %v", id, err)
	}
	if n := e.jwks.fetches.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times for two issuers sharing it, want once each", n)
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	e := newVerifierEnv(t, JWTConfig{})
	key, other := testKey(t, 0), testKey(t, 2)
	idc := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := payload(t, "id_token_payload.json", e.now)
		mut(c)
		return c
	}
	accessc := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := payload(t, "access_token_payload.json", e.now)
		mut(c)
		return c
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&key.PublicKey))})
	hs := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, idc(func(jwt.MapClaims) {}))
		tok.Header["kid"] = fixtureKID1
		return must(tok.SignedString(secret))
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, idc(func(jwt.MapClaims) {}))
	none.Header["kid"] = fixtureKID1
	rs384 := jwt.NewWithClaims(jwt.SigningMethodRS384, idc(func(jwt.MapClaims) {}))
	rs384.Header["kid"] = fixtureKID1

	cases := []struct {
		name, token, want string
	}{
		{"expired", sign(t, idc(func(c jwt.MapClaims) { c["exp"] = e.now.Add(-time.Minute).Unix() }), fixtureKID1, key), "the token has expired"},
		{"not yet valid", sign(t, idc(func(c jwt.MapClaims) { c["nbf"] = e.now.Add(10 * time.Minute).Unix() }), fixtureKID1, key), "not valid yet"},
		{"issued in the future", sign(t, idc(func(c jwt.MapClaims) { c["iat"] = e.now.Add(10 * time.Minute).Unix() }), fixtureKID1, key), "issued in the future"},
		{"no expiry", sign(t, idc(func(c jwt.MapClaims) { delete(c, "exp") }), fixtureKID1, key), "has no expiry"},
		{"wrong issuer", sign(t, idc(func(c jwt.MapClaims) { c["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_evil" }), fixtureKID1, key), "does not trust"},
		{"issuer with a trailing slash", sign(t, idc(func(c jwt.MapClaims) { c["iss"] = idIssuer + "/" }), fixtureKID1, key), "does not trust"},
		{"no issuer", sign(t, idc(func(c jwt.MapClaims) { delete(c, "iss") }), fixtureKID1, key), "does not trust"},
		{"refresh token_use", sign(t, idc(func(c jwt.MapClaims) { c["token_use"] = "refresh" }), fixtureKID1, key), `token_use must be id or access (got "refresh")`},
		{"no token_use", sign(t, idc(func(c jwt.MapClaims) { delete(c, "token_use") }), fixtureKID1, key), "token_use must be id or access"},
		{"id token for another client", sign(t, idc(func(c jwt.MapClaims) { c["aud"] = "someotherclient" }), fixtureKID1, key), "ID token was issued to another app client"},
		{"id token with the client only in client_id", sign(t, idc(func(c jwt.MapClaims) { c["aud"] = "x"; c["client_id"] = idClient }), fixtureKID1, key), "another app client"},
		{"access token for another client", sign(t, accessc(func(c jwt.MapClaims) { c["client_id"] = "other" }), fixtureKID2, testKey(t, 1)), "access token was issued to another app client"},
		{"access token with the client only in aud", sign(t, accessc(func(c jwt.MapClaims) { delete(c, "client_id"); c["aud"] = accessClient }), fixtureKID2, testKey(t, 1)), "another app client"},
		{"no subject", sign(t, idc(func(c jwt.MapClaims) { delete(c, "sub") }), fixtureKID1, key), "no subject"},
		{"alg none", must(none.SignedString(jwt.UnsafeAllowNoneSignatureType)), `must be signed with RS256, not "none"`},
		{"HS256 with the public key PEM", hs(pubPEM), `not "HS256"`},
		{"HS256 with the public key DER", hs(must(x509.MarshalPKIXPublicKey(&key.PublicKey))), `not "HS256"`},
		{"HS256 with the modulus", hs(key.N.Bytes()), `not "HS256"`},
		{"RS384", must(rs384.SignedString(key)), `not "RS384"`},
		{"signed by another key under a known kid", sign(t, idc(func(jwt.MapClaims) {}), fixtureKID1, other), "signature is invalid"},
		{"key of the other kid", sign(t, idc(func(jwt.MapClaims) {}), fixtureKID2, key), "signature is invalid"},
		{"no kid", sign(t, idc(func(jwt.MapClaims) {}), "", key), "no key id"},
		{"unknown kid", sign(t, idc(func(jwt.MapClaims) {}), "rotated-away", key), "does not publish"},
		{"tampered payload", tamper(sign(t, idc(func(jwt.MapClaims) {}), fixtureKID1, key)), "signature is invalid"},
		{"garbage", "not.a.jwt", "malformed"},
		{"two parts", "abc.def", "malformed"},
		{"too large", strings.Repeat("a", 20<<10), "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.v.Verify(t.Context(), c.token)
			if !catalog.IsCode(err, catalog.CodeUnauthorized) {
				t.Fatalf("want unauthorized, got %v", err)
			}
			var de *catalog.Error
			if !errors.As(err, &de) || !strings.Contains(de.PublicMessage(), c.want) {
				t.Fatalf("error %v does not say %q", err, c.want)
			}
		})
	}
}

// tamper changes the payload of a signed token without re-signing it.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	raw = []byte(strings.Replace(string(raw), `"mira.home"`, `"mallory"`, 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestUnknownKIDCausesAtMostOneThrottledFetch(t *testing.T) {
	e := newVerifierEnv(t, JWTConfig{UnknownKIDInterval: 5 * time.Minute})
	newKey := testKey(t, 2)
	rotated := sign(t, payload(t, "id_token_payload.json", e.now), "rotated-in", newKey)
	tok := func() string { return rotated }

	// The first token loads the JWKS once; its kid is unknown and the keys
	// were just fetched, so no second fetch.
	if _, err := e.v.Verify(t.Context(), tok()); !catalog.IsCode(err, catalog.CodeUnauthorized) {
		t.Fatalf("want 401, got %v", err)
	}
	if n := e.jwks.fetches.Load(); n != 1 {
		t.Fatalf("fetches %d, want 1", n)
	}
	// The issuer rotates its keys; a flood of tokens within the interval
	// fetches nothing more.
	e.jwks.setKeys(t, map[string]*rsa.PrivateKey{fixtureKID1: testKey(t, 0), "rotated-in": newKey})
	for range 20 {
		if _, err := e.v.Verify(t.Context(), tok()); !catalog.IsCode(err, catalog.CodeUnauthorized) {
			t.Fatalf("want 401 within the interval, got %v", err)
		}
	}
	if n := e.jwks.fetches.Load(); n != 1 {
		t.Fatalf("fetches %d within the interval, want 1", n)
	}
	// After the interval, one token causes exactly one fetch and passes.
	e.now = e.now.Add(5*time.Minute + time.Second)
	rotated = sign(t, payload(t, "id_token_payload.json", e.now), "rotated-in", newKey)
	if _, err := e.v.Verify(t.Context(), tok()); err != nil {
		t.Fatalf("token of the rotated-in key after a refetch: %v", err)
	}
	if n := e.jwks.fetches.Load(); n != 2 {
		t.Fatalf("fetches %d, want 2", n)
	}
	// A still unknown kid right after: no fetch.
	if _, err := e.v.Verify(t.Context(), sign(t, payload(t, "id_token_payload.json", e.now), "never", newKey)); err == nil {
		t.Fatal("unknown kid accepted")
	}
	if n := e.jwks.fetches.Load(); n != 2 {
		t.Fatalf("fetches %d, want 2", n)
	}
}

func TestUnreachableJWKSIsUnavailableAndRetried(t *testing.T) {
	e := newVerifierEnv(t, JWTConfig{})
	e.jwks.setStatus(http.StatusInternalServerError)
	tok := sign(t, payload(t, "id_token_payload.json", e.now), fixtureKID1, testKey(t, 0))
	for range 3 {
		if _, err := e.v.Verify(t.Context(), tok); !catalog.IsCode(err, catalog.CodeUnavailable) {
			t.Fatalf("want unavailable, got %v", err)
		}
	}
	if n := e.jwks.fetches.Load(); n != 1 {
		t.Fatalf("failed loads are spaced: %d fetches", n)
	}
	e.jwks.setStatus(http.StatusOK)
	e.now = e.now.Add(loadRetry + time.Second)
	tok = sign(t, payload(t, "id_token_payload.json", e.now), fixtureKID1, testKey(t, 0))
	if _, err := e.v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("after the JWKS came back: %v", err)
	}
}

func TestOversizedJWKSIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"keys":[{"kid":"` + strings.Repeat("x", 2<<20) + `"}]}`))
	}))
	defer srv.Close()
	v, err := NewJWTVerifier(t.Context(), JWTConfig{Issuers: []TrustedIssuer{{Issuer: idIssuer, JWKSURL: srv.URL, ClientIDs: []string{idClient}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tok := sign(t, payload(t, "id_token_payload.json", time.Now()), fixtureKID1, testKey(t, 0))
	if _, err := v.Verify(t.Context(), tok); !catalog.IsCode(err, catalog.CodeUnavailable) || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("want a refused JWKS, got %v", err)
	}
}

func TestNewJWTVerifierChecksItsConfiguration(t *testing.T) {
	bad := []JWTConfig{
		{},
		{Issuers: []TrustedIssuer{{Issuer: "cognito", ClientIDs: []string{"c"}}}},
		{Issuers: []TrustedIssuer{{Issuer: idIssuer}}},
		{Issuers: []TrustedIssuer{{Issuer: idIssuer, ClientIDs: []string{""}}}},
		{Issuers: []TrustedIssuer{{Issuer: idIssuer, ClientIDs: []string{"c"}}, {Issuer: idIssuer, ClientIDs: []string{"d"}}}},
		{Issuers: []TrustedIssuer{{Issuer: idIssuer, JWKSURL: "ftp://x/jwks", ClientIDs: []string{"c"}}}},
	}
	for i, cfg := range bad {
		if _, err := NewJWTVerifier(t.Context(), cfg); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
}

func TestMiddlewareWithTheJWTVerifier(t *testing.T) {
	e := newVerifierEnv(t, JWTConfig{Now: time.Now})
	expired := payload(t, "id_token_payload.json", time.Now())
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	r := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/me", nil)
	req.Header.Set("Authorization", "Bearer "+sign(t, expired, fixtureKID1, testKey(t, 0)))
	router := ginRouter(e.v)
	router.ServeHTTP(r, req)
	if r.Code != 401 || !strings.Contains(r.Body.String(), `"message":"the token has expired"`) || r.Header().Get("WWW-Authenticate") == "" {
		t.Fatalf("expired token: %d %s", r.Code, r.Body)
	}
	r = httptest.NewRecorder()
	req.Header.Set("Authorization", "Bearer "+sign(t, payload(t, "id_token_payload.json", time.Now()), fixtureKID1, testKey(t, 0)))
	router.ServeHTTP(r, req)
	if r.Code != 200 || !strings.Contains(r.Body.String(), "3c9e1f5a-7b2d-4e8f-9a1c-6d0b2e4f8a73") {
		t.Fatalf("valid token: %d %s", r.Code, r.Body)
	}
}
