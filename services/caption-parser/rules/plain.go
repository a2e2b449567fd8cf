package rules

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// plainText maps the styled letters sellers paste into captions (𝑩𝒆𝒂𝒄𝒉,
// 𝐁𝐨𝐥𝐝, ｆｕｌｌｗｉｄｔｈ) to plain ones by their compatibility decomposition,
// and the Unicode line and paragraph separators to line breaks. It returns s
// itself when there is nothing to change.
func plainText(s string) string {
	// Every rune plainText changes is written with a lead byte of 0xE2 or
	// more: most captions are passed over by bytes.
	i := 0
	for i < len(s) && s[i] < 0xE2 {
		i++
	}
	if i == len(s) || !containsStyled(s[i:]) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case styled(r):
			b.WriteString(norm.NFKC.String(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// containsStyled reports a styled rune in s. Such runes start with a byte
// 0xE2, 0xEF or 0xF0, which never stands inside another rune: only the
// runes that start with one are decoded.
func containsStyled(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0xE2 || c == 0xEF || c == 0xF0 {
			if r, _ := utf8.DecodeRuneInString(s[i:]); styled(r) {
				return true
			}
		}
	}
	return false
}

// styled reports a rune plainText replaces: mathematical alphanumerics,
// fullwidth ASCII and the line and paragraph separators.
func styled(r rune) bool {
	return r >= 0x1D400 && r <= 0x1D7FF || r >= 0xFF01 && r <= 0xFF5E || r == '\u2028' || r == '\u2029'
}
