package storefront_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/metrics"
)

// views counts the seller's page views stored today, by page ("" = shop).
func (r *rig) views(seller string) map[string]int64 {
	r.t.Helper()
	rows, err := r.store.DailyViews(context.Background(), seller, time.Now().Add(-48*time.Hour), time.Now().Add(48*time.Hour))
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, row := range rows {
		out[row.Page] += row.Count
	}
	return out
}

// TestBrowserFirstScreenViewsAndClicksCountOnce opens a shop as TikTok's
// in-app browser on a 390x844 phone: the first product shows on the first
// screen with the hint shown, the hint can be dismissed for good, a page view
// is counted once, and a click repeated by the same shopper counts once.
func TestBrowserFirstScreenViewsAndClicksCountOnce(t *testing.T) {
	r, merchant, ms, mug := shopWithMerchant(t)
	// A seller with a bio and two plain links, as most link-in-bio shops have.
	if _, err := r.store.UpdateSeller(context.Background(), bella, func(s *catalog.Seller) error {
		s.Bio = "Kitchen finds under $30, tested on camera."
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"My Amazon storefront", "Newsletter"} {
		if _, err := r.store.PutLink(context.Background(), catalog.NewLinkID(), func(l *catalog.Link, _ bool) error {
			l.Seller, l.Title, l.URL, l.CreatedAt = bella, title, "https://example.com/"+title[:2], time.Now()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := browser(t, ms)
	do(t, ctx, "a 390x844 phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile))
	if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: tiktokUA}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open the shop in TikTok", chromedp.Navigate(r.base+"/s/"+bella), chromedp.WaitVisible(chromedp.ID("inapp")))
	if h := eval[int](t, ctx, `innerHeight`); h != 844 {
		t.Fatalf("viewport height %d", h)
	}
	// The first card's picture and title are on the first screen, below the hint.
	top := eval[float64](t, ctx, `document.querySelector("article.card").getBoundingClientRect().top`)
	title := eval[float64](t, ctx, `document.querySelector("article.card h2").getBoundingClientRect().bottom`)
	hint := eval[float64](t, ctx, `document.getElementById("inapp").getBoundingClientRect().bottom`)
	if hint <= 0 || top < hint || title > 844 {
		t.Fatalf("first card from %.0f (title ends at %.0f), hint ends at %.0f: not on the first 844px", top, title, hint)
	}
	// Categories are one row that scrolls sideways, not wrapped lines.
	if !eval[bool](t, ctx, `(() => { const u = document.querySelector(".cats ul"); return getComputedStyle(u).flexWrap === "nowrap" && getComputedStyle(u).overflowX === "auto" })()`) {
		t.Fatal("the category row wraps or does not scroll")
	}
	screenshot(t, ctx, "first-screen-tiktok.png")

	// The view is counted once; a reload by the same shopper is not counted again.
	r.waitMetric(metrics.PageViews, 1)
	do(t, ctx, "dismiss the hint", chromedp.Click(chromedp.ID("inapp-close")))
	do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("article.card")))
	if !eval[bool](t, ctx, `document.getElementById("inapp").hidden`) {
		t.Fatal("the dismissed hint came back")
	}
	// A "shop this video" page is another page: counted too.
	do(t, ctx, "open the video page", chromedp.Click(chromedp.CSS(`a.vid[href="/s/`+bella+`/v/`+vidMugs+`"]`)), chromedp.WaitVisible(chromedp.CSS("main[data-video]")))
	r.waitMetric(metrics.PageViews, 2)
	if got := r.views(bella); got[""] != 1 || got[vidMugs] != 1 || len(got) != 2 {
		t.Fatalf("stored views %v, want the shop once and the video page once", got)
	}

	// The same shopper buys twice: two redirects, one click counted.
	for i := range 2 {
		do(t, ctx, "back to the shop", chromedp.Navigate(r.base+"/s/"+bella), chromedp.WaitVisible(chromedp.CSS("article.card")))
		do(t, ctx, "buy", chromedp.Click(chromedp.CSS(`a.buy[href="/r/`+mug+`"]`)), chromedp.WaitVisible(chromedp.ID("merchant")))
		if n := len(merchant.seen()); n != i+1 {
			t.Fatalf("the merchant saw %d visits after %d clicks", n, i+1)
		}
	}
	ctxClose, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Close(ctxClose); err != nil {
		t.Fatal(err)
	}
	r.waitClicks(bella, 1)
	if n := r.metrics.Snapshot().Total(metrics.Clicks, nil); n != 1 {
		t.Fatalf("Clicks metric %v after a repeated click, want 1", n)
	}
	if n := r.metrics.Snapshot().Total(metrics.PageViews, nil); n != 2 {
		t.Fatalf("PageViews metric %v, want 2 (reloads are repeats)", n)
	}
}

// waitMetric waits until the storefront's metric reaches n.
func (r *rig) waitMetric(name string, n float64) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.metrics.Snapshot().Total(name, nil) < n {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s stayed at %v, want %v", name, r.metrics.Snapshot().Total(name, nil), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
