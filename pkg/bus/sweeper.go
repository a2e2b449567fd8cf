package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

// VideoPostedEvent builds the video.posted event that (re)starts the pipeline
// for v, with v's correlation id and attempt count.
func VideoPostedEvent(v catalog.Video, sellerLinks []string) (events.Envelope, error) {
	return events.New(v.CorrelationID, v.Seller, v.ID, &events.VideoPosted{
		PageURL: v.PageURL, MediaURL: v.MediaURL, CoverURL: v.CoverURL, ImageURLs: v.ImageURLs,
		Caption: v.Caption, PostedAt: v.PostedAt, Attempt: max(v.Attempts, 1), SellerLinks: sellerLinks,
	})
}

// Sweeper finds videos stuck in a non-final state (queued or processing) for
// longer than StuckAfter, whatever crashed, and starts their pipeline again;
// a video that has had MaxAttempts starts is marked failed instead.
type Sweeper struct {
	Videos    catalog.VideoStore
	Publisher Publisher
	// StuckAfter is how long a video may stay unfinished (default 10m).
	StuckAfter time.Duration
	// MaxAttempts bounds pipeline starts per video (default 3).
	MaxAttempts int
	// Interval between sweeps in Run (default 1m).
	Interval time.Duration
	Logger   *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (s *Sweeper) defaults() {
	if s.StuckAfter <= 0 {
		s.StuckAfter = 10 * time.Minute
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = 3
	}
	if s.Interval <= 0 {
		s.Interval = time.Minute
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
}

// SweepResult counts what one sweep did.
type SweepResult struct {
	Restarted int
	Failed    int
}

// SweepOnce handles every stuck video once.
func (s *Sweeper) SweepOnce(ctx context.Context) (SweepResult, error) {
	s.defaults()
	var res SweepResult
	q := catalog.VideoQuery{
		Statuses:      []catalog.VideoStatus{catalog.VideoQueued, catalog.VideoProcessing},
		UpdatedBefore: s.Now().Add(-s.StuckAfter),
	}
	// Collect first: restarting a video updates it, which changes the listing.
	var stuck []catalog.Video
	cursor := ""
	for {
		items, next, err := s.Videos.ListVideos(ctx, q, catalog.Page{Limit: catalog.MaxPageLimit, Cursor: cursor})
		if err != nil {
			return res, fmt.Errorf("sweeper: list stuck videos: %w", err)
		}
		stuck = append(stuck, items...)
		if next == "" {
			break
		}
		cursor = next
	}
	for _, v := range stuck {
		outcome, err := s.sweep(ctx, v.ID)
		switch {
		case err != nil:
			s.Logger.ErrorContext(ctx, "sweeper could not restart video", "video_id", v.ID, "err", err)
		case outcome == swept:
			res.Restarted++
		case outcome == gaveUp:
			res.Failed++
		}
	}
	if res.Restarted+res.Failed > 0 {
		s.Logger.InfoContext(ctx, "sweep done", "restarted", res.Restarted, "failed", res.Failed)
	}
	return res, nil
}

// sweepOutcome is what sweep did to one video.
type sweepOutcome int

const (
	notStuck sweepOutcome = iota // finished or touched since the listing
	swept                        // restarted
	gaveUp                       // marked failed after MaxAttempts starts
)

func (s *Sweeper) sweep(ctx context.Context, id string) (sweepOutcome, error) {
	cutoff := s.Now().Add(-s.StuckAfter)
	outcome := notStuck
	v, err := s.Videos.UpdateVideo(ctx, id, func(v *catalog.Video) error {
		if v.Status.Final() || !v.UpdatedAt.Before(cutoff) {
			return errNotStuck
		}
		outcome = gaveUp
		if v.Restart(s.MaxAttempts) {
			outcome = swept
		}
		return nil
	})
	switch {
	case errors.Is(err, errNotStuck):
		return notStuck, nil
	case err != nil:
		return notStuck, err
	case outcome != swept:
		return outcome, nil
	}
	env, err := VideoPostedEvent(v, nil)
	if err != nil {
		return notStuck, err
	}
	if err := s.Publisher.Publish(ctx, env); err != nil {
		return notStuck, err
	}
	return swept, nil
}

// errNotStuck aborts the update of a video that is no longer stuck.
var errNotStuck = errors.New("video is no longer stuck")

// Run sweeps at once and then every Interval until ctx is cancelled.
func (s *Sweeper) Run(ctx context.Context) error {
	s.defaults()
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		if _, err := s.SweepOnce(ctx); err != nil && ctx.Err() == nil {
			s.Logger.ErrorContext(ctx, "sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
