package catalog

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// VideoStatus is where a video is in the pipeline.
type VideoStatus string

// The video statuses. Ready and failed are final.
const (
	VideoQueued     VideoStatus = "queued"
	VideoProcessing VideoStatus = "processing"
	VideoReady      VideoStatus = "ready"
	VideoFailed     VideoStatus = "failed"
)

// Final reports whether no further pipeline work is expected for the status.
func (s VideoStatus) Final() bool { return s == VideoReady || s == VideoFailed }

// Valid reports whether s is one of the known statuses.
func (s VideoStatus) Valid() bool {
	switch s {
	case VideoQueued, VideoProcessing, VideoReady, VideoFailed:
		return true
	}
	return false
}

// Video sources: how a video entered buylink.
const (
	SourceManual    = "manual"
	SourceScheduled = "scheduled"
	SourceImport    = "import"
)

// Where a video's media came from (Video.MediaSource).
const (
	// MediaFromSeller: the media URL the seller or the scraper gave.
	MediaFromSeller = "seller"
	// MediaFromUpload: a file the seller uploaded to buylink's media.
	MediaFromUpload = "upload"
	// MediaFromApify: an Apify single-post run found the post's media.
	MediaFromApify = "apify"
	// MediaFromOEmbed: TikTok's public oEmbed answer gave the post's cover
	// image (no video).
	MediaFromOEmbed = "oembed"
	// MediaNone: nothing could be found; the post has only its caption.
	MediaNone = "none"
)

// TikTok ids are unsigned 64-bit numbers, at most 20 digits; a video
// uploaded without a TikTok post gets an id of uploadIDDigits digits, so the
// two never meet.
const uploadIDDigits = 24

// NewUploadVideoID returns a fresh id for a video uploaded without a TikTok
// post.
func NewUploadVideoID() string {
	var b [uploadIDDigits]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	b[0] = '9'
	return string(b[:])
}

// IsUploadVideoID reports whether id is one NewUploadVideoID made: the
// video has no TikTok page.
func IsUploadVideoID(id string) bool { return len(id) == uploadIDDigits }

// Video is one TikTok post of a seller, identified by its TikTok id.
type Video struct {
	ID       string `json:"id"`
	Seller   string `json:"seller"`
	PageURL  string `json:"pageUrl"`
	MediaURL string `json:"mediaUrl,omitempty"`
	CoverURL string `json:"coverUrl,omitempty"`
	// ImageURLs are the images of a slideshow post, which has no video.
	ImageURLs []string `json:"imageUrls,omitempty"`
	// MediaSource says where MediaURL, CoverURL or ImageURLs came from
	// (MediaFromSeller, ...); empty for videos stored before it existed.
	MediaSource string      `json:"mediaSource,omitempty"`
	Caption     string      `json:"caption,omitempty"`
	PostedAt    time.Time   `json:"postedAt"`
	Status      VideoStatus `json:"status"`
	// FailureReason says why a failed video failed.
	FailureReason string `json:"failureReason,omitempty"`
	// Attempts counts how often the pipeline was started for the video.
	Attempts int `json:"attempts"`
	// Source is how the video came in: manual, scheduled or import.
	Source string `json:"source,omitempty"`
	// CorrelationID is the id carried by the events of the latest attempt.
	CorrelationID string `json:"correlationId,omitempty"`
	// Steps records the pipeline steps that have finished, by name, with
	// their outcome ("done" or "failed").
	Steps        map[string]string `json:"steps,omitempty"`
	ProductCount int               `json:"productCount"`
	// Thumbnails are the video's product images, best first, as the thumbnail
	// step made them. The product projector keeps them here because they may
	// arrive before the video's products exist, and hands them out to the
	// products when those arrive.
	Thumbnails []Thumbnail `json:"thumbnails,omitempty"`
	// ProductTags are the tagging step's results by caption product index,
	// kept for the same reason.
	ProductTags []ProductTags `json:"productTags,omitempty"`
	CreatedAt   time.Time     `json:"createdAt"`
	UpdatedAt   time.Time     `json:"updatedAt"`
}

