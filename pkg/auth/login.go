package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// maxPasswordBytes is bcrypt's limit: it ignores anything after 72 bytes, so
// longer passwords are refused rather than silently truncated.
const maxPasswordBytes = 72

// AdminLoginConfig configures NewAdminLogin.
type AdminLoginConfig struct {
	// PasswordHash is the bcrypt hash of the admin password
	// (ADMIN_PASSWORD_HASH; make one with `ingestion-api hash-password`).
	PasswordHash string
	// Issuer signs the admin's tokens (group admins).
	Issuer *LocalIssuer
	// PerIP allows Burst attempts per client IP, then one every Every
	// (defaults: 5, then one every 12s).
	PerIP RateLimit
	// Global bounds attempts from all clients together, which also bounds
	// the CPU spent on bcrypt (defaults: 20, then 2 a second).
	Global RateLimit
}

// RateLimit is a token bucket: Burst at once, then one every Every.
type RateLimit struct {
	Every time.Duration
	Burst int
}

func (r RateLimit) or(def RateLimit) RateLimit {
	if r.Every <= 0 {
		r.Every = def.Every
	}
	if r.Burst <= 0 {
		r.Burst = def.Burst
	}
	return r
}

func (r RateLimit) limiter() *rate.Limiter { return rate.NewLimiter(rate.Every(r.Every), r.Burst) }

// AdminLogin is the admin's password login: POST {"password": "..."}
// answers a local token in the admins group. Attempts are rate-limited per
// client IP (gin's ClientIP: configure the engine's trusted proxies behind a
// load balancer) and globally.
type AdminLogin struct {
	hash   []byte
	issuer *LocalIssuer
	perIP  *ipLimiters
	global *rate.Limiter
}

// NewAdminLogin checks the configuration.
func NewAdminLogin(cfg AdminLoginConfig) (*AdminLogin, error) {
	if cfg.Issuer == nil {
		return nil, errors.New("auth: the admin login needs the local issuer")
	}
	hash := []byte(strings.TrimSpace(cfg.PasswordHash))
	if _, err := bcrypt.Cost(hash); err != nil {
		return nil, fmt.Errorf("auth: the admin password hash is not a bcrypt hash: %w", err)
	}
	perIP := cfg.PerIP.or(RateLimit{Every: 12 * time.Second, Burst: 5})
	return &AdminLogin{
		hash: hash, issuer: cfg.Issuer,
		perIP:  &ipLimiters{limit: perIP, m: map[string]*ipEntry{}},
		global: cfg.Global.or(RateLimit{Every: 500 * time.Millisecond, Burst: 20}).limiter(),
	}, nil
}

type adminLoginRequest struct {
	Password string `json:"password"`
}

// Handle is the gin handler.
func (a *AdminLogin) Handle(c *gin.Context) {
	var req adminLoginRequest
	if err := web.BindJSON(c, &req); err != nil {
		web.WriteError(c, err)
		return
	}
	switch {
	case req.Password == "":
		web.WriteError(c, catalog.Invalid("password", "is required"))
		return
	case len(req.Password) > maxPasswordBytes:
		web.WriteError(c, catalog.Invalid("password", "must be at most %d bytes (got %d)", maxPasswordBytes, len(req.Password)))
		return
	}
	now := time.Now()
	if wait, ok := a.perIP.take(c.ClientIP(), now); !ok {
		tooMany(c, wait, "too many login attempts from this address")
		return
	}
	if r := a.global.ReserveN(now, 1); r.DelayFrom(now) > 0 {
		wait := r.DelayFrom(now)
		r.CancelAt(now)
		tooMany(c, wait, "too many login attempts; the admin login is paused")
		return
	}
	if err := bcrypt.CompareHashAndPassword(a.hash, []byte(req.Password)); err != nil {
		web.WriteError(c, catalog.Errorf(catalog.CodeUnauthorized, "the password is wrong"))
		return
	}
	tok, err := a.issuer.Issue(Identity{Sub: AdminSub, Username: "admin", Groups: []string{GroupAdmins}})
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, tok)
}

