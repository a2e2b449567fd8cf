package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/buylink/buylink/pkg/catalog"
)

// Token uses, as Cognito names them in the token_use claim.
const (
	TokenUseID     = "id"
	TokenUseAccess = "access"
)

// Limits and timings of token verification.
const (
	maxTokenBytes = 16 << 10
	maxJWKSBytes  = 1 << 20
	jwksTimeout   = 10 * time.Second
	// loadRetry spaces attempts to load an issuer's keys after a failure.
	loadRetry = 5 * time.Second
)

// TrustedIssuer is one issuer whose tokens are accepted: a Cognito user pool
// or the local issuer.
type TrustedIssuer struct {
	// Issuer is the exact iss claim, such as
	// https://cognito-idp.<region>.amazonaws.com/<userPoolId>.
	Issuer string
	// JWKSURL is where its signing keys are published (default Issuer +
	// WellKnownJWKSPath).
	JWKSURL string
	// ClientIDs are the app clients whose tokens are accepted: the aud of
	// an ID token, the client_id of an access token.
	ClientIDs []string
}

// JWTConfig configures NewJWTVerifier.
type JWTConfig struct {
	Issuers []TrustedIssuer
	// HTTPClient fetches the JWKS (default: a client with a 10 s timeout).
	// Responses over 1 MiB are refused.
	HTTPClient *http.Client
	// RefreshInterval re-fetches every JWKS in the background (default 1h).
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between two fetches caused by a
	// token signed with a key id not in the cached JWKS (default 5m): a
	// token with an unknown kid causes at most one fetch, and a flood of
	// them at most one per interval.
	UnknownKIDInterval time.Duration
	// Leeway tolerates clock skew on exp, nbf and iat (default 30s).
	Leeway time.Duration
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// JWTVerifier verifies RS256 JWTs against their issuer's JWKS, with the
// rules of Cognito: iss is a trusted issuer, token_use is id (with the app
// client in aud) or access (with it in client_id), exp is required and
// exp/nbf/iat are checked, the algorithm is RS256 only (so "none" and HS256
// signed with the public key are refused), and the key is picked by kid. The
// same path verifies the local issuer's tokens.
//
// Each issuer's JWKS is fetched on first use and cached, refreshed in the
// background, and re-fetched (throttled) when a token names an unknown kid.
type JWTVerifier struct {
	cfg     JWTConfig
	ctx     context.Context
	stop    context.CancelFunc
	client  *http.Client
	issuers map[string]*issuerKeys
}

var _ Verifier = (*JWTVerifier)(nil)

// NewJWTVerifier returns a verifier; ctx bounds its background refreshes
// (Close ends them too). No key is fetched before the first Verify.
func NewJWTVerifier(ctx context.Context, cfg JWTConfig) (*JWTVerifier, error) {
	if len(cfg.Issuers) == 0 {
		return nil, errors.New("auth: at least one trusted issuer is required")
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = time.Hour
	}
	if cfg.UnknownKIDInterval <= 0 {
		cfg.UnknownKIDInterval = 5 * time.Minute
	}
	if cfg.Leeway < 0 {
		cfg.Leeway = 0
	} else if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	client := &http.Client{Timeout: jwksTimeout}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		client = &c
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	client.Transport = limitBody{base, maxJWKSBytes}
	v := &JWTVerifier{cfg: cfg, client: client, issuers: map[string]*issuerKeys{}}
	v.ctx, v.stop = context.WithCancel(ctx)
	for _, ti := range cfg.Issuers {
		if err := checkURL("issuer", ti.Issuer); err != nil {
			return nil, err
		}
		if ti.JWKSURL == "" {
			ti.JWKSURL = ti.Issuer + WellKnownJWKSPath
		}
		if err := checkURL("JWKS URL", ti.JWKSURL); err != nil {
			return nil, err
		}
		if len(ti.ClientIDs) == 0 || slices.Contains(ti.ClientIDs, "") {
			return nil, fmt.Errorf("auth: issuer %s needs its app client ids", ti.Issuer)
		}
		if _, dup := v.issuers[ti.Issuer]; dup {
			return nil, fmt.Errorf("auth: issuer %s is listed twice", ti.Issuer)
		}
		v.issuers[ti.Issuer] = &issuerKeys{TrustedIssuer: ti}
	}
	return v, nil
}

func checkURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("auth: %s %q must be an absolute http(s) URL", what, raw)
	}
	return nil
}

