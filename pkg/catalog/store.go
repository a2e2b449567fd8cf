package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Paging limits shared by every store and API.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// Page asks for one page of a listing: at most Limit items after Cursor, the
// opaque token a previous page returned ("" for the first page).
type Page struct {
	Limit  int
	Cursor string
}

// EffectiveLimit returns the page size to use, or an invalid error when the
// limit is out of range. Zero means DefaultPageLimit.
func (p Page) EffectiveLimit() (int, error) {
	switch {
	case p.Limit == 0:
		return DefaultPageLimit, nil
	case p.Limit < 0 || p.Limit > MaxPageLimit:
		return 0, Invalid("limit", "must be between 1 and %d (got %d)", MaxPageLimit, p.Limit)
	}
	return p.Limit, nil
}

// VideoQuery selects videos. Listings are ordered newest posted first, then by id.
type VideoQuery struct {
	Seller string
	// Statuses keeps videos in any of these statuses; empty keeps all.
	Statuses []VideoStatus
	// UpdatedBefore keeps videos last updated before this time; zero keeps all.
	UpdatedBefore time.Time
}

// ProductQuery selects products. Listings are ordered pinned first, then by
// position, then newest source video first, then by id.
type ProductQuery struct {
	Seller  string
	VideoID string
	// Statuses keeps products in any of these statuses; empty keeps every
	// product that is not deleted (ProductDeleted must be asked for).
	Statuses []ProductStatus
	Tag      string
	Category string
	// Text keeps products whose title contains it, case-insensitively.
	Text string
	// MinPrice and MaxPrice bound the price in minor units (inclusive);
	// products without a price are dropped when either is set.
	MinPrice *int64
	MaxPrice *int64
}

// Matches reports whether the query selects p (every filter; paging aside).
// Stores that cannot filter in their query language filter with it.
func (q ProductQuery) Matches(p *Product) bool {
	switch {
	case q.Seller != "" && p.Seller != q.Seller,
		q.VideoID != "" && !slices.Contains(p.VideoIDs, q.VideoID),
		len(q.Statuses) > 0 && !slices.Contains(q.Statuses, p.Status),
		len(q.Statuses) == 0 && p.Status == ProductDeleted,
		q.Tag != "" && !slices.ContainsFunc(p.Tags, func(t Tag) bool { return t.Name == q.Tag }),
		q.Category != "" && p.Category != q.Category,
		q.Text != "" && !strings.Contains(strings.ToLower(p.Title), strings.ToLower(q.Text)),
		q.MinPrice != nil && (p.PriceMinor == nil || *p.PriceMinor < *q.MinPrice),
		q.MaxPrice != nil && (p.PriceMinor == nil || *p.PriceMinor > *q.MaxPrice):
		return false
	}
	return true
}

// SellerStore keeps sellers.
type SellerStore interface {
	// CreateSeller stores a new seller. It is a conflict when the handle is
	// taken or the seller's Sub already owns a seller.
	CreateSeller(ctx context.Context, s Seller) (Seller, error)
	GetSeller(ctx context.Context, handle string) (Seller, error)
	GetSellerBySub(ctx context.Context, sub string) (Seller, error)
	// UpdateSeller applies fn to the stored seller; handle and sub cannot change.
	UpdateSeller(ctx context.Context, handle string, fn func(*Seller) error) (Seller, error)
	// ListSellers lists sellers by handle.
	ListSellers(ctx context.Context, p Page) ([]Seller, string, error)
}

// VideoStore keeps videos.
type VideoStore interface {
	// UpsertVideo stores v unless a video with its id exists, in which case it
	// returns the stored one unchanged and created=false. A video id that
	// belongs to another seller is a conflict.
	UpsertVideo(ctx context.Context, v Video) (stored Video, created bool, err error)
	GetVideo(ctx context.Context, id string) (Video, error)
	// UpdateVideo applies fn to the stored video; id and seller cannot change.
	UpdateVideo(ctx context.Context, id string, fn func(*Video) error) (Video, error)
	ListVideos(ctx context.Context, q VideoQuery, p Page) ([]Video, string, error)
}

// ProductStore keeps products.
type ProductStore interface {
	// UpsertProduct applies fn to the stored product with the id, or to a new
	// zero product carrying only the id (exists=false), and stores the result.
	// Id and seller of an existing product cannot change.
	UpsertProduct(ctx context.Context, id string, fn func(p *Product, exists bool) error) (Product, error)
	GetProduct(ctx context.Context, id string) (Product, error)
	DeleteProduct(ctx context.Context, id string) error
	ListProducts(ctx context.Context, q ProductQuery, p Page) ([]Product, string, error)
}

// LinkStore keeps sellers' plain links.
type LinkStore interface {
	// PutLink applies fn to the stored link with the id, or to a new zero
	// link carrying only the id (exists=false), and stores the result. Id
	// and seller of an existing link cannot change.
	PutLink(ctx context.Context, id string, fn func(l *Link, exists bool) error) (Link, error)
	GetLink(ctx context.Context, id string) (Link, error)
	DeleteLink(ctx context.Context, id string) error
	// ListLinks lists every link of the seller (at most MaxLinks are kept
	// by the seller API), by position, then creation time, then id.
	ListLinks(ctx context.Context, seller string) ([]Link, error)
}

// ClickStore records clicks and page views and counts them.
type ClickStore interface {
	RecordClick(ctx context.Context, c Click) error
	// DailyClicks counts a seller's clicks per product per UTC day for days in
	// [from, to), ordered by day then product id.
	DailyClicks(ctx context.Context, seller string, from, to time.Time) ([]DailyClicks, error)
	RecordView(ctx context.Context, v View) error
	// DailyViews counts views of a seller's pages per page per UTC day for
	// days in [from, to), ordered by day then page.
	DailyViews(ctx context.Context, seller string, from, to time.Time) ([]DailyViews, error)
}

// Store is everything a backend keeps. Implementations are safe for
// concurrent use.
type Store interface {
	SellerStore
	VideoStore
	ProductStore
	LinkStore
	ClickStore
	// Ping checks that the backend answers.
	Ping(ctx context.Context) error
	Close() error
}

// cursor is the decoded form of an opaque paging token: the query it belongs
// to (a hash) and a backend-specific position.
type cursor struct {
	Query string          `json:"q"`
	Pos   json.RawMessage `json:"p"`
}

// EncodeCursor makes an opaque token for position pos of the listing selected
// by query. Backends call it; callers treat the result as opaque.
func EncodeCursor(query, pos any) (string, error) {
	p, err := json.Marshal(pos)
	if err != nil {
		return "", Internal(err, "encode cursor")
	}
	b, err := json.Marshal(cursor{Query: queryHash(query), Pos: p})
	if err != nil {
		return "", Internal(err, "encode cursor")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// DecodeCursor reads a token made by EncodeCursor for the same query into pos.
// A token that is malformed or belongs to another query is invalid.
func DecodeCursor(token string, query, pos any) error {
	bad := Invalid("cursor", "is not a cursor returned by this listing")
	if len(token) > 4096 {
		return bad
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Query != queryHash(query) || len(c.Pos) == 0 {
		return bad
	}
	if err := json.Unmarshal(c.Pos, pos); err != nil {
		return bad
	}
	return nil
}

func queryHash(q any) string {
	b, err := json.Marshal(q)
	if err != nil {
		panic(fmt.Sprintf("catalog: query %T is not JSON-encodable: %v", q, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