// tooMany answers 429 with Retry-After, in the error body shape of pkg/web.
func tooMany(c *gin.Context, wait time.Duration, msg string) {
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
	var b web.ErrorBody
	b.Error.Code, b.Error.Message = "rate_limited", fmt.Sprintf("%s; retry in %ds", msg, max(secs, 1))
	c.AbortWithStatusJSON(http.StatusTooManyRequests, b)
}

// ipLimiters keeps one token bucket per client IP, forgetting idle ones.
type ipLimiters struct {
	limit RateLimit
	mu    sync.Mutex
	m     map[string]*ipEntry
}

type ipEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxTrackedIPs bounds the map; idle entries are dropped when it fills.
const maxTrackedIPs = 10_000

// take spends one attempt of ip; when none is left it returns how long to wait.
func (l *ipLimiters) take(ip string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[ip]
	if !ok {
		if len(l.m) >= maxTrackedIPs {
			// An entry idle for a full refill is a fresh bucket anyway.
			idle := l.limit.Every * time.Duration(l.limit.Burst)
			for k, x := range l.m {
				if now.Sub(x.seen) > idle {
					delete(l.m, k)
				}
			}
			if len(l.m) >= maxTrackedIPs {
				return l.limit.Every, false
			}
		}
		e = &ipEntry{lim: l.limit.limiter()}
		l.m[ip] = e
	}
	e.seen = now
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// DevLogin issues local tokens without a password, for devstack only: it
// can exist only over a LocalIssuer, never grants the admins group, and
// signs only local accounts (IsLocalAccount: never the admin's subject,
// never a Cognito user's). POST {"handle": "demo"} logs in as the owner of
// a seller; POST {"sub": "local|alice", "username": "alice"} as a new
// account (to onboard a seller with POST /api/sellers). Its browser pages
// (Register) sign in by handle and create shops.
type DevLogin struct {
	Issuer *LocalIssuer
	// SubOf returns the subject owning a seller handle (a catalog not-found
	// error when there is no such seller).
	SubOf func(ctx context.Context, handle string) (string, error)
	// Signup, when set, creates a seller bound to a new local account (the
	// sign-up page): a conflict when the handle is taken.
	Signup func(ctx context.Context, handle, displayName, sub string) error
}

type devLoginRequest struct {
	Handle   string `json:"handle"`
	Sub      string `json:"sub"`
	Username string `json:"username"`
}

// Handle is the gin handler.
func (d *DevLogin) Handle(c *gin.Context) {
	var req devLoginRequest
	if err := web.BindJSON(c, &req); err != nil {
		web.WriteError(c, err)
		return
	}
	id := Identity{Sub: req.Sub, Username: req.Username}
	switch {
	case (req.Handle == "") == (req.Sub == ""):
		web.WriteError(c, catalog.Invalid("body", "give either a seller handle or a sub"))
		return
	case req.Handle != "":
		handle := catalog.NormalizeHandle(req.Handle)
		if err := catalog.ValidateHandle("handle", handle); err != nil {
			web.WriteError(c, err)
			return
		}
		sub, err := d.accountOf(c.Request.Context(), handle)
		if err != nil {
			web.WriteError(c, err)
			return
		}
		id = Identity{Sub: sub, Username: handle}
	case !IsLocalAccount(req.Sub):
		web.WriteError(c, catalog.Invalid("sub", "must start with %q followed by an account name of 1-64 characters a-z, 0-9, '.', '_' or '-'", LocalSubPrefix))
		return
	}
	if err := catalog.ValidateText("username", id.Username, catalog.MaxNameRunes, false); err != nil {
		web.WriteError(c, err)
		return
	}
	tok, err := d.Issuer.Issue(id)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, tok)
}

// accountOf returns the local account owning the seller: a seller owned by
// anyone else (the admin, a Cognito user) is not signed in to here.
func (d *DevLogin) accountOf(ctx context.Context, handle string) (string, error) {
	sub, err := d.SubOf(ctx, handle)
	if err != nil {
		return "", err
	}
	if !IsLocalAccount(sub) {
		return "", catalog.Errorf(catalog.CodeForbidden, "seller @%s belongs to an account the dev login does not sign in as", handle)
	}
	return sub, nil
}
