// Package ingestion is how videos enter buylink: the ingestion API (a seller
// posts a TikTok URL; seller onboarding; video status), the scheduled
// scraping of every seller's new posts through Apify, and the import of an
// Apify export file. All three store videos through one Ingester, which
// deduplicates on the TikTok id and starts the pipeline (video.posted) for
// new videos only. The API counts every video it starts against the
// seller's quotas (package quota); the scheduled scraping and the import
// bring in only what the seller really posted and are not counted.
//
// Register puts the HTTP routes on a gin router; cmd/ingestion-api serves
// them alone and devstack next to every other service. Scheduler.Run is one
// scheduled run, for devstack's interval and for the scheduled Lambda.
package ingestion

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/obs"
)

// Ingester stores videos and starts their pipeline.
type Ingester struct {
	Videos catalog.VideoStore
	// Publisher publishes video.posted for new videos. Without one (an
	// import outside the running platform), new videos wait queued and the
	// sweeper starts their pipeline.
	Publisher bus.Publisher
	// Finders find the media of a post given by its URL alone, tried in
	// order (an Apify single-post run, TikTok's oEmbed cover); none leaves
	// such a post with its caption only.
	Finders []MediaFinder
	Logger  *slog.Logger
}

// MediaFinder finds the media of a TikTok post from its page URL.
type MediaFinder interface {
	// FindMedia returns the post's video, slideshow images or cover image,
	// and which finder found them (catalog.MediaFromApify, ...).
	FindMedia(ctx context.Context, pageURL string) (FoundMedia, error)
}

// FoundMedia is what a MediaFinder found: a video URL, a slideshow's
// images, or only a cover image (used as the one picture to cut from).
type FoundMedia struct {
	MediaURL  string
	CoverURL  string
	ImageURLs []string
	Source    string
}

// findTimeout bounds the search for a URL-only post's media (an Apify run
// takes tens of seconds).
const findTimeout = 3 * time.Minute

// mediaSourceOf is the media source of a video posted with mediaURL.
func mediaSourceOf(mediaURL string) string {
	if mediaURL == "" {
		return ""
	}
	return catalog.MediaFromSeller
}

// Ingest stores v as a queued video unless a video with its TikTok id
// exists (created=false: the stored one is returned unchanged and nothing
// is published). A new video gets the correlation id of ctx (a fresh one
// when there is none) and, with a publisher, its video.posted event.
// sellerLinks are the seller's own links, passed on to the caption parser.
//
// A failed publish is logged, not returned: the video is stored and queued,
// and the sweeper restarts queued videos that stay unfinished.
func (in *Ingester) Ingest(ctx context.Context, v catalog.Video, sellerLinks []string) (catalog.Video, bool, error) {
	cid := obs.CorrelationID(ctx)
	if cid == "" {
		cid = events.NewID()
	}
	v.Enqueue(cid, in.Publisher != nil)
	stored, created, err := in.Videos.UpsertVideo(ctx, v)
	if err != nil || !created || in.Publisher == nil {
		return stored, created, err
	}
	ctx = obs.WithCorrelationID(context.WithoutCancel(ctx), stored.CorrelationID)
	if needsMedia(stored) && len(in.Finders) > 0 {
		// The answer does not wait for the search; the video stays queued
		// meanwhile (and the sweeper restarts it if this process stops).
		go in.findAndPublish(ctx, stored, sellerLinks)
		return stored, true, nil
	}
	in.publish(ctx, stored, sellerLinks)
	return stored, true, nil
}

// needsMedia reports whether a video has nothing to cut pictures from.
func needsMedia(v catalog.Video) bool {
	return v.MediaURL == "" && len(v.ImageURLs) == 0
}

