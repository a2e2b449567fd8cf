package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// inPrice returns the price token i belongs to.
func (c *parse) inPrice(i int) (int, bool) {
	if len(c.priceOf) == 0 {
		return -1, false
	}
	k := c.priceOf[i]
	return k, k >= 0
}

// isBreak reports a token that ends a phrase: a line break, an emoji, a URL,
// a hashtag, a handle, a money amount or sentence punctuation.
func (c *parse) isBreak(i int) bool {
	t := &c.toks[i]
	switch t.kind {
	case tBreak, tEmoji, tURL, tTag, tMention, tCur:
		return true
	case tNum, tWord:
		_, ok := c.inPrice(i) // a unit word belongs to its amount: "13 ribu"
		return ok
	case tPunct:
		switch c.text[t.start:t.end] {
		case ".", "!", "?", ";", "|", "…", ":", "—", ",", "¡", "¿", "。", "！", "？", "、", "•", "·", "=", "*":
			return true
		case "-", "–", "/":
			return t.space && (i+1 >= len(c.toks) || c.toks[i+1].space)
		}
	}
	return false
}

func (c *parse) isPunct(i int, s string) bool {
	t := &c.toks[i]
	return t.kind == tPunct && c.text[t.start:t.end] == s
}

// skipLeadsBack walks back from i over what separates a product phrase from
// its price: dashes, colons, brackets, words such as "only" or "is", former
// prices with their markers ("WAS $39.99 NOW"), and a bundle count ("2 for").
func (c *parse) skipLeadsBack(lo, i int) int {
	for i >= lo {
		t := &c.toks[i]
		switch t.kind {
		case tPunct:
			switch c.text[t.start:t.end] {
			case ")":
				if open := c.matchingOpen(lo, i); open >= 0 && c.isPackGroup(open+1, i) {
					return i // "(pack of 3)" belongs to the title
				}
				i--
				continue
			case "-", "–", "—", ":", "(", "~", "=", "*", "/":
				i--
				continue
			}
		case tWord:
			if t.in(vLead) || t.in(vBackLead) || t.in(vPriceLabel) || c.currencyWord(i) {
				i--
				continue
			}
		case tNum, tCur:
			if k, ok := c.inPrice(i); ok && c.prices[k].role == roleOld {
				i = c.prices[k].first - 1
				for i >= lo && c.toks[i].kind == tWord && (oldWords[c.toks[i].low] || oldMarkers[c.toks[i].low]) {
					i--
				}
				continue
			}
			if t.kind == tNum && int(t.numEnd) == t.end && i+1 < len(c.toks) && c.toks[i+1].kind == tWord && (c.toks[i+1].low == "for" || c.toks[i+1].low == "für") {
				i--
				continue
			}
		}
		return i
	}
	return i
}

// phraseBefore returns the product phrase just before the token hi, not
// looking before lo. jumped reports that the price's own phrase was empty and
// the phrase is the previous one ("petite jeans that fit!! $49.50").
func (c *parse) phraseBefore(lo, hi int) (title string, adjacent bool) {
	i := c.skipLeadsBack(lo, hi-1)
	if i >= lo && c.isPunct(i, ",") {
		i = c.skipLeadsBack(lo, i-1)
	}
	if i >= lo && !c.isBreak(i) {
		start := c.clauseStart(lo, i)
		if t := c.titleFrom(start, i+1); t != "" {
			return t, true
		}
		i = start - 1
	}
	// The price's own phrase is empty: take the one before it, within the
	// paragraph.
	for i >= lo && (c.isBreak(i) && !c.isPriceTok(i) || c.toks[i].kind == tPunct) {
		if t := &c.toks[i]; t.kind == tURL || t.kind == tTag || t.kind == tBreak && t.blank {
			return "", false
		}
		i--
	}
	if i < lo {
		return "", false
	}
	return c.titleFrom(c.clauseStart(lo, i), i+1), false
}

// clauseStart walks back from i to the first token of its phrase.
func (c *parse) clauseStart(lo, i int) int {
	for i >= lo && !c.isBreak(i) {
		if c.isPunct(i, ")") {
			if open := c.matchingOpen(lo, i); open >= 0 {
				i = open - 1
				continue
			}
		}
		i--
	}
	return i + 1
}

func (c *parse) isPriceTok(i int) bool {
	_, ok := c.inPrice(i)
	return ok
}

// maxBracket bounds the tokens a bracket in a title may hold.
const maxBracket = 24

