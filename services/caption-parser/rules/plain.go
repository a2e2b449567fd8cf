package rules

import (
	"strings"

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
	if i == len(s) || !strings.ContainsFunc(s[i:], styled) {
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

// styled reports a rune plainText replaces: mathematical alphanumerics,
// fullwidth ASCII and the line and paragraph separators.
func styled(r rune) bool {
	return r >= 0x1D400 && r <= 0x1D7FF || r >= 0xFF01 && r <= 0xFF5E || r == '\u2028' || r == '\u2029'
}
