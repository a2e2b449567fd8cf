package rules

import (
	"slices"
	"strings"
)

// match is one occurrence of lexicon terms in a text: the words
// toks[start:end] matched every term in terms (more than one when a phrase
// is ambiguous, such as "robe": a bathrobe in English, a dress in French).
type match struct {
	start, end int
	terms      []*term
	// variant reports that the words matched only in an inflected form
	// ("toallas" for "toalla").
	variant bool
	// compound reports a term found as the tail of a longer word
	// ("ecksofa" -> "sofa", "hundeleine" -> "leine").
	compound bool
}

// Compound matching: a word of at least minCompoundWord letters may end in a
// term of at least minCompoundTail letters after at least minCompoundHead.
const (
	minCompoundWord = 7
	minCompoundTail = 4
	minCompoundHead = 3
)

// findMatches finds the terms of ix in toks (fs holds their forms, from
// allForms). At each position every term that
// matches there is a candidate (an exact word beats an inflected form of the
// same length); with compound set, a word starting no term may match as a
// compound ending in one. Among the ways to read toks as a sequence of
// non-overlapping candidates it returns the one that covers the most words,
// then uses the fewest matches (longer phrases), then the fewest inflected
// forms: "cat litter box" reads as "cat" + "litter box", not "cat litter" +
// "box".
func findMatches(ix *index, toks []string, fs [][]string, compound bool, dst []match) []match {
	n := len(toks)
	type plan struct {
		covered, count, variants int
		take                     *match
	}
	better := func(a, b plan) bool {
		switch {
		case a.covered != b.covered:
			return a.covered > b.covered
		case a.count != b.count:
			return a.count < b.count
		default:
			return a.variants < b.variants
		}
	}
	best := make([]plan, n+1)
	for i := n - 1; i >= 0; i-- {
		best[i] = best[i+1] // skip the word
		best[i].take = nil
		cands := candidatesAt(ix, fs, i)
		if len(cands) == 0 && compound {
			if m, ok := compoundAt(ix, toks[i], i); ok {
				cands = append(cands, m)
			}
		}
		for k := range cands {
			m := &cands[k]
			rest := best[m.end]
			p := plan{covered: rest.covered + m.end - m.start, count: rest.count + 1, variants: rest.variants, take: m}
			if m.variant {
				p.variants++
			}
			if better(p, best[i]) || best[i].take == nil && !better(best[i], p) {
				best[i] = p
			}
		}
	}
	for i := 0; i < n; {
		if m := best[i].take; m != nil {
			dst = append(dst, *m)
			i = m.end
			continue
		}
		i++
	}
	return dst
}

// allForms returns the forms of every word (see forms), for findMatches.
func allForms(toks []string) [][]string {
	fs := make([][]string, len(toks))
	for i, w := range toks {
		fs[i] = forms(nil, w)
	}
	return fs
}

// candidatesAt returns the matches starting at word i, one per length
// (longest first), each holding every term of that length found under the
// best form.
func candidatesAt(ix *index, fs [][]string, i int) []match {
	var out []match
	for rank, f := range fs[i] {
		for _, t := range ix.byFirst[f] {
			n := len(t.words)
			if i+n > len(fs) || !restMatches(fs, i, t.words) {
				continue
			}
			k := slices.IndexFunc(out, func(m match) bool { return m.end-m.start == n })
			switch {
			case k < 0:
				out = append(out, match{start: i, end: i + n, terms: []*term{t}, variant: rank > 0})
			case out[k].variant && rank == 0:
				out[k].terms, out[k].variant = []*term{t}, false
			case out[k].variant == (rank > 0) && !slices.Contains(out[k].terms, t):
				out[k].terms = append(out[k].terms, t)
			}
		}
	}
	slices.SortFunc(out, func(a, b match) int { return (b.end - b.start) - (a.end - a.start) })
	return out
}

// restMatches reports whether the words after the first match the
// following tokens in some form.
func restMatches(fs [][]string, i int, ws []string) bool {
	for k := 1; k < len(ws); k++ {
		if !slices.Contains(fs[i+k], ws[k]) {
			return false
		}
	}
	return true
}

// compoundAt finds the longest one-word German term that ends w: German
// writes compounds as one word ("Ecksofa", "Hundeleine"), and limiting the
// search to German terms keeps English words ("theklokoprock") from being
// read as compounds.
func compoundAt(ix *index, w string, i int) (match, bool) {
	if len(w) < minCompoundWord || w[0] >= '0' && w[0] <= '9' {
		return match{}, false
	}
	var buf []string
	for k := minCompoundHead; len(w)-k >= minCompoundTail; k++ {
		buf = forms(buf, w[k:])
		for _, f := range buf {
			var hits []*term
			for _, t := range ix.byFirst[f] {
				if len(t.words) == 1 && t.langs&langDE != 0 {
					hits = append(hits, t)
				}
			}
			if len(hits) > 0 {
				return match{start: i, end: i + 1, terms: hits, compound: true}, true
			}
		}
	}
	return match{}, false
}

// hashtagSuffixes are hashtag endings that add nothing to the topic
// ("makeuptok", "kitchenfinds", "dogsoftiktok").
var hashtagSuffixes = []string{
	"oftiktok", "tiktok", "tok", "finds", "find", "haul", "lovers", "lover", "addict", "routine", "hacks", "hack",
	"tips", "essentials", "musthaves", "musthave", "inspo", "inspiration", "community", "life", "goals", "check",
}

// hashtagTerms returns the terms a hashtag names: the whole tag written
// together ("vanitymirror", "skincare"), then without a filler suffix
// ("makeuptok" -> "makeup"), then its longest tail that names a term
// ("summerdress" -> "dress"). compound reports the last case.
func hashtagTerms(h string) (ts []*term, compound bool) {
	w := strings.Join(words(nil, h), "")
	if len(w) < 3 {
		return nil, false
	}
	var buf []string
	lookup := func(s string) []*term {
		buf = forms(buf, s)
		for _, f := range buf {
			if ts := slices.Concat(lex.products.joined[f], lex.attributes.joined[f]); len(ts) > 0 {
				return ts
			}
		}
		return nil
	}
	if ts := lookup(w); ts != nil {
		return ts, false
	}
	for _, suf := range hashtagSuffixes {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			if ts := lookup(w[:len(w)-len(suf)]); ts != nil {
				return ts, false
			}
		}
	}
	for k := minCompoundHead; len(w)-k >= minCompoundTail; k++ {
		if ts := lookup(w[k:]); ts != nil {
			return ts, true
		}
	}
	return nil, false
}
