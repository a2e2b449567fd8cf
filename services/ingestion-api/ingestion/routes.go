package ingestion

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/singleflight"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/quota"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/web"
)

// Resolver turns a TikTok short link into the video it leads to
// (*tiktok.Resolver).
type Resolver interface {
	Resolve(ctx context.Context, field string, ref tiktok.VideoRef) (tiktok.VideoRef, error)
}

// Authors says who posted a TikTok video (*tiktok.OEmbedClient): its
// answer's Handle is the author, by TikTok's word.
type Authors interface {
	Lookup(ctx context.Context, field string, ref tiktok.VideoRef) (tiktok.OEmbed, error)
}

// Deps are what the ingestion API needs.
type Deps struct {
	Store catalog.Store
	// Idempotency keeps the answers to requests made with an
	// Idempotency-Key header.
	Idempotency catalog.IdempotencyStore
	Publisher   bus.Publisher
	Verifier    auth.Verifier
	// Resolver resolves short links (default: a tiktok.Resolver, which
	// connects to public addresses only).
	Resolver Resolver
	// Authors confirms a posted video's author before its id is claimed
	// (default: a tiktok.OEmbedClient on TikTok's public oEmbed endpoint).
	Authors Authors
	// LocalIssuer, when set, serves its JWKS (GET on its JWKS path).
	LocalIssuer *auth.LocalIssuer
	// AdminLogin, when set, serves POST /auth/admin/login.
	AdminLogin *auth.AdminLogin
	// DevLogin serves POST /auth/dev/login, which signs a token for any
	// local account without a password. Devstack only: it requires
	// LocalIssuer and must never be set in a deployed service.
	DevLogin bool
	// Media stores uploaded videos (POST /api/seller/videos with a file)
	// and gives the addresses of thumbnails; without it uploads are
	// refused.
	Media *media.Store
	// Renewer renews browser sessions (the dashboard's forms post here):
	// the local issuer in devstack, the hosted UI on AWS.
	Renewer auth.Renewer
	// Finders find the media of posts given by URL alone (see Ingester).
	Finders []MediaFinder
	// Quotas bound the videos a seller starts per hour and per day and
	// the bytes it uploads per day (default: quota's defaults, counted in
	// Store, which must then keep counters).
	Quotas *quota.Sellers
	// IdempotencyTTL is how long an Idempotency-Key is remembered
	// (default 24h).
	IdempotencyTTL time.Duration
	Logger         *slog.Logger
}

// The routes Register serves.
const (
	PathVideos       = "/api/videos"
	PathSellers      = "/api/sellers"
	PathSellerVideos = "/api/seller/videos"
	PathAdminLogin   = "/auth/admin/login"
	PathDevLogin     = "/auth/dev/login"
	PathLoginPage    = auth.PathLogin
)

// Register puts the ingestion API on r:
//
//	POST /api/sellers, GET /api/sellers/me       seller onboarding (bearer token, or the claim form)
//	GET  /api/handles/:handle                    whether a new seller may claim a handle (public)
//	POST /api/videos, GET /api/videos[/:id]      video intake and status (bearer token)
//	GET, POST /api/seller/videos                 the seller's videos: list, add by URL or upload
//	POST /api/seller/videos/:id/retry|reparse    start a video again, after a new caption
//	                                             (bearer token, or the dashboard's forms)
//	GET  <local issuer>/.well-known/jwks.json    when a local issuer is given
//	POST /auth/admin/login                      when an admin login is given
//	POST /auth/dev/login                        devstack only (Deps.DevLogin)
//	GET, POST /login, /signup; POST /logout      devstack only: the browser's sign-in and sign-up pages
func Register(r gin.IRouter, d Deps) error {
	switch {
	case d.Store == nil || d.Publisher == nil || d.Verifier == nil || d.Idempotency == nil:
		return errors.New("ingestion: store, idempotency store, publisher and verifier are required")
	case d.DevLogin && d.LocalIssuer == nil:
		return errors.New("ingestion: the dev login needs the local issuer")
	}
	if d.Resolver == nil {
		d.Resolver = &tiktok.Resolver{}
	}
	if d.Authors == nil {
		c, err := tiktok.NewOEmbedClient(tiktok.OEmbedOptions{})
		if err != nil {
			return err
		}
		d.Authors = c
	}
	if d.Quotas == nil {
		counters, ok := d.Store.(quota.Counters)
		if !ok {
			return fmt.Errorf("ingestion: the store %T keeps no counters for the quotas", d.Store)
		}
		d.Quotas = &quota.Sellers{Counters: counters, PostsPerHour: quota.DefaultPostsPerHour,
			PostsPerDay: quota.DefaultPostsPerDay, UploadBytesPerDay: quota.DefaultUploadBytesPerDay}
	}
	if d.IdempotencyTTL <= 0 {
		d.IdempotencyTTL = 24 * time.Hour
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	a := &api{Deps: d, ingester: &Ingester{Videos: d.Store, Publisher: d.Publisher, Finders: d.Finders, Logger: d.Logger},
		browser: &auth.Browser{Verifier: d.Verifier, Renewer: d.Renewer}}

	r.GET(auth.PathHandleAvailability+":handle", a.handleAvailability)
	authed := r.Group("/api", a.sellerAuth)
	authed.POST("/sellers", a.createSeller)
	authed.GET("/sellers/me", a.mySeller)
	authed.POST("/videos", a.postVideo)
	authed.GET("/videos", a.listVideos)
	authed.GET("/videos/:id", a.getVideo)
	seller := r.Group(PathSellerVideos, a.sellerAuth, noStore)
	seller.GET("", a.sellerVideos)
	web.HandleLargeBody(seller, http.MethodPost, "", media.MaxVideoBytes+maxFormOverhead, a.addVideo)
	seller.POST("/:id/retry", a.retryVideo)
	seller.POST("/:id/reparse", a.reparseVideo)

	if d.LocalIssuer != nil {
		r.GET(d.LocalIssuer.JWKSPath(), d.LocalIssuer.ServeJWKS)
	}
	if d.AdminLogin != nil {
		r.POST(PathAdminLogin, d.AdminLogin.Handle)
	}
	if d.DevLogin {
		dev := &auth.DevLogin{Issuer: d.LocalIssuer, SubOf: func(ctx context.Context, handle string) (string, error) {
			s, err := d.Store.GetSeller(ctx, handle)
			return s.Sub, err
		}}
		dev.Signup = func(ctx context.Context, handle, displayName, sub string) error {
			_, _, err := a.onboard(ctx, sub, CreateSellerRequest{Handle: handle, DisplayName: displayName})
			return err
		}
		r.POST(PathDevLogin, dev.Handle)
		// The browser's sign-in and sign-up: the same tokens, in the
		// session cookies.
		dev.Register(r)
	}
	return nil
}

// api holds the handlers.
type api struct {
	Deps
	ingester *Ingester
	browser  *auth.Browser
	// keyed runs concurrent requests with one Idempotency-Key once.
	keyed singleflight.Group
}

func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// identity returns the caller Middleware put on the request.
func identity(c *gin.Context) auth.Identity {
	id, _ := auth.FromContext(c.Request.Context())
	return id
}
