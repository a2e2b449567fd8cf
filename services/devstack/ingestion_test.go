package devstack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/tiktok/apifytest"
)

// call sends a JSON request to the stack and returns the status and body.
func call(t *testing.T, method, url, token, body string, headers ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// devLogin returns a token of the dev login for the body.
func devLogin(t *testing.T, base, body string) string {
	t.Helper()
	code, b := call(t, "POST", base+"/auth/dev/login", "", body)
	var tok struct{ Token string }
	if err := json.Unmarshal(b, &tok); code != 200 || err != nil || tok.Token == "" {
		t.Fatalf("dev login %s: %d %s", body, code, b)
	}
	return tok.Token
}

// subscribe opens a subscription to the stack's topic of an event type.
func subscribe(t *testing.T, st *Stack, eventType string) *pubsub.Subscription {
	t.Helper()
	sub, err := pubsub.OpenSubscription(t.Context(), st.topicPrefix+eventType)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Shutdown(context.Background()) })
	return sub
}

func receive(t *testing.T, sub *pubsub.Subscription) events.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	msg, err := sub.Receive(ctx)
	if err != nil {
		t.Fatalf("no event: %v", err)
	}
	msg.Ack()
	env, err := events.Parse(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestDevstackAcceptsAVideoAndPublishesVideoPosted(t *testing.T) {
	stacks := make(chan *Stack, 1)
	base, out, _ := start(t, t.TempDir(), func(c *Config) { c.started = func(st *Stack) { stacks <- st } })
	posted := subscribe(t, <-stacks, events.TypeVideoPosted)
	if s := out.String(); !strings.Contains(s, "scheduled ingestion off: APIFY_TOKEN is not set") || !strings.Contains(s, "/api/videos") ||
		!strings.Contains(s, "/auth/dev/login") || !strings.Contains(s, "admin login off") {
		t.Fatalf("start-up summary: %s", s)
	}

	token := devLogin(t, base, `{"handle":"demo"}`)
	body := `{"video_url":"https://www.tiktok.com/@demo/video/7524354452762037512?is_from_webapp=1",` +
		`"seller_handle":"demo","caption":"Linen shirt $29.99 👉 shop.example.com/linen","media_url":"https://cdn.example.com/v/linen.mp4"}`
	code, b := call(t, "POST", base+"/api/videos", token, body, "X-Correlation-ID", "devstack-test-1")
	if code != http.StatusAccepted {
		t.Fatalf("post video: %d %s", code, b)
	}

	env := receive(t, posted)
	var p events.VideoPosted
	if err := events.Decode(env, &p); err != nil {
		t.Fatal(err)
	}
	if env.VideoID != "7524354452762037512" || env.Seller != DemoSeller || env.CorrelationID != "devstack-test-1" ||
		p.Caption != "Linen shirt $29.99 👉 shop.example.com/linen" || p.MediaURL != "https://cdn.example.com/v/linen.mp4" ||
		p.PageURL != "https://www.tiktok.com/@demo/video/7524354452762037512" || p.Attempt != 1 {
		t.Fatalf("video.posted %+v %+v", env, p)
	}

	code, b = call(t, "GET", base+"/api/videos/7524354452762037512", token, "")
	var v catalog.Video
	if err := json.Unmarshal(b, &v); code != 200 || err != nil || v.Status != catalog.VideoQueued || v.CorrelationID != "devstack-test-1" {
		t.Fatalf("video status: %d %s", code, b)
	}
	// A repeat is the stored video, and publishes nothing.
	if code, _ := call(t, "POST", base+"/api/videos", token, body); code != http.StatusOK {
		t.Fatalf("repeat: %d", code)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if msg, err := posted.Receive(ctx); err == nil {
		msg.Ack()
		t.Fatalf("a repeated post published %s", msg.Body)
	}
	if code, _ := call(t, "POST", base+"/api/videos", "", body); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
}

func TestDevstackSchedulesIngestionWhenAnApifyTokenIsSet(t *testing.T) {
	fake := apifytest.NewServer(t, "apify-devstack-token", tiktok.DefaultActor)
	fake.SetProfile(apifytest.ProfileHandle, apifytest.ProfileItems(t))
	stacks := make(chan *Stack, 1)
	base, out, _ := start(t, t.TempDir(), func(c *Config) {
		c.ApifyToken, c.ApifyBaseURL, c.IngestEvery = "apify-devstack-token", fake.URL, 100*time.Millisecond
		c.started = func(st *Stack) { stacks <- st }
	})
	posted := subscribe(t, <-stacks, events.TypeVideoPosted)
	if !strings.Contains(out.String(), "scheduled ingestion: every 100ms through Apify, at once at start (not for the demo seller)") {
		t.Fatalf("start-up summary: %s", out.String())
	}
	// A seller onboards; the next scheduled run ingests its 10 posts.
	token := devLogin(t, base, `{"sub":"local|linen","username":"`+apifytest.ProfileHandle+`"}`)
	if code, b := call(t, "POST", base+"/api/sellers", token, `{"handle":"`+apifytest.ProfileHandle+`","displayName":"Linen & Clay"}`); code != 201 {
		t.Fatalf("onboard: %d %s", code, b)
	}
	seen := map[string]bool{}
	for len(seen) < 10 {
		env := receive(t, posted)
		if env.Seller != apifytest.ProfileHandle || seen[env.VideoID] {
			t.Fatalf("unexpected event %+v", env)
		}
		seen[env.VideoID] = true
	}
	code, b := call(t, "GET", base+"/api/videos?limit=100", token, "")
	var page struct{ Videos []catalog.Video }
	if err := json.Unmarshal(b, &page); code != 200 || err != nil || len(page.Videos) != 10 || page.Videos[0].Source != catalog.SourceScheduled {
		t.Fatalf("listing: %d %s", code, b)
	}
	for _, c := range fake.Calls() {
		if len(c.Input.Profiles) > 0 && c.Input.Profiles[0] == DemoSeller {
			t.Fatal("the demo seller's handle was scraped")
		}
	}
}
