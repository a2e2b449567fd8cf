// Package projector turns the pipeline's results into a seller's products.
// Its Handler consumes caption.parsed, thumbnails.generated and
// product.tagged and upserts the products of each video.
//
// Rules, in the order a newcomer needs them:
//
//   - A product's id is catalog.ProductID(videoID, index): a redelivered or
//     re-run result overwrites instead of duplicating, and a redelivery that
//     brings nothing new writes nothing at all.
//   - Results may arrive in any order. Thumbnails and tags are recorded on the
//     video first (catalog.Video.Thumbnails and ProductTags) and then handed
//     out to the video's products; the caption step creates the products and
//     applies whatever the video already holds. Every handler re-reads the
//     video after writing products and projects again if another result came
//     in meanwhile, so concurrent deliveries cannot lose one another's work.
//   - Thumbnails are shared out by caption position: with n products and the
//     thumbnails best first, the product at index i gets thumbnails i, i+n,
//     i+2n, ... (and thumbnail i mod m when there are fewer thumbnails than
//     products), so every product has an image when there is any.
//   - New products are published at once: a link-in-bio page must work without
//     a manual step, and the seller hides what is wrong from the dashboard.
//     Position 0 means "not ordered by the seller" (newest video first).
//   - A seller's manual edits (catalog.Product.Edited) are never overwritten
//     by a later run. A re-parse that no longer finds a product deletes it
//     unless the seller edited it. A product the seller deleted comes back only
//     if its video's caption is parsed again (hide it to keep it away).
//   - The video's lifecycle is catalog.Video's (StepDone, StepFailed,
//     Settle): its Steps record "caption", "thumbnails" and "tags" as "done"
//     or "failed". The video is ready when caption and thumbnails are done and
//     tags are done or not needed (a caption with no products); it is failed,
//     with the first failing step's reason, when a step failed permanently
//     (the event's Failure). Products already made stay visible.
//   - Events that can never apply (undecodable, unknown video, another
//     seller's video) are permanent errors and end in the dead-letter box;
//     store failures are retryable.
package projector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/media"
)

// EventTypes are the event types the projector consumes.
var EventTypes = []string{events.TypeCaptionParsed, events.TypeThumbnailsGenerated, events.TypeProductTagged}

// Store is what the projector needs of a catalog store.
type Store interface {
	GetVideo(ctx context.Context, id string) (catalog.Video, error)
	UpdateVideo(ctx context.Context, id string, fn func(*catalog.Video) error) (catalog.Video, error)
	UpsertProduct(ctx context.Context, id string, fn func(*catalog.Product, bool) error) (catalog.Product, error)
	ListProducts(ctx context.Context, q catalog.ProductQuery, p catalog.Page) ([]catalog.Product, string, error)
	DeleteProduct(ctx context.Context, id string) error
}

// Options configure a Projector.
type Options struct {
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// OnChange, when set, is called with the seller's handle after the
	// projector changed any of the seller's products (cache invalidation).
	OnChange func(seller string)
}

// Projector writes products from pipeline results. It is safe for
// concurrent use.
type Projector struct {
	store    Store
	log      *slog.Logger
	onChange func(string)
}

// New returns a projector over the store.
func New(store Store, o Options) *Projector {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.OnChange == nil {
		o.OnChange = func(string) {}
	}
	return &Projector{store: store, log: o.Logger, onChange: o.OnChange}
}

// maxProjectRounds bounds how often one event re-projects a video whose
// results keep changing underneath it before giving up (retryable).
const maxProjectRounds = 5

// errUnchanged aborts a store update that would change nothing.
var errUnchanged = errors.New("projector: unchanged")

