package catalog

import (
	"crypto/sha256"
	"encoding/base32"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ProductStatus is whether a product shows on the storefront.
type ProductStatus string

// The product statuses: drafts await the seller, published ones are public,
// hidden ones are kept but not shown, deleted ones are in the seller's bin
// (soft deleted) until restored or purged.
const (
	ProductDraft     ProductStatus = "draft"
	ProductPublished ProductStatus = "published"
	ProductHidden    ProductStatus = "hidden"
	ProductDeleted   ProductStatus = "deleted"
)

// Valid reports whether s is one of the known statuses.
func (s ProductStatus) Valid() bool {
	return s == ProductDraft || s == ProductPublished || s == ProductHidden || s == ProductDeleted
}

// Settable reports whether a seller may set the status directly (deleting
// and restoring go through Delete and Restore).
func (s ProductStatus) Settable() bool { return s.Valid() && s != ProductDeleted }

// Product sources: which part of buylink produced the product's fields.
const (
	ProductFromRules  = "rules"
	ProductFromLLM    = "llm"
	ProductFromManual = "manual"
)

// Tag is a normalised tag name with the tagger's confidence in [0,1].
type Tag struct {
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
}

// Thumbnail is a product image cut from a video frame (or a slideshow image).
type Thumbnail struct {
	// Key is the media key of the JPEG.
	Key string `json:"key"`
	// FrameMS is the frame's time in the video, in milliseconds.
	FrameMS int64   `json:"frameMs"`
	Score   float64 `json:"score"`
	// Label names what the frame shows when a detector found it ("bottle").
	Label  string `json:"label,omitempty"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// Product is one thing a seller sells, found in one or more of its videos.
type Product struct {
	ID       string   `json:"id"`
	Seller   string   `json:"seller"`
	VideoIDs []string `json:"videoIds"`
	// Index is the product's position in its first video's caption.
	Index int    `json:"index"`
	Title string `json:"title"`
	// PriceMinor is the price in ISO 4217 minor units; nil when not stated.
	PriceMinor *int64 `json:"priceMinor,omitempty"`
	// CompareAtMinor is a former price shown struck through; nil when none.
	CompareAtMinor *int64      `json:"compareAtMinor,omitempty"`
	Currency       string      `json:"currency,omitempty"`
	BuyURL         string      `json:"buyUrl,omitempty"`
	DiscountCode   string      `json:"discountCode,omitempty"`
	OfferEndsAt    *time.Time  `json:"offerEndsAt,omitempty"`
	Category       string      `json:"category,omitempty"`
	Tags           []Tag       `json:"tags,omitempty"`
	Thumbnails     []Thumbnail `json:"thumbnails,omitempty"`
	// Image is the card image the seller chose (one of the video's
	// thumbnails or an upload); nil shows the first of Thumbnails.
	Image  *Thumbnail    `json:"image,omitempty"`
	Status ProductStatus `json:"status"`
	// DeletedAt is when the seller deleted the product, and RestoreStatus
	// the status Restore brings back; both are set only while deleted.
	DeletedAt     *time.Time    `json:"deletedAt,omitempty"`
	RestoreStatus ProductStatus `json:"restoreStatus,omitempty"`
	Position      int           `json:"position"`
	Pinned        bool          `json:"pinned"`
	Source        string        `json:"source"`
	// Edited names the fields a seller changed by hand; later pipeline runs
	// leave them alone.
	Edited []string `json:"edited,omitempty"`
	// VideoPostedAt is when the product's newest source video was posted; the
	// storefront lists newer videos first.
	VideoPostedAt time.Time `json:"videoPostedAt"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// ProductID derives a product's id from its source video and its index in
// that video's caption, so a redelivered result overwrites instead of duplicating.
func ProductID(videoID string, index int) string {
	sum := sha256.Sum256([]byte(videoID + "#" + strconv.Itoa(index)))
	return "p" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
}

// NewManualProductID returns a fresh id for a product a seller adds by hand
// (no video), of the same shape as ProductID's.
func NewManualProductID() string { return productIDPrefix + randomIDPart() }

// CardImage is the image the storefront shows for the product: the chosen
// Image, else the first thumbnail; nil when there is none.
func (p *Product) CardImage() *Thumbnail {
	if p.Image != nil {
		return p.Image
	}
	if len(p.Thumbnails) > 0 {
		return &p.Thumbnails[0]
	}
	return nil
}

// Delete moves the product to the seller's bin at now, remembering its
// status for Restore. Deleting a deleted product changes nothing.
func (p *Product) Delete(now time.Time) {
	if p.Status == ProductDeleted {
		return
	}
	now = now.UTC()
	p.RestoreStatus, p.Status, p.DeletedAt = p.Status, ProductDeleted, &now
}

// Restore takes the product out of the bin with the status it had; it is a
// conflict when the product is not deleted.
func (p *Product) Restore() error {
	if p.Status != ProductDeleted {
		return Conflict("product %s is not deleted", p.ID)
	}
	p.Status, p.RestoreStatus, p.DeletedAt = p.RestoreStatus, "", nil
	if !p.Status.Settable() {
		p.Status = ProductHidden
	}
	return nil
}

// Clone returns a copy of p that shares no slices or pointers with it, so a
// mutation function cannot change a stored original.
func (p Product) Clone() Product {
	p.VideoIDs = slices.Clone(p.VideoIDs)
	p.Tags = slices.Clone(p.Tags)
	p.Thumbnails = slices.Clone(p.Thumbnails)
	p.Edited = slices.Clone(p.Edited)
	p.PriceMinor = clonePtr(p.PriceMinor)
	p.CompareAtMinor = clonePtr(p.CompareAtMinor)
	p.OfferEndsAt = clonePtr(p.OfferEndsAt)
	p.Image = clonePtr(p.Image)
	p.DeletedAt = clonePtr(p.DeletedAt)
	return p
}

func clonePtr[T any](v *T) *T {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// IsEdited reports whether the seller changed the named field by hand.
func (p *Product) IsEdited(field string) bool {
	for _, f := range p.Edited {
		if f == field {
			return true
		}
	}
	return false
}

// MaxOfferSpan is how long after its video's posting an offer may end (five
// years: a bound on garbage such as year 0001 or 9999 and on misread years;
// the caption parsers keep parsed offers within a year); it may end at most
// a day before the posting (time zones).
const MaxOfferSpan = 5 * 365 * 24 * time.Hour

// Validate strips invisible and bidirectional control characters from the
// product's display text (CleanText: title, discount code, category), so
// that every store keeps clean text, then checks every field.
func (p *Product) Validate() error {
	p.Title, p.DiscountCode, p.Category = CleanText(p.Title), CleanText(p.DiscountCode), CleanText(p.Category)
	if p.ID == "" {
		return Invalid("id", "is required")
	}
	if err := ValidateText("id", p.ID, 64, false); err != nil {
		return err
	}
	if err := ValidateHandle("seller", p.Seller); err != nil {
		return err
	}
	if len(p.VideoIDs) == 0 && p.Source != ProductFromManual {
		return Invalid("videoIds", "must name at least one source video (only products added by hand have none)")
	}
	for _, id := range p.VideoIDs {
		if err := ValidateVideoID("videoIds", id); err != nil {
			return err
		}
	}
	if p.Index < 0 {
		return Invalid("index", "must not be negative")
	}
	if strings.TrimSpace(p.Title) == "" {
		return Invalid("title", "is required")
	}
	if err := ValidateText("title", p.Title, MaxTitleRunes, false); err != nil {
		return err
	}
	if err := validatePrice("priceMinor", p.PriceMinor); err != nil {
		return err
	}
	if err := validatePrice("compareAtMinor", p.CompareAtMinor); err != nil {
		return err
	}
	if (p.PriceMinor != nil || p.CompareAtMinor != nil) && p.Currency == "" {
		return Invalid("currency", "is required when a price is set")
	}
	if p.Currency != "" {
		if err := ValidateCurrency("currency", p.Currency); err != nil {
			return err
		}
	}
	if p.BuyURL != "" {
		if err := ValidatePublicURL("buyUrl", p.BuyURL); err != nil {
			return err
		}
	}
	if err := validateOfferEnd(p.OfferEndsAt, p.VideoPostedAt); err != nil {
		return err
	}
	if err := ValidateText("discountCode", p.DiscountCode, MaxCodeRunes, false); err != nil {
		return err
	}
	if strings.ContainsAny(p.DiscountCode, " ") {
		return Invalid("discountCode", "must not contain spaces")
	}
	if err := ValidateText("category", p.Category, MaxCategoryRunes, false); err != nil {
		return err
	}
	if err := ValidateTags(p.Tags); err != nil {
		return err
	}
	if err := validateThumbnails(p.Thumbnails); err != nil {
		return err
	}
	if p.Image != nil {
		if err := validateThumbnails([]Thumbnail{*p.Image}); err != nil {
			return Invalid("image", "needs a media key and a valid size")
		}
	}
	if !p.Status.Valid() {
		return Invalid("status", "must be draft, published, hidden or deleted (got %q)", truncate(string(p.Status), 20))
	}
	if (p.Status == ProductDeleted) != (p.DeletedAt != nil) {
		return Invalid("deletedAt", "is set exactly when the product is deleted")
	}
	if p.Status == ProductDeleted && !p.RestoreStatus.Settable() {
		return Invalid("restoreStatus", "must be draft, published or hidden while the product is deleted")
	}
	if p.Status != ProductDeleted && p.RestoreStatus != "" {
		return Invalid("restoreStatus", "is set only while the product is deleted")
	}
	switch p.Source {
	case ProductFromRules, ProductFromLLM, ProductFromManual:
	default:
		return Invalid("source", "must be rules, llm or manual (got %q)", truncate(p.Source, 20))
	}
	if p.Position < 0 {
		return Invalid("position", "must not be negative")
	}
	return nil
}

// validateOfferEnd keeps an offer's end in a sane window: from a day before
// its video was posted to MaxOfferSpan after, and in any case in 2000-2099
// (no year 0001 or 9999).
func validateOfferEnd(end *time.Time, posted time.Time) error {
	if end == nil {
		return nil
	}
	if y := end.UTC().Year(); y < 2000 || y > 2099 {
		return Invalid("offerEndsAt", "must be a date between 2000 and 2099 (got %s)", end.UTC().Format(time.RFC3339))
	}
	if posted.IsZero() {
		return nil
	}
	if from := posted.Add(-24 * time.Hour); end.Before(from) {
		return Invalid("offerEndsAt", "must not be before the video was posted (%s; got %s)", posted.UTC().Format(time.DateOnly), end.UTC().Format(time.RFC3339))
	}
	if to := posted.Add(MaxOfferSpan); end.After(to) {
		return Invalid("offerEndsAt", "must be at most five years after the video was posted (%s; got %s)", posted.UTC().Format(time.DateOnly), end.UTC().Format(time.RFC3339))
	}
	return nil
}

func validateThumbnails(ts []Thumbnail) error {
	if len(ts) > MaxThumbnails {
		return Invalid("thumbnails", "must hold at most %d thumbnails (got %d)", MaxThumbnails, len(ts))
	}
	for _, t := range ts {
		if t.Key == "" {
			return Invalid("thumbnails", "each thumbnail needs a media key")
		}
		if t.FrameMS < 0 || t.Width < 0 || t.Height < 0 || math.IsNaN(t.Score) {
			return Invalid("thumbnails", "frame time, size and score must be valid")
		}
	}
	return nil
}

func validatePrice(field string, v *int64) error {
	if v == nil {
		return nil
	}
	if *v <= 0 {
		return Invalid(field, "must be positive")
	}
	if *v > MaxPriceMinor {
		return Invalid(field, "is implausibly large")
	}
	return nil
}

// ValidateTags checks a tag list: at most MaxTags, each normalised (see
// NormalizeTag), confidences in [0,1], no duplicates.
func ValidateTags(tags []Tag) error {
	if len(tags) > MaxTags {
		return Invalid("tags", "must hold at most %d tags (got %d)", MaxTags, len(tags))
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if t.Name == "" || len(t.Name) > MaxTagRunes || !tagRE.MatchString(t.Name) || NormalizeTag(t.Name) != t.Name {
			return Invalid("tags", "%q is not a normalised tag (lower case a-z, 0-9, spaces, at most %d characters)", truncate(t.Name, 40), MaxTagRunes)
		}
		if math.IsNaN(t.Confidence) || t.Confidence < 0 || t.Confidence > 1 {
			return Invalid("tags", "confidence of %q must be in [0,1]", t.Name)
		}
		if seen[t.Name] {
			return Invalid("tags", "%q appears twice", t.Name)
		}
		seen[t.Name] = true
	}
	return nil
}

// NormalizeTag lower-cases a tag, folds common accented Latin letters to ASCII,
// drops a leading '#', and collapses runs of spaces, '_' and '-' to one space.
// Characters outside the tag alphabet are dropped. Singularisation is the
// tagger's business; this is the shape every store accepts.
func NormalizeTag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if f, ok := asciiFold[r]; ok {
			r = f
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '&', r == '\'', r == '+':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case r == ' ' || r == '_' || r == '-' || r == '\t':
			space = true
		}
	}
	out := b.String()
	if len(out) > MaxTagRunes {
		out = strings.TrimSpace(out[:MaxTagRunes])
	}
	return out
}

var asciiFold = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a', 'ç': 'c', 'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i', 'ñ': 'n', 'ò': 'o', 'ó': 'o', 'ô': 'o', 'õ': 'o', 'ö': 'o', 'ø': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ý': 'y', 'ÿ': 'y', 'ß': 's',
}
