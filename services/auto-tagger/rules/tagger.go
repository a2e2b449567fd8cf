// Package rules is the rule tagger, the auto-tagger's default when no LLM is
// configured: keyword and hashtag matching against a multilingual lexicon of
// the taxonomy (English, Spanish, Portuguese, French, German, Indonesian:
// the caption parser's languages). It is deterministic, needs no network and
// tags tens of thousands of products a second.
//
// How a product is tagged:
//
//   - The title, each hashtag and the caption are folded to lower-case ASCII
//     words and matched against the lexicon, longest phrase first. Words may
//     match in an inflected form (plurals, German endings); a title word or
//     hashtag may match as a compound ("ecksofa" -> "sofa").
//   - The title's language is guessed from function words and from terms
//     that exist in one language only; terms of another language count less.
//   - In the title, prepositions and conjunctions split noun phrases; the
//     first phrase naming a product kind is the main one and its head noun
//     (the last strongest kind in English and German, the first in Spanish,
//     Portuguese, French and Indonesian) is the product. Other kinds count
//     less, kinds after a preposition least ("lamp with night light").
//     Dominant terms (pets) count as heads wherever they stand.
//   - Every match is evidence with a strength: place (title 0.95, hashtags
//     0.75, caption 0.5; hashtags and caption count less when the video has
//     several products, as they speak of all of them) x term strength x
//     language fit x position. Evidence for a category or tag is combined
//     across places as independent signals (1 - prod(1 - v)), taking the
//     strongest within a place.
//   - The category is the best-scoring one if it reaches minCategoryScore;
//     its own tag joins the product's tags. Tags then go through
//     tagging.Limits.Finalize (threshold, deduplication, order, cap).
//
// A title without words gets an empty result whatever the caption says: the
// caption and hashtags only support or complete what a title names. When a
// video has several products, a category also needs evidence in the title.
package rules

