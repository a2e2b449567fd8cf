package ingestion_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

func issuerKey() *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		key = k
	})
	return key
}

// recorder is a bus.Publisher that keeps what it publishes and can fail.
type recorder struct {
	mu   sync.Mutex
	envs []events.Envelope
	fail bool
}

func (r *recorder) Publish(_ context.Context, env events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("topic unreachable")
	}
	r.envs = append(r.envs, env)
	return nil
}

func (r *recorder) events() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Envelope(nil), r.envs...)
}

// Sellers every environment starts with.
const (
	bella   = "bella.shop"
	bellaID = "local|bella"
	other   = "other_shop"
	otherID = "local|other"
	// A known video id and its URL on bella's profile.
	videoID  = "7524354452762037512"
	videoURL = "https://www.tiktok.com/@bella.shop/video/" + videoID
	// A video of other_shop's, by TikTok's oEmbed answer.
	otherVideoID = "7523974732983651591"
)

// env is the ingestion API on a test server, with a real SQLite store, the
// local issuer (its JWKS served by the same router) and a real verifier.
type env struct {
	t      *testing.T
	store  *sqlite.Store
	pub    *recorder
	issuer *auth.LocalIssuer
	srv    *httptest.Server
	router *gin.Engine
	logs   *logBuffer
	// tiktok is the fake oEmbed endpoint that names videos' authors.
	tiktok *oembedtest.Server
}

// newEnv starts an environment; mut may change the deps before Register.
func newEnv(t *testing.T, mut func(*ingestion.Deps)) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &env{t: t, store: st, pub: &recorder{}, logs: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	e.router = web.New(web.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.srv = httptest.NewServer(e.router)
	t.Cleanup(e.srv.Close)
	e.issuer, err = auth.NewLocalIssuer(auth.LocalIssuerConfig{URL: e.srv.URL + "/auth", Key: issuerKey()})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewJWTVerifier(t.Context(), auth.JWTConfig{Issuers: []auth.TrustedIssuer{e.issuer.Trust("")}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	e.tiktok = oembedtest.NewServer(t,
		oembedtest.Video{ID: videoID, Author: bella, Title: "Glow serum"},
		oembedtest.Video{ID: "42", Author: bella},
		oembedtest.Video{ID: otherVideoID, Author: other})
	authors, err := tiktok.NewOEmbedClient(tiktok.OEmbedOptions{Endpoint: e.tiktok.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	d := ingestion.Deps{Store: st, Idempotency: st, Publisher: e.pub, Verifier: v, LocalIssuer: e.issuer, Authors: authors, Logger: log}
	if mut != nil {
		mut(&d)
	}
	if err := ingestion.Register(e.router, d); err != nil {
		t.Fatal(err)
	}
	for handle, sub := range map[string]string{bella: bellaID, other: otherID} {
		if _, err := st.CreateSeller(t.Context(), catalog.Seller{Handle: handle, Sub: sub, DisplayName: handle}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// logBuffer keeps the log lines of every goroutine of a test.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// token returns a bearer token of the local account.
func (e *env) token(sub string, groups ...string) string {
	e.t.Helper()
	tok, err := e.issuer.Issue(auth.Identity{Sub: sub, Groups: groups})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.Token
}

// response is an answer of the API.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) message(t *testing.T) string {
	t.Helper()
	var b web.ErrorBody
	r.decode(t, &b)
	return b.Error.Message
}

// do sends a request; token "" sends none; headers are name, value pairs.
func (e *env) do(method, path, token, body string, headers ...string) response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *env) countVideos() int {
	e.t.Helper()
	vs, _, err := e.store.ListVideos(e.t.Context(), catalog.VideoQuery{}, catalog.Page{Limit: catalog.MaxPageLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(vs)
}

func jsonBody(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// eventually waits until cond holds (bounded).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
