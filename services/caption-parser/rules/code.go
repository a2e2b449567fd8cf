package rules

import "strings"

// codeTriggers are the words that introduce a discount code.
var codeTriggers = setOf("code", "codes", "kode", "código", "codigo", "cupom", "cupón", "cupon", "coupon",
	"gutschein", "gutscheincode", "rabattcode", "promocode", "promo", "voucher", "kod", "codice")

// notCodes are words that follow "code" without being one.
var notCodes = setOf("IN", "AT", "FOR", "THE", "LINK", "BIO", "BELOW", "IS", "AND", "TO", "ON", "OFF",
	"HERE", "NOW", "YOUR", "MY", "FREE", "SHIPPING", "CHECKOUT", "ABOVE", "DM", "IT", "A", "AN", "OR")

// findCodes reads discount codes: the token after "code", "use my code",
// "cupom", "kode" (with ':' or quotes between), that looks like a code: it
// has a digit or is written in capitals. A hashtag is never a code.
func (c *parse) findCodes() {
	toks, text := c.toks, c.text
	for i, t := range toks {
		if t.kind != tWord || !codeTriggers[t.low] {
			continue
		}
		j := i + 1
		for j < len(toks) && j-i <= 4 {
			n := toks[j]
			if n.kind == tPunct || n.kind == tWord && (n.low == "my" || n.low == "our" || n.low == "is" || n.low == "code" || n.low == "meu" || n.low == "mi") {
				j++
				continue
			}
			break
		}
		if j >= len(toks) {
			continue
		}
		n := toks[j]
		if n.kind != tWord && n.kind != tNum {
			continue
		}
		v := text[n.start:n.end]
		if looksLikeCode(v) && !c.hasCode(v) {
			c.codes = append(c.codes, code{tok: j, value: v})
			if len(c.codes) == maxCodes {
				return
			}
		}
	}
}

func (c *parse) hasCode(v string) bool {
	for _, x := range c.codes {
		if x.value == v {
			return true
		}
	}
	return false
}

// looksLikeCode accepts 3 to 32 letters, digits, '-' and '_' with a digit, or
// all in capitals.
func looksLikeCode(v string) bool {
	if len(v) < 3 || len(v) > 32 || notCodes[strings.ToUpper(v)] {
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
		case 'A' <= ch && ch <= 'Z', ch == '-', ch == '_':
		default:
			return false
		}
	}
	return digit || !lowerCase
}
