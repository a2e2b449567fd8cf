package rules

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/buylink/buylink/pkg/catalog"
)

// role is what a money amount in a caption means.
type role uint8

const (
	roleCurrent  role = iota // what the buyer pays now
	roleOld                  // a former price: was, reg, statt, au lieu de, de X por Y
	roleExcluded             // a threshold, a discount, income, money spent, a prize
)

// price is one money amount found in a caption.
type price struct {
	// num is the index of the number token; first and last bound every token
	// of the mention (symbols, currency words).
	num, first, last int
	minor            int64
	currency         string
	role             role
	// lead reports a word such as "now" or "only" just before the amount.
	lead bool
	// offered reports a price written as an offer: after a lead or a price
	// word ("Price:", "giá", "for"), or per unit ("250k/h", "$4 each").
	offered bool
	// bare reports an amount written without a currency, which took the
	// currency of the caption's other prices ("today only 15!!").
	bare bool
	// qty is a bundle's size: "2 for $30", "£12 for 4", "$8.99 for a 2 pack".
	qty int
}

// dollarPrefixes qualify "$": CA$25, A$22, NZ$18, MX$299, R$ 49,90.
var dollarPrefixes = map[string]string{
	"CA": "CAD", "C": "CAD", "CAD": "CAD", "A": "AUD", "AU": "AUD", "AUD": "AUD", "NZ": "NZD", "NZD": "NZD",
	"MX": "MXN", "MXN": "MXN", "US": "USD", "USD": "USD", "HK": "HKD", "S": "SGD", "SG": "SGD",
	"R": "BRL", "NT": "TWD",
}

// symbolCurrencies are the default currencies of currency symbols.
var symbolCurrencies = map[string]string{
	"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "￥": "JPY", "₹": "INR", "₩": "KRW", "₱": "PHP",
	"฿": "THB", "₫": "VND", "₺": "TRY", "₽": "RUB", "₦": "NGN", "₴": "UAH", "₪": "ILS", "₡": "CRC",
}

// symbolFamilies lists the currencies that write an ambiguous symbol: a caption
// naming one of them ("all prices in CAD") settles which one it means.
var symbolFamilies = map[string][]string{
	"USD": {"CAD", "AUD", "NZD", "MXN", "SGD", "HKD", "TWD"},
	"JPY": {"CNY"},
	"INR": {"PKR", "LKR", "NPR"},
}

// wordCurrencies are currency words written before or after an amount, by
// their lower-case form: Rp 150.000, Rs.499, RM 25, 19.99 USD, 45 euros,
// 200,000 Dong, 499 TL.
var wordCurrencies = map[string]string{
	"rp": "IDR", "rs": "INR", "rm": "MYR", "php": "PHP", "eur": "EUR", "euro": "EUR", "euros": "EUR",
	"dollars": "USD", "dollar": "USD", "bucks": "USD", "dólares": "USD", "dolares": "USD", "dólar": "USD",
	"reais": "BRL", "rupees": "INR", "rupiah": "IDR", "yen": "JPY", "usd": "USD", "gbp": "GBP", "pounds": "GBP",
	"pound": "GBP", "baht": "THB", "dong": "VND", "won": "KRW", "ringgit": "MYR", "pesos": "", "lira": "TRY",
	"tl": "TRY", "zł": "PLN", "zloty": "PLN", "złotych": "PLN", "dirham": "AED", "dirhams": "AED", "sgd": "SGD",
}

// moneyUnit is a unit that makes a number an amount of money: a multiplier
// and, for most, the currency it implies (Indonesian rb and jt are rupiah,
// Vietnamese nghìn, tr and củ are dong, Thai บาท is baht). k has none: the
// caption's language decides (langMoney), else the currency stays unknown.
type moneyUnit struct {
	currency string
	mult     int64
}

var moneyUnits = map[string]moneyUnit{
	"k": {"", 1000}, "rb": {"IDR", 1000}, "ribu": {"IDR", 1000}, "ribuan": {"IDR", 1000},
	"jt": {"IDR", 1_000_000}, "juta": {"IDR", 1_000_000},
	"nghìn": {"VND", 1000}, "ngàn": {"VND", 1000}, "cành": {"VND", 1000}, "tr": {"VND", 1_000_000},
	"triệu": {"VND", 1_000_000}, "củ": {"VND", 1_000_000}, "đ": {"VND", 1}, "vnđ": {"VND", 1}, "vnd": {"VND", 1},
	"đồng": {"VND", 1}, "บาท": {"THB", 1}, "บ": {"THB", 1}, "원": {"KRW", 1}, "만원": {"KRW", 10_000},
	"円": {"JPY", 1}, "万円": {"JPY", 10_000},
}

