package ingestion

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/quota"
	"github.com/buylink/buylink/pkg/tiktok"
)

// LocalIssuerPath is where a local token issuer lives under the public URL
// when devstack runs one: its tokens' iss and the base of its JWKS.
const LocalIssuerPath = "/auth"

// Component is ingestion-api's component (pkg/host): the API on the routes
// Register serves, verifying tokens of the Cognito pool (AUTH_ISSUER,
// AUTH_CLIENT_IDS, AUTH_JWKS_URL) and/or of a local issuer it runs itself
// (LOCAL_ISSUER_URL, its key in LOCAL_ISSUER_KEY_FILE), with the admin
// password login when ADMIN_PASSWORD_HASH is set. At least one issuer is
// required. A posted video's author is asked of TikTok's oEmbed
// (TIKTOK_OEMBED_URL); the media of a video posted by URL alone is found by
// an Apify single-post run (APIFY_TOKEN) or else is its oEmbed cover; uploads
// go to MEDIA_BUCKET_URL. In devstack it also serves the password-less dev login.
func Component(ctx context.Context, d host.Deps) (*host.Component, error) {
	env := d.Env
	cognito, localURL, adminHash := env.Get("AUTH_ISSUER"), env.Get("LOCAL_ISSUER_URL"), env.Get("ADMIN_PASSWORD_HASH")
	switch {
	case cognito == "" && localURL == "":
		return nil, errors.New("no token issuer: set AUTH_ISSUER (Cognito) and/or LOCAL_ISSUER_URL")
	case cognito != "" && env.Get("AUTH_CLIENT_IDS") == "":
		return nil, errors.New("AUTH_ISSUER needs AUTH_CLIENT_IDS, the app client ids whose tokens are accepted")
	case adminHash != "" && localURL == "":
		return nil, errors.New("ADMIN_PASSWORD_HASH needs LOCAL_ISSUER_URL: admin tokens come from the local issuer")
	}
	idem, ok := d.Store.(catalog.IdempotencyStore)
	if !ok {
		return nil, fmt.Errorf("the store %T keeps no idempotency keys", d.Store)
	}
	authors, err := tiktok.NewOEmbedClient(tiktok.OEmbedOptions{Endpoint: env.Get("TIKTOK_OEMBED_URL")})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tiktok.OEmbedURLEnv, err)
	}
	quotas, err := sellerQuotas(d)
	if err != nil {
		return nil, err
	}
	deps := Deps{Store: d.Store, Idempotency: idem, Quotas: quotas, Publisher: d.Publisher, Authors: authors, Media: d.Media, Logger: d.Log, DevLogin: d.Devstack}
	var notes []string
	if token := env.Get("APIFY_TOKEN"); token != "" {
		apify, err := tiktok.NewApifyClient(tiktok.ApifyOptions{Token: token, Actor: env.Get("APIFY_ACTOR"), BaseURL: env.Get("APIFY_BASE_URL"), Logger: d.Log})
		if err != nil {
			return nil, err
		}
		deps.Finders = append(deps.Finders, ApifyFinder{Client: apify})
	} else {
		notes = append(notes, "videos posted by URL alone get TikTok's cover image only: set APIFY_TOKEN to find their video")
	}
	deps.Finders = append(deps.Finders, OEmbedFinder{Authors: authors})
	var trusted []auth.TrustedIssuer
	if cognito != "" {
		trusted = append(trusted, auth.TrustedIssuer{Issuer: cognito, JWKSURL: env.Get("AUTH_JWKS_URL"), ClientIDs: host.SplitList(env.Get("AUTH_CLIENT_IDS"))})
	}
	if localURL != "" {
		keyFile := env.Or("LOCAL_ISSUER_KEY_FILE", filepath.Join(d.DataDir, "auth", "issuer-key.pem"))
		key, created, err := auth.LoadOrCreateKey(keyFile)
		if err != nil {
			return nil, err
		}
		if created {
			d.Log.Info("made a new local issuer key", "file", keyFile)
		}
		if deps.LocalIssuer, err = auth.NewLocalIssuer(auth.LocalIssuerConfig{URL: localURL, Key: key}); err != nil {
			return nil, err
		}
		// This process serves the local JWKS itself: fetch it over loopback.
		trusted = append(trusted, deps.LocalIssuer.Trust("http://"+host.Loopback(d.ListenAddr)+deps.LocalIssuer.JWKSPath()))
	}
	if adminHash != "" {
		if deps.AdminLogin, err = auth.NewAdminLogin(auth.AdminLoginConfig{PasswordHash: adminHash, Issuer: deps.LocalIssuer}); err != nil {
			return nil, fmt.Errorf("ADMIN_PASSWORD_HASH: %w", err)
		}
	}
	verifier, err := auth.NewJWTVerifier(ctx, auth.JWTConfig{Issuers: trusted, Logger: d.Log})
	if err != nil {
		return nil, err
	}
	deps.Verifier = verifier
	// Browser sessions (the dashboard's forms post here) are renewed by
	// whoever signed them.
	if hosted := env.Get("AUTH_HOSTED_UI_URL"); hosted != "" {
		ids := host.SplitList(env.Get("AUTH_CLIENT_IDS"))
		if len(ids) == 0 {
			verifier.Close()
			return nil, errors.New("AUTH_HOSTED_UI_URL needs AUTH_CLIENT_IDS, the app client the hosted UI signs in for")
		}
		deps.Renewer = &auth.HostedUI{BaseURL: hosted, ClientID: ids[0], Verifier: verifier}
	} else if deps.LocalIssuer != nil {
		deps.Renewer = deps.LocalIssuer
	}
	c := &host.Component{Routes: func(r gin.IRouter) error { return Register(r, deps) }, Notes: notes}
	c.OnClose(func() error { verifier.Close(); return nil })
	if deps.AdminLogin == nil {
		c.Notes = append(c.Notes, "admin login off: set ADMIN_PASSWORD_HASH (go run ./services/ingestion-api/cmd/ingestion-api hash-password)")
	}
	return c, nil
}

