package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

// LocalSubPrefix starts every subject the local issuer signs, so its
// identities never collide with Cognito's (whose subjects are UUIDs).
const LocalSubPrefix = "local|"

// AdminSub is the admin's subject. Local subjects are namespaced: an
// account's subject is LocalSubPrefix and an account name of 1-64
// characters a-z, 0-9, '.', '_' and '-' ("local|demo"); the admin's is in
// the "admin|" namespace, which no account name can spell ('|' is not a name character). So no account —
// from a dev login, a sign-up or a typo — is ever the admin's subject, and
// the local issuer signs the admins group for the admin's subject only.
const AdminSub = LocalSubPrefix + "admin|root"

var accountNameRE = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// IsLocalAccount reports whether sub is a local account's subject (not the
// admin's, not Cognito's).
func IsLocalAccount(sub string) bool {
	name, ok := strings.CutPrefix(sub, LocalSubPrefix)
	return ok && accountNameRE.MatchString(name)
}

// DefaultLocalClientID is the app client of the local issuer's tokens.
const DefaultLocalClientID = "buylink-local"

// WellKnownJWKSPath is where an issuer publishes its keys, under its issuer URL.
const WellKnownJWKSPath = "/.well-known/jwks.json"

// LocalIssuerConfig configures NewLocalIssuer.
type LocalIssuerConfig struct {
	// URL is the issuer: the iss claim, and the base of its JWKS URL.
	URL string
	// ClientID is the aud of its tokens (default DefaultLocalClientID).
	ClientID string
	// Key signs the tokens: RSA, at least 2048 bits (LoadOrCreateKey).
	Key *rsa.PrivateKey
	// TTL is how long a token is valid (default 1h).
	TTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// LocalIssuer signs tokens with buylink's own RSA key and publishes the
// public key as a JWKS, for devstack, tests and admin logins. Its tokens
// carry the claims of a Cognito ID token, so JWTVerifier checks them
// exactly like Cognito's.
type LocalIssuer struct {
	cfg  LocalIssuerConfig
	kid  string
	jwks []byte
	path string
}

// NewLocalIssuer returns an issuer signing with cfg.Key.
func NewLocalIssuer(cfg LocalIssuerConfig) (*LocalIssuer, error) {
	if err := checkURL("issuer", cfg.URL); err != nil {
		return nil, err
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	if cfg.Key == nil || cfg.Key.N.BitLen() < 2048 {
		return nil, errors.New("auth: the local issuer needs an RSA key of at least 2048 bits")
	}
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultLocalClientID
	}
	if cfg.TTL <= 0 {
		cfg.TTL = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	kid := thumbprint(&cfg.Key.PublicKey)
	jwk, err := jwkset.NewJWKFromKey(&cfg.Key.PublicKey, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgRS256, KID: kid, USE: jwkset.UseSig},
	})
	if err != nil {
		return nil, fmt.Errorf("auth: publish the local key: %w", err)
	}
	jwks, err := json.Marshal(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}})
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(cfg.URL)
	return &LocalIssuer{cfg: cfg, kid: kid, jwks: jwks, path: strings.TrimSuffix(u.Path, "/") + WellKnownJWKSPath}, nil
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of an RSA public key, used
// as its key id.
func thumbprint(k *rsa.PublicKey) string {
	b64 := base64.RawURLEncoding.EncodeToString
	e := b64(big.NewInt(int64(k.E)).Bytes())
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + b64(k.N.Bytes()) + `"}`))
	return b64(sum[:])
}

// URL is the issuer URL (the iss claim).
func (i *LocalIssuer) URL() string { return i.cfg.URL }

// JWKSPath is the path of the issuer's JWKS: the issuer URL's path plus
// WellKnownJWKSPath.
func (i *LocalIssuer) JWKSPath() string { return i.path }

// Trust returns the issuer as a verifier trusts it; jwksURL overrides where
// the verifier fetches the keys ("" means the issuer URL's JWKS), for a
// process that reaches itself by another address than its public one.
func (i *LocalIssuer) Trust(jwksURL string) TrustedIssuer {
	return TrustedIssuer{Issuer: i.cfg.URL, JWKSURL: jwksURL, ClientIDs: []string{i.cfg.ClientID}}
}

// ServeJWKS answers GET JWKSPath() with the issuer's public keys.
func (i *LocalIssuer) ServeJWKS(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json", i.jwks)
}

// Token is an issued token, as login endpoints answer it.
type Token struct {
	Token     string    `json:"token"`
	TokenType string    `json:"tokenType"`
	ExpiresAt time.Time `json:"expiresAt"`
	Identity  Identity  `json:"identity"`
}

// Issue signs an ID token for the identity: a local account (IsLocalAccount)
// without the admins group, or AdminSub with it.
func (i *LocalIssuer) Issue(id Identity) (Token, error) {
	switch {
	case id.Sub == AdminSub:
		if !id.IsAdmin() {
			return Token{}, catalog.Invalid("sub", "the admin's subject is signed only with the admins group (the admin login)")
		}
	case !IsLocalAccount(id.Sub):
		return Token{}, catalog.Invalid("sub", "a local account must start with %q followed by a name of 1-64 characters a-z, 0-9, '.', '_' or '-'", LocalSubPrefix)
	case id.IsAdmin():
		return Token{}, catalog.Invalid("groups", "only the admin's subject is signed into the %s group", GroupAdmins)
	}
	now := i.cfg.Now().UTC().Truncate(time.Second)
	exp := now.Add(i.cfg.TTL)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: i.cfg.URL, Subject: id.Sub, Audience: jwt.ClaimStrings{i.cfg.ClientID},
			ExpiresAt: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now), ID: events.NewID(),
		},
		TokenUse: TokenUseID, CognitoUsername: id.Username, Groups: slices.Clone(id.Groups), AuthTime: now.Unix(),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = i.kid
	signed, err := t.SignedString(i.cfg.Key)
	if err != nil {
		return Token{}, catalog.Internal(err, "sign a token")
	}
	return Token{Token: signed, TokenType: "Bearer", ExpiresAt: exp, Identity: id}, nil
}

// LoadOrCreateKey reads the PEM RSA private key at path, or makes a 2048-bit
// key and writes it there (mode 0600) when the file does not exist, so
// tokens stay valid across restarts. created says which happened.
func LoadOrCreateKey(path string) (key *rsa.PrivateKey, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := ParseKeyPEM(b)
		if err != nil {
			return nil, false, fmt.Errorf("auth: %s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("auth: read key: %w", err)
	}
	key, err = rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("auth: key directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return nil, false, fmt.Errorf("auth: write key: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	werr := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Close()); err != nil {
		return nil, false, fmt.Errorf("auth: write key: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, false, fmt.Errorf("auth: write key: %w", err)
	}
	return key, true, nil
}

// ParseKeyPEM reads an RSA private key in PEM (PKCS#8 or PKCS#1).
func ParseKeyPEM(b []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not an RSA private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is a %T, not RSA", k)
	}
	return rk, nil
}
