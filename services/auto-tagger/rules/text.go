package rules

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// words appends the folded words of s to dst: maximal runs of letters,
// combining marks and digits, lower-cased, with Latin accents removed
// ("Crème" -> "creme", "Größe" -> "grosse", Vietnamese "Áo khoác" -> "ao
// khoac", as Vietnamese hashtags are written). Everything else separates
// words, so "t-shirt" is "t shirt", "women's" is "women s" and "5-in-1" is
// "5 in 1". Thai, written without spaces, is cut into the words of the
// lexicon (thaiWords). The lexicon's terms go through the same function, so
// both sides always agree.
func words(dst []string, s string) []string {
	first := len(dst)
	dst = latinWords(dst, s)
	for i := first; i < len(dst); i++ {
		if w := dst[i]; w[0] >= utf8.RuneSelf && isThai(w) {
			cut := thaiWords(nil, w)
			dst = slices.Insert(slices.Delete(dst, i, i+1), i, cut...)
			i += len(cut) - 1
		}
	}
	return dst
}

// latinWords is words without the Thai segmentation.
func latinWords(dst []string, s string) []string {
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			dst = append(dst, b.String())
			b.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b.WriteByte(c)
			case c >= 'A' && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			default:
				flush()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
			continue
		}
		if r >= 0x00C0 && r <= 0x024F || r >= 0x1E00 && r <= 0x1EFF {
			// Accented Latin letters, Vietnamese's among them: the base letter.
			if base, _ := utf8.DecodeRuneInString(norm.NFD.String(string(r))); base < utf8.RuneSelf && unicode.IsLetter(base) {
				b.WriteRune(unicode.ToLower(base))
				continue
			}
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		flush()
	}
	flush()
	return dst
}

// foldTable folds accented Latin letters (both cases) to ASCII.
var foldTable = func() map[rune]string {
	groups := map[string]string{
		"a": "àáâãäåāăąÀÁÂÃÄÅĀĂĄ", "c": "çćčĉċÇĆČĈĊ", "d": "ďđĎĐ", "e": "èéêëēĕėęěÈÉÊËĒĔĖĘĚ",
		"g": "ĝğġģĜĞĠĢ", "h": "ĥħĤĦ", "i": "ìíîïĩīĭįıÌÍÎÏĨĪĬĮİ", "j": "ĵĴ", "k": "ķĶ", "l": "ĺļľŀłĹĻĽĿŁ",
		"n": "ñńņňÑŃŅŇ", "o": "òóôõöøōŏőÒÓÔÕÖØŌŎŐ", "r": "ŕŗřŔŖŘ", "s": "śŝşšŚŜŞŠ", "t": "ţťŧŢŤŦ",
		"u": "ùúûüũūŭůűųÙÚÛÜŨŪŬŮŰŲ", "w": "ŵŴ", "y": "ýÿŷÝŸŶ", "z": "źżžŹŻŽ",
		"ss": "ß", "ae": "æÆ", "oe": "œŒ",
	}
	m := map[rune]string{}
	for to, from := range groups {
		for _, r := range from {
			m[r] = to
		}
	}
	return m
}()

func isThai(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return r >= 0x0E00 && r <= 0x0E7F
}

