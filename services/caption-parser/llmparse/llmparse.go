// Package llmparse reads products out of a caption with a chat model
// (pkg/llm) and checks the answer against the caption before trusting it.
//
// The caption is untrusted: the prompt says so, but nothing relies on the
// model obeying. Validate keeps only what the caption itself supports: every
// buy link must be a link written in the caption (and not a social or the
// seller's own link), every price an amount the caption writes, every
// currency an ISO 4217 code, every code a word of the caption; titles are
// cleaned and bounded. A field that fails is dropped (and noted), never
// invented.
package llmparse

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/services/caption-parser/rules"
)

// MaxTitleRunes bounds a product title.
const MaxTitleRunes = 120

// Completer is what the parser needs of an LLM client (*llm.Client).
type Completer interface {
	Complete(ctx context.Context, req llm.Request, out any) (llm.Result, error)
	Model() string
}

// Parser reads captions with a model.
type Parser struct {
	llm Completer
}

// New returns a parser using c.
func New(c Completer) *Parser { return &Parser{llm: c} }

// Result is a parsed caption.
type Result struct {
	Products []events.ParsedProduct
	// Model is the model that answered.
	Model string
	// Cached reports an answer served from the cache.
	Cached bool
	// Notes say which fields of the answer were dropped, and why.
	Notes []string
}

// Parse asks the model for the caption's products and validates them. Its
// errors are pkg/llm's: llm.IsPermanent tells a failure retrying cannot fix
// (an answer that does not fit the schema among them).
func (p *Parser) Parse(ctx context.Context, in rules.Input) (Result, error) {
	var out Output
	res, err := p.llm.Complete(ctx, llm.Request{
		System: systemPrompt, User: userContent(in), Schema: Schema, PromptVersion: PromptVersion,
	}, &out)
	if err != nil {
		return Result{Model: res.Model}, err
	}
	products, notes := Validate(in, out)
	model := res.Model
	if model == "" {
		model = p.llm.Model()
	}
	return Result{Products: products, Model: model, Cached: res.Cached, Notes: notes}, nil
}

// Validate turns an answer into products, keeping only what the caption
// supports (see the package comment). notes name every dropped field.
func Validate(in rules.Input, out Output) ([]events.ParsedProduct, []string) {
	facts := rules.Analyze(in)
	products := make([]events.ParsedProduct, 0, min(len(out.Products), rules.MaxProducts))
	var notes []string
	note := func(k int, format string, args ...any) {
		if len(notes) < 50 {
			notes = append(notes, fmt.Sprintf("product %d: ", k)+fmt.Sprintf(format, args...))
		}
	}
	for k, op := range out.Products {
		if len(products) == rules.MaxProducts {
			notes = append(notes, fmt.Sprintf("%d products beyond the first %d dropped", len(out.Products)-k, rules.MaxProducts))
			break
		}
		title := cleanTitle(op.Title)
		if title == "" {
			note(k, "dropped: no title")
			continue
		}
		pp := events.ParsedProduct{Index: len(products), Title: title, Confidence: confidence(op.Confidence)}
		cur := ""
		if op.Currency != nil {
			cur = strings.ToUpper(strings.TrimSpace(*op.Currency))
		}
		if op.Price != nil {
			switch minor, err := toMinor(*op.Price, cur); {
			case catalog.ValidateCurrency("currency", cur) != nil:
				note(k, "price dropped: currency %q is not ISO 4217", truncate(cur, 10))
			case err != nil:
				note(k, "price dropped: %v", err)
			case !facts.StatesAmount(minor, cur):
				note(k, "price dropped: %s %s is not written in the caption", op.Price.String(), cur)
			default:
				pp.PriceMinor, pp.Currency = &minor, cur
			}
		}
		if op.CompareAtPrice != nil && pp.PriceMinor != nil {
			minor, err := toMinor(*op.CompareAtPrice, cur)
			switch {
			case err != nil:
				note(k, "compare-at price dropped: %v", err)
			case minor <= *pp.PriceMinor:
				note(k, "compare-at price dropped: not above the price")
			case !facts.StatesAmount(minor, cur):
				note(k, "compare-at price dropped: not written in the caption")
			default:
				pp.CompareAtMinor = &minor
			}
		}
		if op.BuyURL != nil && strings.TrimSpace(*op.BuyURL) != "" {
			link, ok := facts.FindLink(*op.BuyURL)
			switch {
			case !ok:
				note(k, "buy URL dropped: %q is not a link of the caption", truncate(*op.BuyURL, 80))
			case !link.Buy:
				note(k, "buy URL dropped: %q is a social or the seller's own link", truncate(link.URL, 80))
			case catalog.ValidatePublicURL("buyUrl", link.URL) != nil:
				note(k, "buy URL dropped: %q is not a public http(s) URL", truncate(link.URL, 80))
			default:
				pp.BuyURL = link.URL
			}
		}
		if op.DiscountCode != nil {
			code := strings.TrimSpace(*op.DiscountCode)
			switch {
			case code == "":
			case utf8.RuneCountInString(code) > catalog.MaxCodeRunes || strings.ContainsFunc(code, unicode.IsSpace):
				note(k, "discount code dropped: not a single word of at most %d characters", catalog.MaxCodeRunes)
			case !facts.HasToken(code):
				note(k, "discount code dropped: %q is not written in the caption", truncate(code, 40))
			default:
				pp.DiscountCode = code
			}
		}
		if op.OfferEndsAt != nil && strings.TrimSpace(*op.OfferEndsAt) != "" {
			if t, err := offerEnd(*op.OfferEndsAt, in.PostedAt); err != nil {
				note(k, "offer end dropped: %v", err)
			} else {
				pp.OfferEndsAt = &t
			}
		}
		products = append(products, pp)
	}
	return products, notes
}

