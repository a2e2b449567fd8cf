// Package ingestion is how videos enter buylink: the ingestion API (a seller
// posts a TikTok URL; seller onboarding; video status), the scheduled
// scraping of every seller's new posts through Apify, and the import of an
// Apify export file. All three store videos through one Ingester, which
// deduplicates on the TikTok id and starts the pipeline (video.posted) for
// new videos only.
//
// Register puts the HTTP routes on a gin router; cmd/ingestion-api serves
// them alone and devstack next to every other service. Scheduler.Run is one
// scheduled run, for devstack's interval and for the scheduled Lambda.
package ingestion

import (
	"context"
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
	Logger    *slog.Logger
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
	env, err := bus.VideoPostedEvent(stored, sellerLinks)
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = in.Publisher.Publish(pctx, env)
		cancel()
	}
	if err != nil {
		in.logger().ErrorContext(ctx, "video stored but video.posted not published; the sweeper will restart it",
			"video_id", stored.ID, "seller", stored.Seller, "err", err)
		return stored, true, nil
	}
	in.logger().InfoContext(ctx, "video accepted", "video_id", stored.ID, "seller", stored.Seller, "source", stored.Source, "event_id", env.ID)
	return stored, true, nil
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
