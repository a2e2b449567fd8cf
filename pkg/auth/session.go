package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/web"
)

// SessionCookie holds a browser's ID token for the seller dashboard.
const SessionCookie = "buylink_token"

// RefreshCookie holds the refresh token that renews SessionCookie.
const RefreshCookie = "buylink_refresh"

// stateCookie carries the OAuth state and the page to return to across the
// hosted UI round trip.
const stateCookie = "buylink_oauth_state"

// Paths of the browser sign-in pages, whichever flow serves them.
const (
	PathLogin    = "/login"
	PathSignup   = "/signup"
	PathLogout   = "/logout"
	PathCallback = "/auth/callback"
	// PathHandleAvailability is the public check of a handle a new seller
	// wants ("/api/handles/bella.shop"); ingestion serves it, the sign-up
	// pages call it as the seller types.
	PathHandleAvailability = "/api/handles/"
)

// SetSession stores the session in its cookies: HttpOnly, SameSite=Lax,
// Secure when the site is served over HTTPS. The ID token's cookie lasts as
// long as the token; the refresh token's for RefreshTTL.
func SetSession(w http.ResponseWriter, s Session, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.Token, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	if s.Refresh != "" {
		http.SetCookie(w, &http.Cookie{Name: RefreshCookie, Value: s.Refresh, Path: "/", MaxAge: int(RefreshTTL.Seconds()),
			HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	}
}

// ClearSession removes the session's cookies.
func ClearSession(w http.ResponseWriter, secure bool) {
	for _, name := range []string{SessionCookie, RefreshCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	}
}

// SecureRequest reports whether the browser reached the site over HTTPS.
func SecureRequest(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// csrfKey is where Browser.Authenticate leaves the request's CSRF token.
const csrfKey = "auth.csrf"

// HeaderCSRF carries the CSRF token of a script's request.
const HeaderCSRF = "X-CSRF-Token"

// csrfToken derives the CSRF token of a session from its refresh token when
// there is one (so it stays the same when the ID token is renewed under a
// form being filled in), else from its ID token: only a page that could
// read the session (ours) can know it.
func csrfToken(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("buylink dashboard csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// csrfFromCookies is the CSRF token of the browser's session cookies.
func csrfFromCookies(c *gin.Context) string {
	if v, err := c.Cookie(RefreshCookie); err == nil && v != "" {
		return csrfToken(v)
	}
	if v, err := c.Cookie(SessionCookie); err == nil && v != "" {
		return csrfToken(v)
	}
	return ""
}

// CSRF returns the CSRF token Browser.Authenticate found for the request,
// for the forms of the page being rendered.
func CSRF(c *gin.Context) string { return c.GetString(csrfKey) }

// CheckCSRF verifies the csrf form field (or the X-CSRF-Token header of a
// script's request) against the session: a forbidden error when it does
// not match.
func CheckCSRF(c *gin.Context) error {
	return checkCSRF(c, CSRF(c))
}

// CheckCSRFToken verifies a CSRF token read by the handler itself (from a
// multipart body streamed part by part, which must not be parsed whole).
func CheckCSRFToken(c *gin.Context, got string) error {
	return matchCSRF(CSRF(c), got)
}

func checkCSRF(c *gin.Context, want string) error {
	got := c.GetHeader(HeaderCSRF)
	if got == "" {
		got = c.PostForm("csrf")
	}
	return matchCSRF(want, got)
}

func matchCSRF(want, got string) error {
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return catalog.Errorf(catalog.CodeForbidden, "the form has expired; reload the page and try again")
	}
	return nil
}

// Browser authenticates the requests of a signed-in browser: the bearer
// header, or the session cookies, renewing the ID token through Renewer
// before it expires so a seller is never thrown out mid-edit.
type Browser struct {
	Verifier Verifier
	// Renewer renews sessions that have a refresh token; nil renews none.
	Renewer Renewer
	// RenewBefore is how long before its expiry a token is renewed
	// (default 10 minutes).
	RenewBefore time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Authenticate returns the caller's identity and leaves the session's CSRF
// token on c (CSRF). A session whose ID token has expired or is about to is
// renewed with its refresh token and the new cookies are set on the answer.
// It returns an unauthorized error when there is no valid session (the
// caller sends the browser to sign in), or unavailable when the identity
// provider cannot be reached.
func (b *Browser) Authenticate(c *gin.Context) (Identity, error) {
	ctx := c.Request.Context()
	if token, ok := BearerToken(c.GetHeader("Authorization")); ok {
		id, err := b.Verifier.Verify(ctx, token)
		if err == nil {
			c.Set(csrfKey, csrfToken(token))
		}
		return id, err
	}
	token, _ := c.Cookie(SessionCookie)
	refresh, _ := c.Cookie(RefreshCookie)
	if token == "" && refresh == "" {
		return Identity{}, catalog.Errorf(catalog.CodeUnauthorized, "sign in first")
	}
	var id Identity
	var err error = catalog.Errorf(catalog.CodeUnauthorized, "sign in first")
	if token != "" {
		id, err = b.Verifier.Verify(ctx, token)
		if catalog.IsCode(err, catalog.CodeUnavailable) {
			return Identity{}, err
		}
	}
	if refresh != "" && b.Renewer != nil && (err != nil || b.expiresSoon(token)) {
		renewed, rid, rerr := b.renew(ctx, refresh)
		switch {
		case rerr == nil:
			SetSession(c.Writer, renewed, SecureRequest(c.Request))
			id, err = rid, nil
		case err == nil:
			// The current token is still good: keep it, try again later.
		case catalog.IsCode(rerr, catalog.CodeUnavailable):
			return Identity{}, rerr
		default:
			err = rerr
		}
	}
	if err != nil {
		return Identity{}, err
	}
	c.Set(csrfKey, csrfFromCookies(c))
	return id, nil
}

func (b *Browser) renew(ctx context.Context, refresh string) (Session, Identity, error) {
	s, err := b.Renewer.Renew(ctx, refresh)
	if err != nil {
		return Session{}, Identity{}, err
	}
	id, err := b.Verifier.Verify(ctx, s.Token)
	if err != nil {
		return Session{}, Identity{}, err
	}
	if s.Refresh == "" {
		s.Refresh = refresh
	}
	return s, id, nil
}

// expiresSoon reports whether a token Verify accepted expires within
// RenewBefore (its signature was checked; only exp is read here).
func (b *Browser) expiresSoon(token string) bool {
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil || c.ExpiresAt == nil {
		return false
	}
	before, now := b.RenewBefore, time.Now
	if before <= 0 {
		before = 10 * time.Minute
	}
	if b.Now != nil {
		now = b.Now
	}
	return c.ExpiresAt.Sub(now()) < before
}

// signOut ends the browser's session: the form must carry the session's
// CSRF token (a page of ours), the cookies are cleared and the signed-out
// page says so. providerLogout, when set, is where the page sends the
// seller to end the identity provider's own session too.
func signOut(c *gin.Context, revoke func(ctx context.Context, refresh string), providerLogout string) {
	if err := checkCSRF(c, csrfFromCookies(c)); err != nil && csrfFromCookies(c) != "" {
		renderPage(c, http.StatusForbidden, pageView{Kind: "signedout", Title: "Sign out", Error: "This sign-out form has expired. Reload the dashboard and sign out again."})
		return
	}
	if refresh, _ := c.Cookie(RefreshCookie); refresh != "" && revoke != nil {
		revoke(c.Request.Context(), refresh)
	}
	ClearSession(c.Writer, SecureRequest(c.Request))
	renderPage(c, http.StatusOK, pageView{Kind: "signedout", Title: "Signed out", Next: providerLogout})
}

// HostedUI signs sellers in through Cognito's hosted UI with the
// authorization-code flow: Login (and Signup, Cognito's sign-up page) send
// the browser to the hosted page, Callback exchanges the code for tokens,
// verifies the ID token with the same Verifier as every API call and stores
// the session in its cookies; Renew trades the refresh token for a new ID
// token, Logout revokes it.
type HostedUI struct {
	// BaseURL is the hosted UI's base (https://<prefix>.auth.<region>.amazoncognito.com).
	BaseURL string
	// ClientID is the app client (public, no secret).
	ClientID string
	// RedirectURL is this site's callback (https://<domain>/auth/callback),
	// registered on the app client; its origin + "/" is the sign-out URL
	// registered there too.
	RedirectURL string
	Verifier    Verifier
	// HTTPClient calls the token endpoint (default: 10 s timeout).
	HTTPClient *http.Client
}

var _ Renewer = (*HostedUI)(nil)

// Register serves the sign-in pages: GET /login, GET /signup,
// GET /auth/callback, POST /logout and the pages' assets.
func (h *HostedUI) Register(r gin.IRouter) {
	r.GET(PathLogin, h.Login)
	r.GET(PathSignup, h.Signup)
	r.GET(PathCallback, h.Callback)
	r.POST(PathLogout, h.Logout)
	registerAssets(r)
}

// Login serves GET /login: a fresh state in a short-lived cookie, then a
// redirect to the hosted sign-in page.
func (h *HostedUI) Login(c *gin.Context) { h.authorize(c, "/oauth2/authorize") }

// Signup serves GET /signup: the hosted sign-up page, which returns through
// the same callback; a first sign-in without a seller lands on "claim your
// shop" in the dashboard.
func (h *HostedUI) Signup(c *gin.Context) { h.authorize(c, "/signup") }

func (h *HostedUI) authorize(c *gin.Context, endpoint string) {
	var b [18]byte
	_, _ = rand.Read(b[:])
	state := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(c.Writer, &http.Cookie{Name: stateCookie, Value: state + "|" + url.QueryEscape(SafeNext(c.Query("next"))),
		Path: PathCallback, MaxAge: 600, HttpOnly: true, Secure: SecureRequest(c.Request), SameSite: http.SameSiteLaxMode})
	q := url.Values{"response_type": {"code"}, "client_id": {h.ClientID}, "redirect_uri": {h.RedirectURL},
		"scope": {"openid email profile"}, "state": {state}}
	c.Redirect(http.StatusFound, strings.TrimSuffix(h.BaseURL, "/")+endpoint+"?"+q.Encode())
}

// Callback serves GET /auth/callback?code=&state=.
func (h *HostedUI) Callback(c *gin.Context) {
	raw, err := c.Cookie(stateCookie)
	state, nextEsc, _ := strings.Cut(raw, "|")
	if err != nil || state == "" || c.Query("state") != state {
		web.WriteError(c, catalog.Errorf(catalog.CodeUnauthorized, "the sign-in state does not match; start again from /login"))
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: stateCookie, Value: "", Path: PathCallback, MaxAge: -1})
	if e := c.Query("error"); e != "" {
		web.WriteError(c, catalog.Errorf(catalog.CodeUnauthorized, "sign-in failed: %s", truncateText(e+" "+c.Query("error_description"), 200)))
		return
	}
	code := c.Query("code")
	if code == "" || len(code) > 2048 {
		web.WriteError(c, catalog.Invalid("code", "is required"))
		return
	}
	s, err := h.token(c.Request.Context(), url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {h.RedirectURL}})
	if err != nil {
		web.WriteError(c, err)
		return
	}
	if _, err := h.Verifier.Verify(c.Request.Context(), s.Token); err != nil {
		web.WriteError(c, &catalog.Error{Code: catalog.CodeUnauthorized, Message: "the identity provider's token is not valid", Err: err})
		return
	}
	next, _ := url.QueryUnescape(nextEsc)
	SetSession(c.Writer, s, SecureRequest(c.Request))
	c.Redirect(http.StatusSeeOther, SafeNext(next))
}

// Renew implements Renewer with the token endpoint's refresh_token grant.
func (h *HostedUI) Renew(ctx context.Context, refresh string) (Session, error) {
	s, err := h.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if err != nil {
		return Session{}, err
	}
	if s.Refresh == "" {
		s.Refresh = refresh
	}
	return s, nil
}

// Logout serves POST /logout: the refresh token is revoked, the cookies
// cleared, and the signed-out page offers to end the hosted UI's session.
func (h *HostedUI) Logout(c *gin.Context) {
	origin := h.RedirectURL
	if u, err := url.Parse(h.RedirectURL); err == nil {
		origin = u.Scheme + "://" + u.Host
	}
	q := url.Values{"client_id": {h.ClientID}, "logout_uri": {origin + "/"}}
	signOut(c, h.revoke, strings.TrimSuffix(h.BaseURL, "/")+"/logout?"+q.Encode())
}

// revoke revokes a refresh token (best effort: the cookies go anyway).
func (h *HostedUI) revoke(ctx context.Context, refresh string) {
	form := url.Values{"token": {refresh}, "client_id": {h.ClientID}}
	resp, err := h.post(ctx, "/oauth2/revoke", form)
	if err == nil {
		_ = resp.Body.Close()
	}
}

func (h *HostedUI) post(ctx context.Context, path string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(h.BaseURL, "/")+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, catalog.Internal(err, "identity provider request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := h.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return client.Do(req)
}

// token calls the token endpoint with a grant and reads the session.
func (h *HostedUI) token(ctx context.Context, form url.Values) (Session, error) {
	form.Set("client_id", h.ClientID)
	resp, err := h.post(ctx, "/oauth2/token", form)
	if err != nil {
		return Session{}, catalog.Unavailable(err, "the identity provider does not answer")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Session{}, catalog.Unavailable(err, "the identity provider's answer was cut off")
	}
	var out struct {
		IDToken      string `json:"id_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
		Error        string `json:"error"`
	}
	_ = json.Unmarshal(body, &out)
	switch {
	case resp.StatusCode >= 500:
		return Session{}, catalog.Unavailable(fmt.Errorf("token endpoint: HTTP %d", resp.StatusCode), "the identity provider failed")
	case resp.StatusCode != http.StatusOK || out.IDToken == "":
		return Session{}, catalog.Errorf(catalog.CodeUnauthorized, "the sign-in was refused (%s)", truncateText(out.Error, 60))
	}
	if out.ExpiresIn <= 0 {
		out.ExpiresIn = 3600
	}
	return Session{Token: out.IDToken, Refresh: out.RefreshToken, ExpiresAt: time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)}, nil
}

func truncateText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// DevLogin's browser pages.

// Register serves the devstack's browser pages: GET and POST /login, GET
// and POST /signup (when Signup is set), POST /logout and their assets.
func (d *DevLogin) Register(r gin.IRouter) {
	r.GET(PathLogin, d.Page)
	r.POST(PathLogin, d.Submit)
	if d.Signup != nil {
		r.GET(PathSignup, d.SignupPage)
		r.POST(PathSignup, d.SignupSubmit)
	}
	r.POST(PathLogout, func(c *gin.Context) { signOut(c, nil, "") })
	registerAssets(r)
}

// Page serves GET /login: the sign-in form.
func (d *DevLogin) Page(c *gin.Context) {
	renderPage(c, http.StatusOK, pageView{Kind: "login", Title: "Sign in", Handle: c.Query("handle"), Next: SafeNext(c.Query("next")), Signup: d.Signup != nil})
}

// Submit serves POST /login (form: handle, next): it signs a session for
// the owner of the seller, stores it in the cookies and sends the browser
// on to next.
func (d *DevLogin) Submit(c *gin.Context) {
	handle := catalog.NormalizeHandle(c.PostForm("handle"))
	v := pageView{Kind: "login", Title: "Sign in", Handle: handle, Next: SafeNext(c.PostForm("next")), Signup: d.Signup != nil}
	if err := catalog.ValidateHandle("handle", handle); err != nil {
		v.Errors = fieldErrors(err)
		renderPage(c, http.StatusBadRequest, v)
		return
	}
	sub, err := d.accountOf(c.Request.Context(), handle)
	if err != nil {
		msg := fmt.Sprintf("There is no shop @%s here. Check the handle, or create a shop.", handle)
		if catalog.IsCode(err, catalog.CodeForbidden) {
			msg = fmt.Sprintf("The shop @%s belongs to an account that cannot be signed in to here.", handle)
		}
		v.Errors = map[string]string{"handle": msg}
		renderPage(c, web.StatusOf(catalog.CodeOf(err)), v)
		return
	}
	d.startSession(c, Identity{Sub: sub, Username: handle}, v.Next, &v)
}

func (d *DevLogin) startSession(c *gin.Context, id Identity, next string, v *pageView) {
	s, err := d.Issuer.IssueSession(id)
	if err != nil {
		v.Error = "Signing in failed. Try again."
		renderPage(c, http.StatusInternalServerError, *v)
		return
	}
	SetSession(c.Writer, s, SecureRequest(c.Request))
	c.Redirect(http.StatusSeeOther, next)
}

// SignupPage serves GET /signup: the form that creates a shop.
func (d *DevLogin) SignupPage(c *gin.Context) {
	renderPage(c, http.StatusOK, pageView{Kind: "signup", Title: "Create your shop", Handle: catalog.NormalizeHandle(c.Query("handle"))})
}

// SignupSubmit serves POST /signup (form: handle, displayName): a new local
// account, the seller bound to it (Signup), and a signed-in session.
func (d *DevLogin) SignupSubmit(c *gin.Context) {
	handle := catalog.NormalizeHandle(c.PostForm("handle"))
	name := strings.TrimSpace(c.PostForm("displayName"))
	v := pageView{Kind: "signup", Title: "Create your shop", Handle: handle, DisplayName: name, Errors: map[string]string{}}
	if err := catalog.ValidateNewHandle("handle", handle); err != nil {
		v.Errors = fieldErrors(err)
	}
	if err := ValidateDisplayName("displayName", name); err != nil {
		for k, m := range fieldErrors(err) {
			v.Errors[k] = m
		}
	}
	if len(v.Errors) > 0 {
		renderPage(c, http.StatusBadRequest, v)
		return
	}
	sub := LocalSubPrefix + "u-" + events.NewID()
	if err := d.Signup(c.Request.Context(), handle, name, sub); err != nil {
		status := web.StatusOf(catalog.CodeOf(err))
		switch catalog.CodeOf(err) {
		case catalog.CodeConflict:
			v.Errors = map[string]string{"handle": fmt.Sprintf("@%s is taken. Choose another handle.", handle)}
		case catalog.CodeInvalid:
			v.Errors = fieldErrors(err)
		default:
			v.Error = "Your shop could not be created. Try again in a moment."
		}
		renderPage(c, status, v)
		return
	}
	d.startSession(c, Identity{Sub: sub, Username: handle}, "/dashboard?done=welcome", &v)
}

// ValidateDisplayName checks a shop's display name: required, one line, at
// most catalog.MaxNameRunes characters.
func ValidateDisplayName(field, name string) error {
	if strings.TrimSpace(name) == "" {
		return catalog.Invalid(field, "is required")
	}
	return catalog.ValidateText(field, name, catalog.MaxNameRunes, false)
}

// fieldLabels name the sign-up form's fields in its messages.
var fieldLabels = map[string]string{"handle": "The handle", "displayName": "Shop name"}

// fieldErrors turns a domain error into a message by form field.
func fieldErrors(err error) map[string]string {
	var de *catalog.Error
	if errors.As(err, &de) && de.Field != "" {
		label := fieldLabels[de.Field]
		if label == "" {
			label = de.Field
		}
		return map[string]string{de.Field: label + " " + de.Message + "."}
	}
	return map[string]string{"": "Something went wrong. Try again."}
}
