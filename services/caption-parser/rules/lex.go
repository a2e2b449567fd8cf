package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is the lexical class of a token.
type kind uint8

const (
	tWord    kind = iota // letters, then letters/digits, inner hyphens and apostrophes
	tNum                 // digits with inner '.' or ',' groups; unit letters follow in the same token
	tCur                 // a currency symbol ($, €, £, ...)
	tURL                 // an http(s) URL, a www. name or a bare domain with a known TLD
	tTag                 // #hashtag
	tMention             // @handle
	tPunct               // one punctuation rune
	tEmoji               // a run of pictographs, flags, keycaps and their modifiers
	tBreak               // one or more line breaks
)

// token is one lexical unit of a caption, as byte offsets into the text.
// (Its fields are ordered to pack: a caption holds hundreds of tokens.)
type token struct {
	start, end int
	// low is the lower-cased text of a tWord.
	low string
	// vocab is what the rules know of a tWord (vocabOf).
	vocab vocabFlags
	// numEnd ends the digit part of a tNum; text[numEnd:end] is its unit
	// ("oz", "rb"); 32 bits hold it, as tokens are packed.
	numEnd int32
	kind   kind
	// space reports whitespace (or the start of the text) before the token.
	space bool
	// ascii reports a tWord of ASCII characters only (as its low is).
	ascii bool
	// blank reports a tBreak of two or more line breaks: a paragraph's end.
	blank bool
}

// lex splits text into tokens and sets the vocabulary flags of its words.
// It never fails: every byte ends up in a token or in skipped whitespace, so
// any input, valid UTF-8 or not, is accepted.
func lex(text string) []token {
	toks, _ := lexInto(nil, text)
	return toks
}

// lexInto is lex appending to toks (a slice of tokens to reuse); it also
// returns text in lower case, byte for byte (lowerAligned).
func lexInto(toks []token, text string) ([]token, string) {
	if n := len(text)/3 + 8; cap(toks) < n {
		toks = make([]token, 0, n) // captions hold about one token per 4 bytes
	}
	low := lowerAligned(text)
	space := true
	i := 0
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case r == '\n':
			j := i
			n := 0
			for j < len(text) && (text[j] == '\n' || text[j] == '\r' || text[j] == ' ' || text[j] == '\t') {
				if text[j] == '\n' {
					n++
				}
				j++
			}
			toks = append(toks, token{start: i, end: j, kind: tBreak, space: space, blank: n > 1})
			space = true
			i = j
			continue
		case r == ' ' || r == '\t' || r == '\r' || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\u3000' || (r == utf8.RuneError && size == 1) || r == '\u200b' || r == '\ufeff':
			space = true
			i += size
			continue
		}
		t := token{start: i, space: space}
		space = false
		switch {
		case r == '#' && i+1 < len(text) && isTagRune(text[i+1:]):
			t.kind, t.end = tTag, scanTag(text, i+1)
		case r == '@' && i+1 < len(text) && isHandleByte(text[i+1]):
			t.kind, t.end = tMention, scanHandle(text, i+1)
		case r < utf8.RuneSelf && isDigit(byte(r)) && isKeycap(text, i+1):
			// A keycap digit (1️⃣) is an emoji: a list marker, not a number.
			end, _ := keycapEnd(text, i+1)
			t.kind, t.end = tEmoji, scanEmoji(text, end)
		case isURLStart(text, i):
			if end := scanURL(text, i); end > i {
				t.kind, t.end = tURL, end
			} else {
				t = lexWordOrNum(text, low, i, t)
			}
		case r < utf8.RuneSelf && isDigit(byte(r)):
			t = lexWordOrNum(text, low, i, t)
		case unicode.IsLetter(r):
			t = lexWordOrNum(text, low, i, t)
		case isCurrencyRune(r):
			t.kind, t.end = tCur, i+size
		case isEmojiRune(r):
			t.kind, t.end = tEmoji, scanEmoji(text, i)
		default:
			t.kind, t.end = tPunct, i+size
		}
		toks = append(toks, t)
		i = t.end
	}
	return toks, low
}

