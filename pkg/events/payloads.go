package events

import (
	"errors"
	"fmt"
	"time"
)

// Failure reports that a pipeline step failed permanently for a video; the
// projector marks the video failed with Reason.
type Failure struct {
	Reason string `json:"reason"`
}

// VideoPosted starts the pipeline for one video (envelope VideoID). It is
// published on ingestion and re-published by the sweeper for stuck videos.
type VideoPosted struct {
	PageURL  string `json:"pageUrl"`
	MediaURL string `json:"mediaUrl,omitempty"`
	CoverURL string `json:"coverUrl,omitempty"`
	// ImageURLs are a slideshow post's images (no MediaURL then).
	ImageURLs []string  `json:"imageUrls,omitempty"`
	Caption   string    `json:"caption,omitempty"`
	PostedAt  time.Time `json:"postedAt"`
	// Attempt counts pipeline starts for the video, from 1.
	Attempt int `json:"attempt"`
	// SellerLinks are the seller's own social links, which are not buy links.
	SellerLinks []string `json:"sellerLinks,omitempty"`
}

// EventType implements Payload.
func (VideoPosted) EventType() string { return TypeVideoPosted }

// Validate checks the payload's shape.
func (p *VideoPosted) Validate() error {
	if p.PageURL == "" {
		return errors.New("pageUrl is required")
	}
	if p.Attempt < 1 {
		return fmt.Errorf("attempt must be at least 1 (got %d)", p.Attempt)
	}
	return nil
}

// ParsedProduct is one product the caption parser found, in caption order.
type ParsedProduct struct {
	// Index is the product's position in the caption; with the video id it
	// determines the product id (catalog.ProductID).
	Index          int        `json:"index"`
	Title          string     `json:"title"`
	PriceMinor     *int64     `json:"priceMinor,omitempty"`
	CompareAtMinor *int64     `json:"compareAtMinor,omitempty"`
	Currency       string     `json:"currency,omitempty"`
	BuyURL         string     `json:"buyUrl,omitempty"`
	DiscountCode   string     `json:"discountCode,omitempty"`
	OfferEndsAt    *time.Time `json:"offerEndsAt,omitempty"`
	// Confidence is the parser's confidence in the product, in [0,1].
	Confidence float64 `json:"confidence"`
}

// CaptionParsed carries the products read from a video's caption.
type CaptionParsed struct {
	// Parser is "rules" or "llm"; Model names the LLM when Parser is "llm".
	Parser string `json:"parser"`
	Model  string `json:"model,omitempty"`
	// Note says why the rules parsed a caption the LLM would have read
	// (an LLM budget was used up).
	Note     string          `json:"note,omitempty"`
	Products []ParsedProduct `json:"products"`
	// Caption and Hashtags are passed on for the tagger.
	Caption  string    `json:"caption,omitempty"`
	Hashtags []string  `json:"hashtags,omitempty"`
	PostedAt time.Time `json:"postedAt"`
	Failure  *Failure  `json:"failure,omitempty"`
}

// EventType implements Payload.
func (CaptionParsed) EventType() string { return TypeCaptionParsed }

// Validate checks the payload's shape.
func (p *CaptionParsed) Validate() error {
	if p.Parser == "" {
		return errors.New("parser is required")
	}
	return checkIndexes(len(p.Products), func(i int) int { return p.Products[i].Index })
}

// Thumbnail is one generated product image in the media store.
type Thumbnail struct {
	Key     string  `json:"key"`
	FrameMS int64   `json:"frameMs"`
	Score   float64 `json:"score"`
	Label   string  `json:"label,omitempty"`
	Width   int     `json:"width"`
	Height  int     `json:"height"`
}

// ThumbnailsGenerated carries a video's thumbnails, best first.
type ThumbnailsGenerated struct {
	Thumbnails []Thumbnail `json:"thumbnails"`
	// Requested is how many were wanted; Note says why fewer were made.
	Requested int      `json:"requested"`
	Note      string   `json:"note,omitempty"`
	Failure   *Failure `json:"failure,omitempty"`
}

// EventType implements Payload.
func (ThumbnailsGenerated) EventType() string { return TypeThumbnailsGenerated }

// Validate checks the payload's shape.
func (p *ThumbnailsGenerated) Validate() error {
	for _, t := range p.Thumbnails {
		if t.Key == "" {
			return errors.New("every thumbnail needs a key")
		}
	}
	return nil
}

// Tag is a normalised tag with a confidence in [0,1].
type Tag struct {
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
}

// TaggedProduct is the tagger's result for one parsed product.
type TaggedProduct struct {
	Index    int    `json:"index"`
	Category string `json:"category"`
	Tags     []Tag  `json:"tags"`
}

// ProductTagged carries the tags of every product of one caption.parsed event.
type ProductTagged struct {
	Tagger string `json:"tagger"`
	Model  string `json:"model,omitempty"`
	// Note says why the rules tagged products the LLM would have tagged
	// (an LLM budget was used up).
	Note     string          `json:"note,omitempty"`
	Products []TaggedProduct `json:"products"`
	Failure  *Failure        `json:"failure,omitempty"`
}

// EventType implements Payload.
func (ProductTagged) EventType() string { return TypeProductTagged }

// Validate checks the payload's shape.
func (p *ProductTagged) Validate() error {
	if p.Tagger == "" {
		return errors.New("tagger is required")
	}
	return checkIndexes(len(p.Products), func(i int) int { return p.Products[i].Index })
}

func checkIndexes(n int, index func(int) int) error {
	seen := make(map[int]bool, n)
	for i := range n {
		x := index(i)
		if x < 0 || seen[x] {
			return fmt.Errorf("product index %d is negative or repeated", x)
		}
		seen[x] = true
	}
	return nil
}