// Close stops the background refreshes.
func (v *JWTVerifier) Close() { v.stop() }

// claims are the claims buylink reads, those of a Cognito ID or access token.
type claims struct {
	jwt.RegisteredClaims
	TokenUse        string   `json:"token_use"`
	ClientID        string   `json:"client_id,omitempty"`
	Username        string   `json:"username,omitempty"`
	CognitoUsername string   `json:"cognito:username,omitempty"`
	Groups          []string `json:"cognito:groups,omitempty"`
	AuthTime        int64    `json:"auth_time,omitempty"`
}

func unauthorized(format string, args ...any) error {
	return catalog.Errorf(catalog.CodeUnauthorized, format, args...)
}

var errNoKID = errors.New("the token header has no kid")

// Verify implements Verifier.
func (v *JWTVerifier) Verify(ctx context.Context, token string) (Identity, error) {
	if len(token) > maxTokenBytes {
		return Identity{}, unauthorized("the token is too large")
	}
	// Peek at the header and issuer to pick the keys and rules; nothing
	// read here is trusted before the signature is checked below.
	var peek claims
	unverified, _, err := jwt.NewParser().ParseUnverified(token, &peek)
	if err != nil {
		return Identity{}, unauthorized("the token is malformed")
	}
	if alg := unverified.Method.Alg(); alg != jwt.SigningMethodRS256.Alg() {
		return Identity{}, unauthorized("the token must be signed with RS256, not %q", alg)
	}
	keys, ok := v.issuers[peek.Issuer]
	if !ok {
		return Identity{}, unauthorized("the token was issued by an issuer this service does not trust")
	}
	kf, err := keys.keyfunc(v)
	if err != nil {
		return Identity{}, err
	}
	var c claims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithIssuer(keys.Issuer), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(v.cfg.Leeway), jwt.WithTimeFunc(v.cfg.Now),
	)
	_, err = parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) { return keys.key(ctx, v, kf, t) })
	if err != nil {
		return Identity{}, verifyError(err)
	}
	return keys.identity(c)
}

