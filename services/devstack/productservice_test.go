package devstack

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/web"
)

func TestDevstackServesTheStorefront(t *testing.T) {
	base, out, _ := start(t, t.TempDir())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{
		"/s/" + DemoSeller: 200, "/api/shops/" + DemoSeller: 200, "/openapi.json": 200,
		"/dashboard": http.StatusSeeOther, "/api/seller/products": http.StatusUnauthorized, "/s/nobody.here": 404,
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
	for _, s := range []string{"/s/demo", "/dashboard", "product-projector-caption-parsed", "consumes thumbnails.generated", "consumes product.tagged"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the start-up summary does not mention %q:\n%s", s, out.String())
		}
	}
}

// TestProductServiceWiring runs the wired projector handlers on one video's
// results and reads the products back through the wired routes.
func TestProductServiceWiring(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	ms, err := media.Open(ctx, "file://"+filepath.Join(dir, "media")+"?create_dir=1&no_tmp_dir=1", "http://localhost:8080/media")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ms.Close() }()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := &Stack{Config: Config{PublicURL: "http://localhost:8080"}, Log: log, Store: store, Media: ms}
	if err := seedDemoSeller(ctx, st); err != nil {
		t.Fatal(err)
	}
	router := web.New(web.Options{Logger: log})
	w := &wiring{}
	if err := wireProductService(st, router, w, pendingLogin{}); err != nil {
		t.Fatal(err)
	}
	handlers := map[string]func(context.Context, events.Envelope) error{}
	for _, wk := range w.workers {
		handlers[wk.eventType] = wk.handler
	}
	if len(w.workers) != 3 || len(handlers) != 3 {
		t.Fatalf("want one projector worker per result event, got %+v", w.workers)
	}
	const videoID = "7524157935543832863"
	if _, _, err := store.UpsertVideo(ctx, catalog.Video{ID: videoID, Seller: DemoSeller, PageURL: "https://www.tiktok.com/@demo/video/" + videoID,
		PostedAt: time.Now(), Status: catalog.VideoQueued}); err != nil {
		t.Fatal(err)
	}
	price := int64(1999)
	for _, p := range []events.Payload{
		&events.ProductTagged{Tagger: "rules", Products: []events.TaggedProduct{{Index: 0, Category: "kitchen", Tags: []events.Tag{{Name: "mug", Confidence: 0.9}}}}},
		&events.CaptionParsed{Parser: "rules", Products: []events.ParsedProduct{{Index: 0, Title: "Speckled mug", PriceMinor: &price, Currency: "USD", BuyURL: "https://shop.example.com/mug"}}},
		&events.ThumbnailsGenerated{},
	} {
		env, err := events.New("", DemoSeller, videoID, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := handlers[env.Type](ctx, env); err != nil {
			t.Fatalf("%s: %v", env.Type, err)
		}
	}
	if v, _ := store.GetVideo(ctx, videoID); v.Status != catalog.VideoReady {
		t.Fatalf("video status %s", v.Status)
	}
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/shops/"+DemoSeller, nil))
	var shop struct {
		Products []struct {
			Title string   `json:"title"`
			Tags  []string `json:"tags"`
		} `json:"products"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &shop); err != nil || len(shop.Products) != 1 || shop.Products[0].Title != "Speckled mug" || len(shop.Products[0].Tags) != 1 {
		t.Fatalf("shop after the pipeline: %d %s", rec.Code, rec.Body)
	}
	for _, c := range w.closers {
		if err := c(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
