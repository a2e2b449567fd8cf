package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/services/product-service/productservice"
)

// run runs the service as main does, with the process environment.
func run(ctx context.Context, log *slog.Logger, ready func(string)) error {
	return host.Run(ctx, deploy.MustGet(deploy.ProductService), os.Getenv, log, metrics.New("test"), productservice.Component, ready)
}

// serve runs the service with the test's environment until the test ends.
func serve(t *testing.T) string {
	t.Helper()
	t.Setenv("ADDR", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a string) { ready <- a })
	}()
	var base string
	select {
	case a := <-ready:
		base = "http://" + a
	case err := <-done:
		cancel()
		t.Fatalf("product-service did not start: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("product-service did not start within 20s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("stop: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("product-service did not stop within 20s")
		}
	})
	return base
}

func TestServesTheStorefrontAndProjects(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATA_DIR", dir)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	const videoID = "7524157935543832863"
	if _, err := st.CreateSeller(ctx, catalog.Seller{Handle: "bella.shop", Sub: "sub-bella", DisplayName: "Bella"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.UpsertVideo(ctx, catalog.Video{ID: videoID, Seller: "bella.shop", PageURL: "https://www.tiktok.com/@bella.shop/video/" + videoID,
		PostedAt: time.Now(), Status: catalog.VideoQueued}); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	topic, err := pubsub.OpenTopic(ctx, "mem://product-service-main-test")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = topic.Shutdown(ctx) }()
	t.Setenv("SUBSCRIPTION_URL", "mem://product-service-main-test")
	base := serve(t)

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{
		"/healthz": 200, "/readyz": 200, "/openapi.json": 200, "/s/bella.shop": 200, "/s/nobody.here": 404,
		"/api/seller/products": 401, "/dashboard": 303, "/media/thumbs/00/x.jpg": 404,
	} {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}

	// The projector runs on the subscription.
	env, err := events.New("", "bella.shop", videoID, &events.CaptionParsed{Parser: "rules",
		Products: []events.ParsedProduct{{Index: 0, Title: "Speckled mug", BuyURL: "https://shop.example.com/mug"}}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := env.Marshal()
	if err := topic.Send(ctx, &pubsub.Message{Body: body}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/api/shops/bella.shop")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if strings.Contains(string(b), "Speckled mug") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the projected product did not appear: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBadConfigurationFailsAtStart(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"AUTH_ISSUER", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc", "AUTH_CLIENT_IDS"},
		{"PUBLIC_URL", "not a url", "PUBLIC_URL must be an absolute http(s) URL"},
		{"STORE_URL", "mongodb://x", "mongodb"},
		{"WORKER_CONCURRENCY", "lots", "WORKER_CONCURRENCY"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("ADDR", "127.0.0.1:0")
			t.Setenv("DATA_DIR", t.TempDir())
			t.Setenv("SUBSCRIPTION_URL", "mem://product-service-bad-config")
			t.Setenv(c.name, c.value)
			topic, err := pubsub.OpenTopic(t.Context(), "mem://product-service-bad-config")
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = topic.Shutdown(context.Background()) }()
			err = run(t.Context(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want a start-up error naming %s, got %v", c.want, err)
			}
		})
	}
}
