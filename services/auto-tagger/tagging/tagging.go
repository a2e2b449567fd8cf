// Package tagging is the auto-tagger's tag model, shared by the rule and the
// LLM tagger: what a batch to tag looks like, how an untrusted batch is made
// safe, how a raw tag name becomes a normalised one (or is refused), and how
// a list of candidate tags becomes the final list every product carries.
//
// A final tag list holds at most Limits.MaxTags tags (never more than
// catalog.MaxTags), each normalised by Name, each with a confidence of at
// least Limits.MinConfidence, sorted by confidence (highest first, then by
// name), with no two tags of the same name.
package tagging

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/buylink/buylink/pkg/catalog"
)

// Tagger names as they travel in events.ProductTagged.Tagger.
const (
	TaggerRules = "rules"
	TaggerLLM   = "llm"
)

// Batch is what a tagger tags: the products of one caption.parsed event and
// the context they share.
type Batch struct {
	// Titles are the products' titles, in event order.
	Titles []string
	// Caption and Hashtags are the video's; they are weaker evidence than a
	// title because they speak of every product of the video.
	Caption  string
	Hashtags []string
}

// Tag is a normalised tag name with a confidence in [0,1], as products
// store it.
type Tag = catalog.Tag

// Result is one product's category ("" when none is confident) and its
// final tag list.
type Result struct {
	Category string
	Tags     []Tag
}

// Tagged is a tagger's answer for a batch: Products[i] belongs to Titles[i].
type Tagged struct {
	// Tagger is TaggerRules or TaggerLLM: who produced the answer.
	Tagger string
	// Model names the LLM when Tagger is TaggerLLM.
	Model    string
	Products []Result
}

// Tagger tags a batch of products.
type Tagger interface {
	Tag(ctx context.Context, b Batch) (Tagged, error)
}

// Limits bound a final tag list.
type Limits struct {
	// MaxTags is the most tags a product carries (1..catalog.MaxTags).
	MaxTags int
	// MinConfidence is the least confidence a tag needs, in [0,1].
	MinConfidence float64
}

// Default limits (TAGGER_MAX_TAGS, TAGGER_MIN_CONFIDENCE).
const (
	DefaultMaxTags       = 10
	DefaultMinConfidence = 0.6
)

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{MaxTags: DefaultMaxTags, MinConfidence: DefaultMinConfidence}
}

// Validate reports limits outside their ranges.
func (l Limits) Validate() error {
	if l.MaxTags < 1 || l.MaxTags > catalog.MaxTags {
		return fmt.Errorf("max tags must be in 1..%d (got %d)", catalog.MaxTags, l.MaxTags)
	}
	if math.IsNaN(l.MinConfidence) || l.MinConfidence < 0 || l.MinConfidence > 1 {
		return fmt.Errorf("min confidence must be in [0,1] (got %v)", l.MinConfidence)
	}
	return nil
}

// LimitsFromEnv reads TAGGER_MAX_TAGS and TAGGER_MIN_CONFIDENCE over the
// defaults, failing with the variable's name when one is malformed.
func LimitsFromEnv() (Limits, error) {
	l := DefaultLimits()
	if s := os.Getenv("TAGGER_MAX_TAGS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return l, fmt.Errorf("TAGGER_MAX_TAGS must be an integer (got %q)", s)
		}
		l.MaxTags = n
	}
	if s := os.Getenv("TAGGER_MIN_CONFIDENCE"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return l, fmt.Errorf("TAGGER_MIN_CONFIDENCE must be a number (got %q)", s)
		}
		l.MinConfidence = f
	}
	if err := l.Validate(); err != nil {
		return l, fmt.Errorf("TAGGER_MAX_TAGS/TAGGER_MIN_CONFIDENCE: %w", err)
	}
	return l, nil
}