// cleanTitle collapses white space, drops control characters, emoji and
// hashtag signs, and bounds the length at a word boundary.
func cleanTitle(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == '#', r == '\u200d', r == '\ufe0f':
			return ' '
		case unicode.Is(unicode.So, r), unicode.Is(unicode.Cs, r), r >= 0x1F000:
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > MaxTitleRunes {
		r := []rune(s)[:MaxTitleRunes]
		cut := string(r)
		if i := strings.LastIndexByte(cut, ' '); i > MaxTitleRunes/2 {
			cut = cut[:i]
		}
		s = strings.TrimSpace(cut)
	}
	return s
}

func confidence(c float64) float64 {
	if math.IsNaN(c) {
		return 0.5
	}
	return math.Min(math.Max(c, 0), 1)
}

// toMinor converts a decimal amount in major units to minor units of the
// currency, refusing more decimals than the currency has and amounts that
// are not positive or implausibly large.
func toMinor(n interface{ String() string }, cur string) (int64, error) {
	s := strings.TrimSpace(n.String())
	if strings.ContainsAny(s, "eE") {
		return 0, fmt.Errorf("amount %q is not a plain decimal", s)
	}
	if strings.HasPrefix(s, "-") || s == "" {
		return 0, fmt.Errorf("amount %q is not positive", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	scale := catalog.CurrencyScale(cur)
	frac = strings.TrimRight(frac, "0")
	if len(frac) > scale {
		return 0, fmt.Errorf("amount %s has more decimals than %s has", s, cur)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 13 {
		return 0, fmt.Errorf("amount %s is implausibly large", s)
	}
	var v int64
	for _, d := range whole + frac + strings.Repeat("0", scale-len(frac)) {
		if d < '0' || d > '9' {
			return 0, fmt.Errorf("amount %q is not a decimal", s)
		}
		v = v*10 + int64(d-'0')
	}
	switch {
	case v <= 0:
		return 0, fmt.Errorf("amount %s is not positive", s)
	case v > catalog.MaxPriceMinor:
		return 0, fmt.Errorf("amount %s is implausibly large", s)
	}
	return v, nil
}

// offerEnd parses an RFC 3339 time (or a date, meaning its end in UTC) and
// keeps it within a year after the posting time.
func offerEnd(s string, posted time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d, derr := time.Parse(time.DateOnly, s)
		if derr != nil {
			return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", truncate(s, 40))
		}
		t = d.Add(24*time.Hour - time.Second)
	}
	t = t.UTC()
	if !posted.IsZero() && (t.Before(posted.Add(-24*time.Hour)) || t.After(posted.AddDate(1, 0, 1))) {
		return time.Time{}, fmt.Errorf("%s is not within a year after the video was posted", t.Format(time.RFC3339))
	}
	return t, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