// langMoney is the currency a unit without one (k) means in a caption of
// the language: only where one country writes the language.
var langMoney = map[string]string{langVI: "VND", langID: "IDR", langTH: "THB", langKO: "KRW", langJA: "JPY"}

// isoWords are upper-case ISO 4217 codes recognised next to an amount.
var isoWords = setOf("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "MXN", "JPY", "KRW", "INR", "IDR", "BRL",
	"CHF", "SGD", "HKD", "PHP", "THB", "MYR", "ZAR", "AED", "SAR", "TRY", "PLN", "SEK", "NOK", "DKK", "CZK",
	"HUF", "CNY", "RMB", "TWD", "VND", "PKR", "NGN", "KES", "EGP", "ILS", "RUB", "UAH", "CLP", "COP", "PEN",
	"ARS", "LKR", "NPR", "BDT", "RON", "BGN", "ISK", "QAR", "KWD")

// isCurrencyWordPrefix reports a currency word that may be glued to the
// amount that follows it (Rp45rb, Rs499, RM25, Php499, USD19.99).
func isCurrencyWordPrefix(s string) bool {
	switch s {
	case "Rp", "RP", "rp", "Rs", "RS", "rs", "RM", "Php", "PHP":
		return true
	}
	return isoWords[s]
}

// placeCurrencies settle an ambiguous symbol or word by a place the caption
// names in a word or a hashtag: "Rs.2000 ... #kathmandu" is Nepalese.
var placeCurrencies = map[string]string{
	"nepal": "NPR", "kathmandu": "NPR", "pokhara": "NPR", "pakistan": "PKR", "karachi": "PKR", "lahore": "PKR",
	"islamabad": "PKR", "srilanka": "LKR", "colombo": "LKR", "canada": "CAD", "toronto": "CAD",
	"vancouver": "CAD", "australia": "AUD", "sydney": "AUD", "melbourne": "AUD", "mexico": "MXN", "méxico": "MXN",
	"cdmx": "MXN", "singapore": "SGD", "hongkong": "HKD", "taiwan": "TWD", "taipei": "TWD", "newzealand": "NZD",
}

// findPrices returns every money amount of the caption, with its role.
func (c *parse) findPrices() {
	toks := c.toks
	for i := range toks {
		t := &toks[i]
		if t.kind != tNum {
			continue
		}
		p, ok := c.priceAt(i)
		if !ok {
			continue
		}
		c.prices = append(c.prices, p)
		if len(c.prices) == maxPrices {
			break
		}
	}
	c.inheritBareAmounts()
	if len(c.prices) == 0 {
		return
	}
	c.priceOf = resize(c.priceOf, len(toks))
	for i := range c.priceOf {
		c.priceOf[i] = -1
	}
	for k, p := range c.prices {
		for i := p.first; i <= p.last; i++ {
			c.priceOf[i] = k
		}
	}
	for k := range c.prices {
		c.classify(k)
	}
}