// Handle is the bus.Handler for the three result events.
func (p *Projector) Handle(ctx context.Context, env events.Envelope) error {
	switch env.Type {
	case events.TypeCaptionParsed:
		var pl events.CaptionParsed
		if err := events.Decode(env, &pl); err != nil {
			return err
		}
		return p.caption(ctx, env, &pl)
	case events.TypeThumbnailsGenerated:
		var pl events.ThumbnailsGenerated
		if err := events.Decode(env, &pl); err != nil {
			return err
		}
		return p.thumbnails(ctx, env, &pl)
	case events.TypeProductTagged:
		var pl events.ProductTagged
		if err := events.Decode(env, &pl); err != nil {
			return err
		}
		return p.tagged(ctx, env, &pl)
	}
	return events.Permanent(fmt.Errorf("projector: cannot handle %q events", env.Type))
}

func (p *Projector) caption(ctx context.Context, env events.Envelope, pl *events.CaptionParsed) error {
	if err := p.checkVideo(ctx, env); err != nil {
		return err
	}
	products := pl.Products
	if err := p.updateVideo(ctx, env.VideoID, func(v *catalog.Video) {
		if pl.Failure != nil {
			v.StepFailed(catalog.StepCaption, pl.Failure.Reason)
			return
		}
		v.StepDone(catalog.StepCaption)
		v.ProductCount = len(products)
	}); err != nil {
		return err
	}
	changed := false
	if pl.Failure == nil {
		source := catalog.ProductFromRules
		if pl.Parser == catalog.ProductFromLLM {
			source = catalog.ProductFromLLM
		}
		n, err := p.project(ctx, env.VideoID, &parsed{products: products, source: source})
		if err != nil {
			return err
		}
		d, err := p.deleteStale(ctx, env.VideoID, products)
		if err != nil {
			return err
		}
		changed = n+d > 0
		p.log.InfoContext(ctx, "caption projected", "video_id", env.VideoID, "products", len(products), "changed", n, "deleted", d)
	}
	return p.finish(ctx, env, changed)
}

func (p *Projector) thumbnails(ctx context.Context, env events.Envelope, pl *events.ThumbnailsGenerated) error {
	if err := p.checkVideo(ctx, env); err != nil {
		return err
	}
	thumbs := cleanThumbnails(pl.Thumbnails)
	if err := p.updateVideo(ctx, env.VideoID, func(v *catalog.Video) {
		if pl.Failure != nil {
			v.StepFailed(catalog.StepThumbnails, pl.Failure.Reason)
			return
		}
		v.StepDone(catalog.StepThumbnails)
		v.Thumbnails = thumbs
	}); err != nil {
		return err
	}
	n := 0
	if pl.Failure == nil && len(thumbs) > 0 {
		var err error
		if n, err = p.project(ctx, env.VideoID, nil); err != nil {
			return err
		}
	}
	p.log.InfoContext(ctx, "thumbnails projected", "video_id", env.VideoID, "thumbnails", len(thumbs), "changed", n)
	return p.finish(ctx, env, n > 0)
}

func (p *Projector) tagged(ctx context.Context, env events.Envelope, pl *events.ProductTagged) error {
	if err := p.checkVideo(ctx, env); err != nil {
		return err
	}
	tags := cleanProductTags(pl.Products)
	if err := p.updateVideo(ctx, env.VideoID, func(v *catalog.Video) {
		if pl.Failure != nil {
			v.StepFailed(catalog.StepTags, pl.Failure.Reason)
			return
		}
		v.StepDone(catalog.StepTags)
		v.ProductTags = tags
	}); err != nil {
		return err
	}
	n := 0
	if pl.Failure == nil && len(tags) > 0 {
		var err error
		if n, err = p.project(ctx, env.VideoID, nil); err != nil {
			return err
		}
	}
	p.log.InfoContext(ctx, "tags projected", "video_id", env.VideoID, "products", len(tags), "changed", n)
	return p.finish(ctx, env, n > 0)
}

// finish settles the video's status and reports changed products.
func (p *Projector) finish(ctx context.Context, env events.Envelope, changed bool) error {
	if changed {
		p.onChange(env.Seller)
	}
	return p.updateVideo(ctx, env.VideoID, (*catalog.Video).Settle)
}

