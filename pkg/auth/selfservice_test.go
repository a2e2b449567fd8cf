package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// devPages is a DevLogin with a sign-up that keeps sellers in a map.
type devPages struct {
	mu      sync.Mutex
	sellers map[string]string // handle -> sub
	router  *gin.Engine
}

func newDevPages(t *testing.T, iss *LocalIssuer) *devPages {
	p := &devPages{sellers: map[string]string{"demo": "local|demo"}, router: web.New(web.Options{})}
	d := &DevLogin{Issuer: iss,
		SubOf: func(_ context.Context, h string) (string, error) {
			p.mu.Lock()
			defer p.mu.Unlock()
			if sub, ok := p.sellers[h]; ok {
				return sub, nil
			}
			return "", catalog.NotFound("seller", h)
		},
		Signup: func(_ context.Context, h, _, sub string) error {
			p.mu.Lock()
			defer p.mu.Unlock()
			if _, taken := p.sellers[h]; taken {
				return catalog.Conflict("handle %q is already taken", h)
			}
			p.sellers[h] = sub
			return nil
		}}
	d.Register(p.router)
	return p
}

func (p *devPages) do(method, target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	w := httptest.NewRecorder()
	p.router.ServeHTTP(w, req)
	return w
}

func TestSignupPage(t *testing.T) {
	e := newLocalEnv(t, 0)
	p := newDevPages(t, e.issuer)
	w := p.do("GET", "/signup", nil)
	body := w.Body.String()
	if w.Code != 200 || w.Header().Get("Content-Security-Policy") != web.PageCSP {
		t.Fatalf("page: %d, CSP %q", w.Code, w.Header().Get("Content-Security-Policy"))
	}
	if strings.Contains(body, "<style") || strings.Contains(body, " style=") || strings.Contains(body, "<script>") {
		t.Fatal("the page has inline style or script, which its CSP forbids")
	}
	for _, want := range []string{AssetPath("auth.css"), AssetPath("handle.js"), `data-check="/api/handles/"`, "Create your shop"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(body), "devstack") || strings.Contains(strings.ToLower(body), "development") {
		t.Error("the page shows developer wording")
	}
	for _, c := range []struct {
		form  url.Values
		code  int
		field string
		msg   string
	}{
		{url.Values{"handle": {"admin"}, "displayName": {"A"}}, 400, "handle", "reserved"},
		{url.Values{"handle": {"Bad Handle!"}, "displayName": {"A"}}, 400, "handle", "2-24 characters"},
		{url.Values{"handle": {"fine.shop"}, "displayName": {""}}, 400, "displayName", "Shop name is required"},
		{url.Values{"handle": {"demo"}, "displayName": {"Demo"}}, 409, "handle", "@demo is taken"},
		{url.Values{"handle": {"<script>x</script>"}, "displayName": {"<b>"}}, 400, "handle", "2-24"},
	} {
		w := p.do("POST", "/signup", c.form)
		if w.Code != c.code || len(w.Result().Cookies()) != 0 {
			t.Errorf("%v: %d (want %d), cookies %v", c.form, w.Code, c.code, w.Result().Cookies())
			continue
		}
		b := w.Body.String()
		// The message sits next to its field.
		i, j := strings.Index(b, `id="`+c.field+`"`), strings.Index(b, c.msg)
		if i < 0 || j < i || strings.Contains(b, "<script>x") {
			t.Errorf("%v: message %q not after field %q:\n%s", c.form, c.msg, c.field, b)
		}
	}
	w = p.do("POST", "/signup", url.Values{"handle": {"@New.Shop"}, "displayName": {"New Shop"}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/dashboard") {
		t.Fatalf("sign-up: %d %v", w.Code, w.Header())
	}
	sub := p.sellers["new.shop"]
	if !strings.HasPrefix(sub, LocalSubPrefix) || sub == LocalSubPrefix+"admin" {
		t.Fatalf("new account %q", sub)
	}
	var token string
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			token = c.Value
		}
	}
	id, err := e.v.Verify(t.Context(), token)
	if err != nil || id.Sub != sub || id.Username != "new.shop" || id.IsAdmin() {
		t.Fatalf("session of the new seller: %+v %v", id, err)
	}
}

func TestSignOut(t *testing.T) {
	e := newLocalEnv(t, 0)
	p := newDevPages(t, e.issuer)
	login := p.do("POST", "/login", url.Values{"handle": {"demo"}})
	cookies := login.Result().Cookies()
	if w := p.do("POST", "/logout", url.Values{"csrf": {"forged"}}, cookies...); w.Code != 403 || len(w.Result().Cookies()) != 0 {
		t.Fatalf("forged sign-out: %d %v", w.Code, w.Result().Cookies())
	}
	var refresh string
	for _, c := range cookies {
		if c.Name == RefreshCookie {
			refresh = c.Value
		}
	}
	w := p.do("POST", "/logout", url.Values{"csrf": {csrfToken(refresh)}}, cookies...)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "You are signed out") {
		t.Fatalf("sign-out: %d %s", w.Code, w.Body)
	}
	cleared := map[string]bool{}
	for _, c := range w.Result().Cookies() {
		cleared[c.Name] = c.MaxAge < 0 && c.Value == ""
	}
	if !cleared[SessionCookie] || !cleared[RefreshCookie] {
		t.Fatalf("cookies not cleared: %v", w.Result().Cookies())
	}
}

