package ingestion_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

// Video id claiming (issue 13, item 6): a video id is stored once, so a
// shop that could post another shop's video first would lock its owner out
// (409). Every URL form that does not prove the author — handle-less URLs,
// short links that lead to them, and URLs naming the poster's own handle,
// which TikTok ignores — is checked with TikTok's oEmbed answer before the
// id is claimed.
func TestAttackVideoIDClaiming(t *testing.T) {
	const privateID = "7500000000000000009"
	redirects := map[string]string{
		"/ZMnohandle/": "https://m.tiktok.com/v/" + otherVideoID + ".html?u_code=x",
		"/ZMemptyat/":  "https://www.tiktok.com/@/video/" + otherVideoID + "?_t=8nX&_r=1",
	}
	resolver, _ := shortLinks(t, redirects)
	e := newEnv(t, func(d *ingestion.Deps) { d.Resolver = resolver })
	e.tiktok.Add(oembedtest.Video{ID: privateID, Author: other, Private: true})
	bellaTok, admin := e.token(bellaID), e.token(auth.AdminSub, auth.GroupAdmins)
	attacks := []struct {
		name, token, url string
		status           int
		want             string
	}{
		{"mobile URL without a handle", bellaTok, "https://m.tiktok.com/v/" + otherVideoID + ".html", 400, "is a video of @other_shop on TikTok, not of seller @bella.shop"},
		{"embed URL", bellaTok, "https://www.tiktok.com/embed/v2/" + otherVideoID, 400, "is a video of @other_shop on TikTok"},
		{"embed URL v1", bellaTok, "https://www.tiktok.com/embed/" + otherVideoID, 400, "is a video of @other_shop on TikTok"},
		{"id-only URL", bellaTok, "https://www.tiktok.com/video/" + otherVideoID, 400, "is a video of @other_shop on TikTok"},
		{"empty handle", bellaTok, "https://www.tiktok.com/@/video/" + otherVideoID, 400, "is a video of @other_shop on TikTok"},
		{"own handle written in", bellaTok, "https://www.tiktok.com/@bella.shop/video/" + otherVideoID, 400, "is a video of @other_shop on TikTok"},
		{"own handle, other case and host", bellaTok, "https://tiktok.com/@Bella.Shop/video/" + otherVideoID + "?lang=en", 400, "is a video of @other_shop on TikTok"},
		{"short link to a handle-less URL", bellaTok, "https://vm.tiktok.com/ZMnohandle/", 400, "is a video of @other_shop on TikTok"},
		{"short link to an empty handle", bellaTok, "https://vt.tiktok.com/ZMemptyat/", 400, "is a video of @other_shop on TikTok"},
		{"admin posting for the wrong shop", admin, "https://m.tiktok.com/v/" + otherVideoID + ".html", 400, "is a video of @other_shop on TikTok"},
		{"private video", bellaTok, "https://m.tiktok.com/v/" + privateID + ".html", 400, "TikTok does not show publicly"},
		{"private video under own handle", bellaTok, "https://www.tiktok.com/@bella.shop/video/" + privateID, 400, "TikTok does not show publicly"},
	}
	refused := 0
	for _, a := range attacks {
		r := e.do("POST", "/api/videos", a.token, jsonBody(map[string]string{"video_url": a.url, "seller_handle": bella}))
		if r.status != a.status || !strings.Contains(r.message(t), a.want) {
			t.Errorf("%s: %d %s, want %d %q", a.name, r.status, r.body, a.status, a.want)
			continue
		}
		refused++
	}
	// TikTok cannot answer: nothing is claimed, the caller is told to retry.
	for _, status := range []int{http.StatusTooManyRequests, http.StatusBadGateway} {
		e.tiktok.Force(status)
		r := e.do("POST", "/api/videos", bellaTok, jsonBody(map[string]string{"video_url": "https://m.tiktok.com/v/" + otherVideoID + ".html", "seller_handle": bella}))
		if r.status != 503 || r.header.Get("Retry-After") == "" {
			t.Errorf("TikTok answering %d: %d %s", status, r.status, r.body)
			continue
		}
		refused++
	}
	t.Logf("attack table video id claiming: %d tries, %d refused", len(attacks)+2, refused)
	if _, err := e.store.GetVideo(t.Context(), otherVideoID); !catalog.IsCode(err, catalog.CodeNotFound) {
		t.Fatalf("the video was claimed: %v", err)
	}
	if n := len(e.pub.events()); n != 0 {
		t.Fatalf("%d events published for refused posts", n)
	}
	// The owner still gets its video, by any URL form.
	r := e.do("POST", "/api/videos", e.token(otherID), jsonBody(map[string]string{"video_url": "https://m.tiktok.com/v/" + otherVideoID + ".html", "seller_handle": other}))
	var v catalog.Video
	if r.status != 202 {
		t.Fatalf("owner: %d %s", r.status, r.body)
	}
	r.decode(t, &v)
	if v.Seller != other || v.PageURL != "https://www.tiktok.com/@other_shop/video/"+otherVideoID {
		t.Fatalf("owner's video %+v", v)
	}
	// Posting it again needs no lookup: it is the seller's already.
	asked := len(e.tiktok.Asked())
	e.tiktok.Force(http.StatusBadGateway)
	if r := e.do("POST", "/api/videos", e.token(otherID), jsonBody(map[string]string{"video_url": "https://www.tiktok.com/video/" + otherVideoID, "seller_handle": other})); r.status != 200 {
		t.Fatalf("repost: %d %s", r.status, r.body)
	}
	if len(e.tiktok.Asked()) != asked {
		t.Fatal("a repost of the seller's own video asked TikTok")
	}
	if !strings.Contains(e.logs.String(), "video claim refused") {
		t.Error("refused claims are not logged")
	}
}
