package storefront

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/currency"

	"github.com/buylink/buylink/pkg/catalog"
)

// homeOfSymbol names the currency a shared narrow symbol means on its own;
// other currencies using it show their distinguishing symbol (CA$, CN¥).
var homeOfSymbol = map[string]string{"$": "USD", "¥": "JPY", "£": "GBP", "kr": "SEK", "₩": "KRW", "Fr": "CHF"}

// FormatPrice formats an amount in ISO 4217 minor units for display in
// English: "$19.99", "€1,299.00", "Rp 150,000", "¥1,980", "CA$25.00". The
// fraction shows the currency's ISO digits, except that a zero fraction is
// left out where CLDR shows none (IDR, HUF...).
func FormatPrice(minor int64, code string) string {
	unit, err := currency.ParseISO(code)
	if err != nil {
		return strconv.FormatInt(minor, 10) + " " + code
	}
	scale := catalog.CurrencyScale(code)
	display, _ := currency.Standard.Rounding(unit)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	div := int64(1)
	for range scale {
		div *= 10
	}
	whole, frac := minor/div, minor%div
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	sym := symbol(unit, code)
	b.WriteString(sym)
	if r := []rune(sym); unicode.IsLetter(r[len(r)-1]) {
		b.WriteString("\u00a0")
	}
	b.WriteString(group(whole))
	if scale > 0 && (frac != 0 || display >= scale) {
		fmt.Fprintf(&b, ".%0*d", scale, frac)
	}
	return b.String()
}

func symbol(unit currency.Unit, code string) string {
	narrow := fmt.Sprint(currency.NarrowSymbol(unit))
	if home, shared := homeOfSymbol[narrow]; shared && home != code {
		return fmt.Sprint(currency.Symbol(unit))
	}
	return narrow
}

