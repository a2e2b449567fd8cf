// Package eval scores caption parsers against hand-labeled captions, exactly
// as ../shared/fixtures/README.md defines it.
//
// Per caption, predicted and labeled products are matched one to one by
// title: the overlap of two titles is the Jaccard index of their token sets
// (tokens are maximal runs of Unicode letters and digits, lower-cased), a
// pair needs an overlap of at least 0.5, and the best pairs are taken first.
// A matched pair scores four fields: the title (the match itself), the price
// (price_minor and currency both equal), the buy URL (equal after trimming a
// trailing slash) and the discount code (equal, case-sensitive); a missing
// value equals only a missing value. Precision is matched/predicted, recall
// matched/labeled, F1 their harmonic mean, field accuracy correct fields over
// 4 x matched. A negative caption (no labeled product) with any predicted
// product is a false positive.
package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode"

	"github.com/buylink/buylink/pkg/events"
)

// Case is one labeled caption.
type Case struct {
	ID       string  `json:"id"`
	Caption  string  `json:"caption"`
	Products []Label `json:"products"`
	Notes    string  `json:"notes"`
}

// Label is one labeled product. Nil fields are stated as null: no price, no
// currency, "link in bio", no code.
type Label struct {
	Title        string  `json:"title"`
	PriceMinor   *int64  `json:"price_minor"`
	Currency     *string `json:"currency"`
	BuyURL       *string `json:"buy_url"`
	DiscountCode *string `json:"discount_code"`
}

// Load reads labeled captions, one JSON object a line. Blank lines are
// skipped; any other line that is not a complete case is an error naming it.
func Load(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(bytes.NewReader(data))
}

