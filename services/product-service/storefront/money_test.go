package storefront

import (
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
		if back, err := parseDecimalPrice("price", c.want, c.code); err != nil || back != c.minor {
			t.Errorf("parseDecimalPrice(%q, %s) = %d, %v", c.want, c.code, back, err)
		}
	}
	for in, want := range map[string]int64{"1,299.5": 129950, ".5": 50, " 20 ": 2000} {
		if got, err := parseDecimalPrice("price", in, "USD"); err != nil || got != want {
			t.Errorf("parseDecimalPrice(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "abc", "1.999", "-5", "0", "0.00", "1e5", "99999999999999", "$5"} {
		if _, err := parseDecimalPrice("price", in, "USD"); !catalog.IsCode(err, catalog.CodeInvalid) {
			t.Errorf("parseDecimalPrice(%q): want invalid, got %v", in, err)
		}
	}
	if _, err := parseDecimalPrice("price", "1.5", "JPY"); err == nil {
		t.Error("JPY has no decimals")
	}
}
