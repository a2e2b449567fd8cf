package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// ginRouter serves GET /me behind the middleware, answering the identity.
func ginRouter(v Verifier) *gin.Engine {
	r := web.New(web.Options{})
	r.GET("/me", Middleware(v), func(c *gin.Context) {
		id, _ := FromContext(c.Request.Context())
		c.JSON(200, id)
	})
	return r
}

// localEnv is a local issuer served (JWKS included) by a test server, and a
// verifier trusting it.
type localEnv struct {
	srv    *httptest.Server
	issuer *LocalIssuer
	v      *JWTVerifier
	router *gin.Engine
}

func newLocalEnv(t testing.TB, keyIndex int) *localEnv {
	t.Helper()
	e := &localEnv{router: web.New(web.Options{})}
	e.srv = httptest.NewServer(e.router)
	t.Cleanup(e.srv.Close)
	iss, err := NewLocalIssuer(LocalIssuerConfig{URL: e.srv.URL + "/auth", Key: testKey(t, keyIndex)})
	if err != nil {
		t.Fatal(err)
	}
	e.issuer = iss
	e.router.GET(iss.JWKSPath(), iss.ServeJWKS)
	e.v, err = NewJWTVerifier(t.Context(), JWTConfig{Issuers: []TrustedIssuer{iss.Trust("")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.v.Close)
	return e
}

func TestLocalIssuerTokensPassTheJWTVerifier(t *testing.T) {
	e := newLocalEnv(t, 0)
	if e.issuer.JWKSPath() != "/auth/.well-known/jwks.json" {
		t.Fatalf("JWKS path %q", e.issuer.JWKSPath())
	}
	tok, err := e.issuer.Issue(Identity{Sub: AdminSub, Username: "admin", Groups: []string{GroupAdmins}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "Bearer" || time.Until(tok.ExpiresAt) < 59*time.Minute {
		t.Fatalf("token %+v", tok)
	}
	id, err := e.v.Verify(t.Context(), tok.Token)
	if err != nil || id.Sub != AdminSub || id.Username != "admin" || !id.IsAdmin() {
		t.Fatalf("verified %+v %v", id, err)
	}

	// A token of another key under the same issuer URL is refused.
	other, err := NewLocalIssuer(LocalIssuerConfig{URL: e.issuer.URL(), Key: testKey(t, 1)})
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := other.Issue(Identity{Sub: "local|bella"})
	if _, err := e.v.Verify(t.Context(), forged.Token); !catalog.IsCode(err, catalog.CodeUnauthorized) {
		t.Fatalf("token of another key: %v", err)
	}
	// An expired local token is refused like Cognito's.
	old, _ := NewLocalIssuer(LocalIssuerConfig{URL: e.issuer.URL(), Key: testKey(t, 0), Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	expired, _ := old.Issue(Identity{Sub: "local|bella"})
	if _, err := e.v.Verify(t.Context(), expired.Token); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired local token: %v", err)
	}
}

func TestLocalIssuerPublishesOnlyThePublicKey(t *testing.T) {
	e := newLocalEnv(t, 0)
	resp, err := http.Get(e.srv.URL + e.issuer.JWKSPath())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %v %+v", err, set)
	}
	k := set.Keys[0]
	if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["kid"] != thumbprint(&testKey(t, 0).PublicKey) || k["n"] == "" {
		t.Fatalf("key %v", k)
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := k[private]; ok {
			t.Fatalf("the JWKS leaks the private parameter %q", private)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
		t.Fatalf("cache header %q", cc)
	}
}

func TestLocalIssuerSignsOnlyLocalSubjects(t *testing.T) {
	iss, err := NewLocalIssuer(LocalIssuerConfig{URL: "http://localhost:8080/auth", Key: testKey(t, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"", "local|", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "LOCAL|x", "local|a\nb"} {
		if _, err := iss.Issue(Identity{Sub: sub}); !catalog.IsCode(err, catalog.CodeInvalid) {
			t.Errorf("sub %q: %v", sub, err)
		}
	}
	if _, err := NewLocalIssuer(LocalIssuerConfig{URL: "localhost", Key: testKey(t, 0)}); err == nil {
		t.Error("a relative issuer URL accepted")
	}
	if _, err := NewLocalIssuer(LocalIssuerConfig{URL: "http://localhost"}); err == nil {
		t.Error("an issuer without a key accepted")
	}
}

func TestLoadOrCreateKeyPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth", "issuer-key.pem")
	k1, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", st.Mode(), err)
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("reload: created=%v err=%v same=%v", created, err, k1.Equal(k2))
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "no PEM block") {
		t.Fatalf("corrupt key file: %v", err)
	}
}
