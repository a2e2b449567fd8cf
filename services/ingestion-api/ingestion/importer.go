package ingestion

import (
	"context"
	"slices"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok"
)

// ImportResult counts what Import did.
type ImportResult struct {
	Created  int `json:"created"`
	Existing int `json:"existing"`
	// Skipped counts posts of another profile and posts that are not valid
	// videos.
	Skipped int `json:"skipped"`
}

// Import ingests posts read from an Apify export (tiktok.DecodeJSON or
// DecodeCSV) for the seller with the handle, oldest first, as source
// "import", and moves the seller's ingest cursor to the newest post, so the
// scheduler continues from there. progress is called after each post.
func Import(ctx context.Context, sellers catalog.SellerStore, in *Ingester, handle string, posts []tiktok.Post, progress func()) (ImportResult, error) {
	var res ImportResult
	seller, err := sellers.GetSeller(ctx, handle)
	if err != nil {
		return res, err
	}
	posts = slices.Clone(posts)
	slices.SortStableFunc(posts, func(a, b tiktok.Post) int { return a.PostedAt.Compare(b.PostedAt) })
	run := &ingestRun{ingester: in, seller: seller, source: catalog.SourceImport}
	err = run.posts(ctx, posts, func(o outcome) {
		switch o {
		case outcomeCreated:
			res.Created++
		case outcomeExisting:
			res.Existing++
		case outcomeSkipped:
			res.Skipped++
		}
		if progress != nil {
			progress()
		}
	})
	if cerr := run.saveCursor(ctx, sellers); err == nil {
		err = cerr
	}
	return res, err
}
