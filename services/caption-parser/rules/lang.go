package rules

import (
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// Languages the rules tell apart, as ISO 639-1 codes.
const (
	langEN = "en"
	langID = "id" // Indonesian
	langMS = "ms" // Malay
	langTL = "tl" // Filipino (Tagalog, Taglish)
	langVI = "vi"
	langTH = "th"
	langPT = "pt"
	langES = "es"
	langFR = "fr"
	langDE = "de"
	langIT = "it" // Italian: read by its cue phrases only, not told apart by function words
	langNL = "nl" // Dutch: as Italian
	langKO = "ko"
	langJA = "ja"
	langZH = "zh"
)

// latinLangs are the languages told apart by their function words, in the
// order ties are broken.
var latinLangs = []string{langEN, langID, langPT, langES, langTL, langMS, langFR, langDE}

// functionWords are frequent words of each Latin-script language: articles,
// pronouns, particles, prepositions and the commonest verbs. A word of
// several languages counts for each.
var functionWords = map[string][]string{
	langEN: {"the", "and", "you", "is", "this", "for", "with", "my", "to", "of", "it", "i", "on", "that",
		"your", "are", "was", "be", "so", "just", "at", "from", "me", "we", "our", "have", "all", "not",
		"what", "get", "but", "if", "out", "can", "do", "how", "when", "who", "they", "will", "it's", "i'm",
		"an", "or", "about", "here", "now", "new", "one"},
	langID: {"yang", "dan", "di", "ini", "itu", "ke", "aja", "banget", "bisa", "untuk", "dengan", "cuma",
		"sudah", "ga", "gak", "nggak", "kalo", "kalau", "udah", "juga", "lagi", "ada", "buat", "sama", "dari",
		"tapi", "karena", "kita", "aku", "kamu", "mau", "beli", "harga", "murah", "enak", "lho", "yuk", "dong",
		"deh", "sih", "klik", "langsung", "bikin", "pakai", "pake", "jadi", "banyak", "semua", "tinggal",
		"gampang", "caranya", "mulai", "buruan", "cek", "kak", "gais", "guys", "nih", "loh", "emang", "boleh"},
	langMS: {"yang", "dan", "ini", "itu", "boleh", "sahaja", "je", "tak", "nak", "dah", "kat", "dengan",
		"untuk", "harga", "beli", "sangat", "lagi", "ada", "saya", "kami", "anda", "percuma", "hantar",
		"murah", "sekarang", "tau", "pun", "kita"},
	langTL: {"ang", "ng", "mga", "sa", "po", "yung", "namin", "para", "ito", "lang", "na", "ko", "ako",
		"kayo", "natin", "tayo", "din", "rin", "talaga", "ka", "si", "nang", "pa", "kasi", "eto", "dito",
		"naman", "niyo", "nyo", "kami", "siya", "pag", "kung", "may", "wala", "ba", "ninyo", "pinagstayan"},
	langPT: {"de", "que", "não", "é", "você", "com", "para", "uma", "um", "os", "as", "muito", "mais", "no",
		"na", "esse", "essa", "eu", "meu", "minha", "do", "da", "por", "tá", "pra", "também", "está", "isso",
		"nos", "nas", "dos", "das", "ele", "ela", "vocês", "aqui", "agora", "pelo", "pela", "seu", "sua",
		"ao", "foi", "são", "mas", "como", "quem", "nosso", "nossa"},
	langES: {"el", "la", "de", "que", "y", "en", "los", "las", "es", "por", "para", "con", "muy", "una",
		"un", "del", "lo", "mi", "tu", "pero", "más", "este", "esta", "está", "como", "yo", "aquí", "ahora",
		"su", "sus", "al", "nuestro", "nuestra", "también", "son", "fue", "hay", "te", "se"},
	langFR: {"le", "la", "les", "de", "des", "et", "est", "pour", "avec", "une", "un", "dans", "je", "vous",
		"du", "au", "sur", "pas", "ce", "cette", "mon", "ma", "mes", "qui", "très", "tout", "en", "c'est",
		"notre", "nos", "votre", "vos", "il", "elle", "on", "ou", "où", "mais", "aussi"},
	langDE: {"der", "die", "das", "und", "ist", "nicht", "mit", "für", "ich", "du", "sie", "ein", "eine",
		"auf", "zu", "es", "den", "dem", "auch", "noch", "nur", "wir", "mein", "meine", "bei", "im", "jetzt",
		"hier", "unser", "unsere", "oder", "aber", "wie", "was"},
}

// wordLangs maps each function word to the set of its languages, as a bit
// per index of latinLangs.
var wordLangs = func() map[string]uint16 {
	m := map[string]uint16{}
	for i, l := range latinLangs {
		for _, w := range functionWords[l] {
			m[w] |= 1 << i
		}
	}
	return m
}()

// vietnameseLetters are letters Vietnamese writes and the other Latin-script
// languages do not (ơ, ư, ă, đ and the tone-marked vowels).
func isVietnameseLetter(r rune) bool {
	switch {
	case r >= 0x1EA0 && r <= 0x1EF9: // Latin Extended Additional: ạ ả ấ ầ ẩ ... ỹ
		return true
	}
	switch unicode.ToLower(r) {
	case 'ơ', 'ư', 'ă', 'đ', 'ĩ', 'ũ':
		return true
	}
	return false
}

// Language guesses the language a caption is written in, as an ISO 639-1
// code ("en", "vi", "id", "ms", "th", "tl", "pt", "es", "fr", "de", "ko",
// "ja", "zh"), or "" when it cannot tell. Scripts decide first (Thai,
// Hangul, kana, Han, Vietnamese letters), then function words, hashtags,
// handles and links aside.
func Language(text string) string {
	text = plainText(clip(text, MaxTextBytes))
	lang, _ := detectLanguage(text, lex(text))
	return lang
}

// detectLanguage guesses the language of the tokens (see Language) and
// reports whether they hold letters of a script written without spaces
// between words (Thai, Japanese, Chinese, Korean: unspaced), in one pass
// over the words.
func detectLanguage(text string, toks []token) (lang string, scripted bool) {
	var thai, hangul, syllables, kana, han, viet, words int
	var votes [8]int
	for i := range toks {
		t := &toks[i]
		if t.kind != tWord {
			continue
		}
		words++
		for b := uint8(t.vocab & vLangs); b != 0; b &= b - 1 {
			votes[bits.TrailingZeros8(b)]++ // a vote for each language of the word
		}
		if t.ascii {
			continue // no letter of a script that decides
		}
		s := text[t.start:t.end]
		for i := 0; i < len(s); {
			if s[i] < utf8.RuneSelf {
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case r >= 0x0E00 && r <= 0x0E7F:
				thai++
			case r >= 0xAC00 && r <= 0xD7A3:
				hangul++
				syllables++ // Korean words carry their endings (unspaced)
			case r >= 0x1100 && r <= 0x11FF || r >= 0x3130 && r <= 0x318F:
				hangul++
			case r >= 0x3040 && r <= 0x30FF:
				kana++
			case r >= 0x4E00 && r <= 0x9FFF:
				han++
			case isVietnameseLetter(r):
				viet++
			}
		}
	}
	scripted = thai+syllables+kana+han > 0
	switch {
	case thai >= 3:
		return langTH, scripted
	case hangul >= 2:
		return langKO, scripted
	case kana >= 2:
		return langJA, scripted
	case han >= 2:
		return langZH, scripted
	}
	best := -1
	for i, v := range votes {
		if v > 0 && (best < 0 || v > votes[best]) {
			best = i
		}
	}
	// Letters only Vietnamese writes decide, unless a single one stands
	// among another language's words (a name).
	if viet >= 2 || viet == 1 && (best < 0 || votes[best] < 2) {
		return langVI, scripted
	}
	if best < 0 {
		return "", scripted
	}
	// Indonesian and Malay share most words: the words only one of them
	// uses decide.
	if l := latinLangs[best]; l == langID || l == langMS {
		ms, id := 0, 0
		for i := range toks {
			t := &toks[i]
			if t.kind == tWord {
				if t.in(vMalay) {
					ms++
				}
				if t.in(vIndonesian) {
					id++
				}
			}
		}
		if ms > id {
			return langMS, scripted
		}
		return langID, scripted
	}
	return latinLangs[best], scripted
}

// malayWords and indonesianWords are words one of the two languages uses
// and the other does not.
var (
	malayWords      = setOf("sahaja", "je", "tak", "nak", "dah", "kat", "anda", "percuma", "hantar", "pun", "tau", "sangat")
	indonesianWords = setOf("aja", "banget", "ga", "gak", "nggak", "udah", "kalo", "lho", "yuk", "dong", "deh", "sih",
		"nih", "loh", "emang", "gais", "bikin", "pake", "caranya", "buruan", "kamu", "cuma", "gampang", "tinggal")
)
