package security

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
)

// SSRF through an outside service's answer (held): a post given by URL
// alone gets its picture from TikTok's oEmbed answer; a cover URL naming an
// internal address, in any form, is never fetched — a server on loopback
// standing in for an internal one sees no request — and the video fails
// with a reason instead.
func TestAttackSSRFThroughTikTokAnswers(t *testing.T) {
	var hits atomic.Int64
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer internal.Close()
	port := internal.URL[strings.LastIndex(internal.URL, ":")+1:]
	covers := []string{"127.0.0.1", "127.1", "0x7f000001", "2130706433", "localhost", "[::ffff:127.0.0.1]", "①②⑦.0.0.1", "169.254.169.254"}
	var videos []oembedtest.Video
	for i, h := range covers {
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