// matchingOpen returns the '(' that the ')' at i closes, on the same line.
func (c *parse) matchingOpen(lo, i int) int {
	depth := 0
	for j := i; j >= lo && j > i-maxBracket; j-- {
		switch {
		case c.toks[j].kind == tBreak:
			return -1
		case c.isPunct(j, ")"):
			depth++
		case c.isPunct(j, "("):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// matchingClose returns the ')' closing the '(' at i before end, on the same line.
func (c *parse) matchingClose(i, end int) int {
	depth := 0
	for j := i; j < end && j < i+maxBracket; j++ {
		switch {
		case c.toks[j].kind == tBreak:
			return -1
		case c.isPunct(j, "(") || c.isPunct(j, "["):
			depth++
		case c.isPunct(j, ")") || c.isPunct(j, "]"):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// maxTitleTokens bounds the tokens read for one title.
const maxTitleTokens = 40

// titleFrom reads a product title from the tokens [a, b): it drops leading
// articles, demonstratives and hype words, stops at a verb, a pronoun or a
// relative word, keeps pack sizes in brackets ("(pack of 3)"), drops other
// brackets ("(12oz)"), and trims trailing prepositions. It returns "" when
// no word is left.
func (c *parse) titleFrom(a, b int) string {
	title, _ := c.titleSpan(a, b)
	return title
}

// titleSpan is titleFrom that also returns the token after the title's last.
func (c *parse) titleSpan(a, b int) (string, int) {
	toks, text := c.toks, c.text
	i := a
	b = min(b, a+maxTitleTokens)
	// Leading junk: markers, punctuation, brackets, articles, hype.
	for i < b && i < a+maxTitleTokens/2 {
		t := &toks[i]
		if t.kind == tWord && t.vocab&vTitleJunk != 0 {
			i++
			continue
		}
		if t.kind == tWord && c.inCallToAction(i) && (i == 0 || toks[i-1].kind == tBreak) {
			// "Chốt đơn em serum …": a call to action that opens a line
			// right before the name (not "free shipping on orders").
			j := i
			for j < b && toks[j].kind == tWord && c.inCallToAction(j) {
				j++
			}
			if j < b && c.lang == langVI && toks[j].low == "em" {
				j++ // the seller's "em" for the product
			}
			if j < b && toks[j].kind == tWord && toks[j].space && !toks[j].in(vTrail) && !toks[j].in(vPreposition) && !c.stopsTok(toks[j]) {
				i = j
				continue
			}
		}
		if t.kind == tWord {
			if j := c.leadGerund(i, b); j > i {
				i = j // "trying out the keycaps"
				continue
			}
			if t.low == "how" && i+2 < b && toks[i+1].kind == tWord && toks[i+1].low == "to" && toks[i+2].kind == tWord {
				i += 3 // "How to wear a Chanel Classic Flap": the thing worn
				continue
			}
		}
		if t.kind == tWord && c.lang == langTL && (t.low == "na" || t.low == "ng") && i > a {
			i++ // the Filipino linker after a dropped word: "Affordable na korean blouse"
			continue
		}
		if t.kind == tWord && c.headingLabel(i, b) {
			i += 2 // "Tutorial: the Velvet Lip Tint", "New: …"
			continue
		}
		if t.kind == tPunct && c.text[t.start:t.end] == "(" {
			if cl := c.matchingClose(i, b); cl >= 0 {
				i = cl + 1
				continue
			}
		}
		if t.kind == tPunct || t.kind == tEmoji || t.kind == tBreak {
			i++
			continue
		}
		break
	}
	// parts are the kept runs of tokens; space marks a space before a run.
	type span struct {
		start, end int
		space      bool
	}
	var partsBuf [maxTitleTokens]span
	parts := partsBuf[:0]
	pendingSpace := false
	grouped := false // a part of more than one token: a pack group
	keep := func(from, to int) {
		parts = append(parts, span{from, to, len(parts) > 0 && (toks[from].space || pendingSpace)})
		pendingSpace = false
		grouped = grouped || to-from > 1
	}
	thaiKept := 0 // runes of the Thai phrase kept
collect:
	for i < b {
		t := &toks[i]
		switch t.kind {
		case tWord:
			if n := thaiRun(t.low); n > 0 {
				// Thai writes a space between phrases, not words: a name is
				// one phrase ("ครีมกันแดด"), or a short noun and a name
				// ("ห้องพัก แคมป์…"), not the clause that follows it.
				if thaiKept >= 8 && t.space {
					break collect
				}
				thaiKept += n
			}
			if c.stopsTok(*t) || c.stopsHere(i) || c.introducesCode(i) || c.isPriceTok(i) || c.buyOffer(i) || c.inCallToAction(i) || t.in(vTitleCTA) ||
				i > a && i+1 < b && c.isPunct(i+1, ":") && !toks[i+1].space && (i+2 >= len(toks) || toks[i+2].space) {
				// "Product: Maki Zenin Size: 1/6": a field label ends the name
				break collect
			}
		case tNum:
			if c.isPriceTok(i) || c.percentAfter(i) && c.isDiscount(i+1) || timeUnits[lower(text[t.numEnd:t.end])] {
				break collect
			}
		case tPunct:
			switch s := text[t.start:t.end]; s {
			case "&", "+":
			case "%":
				// "100% cotton": a share in the name, right after its number.
				if t.space || i == a || toks[i-1].kind != tNum {
					break collect
				}
			case "-", "/", "'", "’", ".":
				// Only inside a word: "5-in-1", "No.5"; a spaced dash ends the title.
				if s == "." && c.abbreviationDot(i, b) {
					break // "Goyard St. Louis": the dot of a short capitalised word inside a name
				}
				if i+1 >= b || toks[i+1].space || t.space && s == "." || toks[i+1].kind != tWord && toks[i+1].kind != tNum {
					break collect
				}
			case "(", "[":
				cl := c.matchingClose(i, b)
				if cl < 0 {
					break collect
				}
				if c.isPackGroup(i+1, cl) {
					keep(i, cl+1)
				} else {
					pendingSpace = pendingSpace || t.space
				}
				i = cl + 1
				continue
			case "\"", "“", "”", "„", "«", "»", "‘", "「", "」":
				pendingSpace = pendingSpace || t.space
				i++
				continue
			default:
				break collect
			}
		default:
			break collect
		}
		keep(i, i+1)
		i++
	}
	// Trailing prepositions, conjunctions and connectors.
	for len(parts) > 0 {
		last := parts[len(parts)-1]
		t := &toks[last.end-1]
		if last.end-last.start == 1 && (t.kind == tPunct || t.kind == tWord && t.in(vTrail)) {
			parts = parts[:len(parts)-1]
			continue
		}
		break
	}
	words, used, length, contiguous := 0, 0, 0, true
	for k, p := range parts {
		if p.space {
			length++
		}
		if k > 0 {
			gap := text[toks[parts[k-1].end-1].end:toks[p.start].start]
			contiguous = contiguous && (p.space && gap == " " || !p.space && gap == "")
		}
		length += toks[p.end-1].end - toks[p.start].start
		for k := p.start; k < p.end; k++ {
			if toks[k].kind == tWord {
				words++
			}
		}
		used = k + 1
		if length > 120 {
			break
		}
	}
	if words == 0 {
		return "", a
	}
	parts = parts[:used]
	var out string
	from, to := -1, -1 // the title's bytes in text while it is as written
	if contiguous {
		// The title as written, one space between its words: no copy.
		from, to = toks[parts[0].start].start, toks[parts[used-1].end-1].end
		out = text[from:to]
	} else {
		var sb strings.Builder
		sb.Grow(length)
		for _, p := range parts {
			if p.space {
				sb.WriteByte(' ')
			}
			sb.WriteString(text[toks[p.start].start:toks[p.end-1].end])
		}
		out = sb.String()
	}
	valid := utf8.ValidString(out)
	if !valid {
		out = strings.ToValidUTF8(out, " ") // a stray byte inside a kept group: "(pC\xa30)"
		from = -1
	}
	// Tokens hold no white space, and parts are joined by single spaces:
	// only a group or a replaced byte may bring other space.
	if (grouped || !valid) && looseSpace(out) {
		out = strings.Join(strings.Fields(out), " ")
		from = -1
	}
	if len(out) > 120 && utf8.RuneCountInString(out) > 120 {
		out = truncateWords(out, 120)
		from = -1
	}
	end := a
	if len(parts) > 0 {
		end = parts[len(parts)-1].end
	}
	title := capitalize(out)
	if from >= 0 && len(c.titleLows) < maxSplitTitles && isASCII(out) {
		// Capitalising changes only the case of ASCII letters: the title in
		// lower case is the caption's (lowerTitle).
		c.titleLows = append(c.titleLows, titleLow{title, c.low[from:to]})
	}
	return title, end
}

// titleLow is a title and the same in lower case.
type titleLow struct{ title, low string }

// lowerTitle returns lower(title), from titleLows when titleSpan found it
// there.
func (c *parse) lowerTitle(title string) string {
	for _, tl := range c.titleLows {
		if tl.title == title {
			return tl.low
		}
	}
	return lower(title)
}

// looseSpace reports white space other than single spaces between words.
func looseSpace(s string) bool {
	prevSpace := true
	for i := 0; i < len(s); {
		c, size, space := s[i], 1, false
		if c < utf8.RuneSelf {
			space = c == ' ' || '\t' <= c && c <= '\r' // unicode.IsSpace, without the call
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
		}
		if space && (c != ' ' || prevSpace) {
			return true
		}
		prevSpace = space
		i += size
	}
	return prevSpace
}

// introducesCode reports a word that introduces a code at token i: "code",
// and a deal noun ("voucher", "promo") only where a code follows it, as
// "Kopi Senja voucher" names the product.
func (c *parse) introducesCode(i int) bool {
	t := &c.toks[i]
	if !c.isCodeTrigger(t) {
		return false
	}
	if !nounTriggers[t.low] {
		return true
	}
	for j := i + 1; j < len(c.toks) && j <= i+maxCodeLookahead; j++ {
		if c.codeAt(j) {
			return true
		}
	}
	return false
}

// buyOffer reports a buy verb before a count that starts a deal: "buy 1
// get 1", "beli 2 gratis 1", "mua 1 tặng 1".
func (c *parse) buyOffer(i int) bool {
	return c.toks[i].in(vBuyVerb) && i+1 < len(c.toks) && c.toks[i+1].kind == tNum
}

// abbreviationDot reports the dot at i after a capitalised word of at most
// three letters, right after it and before another capitalised word on the
// same line: "St. Louis", "No. 5", "Mt. Fuji".
func (c *parse) abbreviationDot(i, b int) bool {
	if i == 0 || i+1 >= b || c.toks[i].space || !c.toks[i+1].space {
		return false
	}
	p, n := c.toks[i-1], c.toks[i+1]
	if p.kind != tWord || p.end-p.start > 3 || c.text[p.start] < 'A' || c.text[p.start] > 'Z' {
		return false
	}
	return n.kind == tNum || n.kind == tWord && c.text[n.start] >= 'A' && c.text[n.start] <= 'Z'
}

// insideName reports a capitalised word right after another on its line:
// "Book" in "Dior Book Tote" is part of a name, not a verb.
func (c *parse) insideName(i int) bool {
	t := &c.toks[i]
	if i == 0 || c.text[t.start] < 'A' || c.text[t.start] > 'Z' || isUpperWord(c.text[t.start:t.end]) {
		return false
	}
	p := c.toks[i-1]
	return p.kind == tWord && c.text[p.start] >= 'A' && c.text[p.start] <= 'Z'
}

// isUpperWord reports a word written all in capitals ("BUY", "ORDER").
func isUpperWord(s string) bool {
	return strings.ToUpper(s) == s
}

// leadGerund returns the token after a verb in -ing (and its particle)
// that opens a title before its object: "styling the lip tint", "trying
// out my new", "using this"; or i.
func (c *parse) leadGerund(i, b int) int {
	w := c.toks[i].low
	if len(w) < 6 || !strings.HasSuffix(w, "ing") || !isASCII(w) {
		return i
	}
	j := i + 1
	if j < b && c.toks[j].kind == tWord && (c.toks[j].low == "out" || c.toks[j].low == "on" || c.toks[j].low == "with") {
		j++
	}
	if j < b && c.toks[j].kind == tWord && c.toks[j].in(vDeterminer) {
		return j
	}
	return i
}

// headingLabel reports a one-word label that heads a title's line, a colon
// and a name after it on the same line: "Tutorial: the lip tint". Field
// labels of listings ("Brand:", "Product:") are read as such elsewhere.
func (c *parse) headingLabel(i, b int) bool {
	return i+2 < b && c.isPunct(i+1, ":") && !c.toks[i+1].space && c.toks[i+2].kind == tWord &&
		!productLabels[c.toks[i].low] && !brandLabels[c.toks[i].low] && !c.toks[i].in(vPriceLabel)
}

func truncateWords(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if k := strings.LastIndexByte(cut, ' '); k > 0 {
		cut = cut[:k]
	}
	return cut
}

// stopsHere reports a word that starts a new phrase in context: "for that",
// "in 5 colours", "in shade Peony", "with my", "and the".
func (c *parse) stopsHere(i int) bool {
	w := c.toks[i].low
	if c.toks[i].vocab&vContextStop == 0 || i+1 >= len(c.toks) {
		return false
	}
	n := c.toks[i+1]
	switch n.kind {
	case tNum:
		return w != "of" && w != "de"
	case tWord:
		return n.in(vDeterminer) || c.stopsTok(n) || n.low == "you" || w == "in" && (variantWords[n.low] || c.variantAhead(i+1))
	}
	return false
}

// variantAhead reports a colour or a material within two words from i:
// "in Togo calfskin", "in black", "in soft suede".
func (c *parse) variantAhead(i int) bool {
	for j := i; j < len(c.toks) && j < i+2; j++ {
		if t := &c.toks[j]; t.kind != tWord || variantNouns[t.low] {
			return t.kind == tWord
		}
	}
	return false
}

// variantNouns are colours and materials, which name a variant of a
// product rather than the product.
var variantNouns = setOf("leather", "calfskin", "lambskin", "suede", "canvas", "cotton", "linen", "silk", "satin",
	"denim", "wool", "cashmere", "velvet", "gold", "silver", "black", "white", "pink", "red", "blue", "green",
	"beige", "brown", "grey", "gray", "navy", "cream", "nude", "caviar", "croc", "crocodile", "python", "ostrich",
	"bordeaux", "burgundy", "ivory", "tan", "camel", "olive", "khaki", "lilac", "lavender", "mint", "coral", "taupe",
	"etoupe", "noir", "blanc", "rouge", "fuchsia", "yellow", "orange", "purple")

// timeUnits make a number a time of day: "4am", "9pm".
var timeUnits = setOf("am", "pm", "h", "hrs", "hr", "min", "mins")

// currencyWord reports a word that names a currency ("Pounds", "AED").
func (c *parse) currencyWord(i int) bool {
	t := &c.toks[i]
	if _, ok := wordCurrencies[t.low]; ok {
		return true
	}
	return isoWords[c.text[t.start:t.end]]
}

// isDiscount reports that the '%' at i is a discount ("30% off") rather
// than a share in a name ("100% cotton").
func (c *parse) isDiscount(i int) bool {
	if i+1 >= len(c.toks) || c.toks[i+1].kind != tWord {
		return true
	}
	return discountWords[c.toks[i+1].low]
}

// isPackGroup reports a bracket holding a pack size: "(pack of 3)", "(12 pk)", "(2-pack)", "(set of 4)".
func (c *parse) isPackGroup(a, b int) bool {
	hasNum, hasPack := false, false
	for i := a; i < b; i++ {
		t := &c.toks[i]
		switch t.kind {
		case tNum:
			hasNum = true
			if packWords[lower(c.text[t.numEnd:t.end])] {
				hasPack = true
			}
		case tWord:
			switch {
			case t.in(vPack) || strings.HasSuffix(t.low, "-pack"):
				hasPack = true
			case t.low == "of" || t.low == "de" || t.low == "x":
			default:
				return false
			}
		case tPunct:
		default:
			return false
		}
	}
	return hasNum && hasPack && b-a <= 5
}

// maxCandidates bounds the title candidates of one caption.
const maxCandidates = 24

// candidate is a possible title of a single-product caption.
type candidate struct {
	title string
	pos   int // the token the phrase starts at (its demonstrative, verb or label)
	end   int // the token after the title
	base  float64
	// handle reports the handle of a shop ("from @shop"): one word, and a name.
	handle bool
}

// span is the tokens titles are measured against: the main price, or the
// first way to buy when there is no price.
type span struct{ first, last int }

func (c *parse) anchor(main *price) span {
	if main != nil {
		return span{main.first, main.last}
	}
	at := len(c.toks)
	for _, m := range c.cues {
		if m.cue <= cueBook && m.first < at {
			at = m.first
		}
	}
	for _, cd := range c.codes {
		at = min(at, cd.tok)
	}
	for _, l := range c.links {
		if l.shop {
			at = min(at, l.tok)
		}
	}
	if at == len(c.toks) {
		at = 0
	}
	return span{at, at}
}

// bestTitle picks the title of a single-product caption among the phrase
// before the price; the phrases after demonstratives ("this", "our",
// "diese", "esse", "ini") or before post-nominal ones ("kopi ini", "phòng
// này"); after "introducing" and buy verbs ("purchase my", "beli"); before
// "is available"; after a "Product:" label; and the caption's first phrase.
// Each is scored by its kind, by the words it shares with the hashtags, by
// its length and by where it stands relative to the price. strong reports
// a title that did not come from the caption's first phrase alone. A title
// followed by "from @shop" names the shop: "Loafers (shoevault)".
func (c *parse) bestTitle(main *price) (string, bool) {
	a := c.anchor(main)
	cands := c.cands[:0]
	add := func(pos, from, to int, base float64) {
		if len(cands) >= maxCandidates {
			return
		}
		if t, end := c.titleSpan(from, to); t != "" {
			cands = append(cands, candidate{t, pos, end, base, false})
		}
	}
	if main != nil {
		if t, adjacent := c.phraseBefore(0, main.first); t != "" {
			base := 2.0
			if adjacent {
				base = 3
				if s := c.clauseStart(0, c.skipLeadsBack(0, main.first-1)); s > 0 && c.isPunct(s-1, ",") {
					base = 2.5 // one item of an enumeration: "whisk, bowl & scoop for $45"
				}
			}
			cands = append(cands, candidate{t, main.first - 1, main.first, base, false})
		}
		// "this $12 lip oil", "our £20 tote": the product follows its price.
		if w := c.prevWord(main.first, 0); w >= 0 && w == main.first-1 && c.toks[w].in(vDeterminer) {
			add(main.first-1, main.last+1, len(c.toks), 3)
		}
	}
	for i := range c.toks {
		t := &c.toks[i]
		if len(cands) >= maxCandidates {
			break
		}
		switch t.kind {
		case tWord:
		case tPunct:
			if c.text[t.start:t.end] == ":" && i > 0 && c.toks[i-1].kind == tWord && productLabels[c.toks[i-1].low] {
				// "Brand: Kitsune Figures Product: Ronin Hana"
				if title, end := c.titleSpan(i+1, len(c.toks)); title != "" && len(cands) < maxCandidates {
					if brand := c.labeled(brandLabels); brand != "" && !strings.Contains(title, brand) {
						title = brand + " " + title
					}
					cands = append(cands, candidate{title, i - 1, end, 3, false})
				}
			}
			continue
		case tMention:
			if c.shopHandle(i) {
				m := c.text[t.start+1 : t.end]
				if kind := c.kindTag(); kind != "" {
					m = kind + " (" + m + ")" // "👟's from @KickSwap #shoes": "Shoes (KickSwap)"
				}
				cands = append(cands, candidate{m, i, i + 1, 2, true})
			}
			continue
		default:
			continue
		}
		if t.vocab&vTitle == 0 {
			continue
		}
		lead := titleLeads[t.low]
		switch {
		case lead&leadStrong != 0:
			add(i, i, len(c.toks), 3)
		case lead&leadWeak != 0 && !c.afterPreposition(i):
			add(i, i, len(c.toks), 2)
		case lead&leadIntro != 0:
			add(i, i+1, len(c.toks), 3)
		case lead&leadBuy != 0 && c.followedByObject(i) && !c.insideName(i):
			base := 2.5
			if c.inCue(i, cueBuy) {
				base = 3.5 // "link in my bio to purchase my guide"
			}
			add(i, i+1, len(c.toks), base)
		case lead&leadOpen != 0 && i+2 < len(c.toks) && c.toks[i+1].kind == tWord && forWords[c.toks[i+1].low]:
			add(i, i+2, len(c.toks), 3) // "Booking open for lash extensions", "Orders open for custom cakes"
		case lead&leadPost != 0:
			if i == 0 || c.isBreak(i-1) || c.toks[i-1].kind == tPunct {
				add(i, i, len(c.toks), 3) // "Ini Kopi Susu Original"
			} else if start := c.nounPhraseBefore(i); start < i {
				add(start, start, i, 3) // "Royal Cheese Latte ini"
			}
		}
	}
	// Names: runs of capitalised words ("Glow Shield SPF 50", "Ube Cheese
	// Pandesal"), above all in Thai, Japanese or Chinese text ("โรงแรม
	// Doi View Lodge ใหญ่").
	nameBase := 1.5
	if c.scripted {
		nameBase = 3
	}
	for i := 0; i < len(c.toks) && len(cands) < maxCandidates; i++ {
		if k := c.lodgingPrefix(i); k > i {
			// "nhà nghỉ Queen", "khách sạn Mường Thanh", "Hotel KK": the place named.
			if j := c.capitalisedRun(k); j > k {
				add(i, i, j, 3)
				i = j - 1
				continue
			}
		}
		if j := c.latinName(i); j > i+1 {
			lodging := c.toks[j-1].in(vLodging)
			if n := &c.toks[min(j, len(c.toks)-1)]; !lodging && j < len(c.toks) && n.kind == tWord && n.space && n.in(vLodging) {
				j, lodging = j+1, true // "Hương Biển hotel"
			}
			for k := i + 1; k < j-1; k++ {
				if c.lodgingPrefix(k) > k {
					add(k, k, j, 3) // "HỆ THỐNG NHÀ NGHỈ GIA BẢO": the place, not its chain
					break
				}
			}
			// "at Bottega Veneta Senayan City", "welcome to Can Tho City": places
			if w := c.prevWord(i, 0); !c.afterPreposition(i) && (w < 0 || w != i-1 || c.toks[w].low != "to") {
				base := nameBase
				if lodging {
					base = 3 // "An Khang Hotel", "Voco Quảng Bình Resort": a place to stay names itself
				}
				add(i, i, j, base)
			} else if lodging {
				add(i, i, j, nameBase) // "30% off all rooms at Sunset Bay Resort": the place is what one books
			}
			i = j
		}
	}
	for _, m := range c.cues {
		if (m.cue == cueAvailable || m.cue == cueBuy) && m.first > 0 && c.toks[m.first-1].kind != tBreak {
			// "Hermes Birkin 25 available at our store", "The X is now available".
			end := m.first
			for end > 0 && c.toks[end-1].kind == tWord && (c.stopsTok(c.toks[end-1]) || c.toks[end-1].in(vPreposition) || c.toks[end-1].in(vDeterminer) || c.cueAt(end-1, cueAvailable)) {
				end-- // "X is now in my showcase", "X, disponível no carrinho"
			}
			if m.cue == cueBuy && end == m.first {
				continue // "tinggal klik keranjang": the word before a call to action is not its object
			}
			if start := c.clauseStart(0, end-1); start < end {
				add(start, start, end, 3)
			}
		}
	}
	if first := c.firstContent(); first < len(c.toks) {
		base := 1.5
		if c.heading(first) {
			base = 2.5 // a first line of its own names the product of a listing
		}
		if joined := c.brandLine(first); joined != "" {
			cands = append(cands, candidate{joined, first, first, base + 0.5, false})
		} else {
			// The first phrase that names something: "Restocked!! Matcha
			// whisk set".
			for i, n, tries := first, 0, 0; i < len(c.toks) && n < 3 && tries < 8; n, tries = n+1, tries+1 {
				t, end := c.titleSpan(i, len(c.toks))
				if t != "" && !c.namesNothing(t) {
					cands = append(cands, candidate{t, i, end, base - 0.5*float64(n), false})
					break
				}
				if t != "" && end > i {
					// "Flash sale! Linen pants …": a headline of deal words
					// is passed over, to the words after it.
					n--
					for i = end; i < len(c.toks) && (c.toks[i].kind == tPunct || c.toks[i].kind == tEmoji || c.toks[i].kind == tBreak); i++ {
					}
					continue
				}
				i = c.nextPhrase(i)
			}
		}
	}
	c.cands = cands // the room serves the next caption (Parse's pool)
	best, bestScore := -1, -100.0
	for k, cd := range cands {
		s := c.score(cd, a, main != nil)
		if c.withShop(cd.title, cd.end) != cd.title {
			s += 1.5 // "loafers from @shoevault": the phrase and its shop
		}
		// Between equals, the one nearer the anchor; from one start, the
		// one that reaches nearer it ("Loewe Puzzle bag 🔗 in bio").
		if s > bestScore || s == bestScore && (closer(cd.pos, cands[best].pos, a.first) || cd.pos == cands[best].pos && cd.end > cands[best].end && cd.end <= a.first) {
			best, bestScore = k, s
		}
	}
	// A caption without a price must name its product more surely.
	if best < 0 || bestScore < 0.5 || main == nil && bestScore < 1.5 {
		return "", false
	}
	cd := cands[best]
	if cd.handle && !strings.Contains(cd.title, "(") {
		// "my favourite keycaps … at @keykitty": the shop and what the
		// caption names best besides it, "Keycaps (keykitty)".
		what, whatScore := "", 0.5
		for k, o := range cands {
			if s := c.score(o, a, main != nil); k != best && !o.handle && s >= whatScore && len(titleWords(o.title)) <= 3 && longestWord(o.title) >= 4 && !c.isCode(o.title) {
				what, whatScore = o.title, s
			}
		}
		if what != "" {
			return what + " (" + cd.title + ")", true
		}
	}
	return c.withShop(cd.title, cd.end), cd.base > 1.5
}

// titleLeads holds every word that opens or closes a title candidate, with
// the sets it belongs to (leadStrong …), so that the scan asks one map per
// word.
var titleLeads = func() map[string]uint8 {
	m := map[string]uint8{}
	for k, set := range []map[string]bool{strongDemonstratives, weakDemonstratives, introWords, buyVerbs, postDemonstratives, openWords} {
		for w := range set {
			m[w] |= 1 << k
		}
	}
	return m
}()

// The sets of titleLeads, in its order.
const (
	leadStrong uint8 = 1 << iota
	leadWeak
	leadIntro
	leadBuy
	leadPost
	leadOpen
)

// lodgingNouns end the names of places to stay; lodgingWords holds them.
var (
	lodgingNouns = []string{"resort", "hotel", "villa", "villas", "homestay", "hostel", "inn", "lodge", "suites", "apartments",
		"guesthouse", "bungalows", "camp", "glamping"}
	lodgingWords = setOf(lodgingNouns...)
)

// productLabels label a product's name in listing-style captions.
var productLabels = setOf("product", "item", "model", "produk", "sản", "phẩm", "produto", "producto", "produit", "artikel") //nolint:misspell // Spanish

// introWords present the product that follows: "Introducing the Hermès
// Kelly", "Meet our X", "giới thiệu X".
var introWords = setOf("introducing", "presenting", "meet", "introduce", "apresentando", "conheça", "presentamos",
	"memperkenalkan", "ขอแนะนำ", "featuring")

// buyVerbs are verbs whose object is the product: "purchase my guide",
// "beli kopi senja", "mua áo", "find my new pullover", "comprar".
var buyVerbs = setOf("purchase", "buy", "beli", "mua", "order", "comprar", "compre", "find", "shop", "cop", "snag",
	"pesan", "kaufen", "acheter", "bestellen", "grab", "get", "rent", "sewa", "thuê", "book")

// openWords open orders or bookings for the product that follows "for":
// "Booking open for lash extensions", "pre-order dibuka untuk …".
var openWords = setOf("open", "opens", "opened", "dibuka", "buka", "mở", "abertas", "abiertas", "ouvertes")

// forWords introduce what orders or bookings are open for.
var forWords = setOf("for", "untuk", "cho", "para", "pour")

// postDemonstratives follow the noun they point at: "kopi ini" (Indonesian,
// Malay), "phòng này" (Vietnamese), "bag na ito" (Filipino).
var postDemonstratives = setOf("ini", "này", "nầy", "ito", "iyan")

// followedByObject reports a word after the buy verb at i that may start a
// product's name: a determiner ("my new", "the") or a word that is not a
// function word ("now", "here", "it"), a link or a price.
func (c *parse) followedByObject(i int) bool {
	if i+1 >= len(c.toks) {
		return false
	}
	n := c.toks[i+1]
	if n.kind != tWord || n.in(vLinkLead) || n.in(vTrail) || n.vocab&vContextStop != 0 || n.low == "or" {
		return false
	}
	return n.in(vDeterminer) || !c.stopsTok(n) && !n.in(vGeneric)
}

// titleCTAWords end a title wherever they stand: "links to all my stuff".
var titleCTAWords = setOf("link", "links", "linked", "cart", "checkout", "dm", "inbox", "whatsapp")

// afterPreposition reports a preposition before the article at i: "out of
// the kiln" names a place, not the product.
func (c *parse) afterPreposition(i int) bool {
	w := c.prevWord(i, 0)
	return w >= 0 && w == i-1 && c.toks[w].in(vPreposition)
}

var prepositions = setOf("of", "in", "on", "at", "into", "from", "under", "over", "than", "de", "da", "do", "em", "na",
	"no", "en", "à", "au", "dans", "sur", "von", "im", "di", "ke", "dari")

// inCallToAction reports token i inside a phrase of a way to buy, a
// contact or a booking ("link in bio", "DM to order"): never a title's.
func (c *parse) inCallToAction(i int) bool {
	if len(c.ctaTok) == 0 {
		c.ctaTok = resize(c.ctaTok, len(c.toks))
		clear(c.ctaTok)
		for _, m := range c.cues {
			if m.cue == cueBuy || m.cue == cueContact || m.cue == cueBook {
				for k := m.first; k <= m.last; k++ {
					c.ctaTok[k] = true
				}
			}
		}
	}
	return c.ctaTok[i]
}

// inCue reports token i inside a cue of the kind, or right after one.
func (c *parse) inCue(i int, k cue) bool {
	for _, m := range c.cues {
		if m.cue == k && m.first <= i && i <= m.last+3 {
			return true
		}
	}
	return false
}

// cueAt reports token i inside a cue of the kind.
func (c *parse) cueAt(i int, k cue) bool {
	for _, m := range c.cues {
		if m.cue == k && m.first <= i && i <= m.last {
			return true
		}
	}
	return false
}

// brandLabels label a brand in listing-style captions.
var brandLabels = setOf("brand", "marca", "merek", "thương", "hiệu", "marque", "marke")

// labeled returns the title after "<label>:" for a label of the set, or "".
func (c *parse) labeled(labels map[string]bool) string {
	for i := 1; i+1 < len(c.toks); i++ {
		if c.isPunct(i, ":") && c.toks[i-1].kind == tWord && labels[c.toks[i-1].low] {
			// The brand ends where the next label begins.
			end := i + 1
			for end < len(c.toks) && (end+1 >= len(c.toks) || !c.isPunct(end+1, ":")) && c.toks[end].kind != tBreak {
				end++
			}
			return c.titleFrom(i+1, end)
		}
	}
	return ""
}

// shopHandle reports a handle presented as the shop: "from @KickSwap",
// "shop with @Mulehaus", or right before a code ("@KickSwap | use code").
func (c *parse) shopHandle(i int) bool {
	if w := c.prevWord(i, 0); w >= 0 && shopPrepositions[c.toks[w].low] {
		return true
	}
	if t := &c.toks[i]; len(c.codes) > 0 && t.end-t.start > 4 {
		for _, h := range c.hashtags {
			if strings.EqualFold(h, c.text[t.start+1:t.end]) {
				return true // "use my code X … #vivrelle @Vivrelle": the brand the code is for
			}
		}
	}
	for j := i + 1; j < len(c.toks) && j <= i+4; j++ {
		if t := &c.toks[j]; t.kind == tWord && c.isCodeTrigger(t) {
			return true
		}
	}
	return false
}

// latinName returns the end of a run of two or more capitalised Latin words
// starting at i ("Doi View Lodge Chiang Mai"), or i.
func (c *parse) latinName(i int) int {
	if t := &c.toks[i]; t.kind != tWord || c.text[t.start] < 'A' || c.text[t.start] > 'Z' && c.text[t.start] < utf8.RuneSelf {
		return i
	}
	j, caps := i, 0
	for j < len(c.toks) {
		t := &c.toks[j]
		if j > i && !t.space {
			break
		}
		if t.kind == tNum && caps > 0 && !c.isPriceTok(j) {
			j++ // "SPF 50", "Lumi 6L"
			continue
		}
		if t.kind != tWord {
			break
		}
		// The capital first: most words are not capitalised.
		if r, _ := utf8.DecodeRuneInString(c.text[t.start:]); !isUpper(r) || !isLatin(c.text[t.start:t.end]) || t.in(vDeterminer) && j == i {
			break
		}
		caps++
		j++
	}
	if caps < 2 {
		return i
	}
	return j
}

// lodgingPrefix returns the token after a lodging word that opens a place's
// name ("nhà nghỉ Queen", "khách sạn Mường Thanh", "Hotel KK", "Homestay
// Peanut") at token i, or i.
func (c *parse) lodgingPrefix(i int) int {
	t := &c.toks[i]
	if t.kind != tWord {
		return i
	}
	if t.in(vLodging) {
		return i + 1
	}
	if c.lang == langVI && i+1 < len(c.toks) && c.toks[i+1].kind == tWord && c.toks[i+1].space && lodgingPair(t.low, c.toks[i+1].low) {
		return i + 2
	}
	return i
}

// lodgingPair reports two words that make a lodging noun opening a place's
// name, in any case: "nhà nghỉ", "khách sạn", "nhà trọ", "căn hộ".
func lodgingPair(a, b string) bool {
	switch {
	case strings.EqualFold(a, "nhà"):
		return strings.EqualFold(b, "nghỉ") || strings.EqualFold(b, "trọ")
	case strings.EqualFold(a, "khách"):
		return strings.EqualFold(b, "sạn")
	case strings.EqualFold(a, "căn"):
		return strings.EqualFold(b, "hộ")
	}
	return false
}

// capitalisedRun returns the end of a run of capitalised words or numbers
// starting at i on one phrase ("Queen", "Gia Bảo Tây Đô 68", "KK"), or i
// when token i starts none.
func (c *parse) capitalisedRun(i int) int {
	j := i
	for j < len(c.toks) && j < i+6 {
		t := &c.toks[j]
		if !t.space || t.kind == tNum && j > i {
			if t.kind == tNum && t.space && !c.isPriceTok(j) {
				j++
				continue
			}
			break
		}
		if t.kind != tWord {
			break
		}
		if r, _ := utf8.DecodeRuneInString(c.text[t.start:]); !unicode.IsUpper(r) || t.in(vDeterminer) || t.in(vLodging) {
			break
		}
		j++
	}
	return j
}

// isLatin reports a word in Latin letters (accents allowed).
func isLatin(s string) bool {
	for _, r := range s {
		if r >= 0x0250 && (r < 0x1E00 || r > 0x1EFF) && unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// nounPhraseBefore returns where the noun phrase ending before token i
// starts: back over words that are not function words, within the phrase.
func (c *parse) nounPhraseBefore(i int) int {
	j := i
	for j > 0 && i-j < 8 {
		t := &c.toks[j-1]
		if t.kind != tWord && t.kind != tNum || c.stopsTok(*t) || t.vocab&vContextStop != 0 {
			break
		}
		j--
	}
	return j
}

// firstContent returns the first token of the caption's own words: past a
// reply header ("Replying to @x", "Membalas @x", "ตอบกลับ @x"), leading
// hashtags, handles and emoji.
func (c *parse) firstContent() int {
	i := 0
	for i < len(c.toks) {
		t := &c.toks[i]
		switch {
		case t.kind == tWord && replyWords[t.low] && c.mentionWithin(i, 3):
			for i < len(c.toks) && c.toks[i].kind != tMention {
				i++
			}
			i++
			// A display name may follow the handle: "@Bai Geneva ✨".
			for i < len(c.toks) && c.toks[i].kind == tWord && i+1 < len(c.toks) && c.toks[i+1].kind != tWord {
				i++
			}
		case t.kind == tTag || t.kind == tMention || t.kind == tEmoji || t.kind == tBreak || t.kind == tPunct:
			i++
		default:
			return i
		}
	}
	return i
}

var replyWords = setOf("replying", "reply", "membalas", "balas", "trả", "ตอบกลับ", "respondendo", "respondiendo", "répondre") //nolint:misspell // Portuguese

func (c *parse) mentionWithin(i, n int) bool {
	for j := i; j < len(c.toks) && j <= i+n; j++ {
		if c.toks[j].kind == tMention {
			return true
		}
	}
	return false
}

// nextPhrase returns the first token of the phrase after the one at i.
func (c *parse) nextPhrase(i int) int {
	for i < len(c.toks) && !c.isBreak(i) {
		i++
	}
	for i < len(c.toks) && (c.isBreak(i) || c.toks[i].kind == tPunct) {
		i++
	}
	return i
}

// heading reports a short first line (at most twelve words) that the
// caption's other lines follow.
func (c *parse) heading(first int) bool {
	words := 0
	for i := first; i < len(c.toks); i++ {
		switch t := &c.toks[i]; t.kind {
		case tBreak:
			return words > 0 && i+1 < len(c.toks)
		case tWord:
			if words++; words > 12 {
				return false
			}
		}
	}
	return false
}

// brandLine reads a first line written "Brand - Model" or "Brand : Model"
// ("Bottega Veneta - Mini Jodie") as one name, or "".
func (c *parse) brandLine(first int) string {
	end := first
	for end < len(c.toks) && c.toks[end].kind != tBreak {
		end++
	}
	for i := first + 1; i < end-1; i++ {
		if c.toks[i].kind != tWord && c.toks[i].kind != tNum && c.toks[i].kind != tPunct {
			return ""
		}
		if !c.isPunct(i, "-") && !c.isPunct(i, "–") && !c.isPunct(i, "—") && !c.isPunct(i, ":") {
			continue
		}
		if c.toks[i-1].kind != tWord && c.toks[i-1].kind != tNum || c.isCodeTrigger(&c.toks[i-1]) {
			return ""
		}
		left, _ := c.titleSpan(first, i)
		right, _ := c.titleSpan(i+1, end)
		if left == "" || right == "" || len(titleWords(left)) > 3 || len(titleWords(right)) > 6 {
			return ""
		}
		return left + " " + right
	}
	return ""
}

// withShop names the shop a title's phrase is from: "the resin desk mat
// from @matmakerstudio" is "Resin desk mat (matmakerstudio)".
func (c *parse) withShop(title string, end int) string {
	if end+1 < len(c.toks) && c.toks[end].kind == tWord && shopPrepositions[c.toks[end].low] && c.toks[end+1].kind == tMention {
		m := c.toks[end+1]
		return title + " (" + c.text[m.start+1:m.end] + ")"
	}
	return title
}

// kindTag returns the kind of product a caption files itself under
// (#shoes, #bags), capitalised, or "": with a shop's handle it names what
// the shop sells.
func (c *parse) kindTag() string {
	for _, h := range c.hashtags {
		if f := lower(h); productKinds[f] {
			return capitalize(f)
		}
	}
	return ""
}

// productKinds are hashtags that name a kind of product.
var productKinds = setOf("shoes", "sneakers", "bags", "handbags", "sandals", "boots", "heels", "clothes", "dresses",
	"shirts", "hoodies", "jerseys", "jewelry", "jewellery", "watches", "perfume", "perfumes", "sunglasses", "keycaps",
	"candles", "toys", "books", "cakes", "plants")

// isCode reports a title that is one of the caption's codes ("SARAH20").
func (c *parse) isCode(title string) bool {
	for _, cd := range c.codes {
		if strings.EqualFold(cd.value, title) {
			return true
		}
	}
	return false
}

// longestWord is the length in letters of the longest word of a title.
func longestWord(title string) int { return longestRunes(titleWords(title)) }

var shopPrepositions = setOf("from", "by", "at", "with", "dari", "da", "de", "von", "chez", "của")

func closer(a, b, target int) bool {
	if a < target && b < target {
		return a > b
	}
	return a < target && b >= target
}

func (c *parse) score(cd candidate, a span, priced bool) float64 {
	ts := c.titleScore(cd.title)
	if ts.words == 0 {
		return -100
	}
	s := cd.base + ts.score // quarters and halves: exact in any order
	if ts.words == 1 && !cd.handle && ts.thai == 0 {
		// One word is seldom a product's name ("Vault", "Home"); a shop's
		// handle is one, and a Thai word is a phrase.
		s--
	}
	if priced && cd.pos > a.last {
		s--
	}
	if priced && c.paragraphBreakBetween(cd.pos, a.first) {
		s -= 0.5
	}
	return s
}

// scoredTitle is the part of a candidate's score that depends on its
// title alone, with the title's number of words and its longest Thai run.
type scoredTitle struct {
	title       string
	score       float64
	words, thai int
}

// maxScoredTitles bounds the titles whose scores a parse remembers.
const maxScoredTitles = 16

// titleScore returns the part of score that depends on the title alone,
// remembered: a caption's candidates often share their title.
func (c *parse) titleScore(title string) scoredTitle {
	for _, st := range c.scored {
		if st.title == title {
			return st
		}
	}
	st := scoredTitle{title: title}
	words := c.wordsOf(title)
	n := len(words)
	if n == 0 {
		return st
	}
	s := 0.0
	bonus := 0.0
	generic := 0
	for _, w := range words {
		if f := vocabOf(w); f&vGeneric != 0 || c.stops(f) {
			generic++
		}
		if len(w) >= 3 && c.inHashtag(w) {
			bonus += 0.75
		}
	}
	s += min(bonus, 3)
	// Capitalised words past the first are names: brands and models.
	s += min(0.25*float64(c.capitalsIn(title)), 1)
	thai := thaiRun(title)
	if thai > 24 {
		s -= 2 // a Thai sentence, not a name
	}
	if n > 6 {
		s -= float64(n-6) * 0.5
	}
	switch {
	case generic == n || isPackPhrase(words):
		s -= 3
	case !genericWords[words[n-1]] || namedLast(title):
		// "Sunny Day" in "Kem chống nắng Sunny Day" is a name
	case n < 3:
		s -= 3
	default:
		s -= 1.5 // "Men's Pouch Collection" names a range of products
	}
	if sentenceVerbs[words[0]] || allOccasion(words) || longestRunes(words) < 2 {
		// "Discover the gift selection", "Black Friday", "D": a sentence,
		// an occasion or a letter, not a product's name.
		s -= 3
	}
	if allDigits(words[0]) && n > 1 && !strings.Contains(title, "-") {
		s-- // a count, not a name: "2 colours left", "12 colors"
	}
	st.score, st.words, st.thai = s, n, thai
	if len(c.scored) < maxScoredTitles {
		c.scored = append(c.scored, st)
	}
	return st
}

// longestRunes returns the length in runes of the longest of words.
func longestRunes(words []string) int {
	n := 0
	for _, w := range words {
		n = max(n, utf8.RuneCountInString(w))
	}
	return n
}

// sentenceVerbs open sentences that invite, not names: "Discover the
// creations", "Step inside the closets", "Explore the edit".
var sentenceVerbs = setOf("discover", "explore", "step", "enjoy", "celebrate", "experience", "watch", "see", "join",
	"khám", "trải", "cùng", "temukan", "nikmati", "descubra", "conheça")

// occasionWords name a day or a season of sales, not a product.
var occasionWords = setOf("black", "friday", "cyber", "monday", "valentine", "valentines", "festive", "season",
	"christmas", "xmas", "easter", "halloween", "holiday", "holidays", "new", "year", "mother", "father", "day", "eid",
	"ramadan", "lebaran", "tết", "sale", "week", "weekend", "summer", "winter")

// allOccasion reports a title of occasion words only ("Black Friday",
// "Valentine’s": the title's words, a possessive's "s" apart).
func allOccasion(words []string) bool {
	for _, w := range words {
		if !occasionWords[w] && w != "s" {
			return false
		}
	}
	return true
}

// namesNothing reports a title of generic words only, or of one or two
// words that end in one ("Flash sale", "New drop").
func (c *parse) namesNothing(title string) bool {
	words := c.wordsOf(title)
	if n := len(words); n > 0 && n < 3 && genericWords[words[n-1]] && !namedLast(title) {
		return true
	}
	for _, w := range words {
		if f := vocabOf(w); f&(vGeneric|vHype) == 0 && !c.stops(f) {
			return false
		}
	}
	return true
}

// thaiRun returns the length in runes of the longest run of Thai letters
// in s.
func thaiRun(s string) int {
	if strings.IndexByte(s, 0xe0) < 0 {
		return 0 // Thai letters (U+0E00–U+0E7F) are written 0xe0 0xb8/0xb9 …
	}
	longest, run := 0, 0
	for _, r := range s {
		if r >= 0x0E00 && r <= 0x0E7F {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// namedLast reports a title whose last word is capitalised while the title
// is not all in capitals: part of a name.
func namedLast(title string) bool {
	last := title[strings.LastIndexByte(title, ' ')+1:]
	r, _ := utf8.DecodeRuneInString(last)
	return unicode.IsUpper(r) && strings.ContainsFunc(title, unicode.IsLower)
}

// capitalsIn counts the words of a title after its first that start with a
// capital letter, in a title not written all in capitals.
func (c *parse) capitalsIn(title string) int {
	n, words, lowerSeen, lowerWord, start := 0, 0, false, false, true
	for i, r := range title {
		if r == ' ' {
			start = true
			continue
		}
		var up, low bool
		if r < utf8.RuneSelf {
			up, low = 'A' <= r && r <= 'Z', 'a' <= r && r <= 'z'
		} else {
			up, low = unicode.IsUpper(r), unicode.IsLower(r)
		}
		switch {
		case start && up:
			words++
			if i > 0 {
				n++
			}
		case start && low:
			words++
			lowerWord = true
			lowerSeen = true
		case low:
			lowerSeen = true
		}
		start = false
	}
	// All in capitals, or a sentence in Title Case ("Save How To Lose
	// Saddlebags"): capitals say nothing.
	if !lowerSeen || !lowerWord && words >= 4 {
		return 0
	}
	return n
}

// isUpper is unicode.IsUpper, without the call for ASCII.
func isUpper(r rune) bool {
	if r < utf8.RuneSelf {
		return 'A' <= r && r <= 'Z'
	}
	return unicode.IsUpper(r)
}

// isPackPhrase reports a phrase that only sizes a pack: "set of 3", "12 pk",
// "500g bag".
func isPackPhrase(words []string) bool {
	num, pack := false, false
	for _, w := range words {
		f := vocabOf(w)
		switch {
		case w != "" && isDigit(w[0]):
			num = true
		case f&(vPack|vContainer) != 0:
			pack = true
		case w != "of" && w != "de" && w != "x" && f&vUnit == 0:
			return false
		}
	}
	return num && pack
}

// paragraphBreakBetween reports a blank line between two tokens.
func (c *parse) paragraphBreakBetween(a, b int) bool {
	if len(c.paragraph) == 0 {
		c.paragraph = resize(c.paragraph, len(c.toks))
		n := 0
		for i := range c.toks {
			t := &c.toks[i]
			if t.kind == tBreak && t.blank {
				n++
			}
			c.paragraph[i] = n
		}
	}
	clampTok := func(i int) int { return min(max(i, 0), len(c.toks)-1) }
	return c.paragraph[clampTok(a)] != c.paragraph[clampTok(b)]
}

// sentenceBreakBetween reports a line break or sentence end between two tokens.
func (c *parse) sentenceBreakBetween(a, b int) bool {
	for i := a + 1; i < b; i++ {
		t := &c.toks[i]
		if t.kind == tBreak {
			return true
		}
		if t.kind == tPunct {
			switch c.text[t.start:t.end] {
			case ".", "!", "?", ";":
				return true
			}
		}
	}
	return false
}

// inHashtag reports whether a title word (in lower case: wordsOf) and a
// hashtag contain one another (accents folded): "kurta" in #kurta,
// "kaffeemühle" holds #kaffee.
func (c *parse) inHashtag(w string) bool {
	if len(c.hashtags) == 0 {
		return false
	}
	if len(c.foldedTags) == 0 {
		c.foldedTags = resize(c.foldedTags, len(c.hashtags))
		for i, h := range c.hashtags {
			c.foldedTags[i] = fold(h)
		}
		c.joinedTags = strings.Join(c.foldedTags, "\x00")
	}
	fw := unaccent(w) // w is in lower case (wordsOf)
	if strings.Contains(c.joinedTags, fw) {
		return true
	}
	for _, fh := range c.foldedTags {
		if len(fh) >= 4 && len(fh) <= len(fw) && strings.Contains(fw, fh) {
			return true
		}
	}
	return false
}

// splitTitle is a title split into words: splitWords[from:to].
type splitTitle struct {
	title    string
	from, to int
}

// maxSplitTitles bounds the titles whose words a parse remembers: a
// caption's candidate titles are few, and each is scored and tested more
// than once.
const maxSplitTitles = 16

// wordsOf returns the lower-case words of a title (appendTitleWords),
// split once per title and caption. The caller must not modify them, and
// past maxSplitTitles titles they hold only until the next call.
func (c *parse) wordsOf(title string) []string {
	for _, s := range c.split {
		if s.title == title {
			return c.splitWords[s.from:s.to:s.to]
		}
	}
	from := len(c.splitWords)
	c.splitWords = appendTitleWords(c.splitWords, c.lowerTitle(title))
	to := len(c.splitWords)
	words := c.splitWords[from:to:to]
	if len(c.split) < maxSplitTitles {
		c.split = append(c.split, splitTitle{title, from, to})
	} else {
		c.splitWords = c.splitWords[:from] // not remembered: the space serves the next title
	}
	return words
}

// appendTitleWords appends the runs of letters and digits of s, a title in
// lower case, to dst. The title is lower-cased whole, not word by word:
// lower-casing keeps a rune a letter or digit, or not one, so the runs are
// the same.
func appendTitleWords(dst []string, s string) []string {
	start := -1
	for i, r := range s {
		if r < utf8.RuneSelf && ('a' <= r && r <= 'z' || '0' <= r && r <= '9') || r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			dst = append(dst, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// titleWords splits a title into lower-case runs of letters and digits.
func titleWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// fold lower-cases s and strips common Latin accents.
func fold(s string) string { return unaccent(lower(s)) }

// unaccent strips the common Latin accents of s (accentFold).
func unaccent(s string) string {
	if isASCII(s) {
		return s // every accented letter is outside ASCII
	}
	accented := false
	for _, r := range s {
		if isAccented(r) {
			accented = true
			break
		}
	}
	if !accented {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isAccented(r) {
			r = accentFold[r]
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isAccented reports a letter accentFold strips, all of them between 'ß'
// and 'ÿ'.
func isAccented(r rune) bool {
	if r < 'ß' || r > 'ÿ' {
		return false
	}
	_, ok := accentFold[r]
	return ok
}

var accentFold = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a', 'ç': 'c', 'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i', 'ñ': 'n', 'ò': 'o', 'ó': 'o', 'ô': 'o', 'õ': 'o', 'ö': 'o', 'ø': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ý': 'y', 'ÿ': 'y', 'ß': 's',
}

// resize returns s with length n, reusing its array when it has the room.
// The elements are left as they were: the caller sets them.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
