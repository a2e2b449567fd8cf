package ingestion

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/obs"
	"github.com/buylink/buylink/pkg/tiktok"
)

// Scraper fetches a profile's posts (*tiktok.ApifyClient).
type Scraper interface {
	ScrapeProfile(ctx context.Context, q tiktok.ProfileQuery) (tiktok.Batch, error)
}

// Scheduler ingests every seller's new TikTok posts: for each seller, the
// posts newer than its ingest cursor, stored and started like a POST
// (deduplicated on the TikTok id; video.posted for new videos only). One
// seller's failure does not stop the others; sellers are scraped a few at a
// time. Runs may overlap (two schedulers, a slow run and the next tick): the
// store's dedupe makes sure each video is created, and published, once.
type Scheduler struct {
	Sellers  catalog.SellerStore
	Ingester *Ingester
	Scraper  Scraper
	// Concurrency bounds the sellers scraped at once (default 4).
	Concurrency int
	// Limit bounds the posts asked for per seller and run (default
	// tiktok.DefaultResultsLimit). A first run backfills that many.
	Limit int
	// Exclude lists seller handles never scraped, such as a demo seller
	// whose handle is somebody else's TikTok account.
	Exclude []string
	Logger  *slog.Logger
}

// Summary counts what one run did. It is logged as one line at the end.
type Summary struct {
	Sellers int `json:"sellers"`
	// Failed counts sellers whose scrape or ingestion failed (Errors says why).
	Failed int `json:"failed"`
	// Fetched counts posts the scraper returned newer than the cursors.
	Fetched  int `json:"fetched"`
	Created  int `json:"created"`
	Existing int `json:"existing"`
	// Skipped counts posts not ingested: the scraper's error items, items
	// that could not be read, posts that are not valid videos or that belong
	// to another profile.
	Skipped int `json:"skipped"`
	// Truncated counts sellers who posted at least Limit videos since their
	// cursor: older ones beyond the limit were not fetched.
	Truncated int               `json:"truncated"`
	Errors    map[string]string `json:"errors,omitempty"`
	Duration  time.Duration     `json:"durationNs"`
}

