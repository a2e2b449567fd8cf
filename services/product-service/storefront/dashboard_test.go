package storefront_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/services/product-service/storefront"
)

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func cookie(token string) []string { return []string{"Cookie", storefront.TokenCookie + "=" + token} }

// form posts a form with the session cookie.
func (r *rig) form(path, token string, values url.Values) (*http.Response, []byte) {
	r.t.Helper()
	return r.req(http.MethodPost, path, strings.NewReader(values.Encode()),
		append(cookie(token), "Content-Type", "application/x-www-form-urlencoded")...)
}

// csrf reads the CSRF token of a dashboard page.
func (r *rig) csrf(token string) string {
	r.t.Helper()
	resp, body := r.get("/dashboard", cookie(token)...)
	wantStatus(r.t, resp, body, 200)
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		r.t.Fatal("the dashboard has no CSRF token")
	}
	return string(m[1])
}

func TestDashboardSendsSignedOutBrowsersToLogin(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	resp, _ := r.get("/dashboard/products/" + pid(vidMugs, 0))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loginURL+"?next=%2Fdashboard%2Fproducts%2F"+pid(vidMugs, 0) {
		t.Fatalf("no token: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = r.get("/dashboard", cookie("expired")...)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), loginURL+"?next=") ||
		!strings.Contains(resp.Header.Get("Set-Cookie"), storefront.TokenCookie+"=;") {
		t.Fatalf("bad token: %d %q %q", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Set-Cookie"))
	}
	resp, _ = r.form("/dashboard/products/"+pid(vidMugs, 0)+"/hide", "", url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loginURL+"?next=%2Fdashboard" {
		t.Fatalf("signed-out POST: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = r.get("/dashboard", cookie(tokNobody)...)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard/claim" {
		t.Fatalf("account without a seller: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := r.get("/dashboard/claim", cookie(tokNobody)...)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`action="/api/sellers"`)) || !bytes.Contains(body, []byte(`data-check="/api/handles/"`)) {
		t.Fatalf("claim page: %d %s", resp.StatusCode, truncate(body))
	}
	if resp, _ := r.get("/dashboard/claim", cookie(tokBella)...); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim page of a seller: %d", resp.StatusCode)
	}
}

func TestDashboardShowsProductsClicksAndQRCode(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	if err := r.store.RecordClick(context.Background(), catalog.Click{ProductID: pid(vidMugs, 0), Seller: bella, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, h := range [][]string{cookie(tokBella), {"Authorization", "Bearer " + tokBella}} {
		resp, body := r.get("/dashboard", h...)
		wantStatus(t, resp, body, 200)
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("the dashboard must not be cached: %q", resp.Header.Get("Cache-Control"))
		}
		mustContain(t, body, "Speckled ceramic mug", "Matcha whisk set", `<span id="clicks-total">1</span>`,
			`<figure class="chart" id="clicks-chart"><figcaption>Clicks per day,`, `<rect class="bar"`,
			// No views: the views chart says so, with no made-up scale.
			`<figure class="chart" id="views-chart"><figcaption>Page views per day,`, `Nothing counted in these 30 days.`,
			`role="img" aria-labelledby="qr-title"`, `<code id="shop-url">`+r.base+`/s/bella.shop</code>`,
			`data-product="`+pid(vidMugs, 0)+`">1</td>`)
		mustNotContain(t, body, "Other seller&#39;s lamp")
	}
	// An admin sees another seller's dashboard on request.
	resp, body := r.get("/dashboard?seller="+other, cookie(tokAdmin)...)
	wantStatus(t, resp, body, 200)
	mustContain(t, body, "Other seller&#39;s lamp", `action="/dashboard/products/`+pid(vidOther, 0)+`/hide?seller=other.shop"`)
	resp, _ = r.get("/dashboard?seller="+other, cookie(tokBella)...)
	if resp.StatusCode != 404 {
		t.Fatalf("a seller opening another's dashboard: %d", resp.StatusCode)
	}
}

func TestDashboardEditsNeedCSRFAndShowOnTheShop(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	mug := pid(vidMugs, 0)
	resp, body := r.get("/dashboard/products/"+mug, cookie(tokBella)...)
	wantStatus(t, resp, body, 200)
	mustContain(t, body, `name="title" value="Speckled ceramic mug"`, `name="price" value="19.99"`, `name="currency" value="USD"`,
		`name="tags" value="mug, kitchen"`, `<option value="published" selected>`)
	csrf := csrfRE.FindSubmatch(body)[1]
	good := url.Values{"title": {"Mug, now in blue"}, "price": {"17.50"}, "compareAt": {"25.99"}, "currency": {"USD"},
		"buyUrl": {"https://shop.example.com/mug?ref=bella"}, "discountCode": {"BELLA15"}, "offerEndsAt": {"2025-07-02T00:00"},
		"category": {"kitchen/drinkware"}, "tags": {"mug, kitchen"}, "status": {"published"}}

	resp, body = r.form("/dashboard/products/"+mug, tokBella, good)
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("reload the page")) {
		t.Fatalf("no CSRF token: %d", resp.StatusCode)
	}
	good.Set("csrf", "forged")
	if resp, _ := r.form("/dashboard/products/"+mug, tokBella, good); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged CSRF token: %d", resp.StatusCode)
	}
	// Another session's token does not fit this one.
	good.Set("csrf", r.csrf(tokOther))
	if resp, _ := r.form("/dashboard/products/"+mug, tokBella, good); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("another session's CSRF token: %d", resp.StatusCode)
	}

	bad := url.Values{}
	for k, v := range good {
		bad[k] = v
	}
	bad.Set("csrf", string(csrf))
	bad.Set("buyUrl", "javascript:alert(1)")
	resp, body = r.form("/dashboard/products/"+mug, tokBella, bad)
	wantStatus(t, resp, body, http.StatusBadRequest)
	mustContain(t, body, `aria-describedby="buyUrl-err"`, `<span class="err" id="buyUrl-err">Must be an http or https URL (got scheme &#34;javascript&#34;)</span>`,
		`name="title" value="Mug, now in blue"`)
	bad.Set("buyUrl", "https://shop.example.com/x")
	bad.Set("price", "17.505")
	resp, body = r.form("/dashboard/products/"+mug, tokBella, bad)
	wantStatus(t, resp, body, http.StatusBadRequest)
	mustContain(t, body, "17.505&#34; is ambiguous")

	good.Set("csrf", string(csrf))
	resp, _ = r.form("/dashboard/products/"+mug, tokBella, good)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard?done=saved#row-"+mug {
		t.Fatalf("save: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	p, err := r.store.GetProduct(context.Background(), mug)
	if err != nil || p.Title != "Mug, now in blue" || *p.PriceMinor != 1750 {
		t.Fatalf("saved: %+v %v", p, err)
	}
	// Only what changed is the seller's now; the rest still follows the pipeline.
	if strings.Join(p.Edited, ",") != "title,priceMinor" {
		t.Fatalf("edited fields: %v", p.Edited)
	}
	_, page := r.get("/s/" + bella)
	// The mug's offer has ended: its regular price shows, not the new sale price.
	mustContain(t, page, "Mug, now in blue", `<span class="now">$25.99</span></p>`)
	mustNotContain(t, page, "$17.50")
}

func TestDashboardActions(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	csrf := r.csrf(tokBella)
	act := func(id, action string) {
		t.Helper()
		resp, body := r.form("/dashboard/products/"+id+"/"+action, tokBella, url.Values{"csrf": {csrf}, "confirm": {"yes"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s %s: %d %s", action, id, resp.StatusCode, truncate(body))
		}
	}
	order := func() string {
		t.Helper()
		_, body := r.get("/api/shops/" + bella)
		var ids []string
		for _, p := range decode[storefront.Shop](t, body).Products {
			for v, vid := range map[string]string{"B": vidBottle, "M": vidMugs} {
				for i := range 2 {
					if p.ID == pid(vid, i) {
						ids = append(ids, v+string(rune('0'+i)))
					}
				}
			}
		}
		return strings.Join(ids, " ")
	}
	if got := order(); got != "B0 B1 M0 M1" && got != "B1 B0 M0 M1" && got != "B0 B1 M1 M0" && got != "B1 B0 M1 M0" {
		t.Fatalf("initial order %q", got)
	}
	start := order()
	last := strings.Fields(start)[3]
	lastID := map[string]string{"M0": pid(vidMugs, 0), "M1": pid(vidMugs, 1)}[last]
	act(lastID, "up")
	if got := strings.Fields(order()); got[2] != last {
		t.Fatalf("after moving %s up: %v", last, got)
	}
	act(lastID, "pin")
	if got := strings.Fields(order()); got[0] != last {
		t.Fatalf("after pinning %s: %v", last, got)
	}
	act(pid(vidBottle, 0), "hide")
	if strings.Contains(order(), "B0") {
		t.Fatal("a hidden product is still in the shop")
	}
	act(pid(vidBottle, 0), "publish")
	act(pid(vidBottle, 1), "delete")
	if got := order(); strings.Contains(got, "B1") || !strings.Contains(got, "B0") {
		t.Fatalf("after publish and delete: %q", got)
	}
	resp, body := r.form("/dashboard/products/"+pid(vidOther, 0)+"/hide", tokBella, url.Values{"csrf": {csrf}})
	if resp.StatusCode != 404 {
		t.Fatalf("hiding another seller's product: %d %s", resp.StatusCode, truncate(body))
	}
	resp, _ = r.form("/dashboard/products/"+pid(vidMugs, 0)+"/explode", tokBella, url.Values{"csrf": {csrf}})
	if resp.StatusCode != 404 {
		t.Fatalf("unknown action: %d", resp.StatusCode)
	}
}
