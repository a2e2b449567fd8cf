package tagging

import (
	"strings"
	"unicode"

	"github.com/buylink/buylink/pkg/catalog"
)

// MaxTagWords is the most words a tag may have; longer "tags" are phrases.
const MaxTagWords = 4

// Name normalises a raw tag name, or returns "" when it is not an acceptable
// tag. Accepted names are catalog.NormalizeTag's shape (lower case, ASCII
// folded, single spaces, '#' dropped), singular (Singular on the last word),
// at most catalog.MaxTagRunes bytes and MaxTagWords words, with a letter in
// them. Refused: URLs and domains, @handles, prices, percentages and
// quantities ("$19.99", "50% off", "rp 150k", "2 pack"), and tags that say
// nothing about the product (stopTags: "fyp", "tiktokmademebuyit", "sale").
//
// Name is idempotent: Name(Name(s)) == Name(s).
func Name(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 4*catalog.MaxTagRunes || looksLikeLinkOrPrice(raw) {
		return ""
	}
	var words []string
	size := 0
	for _, f := range strings.FieldsFunc(raw, isTagSeparator) {
		w := catalog.NormalizeTag(f)
		if w == "" {
			continue
		}
		if len(words) == MaxTagWords {
			return ""
		}
		words = append(words, w)
		size += len(w) + 1
	}
	if len(words) == 0 || size-1 > catalog.MaxTagRunes {
		return ""
	}
	words[len(words)-1] = Singular(words[len(words)-1])
	name := strings.Join(words, " ")
	if len(name) < 2 || len(name) > catalog.MaxTagRunes || !hasLetter(name) || isQuantity(words) || isPriceWords(words) || stopTags[name] {
		return ""
	}
	return name
}

func isTagSeparator(r rune) bool {
	return unicode.IsSpace(r) || r == '_' || r == '-' || r == '/' || r == '.' || r == ',' || r == ':' || r == ';' || r == '|'
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			return true
		}
	}
	return false
}

// looksLikeLinkOrPrice spots, before normalisation erases the evidence,
// URLs ("https://", "www.", "amzn.to/x", "shop.com"), handles ("@bella"),
// currency symbols next to digits, decimal numbers ("19.99", "34,99") and
// percentages.
func looksLikeLinkOrPrice(s string) bool {
	ls := strings.ToLower(s)
	if strings.Contains(ls, "://") || strings.Contains(ls, "www.") || strings.ContainsAny(ls, "@%") {
		return true
	}
	prev := rune(0)
	for i, r := range ls {
		switch {
		case r == '.' && isASCIIAlnum(prev) && i+1 < len(ls) && isASCIILetter(rune(ls[i+1])):
			// a domain: letters or digits, '.', letters ("amzn.to", "lumeskin.co")
			j := i + 1
			for j < len(ls) && isASCIILetter(rune(ls[j])) {
				j++
			}
			if j-i-1 >= 2 {
				return true
			}
		case (r == '.' || r == ',') && isDigit(prev) && i+1 < len(ls) && isDigit(rune(ls[i+1])):
			return true
		case strings.ContainsRune(currencySymbols, r):
			return true
		}
		prev = r
	}
	return false
}

// currencySymbols are refused anywhere in a tag.
const currencySymbols = "$€£¥₹₩₫₱₦₺₽฿₴₪¢"

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' }
func isDigit(r rune) bool       { return r >= '0' && r <= '9' }
func isASCIIAlnum(r rune) bool  { return isASCIILetter(r) || isDigit(r) }

// isQuantity reports a tag made only of numbers, units and pack words:
// "40oz", "2 pack", "set of 3", "12 pk", "500 ml".
func isQuantity(words []string) bool {
	for _, w := range words {
		if quantityWords[w] || units[w] && !ambiguousUnits[w] {
			continue
		}
		i := 0
		for i < len(w) && isDigit(rune(w[i])) {
			i++
		}
		if i == 0 || (i < len(w) && !units[w[i:]]) {
			return false
		}
	}
	return true
}

var quantityWords = map[string]bool{
	"pack": true, "pk": true, "pc": true, "pcs": true, "piece": true, "set": true, "of": true, "x": true,
	"count": true, "ct": true, "pair": true, "unit": true,
}

var units = map[string]bool{
	"oz": true, "ml": true, "l": true, "lb": true, "lbs": true, "kg": true, "g": true, "gr": true, "cm": true, "mm": true,
	"m": true, "in": true, "inch": true, "ft": true, "pk": true, "pc": true, "pcs": true, "x": true, "w": true, "v": true,
	"mah": true, "gb": true, "tb": true, "k": true, "rb": true, "jt": true, "st": true, "stk": true,
}

// ambiguousUnits are units only when glued to a number ("12in", not
// "5 in 1").
var ambiguousUnits = map[string]bool{"in": true, "m": true, "l": true, "k": true, "st": true, "w": true, "v": true}

// isPriceWords reports a number next to a currency or price word:
// "usd 20", "20 dollar", "rp 150000", "under 30", "50 off".
func isPriceWords(words []string) bool {
	num, money := false, false
	for _, w := range words {
		if isDigit(rune(w[0])) {
			num = true
		}
		if priceWords[w] {
			money = true
		}
	}
	return num && money
}

var priceWords = map[string]bool{
	"usd": true, "eur": true, "gbp": true, "idr": true, "brl": true, "mxn": true, "cad": true, "aud": true, "inr": true,
	"jpy": true, "krw": true, "php": true, "myr": true, "sgd": true, "cop": true, "ars": true, "clp": true, "pen": true,
	"rp": true, "r": true, "dollar": true, "dollars": true, "euro": true, "euros": true, "real": true, "reais": true,
	"rupiah": true, "peso": true, "pesos": true, "pound": true, "pounds": true, "buck": true, "bucks": true,
	"ribu": true, "rb": true, "juta": true, "price": true, "under": true, "below": true, "only": true, "off": true,
	"discount": true, "sale": true, "promo": true, "desconto": true, "descuento": true, "rabatt": true, "diskon": true,
	"remise": true, "solde": true, "nur": true, "hanya": true, "seulement": true, "solo": true, "apenas": true,
}

// stopTags say nothing about the product: platform and virality hashtags,
// shopping boilerplate.
var stopTags = setOf(
	"fyp", "fy", "fypage", "foryou", "foryoupage", "fyp viral", "viral", "viralvideo", "trending", "trend",
	"tiktok", "tiktokshop", "tiktok shop", "tiktokmademebuyit", "tiktok made me buy it", "tiktokfinds",
	"amazon", "amazonfind", "amazon find", "amazonfinds", "founditonamazon", "amazonmusthave", "amazonhaul",
	"shopee", "tokopedia", "lazada", "shein", "temu", "sheinhaul", "haul", "unboxing", "review",
	"ad", "ads", "sponsored", "partner", "gifted", "link in bio", "linkinbio", "link", "bio", "shop", "shop now",
	"buy", "buy now", "sale", "deal", "deals", "discount", "promo", "coupon", "code", "free shipping",
	"new", "best", "best seller", "bestseller", "musthave", "must have", "product", "item", "thing", "stuff",
	"xyzbca", "duet", "stitch", "fy", "parati", "pourtoi", "furdich", "fur dich", "fyppp", "foryourpage",
	"cheap", "affordable", "budget",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
