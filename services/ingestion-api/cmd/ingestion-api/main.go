// Command ingestion-api serves the ingestion API (package ingestion) on its
// own: video intake and status, seller onboarding, the admin login.
//
// Configuration, from the environment:
//
//	ADDR                   listen address (default :3001)
//	DATA_DIR               data directory (default .buylink)
//	STORE_URL              the catalog store: a SQLite path or
//	                       dynamodb://<table>?region=<region>
//	                       (default DATA_DIR/catalog.db)
//	TOPIC_URL_TEMPLATE     event topics, "{type}" standing for the event type
//	                       (default mem://{type}: this process only)
//	AUTH_ISSUER            a Cognito user pool's issuer,
//	                       https://cognito-idp.<region>.amazonaws.com/<userPoolId>
//	AUTH_CLIENT_IDS        its app client ids, comma-separated (required with it)
//	AUTH_JWKS_URL          its JWKS (default AUTH_ISSUER/.well-known/jwks.json)
//	LOCAL_ISSUER_URL       turns on the local issuer: its tokens' iss, and the
//	                       base of the JWKS this process serves
//	LOCAL_ISSUER_KEY_FILE  its RSA key, made on first start
//	                       (default DATA_DIR/auth/issuer-key.pem; share it
//	                       between replicas)
//	ADMIN_PASSWORD_HASH    bcrypt hash of the admin password: turns on
//	                       POST /auth/admin/login (needs the local issuer)
//	TRUSTED_PROXIES        CIDRs of the load balancer whose X-Forwarded-For
//	                       is believed (comma-separated; default none)
//	TIKTOK_OEMBED_URL      TikTok's oEmbed endpoint, which names a posted
//	                       video's author (default https://www.tiktok.com/oembed)
//	LOG_FORMAT, LOG_LEVEL  see package obs
//
// At least one issuer is required. `ingestion-api hash-password` reads a
// password on stdin and prints the bcrypt hash for ADMIN_PASSWORD_HASH.
package main

