package catalog

import (
	"strings"
	"unicode"
)

// CleanText removes from display text the characters that render as nothing
// or reorder what follows, which attackers use to spoof ("\u202egnp.exe"
// shows as "exe.png"), to hide words from filters and moderators, or to
// smuggle instructions to a language model:
//
//   - C0 and C1 control characters other than tab, line feed and carriage
//     return (which ValidateText judges per field);
//   - every Unicode format character (category Cf): bidirectional marks,
//     embeddings, overrides and isolates, zero-width space, word joiner,
//     byte order mark, soft hyphen, invisible operators and the like;
//     except a zero-width joiner or non-joiner between two visible non-ASCII
//     characters (emoji sequences such as 👩‍💻 and the scripts that need
//     them keep them; ASCII never does), and tag characters inside an emoji
//     flag sequence (🏴 followed by tags and a cancel tag);
//   - the Hangul fillers and the combining grapheme joiner, which show as
//     blank.
func CleanText(s string) string {
	if strings.IndexFunc(s, removable) < 0 {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	inFlag := false // after 🏴, inside its tag sequence
	var prev rune   // the last rune kept
	for i, r := range rs {
		switch {
		case r == '\u200c' || r == '\u200d':
			if visible(prev) && i+1 < len(rs) && visible(rs[i+1]) {
				b.WriteRune(r)
				prev = r
			}
			continue
		case r >= 0xE0020 && r <= 0xE007F:
			if inFlag {
				b.WriteRune(r)
				prev = r
				inFlag = r != 0xE007F
			}
			continue
		case removable(r):
			continue
		}
		inFlag = r == 0x1F3F4
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// removable reports the runes CleanText removes (some only out of context).
func removable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
		return true
	}
	switch r {
	case '\u034f', '\u115f', '\u1160', '\u3164', '\uffa0':
		return true
	}
	return false
}

// visible reports whether r is a character a joiner may sit next to: a
// visible non-ASCII character.
func visible(r rune) bool {
	return r > unicode.MaxASCII && !unicode.IsSpace(r) && !removable(r) && r != '\u200c' && r != '\u200d'
}