// Finalize turns candidate tags into a final list: every name goes through
// Name (refused ones are dropped), confidences are clamped to [0,1] (NaN
// drops the tag), duplicates keep their highest confidence, tags below
// MinConfidence are dropped, the rest are sorted by confidence then name and
// cut to MaxTags. It never returns nil for an empty list, so the JSON form
// is [].
func (l Limits) Finalize(cands []catalog.Tag) []catalog.Tag {
	out := make([]catalog.Tag, 0, min(len(cands), l.MaxTags))
	best := make(map[string]int, len(cands))
	for _, c := range cands {
		if math.IsNaN(c.Confidence) {
			continue
		}
		conf := min(max(c.Confidence, 0), 1)
		if conf < l.MinConfidence {
			continue
		}
		name := Name(c.Name)
		if name == "" {
			continue
		}
		if i, ok := best[name]; ok {
			out[i].Confidence = max(out[i].Confidence, conf)
			continue
		}
		best[name] = len(out)
		out = append(out, catalog.Tag{Name: name, Confidence: conf})
	}
	slices.SortFunc(out, func(a, b catalog.Tag) int {
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > l.MaxTags {
		out = out[:l.MaxTags]
	}
	return out
}

// Check reports the first way tags break the final-list invariants; nil
// when they hold. Tests and the worker's last guard use it.
func (l Limits) Check(tags []catalog.Tag) error {
	if len(tags) > l.MaxTags {
		return fmt.Errorf("%d tags exceed the limit of %d", len(tags), l.MaxTags)
	}
	if err := catalog.ValidateTags(tags); err != nil {
		return err
	}
	for i, t := range tags {
		if Name(t.Name) != t.Name {
			return fmt.Errorf("tag %q is not normalised (want %q)", t.Name, Name(t.Name))
		}
		if t.Confidence < l.MinConfidence {
			return fmt.Errorf("tag %q has confidence %v below %v", t.Name, t.Confidence, l.MinConfidence)
		}
		if i > 0 {
			p := tags[i-1]
			if p.Confidence < t.Confidence || (p.Confidence == t.Confidence && p.Name > t.Name) {
				return fmt.Errorf("tags %q and %q are out of order", p.Name, t.Name)
			}
		}
	}
	return nil
}

// Input bounds: a title is cut to catalog.MaxTitleRunes runes, a caption to
// catalog.MaxCaptionBytes bytes, a hashtag to MaxHashtagRunes and the
// hashtags to MaxHashtags. Longer input would not be stored anyway, and the
// bounds keep a hostile event from costing time or LLM tokens.
const (
	MaxHashtags     = 64
	MaxHashtagRunes = 64
	MaxProducts     = 100
)

// ErrTooManyProducts is returned (wrapped) for a batch of more than
// MaxProducts products.
var ErrTooManyProducts = errors.New("too many products in one batch")

// Sanitize makes an untrusted batch safe to tag: invalid UTF-8 is dropped,
// HTML tags and control and format characters become spaces, runs of
// whitespace collapse, and every field is cut to its bound. Hashtags lose a
// leading '#'; empty ones are dropped. Titles keep their positions, so an
// empty title stays (and gets an empty result).
func Sanitize(b Batch) (Batch, error) {
	if len(b.Titles) > MaxProducts {
		return Batch{}, fmt.Errorf("%w: %d (at most %d)", ErrTooManyProducts, len(b.Titles), MaxProducts)
	}
	out := Batch{Titles: make([]string, len(b.Titles))}
	for i, t := range b.Titles {
		out.Titles[i] = cleanText(t, 4*catalog.MaxTitleRunes, catalog.MaxTitleRunes)
	}
	out.Caption = cleanText(b.Caption, catalog.MaxCaptionBytes, catalog.MaxCaptionBytes)
	for _, h := range b.Hashtags {
		if len(out.Hashtags) == MaxHashtags {
			break
		}
		h = cleanText(strings.TrimLeft(strings.TrimSpace(h), "#"), 4*MaxHashtagRunes, MaxHashtagRunes)
		if h != "" {
			out.Hashtags = append(out.Hashtags, h)
		}
	}
	return out, nil
}

// cleanText reads at most maxIn bytes of s and keeps at most maxRunes runes
// of clean text.
func cleanText(s string, maxIn, maxRunes int) string {
	if len(s) > maxIn {
		s = s[:maxIn]
	}
	var b strings.Builder
	b.Grow(len(s))
	space, n := false, 0
	for i := 0; i < len(s) && n < maxRunes; {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '<' {
			if end := htmlTagEnd(s, i); end > i {
				i, space = end, true
				continue
			}
		}
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func startsTagName(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-'
}

// htmlTagEnd returns the end of an HTML tag or comment starting at s[i]
// ('<'), or i when s[i:] does not start one. A tag is '<', an optional '/'
// or '!', a letter, and anything up to the next '>' within 256 bytes.
func htmlTagEnd(s string, i int) int {
	j := i + 1
	if j < len(s) && (s[j] == '/' || s[j] == '!') {
		j++
	}
	if j >= len(s) || !startsTagName(s[j]) {
		return i
	}
	limit := min(len(s), i+256)
	if k := strings.IndexByte(s[j:limit], '>'); k >= 0 {
		return j + k + 1
	}
	return i
}
