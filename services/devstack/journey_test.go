package devstack

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
)

// chromiumPath is Debian's chromium (scripts/apt-packages.txt).
const chromiumPath = "/usr/bin/chromium"

// journeyShop is the seller the journey creates.
const journeyShop = "journey.shop"

// TestSellerJourney walks a new seller through the whole self-service path
// on a fresh devstack in headless Chromium: sign up, profile with avatar,
// two links (one scheduled), a video by URL with a caption and one by file
// upload, the statuses, a retry, a hand-made product with a picture, a drag
// reorder and sign-out; then the shop shows profile, links and products.
// Screenshots go to test-artifacts/journey-*.png.
// journeyVideoID is the TikTok post the journey's seller adds by its URL.
const journeyVideoID = "7524157935543832871"

func TestSellerJourney(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the journey needs Debian's chromium at %s (scripts/deps.sh installs it): %v", chromiumPath, err)
	}
	dir := t.TempDir()
	// TikTok's oEmbed names the journey's seller as the author of its post;
	// its cover is on an address the policy refuses, so nothing is found.
	tiktokFake := oembedtest.NewServer(t, oembedtest.Video{ID: journeyVideoID, Author: "journey.shop", ThumbnailURL: "http://127.0.0.1:9/cover.jpg"})
	base, _, _ := start(t, dir, noDemo, func(c *Config) { c.SweepEvery, c.TikTokOEmbedURL = time.Hour, tiktokFake.Endpoint() })
	files := journeyFiles(t)
	art := artifacts(t)
	ctx := browser(t)
	started := time.Now()
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
		if err == nil {
			err = os.WriteFile(filepath.Join(art, "journey-"+name+".png"), png, 0o644)
		}
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %v (at %s)\n%s", what, err, loc, clipText(text, 1500))
		}
	}
	waitJS := func(what, js string, timeout time.Duration) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			deadline := time.Now().Add(timeout)
			for {
				ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
				if err == nil && ok {
					return nil
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
				}
				time.Sleep(150 * time.Millisecond)
			}
		})
	}
	notice := func(want string) chromedp.Action[chromedp.Void] {
		return waitJS("the notice "+want, fmt.Sprintf(`!!document.querySelector(".alert.ok") && document.querySelector(".alert.ok").textContent.includes(%q)`, want), 20*time.Second)
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// clear empties a field (chromedp's SetValue cannot set "").
	clear := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q).value="")===""`, sel))(ctx, tg)
			return err
		})
	}

	// Sign up: the handle is checked as it is typed.
	do("sign up",
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(css("#handle"), "admin"),
		waitJS("the reserved word refused", `document.getElementById("handle-status").textContent.includes("reserved")`, 10*time.Second),
		clear("#handle"),
		chromedp.SendKeys(css("#handle"), journeyShop),
		waitJS("the handle available", `document.getElementById("handle-status").textContent.includes("is available")`, 10*time.Second),
		chromedp.SendKeys(css("#displayName"), "Journey Shop"),
	)
	shot("01-signup")
	do("create the shop", chromedp.Submit(css("#handle")), notice("Your shop is ready"))

	// Profile with an avatar, socials and an accent colour.
	do("profile",
		chromedp.Navigate(base+"/dashboard/profile"),
		chromedp.SendKeys(css("#bio"), "Finds under €20, new every Friday."),
		chromedp.SendKeys(css("#s-instagram"), "https://instagram.com/Journey.Shop/"),
		chromedp.SendKeys(css("#s-tiktok"), "@journey.shop"),
		chromedp.SendKeys(css("#accentColor"), "#ffcc00"),
		waitJS("the contrast warning", `document.getElementById("accentColor-live").textContent.includes("Too light")`, 5*time.Second),
		clear("#accentColor"),
		chromedp.SendKeys(css("#accentColor"), "#0b5d1e"),
		chromedp.SetUploadFiles(css("#avatar"), []string{files.avatar}),
		waitJS("the avatar preview", `document.getElementById("pv-avatar").src.startsWith("data:image/")`, 5*time.Second),
	)
	shot("02-profile-preview")
	do("save the profile", chromedp.Submit(css("#displayName")), notice("Profile saved"))
	seller := func() catalog.Seller {
		st := openStore(t, dir)
		defer st.Close()
		s, err := st.GetSeller(context.Background(), journeyShop)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := seller(); s.Avatar == nil || s.Socials.Instagram != "journey.shop" || s.AccentColor != "#0b5d1e" || s.Bio == "" {
		t.Fatalf("profile not stored: %+v", s)
	}

	// Two links, one of them scheduled.
	from := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")
	until := time.Now().UTC().Add(48 * time.Hour).Format("2006-01-02T15:04")
	do("links",
		chromedp.Navigate(base+"/dashboard/links"),
		chromedp.SendKeys(css("#ltitle"), "My whole store"),
		chromedp.SendKeys(css("#lurl"), "shop.example.com"),
		chromedp.Submit(css("#ltitle")),
		notice("Link saved"),
		chromedp.SendKeys(css("#ltitle"), "Friday giveaway"),
		chromedp.SendKeys(css("#lurl"), "https://giveaway.example.com/friday"),
		chromedp.SetValue(css("#startsAt"), from),
		chromedp.SetValue(css("#endsAt"), until),
		chromedp.SetUploadFiles(css("#limage"), []string{files.avatar}),
		chromedp.Submit(css("#ltitle")),
		notice("Link saved"),
		waitJS("the schedule", `document.body.innerText.includes("Shows until")`, 5*time.Second),
	)
	shot("03-links")

	// A video by URL with a caption: without Apify or an oEmbed cover its
	// media cannot be found, and it fails with a reason in plain words.
	const postURL = "https://www.tiktok.com/@journey.shop/video/" + journeyVideoID
	do("video by URL",
		chromedp.Navigate(base+"/dashboard/videos"),
		chromedp.SendKeys(css("#videoUrl"), postURL),
		chromedp.SendKeys(css("#caption"), "Speckled mug $19.99 👉 shop.example.com/mug"),
		chromedp.Submit(css("#videoUrl")),
		notice("Video added"),
	)
	// A video by file upload: an H.264 clip at a phone's size.
	do("video upload",
		chromedp.SendKeys(css("#caption"), "Linen lamp €45,99 shop.example.com/lamp"),
		chromedp.SetUploadFiles(css("#file"), []string{files.video}),
		chromedp.Submit(css("#caption")),
		notice("Video added"),
	)
	shot("04-videos-added")
	// Watch the statuses: the page updates itself until both are done.
	do("statuses",
		waitJS("one ready and one failed", `document.querySelectorAll(".s-ready").length===1 && document.querySelectorAll(".s-failed").length===1 && !document.querySelector("[data-pending]")`, 60*time.Second),
		waitJS("the reason in plain words", `document.body.innerText.includes("could not get this post's video or pictures")`, 5*time.Second),
	)
	shot("05-statuses")
	// Retry the failed one, then give the post its file.
	do("retry",
		chromedp.Click(css(`#video-`+journeyVideoID+` button[type=submit]`)),
		notice("Started again"),
		chromedp.SetValue(css("#videoUrl"), postURL),
		chromedp.SetUploadFiles(css("#file"), []string{files.video}),
		chromedp.Submit(css("#videoUrl")),
		notice("Video added"),
		waitJS("both ready", `document.querySelectorAll(".s-ready").length===2 && !document.querySelector("[data-pending]")`, 60*time.Second),
	)
	shot("06-retried")

	// A product by hand with a picture and a price typed the European way;
	// a former price below the price is refused next to its field.
	do("hand-made product",
		chromedp.Navigate(base+"/dashboard/products/new"),
		chromedp.SendKeys(css("#title"), "Hand-poured candle"),
		chromedp.SendKeys(css("#price"), "45,99"),
		chromedp.SendKeys(css("#compareAt"), "39,00"),
		chromedp.SendKeys(css("#currency"), "EUR"),
		chromedp.SendKeys(css("#buyUrl"), "https://shop.example.com/candle"),
		chromedp.SetUploadFiles(css("#image"), []string{files.product}),
		chromedp.Submit(css("#title")),
		chromedp.WaitVisible(css("#compareAt-err")),
		clear("#compareAt"),
		chromedp.SetUploadFiles(css("#image"), []string{files.product}),
		chromedp.Submit(css("#title")),
		notice("Product added"),
	)
	shot("07-products")

	// Drag the last product to the top by its handle.
	ids := `Array.from(document.querySelectorAll("ol.rows li[data-id]")).map(li=>li.dataset.id).join(",")`
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](ids))
	if err != nil {
		t.Fatal(err)
	}
	do("drag reorder",
		chromedp.DragAndDrop(css("ol.rows li:last-child .grip"), css("ol.rows li:first-child .grip")),
		waitJS("the order saved", `document.querySelector("ol.rows").hasAttribute("data-saved")`, 10*time.Second),
	)
	after, err := chromedp.Run(ctx, chromedp.Evaluate[string](ids))
	if err != nil {
		t.Fatal(err)
	}
	shot("08-reordered")
	b, a := strings.Split(before, ","), strings.Split(after, ",")
	if len(b) != 3 || len(a) != 3 || a[0] != b[2] {
		t.Fatalf("drag: before %v after %v", b, a)
	}
	var shop struct {
		Seller struct {
			DisplayName, AvatarURL, AccentColor string
			Socials                             []struct{ Network string }
		}
		Links    []struct{ Title string }
		Products []struct {
			ID, Title string
			Price     struct{ Minor int64 }
		}
	}
	if code := getJSON(t, base+"/api/shops/"+journeyShop, &shop); code != 200 {
		t.Fatalf("the shop API: %d", code)
	}
	if len(shop.Products) != 3 || shop.Products[0].ID != a[0] || len(shop.Links) != 2 || shop.Seller.AccentColor != "#0b5d1e" ||
		shop.Seller.AvatarURL == "" || len(shop.Seller.Socials) != 2 {
		t.Fatalf("the shop: %+v", shop)
	}
	for _, p := range shop.Products {
		if p.Title == "Hand-poured candle" && p.Price.Minor != 4599 {
			t.Fatalf("45,99 EUR was stored as %d", p.Price.Minor)
		}
	}

	// The shop shows profile, links and products.
	do("shop",
		chromedp.Navigate(base+"/s/"+journeyShop),
		chromedp.WaitVisible(css("nav.links")),
		waitJS("profile, links and products", `document.querySelector("h1").textContent==="Journey Shop" && document.querySelector("nav.links").innerText.includes("Friday giveaway") && document.querySelector("main").innerText.includes("Hand-poured candle") && document.querySelector(".socials").innerText.includes("Instagram")`, 5*time.Second),
	)
	shot("09-shop")

	// Sign out: the dashboard asks to sign in again.
	do("sign out",
		chromedp.Navigate(base+"/dashboard"),
		chromedp.Click(css(`form[action="/logout"] button`)),
		waitJS("the signed-out page", `document.body.innerText.includes("You are signed out")`, 10*time.Second),
	)
	shot("10-signed-out")
	do("the dashboard after signing out", chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(css("#handle")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/login") {
		t.Fatalf("after signing out the dashboard is at %s (%v)", loc, err)
	}
	st := openStore(t, dir)
	defer st.Close()
	v, err := st.GetVideo(context.Background(), journeyVideoID)
	if err != nil || v.Status != catalog.VideoReady || v.Attempts != 3 || v.MediaSource != catalog.MediaFromUpload {
		t.Fatalf("the retried post: %+v %v", v, err)
	}
	t.Logf("journey walked in %s; screenshots in %s", time.Since(started).Round(time.Millisecond), art)
}

// journeyFiles are the uploads of the journey, made in the test set-up.
type uploads struct{ avatar, product, video string }

func journeyFiles(t *testing.T) uploads {
	t.Helper()
	dir := t.TempDir()
	img := func(name string, w, h int, c color.RGBA) string {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				m.SetRGBA(x, y, color.RGBA{R: c.R, G: uint8(int(c.G) + x%40), B: c.B, A: 255})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	video := filepath.Join(dir, "lamp.mp4")
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=30:duration=3",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", video)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg (scripts/apt-packages.txt): %v\n%s", err, b)
	}
	return uploads{avatar: img("avatar.jpg", 900, 700, color.RGBA{R: 200, G: 60, B: 90}), product: img("candle.jpg", 800, 800, color.RGBA{R: 240, G: 180, B: 60}), video: video}
}

// browser starts a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-features", "Translate,HttpsUpgrades"), chromedp.WindowSize(1100, 900), chromedp.UserDataDir(t.TempDir()))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 8*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// artifacts is the repository's test-artifacts directory (gitignored).
func artifacts(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the test")
		}
		dir = parent
	}
	out := filepath.Join(dir, "test-artifacts")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

func openStore(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
