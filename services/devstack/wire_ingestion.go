package devstack

import (
	"context"
	"fmt"
	"net"
	"path/filepath"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

// LocalIssuerPath is where devstack's local token issuer lives, under the
// public URL: its tokens' iss and the base of its JWKS.
const LocalIssuerPath = "/auth"

// wireIngestion serves the ingestion API with devstack's local issuer (key
// kept in DATA_DIR/auth/issuer-key.pem so tokens survive restarts): its JWKS,
// the dev login, the admin login when ADMIN_PASSWORD_HASH is set; and runs
// scheduled ingestion through Apify every IngestEvery when APIFY_TOKEN is set.
// It returns the verifier of the local issuer's tokens and the issuer, which
// renews browser sessions, for the other seller endpoints.
func wireIngestion(ctx context.Context, st *Stack, router *gin.Engine, w *wiring) (auth.Verifier, auth.Renewer, error) {
	key, _, err := auth.LoadOrCreateKey(filepath.Join(st.Config.DataDir, "auth", "issuer-key.pem"))
	if err != nil {
		return nil, nil, err
	}
	issuer, err := auth.NewLocalIssuer(auth.LocalIssuerConfig{URL: st.Config.PublicURL + LocalIssuerPath, Key: key})
	if err != nil {
		return nil, nil, err
	}
	// The stack serves the JWKS itself: the verifier fetches it over
	// loopback, whatever the public URL is.
	jwks := "http://" + loopback(st.ListenAddr) + issuer.JWKSPath()
	verifier, err := auth.NewJWTVerifier(ctx, auth.JWTConfig{Issuers: []auth.TrustedIssuer{issuer.Trust(jwks)}, Logger: st.Log})
	if err != nil {
		return nil, nil, err
	}
	deps := ingestion.Deps{
		Store: st.Store, Idempotency: st.Store, Publisher: st.Topics, Verifier: verifier,
		LocalIssuer: issuer, DevLogin: true, Media: st.Media, Renewer: issuer, Logger: st.Log,
	}
	var apify *tiktok.ApifyClient
	if st.Config.ApifyToken != "" {
		if apify, err = tiktok.NewApifyClient(tiktok.ApifyOptions{Token: st.Config.ApifyToken, Actor: st.Config.ApifyActor,
			BaseURL: st.Config.ApifyBaseURL, Logger: st.Log}); err != nil {
			return nil, nil, err
		}
		deps.Finders = append(deps.Finders, ingestion.ApifyFinder{Client: apify})
	}
	if st.Config.AdminPasswordHash != "" {
		if deps.AdminLogin, err = auth.NewAdminLogin(auth.AdminLoginConfig{PasswordHash: st.Config.AdminPasswordHash, Issuer: issuer}); err != nil {
			return nil, nil, fmt.Errorf("ADMIN_PASSWORD_HASH: %w", err)
		}
	}
	if err := ingestion.Register(router, deps); err != nil {
		return nil, nil, err
	}
	w.links = append(w.links,
		link{"ingestion API (bearer token)", ingestion.PathVideos},
		link{`dev login: POST {"handle":"demo"}`, ingestion.PathDevLogin},
		link{"seller sign-in (browser, no password)", ingestion.PathLoginPage},
		link{"create a shop (browser)", auth.PathSignup},
		link{"local issuer JWKS", issuer.JWKSPath()})
	if deps.AdminLogin != nil {
		w.links = append(w.links, link{`admin login: POST {"password":…}`, ingestion.PathAdminLogin})
	} else {
		w.notes = append(w.notes, "admin login off: set ADMIN_PASSWORD_HASH (go run ./services/ingestion-api/cmd/ingestion-api hash-password)")
	}

	if st.Config.ApifyToken == "" {
		w.notes = append(w.notes, "scheduled ingestion off: APIFY_TOKEN is not set")
		return verifier, issuer, nil
	}
	sched := &ingestion.Scheduler{Sellers: st.Store, Scraper: apify, Logger: st.Log,
		Ingester: &ingestion.Ingester{Videos: st.Store, Publisher: st.Topics, Logger: st.Log},
		// "demo" is somebody's real TikTok handle, not the developer's.
		Exclude: []string{DemoSeller}}
	every := st.Config.IngestEvery
	w.tasks = append(w.tasks, task{name: "scheduled ingestion", run: func(ctx context.Context) error { return sched.RunEvery(ctx, every) }})
	w.notes = append(w.notes, fmt.Sprintf("scheduled ingestion: every %s through Apify, at once at start (not for the demo seller)", every))
	return verifier, issuer, nil
}

// loopback is the address by which the process reaches its own listener.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