// sellerQuotas reads the per-seller quotas (QUOTA_POSTS_PER_HOUR,
// QUOTA_POSTS_PER_DAY, QUOTA_UPLOAD_BYTES_PER_DAY), counted in the store.
func sellerQuotas(d host.Deps) (*quota.Sellers, error) {
	counters, ok := d.Store.(quota.Counters)
	if !ok {
		return nil, fmt.Errorf("the store %T keeps no counters for the quotas", d.Store)
	}
	q := &quota.Sellers{Counters: counters}
	var err error
	if q.PostsPerHour, err = quota.ParseLimit("QUOTA_POSTS_PER_HOUR", d.Env.Get("QUOTA_POSTS_PER_HOUR"), quota.DefaultPostsPerHour, 1_000_000, false); err != nil {
		return nil, err
	}
	if q.PostsPerDay, err = quota.ParseLimit("QUOTA_POSTS_PER_DAY", d.Env.Get("QUOTA_POSTS_PER_DAY"), quota.DefaultPostsPerDay, 1_000_000, false); err != nil {
		return nil, err
	}
	if q.UploadBytesPerDay, err = quota.ParseLimit("QUOTA_UPLOAD_BYTES_PER_DAY", d.Env.Get("QUOTA_UPLOAD_BYTES_PER_DAY"), quota.DefaultUploadBytesPerDay, 1<<50, true); err != nil {
		return nil, err
	}
	if q.PostsPerHour != quota.Unlimited && q.PostsPerDay != quota.Unlimited && q.PostsPerDay < q.PostsPerHour {
		return nil, fmt.Errorf("QUOTA_POSTS_PER_DAY (%d) must be at least QUOTA_POSTS_PER_HOUR (%d)", q.PostsPerDay, q.PostsPerHour)
	}
	return q, nil
}

// ScheduledComponent is scheduled ingestion's component: its Job is one
// Scheduler pass over every seller through Apify (APIFY_TOKEN, APIFY_ACTOR,
// INGEST_CONCURRENCY) and answers the pass's Summary.
func ScheduledComponent(_ context.Context, d host.Deps) (*host.Component, error) {
	env := d.Env
	conc := 4
	if s := env.Get("INGEST_CONCURRENCY"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 64 {
			return nil, fmt.Errorf("INGEST_CONCURRENCY must be an integer in 1..64 (got %q)", s)
		}
		conc = n
	}
	apify, err := tiktok.NewApifyClient(tiktok.ApifyOptions{Token: env.Get("APIFY_TOKEN"), Actor: env.Get("APIFY_ACTOR"), Logger: d.Log})
	if err != nil {
		return nil, err
	}
	sched := &Scheduler{Sellers: d.Store, Scraper: apify, Concurrency: conc, Logger: d.Log,
		Ingester: &Ingester{Videos: d.Store, Publisher: d.Publisher, Logger: d.Log}}
	return &host.Component{Job: func(ctx context.Context) (any, error) { return sched.Run(ctx) }}, nil
}
