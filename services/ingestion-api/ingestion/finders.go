package ingestion

import (
	"context"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok"
)

// ApifyFinder finds a URL-only post's media with an Apify single-post run
// (when APIFY_TOKEN is set).
type ApifyFinder struct {
	Client *tiktok.ApifyClient
}

// FindMedia implements MediaFinder.
func (f ApifyFinder) FindMedia(ctx context.Context, pageURL string) (FoundMedia, error) {
	ref, err := tiktok.ParseVideoURL("pageUrl", pageURL)
	if err != nil {
		return FoundMedia{}, err
	}
	p, err := f.Client.ScrapePost(ctx, ref, pageURL)
	if err != nil {
		return FoundMedia{}, err
	}
	return FoundMedia{MediaURL: p.MediaURL, CoverURL: p.CoverURL, ImageURLs: p.ImageURLs, Source: catalog.MediaFromApify}, nil
}
