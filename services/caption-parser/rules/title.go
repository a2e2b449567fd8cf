package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// inPrice returns the price token i belongs to.
func (c *parse) inPrice(i int) (int, bool) {
	k := c.priceOf[i]
	return k, k >= 0
}

// isBreak reports a token that ends a phrase: a line break, an emoji, a URL,
// a hashtag, a handle, a money amount or sentence punctuation.
func (c *parse) isBreak(i int) bool {
	t := c.toks[i]
	switch t.kind {
	case tBreak, tEmoji, tURL, tTag, tMention, tCur:
		return true
	case tNum:
		_, ok := c.inPrice(i)
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
	t := c.toks[i]
	return t.kind == tPunct && c.text[t.start:t.end] == s
}

// skipLeadsBack walks back from i over what separates a product phrase from
// its price: dashes, colons, brackets, words such as "only" or "is", former
// prices with their markers ("WAS $39.99 NOW"), and a bundle count ("2 for").
func (c *parse) skipLeadsBack(lo, i int) int {
	for i >= lo {
		t := c.toks[i]
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
			if leadWords[t.low] || backLeads[t.low] {
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
			if t.kind == tNum && t.numEnd == t.end && i+1 < len(c.toks) && c.toks[i+1].kind == tWord && (c.toks[i+1].low == "for" || c.toks[i+1].low == "für") {
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
	// The price's own phrase is empty: take the one before it.
	for i >= lo && (c.isBreak(i) && !c.isPriceTok(i) || c.toks[i].kind == tPunct) {
		if c.toks[i].kind == tURL || c.toks[i].kind == tTag {
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
	toks, text := c.toks, c.text
	i := a
	b = min(b, a+maxTitleTokens)
	// Leading junk: markers, punctuation, brackets, articles, hype.
	for i < b && i < a+maxTitleTokens/2 {
		t := toks[i]
		if t.kind == tWord && (determiners[t.low] || hypeWords[t.low] || leadWords[t.low]) {
			i++
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
	var parts []span
	pendingSpace := false
	keep := func(from, to int) {
		parts = append(parts, span{from, to, len(parts) > 0 && (toks[from].space || pendingSpace)})
		pendingSpace = false
	}
collect:
	for i < b {
		t := toks[i]
		switch t.kind {
		case tWord:
			if stopCut[t.low] || c.stopsHere(i) {
				break collect
			}
		case tNum:
			if c.isPriceTok(i) || c.percentAfter(i) && c.isDiscount(i+1) {
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
		t := toks[last.end-1]
		if last.end-last.start == 1 && (t.kind == tPunct || t.kind == tWord && trailStrip[t.low]) {
			parts = parts[:len(parts)-1]
			continue
		}
		break
	}
	var sb strings.Builder
	words := 0
	for _, p := range parts {
		if p.space {
			sb.WriteByte(' ')
		}
		sb.WriteString(text[toks[p.start].start:toks[p.end-1].end])
		for k := p.start; k < p.end; k++ {
			if toks[k].kind == tWord {
				words++
			}
		}
		if sb.Len() > 120 {
			break
		}
	}
	if words == 0 {
		return ""
	}
	out := strings.Join(strings.Fields(sb.String()), " ")
	if utf8.RuneCountInString(out) > 120 {
		out = truncateWords(out, 120)
	}
	return capitalize(out)
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
	if !contextStops[w] || i+1 >= len(c.toks) {
		return false
	}
	n := c.toks[i+1]
	switch n.kind {
	case tNum:
		return w != "of" && w != "de"
	case tWord:
		return determiners[n.low] || stopCut[n.low] || n.low == "you" || w == "in" && variantWords[n.low]
	}
	return false
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
		t := c.toks[i]
		switch t.kind {
		case tNum:
			hasNum = true
			if packWords[lower(c.text[t.numEnd:t.end])] {
				hasPack = true
			}
		case tWord:
			switch {
			case packWords[t.low] || strings.HasSuffix(t.low, "-pack"):
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
const maxCandidates = 48

// candidate is a possible title of a single-product caption.
type candidate struct {
	title string
	pos   int
	base  float64
}

// bestTitle picks the title of a single-product caption among the phrase
// before the price, the phrases after demonstratives ("this", "our",
// "diese", "esse") and the caption's first phrase. Each is scored by its
// kind, by the words it shares with the hashtags, by its length and by
// where it stands relative to the price. strong reports a title that did
// not come from the caption's first phrase alone.
func (c *parse) bestTitle(main *price) (string, bool) {
	var cands []candidate
	if t, adjacent := c.phraseBefore(0, main.first); t != "" {
		base := 2.0
		if adjacent {
			base = 3
			if s := c.clauseStart(0, c.skipLeadsBack(0, main.first-1)); s > 0 && c.isPunct(s-1, ",") {
				base = 2.5 // one item of an enumeration: "whisk, bowl & scoop for $45"
			}
		}
		cands = append(cands, candidate{t, main.first - 1, base})
	}
	// "this $12 lip oil", "our £20 tote": the product follows its price.
	if w := c.prevWord(main.first, 0); w >= 0 && w == main.first-1 && determiners[c.toks[w].low] {
		if t := c.titleFrom(main.last+1, len(c.toks)); t != "" {
			cands = append(cands, candidate{t, main.first - 1, 3})
		}
	}
	for i, t := range c.toks {
		if t.kind != tWord || len(cands) >= maxCandidates {
			continue
		}
		base := 0.0
		switch {
		case strongDemonstratives[t.low]:
			base = 3
		case weakDemonstratives[t.low]:
			base = 2
		default:
			continue
		}
		if title := c.titleFrom(i, len(c.toks)); title != "" {
			cands = append(cands, candidate{title, i, base})
		}
	}
	if title := c.titleFrom(0, len(c.toks)); title != "" {
		cands = append(cands, candidate{title, 0, 1.5})
	}
	best, bestScore := -1, -100.0
	for k, cd := range cands {
		s := c.score(cd, main)
		if s > bestScore || s == bestScore && closer(cd.pos, cands[best].pos, main.first) {
			best, bestScore = k, s
		}
	}
	if best < 0 || bestScore < 0.5 {
		return "", false
	}
	return cands[best].title, cands[best].base > 1.5
}

func closer(a, b, target int) bool {
	if a < target && b < target {
		return a > b
	}
	return a < target && b >= target
}

func (c *parse) score(cd candidate, main *price) float64 {
	words := titleWords(cd.title)
	n := len(words)
	if n == 0 {
		return -100
	}
	s := cd.base
	bonus := 0.0
	generic := 0
	for _, w := range words {
		if genericWords[w] || stopCut[w] {
			generic++
		}
		if len(w) >= 3 && c.inHashtag(w) {
			bonus += 0.75
		}
	}
	s += min(bonus, 3)
	if n == 1 {
		s -= 0.75
	}
	if n > 6 {
		s -= float64(n-6) * 0.5
	}
	if genericWords[words[n-1]] || generic == n || isPackPhrase(words) {
		s -= 3
	}
	if cd.pos > main.last {
		s--
	}
	if allDigits(words[0]) && n > 1 && !strings.Contains(cd.title, "-") {
		s-- // a count, not a name: "2 colours left", "12 colors"
	}
	if c.paragraphBreakBetween(cd.pos, main.first) {
		s -= 0.5
	}
	return s
}

// isPackPhrase reports a phrase that only sizes a pack: "set of 3", "12 pk",
// "500g bag".
func isPackPhrase(words []string) bool {
	num, pack := false, false
	for _, w := range words {
		switch {
		case w != "" && isDigit(w[0]):
			num = true
		case packWords[w] || containerWords[w]:
			pack = true
		case w != "of" && w != "de" && w != "x" && !unitWords[w]:
			return false
		}
	}
	return num && pack
}

// paragraphBreakBetween reports a blank line between two tokens.
func (c *parse) paragraphBreakBetween(a, b int) bool {
	if c.paragraph == nil {
		c.paragraph = make([]int, len(c.toks))
		n := 0
		for i, t := range c.toks {
			if t.kind == tBreak && t.lines > 1 {
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
		t := c.toks[i]
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

// inHashtag reports whether a title word and a hashtag contain one another
// (accents folded): "kurta" in #kurta, "kaffeemühle" holds #kaffee.
func (c *parse) inHashtag(w string) bool {
	fw := fold(w)
	for _, h := range c.hashtags {
		fh := fold(h)
		if strings.Contains(fh, fw) || (len(fh) >= 4 && strings.Contains(fw, fh)) {
			return true
		}
	}
	return false
}

// titleWords splits a title into lower-case runs of letters and digits.
func titleWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// fold lower-cases s and strips common Latin accents.
func fold(s string) string {
	s = strings.ToLower(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if f, ok := accentFold[r]; ok {
			r = f
		}
		b.WriteRune(r)
	}
	return b.String()
}

var accentFold = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a', 'ç': 'c', 'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i', 'ñ': 'n', 'ò': 'o', 'ó': 'o', 'ô': 'o', 'õ': 'o', 'ö': 'o', 'ø': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ý': 'y', 'ÿ': 'y', 'ß': 's',
}