// Read reads labeled captions from r (see Load).
func Read(r io.Reader) ([]Case, error) {
	var cases []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var raw struct {
			Case
			Products *[]Label `json:"products"`
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		c := raw.Case
		switch {
		case c.ID == "":
			return nil, fmt.Errorf("line %d: no id", n)
		case raw.Products == nil:
			return nil, fmt.Errorf("line %d (%s): no products list (negatives have \"products\": [])", n, c.ID)
		}
		c.Products = *raw.Products
		for k, p := range c.Products {
			if strings.TrimSpace(p.Title) == "" {
				return nil, fmt.Errorf("line %d (%s): product %d has no title", n, c.ID, k)
			}
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("no labeled captions")
	}
	return cases, nil
}

// Report accumulates the scores of many captions.
type Report struct {
	Captions, Negatives, FalsePositives int
	Labeled, Predicted, Matched         int
	// FieldsCorrect counts correct fields of matched pairs, titles included.
	FieldsCorrect int
	// Errors counts captions the parser failed on (scored as no prediction).
	Errors int
	Misses []Miss
}

// Miss is one scoring miss, for -v listings.
type Miss struct {
	CaseID string
	// Kind is "missed", "spurious", "price", "buy_url", "discount_code",
	// "false positive" or "error".
	Kind   string
	Detail string
}

// Pair is a matched predicted and labeled product.
type Pair struct {
	Pred, Label int
	Overlap     float64
}

// Add scores one caption's prediction; err is a parser failure.
func (r *Report) Add(c Case, pred []events.ParsedProduct, err error) {
	r.Captions++
	if err != nil {
		r.Errors++
		r.Misses = append(r.Misses, Miss{c.ID, "error", err.Error()})
		pred = nil
	}
	r.Labeled += len(c.Products)
	r.Predicted += len(pred)
	if len(c.Products) == 0 {
		r.Negatives++
		if len(pred) > 0 {
			r.FalsePositives++
			r.Misses = append(r.Misses, Miss{c.ID, "false positive", titles(pred)})
		}
		return
	}
	pairs := Match(pred, c.Products)
	matchedPred := make([]bool, len(pred))
	matchedLabel := make([]bool, len(c.Products))
	for _, pr := range pairs {
		matchedPred[pr.Pred], matchedLabel[pr.Label] = true, true
		p, l := pred[pr.Pred], c.Products[pr.Label]
		r.Matched++
		r.FieldsCorrect++ // the title: the match itself
		if PriceEqual(p, l) {
			r.FieldsCorrect++
		} else {
			r.Misses = append(r.Misses, Miss{c.ID, "price", fmt.Sprintf("%q: got %s, want %s", l.Title, fmtPrice(p.PriceMinor, p.Currency), fmtPrice(l.PriceMinor, deref(l.Currency)))})
		}
		if URLEqual(p.BuyURL, l.BuyURL) {
			r.FieldsCorrect++
		} else {
			r.Misses = append(r.Misses, Miss{c.ID, "buy_url", fmt.Sprintf("%q: got %q, want %q", l.Title, p.BuyURL, deref(l.BuyURL))})
		}
		if p.DiscountCode == deref(l.DiscountCode) {
			r.FieldsCorrect++
		} else {
			r.Misses = append(r.Misses, Miss{c.ID, "discount_code", fmt.Sprintf("%q: got %q, want %q", l.Title, p.DiscountCode, deref(l.DiscountCode))})
		}
	}
	for k, l := range c.Products {
		if !matchedLabel[k] {
			r.Misses = append(r.Misses, Miss{c.ID, "missed", fmt.Sprintf("%q (predicted: %s)", l.Title, titles(pred))})
		}
	}
	for k, p := range pred {
		if !matchedPred[k] {
			r.Misses = append(r.Misses, Miss{c.ID, "spurious", fmt.Sprintf("%q", p.Title)})
		}
	}
}

// Precision is matched / predicted (1 when nothing was predicted).
func (r *Report) Precision() float64 { return ratio(r.Matched, r.Predicted) }

// Recall is matched / labeled (1 when nothing was labeled).
func (r *Report) Recall() float64 { return ratio(r.Matched, r.Labeled) }

// F1 is the harmonic mean of precision and recall.
func (r *Report) F1() float64 {
	p, q := r.Precision(), r.Recall()
	if p+q == 0 {
		return 0
	}
	return 2 * p * q / (p + q)
}

// FieldAccuracy is correct fields / (4 x matched).
func (r *Report) FieldAccuracy() float64 { return ratio(r.FieldsCorrect, 4*r.Matched) }

// FalsePositiveRate is false positives / negatives.
func (r *Report) FalsePositiveRate() float64 {
	if r.Negatives == 0 {
		return 0
	}
	return float64(r.FalsePositives) / float64(r.Negatives)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Match pairs predicted and labeled products one to one by title overlap
// (at least 0.5), best pairs first; ties go to the earlier label, then the
// earlier prediction.
func Match(pred []events.ParsedProduct, labels []Label) []Pair {
	var all []Pair
	for i, p := range pred {
		for j, l := range labels {
			if o := TitleOverlap(p.Title, l.Title); o >= 0.5 {
				all = append(all, Pair{i, j, o})
			}
		}
	}
	sort.SliceStable(all, func(a, b int) bool {
		if all[a].Overlap != all[b].Overlap {
			return all[a].Overlap > all[b].Overlap
		}
		if all[a].Label != all[b].Label {
			return all[a].Label < all[b].Label
		}
		return all[a].Pred < all[b].Pred
	})
	usedP, usedL := map[int]bool{}, map[int]bool{}
	var out []Pair
	for _, pr := range all {
		if usedP[pr.Pred] || usedL[pr.Label] {
			continue
		}
		usedP[pr.Pred], usedL[pr.Label] = true, true
		out = append(out, pr)
	}
	return out
}

// TitleOverlap is the Jaccard index of the two titles' token sets.
func TitleOverlap(a, b string) float64 {
	ta, tb := tokenSet(a), tokenSet(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	inter := 0
	for t := range ta {
		if tb[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(ta)+len(tb)-inter)
}

func tokenSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, t := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		m[t] = true
	}
	return m
}

// PriceEqual reports equal price_minor and currency (a missing value equals
// only a missing value).
func PriceEqual(p events.ParsedProduct, l Label) bool {
	switch {
	case p.PriceMinor == nil && l.PriceMinor != nil, p.PriceMinor != nil && l.PriceMinor == nil:
		return false
	case p.PriceMinor != nil && *p.PriceMinor != *l.PriceMinor:
		return false
	}
	return p.Currency == deref(l.Currency)
}

// URLEqual reports equal buy URLs after trimming a trailing slash.
func URLEqual(got string, want *string) bool {
	return strings.TrimSuffix(got, "/") == strings.TrimSuffix(deref(want), "/")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func fmtPrice(minor *int64, cur string) string {
	if minor == nil {
		if cur == "" {
			return "none"
		}
		return "none " + cur
	}
	return fmt.Sprintf("%d %s", *minor, cur)
}

func titles(pred []events.ParsedProduct) string {
	if len(pred) == 0 {
		return "none"
	}
	var t []string
	for _, p := range pred {
		t = append(t, fmt.Sprintf("%q", p.Title))
	}
	return strings.Join(t, ", ")
}