// Explain says in plain words where the video is, for its seller.
func (v *Video) Explain() string {
	switch v.Status {
	case VideoQueued:
		return "Waiting to be read."
	case VideoProcessing:
		return "Reading the caption and cutting product pictures."
	case VideoReady:
		switch v.ProductCount {
		case 0:
			return "Done: no products were found in the caption. Edit the caption to list them, or add products by hand."
		case 1:
			return "Done: 1 product is on your shop."
		}
		return fmt.Sprintf("Done: %d products are on your shop.", v.ProductCount)
	}
	r := strings.ToLower(v.FailureReason)
	switch {
	case strings.Contains(r, "neither a video nor images"), strings.Contains(r, "images is usable"):
		return "We could not get this post's video or pictures. Upload the video file, then retry."
	case strings.Contains(r, "did not finish after"):
		return "This took too long and was stopped. Retry it."
	case strings.Contains(r, "download"):
		return "The video could not be downloaded. Upload the file instead, or retry later."
	case strings.Contains(r, "decod"):
		return "The video file could not be read. Upload it again as MP4."
	case strings.HasPrefix(r, "caption"):
		return "The caption could not be read. Edit it and re-read it."
	}
	return "Something went wrong: " + v.FailureReason + ". Retry it."
}

// ProductTags is the tagging step's result for the product at Index in a
// video's caption.
type ProductTags struct {
	Index    int    `json:"index"`
	Category string `json:"category,omitempty"`
	Tags     []Tag  `json:"tags,omitempty"`
}

// Validate strips invisible and bidirectional control characters from the
// caption (CleanText), then checks every field.
func (v *Video) Validate() error {
	v.Caption = CleanText(v.Caption)
	if err := ValidateVideoID("id", v.ID); err != nil {
		return err
	}
	if err := ValidateHandle("seller", v.Seller); err != nil {
		return err
	}
	if err := ValidateHTTPURL("pageUrl", v.PageURL); err != nil {
		return err
	}
	for field, u := range map[string]string{"mediaUrl": v.MediaURL, "coverUrl": v.CoverURL} {
		if u != "" {
			if err := ValidateHTTPURL(field, u); err != nil {
				return err
			}
		}
	}
	if len(v.ImageURLs) > MaxImages {
		return Invalid("imageUrls", "must hold at most %d images (got %d)", MaxImages, len(v.ImageURLs))
	}
	for _, u := range v.ImageURLs {
		if err := ValidateHTTPURL("imageUrls", u); err != nil {
			return err
		}
	}
	if len(v.Caption) > MaxCaptionBytes {
		return Invalid("caption", "must be at most %d bytes (got %d)", MaxCaptionBytes, len(v.Caption))
	}
	if err := ValidateText("caption", v.Caption, MaxCaptionBytes, true); err != nil {
		return err
	}
	if !v.Status.Valid() {
		return Invalid("status", "must be one of queued, processing, ready, failed (got %q)", truncate(string(v.Status), 20))
	}
	if v.Status == VideoFailed && v.FailureReason == "" {
		return Invalid("failureReason", "is required when the status is failed")
	}
	if err := ValidateText("failureReason", v.FailureReason, MaxReasonRunes, true); err != nil {
		return err
	}
	if v.Attempts < 0 {
		return Invalid("attempts", "must not be negative")
	}
	if v.ProductCount < 0 {
		return Invalid("productCount", "must not be negative")
	}
	if err := validateThumbnails(v.Thumbnails); err != nil {
		return err
	}
	seen := make(map[int]bool, len(v.ProductTags))
	for _, pt := range v.ProductTags {
		if pt.Index < 0 || seen[pt.Index] {
			return Invalid("productTags", "index %d is negative or repeated", pt.Index)
		}
		seen[pt.Index] = true
		if err := ValidateText("productTags", pt.Category, MaxCategoryRunes, false); err != nil {
			return err
		}
		if err := ValidateTags(pt.Tags); err != nil {
			return err
		}
	}
	switch v.MediaSource {
	case "", MediaFromSeller, MediaFromUpload, MediaFromApify, MediaFromOEmbed, MediaNone:
	default:
		return Invalid("mediaSource", "must be seller, upload, apify, oembed or none (got %q)", truncate(v.MediaSource, 20))
	}
	switch v.Source {
	case "", SourceManual, SourceScheduled, SourceImport:
	default:
		return Invalid("source", "must be manual, scheduled or import (got %q)", truncate(v.Source, 20))
	}
	return nil
}
