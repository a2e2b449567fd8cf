package rules

// vocabFlags say what the rules know of a word, so that every word of a
// caption is looked up once (token.vocab) and the passes that follow ask a
// map only about the words that may concern them.
type vocabFlags uint64

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

// Word classes past the stop words' languages (wordClasses).
const (
	vDeterminer vocabFlags = 1 << (32 + iota)
	vTrail
	vPreposition
	vGeneric
	vBuyVerb
	vLinkLead
	vPriceLabel
	vPack
	vTitleCTA
	vLead
	vBackLead
	vHype
	vWeekday
	vPlace
	vThreshold
	vMoney
	vApprox
	vOld
	vStrongLead
	vFrom
	vOfferLead
	vContainer
	vUnit
	vMalay
	vIndonesian
	vLodging
	vPhoneLead
)

// wordClasses are the word sets whose membership a word's flags carry:
// set[t.low] is t.in(flag) for a word t of the caption.
var wordClasses = []struct {
	flag vocabFlags
	set  map[string]bool
}{
	{vDeterminer, determiners}, {vTrail, trailStrip}, {vPreposition, prepositions}, {vGeneric, genericWords},
	{vBuyVerb, buyVerbs}, {vLinkLead, linkLeads}, {vPriceLabel, priceLabelWords}, {vPack, packWords},
	{vTitleCTA, titleCTAWords}, {vLead, leadWords}, {vBackLead, backLeads}, {vHype, hypeWords},
	{vThreshold, thresholdWords}, {vMoney, moneyWords}, {vApprox, approxWords}, {vOld, oldWords},
	{vStrongLead, strongLeads}, {vFrom, fromWords}, {vOfferLead, offerLeads}, {vContainer, containerWords},
	{vUnit, unitWords}, {vMalay, malayWords}, {vIndonesian, indonesianWords},
	{vLodging, lodgingWords}, {vPhoneLead, phoneLeads},
}

// in reports whether the token is a word of a class f (wordClasses).
func (t token) in(f vocabFlags) bool { return t.vocab&f != 0 }

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
	for _, class := range wordClasses {
		for w := range class.set {
			m[w] |= class.flag
		}
	}
	for w := range weekdays {
		m[w] |= vWeekday
	}
	for w := range placeCurrencies {
		m[w] |= vPlace
	}
	return m
}()

// vocabSieve has a bit set for every word of vocab by its length and its
// first and last bytes (sieveKey): most words of a caption are none of the
// rules' words, and the sieve turns them away without hashing them.
var vocabSieve = func() *[sieveBits / 64]uint64 {
	var s [sieveBits / 64]uint64
	for w := range vocab {
		k := sieveKey(w)
		s[k/64] |= 1 << (k % 64)
	}
	return &s
}()

// sieveBits is the size of vocabSieve: a few thousand words set about one
// bit in ten.
const sieveBits = 1 << 15

// sieveKey is a word's bit in vocabSieve; w is not empty.
func sieveKey(w string) uint {
	return (uint(len(w))*0x9e5 ^ uint(w[0])<<7 ^ uint(w[len(w)-1])) % sieveBits
}

// vocabOf returns the flags of a word in lower case: vocab[w], asking the
// map only about words that pass vocabSieve.
func vocabOf(w string) vocabFlags {
	if w == "" {
		return vocab[w]
	}
	if k := sieveKey(w); vocabSieve[k/64]&(1<<(k%64)) == 0 {
		return 0
	}
	return vocab[w]
}