// checkVideo makes sure the event's video exists and is the event seller's.
func (p *Projector) checkVideo(ctx context.Context, env events.Envelope) error {
	if err := catalog.ValidateVideoID("videoId", env.VideoID); err != nil {
		return events.Permanent(fmt.Errorf("projector: %s event %s: %w", env.Type, env.ID, err))
	}
	v, err := p.store.GetVideo(ctx, env.VideoID)
	if catalog.IsCode(err, catalog.CodeNotFound) {
		return events.Permanent(fmt.Errorf("projector: %s event %s is for unknown video %s", env.Type, env.ID, env.VideoID))
	}
	if err != nil {
		return err
	}
	if v.Seller != env.Seller {
		return events.Permanent(fmt.Errorf("projector: %s event %s names seller %q but video %s belongs to %q",
			env.Type, env.ID, env.Seller, v.ID, v.Seller))
	}
	return nil
}

// updateVideo applies mutate to the stored video and writes it only when
// something changed.
func (p *Projector) updateVideo(ctx context.Context, id string, mutate func(*catalog.Video)) error {
	_, err := p.store.UpdateVideo(ctx, id, func(v *catalog.Video) error {
		before := jsonOf(v)
		mutate(v)
		if bytes.Equal(before, jsonOf(v)) {
			return errUnchanged
		}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// parsed is a caption step's result being projected.
type parsed struct {
	products []events.ParsedProduct
	source   string
}

// project upserts the video's products from its recorded results: the
// parsed products when the caption step is being projected, else the
// video's existing products. It repeats while the video's results change
// underneath it and returns how many products it changed.
func (p *Projector) project(ctx context.Context, videoID string, run *parsed) (int, error) {
	changed := 0
	for range maxProjectRounds {
		v, err := p.store.GetVideo(ctx, videoID)
		if err != nil {
			return changed, err
		}
		inputs := projectionInputs(v)
		var targets []target
		if run != nil {
			for i := range run.products {
				targets = append(targets, target{index: run.products[i].Index, parsed: &run.products[i]})
			}
		} else {
			existing, err := p.videoProducts(ctx, v)
			if err != nil {
				return changed, err
			}
			for _, ex := range existing {
				targets = append(targets, target{index: ex.Index})
			}
		}
		for _, t := range targets {
			ok, err := p.upsert(ctx, v, t, run)
			if err != nil {
				return changed, err
			}
			if ok {
				changed++
			}
		}
		after, err := p.store.GetVideo(ctx, videoID)
		if err != nil {
			return changed, err
		}
		if bytes.Equal(inputs, projectionInputs(after)) {
			return changed, nil
		}
	}
	return changed, fmt.Errorf("projector: the results of video %s kept changing while its products were written", videoID)
}

// projectionInputs are the parts of a video its products are made from.
func projectionInputs(v catalog.Video) []byte {
	return jsonOf(struct {
		N      int
		Posted any
		Thumbs []catalog.Thumbnail
		Tags   []catalog.ProductTags
	}{v.ProductCount, v.PostedAt.UnixNano(), v.Thumbnails, v.ProductTags})
}

// target is one product to project: its caption index and, from the caption
// step, its parsed fields.
type target struct {
	index  int
	parsed *events.ParsedProduct
}

// upsert writes one product; it reports whether the product changed.
func (p *Projector) upsert(ctx context.Context, v catalog.Video, t target, run *parsed) (bool, error) {
	_, err := p.store.UpsertProduct(ctx, catalog.ProductID(v.ID, t.index), func(pr *catalog.Product, exists bool) error {
		if !exists && t.parsed == nil {
			return errUnchanged // deleted meanwhile: only a caption run makes products
		}
		before := jsonOf(pr)
		if !exists {
			pr.Seller, pr.VideoIDs, pr.Index = v.Seller, []string{v.ID}, t.index
			pr.Status = catalog.ProductPublished
		}
		if t.parsed != nil {
			applyParsed(pr, t.parsed, run.source)
		}
		pr.VideoPostedAt = v.PostedAt
		applyThumbnails(pr, v)
		applyTags(pr, v)
		if exists && bytes.Equal(before, jsonOf(pr)) {
			return errUnchanged
		}
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return false, nil
	case catalog.IsCode(err, catalog.CodeInvalid):
		// Sanitising should make this impossible; a product that still does
		// not validate would fail every retry the same way.
		return false, events.Permanent(fmt.Errorf("projector: product %d of video %s: %w", t.index, v.ID, err))
	case err != nil:
		return false, err
	}
	return true, nil
}

// videoProducts lists every product made from the video's caption.
func (p *Projector) videoProducts(ctx context.Context, v catalog.Video) ([]catalog.Product, error) {
	var out []catalog.Product
	page := catalog.Page{Limit: catalog.MaxPageLimit}
	for {
		items, next, err := p.store.ListProducts(ctx, catalog.ProductQuery{Seller: v.Seller, VideoID: v.ID}, page)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if len(it.VideoIDs) > 0 && it.VideoIDs[0] == v.ID && it.ID == catalog.ProductID(v.ID, it.Index) {
				out = append(out, it)
			}
		}
		if next == "" {
			return out, nil
		}
		page.Cursor = next
	}
}

// deleteStale deletes the video's products a new parse no longer finds,
// unless the seller edited them.
func (p *Projector) deleteStale(ctx context.Context, videoID string, products []events.ParsedProduct) (int, error) {
	v, err := p.store.GetVideo(ctx, videoID)
	if err != nil {
		return 0, err
	}
	keep := make(map[int]bool, len(products))
	for _, pp := range products {
		keep[pp.Index] = true
	}
	existing, err := p.videoProducts(ctx, v)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ex := range existing {
		if keep[ex.Index] || len(ex.Edited) > 0 {
			continue
		}
		if err := p.store.DeleteProduct(ctx, ex.ID); err != nil && !catalog.IsCode(err, catalog.CodeNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

// priceFields are edited together: a price means nothing without its currency.
var priceFields = []string{"priceMinor", "compareAtMinor", "currency"}

func editedAny(p *catalog.Product, fields ...string) bool {
	for _, f := range fields {
		if p.IsEdited(f) {
			return true
		}
	}
	return false
}

// applyParsed copies a parsed product's fields, cleaned so that the product
// validates, except those the seller edited.
func applyParsed(p *catalog.Product, pp *events.ParsedProduct, source string) {
	p.Index = pp.Index
	p.Source = source
	if !p.IsEdited("title") {
		p.Title = catalog.CleanLine(pp.Title, catalog.MaxTitleRunes)
		if p.Title == "" {
			p.Title = fmt.Sprintf("Item %d", pp.Index+1)
		}
	}
	if !editedAny(p, priceFields...) {
		p.PriceMinor, p.CompareAtMinor, p.Currency = nil, nil, ""
		if catalog.ValidateCurrency("currency", pp.Currency) == nil {
			p.PriceMinor, p.CompareAtMinor = cleanPrice(pp.PriceMinor), cleanPrice(pp.CompareAtMinor)
			if p.PriceMinor != nil || p.CompareAtMinor != nil {
				p.Currency = pp.Currency
			}
		}
	}
	if !p.IsEdited("buyUrl") {
		p.BuyURL = ""
		if catalog.ValidatePublicURL("buyUrl", pp.BuyURL) == nil {
			p.BuyURL = pp.BuyURL
		}
	}
	if !p.IsEdited("discountCode") {
		p.DiscountCode = ""
		if code := strings.TrimSpace(pp.DiscountCode); code != "" && !strings.ContainsFunc(code, unicode.IsSpace) &&
			catalog.ValidateText("discountCode", code, catalog.MaxCodeRunes, false) == nil && !hasFormatChars(code) {
			p.DiscountCode = code
		}
	}
	if !p.IsEdited("offerEndsAt") {
		p.OfferEndsAt = nil
		if pp.OfferEndsAt != nil && !pp.OfferEndsAt.IsZero() {
			t := pp.OfferEndsAt.UTC()
			p.OfferEndsAt = &t
		}
	}
}

func cleanPrice(v *int64) *int64 {
	if v == nil || *v <= 0 || *v > catalog.MaxPriceMinor {
		return nil
	}
	x := *v
	return &x
}

// applyThumbnails gives the product its share of the video's thumbnails.
func applyThumbnails(p *catalog.Product, v catalog.Video) {
	if p.IsEdited("thumbnails") || len(v.Thumbnails) == 0 {
		return
	}
	p.Thumbnails = ShareThumbnails(v.Thumbnails, p.Index, v.ProductCount)
}

// ShareThumbnails returns the thumbnails (best first) of the product at index
// among n products: thumbnails index, index+n, ... or, when there are fewer
// thumbnails than products, thumbnail index mod len(thumbs).
func ShareThumbnails(thumbs []catalog.Thumbnail, index, n int) []catalog.Thumbnail {
	if len(thumbs) == 0 {
		return nil
	}
	n = max(n, 1)
	slot := index % n
	var out []catalog.Thumbnail
	for j := slot; j < len(thumbs) && len(out) < catalog.MaxThumbnails; j += n {
		out = append(out, thumbs[j])
	}
	if len(out) == 0 {
		out = append(out, thumbs[slot%len(thumbs)])
	}
	return out
}

// applyTags copies the tagger's category and tags for the product, except
// those the seller edited.
func applyTags(p *catalog.Product, v catalog.Video) {
	for _, pt := range v.ProductTags {
		if pt.Index != p.Index {
			continue
		}
		if !p.IsEdited("tags") {
			p.Tags = pt.Tags
		}
		if !p.IsEdited("category") {
			p.Category = pt.Category
		}
		return
	}
}

// cleanThumbnails keeps the thumbnails with served media keys and sane
// numbers, at most catalog.MaxThumbnails, in their order.
func cleanThumbnails(in []events.Thumbnail) []catalog.Thumbnail {
	var out []catalog.Thumbnail
	seen := map[string]bool{}
	for _, t := range in {
		if len(out) == catalog.MaxThumbnails {
			break
		}
		if !media.ValidKey(t.Key) || seen[t.Key] || t.FrameMS < 0 || t.Width < 0 || t.Height < 0 || t.Score != t.Score {
			continue
		}
		seen[t.Key] = true
		out = append(out, catalog.Thumbnail{
			Key: t.Key, FrameMS: t.FrameMS, Score: t.Score, Label: catalog.CleanLine(t.Label, 40), Width: t.Width, Height: t.Height,
		})
	}
	return out
}

// cleanProductTags normalises the tagger's results so the video validates:
// tags normalised, deduplicated, confidences clamped, at most MaxTags each.
func cleanProductTags(in []events.TaggedProduct) []catalog.ProductTags {
	out := make([]catalog.ProductTags, 0, len(in))
	for _, tp := range in {
		pt := catalog.ProductTags{Index: tp.Index, Category: catalog.CleanLine(tp.Category, catalog.MaxCategoryRunes)}
		seen := map[string]bool{}
		for _, t := range tp.Tags {
			name := catalog.NormalizeTag(t.Name)
			if name == "" || seen[name] || len(pt.Tags) == catalog.MaxTags {
				continue
			}
			seen[name] = true
			c := t.Confidence
			if c != c { // NaN
				c = 0
			}
			pt.Tags = append(pt.Tags, catalog.Tag{Name: name, Confidence: min(max(c, 0), 1)})
		}
		out = append(out, pt)
	}
	return out
}

func hasFormatChars(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cf, r) })
}

func jsonOf(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("projector: %T is not JSON-encodable: %v", v, err))
	}
	return b
}