// verifyError says what was wrong with a token jwt refused.
func verifyError(err error) error {
	switch {
	case errors.Is(err, errNoKID):
		return unauthorized("the token has no key id (kid)")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return unauthorized("the token is signed by a key its issuer does not publish")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthorized("the token's signature is invalid")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthorized("the token is malformed")
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthorized("the token has expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return unauthorized("the token is not valid yet")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauthorized("the token was issued in the future")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return unauthorized("the token has no expiry")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return unauthorized("the token was issued by an issuer this service does not trust")
	}
	return unauthorized("the token is not valid")
}

// issuerKeys holds one trusted issuer's cached keys.
type issuerKeys struct {
	TrustedIssuer
	mu    sync.Mutex
	kf    keyfunc.Keyfunc
	store jwkset.Storage
	// unknown gates the fetches caused by unknown key ids.
	unknown *rate.Limiter
	tried   time.Time
	err     error
}

// keyfunc returns the issuer's keys, fetching its JWKS on first use; a
// failed fetch is retried at most every loadRetry.
func (k *issuerKeys) keyfunc(v *JWTVerifier) (keyfunc.Keyfunc, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kf != nil {
		return k.kf, nil
	}
	now := v.cfg.Now()
	if !k.tried.IsZero() && now.Sub(k.tried) < loadRetry {
		return nil, k.err
	}
	k.tried = now
	store := jwkset.NewMemoryStorage()
	if err := k.fetch(v.ctx, v, store); err != nil {
		v.cfg.Logger.Error("could not load an issuer's signing keys", "issuer", k.Issuer, "jwks", k.JWKSURL, "err", err)
		k.err = catalog.Unavailable(err, "the signing keys of the token's issuer could not be loaded; try again shortly")
		return nil, k.err
	}
	kf, err := keyfunc.New(keyfunc.Options{Ctx: v.ctx, Storage: store, UseWhitelist: []jwkset.USE{jwkset.UseSig}})
	if err != nil {
		return nil, catalog.Internal(err, "set up the signing keys")
	}
	// The keys were just fetched: an unknown kid causes the next fetch
	// only after a full interval.
	k.unknown = rate.NewLimiter(rate.Every(v.cfg.UnknownKIDInterval), 1)
	k.unknown.AllowN(now, 1)
	k.kf, k.store = kf, store
	go k.refreshEvery(v)
	return kf, nil
}

// fetch reads the issuer's JWKS and replaces the keys in store with it.
func (k *issuerKeys) fetch(ctx context.Context, v *JWTVerifier, store jwkset.Storage) error {
	// Without a refresh interval, this fetches once and starts nothing.
	fetched, err := jwkset.NewStorageFromHTTP(k.JWKSURL, jwkset.HTTPClientStorageOptions{Client: v.client, Ctx: ctx, HTTPTimeout: jwksTimeout})
	if err != nil {
		return err
	}
	all, err := fetched.KeyReadAll(ctx)
	if err != nil {
		return err
	}
	return store.KeyReplaceAll(ctx, all)
}

// refreshEvery re-fetches the JWKS every RefreshInterval until the verifier
// closes; a failed refresh keeps the cached keys.
func (k *issuerKeys) refreshEvery(v *JWTVerifier) {
	t := time.NewTicker(v.cfg.RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-v.ctx.Done():
			return
		case <-t.C:
			if err := k.fetch(v.ctx, v, k.store); err != nil && v.ctx.Err() == nil {
				v.cfg.Logger.Warn("could not refresh an issuer's signing keys", "issuer", k.Issuer, "jwks", k.JWKSURL, "err", err)
			}
		}
	}
}

// key returns the verification key for a token: by its kid from the cache,
// and when the kid is unknown, after one re-fetch if the limiter allows one
// now (it never waits).
func (k *issuerKeys) key(ctx context.Context, v *JWTVerifier, kf keyfunc.Keyfunc, t *jwt.Token) (any, error) {
	if kid, _ := t.Header["kid"].(string); kid == "" {
		return nil, errNoKID
	}
	key, err := kf.KeyfuncCtx(ctx)(t)
	if !errors.Is(err, jwkset.ErrKeyNotFound) || !k.unknown.AllowN(v.cfg.Now(), 1) {
		return key, err
	}
	if ferr := k.fetch(ctx, v, k.store); ferr != nil {
		v.cfg.Logger.WarnContext(ctx, "could not re-fetch an issuer's signing keys for an unknown key id", "issuer", k.Issuer, "err", ferr)
		return nil, err
	}
	return kf.KeyfuncCtx(ctx)(t)
}

// identity applies the token_use and client rules to verified claims.
func (k *issuerKeys) identity(c claims) (Identity, error) {
	if c.Subject == "" {
		return Identity{}, unauthorized("the token has no subject")
	}
	switch c.TokenUse {
	case TokenUseID:
		if !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(k.ClientIDs, a) }) {
			return Identity{}, unauthorized("the ID token was issued to another app client")
		}
		return Identity{Sub: c.Subject, Username: c.CognitoUsername, Groups: c.Groups}, nil
	case TokenUseAccess:
		if !slices.Contains(k.ClientIDs, c.ClientID) {
			return Identity{}, unauthorized("the access token was issued to another app client")
		}
		return Identity{Sub: c.Subject, Username: c.Username, Groups: c.Groups}, nil
	}
	return Identity{}, unauthorized("the token's token_use must be id or access (got %q)", clip(c.TokenUse, 20))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// limitBody refuses response bodies over max bytes.
type limitBody struct {
	base http.RoundTripper
	max  int64
}

func (l limitBody) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: l.max}
	return resp, nil
}

type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the limit: only the end of the body may follow.
		var one [1]byte
		if n, err := b.ReadCloser.Read(one[:]); n == 0 && err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("auth: response body exceeds %d bytes", maxJWKSBytes)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
