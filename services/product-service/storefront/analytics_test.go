package storefront_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/services/product-service/storefront"
)

func TestPageViewsCountLikeClicks(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	view := func(body string, headers ...string) (*http.Response, []byte) {
		return r.req(http.MethodPost, "/api/views", strings.NewReader(body), append([]string{"Content-Type", "application/json"}, headers...)...)
	}
	// Bad input: a clear 400 naming the field; an unknown shop is 404.
	for body, want := range map[string]string{
		`{"handle":"Not A Handle"}`:                 `"message":"handle: `,
		`{"handle":"bella.shop","videoId":"../x"}`:  `"message":"videoId: `,
		`{"handle":"bella.shop","extra":1}`:         `extra`,
		`{"handle":`:                                `"code":"invalid"`,
		`{"handle":"bella.shop","videoId":"12345"}`: ``,
	} {
		resp, b := view(body)
		if want == "" {
			wantStatus(t, resp, b, http.StatusNoContent)
			continue
		}
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(b, []byte(want)) {
			t.Fatalf("%s: %d %s (want 400 with %s)", body, resp.StatusCode, b, want)
		}
	}
	resp, b := view(`{"handle":"nobody.here"}`)
	wantStatus(t, resp, b, http.StatusNotFound)

	// Bots and prefetches are answered alike but not counted.
	for _, h := range [][]string{{"User-Agent", "Googlebot/2.1"}, {"User-Agent", "Mozilla/5.0 HeadlessChrome/120"}, {"User-Agent", ""}, {"Sec-Purpose", "prefetch;prerender"}} {
		resp, b := view(`{"handle":"bella.shop"}`, h...)
		wantStatus(t, resp, b, http.StatusNoContent)
	}
	// A shopper's view counts once per page; another shopper's counts too.
	for range 3 {
		resp, b := view(`{"handle":"bella.shop"}`)
		wantStatus(t, resp, b, http.StatusNoContent)
	}
	resp, b = view(`{"handle":"bella.shop"}`, "User-Agent", mobileUA+" other")
	wantStatus(t, resp, b, http.StatusNoContent)
	if got := r.views(bella); got[""] != 2 || got["12345"] != 1 {
		t.Fatalf("views %v, want the shop twice and video 12345 once", got)
	}
	if n := r.metrics.Snapshot().Total(metrics.PageViews, nil); n != 3 {
		t.Fatalf("PageViews metric %v, want 3", n)
	}
}

