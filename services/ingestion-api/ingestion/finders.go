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

// OEmbedFinder finds a URL-only post's cover image in TikTok's public
// oEmbed answer: the last resort, a picture to cut thumbnails from when no
// finder found the video itself.
type OEmbedFinder struct {
	Authors Authors
}

// FindMedia implements MediaFinder.
func (f OEmbedFinder) FindMedia(ctx context.Context, pageURL string) (FoundMedia, error) {
	ref, err := tiktok.ParseVideoURL("pageUrl", pageURL)
	if err != nil {
		return FoundMedia{}, err
	}
	o, err := f.Authors.Lookup(ctx, "pageUrl", ref)
	if err != nil {
		return FoundMedia{}, err
	}
	return FoundMedia{CoverURL: o.ThumbnailURL, Source: catalog.MediaFromOEmbed}, nil
}
