package storefront

import (
	"fmt"
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

// parseDecimalPrice reads a decimal amount typed by a seller ("19.99",
// "1,299.5", "1980") into minor units of the currency.
func parseDecimalPrice(field, s, code string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	scale := catalog.CurrencyScale(code)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" && hasFrac {
		whole = "0"
	}
	if whole == "" || len(whole) > 12 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, catalog.Invalid(field, "must be an amount such as 19.99 (got %q)", truncateRunes(s, 20))
	}
	if len(frac) > scale {
		return 0, catalog.Invalid(field, "%s has %d decimal places; %s has %d", s, len(frac), code, scale)
	}
	frac += strings.Repeat("0", scale-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || v > catalog.MaxPriceMinor {
		return 0, catalog.Invalid(field, "is implausibly large")
	}
	if v <= 0 {
		return 0, catalog.Invalid(field, "must be positive")
	}
	return v, nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
