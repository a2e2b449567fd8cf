package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/buylink/buylink/pkg/tiktok/apifytest"
)

// fakeAPI is the ingestion API's POST /api/videos: 202 for a new video, and
// for a repeated Idempotency-Key the first answer replayed, marked
// Idempotent-Replayed; strict JSON, bearer token.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	keys     map[string]string // Idempotency-Key -> video id
	requests []videoRequest
	// reject answers 400 for this video id; flaky answers 503 once for it.
	reject, flaky string
}

var videoID = regexp.MustCompile(`/video/(\d+)`)

func newFakeAPI(t *testing.T) *fakeAPI {
	a := &fakeAPI{t: t, keys: map[string]string{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if r.Method != http.MethodPost || r.URL.Path != "/api/videos" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("unexpected %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		if r.Header.Get("Authorization") != "Bearer tok-seller" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"the bearer token is invalid or expired"}}`))
			return
		}
		var req videoRequest
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			t.Errorf("body: %v", err)
		}
		a.requests = append(a.requests, req)
		key := r.Header.Get("Idempotency-Key")
		if !strings.HasPrefix(key, "buylink-cli-") || len(key) > 255 {
			t.Errorf("Idempotency-Key %q", key)
		}
		m := videoID.FindStringSubmatch(req.VideoURL)
		if m == nil {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":{"code":"invalid","message":"video_url: is not a TikTok video URL"}}`))
			return
		}
		switch m[1] {
		case a.reject:
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":{"code":"invalid","message":"media_url: must be a public http(s) URL"}}`))
			return
		case a.flaky:
			a.flaky = ""
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(503)
			_, _ = w.Write([]byte(`{"error":{"code":"unavailable","message":"the store is unavailable"}}`))
			return
		}
		status, state := http.StatusAccepted, "queued"
		if _, seen := a.keys[key]; seen {
			w.Header().Set("Idempotent-Replayed", "true")
		} else {
			a.keys[key] = m[1]
		}
		w.Header().Set("Location", "/api/videos/"+m[1])
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": m[1], "seller": strings.ToLower(req.SellerHandle), "pageUrl": req.VideoURL,
			"status": state, "attempts": 1, "productCount": 0, "postedAt": "0001-01-01T00:00:00Z", "createdAt": "2025-07-07T14:58:13Z", "updatedAt": "2025-07-07T14:58:13Z"})
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func TestIngestOneURL(t *testing.T) {
	api := newFakeAPI(t)
	args := []string{"ingest", "https://www.tiktok.com/@meenitech/video/7524354452762037512", "--seller", "meenitech",
		"--caption", "New desk lamp $29", "--media-url", "https://cdn.example.com/v.mp4", "--api-url", api.srv.URL, "--token", "tok-seller"}
	out, errOut, code := run(t, "", args...)
	if code != 0 || strings.TrimSpace(out) != "queued video 7524354452762037512 of @meenitech" {
		t.Fatalf("exit %d: %q %s", code, out, errOut)
	}
	if r := api.requests[0]; r.Caption != "New desk lamp $29" || r.MediaURL != "https://cdn.example.com/v.mp4" || r.SellerHandle != "meenitech" {
		t.Fatalf("request %+v", r)
	}
	out, _, code = run(t, "", args...)
	if code != 0 || !strings.Contains(out, "video 7524354452762037512 of @meenitech was already ingested") {
		t.Fatalf("second post: %d %q", code, out)
	}
	t.Setenv("BUYLINK_TOKEN", "tok-wrong")
	_, errOut, code = run(t, "", args[:len(args)-2]...)
	if code != 1 || !strings.Contains(errOut, "401 unauthorized: the bearer token is invalid or expired (check --token / BUYLINK_TOKEN)") {
		t.Fatalf("bad token: %d %s", code, errOut)
	}
	_, errOut, code = run(t, "", "ingest", "https://example.com/x", "--seller", "a", "--api-url", api.srv.URL, "--token", "tok-seller")
	if code != 1 || !strings.Contains(errOut, "400 invalid: video_url: is not a TikTok video URL") {
		t.Fatalf("bad URL: %d %s", code, errOut)
	}
}

