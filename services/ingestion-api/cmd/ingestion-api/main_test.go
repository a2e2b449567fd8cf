package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

// run runs the binary as main does, with the environment getenv.
func run(ctx context.Context, getenv func(string) string, log *slog.Logger, ready func(string)) error {
	return host.Run(ctx, deploy.MustGet(deploy.IngestionAPI), getenv, log, metrics.New(deploy.IngestionAPI), ingestion.Component, ready)
}

func TestConfigurationErrors(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DATA_DIR": t.TempDir()}, "no token issuer"},
		{map[string]string{"AUTH_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example", "DATA_DIR": t.TempDir()}, "needs AUTH_CLIENT_IDS"},
		{map[string]string{"AUTH_ISSUER": "https://x", "AUTH_CLIENT_IDS": "c", "ADMIN_PASSWORD_HASH": "$2a$", "DATA_DIR": t.TempDir()}, "needs LOCAL_ISSUER_URL"},
		{map[string]string{"LOCAL_ISSUER_URL": "http://localhost/auth", "STORE_URL": "postgres://db/x", "DATA_DIR": t.TempDir()}, `STORE_URL: store URL "postgres://db/x": unknown scheme`},
		{map[string]string{"LOCAL_ISSUER_URL": "http://localhost/auth", "ADMIN_PASSWORD_HASH": "plain", "ADDR": "127.0.0.1:0", "DATA_DIR": t.TempDir()}, "not a bcrypt hash"},
		{map[string]string{"AUTH_ISSUER": "cognito", "AUTH_CLIENT_IDS": "c", "ADDR": "127.0.0.1:0", "DATA_DIR": t.TempDir()}, "must be an absolute http(s) URL"},
		{map[string]string{"LOCAL_ISSUER_URL": "http://localhost/auth", "TOPIC_URL_TEMPLATE": "mem://fixed", "DATA_DIR": t.TempDir()}, "must contain {type}"},
	}
	for _, c := range cases {
		err := run(t.Context(), func(k string) string { return c.env[k] }, log, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.env, err, c.want)
		}
	}
}

func TestServesWithTheLocalIssuerAndAdminLogin(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("a long admin password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tiktokFake := oembedtest.NewServer(t, oembedtest.Video{ID: "1", Author: "ops_shop"})
	env := map[string]string{"ADDR": "127.0.0.1:0", "DATA_DIR": dir, "LOCAL_ISSUER_URL": "http://localhost:3001/auth",
		"ADMIN_PASSWORD_HASH": string(hash), "TOPIC_URL_TEMPLATE": "mem://ingestion-main-test/{type}", tiktok.OEmbedURLEnv: tiktokFake.Endpoint()}
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func(k string) string { return env[k] }, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a string) { ready <- a })
	}()
	var base string
	select {
	case a := <-ready:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("did not start within 30s")
	}
	call := func(method, path, token, body string) (int, []byte) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := call("GET", "/readyz", "", ""); code != 200 {
		t.Fatalf("readyz %d", code)
	}
	code, body := call("POST", "/auth/admin/login", "", `{"password":"a long admin password"}`)
	var tok struct{ Token string }
	if err := json.Unmarshal(body, &tok); code != 200 || err != nil {
		t.Fatalf("admin login: %d %s", code, body)
	}
	if code, body := call("POST", "/api/sellers", tok.Token, `{"handle":"ops_shop","displayName":"Ops"}`); code != 201 {
		t.Fatalf("create seller: %d %s", code, body)
	}
	if code, body := call("POST", "/api/videos", tok.Token, `{"video_url":"https://www.tiktok.com/@ops_shop/video/1","seller_handle":"ops_shop"}`); code != 202 {
		t.Fatalf("post video: %d %s", code, body)
	}
	if code, _ := call("POST", "/auth/dev/login", "", `{"handle":"ops_shop"}`); code != 404 {
		t.Fatalf("the standalone service must not serve the dev login: %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stop: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("did not stop")
	}
	if _, err := os.Stat(filepath.Join(dir, "auth", "issuer-key.pem")); err != nil {
		t.Fatalf("the local issuer key was not persisted: %v", err)
	}
}

func TestHashPassword(t *testing.T) {
	var out, prompt bytes.Buffer
	if err := hashPassword(strings.NewReader("a long admin password\n"), &out, &prompt, bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSpace(out.String())
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("a long admin password")); err != nil {
		t.Fatalf("hash %q: %v", hash, err)
	}
	if cost, _ := bcrypt.Cost([]byte(hash)); cost != bcrypt.MinCost {
		t.Fatalf("cost %d", cost)
	}
	for _, pw := range []string{"short\n", strings.Repeat("x", 73) + "\n"} {
		if err := hashPassword(strings.NewReader(pw), &out, &prompt, bcrypt.MinCost); err == nil {
			t.Errorf("password of %d bytes accepted", len(pw)-1)
		}
	}
}
