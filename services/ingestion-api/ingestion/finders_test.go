package ingestion_test

import (
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

// The oEmbed finder gives a URL-only post's public cover, and nothing for a
// post TikTok does not know or a cover on an address the policy refuses.
func TestOEmbedFinder(t *testing.T) {
	fake := oembedtest.NewServer(t,
		oembedtest.Video{ID: "7524354452762037001", Author: "bella.shop", ThumbnailURL: "https://p16-sign.tiktokcdn.com/cover-1.jpeg"},
		oembedtest.Video{ID: "7524354452762037002", Author: "bella.shop", ThumbnailURL: "http://169.254.169.254/latest/meta-data/"})
	authors, err := tiktok.NewOEmbedClient(tiktok.OEmbedOptions{Endpoint: fake.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	f := ingestion.OEmbedFinder{Authors: authors}
	got, err := f.FindMedia(t.Context(), "https://www.tiktok.com/@bella.shop/video/7524354452762037001")
	if err != nil || got.CoverURL != "https://p16-sign.tiktokcdn.com/cover-1.jpeg" || got.Source != catalog.MediaFromOEmbed || got.MediaURL != "" {
		t.Fatalf("public cover: %+v %v", got, err)
	}
	if got, err := f.FindMedia(t.Context(), "https://www.tiktok.com/@bella.shop/video/7524354452762037002"); err != nil || got.CoverURL != "" {
		t.Fatalf("cover on the metadata address: %+v %v", got, err)
	}
	if got, err := f.FindMedia(t.Context(), "https://www.tiktok.com/@bella.shop/video/7524354452762037999"); err == nil {
		t.Fatalf("unknown post: %+v", got)
	}
	if _, err := f.FindMedia(t.Context(), "https://example.com/not-tiktok"); err == nil {
		t.Fatal("a page that is not a TikTok post was looked up")
	}
}
