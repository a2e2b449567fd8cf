package storefront_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/product-service/projector"
	"github.com/buylink/buylink/services/product-service/storefront"
)

// Sellers and tokens of the rig.
const (
	bella     = "bella.shop"
	other     = "other.shop"
	tokBella  = "tok-bella"
	tokOther  = "tok-other"
	tokAdmin  = "tok-admin"
	tokNobody = "tok-nobody"
	loginURL  = "/auth/login"
)

// fakeVerifier knows a fixed set of tokens.
type fakeVerifier map[string]auth.Identity

func (f fakeVerifier) Verify(_ context.Context, token string) (auth.Identity, error) {
	if id, ok := f[token]; ok {
		return id, nil
	}
	return auth.Identity{}, catalog.Errorf(catalog.CodeUnauthorized, "the token has expired")
}

var verifier = fakeVerifier{
	tokBella:  {Sub: "sub-bella", Username: "bella"},
	tokOther:  {Sub: "sub-other", Username: "other"},
	tokAdmin:  {Sub: "sub-admin", Username: "admin", Groups: []string{auth.GroupAdmins}},
	tokNobody: {Sub: "sub-nobody"},
}

// rig is a product-service on a loopback port over a fresh SQLite store and
// media directory, mounted like cmd/product-service mounts it.
type rig struct {
	t      testing.TB
	base   string
	store  *sqlite.Store
	media  *media.Store
	srv    *storefront.Server
	proj   *projector.Projector
	http   *http.Client
	server *httptest.Server
	now    time.Time
	// metrics is the storefront's registry (the Clicks metric).
	metrics *metrics.Registry
}

func quietLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// newRig starts a server; now fixes the server's clock when not zero.
func newRig(t testing.TB, now time.Time) *rig {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	r := &rig{t: t, base: "http://" + ln.Addr().String(), now: now, metrics: metrics.New("product-service")}
	dir := t.TempDir()
	if r.store, err = sqlite.Open(context.Background(), filepath.Join(dir, "catalog.db")); err != nil {
		t.Fatal(err)
	}
	if r.media, err = media.Open(context.Background(), "file://"+filepath.Join(dir, "media")+"?create_dir=1&no_tmp_dir=1", r.base+"/media"); err != nil {
		t.Fatal(err)
	}
	clock := time.Now
	if !now.IsZero() {
		clock = func() time.Time { return now }
	}
	log := quietLogger()
	r.srv, err = storefront.New(storefront.Config{
		Store: r.store, Media: r.media, Verifier: verifier, PublicURL: r.base, LoginURL: loginURL, Logger: log, Now: clock,
		Metrics: r.metrics,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.proj = projector.New(r.store, projector.Options{Logger: log, OnChange: func(string) { r.srv.Invalidate() }})
	router := web.New(web.Options{Logger: log})
	web.Health(router, map[string]web.Check{"store": r.store.Ping})
	router.GET("/media/*key", gin.WrapH(media.Handler(r.media, "/media/")))
	r.srv.Register(router)
	r.server = httptest.NewUnstartedServer(router)
	_ = r.server.Listener.Close()
	r.server.Listener = ln
	r.server.Start()
	r.http = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() {
		r.server.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.srv.Close(ctx); err != nil {
			t.Errorf("close storefront: %v", err)
		}
		_ = r.media.Close()
		_ = r.store.Close()
	})
	for _, s := range []catalog.Seller{
		{Handle: bella, Sub: "sub-bella", DisplayName: "Bella's <b>Finds</b>", Bio: "Home & kitchen finds from my TikToks"},
		{Handle: other, Sub: "sub-other", DisplayName: "Other"},
	} {
		if _, err := r.store.CreateSeller(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func i64(v int64) *int64 { return &v }

// jpegOf draws a 400x400 test image: a coloured square on a light ground.
func jpegOf(t testing.TB, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 400, 400))
	for y := range 400 {
		for x := range 400 {
			px := color.RGBA{240, 236, 230, 255}
			if x > 80 && x < 320 && y > 80 && y < 320 {
				px = c
			}
			img.SetRGBA(x, y, px)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var palette = []color.RGBA{{214, 69, 101, 255}, {52, 120, 198, 255}, {60, 160, 110, 255}, {230, 160, 40, 255}, {120, 80, 180, 255}}

// video runs the real pipeline results for one video through the projector:
// its caption's products, one thumbnail per product and the given tags.
func (r *rig) video(seller, videoID string, posted time.Time, products []events.ParsedProduct, tags map[int][]string) {
	t := r.t
	t.Helper()
	ctx := context.Background()
	v := catalog.Video{ID: videoID, Seller: seller, PageURL: "https://www.tiktok.com/@" + seller + "/video/" + videoID,
		PostedAt: posted, Status: catalog.VideoQueued, Source: catalog.SourceManual}
	if _, _, err := r.store.UpsertVideo(ctx, v); err != nil {
		t.Fatalf("video %s: %v", videoID, err)
	}
	var thumbs []events.Thumbnail
	for i := range products {
		c := palette[(len(videoID)+i)%len(palette)]
		c.B = byte(int(c.B) + int(videoID[len(videoID)-1]) + 7*i) // distinct bytes, distinct keys
		key, err := r.media.Put(ctx, "thumbs", jpegOf(t, c), "image/jpeg")
		if err != nil {
			t.Fatal(err)
		}
		thumbs = append(thumbs, events.Thumbnail{Key: key, FrameMS: int64(i) * 1000, Score: 0.9, Width: 400, Height: 400})
	}
	var tagged []events.TaggedProduct
	for _, p := range products {
		tp := events.TaggedProduct{Index: p.Index, Category: rigCategories[p.Index%len(rigCategories)]}
		for _, name := range tags[p.Index] {
			tp.Tags = append(tp.Tags, events.Tag{Name: name, Confidence: 0.9})
		}
		tagged = append(tagged, tp)
	}
	for _, p := range []events.Payload{
		&events.CaptionParsed{Parser: "rules", Products: products, PostedAt: posted},
		&events.ThumbnailsGenerated{Thumbnails: thumbs, Requested: len(products)},
		&events.ProductTagged{Tagger: "rules", Products: tagged},
	} {
		env, err := events.New("", seller, videoID, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.proj.Handle(ctx, env); err != nil {
			t.Fatalf("project %s: %v", env.Type, err)
		}
	}
}

// Seeded ids.
const (
	vidMugs   = "7524157935543832863"
	vidBottle = "7524157935543832999"
	vidOther  = "7000000000000000001"
)

var (
	posted1 = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
	posted2 = time.Date(2025, 7, 5, 12, 0, 0, 0, time.UTC)
	ended   = time.Date(2025, 7, 2, 0, 0, 0, 0, time.UTC)
	ends    = time.Date(2030, 1, 5, 18, 0, 0, 0, time.UTC)
)

// seed makes bella's shop: an older video with two mugs (one offer ended)
// and a newer one with a bottle (hostile title) and a yen-priced item, plus
// one product of another seller.
func (r *rig) seed() {
	r.video(bella, vidMugs, posted1, []events.ParsedProduct{
		{Index: 0, Title: "Speckled ceramic mug", PriceMinor: i64(1999), CompareAtMinor: i64(2599), Currency: "USD",
			BuyURL: "https://shop.example.com/mug?ref=bella", DiscountCode: "BELLA15", OfferEndsAt: &ended},
		{Index: 1, Title: "Matcha whisk set", PriceMinor: i64(129900), Currency: "EUR", BuyURL: "https://amzn.to/3xYzQ7k?utm_source=tiktok", OfferEndsAt: &ends},
	}, map[int][]string{0: {"mug", "kitchen"}, 1: {"kitchen", "tea"}})
	r.video(bella, vidBottle, posted2, []events.ParsedProduct{
		{Index: 0, Title: `<script>alert("x")</script> "Owala" bottle's best`, PriceMinor: i64(2799), Currency: "USD", BuyURL: "https://shop.example.com/owala"},
		{Index: 1, Title: "Rice cooker", PriceMinor: i64(1980), Currency: "JPY"},
	}, map[int][]string{0: {"bottle", "kitchen"}})
	r.video(other, vidOther, posted2, []events.ParsedProduct{
		{Index: 0, Title: "Other seller's lamp", PriceMinor: i64(4500), Currency: "USD", BuyURL: "https://shop.example.com/lamp"},
	}, nil)
}

// rigCategories are the taxonomy categories the rig's tagger gives products,
// by caption index.
var rigCategories = []string{"kitchen/drinkware", "kitchen/tools", "home/decor"}

func pid(videoID string, index int) string { return catalog.ProductID(videoID, index) }

// req sends a request; headers alternate names and values.
func (r *rig) req(method, path string, body io.Reader, headers ...string) (*http.Response, []byte) {
	r.t.Helper()
	rq, err := http.NewRequest(method, r.base+path, body)
	if err != nil {
		r.t.Fatal(err)
	}
	rq.Header.Set("User-Agent", mobileUA)
	for i := 0; i+1 < len(headers); i += 2 {
		rq.Header.Set(headers[i], headers[i+1])
	}
	resp, err := r.http.Do(rq)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp, b
}

func (r *rig) get(path string, headers ...string) (*http.Response, []byte) {
	r.t.Helper()
	return r.req(http.MethodGet, path, nil, headers...)
}

// jsonReq sends a JSON body with a bearer token.
func (r *rig) jsonReq(method, path, token, body string) (*http.Response, []byte) {
	r.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	h := []string{"Content-Type", "application/json"}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	return r.req(method, path, rd, h...)
}

func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, b)
	}
	return v
}

// wantStatus fails unless the response has the status.
func wantStatus(t testing.TB, resp *http.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, truncate(body))
	}
}

// wantError fails unless the response is a JSON error with the status whose
// message contains want.
func wantError(t testing.TB, resp *http.Response, body []byte, status int, want string) {
	t.Helper()
	wantStatus(t, resp, body, status)
	e := decode[web.ErrorBody](t, body)
	if !strings.Contains(e.Error.Message, want) {
		t.Fatalf("%s: error message %q does not say %q", resp.Request.URL, e.Error.Message, want)
	}
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// mobileUA is a phone browser's User-Agent: a shopper, not a bot.
const mobileUA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36"

// waitClicks waits until the store holds n clicks of the seller today.
func (r *rig) waitClicks(seller string, n int64) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := r.store.DailyClicks(context.Background(), seller, time.Now().Add(-48*time.Hour), time.Now().Add(48*time.Hour))
		if err != nil {
			r.t.Fatal(err)
		}
		var total int64
		for _, row := range rows {
			total += row.Count
		}
		if total == n {
			return
		}
		if total > n || time.Now().After(deadline) {
			r.t.Fatalf("clicks of %s: %d, want %d", seller, total, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fixtureProduct is one labeled product of testdata/labeled-products.jsonl.
type fixtureProduct struct {
	Title        string  `json:"title"`
	PriceMinor   *int64  `json:"price_minor"`
	Currency     *string `json:"currency"`
	BuyURL       *string `json:"buy_url"`
	DiscountCode *string `json:"discount_code"`
}

// fixtureProducts reads the products of testdata/labeled-products.jsonl
// (see testdata/README.md).
func fixtureProducts(t testing.TB) []fixtureProduct {
	t.Helper()
	path := filepath.Join("testdata", "labeled-products.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []fixtureProduct
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var c struct {
			Products []fixtureProduct `json:"products"`
		}
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, c.Products...)
	}
	if len(out) < 20 {
		t.Fatalf("%s holds only %d products", path, len(out))
	}
	return out
}

// seedFixtureShop makes a shop of n products from the sample products, three per video, each video a day older than the last, tagged
// with the first words of their titles.
func (r *rig) seedFixtureShop(handle string, n int) {
	r.t.Helper()
	if _, err := r.store.CreateSeller(context.Background(), catalog.Seller{
		Handle: handle, Sub: "sub-" + handle, DisplayName: "The Demo Shop", Bio: "Everything from our TikToks, in one place.",
	}); err != nil && !catalog.IsCode(err, catalog.CodeConflict) {
		r.t.Fatal(err)
	}
	fx := fixtureProducts(r.t)
	start := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
	for v := 0; v*3 < n; v++ {
		var products []events.ParsedProduct
		tags := map[int][]string{}
		for i := 0; i < 3 && v*3+i < n; i++ {
			f := fx[(v*3+i)%len(fx)]
			p := events.ParsedProduct{Index: i, Title: f.Title, PriceMinor: f.PriceMinor, Confidence: 0.9}
			if f.Currency != nil {
				p.Currency = *f.Currency
			}
			if f.BuyURL != nil {
				p.BuyURL = *f.BuyURL
			}
			if f.DiscountCode != nil {
				p.DiscountCode = *f.DiscountCode
			}
			if (v+i)%4 == 0 {
				end := start.AddDate(0, 0, 30-v)
				p.OfferEndsAt = &end
			}
			products = append(products, p)
			words := strings.Fields(strings.ToLower(f.Title))
			tags[i] = words[:min(2, len(words))]
		}
		r.video(handle, fmt.Sprintf("75000000000%08d", v), start.Add(-time.Duration(v)*24*time.Hour), products, tags)
	}
}

// repoRoot is the directory holding go.work.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.work not found above the test's directory")
		}
		dir = parent
	}
}

// artifactDir is test-artifacts/ at the repository root (git-ignored).
func artifactDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