// Run runs once over every seller but the excluded ones. It fails only when the sellers cannot be
// listed or when every seller failed (a systemic problem such as a bad
// token); otherwise failures are in the summary.
func (s *Scheduler) Run(ctx context.Context) (Summary, error) {
	start := time.Now()
	log := s.logger()
	sum := Summary{Errors: map[string]string{}}
	sellers, err := allSellers(ctx, s.Sellers)
	if err != nil {
		return sum, fmt.Errorf("scheduled ingestion: list sellers: %w", err)
	}
	sellers = slices.DeleteFunc(sellers, func(sl catalog.Seller) bool { return slices.Contains(s.Exclude, sl.Handle) })
	sum.Sellers = len(sellers)
	var mu sync.Mutex
	var wg sync.WaitGroup
	conc := s.Concurrency
	if conc <= 0 {
		conc = 4
	}
	sem := make(chan struct{}, conc)
	for _, seller := range sellers {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r, err := s.seller(ctx, seller)
			mu.Lock()
			defer mu.Unlock()
			sum.add(r)
			if err != nil {
				sum.Failed++
				sum.Errors[seller.Handle] = err.Error()
				log.WarnContext(ctx, "scheduled ingestion failed for a seller", "seller", seller.Handle, "err", err)
			}
		})
	}
	wg.Wait()
	sum.Duration = time.Since(start)
	log.InfoContext(ctx, "scheduled ingestion run done", "sellers", sum.Sellers, "failed", sum.Failed, "fetched", sum.Fetched,
		"created", sum.Created, "existing", sum.Existing, "skipped", sum.Skipped, "truncated", sum.Truncated,
		"ms", sum.Duration.Milliseconds())
	switch {
	case ctx.Err() != nil:
		return sum, fmt.Errorf("scheduled ingestion interrupted: %w", ctx.Err())
	case sum.Sellers > 0 && sum.Failed == sum.Sellers:
		return sum, fmt.Errorf("scheduled ingestion failed for every seller (%d); first: %s", sum.Failed, firstError(sum.Errors))
	}
	return sum, nil
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// RunEvery runs at once, then every interval until ctx ends. A failed run is
// logged; the next tick tries again.
func (s *Scheduler) RunEvery(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Run(ctx); err != nil && ctx.Err() == nil {
			s.logger().ErrorContext(ctx, "scheduled ingestion run failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// sellerResult counts one seller's run.
type sellerResult struct {
	fetched, created, existing, skipped int
	truncated                           bool
}

func (sum *Summary) add(r sellerResult) {
	sum.Fetched += r.fetched
	sum.Created += r.created
	sum.Existing += r.existing
	sum.Skipped += r.skipped
	if r.truncated {
		sum.Truncated++
	}
}

// seller ingests one seller's new posts, oldest first, and moves its cursor
// to the newest one handled. A store failure stops the seller there, so
// the cursor never passes a post that was not stored.
func (s *Scheduler) seller(ctx context.Context, seller catalog.Seller) (sellerResult, error) {
	var r sellerResult
	limit := s.Limit
	if limit <= 0 {
		limit = tiktok.DefaultResultsLimit
	}
	batch, err := s.Scraper.ScrapeProfile(ctx, tiktok.ProfileQuery{Handle: seller.Handle, Since: seller.IngestCursor, Limit: limit})
	if err != nil {
		return r, err
	}
	r.skipped = batch.Skipped()
	r.truncated = len(batch.Posts)+batch.Invalid >= limit
	if r.truncated {
		s.logger().WarnContext(ctx, "seller posted more videos since the last run than one run fetches; older ones are not ingested",
			"seller", seller.Handle, "limit", limit)
	}
	posts := slices.Clone(batch.Posts)
	slices.SortStableFunc(posts, func(a, b tiktok.Post) int { return a.PostedAt.Compare(b.PostedAt) })
	ingest := &ingestRun{ingester: s.Ingester, seller: seller, source: catalog.SourceScheduled}
	err = ingest.posts(ctx, posts, func(o outcome) {
		switch o {
		case outcomeCreated:
			r.created++
			r.fetched++
		case outcomeExisting:
			r.existing++
			r.fetched++
		case outcomeSkipped:
			r.skipped++
			r.fetched++
		}
	})
	if cerr := ingest.saveCursor(ctx, s.Sellers); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return r, err
}

// allSellers lists every seller.
func allSellers(ctx context.Context, st catalog.SellerStore) ([]catalog.Seller, error) {
	var out []catalog.Seller
	cursor := ""
	for {
		page, next, err := st.ListSellers(ctx, catalog.Page{Limit: catalog.MaxPageLimit, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

func firstError(errs map[string]string) string {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return ""
	}
	return "@" + keys[0] + ": " + errs[keys[0]]
}

// outcome is what happened to one post.
type outcome int

const (
	outcomeCreated  outcome = iota // a new video, pipeline started
	outcomeExisting                // already stored
	outcomeSkipped                 // not a valid video of the seller
)

// ingestRun ingests posts of one seller in order and remembers the newest
// post handled, for the seller's cursor.
type ingestRun struct {
	ingester *Ingester
	seller   catalog.Seller
	source   string
	newest   time.Time
}

// posts ingests each post; it stops at the first failure that is not the
// post's own fault (the store is unavailable, say).
func (in *ingestRun) posts(ctx context.Context, posts []tiktok.Post, done func(outcome)) error {
	log := in.ingester.logger()
	for _, p := range posts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if p.Author != in.seller.Handle {
			// Not the seller's timeline: it does not move the cursor.
			log.WarnContext(ctx, "skipping a post of another profile", "seller", in.seller.Handle, "author", p.Author, "video_id", p.ID)
			done(outcomeSkipped)
			continue
		}
		var o outcome
		v := p.Video(in.seller.Handle, in.source)
		_, created, err := in.ingester.Ingest(obs.WithCorrelationID(ctx, events.NewID()), v, p.AuthorLinks)
		switch code := catalog.CodeOf(err); {
		case err == nil && created:
			o = outcomeCreated
		case err == nil:
			o = outcomeExisting
		case code == catalog.CodeInvalid || code == catalog.CodeConflict:
			// The post's own fault: retrying cannot help, so it moves the cursor.
			log.WarnContext(ctx, "skipping a post that cannot be stored", "seller", in.seller.Handle, "video_id", p.ID, "err", err)
			o = outcomeSkipped
		default:
			return fmt.Errorf("store video %s: %w", p.ID, err)
		}
		if p.PostedAt.After(in.newest) {
			in.newest = p.PostedAt
		}
		done(o)
	}
	return nil
}

// saveCursor moves the seller's cursor to the newest post handled.
func (in *ingestRun) saveCursor(ctx context.Context, sellers catalog.SellerStore) error {
	if !in.newest.After(in.seller.IngestCursor) {
		return nil
	}
	if err := advanceCursor(context.WithoutCancel(ctx), sellers, in.seller.Handle, in.newest); err != nil {
		return fmt.Errorf("save the ingest cursor: %w", err)
	}
	return nil
}