// findAndPublish looks for a URL-only post's media, records what it found
// (or that nothing was) on the video, and starts its pipeline.
func (in *Ingester) findAndPublish(ctx context.Context, v catalog.Video, sellerLinks []string) {
	fctx, cancel := context.WithTimeout(ctx, findTimeout)
	defer cancel()
	found := FoundMedia{Source: catalog.MediaNone}
	for _, f := range in.Finders {
		m, err := f.FindMedia(fctx, v.PageURL)
		if err == nil && (m.MediaURL != "" || len(m.ImageURLs) > 0 || m.CoverURL != "") {
			found = m
			break
		}
		if err != nil {
			in.logger().WarnContext(ctx, "a media finder failed", "video_id", v.ID, "finder", fmt.Sprintf("%T", f), "err", err)
		}
	}
	updated, err := in.Videos.UpdateVideo(ctx, v.ID, func(cur *catalog.Video) error {
		if !needsMedia(*cur) {
			found.Source = cur.MediaSource // an upload came first
			return nil
		}
		cur.MediaURL, cur.CoverURL, cur.ImageURLs, cur.MediaSource = found.MediaURL, found.CoverURL, found.ImageURLs, found.Source
		if cur.MediaURL == "" && len(cur.ImageURLs) == 0 && cur.CoverURL != "" {
			cur.ImageURLs = []string{cur.CoverURL}
		}
		return nil
	})
	if err != nil {
		in.logger().ErrorContext(ctx, "could not record a post's media; the sweeper will restart it", "video_id", v.ID, "err", err)
		return
	}
	in.logger().InfoContext(ctx, "post media looked up", "video_id", v.ID, "source", updated.MediaSource)
	in.publish(ctx, updated, sellerLinks)
}

// publish starts a stored video's pipeline; a failure is logged (the
// sweeper restarts queued videos that stay unfinished).
func (in *Ingester) publish(ctx context.Context, stored catalog.Video, sellerLinks []string) {
	env, err := bus.VideoPostedEvent(stored, sellerLinks)
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = in.Publisher.Publish(pctx, env)
		cancel()
	}
	if err != nil {
		in.logger().ErrorContext(ctx, "video stored but video.posted not published; the sweeper will restart it",
			"video_id", stored.ID, "seller", stored.Seller, "err", err)
		return
	}
	in.logger().InfoContext(ctx, "video accepted", "video_id", stored.ID, "seller", stored.Seller, "source", stored.Source, "event_id", env.ID)
}

// Restart starts a stored video's pipeline again (a seller's retry, or a
// re-read after the caption or the media changed): a new attempt with a
// fresh correlation id, the steps cleared. mutate, when set, changes the
// video first (its caption, its media); it may refuse with an error.
// URL-only posts look for their media again.
func (in *Ingester) Restart(ctx context.Context, id string, mutate func(*catalog.Video) error) (catalog.Video, error) {
	v, err := in.Videos.UpdateVideo(ctx, id, func(v *catalog.Video) error {
		if mutate != nil {
			if err := mutate(v); err != nil {
				return err
			}
		}
		v.Attempts++
		v.Status, v.FailureReason, v.Steps = catalog.VideoQueued, "", nil
		v.CorrelationID = events.NewID()
		if v.MediaSource == catalog.MediaNone || v.MediaSource == catalog.MediaFromOEmbed {
			v.MediaSource, v.ImageURLs, v.CoverURL = "", nil, ""
		}
		return nil
	})
	if err != nil || in.Publisher == nil {
		return v, err
	}
	ctx = obs.WithCorrelationID(context.WithoutCancel(ctx), v.CorrelationID)
	if needsMedia(v) && len(in.Finders) > 0 {
		go in.findAndPublish(ctx, v, nil)
		return v, nil
	}
	in.publish(ctx, v, nil)
	return v, nil
}

func (in *Ingester) logger() *slog.Logger {
	if in.Logger == nil {
		return slog.Default()
	}
	return in.Logger
}

// advanceCursor moves a seller's ingest cursor forward to newest, never back.
func advanceCursor(ctx context.Context, sellers catalog.SellerStore, handle string, newest time.Time) error {
	_, err := sellers.UpdateSeller(ctx, handle, func(s *catalog.Seller) error {
		if newest.After(s.IngestCursor) {
			s.IngestCursor = newest.UTC()
		}
		return nil
	})
	return err
}
