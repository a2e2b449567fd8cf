package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// SessionCookie holds a browser's token for the seller dashboard.
const SessionCookie = "buylink_token"

// stateCookie carries the OAuth state and the page to return to across the
// hosted UI round trip.
const stateCookie = "buylink_oauth_state"

// SetSession stores token in the session cookie until expires: HttpOnly,
// SameSite=Lax, Secure when the site is served over HTTPS.
func SetSession(w http.ResponseWriter, token string, expires time.Time, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

func secureRequest(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · buylink (devstack)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1d1d1f;background:#fafafa}
@media (prefers-color-scheme:dark){body{color:#f2f2f2;background:#151515}input{background:#222;color:#f2f2f2}}
label,input,button{display:block;width:100%;box-sizing:border-box}input,button{font:inherit;padding:.6rem;margin:.3rem 0 1rem;border-radius:.4rem;border:1px solid #888}
button{background:#0a58ca;color:#fff;border:0;cursor:pointer}.err{color:#b00020}</style></head>
<body><main><h1>Sign in to your shop</h1>
<p>Local development sign-in: no password, tokens from the devstack's local issuer.</p>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/login"><label for="handle">Seller handle</label>
<input id="handle" name="handle" value="{{.Handle}}" required autocomplete="username" pattern="[a-z0-9._]{2,24}">
<input type="hidden" name="next" value="{{.Next}}"><button type="submit">Sign in</button></form></main></body></html>`))

type loginView struct{ Handle, Next, Error string }

// Page serves GET /login: the devstack's sign-in form.
func (d *DevLogin) Page(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(c.Writer, loginView{Handle: "demo", Next: SafeNext(c.Query("next"))})
}

// Submit serves POST /login (form: handle, next): it signs a token for the
// owner of the seller, stores it in the session cookie and sends the browser
// on to next.
func (d *DevLogin) Submit(c *gin.Context) {
	handle := catalog.NormalizeHandle(c.PostForm("handle"))
	next := SafeNext(c.PostForm("next"))
	fail := func(status int, msg string) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(status)
		_ = loginPage.Execute(c.Writer, loginView{Handle: handle, Next: next, Error: msg})
	}
	if err := catalog.ValidateHandle("handle", handle); err != nil {
		var de *catalog.Error
		_ = errors.As(err, &de)
		fail(http.StatusBadRequest, de.PublicMessage())
		return
	}
	sub, err := d.accountOf(c.Request.Context(), handle)
	if err != nil {
		msg := fmt.Sprintf("no seller %q here", handle)
		if catalog.IsCode(err, catalog.CodeForbidden) {
			msg = fmt.Sprintf("seller %q cannot be signed in to here", handle)
		}
		fail(web.StatusOf(catalog.CodeOf(err)), msg)
		return
	}
	tok, err := d.Issuer.Issue(Identity{Sub: sub, Username: handle})
	if err != nil {
		fail(http.StatusInternalServerError, "could not sign a token")
		return
	}
	SetSession(c.Writer, tok.Token, tok.ExpiresAt, secureRequest(c.Request))
	c.Redirect(http.StatusSeeOther, next)
}

// HostedUI signs sellers in through Cognito's hosted UI with the
// authorization-code flow: Login sends the browser to the hosted page,
// Callback exchanges the code for tokens, verifies the ID token with the same
// Verifier as every API call and stores it in the session cookie.
type HostedUI struct {
	// BaseURL is the hosted UI's base (https://<prefix>.auth.<region>.amazoncognito.com).
	BaseURL string
	// ClientID is the app client (public, no secret).
	ClientID string
	// RedirectURL is this site's callback (https://<domain>/auth/callback),
	// registered on the app client.
	RedirectURL string
	Verifier    Verifier
	// HTTPClient calls the token endpoint (default: 10 s timeout).
	HTTPClient *http.Client
}

// Login serves GET /login: a fresh state in a short-lived cookie, then a
// redirect to the hosted sign-in page.
func (h *HostedUI) Login(c *gin.Context) {
	var b [18]byte
	_, _ = rand.Read(b[:])
	state := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(c.Writer, &http.Cookie{Name: stateCookie, Value: state + "|" + url.QueryEscape(SafeNext(c.Query("next"))),
		Path: "/auth/callback", MaxAge: 600, HttpOnly: true, Secure: secureRequest(c.Request), SameSite: http.SameSiteLaxMode})
	q := url.Values{"response_type": {"code"}, "client_id": {h.ClientID}, "redirect_uri": {h.RedirectURL},
		"scope": {"openid email profile"}, "state": {state}}
	c.Redirect(http.StatusFound, strings.TrimSuffix(h.BaseURL, "/")+"/oauth2/authorize?"+q.Encode())
}

// Callback serves GET /auth/callback?code=&state=.
func (h *HostedUI) Callback(c *gin.Context) {
	raw, err := c.Cookie(stateCookie)
	state, nextEsc, _ := strings.Cut(raw, "|")
	if err != nil || state == "" || c.Query("state") != state {
		web.WriteError(c, catalog.Errorf(catalog.CodeUnauthorized, "the sign-in state does not match; start again from /login"))
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: stateCookie, Value: "", Path: "/auth/callback", MaxAge: -1})
	if e := c.Query("error"); e != "" {
		web.WriteError(c, catalog.Errorf(catalog.CodeUnauthorized, "sign-in failed: %s", truncateText(e+" "+c.Query("error_description"), 200)))
		return
	}
	code := c.Query("code")
	if code == "" || len(code) > 2048 {
		web.WriteError(c, catalog.Invalid("code", "is required"))
		return
	}
	idToken, err := h.exchange(c.Request.Context(), code)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	if _, err := h.Verifier.Verify(c.Request.Context(), idToken); err != nil {
		web.WriteError(c, &catalog.Error{Code: catalog.CodeUnauthorized, Message: "the identity provider's token is not valid", Err: err})
		return
	}
	next, _ := url.QueryUnescape(nextEsc)
	SetSession(c.Writer, idToken, time.Now().Add(time.Hour), secureRequest(c.Request))
	c.Redirect(http.StatusSeeOther, SafeNext(next))
}

// exchange trades an authorization code for the ID token at the hosted
// UI's token endpoint.
func (h *HostedUI) exchange(ctx context.Context, code string) (string, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {h.ClientID}, "code": {code}, "redirect_uri": {h.RedirectURL}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(h.BaseURL, "/")+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", catalog.Internal(err, "token request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := h.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", catalog.Unavailable(err, "the identity provider does not answer")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", catalog.Unavailable(err, "the identity provider's answer was cut off")
	}
	var out struct {
		IDToken string `json:"id_token"`
		Error   string `json:"error"`
	}
	_ = json.Unmarshal(body, &out)
	switch {
	case resp.StatusCode >= 500:
		return "", catalog.Unavailable(fmt.Errorf("token endpoint: HTTP %d", resp.StatusCode), "the identity provider failed")
	case resp.StatusCode != http.StatusOK || out.IDToken == "":
		return "", catalog.Errorf(catalog.CodeUnauthorized, "the sign-in code was refused (%s)", truncateText(out.Error, 60))
	}
	return out.IDToken, nil
}

func truncateText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
