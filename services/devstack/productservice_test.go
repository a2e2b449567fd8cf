package devstack

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// shopProduct is the part of a public product the tests read.
type shopProduct struct {
	Title string `json:"title"`
	Price *struct {
		Text string `json:"text"`
	} `json:"price"`
	Images   []struct{ URL string } `json:"images"`
	ClickURL string                 `json:"clickUrl"`
	VideoID  string                 `json:"videoId"`
}

// demoVideos is the number of bundled demo posts (demo/videos.json).
const demoVideos = 4

// waitForDemoShop polls the shop API until every demo video has products
// and every product has an image.
func waitForDemoShop(t *testing.T, base string) []shopProduct {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, body := get(t, base+"/api/shops/"+DemoSeller+"?limit=100")
		var shop struct{ Products []shopProduct }
		if code == 200 && json.Unmarshal([]byte(body), &shop) == nil {
			videos, withImages := map[string]bool{}, 0
			for _, p := range shop.Products {
				videos[p.VideoID] = true
				if len(p.Images) > 0 {
					withImages++
				}
			}
			if len(videos) == demoVideos && withImages == len(shop.Products) {
				return shop.Products
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo shop did not fill within 90s: %d %s", code, body)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestDevstackProjectsTheDemoShop runs the bundled demo posts through the
// real pipeline (caption parser, thumbnail generator, product projector) and
// reads the shop, the seller API and the dashboard back.
func TestDevstackProjectsTheDemoShop(t *testing.T) {
	base, out, _ := start(t, t.TempDir())
	products := waitForDemoShop(t, base)
	var chopper *shopProduct
	for i, p := range products {
		if strings.Contains(strings.ToLower(p.Title), "mini chopper") {
			chopper = &products[i]
		}
	}
	if chopper == nil || chopper.Price == nil || chopper.Price.Text != "$19.99" || chopper.ClickURL == "" {
		t.Fatalf("demo products: %+v", products)
	}
	if code, _ := get(t, chopper.Images[0].URL); code != 200 {
		t.Fatalf("thumbnail %s: %d", chopper.Images[0].URL, code)
	}
	code, page := get(t, base+"/s/"+DemoSeller)
	if code != 200 || strings.Count(page, `<article class="card"`) != len(products) {
		t.Fatalf("shop page: %d, %d cards for %d products", code, strings.Count(page, `<article class="card"`), len(products))
	}
	for _, s := range []string{"/s/demo", "/dashboard", "consumes caption.parsed, thumbnails.generated, product.tagged"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the start-up summary does not mention %q:\n%s", s, out.String())
		}
	}

	// The seller endpoints take the local issuer's tokens.
	if code, _ := call(t, "GET", base+"/api/seller/products", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("seller API without a token: %d", code)
	}
	token := devLogin(t, base, `{"handle":"demo"}`)
	code, body := call(t, "GET", base+"/api/seller/products?limit=100", token, "")
	var list struct{ Items []json.RawMessage }
	if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Items) != len(products) {
		t.Fatalf("seller products: %d %s", code, body)
	}
	code, body = call(t, "GET", base+"/dashboard", "", "", "Cookie", "buylink_token="+token)
	if code != 200 || !strings.Contains(string(body), "Last 30 days: <span id=\"clicks-total\">") {
		t.Fatalf("dashboard: %d", code)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed-out dashboard: %d", resp.StatusCode)
	}

	// A browser signs in through the devstack's /login form.
	login := resp.Header.Get("Location")
	if code, form := get(t, base+login); code != 200 || !strings.Contains(form, `name="handle"`) {
		t.Fatalf("login form at %s: %d", login, code)
	}
	resp, err = client.PostForm(base+"/login", url.Values{"handle": {DemoSeller}, "next": {"/dashboard"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "buylink_token" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard" || session == nil {
		t.Fatalf("sign-in: %d %v", resp.StatusCode, resp.Header)
	}
	code, body = call(t, "GET", base+"/dashboard", "", "", "Cookie", "buylink_token="+session.Value)
	if code != 200 || !strings.Contains(string(body), "Last 30 days: <span id=\"clicks-total\">") {
		t.Fatalf("dashboard after signing in: %d", code)
	}

	// Every demo video goes all the way through the pipeline.
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := call(t, "GET", base+"/api/videos?seller="+DemoSeller+"&limit=100", token, "")
		var vids struct {
			Items []struct {
				ID, Status, FailureReason string
				Thumbnails                []struct{ Key string }
			} `json:"videos"`
		}
		if code != 200 || json.Unmarshal(body, &vids) != nil || len(vids.Items) == 0 {
			t.Fatalf("demo videos: %d %s", code, body)
		}
		ready := 0
		for _, v := range vids.Items {
			if v.Status == "failed" {
				t.Fatalf("demo video %s failed: %s", v.ID, v.FailureReason)
			}
			if v.Status == "ready" {
				ready++
			}
		}
		if ready == len(vids.Items) {
			// Each demo clip has five distinct shots: five thumbnails,
			// served through the media URL.
			for _, v := range vids.Items {
				if len(v.Thumbnails) != 5 {
					t.Fatalf("demo video %s has %d thumbnails, want 5", v.ID, len(v.Thumbnails))
				}
				for _, th := range v.Thumbnails {
					if code, img := get(t, base+"/media/"+th.Key); code != 200 || !strings.HasPrefix(img, "\xff\xd8") {
						t.Fatalf("thumbnail %s: %d", th.Key, code)
					}
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo videos not ready after 60s: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
