package auth

import (
	"context"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

// TokenUseRefresh marks the local issuer's refresh tokens. JWTVerifier
// accepts only id and access tokens, so a refresh token is never a bearer
// token.
const TokenUseRefresh = "refresh"

// RefreshTTL is how long a local refresh token lasts (Cognito's app client
// keeps its refresh tokens as long).
const RefreshTTL = 30 * 24 * time.Hour

// Session is a signed-in browser's tokens: the ID token that authenticates
// its requests and the refresh token that renews it.
type Session struct {
	Token     string
	ExpiresAt time.Time
	// Refresh is empty when the sign-in gave none.
	Refresh string
}

// CSRF is the CSRF token of the session's forms (what CSRF answers for a
// request carrying its cookies).
func (s Session) CSRF() string {
	if s.Refresh != "" {
		return csrfToken(s.Refresh)
	}
	return csrfToken(s.Token)
}

// Cookies are the session's cookies as a browser sends them back.
func (s Session) Cookies() []*http.Cookie {
	out := []*http.Cookie{{Name: SessionCookie, Value: s.Token}}
	if s.Refresh != "" {
		out = append(out, &http.Cookie{Name: RefreshCookie, Value: s.Refresh})
	}
	return out
}

// Renewer trades a refresh token for a fresh ID token (the hosted UI's
// token endpoint, or the local issuer). A refresh token that is no longer
// good is an unauthorized error.
type Renewer interface {
	Renew(ctx context.Context, refresh string) (Session, error)
}

// IssueSession signs an ID token and a refresh token for the identity.
func (i *LocalIssuer) IssueSession(id Identity) (Session, error) {
	tok, err := i.Issue(id)
	if err != nil {
		return Session{}, err
	}
	now := i.cfg.Now().UTC().Truncate(time.Second)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: i.cfg.URL, Subject: id.Sub, Audience: jwt.ClaimStrings{i.cfg.ClientID},
			ExpiresAt: jwt.NewNumericDate(now.Add(RefreshTTL)), IssuedAt: jwt.NewNumericDate(now), ID: events.NewID(),
		},
		TokenUse: TokenUseRefresh, CognitoUsername: id.Username,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = i.kid
	refresh, err := t.SignedString(i.cfg.Key)
	if err != nil {
		return Session{}, catalog.Internal(err, "sign a refresh token")
	}
	return Session{Token: tok.Token, ExpiresAt: tok.ExpiresAt, Refresh: refresh}, nil
}

// Renew implements Renewer with the issuer's own refresh tokens: it checks
// the token's signature, issuer, audience, use and expiry, and signs a new
// ID token for the same identity (groups are never carried: the admin's
// tokens come from the admin login only).
func (i *LocalIssuer) Renew(_ context.Context, refresh string) (Session, error) {
	var c claims
	_, err := jwt.ParseWithClaims(refresh, &c, func(*jwt.Token) (any, error) { return &i.cfg.Key.PublicKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithIssuer(i.cfg.URL),
		jwt.WithAudience(i.cfg.ClientID), jwt.WithExpirationRequired(), jwt.WithTimeFunc(i.cfg.Now))
	if err != nil || c.TokenUse != TokenUseRefresh {
		return Session{}, catalog.Errorf(catalog.CodeUnauthorized, "the session has ended; sign in again")
	}
	tok, err := i.Issue(Identity{Sub: c.Subject, Username: c.CognitoUsername})
	if err != nil {
		return Session{}, err
	}
	return Session{Token: tok.Token, ExpiresAt: tok.ExpiresAt, Refresh: refresh}, nil
}
