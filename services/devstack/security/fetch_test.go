package security

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/tiktok/apifytest"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
	"github.com/buylink/buylink/services/devstack"
)

// internalServer stands in for an internal service on loopback and counts
// the requests that reach it; it returns its port.
func internalServer(t *testing.T) (*atomic.Int64, string) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	return &hits, srv.URL[strings.LastIndex(srv.URL, ":")+1:]
}

// internalForms are the loopback and metadata addresses, written in the
// forms a fetcher might read as them.
var internalForms = []string{"127.0.0.1", "127.1", "0x7f000001", "2130706433", "localhost", "[::ffff:127.0.0.1]", "①②⑦.0.0.1", "169.254.169.254", "0177.0.0.1", "[::1]"}

// SSRF through an outside service's answer (held): a post given by URL
// alone gets its picture from TikTok's oEmbed answer; a cover URL naming an
// internal address, in any form, is never fetched — a server on loopback
// standing in for an internal one sees no request — and the video fails
// with a reason instead.
func TestAttackSSRFThroughTikTokAnswers(t *testing.T) {
	hits, port := internalServer(t)
	var videos []oembedtest.Video
	for i, h := range internalForms {
		videos = append(videos, oembedtest.Video{ID: fmt.Sprintf("75243544527620375%02d", i), Author: "own.shop", ThumbnailURL: "http://" + h + ":" + port + "/cover.jpg"})
	}
	s := startStack(t, knows(videos...))
	sl := s.newSeller(t, "own.shop")
	for _, v := range videos {
		a := s.json(t, "POST", "/api/videos", sl.token, map[string]string{"video_url": "https://www.tiktok.com/@own.shop/video/" + v.ID, "seller_handle": sl.handle, "caption": "Mug $19"})
		if a.status != http.StatusAccepted {
			t.Fatalf("post %s: %s", v.ID, a)
		}
	}
	for _, v := range videos {
		got := s.settle(t, sl, v.ID)
		try(t, "SSRF through an outside service's answer", "oEmbed cover "+v.ThumbnailURL, hits.Load() == 0 && got.Status == catalog.VideoFailed && len(got.Thumbnails) == 0,
			"%d requests reached the internal server; video %s %s", hits.Load(), got.Status, got.FailureReason)
	}
}

// settle waits until a video is ready or failed.
func (s *stack) settle(t *testing.T, sl seller, id string) catalog.Video {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		v := decode[catalog.Video](t, s.json(t, "GET", "/api/videos/"+id, sl.token, nil), 200)
		if v.Status == catalog.VideoReady || v.Status == catalog.VideoFailed {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("video %s still %s after 45s", id, v.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// SSRF through Apify's answer (held): scheduled ingestion takes each post's
// video and cover addresses from the scraper's items; items whose media
// and covers name internal addresses in any form are ingested without any
// request reaching them, and no thumbnail comes of them.
func TestAttackSSRFThroughApifyAnswers(t *testing.T) {
	hits, port := internalServer(t)
	items := apifytest.ProfileItems(t)
	urls := map[string]string{} // by post id
	for i, raw := range items {
		var it map[string]any
		if err := json.Unmarshal(raw, &it); err != nil {
			t.Fatal(err)
		}
		u := "http://" + internalForms[i%len(internalForms)] + ":" + port + "/media.mp4"
		it["mediaUrls"] = []string{u}
		urls[fmt.Sprint(it["id"])] = u
		meta, _ := it["videoMeta"].(map[string]any)
		for _, k := range []string{"downloadAddr", "originalDownloadAddr", "coverUrl", "originalCoverUrl"} {
			meta[k] = u
		}
		b, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		items[i] = b
	}
	apify := apifytest.NewServer(t, "apify-token", tiktok.DefaultActor)
	apify.SetProfile(apifytest.ProfileHandle, items)
	s := startStack(t, withConfig(func(c *devstack.Config) {
		c.ApifyToken, c.ApifyBaseURL, c.IngestEvery = "apify-token", apify.URL, 100*time.Millisecond
	}))
	sl := s.newSeller(t, apifytest.ProfileHandle)
	deadline := time.Now().Add(30 * time.Second)
	var page struct{ Videos []catalog.Video }
	for len(page.Videos) < len(items) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d posts ingested within 30s", len(page.Videos), len(items))
		}
		time.Sleep(100 * time.Millisecond)
		page = decode[struct{ Videos []catalog.Video }](t, s.json(t, "GET", "/api/videos?limit=100", sl.token, nil), 200)
	}
	for _, v := range page.Videos {
		got := s.settle(t, sl, v.ID)
		try(t, "SSRF through an outside service's answer", "Apify item media and cover "+urls[v.ID],
			hits.Load() == 0 && urls[v.ID] != "" && got.MediaURL == "" && got.CoverURL == "" && len(got.Thumbnails) == 0,
			"%d requests reached the internal server; video %s %s", hits.Load(), got.Status, got.FailureReason)
	}
}