func TestBrowserRenewsSessions(t *testing.T) {
	e := newLocalEnv(t, 0)
	clock := time.Now()
	iss, err := NewLocalIssuer(LocalIssuerConfig{URL: e.issuer.URL(), Key: testKey(t, 0), TTL: time.Hour, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewJWTVerifier(t.Context(), JWTConfig{Issuers: []TrustedIssuer{iss.Trust("")}, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	b := &Browser{Verifier: v, Renewer: iss, Now: func() time.Time { return clock }}
	r := web.New(web.Options{})
	r.GET("/me", func(c *gin.Context) {
		id, err := b.Authenticate(c)
		if err != nil {
			web.WriteError(c, err)
			return
		}
		c.String(200, id.Sub+" "+CSRF(c))
	})
	call := func(cookies ...*http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/me", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	s, err := iss.IssueSession(Identity{Sub: "local|bella", Username: "bella"})
	if err != nil {
		t.Fatal(err)
	}
	tok, ref := &http.Cookie{Name: SessionCookie, Value: s.Token}, &http.Cookie{Name: RefreshCookie, Value: s.Refresh}
	w := call(tok, ref)
	if w.Code != 200 || len(w.Result().Cookies()) != 0 || w.Body.String() != "local|bella "+csrfToken(s.Refresh) {
		t.Fatalf("fresh session: %d %s %v", w.Code, w.Body, w.Result().Cookies())
	}
	// An hour later the ID token has expired: the refresh token renews it,
	// and the CSRF token of forms already on screen stays valid.
	clock = clock.Add(time.Hour + time.Minute)
	if _, err := v.Verify(t.Context(), s.Token); err == nil {
		t.Fatal("the token should have expired")
	}
	w = call(tok, ref)
	if w.Code != 200 || w.Body.String() != "local|bella "+csrfToken(s.Refresh) {
		t.Fatalf("expired token with a refresh token: %d %s", w.Code, w.Body)
	}
	var renewed string
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			renewed = c.Value
		}
	}
	if renewed == "" || renewed == s.Token {
		t.Fatalf("no renewed token in %v", w.Result().Cookies())
	}
	if w := call(tok); w.Code != 401 {
		t.Fatalf("expired token without a refresh token: %d", w.Code)
	}
	forged := &http.Cookie{Name: RefreshCookie, Value: s.Token} // an ID token is not a refresh token
	if w := call(tok, forged); w.Code != 401 {
		t.Fatalf("an ID token used as refresh token: %d", w.Code)
	}
	if _, err := v.Verify(t.Context(), s.Refresh); !catalog.IsCode(err, catalog.CodeUnauthorized) {
		t.Fatalf("a refresh token must not be a bearer token: %v", err)
	}
}

func TestHostedUISignupRenewAndLogout(t *testing.T) {
	var revoked []string
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/oauth2/revoke":
			revoked = append(revoked, r.Form.Get("token"))
		case r.Form.Get("grant_type") == "refresh_token" && r.Form.Get("refresh_token") == "good-refresh" && r.Form.Get("client_id") == "client-1":
			_, _ = w.Write([]byte(`{"id_token":"new-id","access_token":"a","token_type":"Bearer","expires_in":3600}`))
		default:
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		}
	}))
	defer idp.Close()
	h := &HostedUI{BaseURL: idp.URL, ClientID: "client-1", RedirectURL: "https://shop.example.com/auth/callback", Verifier: stubVerifier{"new-id"}}
	r := web.New(web.Options{})
	h.Register(r)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/signup", nil))
	loc, _ := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || loc.Path != "/signup" || loc.Query().Get("redirect_uri") != h.RedirectURL || loc.Query().Get("state") == "" {
		t.Fatalf("sign-up redirect: %d %s", w.Code, w.Header().Get("Location"))
	}
	s, err := h.Renew(t.Context(), "good-refresh")
	if err != nil || s.Token != "new-id" || s.Refresh != "good-refresh" || time.Until(s.ExpiresAt) < 59*time.Minute {
		t.Fatalf("renew: %+v %v", s, err)
	}
	if _, err := h.Renew(t.Context(), "revoked"); !catalog.IsCode(err, catalog.CodeUnauthorized) {
		t.Fatalf("renew with a bad refresh token: %v", err)
	}
	req := httptest.NewRequest("POST", "/logout", strings.NewReader(url.Values{"csrf": {csrfToken("good-refresh")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: RefreshCookie, Value: "good-refresh"})
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != 200 || len(revoked) != 1 || revoked[0] != "good-refresh" ||
		!strings.Contains(w.Body.String(), idp.URL+"/logout?client_id=client-1&amp;logout_uri=https%3A%2F%2Fshop.example.com%2F") {
		t.Fatalf("logout: %d revoked %v\n%s", w.Code, revoked, w.Body)
	}
}
