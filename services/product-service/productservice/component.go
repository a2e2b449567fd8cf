// Package productservice is product-service's component (pkg/host): the
// storefront's routes (package storefront) with the media it serves, the
// Cognito hosted UI sign-in when configured, and the product projector
// (package projector) as the handler of the events it consumes, whose
// writes invalidate the storefront's page cache at once.
package productservice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/services/product-service/clicks"
	"github.com/buylink/buylink/services/product-service/projector"
	"github.com/buylink/buylink/services/product-service/storefront"
)

// Component builds product-service from its environment: sellers' tokens
// come from the Cognito pool (AUTH_ISSUER, AUTH_CLIENT_IDS, AUTH_JWKS_URL)
// and/or a buylink local issuer (LOCAL_ISSUER_URL, LOCAL_ISSUER_JWKS_URL);
// without any issuer the storefront runs and every seller request answers
// 401. AUTH_HOSTED_UI_URL serves /login and /auth/callback through Cognito's
// hosted UI for AUTH_CLIENT_IDS' first client.
func Component(ctx context.Context, d host.Deps) (*host.Component, error) {
	v, closeVerifier, err := verifier(ctx, d)
	if err != nil {
		return nil, err
	}
	c := &host.Component{}
	c.OnClose(func() error { closeVerifier(); return nil })
	var ui *auth.HostedUI
	if hosted := d.Env.Get("AUTH_HOSTED_UI_URL"); hosted != "" {
		ids := host.SplitList(d.Env.Get("AUTH_CLIENT_IDS"))
		if len(ids) == 0 {
			return nil, errors.Join(errors.New("AUTH_HOSTED_UI_URL needs AUTH_CLIENT_IDS, the app client the hosted UI signs in for"), c.Close())
		}
		ui = &auth.HostedUI{BaseURL: hosted, ClientID: ids[0], RedirectURL: d.PublicURL + auth.PathCallback, Verifier: v}
	}
	sessions, err := renewer(d.Env, ui)
	if err != nil {
		return nil, errors.Join(err, c.Close())
	}
	// Replicas share the click and view de-duplication through the
	// catalog store's expiring counters (both stores have them).
	marks, _ := d.Store.(clicks.Marks)
	srv, err := storefront.New(storefront.Config{
		Store: d.Store, Media: d.Media, Verifier: v, Renewer: sessions, PublicURL: d.PublicURL,
		LoginURL: d.Env.Or("LOGIN_URL", auth.PathLogin), Logger: d.Log, Metrics: d.Metrics,
		Counting: clicks.GateOptions{Shared: marks},
	})
	if err != nil {
		return nil, errors.Join(err, c.Close())
	}
	// The click recorder drains when the component closes, before the store.
	c.OnClose(func() error {
		drain, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return srv.Close(drain)
	})
	c.Routes = func(r gin.IRouter) error {
		if ui != nil {
			ui.Register(r)
		}
		mediaHandler := gin.WrapH(media.Handler(d.Media, "/media/"))
		r.GET("/media/*key", mediaHandler)
		r.HEAD("/media/*key", mediaHandler)
		srv.Register(r)
		return nil
	}
	c.Handler = projector.New(d.Store, projector.Options{Logger: d.Log, OnChange: func(string) { srv.Invalidate() }}).Handle
	return c, nil
}

// renewer is what renews the browser sessions of a seller service: the
// hosted UI when there is one, else the local issuer whose key is at
// LOCAL_ISSUER_KEY_FILE (devstack), else nothing (sessions end with their
// ID token).
func renewer(env deploy.Env, ui *auth.HostedUI) (auth.Renewer, error) {
	if ui != nil {
		return ui, nil
	}
	url, keyFile := env.Get("LOCAL_ISSUER_URL"), env.Get("LOCAL_ISSUER_KEY_FILE")
	if url == "" || keyFile == "" {
		return nil, nil
	}
	key, _, err := auth.LoadOrCreateKey(keyFile)
	if err != nil {
		return nil, fmt.Errorf("LOCAL_ISSUER_KEY_FILE: %w", err)
	}
	return auth.NewLocalIssuer(auth.LocalIssuerConfig{URL: url, Key: key})
}

// noIssuer refuses every token: no issuer is configured.
type noIssuer struct{}

func (noIssuer) Verify(context.Context, string) (auth.Identity, error) {
	return auth.Identity{}, catalog.Errorf(catalog.CodeUnauthorized, "seller sign-in is not configured on this server")
}

// verifier trusts the issuers the environment names.
func verifier(ctx context.Context, d host.Deps) (auth.Verifier, func(), error) {
	env := d.Env
	var trusted []auth.TrustedIssuer
	if iss := env.Get("AUTH_ISSUER"); iss != "" {
		ids := host.SplitList(env.Get("AUTH_CLIENT_IDS"))
		if len(ids) == 0 {
			return nil, nil, errors.New("AUTH_ISSUER needs AUTH_CLIENT_IDS, the app client ids whose tokens are accepted")
		}
		trusted = append(trusted, auth.TrustedIssuer{Issuer: iss, JWKSURL: env.Get("AUTH_JWKS_URL"), ClientIDs: ids})
	}
	if iss := env.Get("LOCAL_ISSUER_URL"); iss != "" {
		trusted = append(trusted, auth.TrustedIssuer{Issuer: iss, JWKSURL: env.Get("LOCAL_ISSUER_JWKS_URL"), ClientIDs: []string{auth.DefaultLocalClientID}})
	}
	if len(trusted) == 0 {
		d.Log.Warn("no token issuer (AUTH_ISSUER, LOCAL_ISSUER_URL): seller endpoints answer 401")
		return noIssuer{}, func() {}, nil
	}
	v, err := auth.NewJWTVerifier(ctx, auth.JWTConfig{Issuers: trusted, Logger: d.Log})
	if err != nil {
		return nil, nil, err
	}
	return v, v.Close, nil
}
