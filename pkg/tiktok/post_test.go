package tiktok

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// postItem is one dataset item of the actor's single-post scrape, in the
// shape it answers (values of our own).
const postItem = `[{"id":"7524157935543832863","text":"Speckled mug $19.99 👉 shop.example.com/mug #kitchen",
"createTimeISO":"2025-07-07T14:58:13.000Z","authorMeta":{"name":"bella.shop","nickName":"Bella"},
"webVideoUrl":"https://www.tiktok.com/@bella.shop/video/7524157935543832863",
"mediaUrls":["https://api.apify.com/v2/key-value-stores/abc/records/video-bella-7524157935543832863.mp4"],
"videoMeta":{"height":1024,"width":576,"duration":12,"coverUrl":"https://p16-sign.tiktokcdn.com/cover.jpeg"},
"hashtags":[{"name":"kitchen"}],"isSlideshow":false}]`

func TestScrapePost(t *testing.T) {
	var input PostInput
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/acts/"+DefaultActor+"/run-sync-get-dataset-items" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "unexpected", http.StatusNotFound)
			return
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &input)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(postItem))
	}))
	defer srv.Close()
	c, err := NewApifyClient(ApifyOptions{Token: "tok", BaseURL: srv.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	const page = "https://www.tiktok.com/@bella.shop/video/7524157935543832863"
	p, err := c.ScrapePost(t.Context(), VideoRef{ID: "7524157935543832863", Handle: "bella.shop"}, page)
	if err != nil {
		t.Fatal(err)
	}
	if p.MediaURL == "" || p.CoverURL != "https://p16-sign.tiktokcdn.com/cover.jpeg" || p.Author != "bella.shop" {
		t.Fatalf("post %+v", p)
	}
	if len(input.PostURLs) != 1 || input.PostURLs[0] != page || !input.ShouldDownloadVideos || input.ResultsPerPage != 1 {
		t.Fatalf("input %+v", input)
	}
	_, err = c.ScrapePost(t.Context(), VideoRef{ID: "1"}, "https://www.tiktok.com/@bella.shop/video/1")
	if !errors.Is(err, ErrPostNotFound) {
		t.Fatalf("another id: %v", err)
	}
}
