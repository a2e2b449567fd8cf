package rules

// vocabFlags say what the rules know of a word, so that every word of a
// caption is looked up once (token.vocab) and the passes that follow ask a
// map only about the words that may concern them.
type vocabFlags uint32

const (
	// vLangs holds the word's languages as function word (wordLangs).
	vLangs vocabFlags = 0xff
	// vCue marks the first word of a cue phrase (cueIndex).
	vCue vocabFlags = 1 << (8 + iota)
	// vCode marks a word that introduces a code (codeTriggers).
	vCode
	// vTitle marks a word that opens or closes a title candidate
	// (titleLeads).
	vTitle
	// vISO marks the lower case of an ISO 4217 code (isoWords).
	vISO
	// vTitleJunk marks a word skipped at the start of a title (titleSpan):
	// a determiner, hype, a price lead, a trailing word or an intro word.
	vTitleJunk
	// vContextStop marks a word that ends a title before some words
	// (contextStops).
	vContextStop
	// vNotCode marks a word that ends in "code" and introduces none
	// (notCodeWords).
	vNotCode
)

// vStopShift places the word's languages as stop word (stopLangs, 11
// bits) in the flags, above the flags: vocab>>vStopShift is its mask.
const vStopShift = 16

// vocab holds the flags of every word the rules know, lower case.
var vocab = func() map[string]vocabFlags {
	m := map[string]vocabFlags{}
	for w, b := range wordLangs {
		m[w] |= vocabFlags(b)
	}
	for w := range cueIndex {
		m[w] |= vCue
	}
	for w := range codeTriggers {
		m[w] |= vCode
	}
	for w := range titleLeads {
		m[w] |= vTitle
	}
	for w := range isoWords {
		m[lower(w)] |= vISO
	}
	for _, set := range []map[string]bool{determiners, hypeWords, leadWords, trailStrip, introWords} {
		for w := range set {
			m[w] |= vTitleJunk
		}
	}
	for w := range contextStops {
		m[w] |= vContextStop
	}
	for w := range notCodeWords {
		m[w] |= vNotCode
	}
	for w, mask := range stopLangs {
		m[w] |= vocabFlags(mask) << vStopShift
	}
	return m
}()

// words lexes text and sets the vocabulary flags of its words.
func words(text string) []token {
	return wordsInto(nil, text)
}

// wordsInto is words appending to toks (a slice of tokens to reuse).
func wordsInto(toks []token, text string) []token {
	if n := len(text)/3 + 8; cap(toks) < n {
		toks = make([]token, 0, n) // captions hold about one token per 4 bytes
	}
	toks = lexInto(toks, text)
	for i := range toks {
		if t := &toks[i]; t.kind == tWord {
			t.vocab = vocab[t.low]
		}
	}
	return toks
}
