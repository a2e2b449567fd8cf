package storefront_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/buylink/buylink/services/product-service/storefront"
)

// chromiumPath is Debian's chromium (scripts/apt-packages.txt).
const chromiumPath = "/usr/bin/chromium"

// buyHost is the public-looking host of the test's buy links; Chromium's
// host resolver maps it to a local server.
const buyHost = "shop.example.com"

// tiktokUA is the User-Agent of TikTok's in-app browser on iOS.
const tiktokUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_35.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US"

// buyServer stands in for a merchant: it records the requests it gets.
type buyServer struct {
	mu   sync.Mutex
	urls []string
}

func (b *buyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/favicon.ico" {
		http.NotFound(w, r)
		return
	}
	b.mu.Lock()
	b.urls = append(b.urls, r.URL.String())
	b.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!doctype html><title>Merchant</title><h1 id="merchant">Merchant checkout</h1>`))
}

func (b *buyServer) seen() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.urls...)
}

// browser starts a fresh headless Chromium whose resolver sends buyHost to
// the merchant server. It fails the test, never skips, without Chromium.
func browser(t *testing.T, merchant *httptest.Server) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("browser tests need Debian's chromium at %s (apt-get install chromium; scripts/deps.sh installs it): %v", chromiumPath, err)
	}
	_, port, _ := net.SplitHostPort(merchant.Listener.Addr().String())
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,HttpsUpgrades"),
		chromedp.Flag("host-resolver-rules", "MAP "+buyHost+":80 127.0.0.1:"+port),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Emulate(device.Pixel5)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition in the page.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !eval[bool](t, ctx, js) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (%s)", what, js)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// shopWithMerchant seeds a rig whose mug's buy link goes to a merchant
// server; the server stops with the test.
func shopWithMerchant(t *testing.T) (r *rig, merchant *buyServer, ms *httptest.Server, mug string) {
	merchant = &buyServer{}
	ms = httptest.NewServer(merchant)
	t.Cleanup(ms.Close)
	r = newRig(t, time.Time{})
	r.seed()
	mug = pid(vidMugs, 0)
	resp, body := r.jsonReq(http.MethodPatch, "/api/seller/products/"+mug, tokBella, `{"buyUrl":"http://`+buyHost+`/mug?ref=bella"}`)
	wantStatus(t, resp, body, 200)
	return r, merchant, ms, mug
}

func TestBrowserShopClickAnalyticsAndDashboardEdit(t *testing.T) {
	r, merchant, ms, mug := shopWithMerchant(t)
	ctx := browser(t, ms)

	// The shop renders its cards on a phone.
	do(t, ctx, "open the shop", chromedp.Navigate(r.base+"/s/"+bella), chromedp.WaitVisible(chromedp.CSS("article.card")))
	if n := eval[int](t, ctx, `document.querySelectorAll("article.card").length`); n != 4 {
		t.Fatalf("%d cards", n)
	}
	if got := eval[string](t, ctx, `document.querySelector("h1").textContent`); got != "Bella's <b>Finds</b>" {
		t.Fatalf("the hostile display name must show as text: %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("script:not([src]):not([type='application/ld+json'])").length`); n != 0 {
		t.Fatal("the page carries inline scripts")
	}
	if !eval[bool](t, ctx, `[...document.querySelectorAll(".ends")].some(e => e.textContent.startsWith("Offer ended") && !e.closest(".card").querySelector(".was"))`) {
		t.Fatal("the ended offer still shows a sale price")
	}
	if !eval[bool](t, ctx, `document.getElementById("inapp").hidden`) {
		t.Fatal("the in-app hint shows outside TikTok")
	}
	// Keyboard: the first Tab reaches the skip link.
	do(t, ctx, "tab", chromedp.KeyEvent("\t"))
	if got := eval[string](t, ctx, `document.activeElement.className`); got != "skip" {
		t.Fatalf("first tab stop: %q", got)
	}
	// The copy button copies the code and says so.
	do(t, ctx, "copy the code", chromedp.Click(chromedp.CSS(`button.copy[data-code="BELLA15"]`)))
	waitFor(t, ctx, "the copy confirmation", `document.getElementById("toast").textContent.includes("BELLA15")`)
	screenshot(t, ctx, "shop.png")

	// Dark mode follows the system setting.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	if bg := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`); bg != "rgb(17, 17, 19)" {
		t.Fatalf("dark background: %s", bg)
	}
	screenshot(t, ctx, "shop-dark.png")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}

	// Clicking a card goes through /r/ to the merchant, with UTM parameters.
	do(t, ctx, "buy", chromedp.Click(chromedp.CSS(`a.buy[href="/r/`+mug+`"]`)), chromedp.WaitVisible(chromedp.ID("merchant")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	want := "http://" + buyHost + "/mug?ref=bella&utm_source=buylink&utm_medium=linkinbio&utm_campaign=bella.shop"
	if loc != want {
		t.Fatalf("landed on %q, want %q", loc, want)
	}
	if seen := merchant.seen(); len(seen) != 1 || !strings.Contains(seen[0], "utm_campaign=bella.shop") {
		t.Fatalf("the merchant saw %v", seen)
	}
	r.waitClicks(bella, 1)

	// The click shows in the seller's analytics on the dashboard.
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
		Name: storefront.TokenCookie, Value: tokBella, URL: r.base, Path: "/", HTTPOnly: new(true),
	}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open the dashboard", chromedp.Navigate(r.base+"/dashboard"), chromedp.WaitVisible(chromedp.ID("clicks-total")))
	if got := eval[string](t, ctx, `document.getElementById("clicks-total").textContent`); got != "1" {
		t.Fatalf("dashboard clicks: %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('td[data-product="`+mug+`"]').textContent`); got != "1" {
		t.Fatalf("the mug's clicks: %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#clicks-chart rect.bar").length`); n != 1 {
		t.Fatalf("the chart has %d bars, want 1 (today)", n)
	}
	screenshot(t, ctx, "dashboard.png")

	// A dashboard edit appears on the public page.
	do(t, ctx, "edit the mug",
		chromedp.Click(chromedp.CSS(`a[href="/dashboard/products/`+mug+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="title"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="title"]`), "Mug edited in the browser"),
		chromedp.SetValue(chromedp.CSS(`input[name="price"]`), "15.00"),
		chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)),
	)
	do(t, ctx, "reopen the shop", chromedp.Navigate(r.base+"/s/"+bella), chromedp.WaitVisible(chromedp.CSS("article.card")))
	text := eval[string](t, ctx, `document.querySelector("main").innerText`)
	// The offer has ended, so the regular price shows rather than the edited sale price.
	if !strings.Contains(text, "Mug edited in the browser") || !strings.Contains(text, "$25.99") || strings.Contains(text, "$15.00") {
		t.Fatalf("the edit is not on the public page:\n%s", text)
	}

	// In TikTok's in-app browser the page suggests the system browser.
	if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: tiktokUA}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open the shop in TikTok", chromedp.Navigate(r.base+"/s/"+bella), chromedp.WaitVisible(chromedp.ID("inapp")))
	screenshot(t, ctx, "shop-tiktok.png")
}

func TestBrowserDashboardWithoutSessionGoesToLogin(t *testing.T) {
	ms := httptest.NewServer(&buyServer{})
	defer ms.Close()
	r := newRig(t, time.Time{})
	r.seed()
	ctx := browser(t, ms)
	do(t, ctx, "open the dashboard", chromedp.Navigate(r.base+"/dashboard"))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if loc != r.base+loginURL+"?next=%2Fdashboard" {
		t.Fatalf("landed on %q", loc)
	}
}