// priceAt reads the amount at the number token i with the currency written
// before or after it, or the unit that makes it money ("45rb", "150k",
// "13 ribu", "3,700 บาท", "4190.-" in Thai). An amount with a unit but no
// currency the caption settles ("150k" in English) has currency "".
func (c *parse) priceAt(i int) (price, bool) {
	toks, text := c.toks, c.text
	t := &toks[i]
	unit := text[t.numEnd:t.end]
	p := price{num: i, first: i, last: i}
	cur, unitCur, mult, hasUnit := "", "", int64(1), false
	switch {
	case isoWords[unit]: // 19.99USD, 45EUR
		cur = isoCurrency(unit)
	case unit != "":
		u, ok := moneyUnits[lower(unit)]
		if !ok {
			return p, false
		}
		unitCur, mult, hasUnit = u.currency, u.mult, true
	case i+1 < len(toks) && toks[i+1].kind == tWord && sameLineGap(text, t.end, toks[i+1].start):
		// A unit word: "13 ribu", "150 nghìn", "3,700 บาท".
		if u, ok := moneyUnits[toks[i+1].low]; ok && utf8.RuneCountInString(toks[i+1].low) > 1 {
			unitCur, mult, hasUnit = u.currency, u.mult, true
			p.last = i + 1
		}
	}
	if cur == "" {
		cur = c.currencyBefore(i, &p)
	}
	if cur == "" && p.last == i {
		cur = c.currencyAfter(i, &p)
		if p.currency != "" { // 99¢ is read whole
			return p, true
		}
	}
	switch {
	case cur == "" && unitCur != "":
		cur = unitCur
	case cur == "" && hasUnit:
		cur = langMoney[c.lang]
	case cur == "" && langMoney[c.lang] != "" && c.afterPriceLabel(i) && strings.ContainsAny(text[t.start:t.numEnd], ".,"):
		// "Harga 149.000", "Giá: 265.000" in a caption whose language has
		// one currency: the label and the grouped amount settle it.
		cur = langMoney[c.lang]
	case cur == "" && c.lang == langTH && i+2 < len(toks) && c.isPunct(i+1, ".") && c.isPunct(i+2, "-") && !toks[i+1].space:
		cur, p.last = "THB", i+2 // 4190.-
	}
	if cur == "" && !hasUnit && c.lang == langVI && c.emojiThousands(i) {
		// "chỉ từ 1.8.0 🐠", "giá chỉ 4.5.0☘️", "300🍃": sellers write
		// thousands of dong as a leaf or a fish, and dot the digits, to pass
		// price filters.
		if n, ok := slangThousands(text[t.start:t.numEnd]); ok {
			p.last, p.minor, p.currency = i+1, n*1000, "VND"
			return p, true
		}
	}
	if cur == "" && !hasUnit {
		return p, false
	}
	minor, ok := parseMinor(text[t.start:t.numEnd], catalog.CurrencyScale(cur), mult)
	if cur == "" {
		// Money in an unknown currency: its value in major units, never a
		// product's price.
		minor, ok = parseMinor(text[t.start:t.numEnd], 0, mult)
	}
	if !ok || minor <= 0 || minor > catalog.MaxPriceMinor {
		return p, false
	}
	p.minor, p.currency = minor, cur
	return p, true
}

// emojiThousands reports a leaf, clover or fish emoji right after the
// number at i, on its line: the slang for a thousand dong.
func (c *parse) emojiThousands(i int) bool {
	if i+1 >= len(c.toks) || c.toks[i+1].kind != tEmoji || !sameLineGap(c.text, c.toks[i].end, c.toks[i+1].start) {
		return false
	}
	e := c.text[c.toks[i+1].start:c.toks[i+1].end]
	for _, unit := range thousandEmoji {
		if strings.HasPrefix(e, unit) {
			return true
		}
	}
	return false
}

var thousandEmoji = []string{"🍃", "☘", "🍀", "🌿", "🐠", "🐟", "🌱"}

// slangThousands reads a count of thousands written as digits, with dots
// between them or not ("1.8.0", "300"): 2 to 4 digits.
func slangThousands(s string) (int64, bool) {
	var n int64
	digits := 0
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= '0' && b <= '9':
			n = n*10 + int64(b-'0')
			digits++
		case b == '.' && i > 0 && i+2 <= len(s) && (i+2 == len(s) || s[i+2] == '.'):
			// a dot between single digits
		default:
			return 0, false
		}
	}
	return n, digits >= 2 && digits <= 4 && n > 0
}

// afterPriceLabel reports a price word right before the number at i, a
// colon aside: "Harga 149.000", "giá: 265.000".
func (c *parse) afterPriceLabel(i int) bool {
	j := i - 1
	if j >= 0 && c.isPunct(j, ":") {
		j--
	}
	return j >= 0 && c.toks[j].kind == tWord && c.toks[j].in(vPriceLabel)
}

