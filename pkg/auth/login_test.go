package auth

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

const adminPassword = "correct horse battery staple"

func adminHash(t *testing.T) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func post(t *testing.T, e *localEnv, path, ip, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = ip + ":41234"
	w := httptest.NewRecorder()
	e.router.ServeHTTP(w, req)
	return w
}

func errorMessage(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var b web.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body %q: %v", w.Body, err)
	}
	return b.Error.Message
}

func TestAdminLogin(t *testing.T) {
	e := newLocalEnv(t, 0)
	login, err := NewAdminLogin(AdminLoginConfig{PasswordHash: adminHash(t), Issuer: e.issuer, PerIP: RateLimit{Every: time.Hour, Burst: 20}})
	if err != nil {
		t.Fatal(err)
	}
	e.router.POST("/auth/admin/login", login.Handle)
	const ip = "203.0.113.7"

	w := post(t, e, "/auth/admin/login", ip, `{"password":"`+adminPassword+`"}`)
	if w.Code != 200 || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	var tok Token
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil {
		t.Fatal(err)
	}
	id, err := e.v.Verify(t.Context(), tok.Token)
	if err != nil || id.Sub != AdminSub || !id.IsAdmin() || !CanActFor(id, catalog.Seller{Handle: "any", Sub: "local|someone"}) {
		t.Fatalf("admin identity %+v %v", id, err)
	}

	cases := []struct {
		body   string
		status int
		want   string
	}{
		{`{"password":"wrong"}`, 401, "the password is wrong"},
		{`{"password":"` + strings.Repeat("p", 73) + `"}`, 400, "password: must be at most 72 bytes (got 73)"},
		{`{"password":"` + adminPassword + strings.Repeat("x", 72-len(adminPassword)) + `"}`, 401, "the password is wrong"},
		{`{"password":""}`, 400, "password: is required"},
		{`{"password":"x","user":"root"}`, 400, "unknown field"},
		{`{"password":"x"} {}`, 400, "data after the JSON value"},
		{`nope`, 400, "not valid JSON"},
	}
	for _, c := range cases {
		w := post(t, e, "/auth/admin/login", ip, c.body)
		if w.Code != c.status || !strings.Contains(errorMessage(t, w), c.want) {
			t.Errorf("%.40s: %d %s, want %d %q", c.body, w.Code, w.Body, c.status, c.want)
		}
	}
}

func TestAdminLoginIsRateLimitedPerIP(t *testing.T) {
	e := newLocalEnv(t, 0)
	login, err := NewAdminLogin(AdminLoginConfig{PasswordHash: adminHash(t), Issuer: e.issuer})
	if err != nil {
		t.Fatal(err)
	}
	e.router.POST("/login", login.Handle)
	for i := range 5 {
		if w := post(t, e, "/login", "198.51.100.1", `{"password":"guess"}`); w.Code != 401 {
			t.Fatalf("attempt %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	w := post(t, e, "/login", "198.51.100.1", `{"password":"`+adminPassword+`"}`)
	if w.Code != 429 || w.Header().Get("Retry-After") == "" || !strings.Contains(errorMessage(t, w), "too many login attempts") {
		t.Fatalf("sixth attempt: %d %s", w.Code, w.Body)
	}
	if ra := w.Header().Get("Retry-After"); ra != "12" && ra != "11" {
		t.Fatalf("Retry-After %q, want about 12s", ra)
	}
	if w := post(t, e, "/login", "198.51.100.2", `{"password":"`+adminPassword+`"}`); w.Code != 200 {
		t.Fatalf("another address is not limited: %d %s", w.Code, w.Body)
	}
}

func TestAdminLoginIsRateLimitedGlobally(t *testing.T) {
	e := newLocalEnv(t, 0)
	login, err := NewAdminLogin(AdminLoginConfig{PasswordHash: adminHash(t), Issuer: e.issuer, Global: RateLimit{Every: time.Hour, Burst: 3}})
	if err != nil {
		t.Fatal(err)
	}
	e.router.POST("/login", login.Handle)
	for i, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"} {
		w := post(t, e, "/login", ip, `{"password":"guess"}`)
		if want := map[bool]int{true: 401, false: 429}[i < 3]; w.Code != want {
			t.Fatalf("attempt from %s: %d, want %d", ip, w.Code, want)
		}
	}
}

func TestIPLimitersForgetIdleAddresses(t *testing.T) {
	l := &ipLimiters{limit: RateLimit{Every: time.Second, Burst: 1}, m: map[string]*ipEntry{}}
	start := time.Now()
	for i := range maxTrackedIPs {
		if _, ok := l.take(string(rune(i))+"ip", start); !ok {
			t.Fatal("first attempt refused")
		}
	}
	if _, ok := l.take("new", start); ok {
		t.Fatal("a full table of active addresses must refuse new ones")
	}
	if _, ok := l.take("new", start.Add(2*time.Second)); !ok || len(l.m) != 1 {
		t.Fatalf("idle entries not dropped: %d left", len(l.m))
	}
}

func TestNewAdminLoginNeedsABcryptHash(t *testing.T) {
	e := newLocalEnv(t, 0)
	for _, h := range []string{"", adminPassword, "$2a$10$short"} {
		if _, err := NewAdminLogin(AdminLoginConfig{PasswordHash: h, Issuer: e.issuer}); err == nil {
			t.Errorf("hash %q accepted", h)
		}
	}
	if _, err := NewAdminLogin(AdminLoginConfig{PasswordHash: adminHash(t)}); err == nil {
		t.Error("no issuer accepted")
	}
}

func TestDevLogin(t *testing.T) {
	e := newLocalEnv(t, 0)
	dev := &DevLogin{Issuer: e.issuer, SubOf: func(_ context.Context, handle string) (string, error) {
		if handle == "demo" {
			return "local|demo", nil
		}
		return "", catalog.NotFound("seller", handle)
	}}
	e.router.POST("/auth/dev/login", dev.Handle)
	cases := []struct {
		body, sub string
		status    int
		want      string
	}{
		{`{"handle":"@Demo"}`, "local|demo", 200, ""},
		{`{"sub":"local|alice","username":"alice"}`, "local|alice", 200, ""},
		{`{"handle":"ghost"}`, "", 404, `seller "ghost" not found`},
		{`{"handle":"bad handle!"}`, "", 400, "handle: must be"},
		{`{"sub":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}`, "", 400, "must start with \"local|\""},
		{`{"handle":"demo","sub":"local|x"}`, "", 400, "either a seller handle or a sub"},
		{`{}`, "", 400, "either a seller handle or a sub"},
		{`{"sub":"local|x","groups":["admins"]}`, "", 400, "unknown field"},
	}
	for _, c := range cases {
		w := post(t, e, "/auth/dev/login", "127.0.0.1", c.body)
		if w.Code != c.status {
			t.Errorf("%s: %d %s", c.body, w.Code, w.Body)
			continue
		}
		if c.status != 200 {
			if msg := errorMessage(t, w); !strings.Contains(msg, c.want) {
				t.Errorf("%s: message %q, want %q", c.body, msg, c.want)
			}
			continue
		}
		var tok Token
		_ = json.Unmarshal(w.Body.Bytes(), &tok)
		id, err := e.v.Verify(t.Context(), tok.Token)
		if err != nil || id.Sub != c.sub || id.IsAdmin() {
			t.Errorf("%s: identity %+v %v", c.body, id, err)
		}
	}
}