import (
	"context"
	"math"
	"slices"
	"strings"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/taxonomy"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// Evidence weights; see the package documentation.
const (
	titleWeight         = 0.95
	hashtagWeight       = 0.75
	hashtagWeightShared = 0.55
	captionWeight       = 0.5
	captionWeightShared = 0.35

	headWeight         = 1.0
	dominantWeight     = 1.05
	otherKindWeight    = 0.8
	modifierWeight     = 0.65
	categoryWordWeight = 0.85

	compoundWeight = 0.85
	loanWeight     = 0.85
	foreignWeight  = 0.6
	// headTolerance: kinds this close to the strongest compete for head.
	headTolerance = 0.05

	categoryTagWeight = 0.9
	minCategoryScore  = 0.5

	// captionVote is the weight of a caption function word in the language
	// guess (a title's words count 1).
	captionVote = 0.25
)

// Places of evidence.
const (
	placeTitle = iota
	placeHashtags
	placeCaption
	numPlaces
)

// Tagger is the rule tagger. It is safe for concurrent use.
type Tagger struct {
	limits tagging.Limits
}

// New returns a rule tagger producing tag lists within l.
func New(l tagging.Limits) (*Tagger, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return &Tagger{limits: l}, nil
}

// Tag tags every product of the batch. The only error is a batch too large
// to tag (tagging.ErrTooManyProducts).
func (t *Tagger) Tag(_ context.Context, b tagging.Batch) (tagging.Tagged, error) {
	b, err := tagging.Sanitize(b)
	if err != nil {
		return tagging.Tagged{}, err
	}
	cx := newShared(b)
	out := tagging.Tagged{Tagger: tagging.TaggerRules, Products: make([]tagging.Result, len(b.Titles))}
	for i, title := range b.Titles {
		out.Products[i] = t.product(title, cx)
	}
	return out, nil
}

// evidence is the strongest evidence per place for each category or tag.
type evidence map[string]*[numPlaces]float64

func (e evidence) add(key string, place int, v float64) {
	if key == "" || v <= 0 {
		return
	}
	p := e[key]
	if p == nil {
		p = new([numPlaces]float64)
		e[key] = p
	}
	p[place] = max(p[place], min(v, 1))
}

// combined merges the places as independent signals.
func combined(p *[numPlaces]float64) float64 {
	r := 1.0
	for _, v := range p {
		r *= 1 - v
	}
	return 1 - r
}

// shared is the evidence a batch's caption and hashtags give each product,
// computed once per batch.
type shared struct {
	cats, tags evidence
	votes      [8]float64
	// several reports a batch of more than one product: its caption and
	// hashtags alone cannot tell which product is which.
	several bool
}

func newShared(b tagging.Batch) *shared {
	cx := &shared{cats: evidence{}, tags: evidence{}, several: len(b.Titles) > 1}
	hw, cw := hashtagWeight, captionWeight
	if cx.several {
		hw, cw = hashtagWeightShared, captionWeightShared
	}
	for _, h := range b.Hashtags {
		ts, compound := hashtagTerms(h)
		best := 0.0
		for _, tm := range ts {
			best = max(best, tm.strength)
		}
		for _, tm := range ts {
			if tm.strength < best-headTolerance || tm.group == taxonomy.Style {
				continue // #aesthetic, #luxury, #cute are for reach, not the product
			}
			v := hw * tm.strength
			if compound {
				v *= compoundWeight
			}
			cx.addContext(tm, placeHashtags, v)
		}
	}
	toks := words(nil, b.Caption)
	for _, w := range toks {
		if l, ok := functionWords[w]; ok {
			vote(&cx.votes, l, captionVote)
		}
	}
	fs := allForms(toks)
	ms := findMatches(&lex.products, toks, fs, false, nil)
	attrs := withoutOpaque(findMatches(&lex.attributes, toks, fs, false, nil), ms)
	for _, m := range bestReadings(slices.Concat(ms, attrs), 0) {
		for _, tm := range m.terms {
			cx.addContext(tm, placeCaption, cw*tm.strength)
		}
	}
	return cx
}

func (cx *shared) addContext(tm *term, place int, v float64) {
	switch tm.group {
	case groupNoise:
		return
	case groupCategory:
		cx.cats.add(tm.category, place, v*categoryWordWeight)
		return
	}
	cx.cats.add(tm.category, place, v)
	cx.tags.add(tm.tag, place, v)
}

// product tags one title with the batch's shared evidence.
func (t *Tagger) product(title string, cx *shared) tagging.Result {
	toks := words(nil, title)
	if len(toks) == 0 {
		return tagging.Result{Tags: []catalog.Tag{}}
	}
	fs := allForms(toks)
	ms := findMatches(&lex.products, toks, fs, true, nil)
	attrs := withoutOpaque(findMatches(&lex.attributes, toks, fs, false, nil), ms)
	lg := titleLanguage(toks, slices.Concat(ms, attrs), cx.votes)
	if l := scriptLanguage(title); l != 0 {
		lg = l // Thai script and Vietnamese letters settle it
	}
	ms, attrs = bestReadings(ms, lg), bestReadings(attrs, lg)

	cats, tags := evidence{}, evidence{}
	for key, p := range cx.cats {
		cats[key] = new([numPlaces]float64)
		*cats[key] = *p
	}
	for key, p := range cx.tags {
		tags[key] = new([numPlaces]float64)
		*tags[key] = *p
	}

	seg, main := segments(toks, ms, lg)
	head := headMatch(ms, seg, main, lg)
	headTops := map[string]bool{}
	if head >= 0 {
		for _, tm := range ms[head].terms {
			headTops[topLevel(tm.category)] = true
		}
	}
	// A dominant term outside the main phrase does not override a head of
	// its own top level ("cat feeder for cats and dogs" stays a cat product).
	dominates := func(tm *term, i int) bool {
		return tm.dominant && (seg[i] <= main || !headTops[topLevel(tm.category)])
	}
	for i, m := range ms {
		for _, tm := range m.terms {
			if tm.group == groupNoise {
				continue
			}
			st := tm.strength * langFit(tm.langs, lg)
			if m.compound {
				st *= compoundWeight
			}
			pos := 1.0
			switch tm.group {
			case groupKind:
				switch {
				case dominates(tm, i):
					pos = dominantWeight
				case i == head:
					pos = headWeight
				case seg[i] == main:
					pos = otherKindWeight
				default:
					pos = modifierWeight
				}
			case groupCategory:
				switch {
				case dominates(tm, i):
					pos = dominantWeight
				case seg[i] <= main:
					pos = categoryWordWeight
				default:
					pos = modifierWeight
				}
			}
			v := titleWeight * st * pos
			cats.add(tm.category, placeTitle, v)
			if tm.group != groupCategory {
				tags.add(tm.tag, placeTitle, v)
			}
		}
	}

	for _, m := range attrs {
		for _, tm := range m.terms {
			tags.add(tm.tag, placeTitle, titleWeight*tm.strength*langFit(tm.langs, lg))
		}
	}

	res := tagging.Result{}
	best, bestScore := "", 0.0
	for id, p := range cats {
		if cx.several && p[placeTitle] == 0 {
			continue // only the title tells products of one video apart
		}
		s := combined(p)
		if s > bestScore || s == bestScore && best != "" && taxonomy.Order(id) < taxonomy.Order(best) {
			best, bestScore = id, s
		}
	}
	if bestScore >= minCategoryScore {
		res.Category = best
		if c, _ := taxonomy.Lookup(best); c.Tag != "" {
			tags.add(c.Tag, placeTitle, bestScore*categoryTagWeight)
		}
	}
	cands := make([]catalog.Tag, 0, len(tags))
	for name, p := range tags {
		cands = append(cands, catalog.Tag{Name: name, Confidence: round3(combined(p))})
	}
	res.Tags = t.limits.Finalize(cands)
	return res
}

// bestReadings keeps, in each ambiguous match, the readings that fit best:
// those whose strength in the text's language is within headTolerance of
// the strongest ("notebook" is a laptop in Portuguese, weakly, and a
// notebook in English).
func bestReadings(ms []match, lg lang) []match {
	for i, m := range ms {
		if len(m.terms) < 2 {
			continue
		}
		best := 0.0
		for _, tm := range m.terms {
			best = max(best, tm.strength*langFit(tm.langs, lg))
		}
		ms[i].terms = slices.DeleteFunc(slices.Clone(m.terms), func(tm *term) bool {
			return tm.strength*langFit(tm.langs, lg) < best-headTolerance
		})
	}
	return ms
}

// withoutOpaque drops the attribute matches inside an opaque kind phrase.
func withoutOpaque(attrs, kinds []match) []match {
	return slices.DeleteFunc(attrs, func(a match) bool {
		for _, k := range kinds {
			if a.start >= k.start && a.end <= k.end && slices.ContainsFunc(k.terms, func(t *term) bool { return t.opaque }) {
				return true
			}
		}
		return false
	})
}

// segments numbers the noun phrases of a title: the segment of each match,
// and the main segment, the first naming a product kind with a strong term
// (else the first naming one at all; every segment is main when none does).
func segments(toks []string, ms []match, lg lang) (seg []int, main int) {
	covered := make([]bool, len(toks))
	for _, m := range ms {
		for k := m.start; k < m.end; k++ {
			covered[k] = true
		}
	}
	at := make([]int, len(toks))
	s := 0
	for i, w := range toks {
		if !covered[i] && prepositions[w] && !betweenNumbers(toks, i) {
			s++
		}
		at[i] = s
	}
	seg = make([]int, len(ms))
	main, strongMain := math.MaxInt, math.MaxInt
	for i, m := range ms {
		seg[i] = at[m.start]
		if st := kindStrength(m, lg); st > 0 {
			main = min(main, seg[i])
			if st >= strongKind {
				strongMain = min(strongMain, seg[i])
			}
		}
	}
	if strongMain != math.MaxInt {
		main = strongMain
	}
	return seg, main
}

// strongKind is the least strength of a kind that can make its phrase the
// main one ("paleta de sombras": the weak "paleta" does not).
const strongKind = 0.9

// kindStrength is the strength of the strongest kind term of a match, 0
// when it has none.
func kindStrength(m match, lg lang) float64 {
	s := 0.0
	for _, tm := range m.terms {
		if tm.group == groupKind {
			v := tm.strength * langFit(tm.langs, lg)
			if m.compound {
				v *= compoundWeight
			}
			s = max(s, v)
		}
	}
	return s
}

// betweenNumbers reports "5 in 1", "2 e 1": a connective inside a count.
func betweenNumbers(toks []string, i int) bool {
	isNum := func(j int) bool { return j >= 0 && j < len(toks) && toks[j][0] >= '0' && toks[j][0] <= '9' }
	return isNum(i-1) && isNum(i+1)
}

// headMatch returns the index of the match holding the head noun of the
// main segment, or -1. The head is in the segment's first run of adjacent
// kind matches that has a strong kind (listing titles name the product
// first and pile keywords after it: "sports bra high impact workout top
// gym yoga bra"); within the run it is, among the strongest kinds, the last
// for a head-last language (English, German, or unknown: "shoe organizer"),
// the first otherwise ("rak sepatu").
func headMatch(ms []match, seg []int, main int, lg lang) int {
	// runs of adjacent kind matches in the main segment, in order
	var runs [][]int
	for i, m := range ms {
		if seg[i] != main || kindStrength(m, lg) == 0 {
			continue
		}
		if n := len(runs); n > 0 {
			last := runs[n-1][len(runs[n-1])-1]
			if ms[last].end == m.start {
				runs[n-1] = append(runs[n-1], i)
				continue
			}
		}
		runs = append(runs, []int{i})
	}
	if len(runs) == 0 {
		return -1
	}
	run := runs[0]
	for _, r := range runs {
		if slices.ContainsFunc(r, func(i int) bool { return kindStrength(ms[i], lg) >= strongKind }) {
			run = r
			break
		}
	}
	strongest := 0.0
	for _, i := range run {
		strongest = max(strongest, kindStrength(ms[i], lg))
	}
	head := -1
	for _, i := range run {
		if kindStrength(ms[i], lg) < strongest-headTolerance {
			continue
		}
		if head < 0 || lg&headFirst == 0 {
			head = i
		}
		if lg&headFirst != 0 {
			break
		}
	}
	return head
}

// titleLanguage guesses the title's language from its function words, its
// single-language terms and the caption's votes; 0 when unsure.
func titleLanguage(toks []string, ms []match, votes [8]float64) lang {
	for _, w := range toks {
		if l, ok := functionWords[w]; ok {
			vote(&votes, l, 1)
		}
	}
	for _, m := range ms {
		var l lang
		for _, tm := range m.terms {
			l |= tm.langs
		}
		if l != allLangs {
			vote(&votes, l, 1)
		}
	}
	best, bestV, secondV := -1, 0.0, 0.0
	for i, v := range votes {
		switch {
		case v > bestV:
			best, bestV, secondV = i, v, bestV
		case v > secondV:
			secondV = v
		}
	}
	if best < 0 || bestV == secondV {
		return 0
	}
	return lang(1) << best
}

// scriptLanguage returns Thai for a text in Thai script, Vietnamese for one
// with letters only Vietnamese writes (ơ, ư, ă, đ, ạ, ả, ...), else 0.
func scriptLanguage(s string) lang {
	for _, r := range s {
		switch {
		case r >= 0x0E00 && r <= 0x0E7F:
			return langTH
		case r >= 0x1EA0 && r <= 0x1EF9, r == 'ơ', r == 'ư', r == 'ă', r == 'đ', r == 'Ơ', r == 'Ư', r == 'Ă', r == 'Đ':
			return langVI
		}
	}
	return 0
}

func vote(votes *[8]float64, l lang, w float64) {
	n := float64(l.count())
	for i := range votes {
		if l&(1<<i) != 0 {
			votes[i] += w / n
		}
	}
}

// langFit weighs a term by how well its languages fit the title's.
func langFit(term, title lang) float64 {
	switch {
	case title == 0 || term&title != 0:
		return 1
	case term&langEN != 0:
		return loanWeight
	default:
		return foreignWeight
	}
}

func topLevel(category string) string {
	top, _, _ := strings.Cut(category, "/")
	return top
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
