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
	base, stop := start(t)
	t.Cleanup(stop)
	return base
}

// start runs the service with the test's environment until stop.
func start(t *testing.T) (base string, stop func()) {
	t.Helper()
	t.Setenv("ADDR", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a string) { ready <- a })
	}()
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
	return base, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("stop: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("product-service did not stop within 20s")
		}
	}
}

// Two replicas on one store count a shopper's repeated click once, and
// a page view repeated on the other replica once too (the component gives
// the click gate the store to share).
func TestReplicasCountARepeatOnce(t *testing.T) {
	ctx := context.Background()
	st := bellasStore(t)
	if _, err := st.UpsertProduct(ctx, "p1", func(p *catalog.Product, _ bool) error {
		p.Seller, p.Title, p.Source = "bella.shop", "Speckled mug", catalog.ProductFromManual
		p.Status, p.BuyURL = catalog.ProductPublished, "https://shop.example.com/mug"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a, stopA := start(t)
	b, stopB := start(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, url, body string) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusNoContent {
			t.Fatalf("%s %s: %d", method, url, resp.StatusCode)
		}
	}
	for _, base := range []string{a, b, a, b} {
		do(http.MethodGet, base+"/r/p1", "")
		do(http.MethodPost, base+"/api/views", `{"handle":"bella.shop"}`)
	}
	stopA() // drains the click queues
	stopB()
	from := time.Now().UTC().Truncate(24 * time.Hour)
	clicks, err := st.DailyClicks(ctx, "bella.shop", from, from.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	views, err := st.DailyViews(ctx, "bella.shop", from, from.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(clicks) != 1 || clicks[0].Count != 1 || len(views) != 1 || views[0].Count != 1 {
		t.Fatalf("4 clicks and 4 views by one shopper over two replicas counted as clicks %+v, views %+v; want one each", clicks, views)
	}
}

// bellasStore is the catalog store in a fresh DATA_DIR (the one the
// service started by start opens), holding the seller bella.shop.
func bellasStore(t *testing.T) *sqlite.Store {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("DATA_DIR", dir)
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateSeller(context.Background(), catalog.Seller{Handle: "bella.shop", Sub: "sub-bella", DisplayName: "Bella"}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestServesTheStorefrontAndProjects(t *testing.T) {
	ctx := context.Background()
	st := bellasStore(t)
	const videoID = "7524157935543832863"
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
