package storefront

import (
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// Money is a price in the public API.
type Money struct {
	// Minor is the amount in ISO 4217 minor units.
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
	// Text is the amount formatted for display ("$19.99").
	Text string `json:"text"`
}

// Image is a product image.
type Image struct {
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// PublicProduct is a published product as shoppers see it.
type PublicProduct struct {
	ID           string     `json:"id"`
	Title        string     `json:"title"`
	Price        *Money     `json:"price,omitempty"`
	CompareAt    *Money     `json:"compareAt,omitempty"`
	DiscountCode string     `json:"discountCode,omitempty"`
	OfferEndsAt  *time.Time `json:"offerEndsAt,omitempty"`
	// OfferEnded is true once OfferEndsAt has passed.
	OfferEnded bool     `json:"offerEnded"`
	Category   string   `json:"category,omitempty"`
	Tags       []string `json:"tags"`
	Images     []Image  `json:"images"`
	// ClickURL goes through the click redirect to the buy link; empty when
	// the product has no buy link.
	ClickURL string `json:"clickUrl,omitempty"`
	// VideoID is the source video; VideoURL its TikTok page and
	// ShopVideoURL its "shop this video" page. All three are empty for a
	// product added by hand.
	VideoID      string `json:"videoId,omitempty"`
	VideoURL     string `json:"videoUrl,omitempty"`
	ShopVideoURL string `json:"shopVideoUrl,omitempty"`
	Pinned       bool   `json:"pinned"`
}

// PublicSeller is a seller as shoppers see it.
type PublicSeller struct {
	Handle      string `json:"handle"`
	DisplayName string `json:"displayName"`
	AvatarURL   string `json:"avatarUrl,omitempty"`
	Bio         string `json:"bio,omitempty"`
	ShopURL     string `json:"shopUrl"`
	// Socials are the seller's profiles elsewhere, in display order.
	Socials     []SocialLink `json:"socials"`
	AccentColor string       `json:"accentColor,omitempty"`
}

// SocialLink is one of a seller's profiles elsewhere.
type SocialLink struct {
	Network string `json:"network"`
	Label   string `json:"label"`
	URL     string `json:"url"`
}

// Shop is the answer of GET /api/shops/{handle}.
type Shop struct {
	Seller PublicSeller `json:"seller"`
	// Links are the seller's plain links showing now, in order.
	Links    []PublicLink    `json:"links"`
	Products []PublicProduct `json:"products"`
	// NextCursor asks for the next page; absent on the last one.
	NextCursor string `json:"nextCursor,omitempty"`
}

// ProductList is the answer of GET /api/products.
type ProductList struct {
	Items      []PublicProduct `json:"items"`
	NextCursor string          `json:"nextCursor,omitempty"`
}

func money(minor *int64, code string) *Money {
	if minor == nil || code == "" {
		return nil
	}
	return &Money{Minor: *minor, Currency: code, Text: FormatPrice(*minor, code)}
}

func (s *Server) publicSeller(sl catalog.Seller) PublicSeller {
	name := sl.DisplayName
	if name == "" {
		name = "@" + sl.Handle
	}
	out := PublicSeller{Handle: sl.Handle, DisplayName: name, AvatarURL: s.avatarURL(sl, true), Bio: sl.Bio, ShopURL: s.shopURL(sl.Handle),
		Socials: []SocialLink{}, AccentColor: sl.AccentColor}
	for _, n := range catalog.SocialNetworks {
		if u := sl.Socials.URL(n); u != "" {
			out.Socials = append(out.Socials, SocialLink{Network: n, Label: socialLabels[n][0], URL: u})
		}
	}
	return out
}

// images are a product's pictures, the card's first.
func (s *Server) images(p catalog.Product) []Image {
	out := make([]Image, 0, len(p.Thumbnails)+1)
	if p.Image != nil {
		out = append(out, Image{URL: s.media.URL(p.Image.Key), Width: p.Image.Width, Height: p.Image.Height})
	}
	for _, t := range p.Thumbnails {
		if p.Image == nil || t.Key != p.Image.Key {
			out = append(out, Image{URL: s.media.URL(t.Key), Width: t.Width, Height: t.Height})
		}
	}
	return out
}

func (s *Server) publicProduct(p catalog.Product, now time.Time) PublicProduct {
	out := PublicProduct{
		ID: p.ID, Title: p.Title, Price: money(p.PriceMinor, p.Currency), CompareAt: money(p.CompareAtMinor, p.Currency),
		DiscountCode: p.DiscountCode, OfferEndsAt: p.OfferEndsAt, OfferEnded: p.OfferEndsAt != nil && !now.Before(*p.OfferEndsAt),
		Category: p.Category, Tags: make([]string, 0, len(p.Tags)), Images: s.images(p), Pinned: p.Pinned,
	}
	for _, t := range p.Tags {
		out.Tags = append(out.Tags, t.Name)
	}
	if p.BuyURL != "" {
		out.ClickURL = s.clickURL(p.ID)
	}
	if len(p.VideoIDs) > 0 {
		out.VideoID = p.VideoIDs[0]
		out.ShopVideoURL = s.videoShopURL(p.Seller, out.VideoID)
		out.VideoURL = tiktokVideoURL(p.Seller, out.VideoID)
		if catalog.IsUploadVideoID(out.VideoID) {
			out.VideoURL = out.ShopVideoURL // uploaded without a TikTok post
		}
	}
	return out
}
