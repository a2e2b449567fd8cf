package rules

import (
	"strings"
)

// codeTriggers are the words that introduce a discount code.
var codeTriggers = setOf("code", "codes", "kode", "código", "códigos", "codigo", "cupom", "cupons", "cupón", "cupon",
	"coupon", "gutschein", "gutscheincode", "rabattcode", "promocode", "promo", "voucher", "kod", "codice", "mã",
	"promokod", "kodu", "코드", "クーポン")

// codeSuffixTriggers are word endings that make a trigger: "klookcode",
// "agodacode", "discountcode", and Thai "กรอกโค้ด" (enter the code).
var codeSuffixTriggers = []string{"code", "โค้ด", "โค๊ด"}

// codeSuffixEnds holds the last bytes of codeSuffixTriggers: most words
// end otherwise.
var codeSuffixEnds = func() (ends [256]bool) {
	for _, suf := range codeSuffixTriggers {
		ends[suf[len(suf)-1]] = true
	}
	return ends
}()

// notCodeWords end in "code" without introducing one.
var notCodeWords = setOf("barcode", "qrcode", "unicode", "vscode", "decode", "encode", "zipcode", "postcode", "dresscode", "opcode")

// notCodes are words that follow "code" without being one.
var notCodes = setOf("IN", "AT", "FOR", "THE", "LINK", "BIO", "BELOW", "IS", "AND", "TO", "ON", "OFF",
	"HERE", "NOW", "YOUR", "MY", "FREE", "SHIPPING", "CHECKOUT", "ABOVE", "DM", "IT", "A", "AN", "OR", "WITH",
	"DE", "DA", "DO", "DI", "NA", "NO", "EM", "EN", "PARA", "PRA", "POR", "UNTUK", "DAN", "YANG", "GIẢM", "GIÁ",
	"DESCONTO", "DESCUENTO", "DISKON", "RABATT", "DISCOUNT", "PROMO", "SALE", "WORKS", "EXPIRES", "ENDS", "ALSO",
	"THIS", "THAT", "ALL", "ANY", "ONE", "ONLY", "JUST", "USE", "APPLY", "APPLIES", "WILL", "CAN", "GETS",
	"SAVES", "GIVES", "ALERT", "NAME", "WORD", "NUMBER", "EVERYONE", "WHICH", "COMMENT")

// maxCodeLookahead bounds the tokens between a trigger and its code.
const maxCodeLookahead = 10

