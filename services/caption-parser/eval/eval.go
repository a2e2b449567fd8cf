// Package eval scores caption parsers against hand-labeled captions, as the
// labeled corpora's README (../shared/fixtures/README.md) defines it.
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
//
// A corpus keeps a hold-out that is never tuned on: sorted by id, the
// captions at positions 3, 6, 9, ... (every corpus.HoldoutEvery-th, counted from 1)
// (Split). evalcaptions reports both parts and lists the misses of the tuned
// part only.
package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/buylink/buylink/pkg/corpus"
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
	ids := map[string]bool{}
	err := eachLine(r, func(n int, line []byte) error {
		var raw struct {
			Case
			Products *[]Label `json:"products"`
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		c := raw.Case
		switch {
		case c.ID == "":
			return fmt.Errorf("line %d: no id", n)
		case ids[c.ID]:
			return fmt.Errorf("line %d: id %s repeated", n, c.ID)
		case raw.Products == nil:
			return fmt.Errorf("line %d (%s): no products list (negatives have \"products\": [])", n, c.ID)
		}
		ids[c.ID] = true
		c.Products = *raw.Products
		for k, p := range c.Products {
			if strings.TrimSpace(p.Title) == "" {
				return fmt.Errorf("line %d (%s): product %d has no title", n, c.ID, k)
			}
		}
		cases = append(cases, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, errors.New("no labeled captions")
	}
	return cases, nil
}

// Caption is one unlabeled caption of a scrape: JSON lines with "text",
// "id" and the posting time as "createTimeISO" (RFC 3339) or "createTime"
// (Unix seconds), other fields ignored.
type Caption struct {
	ID       string
	Text     string
	PostedAt time.Time
}

// ReadCaptions reads unlabeled captions from r.
func ReadCaptions(r io.Reader) ([]Caption, error) {
	var out []Caption
	err := eachLine(r, func(n int, line []byte) error {
		var c struct {
			ID            string  `json:"id"`
			Text          *string `json:"text"`
			CreateTimeISO string  `json:"createTimeISO"`
			CreateTime    int64   `json:"createTime"`
		}
		if err := json.Unmarshal(line, &c); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if c.Text == nil {
			return fmt.Errorf("line %d: no \"text\"", n)
		}
		cp := Caption{ID: c.ID, Text: *c.Text}
		if c.CreateTime > 0 {
			cp.PostedAt = time.Unix(c.CreateTime, 0).UTC()
		}
		if t, err := time.Parse(time.RFC3339, c.CreateTimeISO); err == nil {
			cp.PostedAt = t.UTC()
		}
		out = append(out, cp)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no captions")
	}
	return out, nil
}

// eachLine calls fn with every non-blank line of r and its number.
func eachLine(r io.Reader, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			if err := fn(n, line); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}

// Corpus is one file of captions: labeled (JSON lines with "caption" and
// "products") or unlabeled (JSON lines with "text").
type Corpus struct {
	Path      string
	Labeled   []Case
	Unlabeled []Caption
	// Langs maps case ids to their language, from a sources file next to
	// the corpus (see corpus.LoadLanguages); nil when there is none.
	Langs map[string]string
}

// Open reads a corpus, telling its kind by its first line, and the
// languages of its cases from <name>.sources.tsv beside it when present.
func Open(path string) (Corpus, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Corpus{}, err
	}
	c := Corpus{Path: path}
	first, _, _ := bytes.Cut(bytes.TrimSpace(data), []byte("\n"))
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(first, &probe); err != nil {
		return c, fmt.Errorf("%s: line 1: %w", path, err)
	}
	_, hasCaption := probe["caption"]
	_, hasProducts := probe["products"]
	switch _, hasText := probe["text"]; {
	case hasCaption && hasProducts:
		c.Labeled, err = Read(bytes.NewReader(data))
	case hasText:
		c.Unlabeled, err = ReadCaptions(bytes.NewReader(data))
	default:
		err = errors.New("neither labeled captions (\"caption\", \"products\") nor captions (\"text\")")
	}
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	sources := strings.TrimSuffix(path, ".jsonl") + ".sources.tsv"
	if _, err := os.Stat(sources); err == nil {
		if c.Langs, err = corpus.LoadLanguages(sources); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Split returns the tuned part and the hold-out of cases (corpus.Split).
func Split(cases []Case) (tuned, holdout []Case) {
	return corpus.Split(cases, func(c Case) string { return c.ID })
}

// Result is what a parser made of one caption.
type Result struct {
	Products []events.ParsedProduct
	// Err is a parser failure, scored as no products.
	Err error
	// Sent reports that the LLM gate sends the caption to the model.
	Sent bool
}

// Report accumulates the scores of many captions.
type Report struct {
	Captions, Negatives, FalsePositives int
	Labeled, Predicted, Matched         int
	// FieldsCorrect counts correct fields of matched pairs, titles included.
	FieldsCorrect int
	// PriceErrors, URLErrors and CodeErrors count matched products whose
	// price, buy URL or discount code is wrong.
	PriceErrors, URLErrors, CodeErrors int
	// Missed counts labeled products no prediction matched; Spurious the
	// predictions of offers that matched no label.
	Missed, Spurious int
	// Offers counts captions with labeled products; OffersSent those the
	// LLM gate sends, NegativesSent the negatives it sends.
	Offers, OffersSent, NegativesSent int
	// Errors counts captions the parser failed on (scored as no prediction).
	Errors int
	// MatchedByOverlap counts the pairs matched when titles are compared by
	// the overlap coefficient (shared tokens over the smaller set) instead
	// of the Jaccard index: the lenient reading of "token-set overlap",
	// reported beside the strict one (F1ByOverlap).
	MatchedByOverlap int
	Misses           []Miss
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

// Add scores one caption's result.
func (r *Report) Add(c Case, res Result) {
	pred := res.Products
	r.Captions++
	if res.Err != nil {
		r.Errors++
		r.Misses = append(r.Misses, Miss{c.ID, "error", res.Err.Error()})
		pred = nil
	}
	r.Labeled += len(c.Products)
	r.Predicted += len(pred)
	if len(c.Products) == 0 {
		r.Negatives++
		if res.Sent {
			r.NegativesSent++
		}
		if len(pred) > 0 {
			r.FalsePositives++
			r.Misses = append(r.Misses, Miss{c.ID, "false positive", titles(pred)})
		}
		return
	}
	r.Offers++
	if res.Sent {
		r.OffersSent++
	}
	r.MatchedByOverlap += len(match(pred, c.Products, OverlapCoefficient))
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
			r.PriceErrors++
			r.Misses = append(r.Misses, Miss{c.ID, "price", fmt.Sprintf("%q: got %s, want %s", l.Title, fmtPrice(p.PriceMinor, p.Currency), fmtPrice(l.PriceMinor, deref(l.Currency)))})
		}
		if URLEqual(p.BuyURL, l.BuyURL) {
			r.FieldsCorrect++
		} else {
			r.URLErrors++
			r.Misses = append(r.Misses, Miss{c.ID, "buy_url", fmt.Sprintf("%q: got %q, want %q", l.Title, p.BuyURL, deref(l.BuyURL))})
		}
		if p.DiscountCode == deref(l.DiscountCode) {
			r.FieldsCorrect++
		} else {
			r.CodeErrors++
			r.Misses = append(r.Misses, Miss{c.ID, "discount_code", fmt.Sprintf("%q: got %q, want %q", l.Title, p.DiscountCode, deref(l.DiscountCode))})
		}
	}
	for k, l := range c.Products {
		if !matchedLabel[k] {
			r.Missed++
			r.Misses = append(r.Misses, Miss{c.ID, "missed", fmt.Sprintf("%q (predicted: %s)", l.Title, titles(pred))})
		}
	}
	for k, p := range pred {
		if !matchedPred[k] {
			r.Spurious++
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

// FalsePositiveRate is false positives / negatives (0 without negatives).
func (r *Report) FalsePositiveRate() float64 {
	if r.Negatives == 0 {
		return 0
	}
	return float64(r.FalsePositives) / float64(r.Negatives)
}

// F1ByOverlap is F1 with titles matched by the overlap coefficient.
func (r *Report) F1ByOverlap() float64 {
	p, q := ratio(r.MatchedByOverlap, r.Predicted), ratio(r.MatchedByOverlap, r.Labeled)
	if p+q == 0 {
		return 0
	}
	return 2 * p * q / (p + q)
}

// GateRecall is the share of offers the LLM gate sends (1 without offers).
func (r *Report) GateRecall() float64 { return ratio(r.OffersSent, r.Offers) }

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
	return match(pred, labels, TitleOverlap)
}

func match(pred []events.ParsedProduct, labels []Label, overlap func(a, b string) float64) []Pair {
	var all []Pair
	for i, p := range pred {
		for j, l := range labels {
			if o := overlap(p.Title, l.Title); o >= 0.5 {
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

// OverlapCoefficient is the number of tokens two titles share over the
// size of the smaller token set.
func OverlapCoefficient(a, b string) float64 {
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
	return float64(inter) / float64(min(len(ta), len(tb)))
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
