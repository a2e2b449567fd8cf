package storefront

import (
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
)

func TestFormatPrice(t *testing.T) {
	for _, c := range []struct {
		minor int64
		code  string
		want  string
	}{
		{1999, "USD", "$19.99"}, {2000, "USD", "$20.00"}, {129900, "EUR", "€1,299.00"}, {1200, "GBP", "£12.00"},
		{49900, "INR", "₹499.00"}, {15000000, "IDR", "Rp\u00a0150,000"}, {15000050, "IDR", "Rp\u00a0150,000.50"},
		{1980, "JPY", "¥1,980"}, {2500, "CAD", "CA$25.00"}, {4990, "BRL", "R$49.90"}, {1234500, "KWD", "KWD\u00a01,234.500"},
		{5, "USD", "$0.05"}, {100000000000, "USD", "$1,000,000,000.00"}, {999, "XYZ", "999 XYZ"},
	} {
		if got := FormatPrice(c.minor, c.code); got != c.want {
			t.Errorf("FormatPrice(%d, %s) = %q want %q", c.minor, c.code, got, c.want)
		}
	}
}

func TestDecimalPrices(t *testing.T) {
	for _, c := range []struct {
		minor int64
		code  string
		want  string
	}{{1999, "USD", "19.99"}, {5, "USD", "0.05"}, {1980, "JPY", "1980"}, {1234500, "KWD", "1234.500"}} {
		if got := decimalPrice(c.minor, c.code); got != c.want {
			t.Errorf("decimalPrice(%d, %s) = %q want %q", c.minor, c.code, got, c.want)
		}
		if back, err := parsePrice("price", c.want, c.code, separators{}); err != nil || back != c.minor {
			t.Errorf("parsePrice(%q, %s) = %d, %v", c.want, c.code, back, err)
		}
	}
	for in, want := range map[string]int64{"1,299.5": 129950, ".5": 50, " 20 ": 2000} {
		if got, err := parsePrice("price", in, "USD", separators{}); err != nil || got != want {
			t.Errorf("parsePrice(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "abc", "1.999", "-5", "0", "0.00", "1e5", "99999999999999", "5 EUR"} {
		if _, err := parsePrice("price", in, "USD", separators{}); !catalog.IsCode(err, catalog.CodeInvalid) {
			t.Errorf("parsePrice(%q): want invalid, got %v", in, err)
		}
	}
	if _, err := parsePrice("price", "1.5", "JPY", separators{}); err == nil {
		t.Error("JPY has no decimals")
	}
}

func TestPricesAsSellersTypeThem(t *testing.T) {
	de, en := separatorsOf("de-DE,de;q=0.9,en;q=0.8"), separatorsOf("en-US,en;q=0.9")
	for _, c := range []struct {
		in, code string
		sep      separators
		want     int64
	}{
		{"45,99", "EUR", separators{}, 4599}, {"45,99", "EUR", de, 4599}, {"45,99", "EUR", en, 4599},
		{"45.99", "EUR", de, 4599}, {"1.299,00", "EUR", separators{}, 129900}, {"1,299.00", "USD", separators{}, 129900},
		{"1.299", "EUR", de, 129900}, {"1,299", "USD", en, 129900}, {"€ 1.299,50", "EUR", de, 129950},
		{"1 299,00 €", "EUR", separators{}, 129900}, {"1\u202f299,00", "EUR", separators{}, 129900}, {"1'299.00", "CHF", separators{}, 129900},
		{"1.299.000", "EUR", separators{}, 129900000}, {"1,00,000.00", "INR", separators{}, 10000000},
		{"¥1,980", "JPY", separators{}, 1980}, {"1.980", "JPY", separators{}, 1980}, {"4599", "EUR", separators{}, 459900},
		{"0,5", "EUR", separators{}, 50}, {"1,299", "KWD", de, 1299}, {"1.299", "KWD", en, 1299}, {"$19.99", "USD", separators{}, 1999},
	} {
		if got, err := parsePrice("price", c.in, c.code, c.sep); err != nil || got != c.want {
			t.Errorf("%q %s %+v: got %d, %v; want %d", c.in, c.code, c.sep, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in, code string
		sep      separators
		msg      string
	}{
		{"1.299", "EUR", separators{}, "ambiguous"}, {"1,299", "USD", separators{}, "ambiguous"}, {"1,299", "KWD", separators{}, "ambiguous"},
		{"1.299", "EUR", en, "3 decimal places"}, {"1,299", "EUR", de, "3 decimal places"}, {"12,34,5", "EUR", separators{}, "wrong places"},
		{"1.2.3,4,5", "EUR", separators{}, "more than one decimal"}, {"45,", "EUR", separators{}, "ends with a separator"},
		{"-5", "EUR", separators{}, "positive"}, {"0,00", "EUR", separators{}, "positive"}, {"1,5", "JPY", separators{}, "no decimals"},
		{"12abc", "EUR", separators{}, "amount such as"}, {"1e5", "USD", separators{}, "amount such as"},
	} {
		_, err := parsePrice("price", c.in, c.code, c.sep)
		if !catalog.IsCode(err, catalog.CodeInvalid) || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "price") {
			t.Errorf("%q %s: want invalid mentioning %q, got %v", c.in, c.code, c.msg, err)
		}
	}
	if separatorsOf("").known || !separatorsOf("fr").decimalComma || separatorsOf("ja-JP").decimalComma {
		t.Error("separatorsOf")
	}
}
