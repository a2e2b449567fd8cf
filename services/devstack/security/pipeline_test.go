package security

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
)

// Video id claiming (issue 13, item 6, fixed): a seller posting another
// seller's TikTok video by a URL that does not prove the author — no
// handle, an empty one, its own handle written in, an embed URL — is
// refused with TikTok's author named, through both intake routes, and the
// id stays free for its owner.
func TestAttackVideoIDClaiming(t *testing.T) {
	const id = "7524157935543832863"
	s := startStack(t, knows(oembedtest.Video{ID: id, Author: "victim.shop"}))
	att := s.newSeller(t, "attacker.shop")
	victim := s.newSeller(t, "victim.shop")
	urls := []string{
		"https://m.tiktok.com/v/" + id + ".html", "https://m.tiktok.com/v/" + id + ".html?u_code=x", "https://www.tiktok.com/embed/v2/" + id,
		"https://www.tiktok.com/embed/" + id, "https://www.tiktok.com/video/" + id, "https://www.tiktok.com/@/video/" + id,
		"https://www.tiktok.com/@attacker.shop/video/" + id, "https://tiktok.com/@Attacker.Shop/video/" + id + "?lang=en",
	}
	const want = "is a video of @victim.shop on TikTok, not of seller @attacker.shop"
	for _, u := range urls {
		a := s.json(t, "POST", "/api/videos", att.token, map[string]string{"video_url": u, "seller_handle": att.handle, "caption": "Mine $1"})
		try(t, "video id claiming", "POST /api/videos "+u, a.status == http.StatusBadRequest && strings.Contains(a.message(), want), "%s", a)
		a = s.json(t, "POST", "/api/seller/videos", att.token, map[string]string{"videoUrl": u, "caption": "Mine $1"})
		try(t, "video id claiming", "POST /api/seller/videos "+u, a.status == http.StatusBadRequest && strings.Contains(a.message(), want), "%s", a)
	}
	if a := s.json(t, "GET", "/api/videos/"+id, victim.token, nil); a.status != http.StatusNotFound {
		t.Fatalf("the refused posts claimed the id: %s", a)
	}
	// The owner adds it by the handle-less URL.
	if a := s.json(t, "POST", "/api/videos", victim.token, map[string]string{"video_url": urls[0], "seller_handle": victim.handle, "caption": "Lamp $45"}); a.status != http.StatusAccepted {
		t.Fatalf("the owner: %s", a)
	}
}

// Heap overflow in the frame reader (issue 13, item 1, fixed): videos of
// the widths that crashed the decoding child (344-376 px) and an ordinary
// 360x640 phone clip, uploaded by a seller, become ready with thumbnails.
// internal/frames TestDecodesEverySize covers 30+ sizes under ASan.
func TestAttackFrameReaderSizes(t *testing.T) {
	s := startStack(t)
	sl := s.newSeller(t, "own.shop")
	sizes := [][2]int{{360, 640}, {362, 644}, {376, 668}}
	ids := make([]string, len(sizes))
	for i, size := range sizes {
		ids[i] = s.upload(t, sl, "Lamp $45 shop.example.com/lamp", clip(t, size[0], size[1]))
	}
	for i, size := range sizes {
		v := s.settle(t, sl, ids[i])
		try(t, "frame reader overflow sizes", fmt.Sprintf("H.264 %dx%d upload", size[0], size[1]), v.Status == catalog.VideoReady && len(v.Thumbnails) > 0, "%+v", v)
	}
}
