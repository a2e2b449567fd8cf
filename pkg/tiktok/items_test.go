package tiktok

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok/apifytest"
)

func TestDecodeJSONReadsAProfileScrape(t *testing.T) {
	b, err := DecodeJSON(bytes.NewReader(apifytest.Fixture(t, apifytest.ProfileJSON)))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 10 || b.Skipped() != 0 {
		t.Fatalf("posts %d skipped %d: %v", len(b.Posts), b.Skipped(), b.Problems)
	}
	p := b.Posts[0]
	want := Post{
		ID: "7518203345618291982", Author: "linenandclay",
		PageURL:  "https://www.tiktok.com/@linenandclay/video/7518203345618291982",
		MediaURL: "https://api.apify.com/v2/key-value-stores/Xq7LmB2dP9sR4tVwz/records/video-linenandclay-20250621091405-7518203345618291982",
		PostedAt: time.Date(2025, 6, 21, 9, 14, 5, 0, time.UTC),
	}
	if p.ID != want.ID || p.Author != want.Author || p.PageURL != want.PageURL || p.MediaURL != want.MediaURL || !p.PostedAt.Equal(want.PostedAt) {
		t.Fatalf("first post:\n got %+v\nwant %+v", p, want)
	}
	if !strings.HasPrefix(p.CoverURL, "https://p16-sign-va.tiktokcdn.com/") || !strings.HasPrefix(p.Caption, "Our stone-washed linen throw is back in sage 🌿") {
		t.Fatalf("cover %q caption %q", p.CoverURL, p.Caption)
	}
	if len(p.Hashtags) != 5 || p.Hashtags[0] != "linen" || p.Hashtags[2] != "slowliving" {
		t.Fatalf("hashtags %v", p.Hashtags)
	}
	if len(p.AuthorLinks) != 1 || p.AuthorLinks[0] != "https://linktr.ee/linenandclay" {
		t.Fatalf("author links %v", p.AuthorLinks)
	}
	for i, p := range b.Posts {
		v := p.Video(apifytest.ProfileHandle, catalog.SourceScheduled)
		if err := v.Validate(); err != nil {
			t.Errorf("post %d is not a valid video: %v", i, err)
		}
		if i > 0 && !p.PostedAt.Before(b.Posts[i-1].PostedAt) {
			t.Errorf("post %d is not older than the one before", i)
		}
	}
}

func TestDecodeCSVReadsAnExport(t *testing.T) {
	raw := apifytest.Fixture(t, apifytest.ExportCSV)
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatal("the sample was expected to start with a UTF-8 BOM, as Apify's exports do")
	}
	b, err := DecodeCSV(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 11 || b.ErrorItems != 1 || b.Invalid != 0 {
		t.Fatalf("posts %d, error items %d, invalid %d: %v", len(b.Posts), b.ErrorItems, b.Invalid, b.Problems)
	}
	if len(b.Problems) != 1 || !strings.Contains(b.Problems[0], "This profile/hashtag does not exist.") || !strings.Contains(b.Problems[0], "clayandcrum") {
		t.Fatalf("problems %v", b.Problems)
	}
	var videos, slides int
	for _, p := range b.Posts {
		if p.Author != apifytest.ExportHandle {
			t.Fatalf("author %q", p.Author)
		}
		if v := p.Video(apifytest.ExportHandle, catalog.SourceImport); v.Validate() != nil {
			err := v.Validate()
			t.Fatalf("post %s: %v", p.ID, err)
		}
		switch {
		case p.MediaURL != "" && len(p.ImageURLs) == 0:
			videos++
		case p.MediaURL == "" && len(p.ImageURLs) > 0:
			slides++
		default:
			t.Fatalf("post %s has media %q and %d images", p.ID, p.MediaURL, len(p.ImageURLs))
		}
	}
	if videos != 7 || slides != 4 {
		t.Fatalf("videos %d slideshows %d, want 7 and 4", videos, slides)
	}
	first := b.Posts[0]
	if first.ID != "7409876543210987654" || !first.PostedAt.Equal(time.Date(2024, 9, 2, 16, 41, 7, 0, time.UTC)) ||
		len(first.Hashtags) != 6 || first.Hashtags[2] != "céramique" || first.Hashtags[5] != "fypシ゚viral" ||
		!strings.HasPrefix(first.MediaURL, "https://v16-webapp-prime.us.tiktok.com/") || !strings.Contains(first.Caption, "glazed in \"fog\"") {
		t.Fatalf("first post %+v", first)
	}
	slide := b.Posts[1]
	if slide.ID != "7409876031210987531" || len(slide.ImageURLs) != 4 || !strings.Contains(slide.ImageURLs[0], "a3f9c2e8b1d04e6f9a7c5b3d2e1f0a9b") || slide.CoverURL == "" {
		t.Fatalf("slideshow %+v", slide)
	}
}