import (
	// awssns:// topics on AWS.
	_ "gocloud.dev/pubsub/awssnssqs"

	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/storeurl"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/obs"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "hash-password" {
		if err := hashPassword(os.Stdin, os.Stdout, os.Stderr, adminHashCost); err != nil {
			fmt.Fprintln(os.Stderr, "ingestion-api:", err)
			os.Exit(1)
		}
		return
	}
	log := obs.Setup("ingestion-api")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, log, nil); err != nil {
		fmt.Fprintln(os.Stderr, "ingestion-api:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; ready, when set, gets the bound address.
func run(ctx context.Context, getenv func(string) string, log *slog.Logger, ready func(addr string)) error {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	dataDir := env("DATA_DIR", ".buylink")
	cognito, localURL, adminHash := env("AUTH_ISSUER", ""), env("LOCAL_ISSUER_URL", ""), env("ADMIN_PASSWORD_HASH", "")
	switch {
	case cognito == "" && localURL == "":
		return errors.New("no token issuer: set AUTH_ISSUER (Cognito) and/or LOCAL_ISSUER_URL")
	case cognito != "" && env("AUTH_CLIENT_IDS", "") == "":
		return errors.New("AUTH_ISSUER needs AUTH_CLIENT_IDS, the app client ids whose tokens are accepted")
	case adminHash != "" && localURL == "":
		return errors.New("ADMIN_PASSWORD_HASH needs LOCAL_ISSUER_URL: admin tokens come from the local issuer")
	}

	st, err := storeurl.Open(ctx, env("STORE_URL", filepath.Join(dataDir, "catalog.db")))
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	idem, ok := st.(catalog.IdempotencyStore)
	if !ok {
		return fmt.Errorf("the store %T keeps no idempotency keys", st)
	}
	topics, err := bus.NewTopics(env("TOPIC_URL_TEMPLATE", "mem://{type}"))
	if err != nil {
		return err
	}
	defer func() { _ = topics.Close(context.Background()) }()
	if err := topics.Open(ctx, events.TypeVideoPosted); err != nil {
		return err
	}
	if getenv("TOPIC_URL_TEMPLATE") == "" {
		log.Warn("TOPIC_URL_TEMPLATE is not set: video.posted events stay in this process (mem://)")
	}

	ln, err := net.Listen("tcp", env("ADDR", ":3001"))
	if err != nil {
		return fmt.Errorf("listen: %w (set ADDR to use another address)", err)
	}
	defer func() { _ = ln.Close() }()

	authors, err := tiktok.NewOEmbedClient(tiktok.OEmbedOptions{Endpoint: env(tiktok.OEmbedURLEnv, "")})
	if err != nil {
		return fmt.Errorf("%s: %w", tiktok.OEmbedURLEnv, err)
	}
	deps := ingestion.Deps{Store: st, Idempotency: idem, Publisher: topics, Authors: authors, Logger: log}
	var trusted []auth.TrustedIssuer
	if cognito != "" {
		trusted = append(trusted, auth.TrustedIssuer{Issuer: cognito, JWKSURL: env("AUTH_JWKS_URL", ""), ClientIDs: splitList(env("AUTH_CLIENT_IDS", ""))})
	}
	if localURL != "" {
		keyFile := env("LOCAL_ISSUER_KEY_FILE", filepath.Join(dataDir, "auth", "issuer-key.pem"))
		key, created, err := auth.LoadOrCreateKey(keyFile)
		if err != nil {
			return err
		}
		if created {
			log.Info("made a new local issuer key", "file", keyFile)
		}
		if deps.LocalIssuer, err = auth.NewLocalIssuer(auth.LocalIssuerConfig{URL: localURL, Key: key}); err != nil {
			return err
		}
		// This process serves the local JWKS itself: fetch it over loopback.
		trusted = append(trusted, deps.LocalIssuer.Trust("http://"+loopback(ln.Addr())+deps.LocalIssuer.JWKSPath()))
	}
	if adminHash != "" {
		if deps.AdminLogin, err = auth.NewAdminLogin(auth.AdminLoginConfig{PasswordHash: adminHash, Issuer: deps.LocalIssuer}); err != nil {
			return fmt.Errorf("ADMIN_PASSWORD_HASH: %w", err)
		}
	}
	verifier, err := auth.NewJWTVerifier(ctx, auth.JWTConfig{Issuers: trusted, Logger: log})
	if err != nil {
		return err
	}
	defer verifier.Close()
	deps.Verifier = verifier

	router := web.New(web.Options{Logger: log, TrustedProxies: splitList(env("TRUSTED_PROXIES", ""))})
	web.Health(router, map[string]web.Check{"store": st.Ping})
	if err := ingestion.Register(router, deps); err != nil {
		return err
	}
	log.Info("ingestion-api listening", "addr", ln.Addr().String(), "cognito", cognito != "", "local_issuer", localURL != "", "admin_login", adminHash != "")
	if ready != nil {
		ready(ln.Addr().String())
	}
	return web.Serve(ctx, ln, router)
}

// loopback is the address to reach a listener from its own process.
func loopback(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		_, port, _ := net.SplitHostPort(a.String())
		return net.JoinHostPort("127.0.0.1", port)
	}
	return tcp.String()
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// adminHashCost is the bcrypt cost of hash-password (about 0.25 s a check).
const adminHashCost = 12

// hashPassword reads a password (without echo on a terminal) and prints its
// bcrypt hash of the given cost.
func hashPassword(in io.Reader, out, prompt io.Writer, cost int) error {
	var pw []byte
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		_, _ = fmt.Fprint(prompt, "admin password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		_, _ = fmt.Fprintln(prompt)
		if err != nil {
			return err
		}
		pw = b
	} else {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = []byte(strings.TrimRight(line, "\r\n"))
	}
	switch {
	case len(pw) < 12:
		return errors.New("the admin password must be at least 12 bytes")
	case len(pw) > 72:
		return errors.New("the admin password must be at most 72 bytes (bcrypt's limit)")
	}
	hash, err := bcrypt.GenerateFromPassword(pw, cost)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, string(hash))
	return err
}