// thaiWords cuts a run of Thai text into words by longest match against
// thaiDict (the lexicon's Thai terms and common Thai function words); the
// letters between known words stay together as one unknown word.
func thaiWords(dst []string, s string) []string {
	unknown := 0 // start of the unknown letters before i
	for i := 0; i < len(s); {
		n := 0
		for l := min(len(s)-i, thaiMaxBytes); l > 0; l-- {
			if thaiDict[s[i:i+l]] {
				n = l
				break
			}
		}
		if n == 0 {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		if unknown < i {
			dst = append(dst, s[unknown:i])
		}
		dst = append(dst, s[i:i+n])
		i += n
		unknown = i
	}
	if unknown < len(s) {
		dst = append(dst, s[unknown:])
	}
	return dst
}

// thaiDict holds the Thai words thaiWords knows; thaiMaxBytes is the
// longest.
var thaiDict, thaiMaxBytes = func() (map[string]bool, int) {
	m := map[string]bool{}
	longest := 0
	add := func(w string) {
		if w = strings.TrimSpace(w); w != "" && isThai(w) {
			m[w] = true
			longest = max(longest, len(w))
		}
	}
	for _, e := range allEntries() {
		for _, t := range strings.Split(e.th, ",") {
			t = strings.TrimLeft(strings.TrimSpace(t), "~!^")
			if k := strings.LastIndexByte(t, '='); k > 0 {
				t = t[:k]
			}
			for _, w := range strings.Fields(t) {
				add(w)
			}
		}
	}
	for _, w := range thaiFunctionWords {
		add(w)
	}
	return m, longest
}()

// thaiFunctionWords are frequent Thai words that are not product names, so
// that they split Thai text rather than hide inside unknown words.
var thaiFunctionWords = []string{"ที่", "และ", "ของ", "ใน", "สำหรับ", "ราคา", "ได้", "เลย", "ค่ะ", "ครับ", "นะ",
	"แค่", "ให้", "กับ", "จาก", "มี", "เป็น", "นี้", "ใหม่", "สวย", "ดี", "มาก", "ส่งฟรี", "พร้อมส่ง", "สั่ง", "ซื้อ",
	"กด", "ตะกร้า", "ลด", "โปร", "บาท", "ชิ้น", "ใบ", "คู่", "ตัว", "อัน", "แบบ", "สี", "ไซส์", "ผู้หญิง", "ผู้ชาย"}

// forms returns the forms under which a word may be found in the lexicon,
// best first: the word itself, its English singular, Romance plurals without
// "s"/"es" ("toallas", "organizadores") and German adjective and plural
// endings ("schwarze", "elektrischer", "socken"). Forms shorter than three
// letters are left out.
func forms(dst []string, w string) []string {
	dst = append(dst[:0], w)
	add := func(f string) {
		if len(f) >= 3 && f != w {
			for _, d := range dst {
				if d == f {
					return
				}
			}
			dst = append(dst, f)
		}
	}
	if len(w) < 4 || w[0] >= '0' && w[0] <= '9' {
		return dst
	}
	add(tagging.Singular(w))
	if strings.HasSuffix(w, "s") {
		add(w[:len(w)-1])
		if strings.HasSuffix(w, "es") {
			add(w[:len(w)-2])
		}
	}
	for _, suf := range germanEndings {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			add(w[:len(w)-len(suf)])
		}
	}
	return dst
}

var germanEndings = []string{"e", "en", "er", "es", "em", "n"}

// prepositions (and conjunctions) end the noun phrase a head noun heads:
// what follows them modifies ("lamp with 3 modes", "organizador de
// maquillaje", "bed for dogs", "toner and serum").
var prepositions = setOf(
	// en
	"for", "with", "of", "in", "and", "from", "without", "by", "to", "plus",
	// es, pt, fr
	"de", "del", "para", "con", "sin", "y", "por", "com", "sem", "do", "da", "dos", "das", "e", "em",
	"pour", "avec", "sans", "du", "des", "et", "en", "au", "aux",
	// de
	"fur", "mit", "aus", "und", "von", "zum", "zur", "ohne", "im",
	// id
	"untuk", "dengan", "dan", "dari", "buat", "utk",
)

// functionWords vote for the language of a text.
var functionWords = map[string]lang{
	"the": langEN, "and": langEN, "for": langEN, "with": langEN, "of": langEN, "your": langEN, "my": langEN,
	"this": langEN, "is": langEN, "it": langEN, "you": langEN, "to": langEN, "on": langEN, "from": langEN,
	"in": langEN | langDE,
	"el": langES, "los": langES, "las": langES, "del": langES, "con": langES, "y": langES, "una": langES,
	"muy": langES, "sin": langES, "es": langES | langFR,
	"la": langES | langFR, "de": langES | langPT | langFR, "para": langES | langPT, "por": langES | langPT,
	"que": langES | langPT | langFR, "en": langES | langFR, "un": langES | langFR,
	"o": langPT, "os": langPT, "do": langPT, "da": langPT, "dos": langPT, "com": langPT,
	"e": langPT, "em": langPT, "um": langPT, "uma": langPT, "sem": langPT, "muito": langPT, "nao": langPT,
	"le": langFR, "les": langFR, "du": langFR, "des": langFR, "pour": langFR, "avec": langFR, "et": langFR,
	"une": langFR, "sans": langFR, "tres": langFR, "au": langFR, "aux": langFR, "d": langFR, "l": langFR,
	"der": langDE, "die": langDE, "das": langPT | langDE, "und": langDE, "fur": langDE, "mit": langDE, "aus": langDE,
	"ein": langDE, "eine": langDE, "von": langDE, "zum": langDE, "zur": langDE, "ist": langDE, "nicht": langDE,
	"sehr": langDE, "im": langDE, "auf": langDE, "ohne": langDE,
	"dan": langID, "yang": langID, "untuk": langID, "dengan": langID, "di": langID, "ke": langID, "dari": langID,
	"ini": langID, "itu": langID, "buat": langID, "bisa": langID, "banget": langID, "murah": langID,
	"juga": langID, "atau": langID, "tidak": langID, "sudah": langID, "utk": langID, "tahan": langID,
}

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}