// group writes n with comma thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// decimalPrice is the amount as a plain decimal string ("19.99", "1980"),
// as schema.org offers and the dashboard's price inputs want it.
func decimalPrice(minor int64, code string) string {
	scale := catalog.CurrencyScale(code)
	s := strconv.FormatInt(minor, 10)
	if scale == 0 {
		return s
	}
	for len(s) <= scale {
		s = "0" + s
	}
	return s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// separators is how a seller writes numbers: which character separates
// the decimals. The zero value is "not known".
type separators struct {
	known        bool
	decimalComma bool
}

// decimalCommaLanguages write 1.234,56 (the others 1,234.56).
var decimalCommaLanguages = map[string]bool{
	"de": true, "fr": true, "es": true, "it": true, "pt": true, "nl": true, "ru": true, "pl": true, "tr": true,
	"id": true, "vi": true, "sv": true, "da": true, "nb": true, "no": true, "fi": true, "cs": true, "sk": true,
	"hu": true, "ro": true, "el": true, "uk": true, "bg": true, "hr": true, "sl": true, "sr": true, "lt": true,
	"lv": true, "et": true, "ca": true, "az": true, "kk": true, "be": true,
}

// separatorsOf reads the seller's number convention from the browser's
// Accept-Language (its first language); unknown when there is none.
func separatorsOf(acceptLanguage string) separators {
	first, _, _ := strings.Cut(acceptLanguage, ",")
	first, _, _ = strings.Cut(strings.TrimSpace(first), ";")
	lang, _, _ := strings.Cut(strings.ToLower(first), "-")
	if lang == "" || lang == "*" || len(lang) > 3 {
		return separators{}
	}
	return separators{known: true, decimalComma: decimalCommaLanguages[lang]}
}

// parsePrice reads an amount a seller typed into minor units of the
// currency: "45,99" and "45.99" are 4599 cents, "1.299,00" and "1,299.00"
// 129900, "¥1,980" 1980 yen. A single separator followed by exactly three
// digits ("1.299") means a thousands separator or three decimals: the
// seller's convention (sep) decides, and without one the amount is refused
// as ambiguous unless the currency settles it. Never read as a different
// amount silently.
func parsePrice(field, raw, code string, sep separators) (int64, error) {
	scale := catalog.CurrencyScale(code)
	shown := truncateRunes(strings.TrimSpace(raw), 20)
	bad := func(format string, args ...any) (int64, error) { return 0, catalog.Invalid(field, format, args...) }
	// Drop the currency's code and symbols around the number, and the
	// spaces and apostrophes some write between thousands.
	s := strings.TrimSpace(raw)
	for _, sym := range currencyMarks(code) {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, sym), sym))
	}
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.Is(unicode.Sc, r) || unicode.IsSpace(r) })
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f', '\u2009', '\'', '\u2019':
			return -1
		}
		return r
	}, s)
	if strings.ContainsAny(strings.TrimSpace(raw), "-−") {
		return bad("must be positive")
	}
	if s == "" || strings.Trim(s, "0123456789.,") != "" {
		return bad("must be an amount such as 19.99 (got %q)", shown)
	}
	whole, frac := s, ""
	lastDot, lastComma := strings.LastIndex(s, "."), strings.LastIndex(s, ",")
	switch {
	case lastDot >= 0 && lastComma >= 0:
		dec, group := byte('.'), ","
		if lastComma > lastDot {
			dec, group = ',', "."
		}
		i := strings.LastIndexByte(s, dec)
		if strings.Count(s, string(dec)) > 1 {
			return bad("%q has more than one decimal separator", shown)
		}
		whole, frac = s[:i], s[i+1:]
		if !grouped(whole, group) {
			return bad("%q has its thousands separators in the wrong places", shown)
		}
		whole = strings.ReplaceAll(whole, group, "")
	case lastDot >= 0 || lastComma >= 0:
		sepc := "."
		if lastComma >= 0 {
			sepc = ","
		}
		parts := strings.Split(s, sepc)
		last := parts[len(parts)-1]
		switch {
		case len(parts) > 2:
			if !grouped(s, sepc) {
				return bad("%q has its thousands separators in the wrong places", shown)
			}
			whole = strings.ReplaceAll(s, sepc, "")
		case last == "":
			return bad("%q ends with a separator", shown)
		case len(last) != 3 || len(parts[0]) > 3 || strings.Trim(parts[0], "0") == "":
			whole, frac = parts[0], last
		default: // one separator, three digits after it
			isDecimal := sep.known && (sepc == ",") == sep.decimalComma
			switch {
			case sep.known && !isDecimal, !sep.known && scale == 0:
				whole = parts[0] + last
			case sep.known && isDecimal:
				whole, frac = parts[0], last
			default:
				return bad("%q is ambiguous (%s%s or %s%s%s?): write it without the separator, as %s%s, or with %d decimals",
					shown, parts[0], last, parts[0], sepc, last, parts[0], last, scale)
			}
		}
	}
	if whole == "" {
		whole = "0"
	}
	if len(whole) > 12 {
		return bad("is implausibly large")
	}
	if len(frac) > scale {
		if scale == 0 {
			return bad("%s has no decimals (got %q)", code, shown)
		}
		return bad("%q has %d decimal places; %s has %d", shown, len(frac), code, scale)
	}
	frac += strings.Repeat("0", scale-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || v > catalog.MaxPriceMinor {
		return bad("is implausibly large")
	}
	if v <= 0 {
		return bad("must be positive")
	}
	return v, nil
}

// currencyMarks are the ways an amount in the currency may be marked: its
// ISO code (either case) and CLDR symbols, longest first.
func currencyMarks(code string) []string {
	marks := []string{code, strings.ToLower(code)}
	if unit, err := currency.ParseISO(code); err == nil {
		marks = append(marks, fmt.Sprint(currency.Symbol(unit)), fmt.Sprint(currency.NarrowSymbol(unit)))
	}
	slices.SortFunc(marks, func(a, b string) int { return len(b) - len(a) })
	return marks
}

// grouped reports whether s's thousands separators (group) are in their
// places: a first group of 1-3 digits, then groups of 3 (or of 2 before the
// last 3, as India writes lakhs).
func grouped(s, group string) bool {
	parts := strings.Split(s, group)
	if len(parts[0]) < 1 || len(parts[0]) > 3 {
		return false
	}
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		if (last && len(p) != 3) || (!last && len(p) != 3 && len(p) != 2) {
			return false
		}
	}
	return true
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