func TestDecodeToleratesBadItems(t *testing.T) {
	in := `[
	 {"error": {"code": 404}, "input": "@x"},
	 {"id": "abc", "createTimeISO": "2025-01-01T00:00:00Z", "webVideoUrl": "https://www.tiktok.com/@a_b/video/1"},
	 {"id": "12", "webVideoUrl": "https://www.tiktok.com/@shop/video/12"},
	 {"id": "13", "createTime": "nope"},
	 {"id": "14", "createTime": 1751900293, "webVideoUrl": "https://www.tiktok.com/@shop/video/15"},
	 {"id": "16", "createTime": 1751900293, "webVideoUrl": "https://evil.io/@shop/video/16"},
	 {"id": "17", "createTime": 1751900293},
	 7,
	 {"id": 18, "createTime": 1751900293, "authorMeta": {"name": "Shop"}, "mediaUrls": ["javascript:alert(1)"], "videoMeta": {"downloadAddr": "https://cdn.example.com/18.mp4"}}
	]`
	b, err := DecodeJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if b.ErrorItems != 1 || b.Invalid != 7 || len(b.Posts) != 1 {
		t.Fatalf("error items %d invalid %d posts %d: %v", b.ErrorItems, b.Invalid, len(b.Posts), b.Problems)
	}
	p := b.Posts[0]
	if p.ID != "18" || p.Author != "shop" || p.MediaURL != "https://cdn.example.com/18.mp4" || p.PageURL != "https://www.tiktok.com/@shop/video/18" {
		t.Fatalf("post %+v", p)
	}
	for _, want := range []string{`{"code": 404}`, `"abc" is not a TikTok video id`, "has no creation time", "want a number", "names video \"15\"", "tiktok.com video URL", "no valid author handle", "not a JSON object"} {
		found := false
		for _, pr := range b.Problems {
			found = found || strings.Contains(pr, want)
		}
		if !found {
			t.Errorf("no problem says %q: %q", want, b.Problems)
		}
	}

	for _, bad := range []string{``, `{"id": "1"}`, `[{"id": "1"}`, `[] []`, `[{"id": 1}, x]`} {
		if _, err := DecodeJSON(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestDecodeCSVRejectsOtherFilesAndCountsShortRows(t *testing.T) {
	if _, err := DecodeCSV(strings.NewReader("name,price\nx,1\n")); err == nil || !strings.Contains(err.Error(), "no id column") {
		t.Fatalf("want a missing id column error, got %v", err)
	}
	if _, err := DecodeCSV(strings.NewReader("")); err == nil {
		t.Fatal("empty CSV accepted")
	}
	csv := "id,createTimeISO,authorMeta/name,hashtags/1/name,hashtags/0/name,isSlideshow\n" +
		"21,2025-01-02T03:04:05.000Z,shop,second,first,false\n" +
		"22,2025-01-02T03:04:05.000Z\n" +
		"23,2025-01-02T03:04:05.000Z,shop,,,maybe\n"
	b, err := DecodeCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 1 || b.Invalid != 2 {
		t.Fatalf("posts %d invalid %d: %v", len(b.Posts), b.Invalid, b.Problems)
	}
	if got := b.Posts[0].Hashtags; len(got) != 2 || got[0] != "first" || got[1] != "second" {
		t.Fatalf("hashtags rebuilt from a/0/b columns: %v", got)
	}
}

func TestInputAsksForTheNewestPostsWithDownloads(t *testing.T) {
	in := ProfileQuery{Handle: "shop", Since: time.Date(2025, 7, 1, 23, 59, 0, 0, time.FixedZone("x", 3600))}.Input()
	if in.OldestPostDateUnified != "2025-07-01" || in.ResultsPerPage != DefaultResultsLimit || in.ProfileSorting != "latest" ||
		!in.ShouldDownloadVideos || !in.ShouldDownloadCovers || !in.ShouldDownloadSlideshowImages || in.Profiles[0] != "shop" {
		t.Fatalf("input %+v", in)
	}
	if got := (ProfileQuery{Handle: "x", Limit: 5000}).Input().ResultsPerPage; got != MaxResultsLimit {
		t.Fatalf("limit capped to %d", got)
	}
	if got := (ProfileQuery{Handle: "x"}).Input().OldestPostDateUnified; got != "" {
		t.Fatalf("no cursor, date %q", got)
	}
}
