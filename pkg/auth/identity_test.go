package auth

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

type fakeVerifier map[string]Identity

func (f fakeVerifier) Verify(_ context.Context, token string) (Identity, error) {
	if id, ok := f[token]; ok {
		return id, nil
	}
	if token == "down" {
		return Identity{}, catalog.Unavailable(nil, "JWKS unreachable")
	}
	return Identity{}, catalog.Errorf(catalog.CodeUnauthorized, "the token has expired")
}

func TestMiddleware(t *testing.T) {
	r := web.New(web.Options{})
	r.GET("/me", Middleware(fakeVerifier{"good": {Sub: "u1", Groups: []string{"sellers"}}}), func(c *gin.Context) {
		id, ok := FromContext(c.Request.Context())
		c.JSON(200, gin.H{"sub": id.Sub, "ok": ok})
	})
	cases := []struct {
		header string
		status int
		msg    string
	}{
		{"", 401, "a bearer token is required"},
		{"Basic abc", 401, "a bearer token is required"},
		{"Bearer ", 401, "a bearer token is required"},
		{"Bearer expired", 401, "the token has expired"},
		{"Bearer down", 503, "JWKS unreachable"},
		{"bearer good", 200, ""},
	}
	for _, c := range cases {
		req := httptest.NewRequest("GET", "/me", nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != c.status {
			t.Errorf("%q: status %d want %d (%s)", c.header, w.Code, c.status, w.Body)
			continue
		}
		if c.status == 200 {
			if w.Body.String() != `{"ok":true,"sub":"u1"}` {
				t.Errorf("identity not on the context: %s", w.Body)
			}
			continue
		}
		var b web.ErrorBody
		_ = json.Unmarshal(w.Body.Bytes(), &b)
		if b.Error.Message != c.msg {
			t.Errorf("%q: message %q want %q", c.header, b.Error.Message, c.msg)
		}
		if c.status == 401 && w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%q: no WWW-Authenticate", c.header)
		}
	}
}

func TestCanActFor(t *testing.T) {
	s := catalog.Seller{Handle: "a", Sub: "u1"}
	if !CanActFor(Identity{Sub: "u1"}, s) || CanActFor(Identity{Sub: "u2"}, s) || !CanActFor(Identity{Sub: "x", Groups: []string{GroupAdmins}}, s) {
		t.Fatal("CanActFor")
	}
	if CanActFor(Identity{}, catalog.Seller{Handle: "b"}) {
		t.Fatal("an empty identity must not match a seller with no sub")
	}
}