func TestClickReportHasViewsAndCTR(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	mug := pid(vidMugs, 0)
	now := time.Now().UTC()
	ctx := context.Background()
	for i := range 4 {
		if err := r.store.RecordView(ctx, catalog.View{Seller: bella, At: now.Add(-time.Duration(i) * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.store.RecordClick(ctx, catalog.Click{ProductID: mug, Seller: bella, At: now}); err != nil {
		t.Fatal(err)
	}
	resp, body := r.jsonReq(http.MethodGet, "/api/seller/clicks?days=7", tokBella, "")
	wantStatus(t, resp, body, 200)
	rep := decode[storefront.ClickReport](t, body)
	if rep.Views != 4 || len(rep.ViewDays) != 7 || rep.ViewDays[6].Count != 1 || rep.CTR == nil || *rep.CTR != 0.25 {
		t.Fatalf("report: views %d, days %v, ctr %v", rep.Views, rep.ViewDays, rep.CTR)
	}
	if len(rep.Products) != 1 || rep.Products[0].CTR == nil || *rep.Products[0].CTR != 0.25 {
		t.Fatalf("products: %+v", rep.Products)
	}
	// No views: the rate is null, not zero.
	resp, body = r.jsonReq(http.MethodGet, "/api/seller/clicks?days=7&seller="+other, tokAdmin, "")
	wantStatus(t, resp, body, 200)
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || raw["ctr"] != nil || raw["views"] != 0.0 {
		t.Fatalf("no views: %s", body)
	}
	for _, bad := range []string{"0", "91", "x", "7.5"} {
		resp, body := r.jsonReq(http.MethodGet, "/api/seller/clicks?days="+bad, tokBella, "")
		if resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"message":"days: `)) {
			t.Fatalf("days=%s: %d %s", bad, resp.StatusCode, body)
		}
	}
}

func TestDashboardRangesAndProductChart(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	mug := pid(vidMugs, 0)
	ctx := context.Background()
	if err := r.store.RecordView(ctx, catalog.View{Seller: bella, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{mug, mug, pid(vidMugs, 1)} {
		if err := r.store.RecordClick(ctx, catalog.Click{ProductID: id, Seller: bella, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := r.get("/dashboard?days=7", cookie(tokBella)...)
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `Last 7 days: <span id="clicks-total">3</span> clicks, <span id="views-total">1</span> page views, <span id="ctr">300.0%</span>`,
		`<a href="/dashboard?days=7#clicks-h" aria-current="page">7 days</a>`, `<a href="/dashboard?days=90#clicks-h">90 days</a>`,
		`<figcaption>Clicks per day,`, `at most 3 on one day</figcaption><p class="peak" aria-hidden="true">3</p>`,
		`href="?days=7&amp;product=`+mug+`#clicks-h"`)
	// One product's chart.
	resp, body = r.get("/dashboard?days=30&product="+mug, cookie(tokBella)...)
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `<figcaption>Clicks on “Speckled ceramic mug” per day,`, `: 2 in total, at most 2 on one day`, `Show every product`)
	// An unknown product shows the shop's chart.
	resp, body = r.get("/dashboard?product=nope", cookie(tokBella)...)
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `<figcaption>Clicks per day,`)
	// Only the offered ranges.
	for _, bad := range []string{"14", "0", "abc", "-7"} {
		resp, body := r.get("/dashboard?days="+bad, cookie(tokBella)...)
		if resp.StatusCode != 400 || !bytes.Contains(body, []byte("days: must be 7, 30 or 90")) {
			t.Fatalf("days=%s: %d %s", bad, resp.StatusCode, truncate(body))
		}
	}
	// At zero the chart claims no scale.
	resp, body = r.get("/dashboard?seller="+other, cookie(tokAdmin)...)
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `Nothing counted in these 30 days.`)
	mustNotContain(t, body, `class="peak"`, `<rect class="bar"`)
}

func TestLandingIconsAndManifest(t *testing.T) {
	r := newRig(t, time.Time{})
	resp, body := r.get("/")
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `<h1>buylink</h1>`, `href="/dashboard"`, `<link rel="icon" href="/favicon.ico"`)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "manifest-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	resp, body = r.get("/favicon.ico")
	wantStatus(t, resp, body, 200)
	if resp.Header.Get("Content-Type") != "image/x-icon" || !bytes.HasPrefix(body, []byte{0, 0, 1, 0, 1, 0, 32, 32}) || !bytes.Contains(body, []byte("\x89PNG")) {
		t.Fatalf("favicon: %s %x", resp.Header.Get("Content-Type"), body[:min(len(body), 16)])
	}
	for _, p := range []string{"/apple-touch-icon.png", "/icon-192.png", "/icon-512.png"} {
		resp, body = r.get(p)
		wantStatus(t, resp, body, 200)
		if resp.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(body, []byte("\x89PNG")) {
			t.Fatalf("%s: %s", p, resp.Header.Get("Content-Type"))
		}
	}
	resp, body = r.get("/manifest.webmanifest")
	wantStatus(t, resp, body, 200)
	var m struct {
		Icons []struct{ Src, Sizes string }
	}
	if err := json.Unmarshal(body, &m); err != nil || len(m.Icons) != 2 || m.Icons[1].Sizes != "512x512" {
		t.Fatalf("manifest %s: %v", body, err)
	}
}