func TestIngestApifyJSONExport(t *testing.T) {
	api := newFakeAPI(t)
	api.flaky = "7518203345618291982" // the first item: answered 503 once, then accepted
	file := apifytest.FixturePath(t, apifytest.ProfileJSON)
	args := []string{"ingest", "--file", file, "--api-url", api.srv.URL, "--token", "tok-seller", "--retry-wait", "1ms"}
	out, errOut, code := run(t, "", args...)
	if code != 0 || !strings.Contains(out, "10 items: 10 queued, 0 already ingested, 0 skipped, 0 failed") {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	lineWith(t, errOut, `^ingest \[#{30}\] 10/10$`)
	if len(api.requests) != 11 {
		t.Fatalf("%d requests, want 11 (one retry)", len(api.requests))
	}
	first := api.requests[0]
	if first.SellerHandle != apifytest.ProfileHandle || !strings.HasPrefix(first.MediaURL, "https://api.apify.com/v2/key-value-stores/") || first.Caption == "" {
		t.Fatalf("first item posted as %+v", first)
	}
	// Importing again posts the same keys: nothing is ingested twice.
	out, _, code = run(t, "", args...)
	if code != 0 || !strings.Contains(out, "10 items: 0 queued, 10 already ingested") {
		t.Fatalf("second import: %d %s", code, out)
	}
}

func TestIngestApifyCSVExport(t *testing.T) {
	api := newFakeAPI(t)
	api.reject = "7409876031210987531" // a slideshow row
	file := apifytest.FixturePath(t, apifytest.ExportCSV)
	out, errOut, code := run(t, "", "ingest", "--file", file, "--api-url", api.srv.URL, "--token", "tok-seller")
	if code != 1 || !strings.Contains(out, "12 items: 10 queued, 0 already ingested, 1 skipped, 1 failed") {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	lineWith(t, errOut, `^skipped item 1: scraper error for "clayandcrum": This profile/hashtag does not exist.$`)
	lineWith(t, errOut, `^post 7409876031210987531 \(https://www.tiktok.com/@clayandcrumb/video/7409876031210987531\): 400 invalid: media_url`)
	lineWith(t, errOut, `^buylink: 1 of 11 posts failed \(see above\); running the import again retries them without duplicates$`)
	withMedia := 0
	for _, r := range api.requests {
		if r.SellerHandle != apifytest.ExportHandle {
			t.Fatalf("request %+v", r)
		}
		if r.MediaURL != "" {
			withMedia++
		}
	}
	// 11 posts, 4 of them slideshows (posted without media).
	if len(api.requests) != 11 || withMedia != 7 {
		t.Fatalf("%d requests, %d with media_url; want 11 and 7", len(api.requests), withMedia)
	}
}

func TestIngestOverridesTheSellerAndRefusesOtherFiles(t *testing.T) {
	api := newFakeAPI(t)
	dir := t.TempDir()
	csvFile := filepath.Join(dir, "videos.csv")
	if err := os.WriteFile(csvFile, []byte("\xef\xbb\xbf\"id\",\"webVideoUrl\",\"text\",\"authorMeta/name\",\"createTimeISO\"\n\"7524354452762037512\",\"https://www.tiktok.com/@shopx/video/7524354452762037512\",\"Lamp $5\",\"shopx\",\"2025-07-07T14:58:13.000Z\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "ingest", "--file", csvFile, "--seller", "demo", "--api-url", api.srv.URL, "--token", "tok-seller")
	if code != 0 || !strings.Contains(out, "1 items: 1 queued") || api.requests[0].SellerHandle != "demo" {
		t.Fatalf("exit %d: %s %s %+v", code, out, errOut, api.requests)
	}
	for name, content := range map[string]string{"notes.csv": "a,b\n1,2\n", "items.json": `{"not":"an array"}`, "empty.json": "[]"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := run(t, "", "ingest", "--file", p, "--api-url", api.srv.URL, "--token", "tok-seller")
		if code != 1 || !strings.Contains(errOut, "export file "+p) {
			t.Fatalf("%s: exit %d %s", name, code, errOut)
		}
	}
	if _, errOut, code := run(t, "", "ingest", "--file", filepath.Join(dir, "missing.json"), "--api-url", api.srv.URL, "--token", "tok-seller"); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Fatalf("missing file: %d %s", code, errOut)
	}
}
