package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

func TestDevLoginPageSetsTheSessionCookie(t *testing.T) {
	iss, err := NewLocalIssuer(LocalIssuerConfig{URL: "http://localhost:8080/auth", Key: testKey(t, 0)})
	if err != nil {
		t.Fatal(err)
	}
	d := &DevLogin{Issuer: iss, SubOf: func(_ context.Context, h string) (string, error) {
		if h == "demo" {
			return "local|demo", nil
		}
		return "", catalog.NotFound("seller", h)
	}}
	r := web.New(web.Options{})
	r.GET("/login", d.Page)
	r.POST("/login", d.Submit)

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/login?next=//evil.io", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `name="next" value="/dashboard"`) {
		t.Fatalf("form: %d %s", w.Code, w.Body)
	}
	post := func(form url.Values) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	w = post(url.Values{"handle": {"demo"}, "next": {"/dashboard/products"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/dashboard/products" {
		t.Fatalf("submit: %d %v", w.Code, w.Header())
	}
	ck := w.Result().Cookies()
	if len(ck) != 2 || ck[0].Name != SessionCookie || ck[1].Name != RefreshCookie {
		t.Fatalf("cookies: %+v", ck)
	}
	for _, c := range ck {
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Value == "" {
			t.Fatalf("cookie: %+v", c)
		}
	}
	if w := post(url.Values{"handle": {"ghost"}}); w.Code != 404 || !strings.Contains(w.Body.String(), "no shop @ghost") || len(w.Result().Cookies()) != 0 {
		t.Fatalf("unknown seller: %d %s", w.Code, w.Body)
	}
	if w := post(url.Values{"handle": {"<script>"}}); w.Code != 400 || strings.Contains(w.Body.String(), "<script>") {
		t.Fatalf("bad handle must be refused and escaped: %d %s", w.Code, w.Body)
	}
}

type stubVerifier struct{ want string }

func (s stubVerifier) Verify(_ context.Context, tok string) (Identity, error) {
	if tok == s.want {
		return Identity{Sub: "cognito-sub"}, nil
	}
	return Identity{}, catalog.Errorf(catalog.CodeUnauthorized, "bad token")
}

func TestHostedUIAuthorizationCodeFlow(t *testing.T) {
	var tokenStatus = http.StatusOK
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.URL.Path != "/oauth2/token" || r.Form.Get("grant_type") != "authorization_code" || r.Form.Get("client_id") != "client-1" ||
			r.Form.Get("redirect_uri") != "https://shop.example.com/auth/callback" {
			t.Errorf("token request: %s %v", r.URL.Path, r.Form)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(tokenStatus)
		if r.Form.Get("code") == "good" && tokenStatus == 200 {
			_, _ = w.Write([]byte(`{"id_token":"id-tok","access_token":"a","refresh_token":"r","token_type":"Bearer","expires_in":3600}`))
			return
		}
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
	}))
	defer idp.Close()
	h := &HostedUI{BaseURL: idp.URL, ClientID: "client-1", RedirectURL: "https://shop.example.com/auth/callback", Verifier: stubVerifier{"id-tok"}}
	r := web.New(web.Options{})
	r.GET("/login", h.Login)
	r.GET("/auth/callback", h.Callback)

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/login?next=/dashboard/products", nil))
	loc, _ := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || loc.Path != "/oauth2/authorize" || loc.Query().Get("client_id") != "client-1" ||
		loc.Query().Get("response_type") != "code" || loc.Query().Get("state") == "" {
		t.Fatalf("login redirect: %d %s", w.Code, w.Header().Get("Location"))
	}
	state := loc.Query().Get("state")
	stateCk := w.Result().Cookies()[0]

	callback := func(query string, withCookie bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/auth/callback?"+query, nil)
		if withCookie {
			req.AddCookie(stateCk)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	if w := callback("code=good&state="+state, false); w.Code != 401 {
		t.Fatalf("no state cookie: %d", w.Code)
	}
	if w := callback("code=good&state=forged", true); w.Code != 401 {
		t.Fatalf("forged state: %d", w.Code)
	}
	if w := callback("code=bad&state="+state, true); w.Code != 401 || !strings.Contains(w.Body.String(), "invalid_grant") {
		t.Fatalf("refused code: %d %s", w.Code, w.Body)
	}
	tokenStatus = 502
	if w := callback("code=good&state="+state, true); w.Code != 503 {
		t.Fatalf("idp failure: %d", w.Code)
	}
	tokenStatus = 200
	w = callback("code=good&state="+state, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/dashboard/products" {
		t.Fatalf("callback: %d %v %s", w.Code, w.Header(), w.Body)
	}
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			session = c
		}
	}
	if session == nil || session.Value != "id-tok" || !session.HttpOnly {
		t.Fatalf("session cookie: %+v", w.Result().Cookies())
	}
	h.Verifier = stubVerifier{"other"}
	if w := callback("code=good&state="+state, true); w.Code != 401 {
		t.Fatalf("a token the verifier refuses: %d", w.Code)
	}
}