// currencyBefore reads a currency written before the number at i ("$",
// "CA$", "R$ ", "Rp ", "Rs.", "USD ", "AUD $", "AED: ", "Price: $"),
// extending p.first over it.
func (c *parse) currencyBefore(i int, p *price) string {
	toks, text := c.toks, c.text
	if i == 0 {
		return ""
	}
	j := i - 1
	prev := &toks[j]
	// "Rs.499", "Rp.150.000"
	if prev.kind == tPunct && text[prev.start:prev.end] == "." && j > 0 && !prev.space && toks[j-1].kind == tWord && (toks[j-1].low == "rs" || toks[j-1].low == "rp") {
		j--
		prev = &toks[j]
	}
	// "AED :56,000", "AED: 260,000"
	if prev.kind == tPunct && text[prev.start:prev.end] == ":" && j > 0 && sameLineGap(text, prev.end, toks[i].start) &&
		(toks[j-1].kind == tCur || toks[j-1].kind == tWord && (isoWords[text[toks[j-1].start:toks[j-1].end]] || isCurrencyWordPrefix(text[toks[j-1].start:toks[j-1].end]))) {
		j--
		prev = &toks[j]
	}
	if toks[j+1].space && !sameLineGap(text, prev.end, toks[j+1].start) {
		return ""
	}
	switch prev.kind {
	case tCur:
		sym := text[prev.start:prev.end]
		cur := symbolCurrencies[sym]
		p.first = j
		if sym == "$" && j > 0 && toks[j-1].kind == tWord && sameLineGap(text, toks[j-1].end, prev.start) {
			w := text[toks[j-1].start:toks[j-1].end]
			if q, ok := dollarPrefixes[w]; ok && (!prev.space || isoWords[w]) {
				p.first = j - 1 // CA$25, AUD $5800
				return q
			}
		}
		switch sym {
		case "$":
			return c.dollarCurrency()
		case "¥", "₹":
			return c.resolveFamily(cur)
		}
		return cur
	case tWord:
		w := text[prev.start:prev.end]
		if q, ok := wordCurrencies[prev.low]; ok && q != "" && (isCurrencyWordPrefix(w) || isoWords[w]) {
			p.first = j
			return c.resolveFamily(q)
		}
		if isoWords[w] {
			p.first = j
			return isoCurrency(w)
		}
	}
	return ""
}

// currencyAfter reads a currency written after the number at i ("19,99 €",
// "45€", "19.99 USD", "45 euros", "499 TL"), extending p.last over it. It
// reads "99¢" whole into p.
func (c *parse) currencyAfter(i int, p *price) string {
	toks, text := c.toks, c.text
	if i+1 >= len(toks) {
		return ""
	}
	t, next := &toks[i], toks[i+1]
	if !sameLineGap(text, t.end, next.start) {
		return ""
	}
	switch next.kind {
	case tCur:
		sym := text[next.start:next.end]
		p.last = i + 1
		if sym == "¢" {
			if minor, ok := parseMinor(text[t.start:t.numEnd], 0, 1); ok && minor > 0 {
				p.minor, p.currency = minor, "USD"
			}
			return ""
		}
		if sym == "$" {
			return c.dollarCurrency()
		}
		return symbolCurrencies[sym]
	case tWord:
		w := text[next.start:next.end]
		if isoWords[w] {
			p.last = i + 1
			return isoCurrency(w)
		}
		if q, ok := wordCurrencies[next.low]; ok && q != "" && !isCurrencyWordPrefix(w) && (next.low != "tl" || w == "TL") {
			p.last = i + 1
			return c.resolveFamily(q)
		}
	}
	return ""
}

// sameLineGap reports whether only spaces (no line break) separate two offsets.
func sameLineGap(text string, from, to int) bool {
	if to-from > 3 {
		return false
	}
	return !strings.ContainsAny(text[from:to], "\n\r")
}

func isoCurrency(w string) string {
	if w == "RMB" {
		return "CNY"
	}
	return w
}

// dollarCurrency is the currency a bare "$" means in this caption: USD unless
// the caption names another dollar currency ("all prices in CAD") or a place
// that writes one.
func (c *parse) dollarCurrency() string { return c.resolveFamily("USD") }

// resolveFamily returns the member of def's family of currencies the
// caption names (by ISO code, or by a place in a word or hashtag), else def.
func (c *parse) resolveFamily(def string) string {
	alts := symbolFamilies[def]
	if len(alts) == 0 {
		return def
	}
	for _, alt := range alts {
		if c.isoMentioned[alt] {
			return alt
		}
	}
	for _, place := range c.places() {
		for _, alt := range alts {
			if placeCurrencies[place] == alt {
				return alt
			}
		}
	}
	return def
}

