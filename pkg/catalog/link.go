package catalog

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// Limits of a seller's plain links.
const (
	MaxLinks          = 50
	MaxLinkTitleRunes = 80
)

// Link is one of a seller's plain links: a titled address shown on the shop
// next to the products, optionally only between StartsAt and EndsAt.
type Link struct {
	ID     string `json:"id"`
	Seller string `json:"seller"`
	Title  string `json:"title"`
	URL    string `json:"url"`
	// Image is an optional square picture shown with the link.
	Image *Thumbnail `json:"image,omitempty"`
	// StartsAt and EndsAt bound when the link shows (scheduled links);
	// nil leaves that side open.
	StartsAt *time.Time `json:"startsAt,omitempty"`
	EndsAt   *time.Time `json:"endsAt,omitempty"`
	// Position orders a seller's links: 1, 2, ... once the seller ordered
	// them; links with equal positions are in creation order.
	Position  int       `json:"position"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// LiveAt reports whether the link shows on the shop at t.
func (l *Link) LiveAt(t time.Time) bool {
	return (l.StartsAt == nil || !t.Before(*l.StartsAt)) && (l.EndsAt == nil || t.Before(*l.EndsAt))
}

// Clone returns a copy of l that shares no pointers with it.
func (l Link) Clone() Link {
	l.Image = clonePtr(l.Image)
	l.StartsAt = clonePtr(l.StartsAt)
	l.EndsAt = clonePtr(l.EndsAt)
	return l
}

// Id prefixes: products and links share the click counters, so their ids
// never meet.
const (
	productIDPrefix = "p"
	linkIDPrefix    = "l"
)

// NewLinkID returns a fresh random link id.
func NewLinkID() string { return linkIDPrefix + randomIDPart() }

// IsLinkID reports whether id has the shape of a link's id (clicks hold
// either a product's or a link's id).
func IsLinkID(id string) bool { return strings.HasPrefix(id, linkIDPrefix) && len(id) == 17 }

// randomIDPart is 16 lower-case base32 characters (80 random bits), the
// shape of ProductID's hash part.
func randomIDPart() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Validate checks every field of the link.
func (l *Link) Validate() error {
	if !IsLinkID(l.ID) {
		return Invalid("id", "is not a link id")
	}
	if err := ValidateHandle("seller", l.Seller); err != nil {
		return err
	}
	if strings.TrimSpace(l.Title) == "" {
		return Invalid("title", "is required")
	}
	if err := ValidateText("title", l.Title, MaxLinkTitleRunes, false); err != nil {
		return err
	}
	if err := ValidatePublicURL("url", l.URL); err != nil {
		return err
	}
	if l.Image != nil {
		if err := validateThumbnails([]Thumbnail{*l.Image}); err != nil {
			return Invalid("image", "needs a media key and a valid size")
		}
	}
	if l.StartsAt != nil && l.EndsAt != nil && !l.EndsAt.After(*l.StartsAt) {
		return Invalid("endsAt", "must be after startsAt")
	}
	if l.Position < 0 {
		return Invalid("position", "must not be negative")
	}
	return nil
}