// findCodes reads discount codes: the word after a trigger ("code",
// "use my code", "cupom", "kode", "mã", "โค้ด", "klookcode"), skipping
// punctuation and a few words ("my", "is", "discount"), or the word after
// the first colon of the trigger's phrase ("cupom de 20% em qualquer plano:
// X"). A code is 3 to 32 letters, digits, '-' and '_'; in lower case it
// must follow the trigger closely ("use code source", "Code: tball",
// 'code "wenss"'), in capitals or with a digit it may stand further. Lists
// of codes ("my codes: brand: CODE brand: CODE") give every pair. A hashtag
// is never a code.
func (c *parse) findCodes() {
	toks, text := c.toks, c.text
	for i := range toks {
		t := &toks[i]
		if t.kind != tWord || !c.isCodeTrigger(t) {
			continue
		}
		c.codeWord = true
		if len(c.codes) >= maxCodes {
			return
		}
		if listHeaders[t.low] && c.codeList(i) {
			continue
		}
		j, how := c.codeAfter(i)
		if j < 0 || c.codeAt(j) {
			continue
		}
		// A code in lower case must be presented as one: after a colon or
		// a quote, or right after "code" ("use code source"), not right
		// after "promo" ("promo berlaku").
		presented := how == afterMark || how == adjacent && !nounTriggers[t.low]
		v := text[toks[j].start:toks[j].end]
		if nounTriggers[t.low] && how != afterMark && isUpperWord(text[t.start:t.end]) && !hasDigit(v) {
			continue // "PROMO KOPI KENANGAN": a headline in capitals, not a code
		}
		if strings.Contains(c.orig, v) && (looksLikeCode(v) || presented && plainCode(v) && v == lower(v)) {
			c.codes = append(c.codes, code{tok: j, value: v})
		}
	}
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

// listHeaders introduce lists of codes: "my codes:", "meus cupons:".
var listHeaders = setOf("codes", "cupons", "códigos", "cupones", "coupons", "kode-kode")

// nounTriggers name a deal as well as a code: after them a code must be in
// capitals or have a digit ("promo berlaku" is not a code, "promo SAVE10" is).
var nounTriggers = setOf("promo", "voucher", "gutschein", "coupon", "cupon", "cupón", "cupom")

// codeAt reports a code already read at token j.
func (c *parse) codeAt(j int) bool {
	for _, x := range c.codes {
		if x.tok == j {
			return true
		}
	}
	return false
}

func (c *parse) isCodeTrigger(t *token) bool {
	if t.vocab&vCode != 0 {
		return true
	}
	if t.vocab&vNotCode != 0 || len(t.low) <= 4 || !codeSuffixEnds[t.low[len(t.low)-1]] {
		return false
	}
	for _, suf := range codeSuffixTriggers {
		if strings.HasSuffix(t.low, suf) {
			return true
		}
	}
	return false
}

// codePlace tells how a code stands after its trigger.
type codePlace uint8

const (
	further   codePlace = iota // a few words on: must look like a code
	adjacent                   // right after the trigger: "use code source"
	afterMark                  // after a colon or an opening quote: "cupom: psicohane"
)

// codeAfter returns the token of the code the trigger at i introduces, or
// -1, and how it stands after the trigger.
func (c *parse) codeAfter(i int) (int, codePlace) {
	toks := c.toks
	quoted := false
	for j := i + 1; j < len(toks) && j-i <= maxCodeLookahead; j++ {
		n := toks[j]
		switch n.kind {
		case tPunct:
			switch s := c.text[n.start:n.end]; s {
			case ":", "'", "\"", "“", "”", "‘", "’", "«", "»", "【", "】", "「", "」", "-", "–", "=", "(":
				quoted = s != "-" && s != "–" && s != "("
				continue
			case ".", "!", "?", ",", ";", "|":
				return -1, further
			}
			continue
		case tEmoji:
			quoted = false
			continue
		case tWord:
			if codeFillers[n.low] {
				quoted = false
				continue
			}
			switch {
			case quoted:
				return j, afterMark
			case j == i+1:
				return j, adjacent
			case looksLikeCode(c.text[n.start:n.end]):
				return j, further
			}
			// "cupom de 20% off em qualquer plano: psicohane"
			if k := c.afterColon(j); k >= 0 {
				return k, afterMark
			}
			return -1, further
		case tNum:
			if c.percentAfter(j) {
				continue // "cupom de 20% off: X"
			}
			if _, ok := c.inPrice(j); ok || int(n.numEnd) == n.end {
				return -1, further // an amount or a count: "voucher 500K", "code 2"
			}
			return j, further
		case tBreak, tURL, tTag, tMention, tCur:
			return -1, further
		}
	}
	return -1, further
}

// codeFillers may stand between a trigger and its code.
var codeFillers = setOf("my", "our", "is", "code", "meu", "meus", "mi", "mis", "discount", "promo", "de", "desconto",
	"descuento", "diskon", "giảm", "giá", "the", "voucher", "kode", "ini", "này", "nya", "saya", "aku")

// afterColon returns the word after the next colon of the phrase from j,
// or -1.
func (c *parse) afterColon(j int) int {
	for k := j; k < len(c.toks) && k-j < 8; k++ {
		t := &c.toks[k]
		if t.kind == tBreak || t.kind == tURL || t.kind == tEmoji || t.kind == tPunct && strings.ContainsAny(c.text[t.start:t.end], ".!?;|") {
			return -1
		}
		if c.isPunct(k, ":") && k+1 < len(c.toks) && c.toks[k+1].kind == tWord {
			return k + 1
		}
	}
	return -1
}

// codeList reads a list of codes after a header ("meus cupons: papelaria da
// lua: LUANA canetas: LUANACOR"): every "name: CODE" pair up to
// the end of the paragraph. It reports whether it read two pairs or more;
// with fewer it reads none.
func (c *parse) codeList(i int) bool {
	toks := c.toks
	var found []code
	for k := i + 1; k+1 < len(toks) && k < i+200 && len(c.codes)+len(found) < maxCodes; k++ {
		if toks[k].kind == tBreak && toks[k].blank || toks[k].kind == tTag {
			break
		}
		if !c.isPunct(k, ":") || toks[k+1].kind != tWord || k == i+1 {
			continue
		}
		v := c.text[toks[k+1].start:toks[k+1].end]
		if looksLikeCode(v) && strings.Contains(c.orig, v) {
			found = append(found, code{tok: k + 1, value: v, listed: true})
		}
	}
	if len(found) < 2 {
		return false
	}
	c.codes = append(c.codes, found...)
	return true
}

// looksLikeCode accepts 3 to 32 letters, digits, '-' and '_' with a digit, or
// all in capitals.
func looksLikeCode(v string) bool {
	if !plainCode(v) {
		return false
	}
	digit, lowerCase := false, false
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case isDigit(ch):
			digit = true
		case 'a' <= ch && ch <= 'z':
			lowerCase = true
		}
	}
	return digit || !lowerCase
}

// plainCode accepts 3 to 32 ASCII letters, digits, '-' and '_' that are not
// a word that follows "code" without being one.
func plainCode(v string) bool {
	if len(v) < 3 || len(v) > 32 {
		return false
	}
	// v is ASCII past this loop: its upper and lower case are made byte by
	// byte, on the stack.
	var up, low [32]byte
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if !isDigit(ch) && (ch < 'a' || ch > 'z') && (ch < 'A' || ch > 'Z') && ch != '-' && ch != '_' {
			return false
		}
		up[i], low[i] = ch, ch
		if 'a' <= ch && ch <= 'z' {
			up[i] = ch - ('a' - 'A')
		} else if 'A' <= ch && ch <= 'Z' {
			low[i] = ch + ('a' - 'A')
		}
	}
	return !notCodes[string(up[:len(v)])] && wordLangs[string(low[:len(v)])] == 0
}