// placeList holds the places of placeCurrencies, in order.
var placeList = func() []string {
	out := make([]string, 0, len(placeCurrencies))
	for p := range placeCurrencies {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}()

// places returns the places of placeCurrencies the caption names in a word
// or inside a hashtag ("#nepalitiktok").
func (c *parse) places() []string {
	if c.placesDone {
		return c.placeNames
	}
	c.placesDone = true
	for i := range c.toks {
		t := &c.toks[i]
		switch t.kind {
		case tWord:
			if t.in(vPlace) {
				c.placeNames = append(c.placeNames, t.low)
			}
		case tTag:
			h := lower(c.text[t.start+1 : t.end])
			for _, place := range placeList {
				if len(c.placeNames) < 8 && strings.Contains(h, place) {
					c.placeNames = append(c.placeNames, place)
				}
			}
		}
	}
	return c.placeNames
}

// parseMinor reads an amount written with '.' or ',' as decimal or grouping
// separators ("1.299,00", "1,980", "19,99", "150.000") in minor units of a
// currency with the given scale, times mult.
func parseMinor(s string, scale int, mult int64) (int64, bool) {
	lastSep := strings.LastIndexAny(s, ".,")
	whole, frac := s, ""
	if lastSep >= 0 {
		sep := s[lastSep]
		after := len(s) - lastSep - 1
		other := byte('.')
		if sep == '.' {
			other = ','
		}
		count := strings.Count(s, string(sep))
		hasOther := strings.IndexByte(s, other) >= 0
		switch {
		case hasOther:
			// Both: the last one is the decimal separator, the other groups.
			if strings.IndexByte(s[lastSep:], other) >= 0 || after > 2 {
				return 0, false
			}
			whole, frac = strings.ReplaceAll(s[:lastSep], string(other), ""), s[lastSep+1:]
			if !groupsOfThree(s[:lastSep], other) {
				return 0, false
			}
		case count == 1 && after == 3 && s[:lastSep] != "0":
			whole = s[:lastSep] + s[lastSep+1:]
		case count == 1 && (after <= 2 || s[:lastSep] == "0"):
			whole, frac = s[:lastSep], s[lastSep+1:]
		case count > 1 && groupsOfThree(s, sep):
			whole = strings.ReplaceAll(s, string(sep), "")
		default:
			return 0, false
		}
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(whole); i++ {
		v = v*10 + int64(whole[i]-'0')
	}
	// v + frac, in units of 10^-len(frac), times mult, in 10^-scale.
	for i := 0; i < len(frac); i++ {
		v = v*10 + int64(frac[i]-'0')
	}
	v *= mult
	shift := scale - len(frac)
	for ; shift > 0; shift-- {
		v *= 10
	}
	for ; shift < 0; shift++ {
		if v%10 != 0 {
			return 0, false // more decimals than the currency has
		}
		v /= 10
	}
	return v, v > 0
}

// groupsOfThree reports whether every group after the first has three digits.
func groupsOfThree(s string, sep byte) bool {
	for k := 0; ; k++ {
		group, rest, more := strings.Cut(s, string(rune(sep)))
		if k == 0 && (len(group) == 0 || len(group) > 3) || k > 0 && len(group) != 3 {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// inheritBareAmounts adds amounts written without a currency after a price
// word ("today only 15!!", "only 9.99!!") when the caption prices other things
// in one currency.
func (c *parse) inheritBareAmounts() {
	if len(c.prices) == 0 {
		return
	}
	cur := c.prices[0].currency
	for _, p := range c.prices[1:] {
		if p.currency != cur {
			return
		}
	}
	taken := resize(c.taken, len(c.toks)) // the tokens of prices
	clear(taken)
	c.taken = taken
	for _, p := range c.prices {
		for k := p.first; k <= p.last; k++ {
			taken[k] = true
		}
	}
	toks, text := c.toks, c.text
	var added []price
	for i := range toks {
		t := &toks[i]
		if t.kind != tNum || int(t.numEnd) != t.end || taken[i] {
			continue
		}
		w := c.prevWord(i, 1)
		if w < 0 || !bareLeads[toks[w].low] || w != i-1 {
			continue
		}
		// It must end its phrase ("15!!"), not count something ("only 2 left").
		if i+1 < len(toks) {
			n := toks[i+1]
			if n.kind == tWord || n.kind == tNum || n.kind == tCur || (n.kind == tPunct && text[n.start:n.end] == "%") {
				continue
			}
			if n.kind == tPunct && !n.space && strings.ContainsAny(text[n.start:n.end], "/:-–x") {
				continue
			}
		}
		minor, ok := parseMinor(text[t.start:t.numEnd], catalog.CurrencyScale(cur), 1)
		if !ok || minor <= 0 {
			continue
		}
		added = append(added, price{num: i, first: i, last: i, minor: minor, currency: cur, bare: true})
		if len(c.prices)+len(added) >= maxPrices {
			break
		}
	}
	if len(added) == 0 {
		return
	}
	c.prices = append(c.prices, added...)
	sortPrices(c.prices)
}

func sortPrices(ps []price) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].num < ps[j-1].num; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// bareLeads may introduce an amount written without its currency.
var bareLeads = setOf("only", "now", "just", "nur", "solo", "sólo", "só", "por", "cuma", "hanya", "seulement", "jetzt", "agora", "ahora", "apenas", "sahaja", "solamente")

// classify settles the role of price k from the words around it.
func (c *parse) classify(k int) {
	p := &c.prices[k]
	toks := c.toks
	var nearBefore, nearAfter [3]string
	before := c.wordsBefore(&nearBefore, p.first, 3)
	after := c.wordsAfter(&nearAfter, p.last, 3)
	w1 := ""
	if len(before) > 0 {
		w1 = before[0]
	}
	// flags are the vocabulary flags of the words before (0 past them).
	var flags [3]vocabFlags
	for j, w := range before {
		flags[j] = vocabOf(w)
	}
	// phrase is the words before the amount in the caption's order, one
	// space apart (in c.phraseBuf, reused).
	phrase := c.phraseBuf[:0]
	for j := len(before) - 1; j >= 0; j-- {
		phrase = append(phrase, before[j]...)
		if j > 0 {
			phrase = append(phrase, ' ')
		}
	}
	c.phraseBuf = phrase
	// Thresholds and ranges: "under $30", "orders over £25", "up to 50%",
	// "จองขั้นต่ำ 850 บาท" (book at least).
	for j, w := range before[:min(len(before), 2)] {
		if flags[j]&vThreshold != 0 || thaiThreshold(w) {
			p.role = roleExcluded
			return
		}
	}
	if endsWith(phrase, "up to") || endsWith(phrase, "less than") || endsWith(phrase, "more than") || endsWith(phrase, "plus de") || endsWith(phrase, "moins de") {
		p.role = roleExcluded
		return
	}
	// Money that is not an offer: income, spending, prizes, discounts.
	for j := range before {
		if flags[j]&vMoney != 0 {
			p.role = roleExcluded
			return
		}
	}
	if flags[0]&vApprox != 0 || w1 == "voucher" || w1 == "vouchers" || (p.first > 0 && toks[p.first-1].kind == tPunct && c.text[toks[p.first-1].start:toks[p.first-1].end] == "~") {
		p.role = roleExcluded
		return
	}
	if len(after) > 0 {
		a := after[0]
		two := a
		if len(after) > 1 {
			two = a + " " + after[1]
		}
		if moneyAfter[a] || moneyAfter[two] {
			p.role = roleExcluded
			return
		}
	}
	if c.percentAfter(p.last) {
		p.role = roleExcluded
		return
	}
	// Former prices.
	if flags[0]&vOld != 0 || (flags[1]&vOld != 0 && flags[0]&vStrongLead == 0) || endsWith(phrase, "lieu de") || endsWith(phrase, "instead of") {
		p.role = roleOld
		return
	}
	if (w1 == "de" || w1 == "dari" || w1 == "from") && c.laterPriceAfter(k, toWords) {
		p.role = roleOld
		return
	}
	// A change or a range: "went from $40,000 to $0", "from 5 to 10".
	if flags[0]&vFrom != 0 && c.rangeEnd(p.last) {
		p.role = roleExcluded
		return
	}
	p.lead = (flags[0]|flags[1])&vStrongLead != 0 || thaiLead(w1)
	p.offered = (flags[0]|flags[1])&vOfferLead != 0 || thaiLead(w1) || c.perUnit(p.last, after)
	// Bundles: "2 for $30" and "$12 for 4", "$8.99 for a 2 pack".
	if w1 == "for" || w1 == "für" || w1 == "por" {
		if n := c.countBefore(p.first); n > 1 {
			p.qty = n
		}
	}
	if len(after) > 1 && (after[0] == "for" || after[0] == "pour") {
		if n := c.countAfter(p.last); n > 1 {
			p.qty = n
		}
	}
}

// laterPriceAfter reports whether a later price of the same sentence follows
// one of the words ("de R$ 129,90 por R$ 89,90").
func (c *parse) laterPriceAfter(k int, words map[string]bool) bool {
	var near [3]string
	for _, q := range c.prices[k+1 : min(k+4, len(c.prices))] {
		if c.sentenceBreakBetween(c.prices[k].last, q.first) {
			return false
		}
		if b := c.wordsBefore(&near, q.first, 1); len(b) > 0 && words[b[0]] {
			return true
		}
	}
	return false
}

// fromWords open a range or a change whose other end rangeEnd finds.
var fromWords = setOf("from", "de", "dari", "từ", "desde", "von")

// rangeEnd reports "to", "ke", "đến", "até", "a", "bis" and a number after
// the amount ending at last, in the same sentence.
func (c *parse) rangeEnd(last int) bool {
	for j := last + 1; j+1 < len(c.toks) && j <= last+3; j++ {
		t := &c.toks[j]
		if t.kind == tWord && rangeTo[t.low] {
			n := c.toks[j+1]
			if n.kind == tCur && j+2 < len(c.toks) {
				n = c.toks[j+2]
			}
			return n.kind == tNum
		}
		if t.kind != tPunct || c.sentenceBreakBetween(j-1, j+1) {
			return false
		}
	}
	return false
}

var rangeTo = setOf("to", "ke", "đến", "até", "a", "bis", "hasta", "à", "sampai", "hingga")

var toWords = setOf("por", "para", "jadi", "to", "now", "a", "à", "auf", "für", "only", "cuma", "hanya", "ke", "còn", "เหลือ")

// countBefore reads "2 for" or "2 pairs for" before a price.
func (c *parse) countBefore(first int) int {
	w := c.prevWord(first, 1)
	if w < 1 {
		return 0
	}
	n := w - 1
	if c.toks[n].kind == tWord && c.toks[n].in(vPack) && n > 0 {
		n-- // "2 pairs for $40"
	}
	if c.toks[n].kind == tNum && int(c.toks[n].numEnd) == c.toks[n].end {
		return smallCount(c.text[c.toks[n].start:c.toks[n].end])
	}
	return 0
}

// countAfter reads "for 4", "for a 2 pack", "for 3 pcs" after a price.
func (c *parse) countAfter(last int) int {
	toks, text := c.toks, c.text
	i := last + 2
	if i < len(toks) && toks[i].kind == tWord && (toks[i].low == "a" || toks[i].low == "an") {
		i++
	}
	if i >= len(toks) || toks[i].kind != tNum {
		return 0
	}
	n := smallCount(text[toks[i].start:toks[i].numEnd])
	unit := lower(text[toks[i].numEnd:toks[i].end])
	if unit != "" && !packWords[unit] {
		return 0
	}
	if i+1 < len(toks) && toks[i+1].kind == tWord && !toks[i+1].in(vPack) && unit == "" {
		return 0 // "for 30 servings" counts something else
	}
	return n
}

func smallCount(s string) int {
	if len(s) > 2 || !allDigits(s) {
		return 0
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

var packWords = setOf("pack", "packs", "pk", "pcs", "pc", "pieces", "piece", "set", "sets", "stück", "pares", "pairs", "pair", "count", "ct")

// perUnit reports a price per piece, or per person or stretch of time as
// rooms and rentals are priced: "$4 each", "250k/h", "£70 per night",
// "350K/ 2 người".
func (c *parse) perUnit(last int, after []string) bool {
	if len(after) > 0 && eachWords[after[0]] {
		return true
	}
	unit := ""
	switch {
	case last+1 < len(c.toks) && c.isPunct(last+1, "/"):
		for j := last + 2; j < len(c.toks) && j <= last+3; j++ {
			if t := &c.toks[j]; t.kind == tWord || t.kind == tNum && int(t.numEnd) == t.end {
				if t.kind == tWord {
					unit = t.low
					break
				}
				continue // "/ 2 người"
			}
			break
		}
	case len(after) > 1 && (after[0] == "per" || after[0] == "mỗi"):
		unit = after[1]
	case len(after) > 1 && after[0] == "a" && nightWords[after[1]]:
		return true // "$70 a night", not "$5 a day" of a budget
	}
	return perUnits[unit]
}

var (
	nightWords = setOf("night", "person", "guest", "pax")
	eachWords  = setOf("each", "ea", "cada", "chacun", "pcs", "pc", "shipping", "postage", "ongkir", "shipped")
	perUnits   = setOf("h", "hr", "hour", "giờ", "jam", "night", "nights", "đêm", "malam", "คืน", "day", "ngày", "hari",
		"person", "người", "orang", "pax", "pp", "guest", "week", "month", "tháng", "bulan", "noche", "nuit", "noite")
)

// thaiThreshold reports a run of Thai letters that ends in a bound:
// ขั้นต่ำ (at least), สูงสุด (at most), ไม่เกิน (not over), ไม่ถึง (under).
func thaiThreshold(w string) bool {
	if w == "" || w[0] < utf8.RuneSelf {
		return false
	}
	for _, suf := range []string{"ขั้นต่ำ", "สูงสุด", "ไม่เกิน", "ไม่ถึง", "กว่า", "ถึง"} {
		if strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// thaiLead reports a run of Thai letters that ends in a price word or says
// "price": "ราคา", "แค่" (only), "เพียง" (merely), "เหลือ" (now down to),
// "เริ่มต้น" (starting at).
func thaiLead(w string) bool {
	if w == "" || w[0] < utf8.RuneSelf {
		return false
	}
	if strings.Contains(w, "ราคา") {
		return true
	}
	for _, suf := range []string{"แค่", "เพียง", "เหลือ", "เริ่มต้น"} {
		if strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// percentAfter reports a '%' right after the amount.
func (c *parse) percentAfter(last int) bool {
	if last+1 >= len(c.toks) {
		return false
	}
	n := c.toks[last+1]
	return n.kind == tPunct && c.text[n.start:n.end] == "%"
}

// Word lists for classify, lower case.
var (
	thresholdWords = setOf("under", "over", "below", "above", "orders", "order", "spend", "min", "minimum", "ab", "hasta", "até", "desde", "über", "unter", "dès", "beyond", "within", "max", "maximum", "budget")
	moneyWords     = setOf("made", "make", "makes", "making", "earn", "earned", "earns", "earning", "spent", "spend", "spending",
		"paid", "pay", "paying", "saved", "save", "saving", "saves", "won", "win", "winning", "raised", "raise", "donate", "donated",
		"tip", "tipped", "lost", "lose", "owe", "owed", "owes", "gasté", "gastei", "gasto", "ganhei", "gané", "verdient",
		"ausgegeben", "bezahlt", "pagué", "paguei", "habis", "away", "giving", "giveaway", "prize", "refund", "refunded",
		"deposit", "tặng", "thưởng", "nợ", "tốn", "hadiah", "dropping", "thrown", "fined", "tax",
		"taxa", "tarif", "estimated")
	moneyAfter = setOf("gift", "giftcard", "voucher", "vouchers", "coupon", "coupons", "credit", "credits", "off", "discount",
		"cashback", "profit", "profits", "revenue", "salary", "tip", "tips", "budget", "worth", "value", "income", "bonus",
		"reward", "rewards", "prize", "haul", "an hour", "per hour", "hr", "hour", "in sales", "sales",
		"desconto", "descuento", "rabatt", "réduction", "diskon", "potongan", "views", "view", "follow", "follows",
		"followers", "follower", "likes", "subs", "subscribers", "lượt", "back", "on the", "in public", "in luxury",
		"gold", "karat", "carat", "solid", "white gold", "rose gold")
	approxWords = setOf("like", "about", "around", "approx", "approximately", "roughly", "nearly", "almost", "ca", "circa",
		"cerca", "sekitar", "kisaran", "environ", "etwa", "menos", "khoảng", "tầm", "gần", "ประมาณ", "estimated")
	oldWords = setOf("was", "were", "reg", "regular", "regularly", "usually", "normally", "originally", "orig", "retail", "rrp", "msrp", "uvp", "statt", "anstatt", "vorher", "sonst", "antes", "era", "eram", "avant", "valued", "value", "worth", "before", "compare", "normalpreis",
		"gốc", "normal", "asli", "coret", "ปกติ", "เต็ม", "dulu")
	// strongLeads mark the price the buyer pays now: "now $19.99", "only 9.99", "por R$ 89,90".
	strongLeads = setOf("now", "only", "just", "today", "sale", "nur", "jetzt", "heute", "solo", "sólo", "só", "por",
		"agora", "ahora", "cuma", "hanya", "seulement", "solamente", "apenas", "sahaja", "saja", "deal", "jadi",
		"maintenant", "aja", "seharga", "chỉ", "còn", "mulai", "lang", "từ")
	// offerLeads write a price as an offer: "Price: $300", "giá 250k",
	// "harga 50rb", "for $95", "from $20", "rates: ₱300".
	offerLeads = setOf("price", "prices", "at", "priced", "giá", "harga", "harganya", "seharga", "rate", "rates", "official",
		"presyo", "preço", "precio", "prix", "preis", "from", "start", "starting", "starts", "desde", "partir", "dès", "ab",
		"từ", "mulai", "ราคา")
	// leadWords may stand between a product phrase and its price.
	leadWords = union(strongLeads, setOf("à", "price", "harga", "preço", "precio", "prix", "preis", "is", "it's",
		"its", "for", "für", "at", "are", "costs", "cost", "priced", "pour", "para", "a", "um", "em", "de"))
)

func union(sets ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, s := range sets {
		for k := range s {
			out[k] = true
		}
	}
	return out
}

// endsWith is strings.HasSuffix for text in a byte slice.
func endsWith(b []byte, suffix string) bool {
	return len(b) >= len(suffix) && string(b[len(b)-len(suffix):]) == suffix
}