// lexWordOrNum reads a word or a number starting at i; low is text in lower
// case, byte for byte (lowerAligned).
func lexWordOrNum(text, low string, i int, t token) token {
	if isDigit(text[i]) {
		t.kind = tNum
		j := i
		for j < len(text) {
			c := text[j]
			if isDigit(c) {
				j++
				continue
			}
			if (c == '.' || c == ',') && j+1 < len(text) && isDigit(text[j+1]) {
				j++
				continue
			}
			break
		}
		t.numEnd = int32(j)
		// Unit letters glued to the number: 40oz, 45rb, 14k, 5th, 1L.
		for j < len(text) {
			if c := text[j]; c < utf8.RuneSelf {
				if isASCIILetter(c) {
					j++
					continue
				}
				break
			}
			r, size := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) {
				break
			}
			j += size
		}
		t.end = j
		return t
	}
	t.kind = tWord
	j := i
	for j < len(text) {
		if c := text[j]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			j++ // the common case first
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			j += size
			continue
		case r < utf8.RuneSelf && isDigit(byte(r)):
			if isCurrencyWordPrefix(text[i:j]) {
				// Rp45rb, Rs499, USD19: the currency ends the word.
				t.end = j
				t.low = low[i:j]
				t.ascii = isASCII(t.low)
				t.vocab = vocabOf(t.low)
				return t
			}
			j += size
			continue
		case r == '-' || r == '\'' || r == '’':
			if j+size < len(text) {
				nr, _ := utf8.DecodeRuneInString(text[j+size:])
				if unicode.IsLetter(nr) || (nr < utf8.RuneSelf && isDigit(byte(nr))) {
					j += size
					continue
				}
			}
		}
		break
	}
	t.end = j
	t.low = low[i:j]
	t.ascii = isASCII(t.low)
	t.vocab = vocabOf(t.low)
	return t
}

// lowerAligned lower-cases text rune by rune where that keeps the rune's
// length in bytes (every letter buylink's languages write), so that a word
// at text[i:j] is low[i:j] in lower case: one string for a caption instead
// of one per capitalised word. It returns text itself when it has no upper
// case.
func lowerAligned(text string) string {
	upper := false
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= utf8.RuneSelf {
			upper = strings.ContainsFunc(text[i:], unicode.IsUpper)
			break
		} else if 'A' <= c && c <= 'Z' {
			upper = true
			break
		}
	}
	if !upper {
		return text
	}
	var b strings.Builder // one allocation: the result has text's length
	b.Grow(len(text))
	done := 0 // text[:done] is written, lower-cased
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				b.WriteString(text[done:i])
				b.WriteByte(c + 'a' - 'A')
				done = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		// Runes past maxCased (emoji and the like) have no case.
		if r <= maxCased {
			if l := unicode.ToLower(r); l != r && r != utf8.RuneError && utf8.RuneLen(l) == size {
				b.WriteString(text[done:i])
				b.WriteRune(l)
				done = i + size
			}
		}
		i += size
	}
	b.WriteString(text[done:])
	return b.String()
}

// maxCased is the last rune unicode.ToLower may change (the end of
// unicode.CaseRanges): the runes past it, emoji among them, have no case.
var maxCased = rune(unicode.CaseRanges[len(unicode.CaseRanges)-1].Hi)

// lower lower-cases s, without allocating when it already is.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
		if 'A' <= c && c <= 'Z' {
			if !isASCII(s[i:]) {
				return strings.ToLower(s)
			}
			// ASCII from its first capital on: strings.ToLower's own
			// way, without reading s[:i] again.
			var b strings.Builder
			b.Grow(len(s))
			b.WriteString(s[:i])
			for ; i < len(s); i++ {
				c := s[i]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
			}
			return b.String()
		}
	}
	return s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isTagRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func scanTag(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		i += size
	}
	return i
}

func isHandleByte(c byte) bool {
	return c == '_' || c == '.' || isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func scanHandle(text string, i int) int {
	for i < len(text) && isHandleByte(text[i]) {
		i++
	}
	for i > 0 && text[i-1] == '.' {
		i--
	}
	return i
}

func isKeycap(text string, i int) bool {
	_, ok := keycapEnd(text, i)
	return ok
}

// keycapEnd reports whether a keycap sequence (U+FE0F? U+20E3) follows a digit.
func keycapEnd(text string, i int) (int, bool) {
	if strings.HasPrefix(text[i:], "\ufe0f") {
		i += len("\ufe0f")
	}
	if strings.HasPrefix(text[i:], "\u20e3") {
		return i + len("\u20e3"), true
	}
	return 0, false
}

func isCurrencyRune(r rune) bool {
	switch r {
	case '$', '€', '£', '¥', '₹', '₩', '₱', '฿', '₫', '₺', '₽', '₦', '₴', '₪', '₡', '￥', '¢':
		return true
	}
	return false
}

// isEmojiRune reports pictographs, dingbats, symbols and the joiners and
// modifiers that glue them together.
func isEmojiRune(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2B00 && r <= 0x2BFF,
		r >= 0x2190 && r <= 0x21FF, r >= 0x2300 && r <= 0x23FF, r >= 0x25A0 && r <= 0x25FF,
		r >= 0xE0020 && r <= 0xE007F, r == 0x200D, r == 0xFE0F, r == 0xFE0E, r == 0x20E3,
		r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299, r == 0x00A9, r == 0x00AE, r == 0x2122:
		return true
	}
	return unicode.Is(unicode.So, r)
}

func scanEmoji(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isEmojiRune(r) {
			break
		}
		i += size
	}
	return i
}
