package rules

import (
	"testing"

	"github.com/buylink/buylink/services/caption-parser/internal/productcheck"
)

func TestMaxProductsAgreesWithTheContract(t *testing.T) {
	if MaxProducts != productcheck.MaxProducts {
		t.Errorf("rules.MaxProducts %d, contract %d", MaxProducts, productcheck.MaxProducts)
	}
}

func TestParseMinor(t *testing.T) {
	for _, tc := range []struct {
		s     string
		scale int
		mult  int64
		want  int64
		ok    bool
	}{
		{"19.99", 2, 1, 1999, true},
		{"19,99", 2, 1, 1999, true},
		{"1.299,00", 2, 1, 129900, true},
		{"1,299.00", 2, 1, 129900, true},
		{"150.000", 0, 1, 150000, true},
		{"150.000", 2, 1, 15000000, true},
		{"1.250.000", 2, 1, 125000000, true},
		{"1,980", 0, 1, 1980, true},
		{"45", 2, 1000, 4500000, true},
		{"1,5", 2, 1_000_000, 150000000, true},
		{"0.500", 2, 1, 50, true},
		{"19.999", 0, 1, 19999, true},
		{"1.5", 0, 1, 0, false},      // JPY has no decimals
		{"1.2.3", 2, 1, 0, false},    // a version
		{"1.2345", 2, 1, 0, false},   // too many digits after one separator
		{"12,34.56", 2, 1, 0, false}, // bad grouping
		{"0", 2, 1, 0, false},
		{"9999999999999", 2, 1, 0, false},
	} {
		got, ok := parseMinor(tc.s, tc.scale, tc.mult)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMinor(%q, %d, %d) = %d, %v; want %d, %v", tc.s, tc.scale, tc.mult, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFactsCheckWhatTheCaptionStates(t *testing.T) {
	f := Analyze(Input{Text: "Mug 19,99 € (was 25 €) and Rp45rb tea at https://mugs.shop/m?ref=1, code MUG10 #SAVE20 instagram.com/me", SellerLinks: nil})
	for _, tc := range []struct {
		minor int64
		cur   string
		want  bool
	}{{1999, "EUR", true}, {2500, "EUR", true}, {4500000, "IDR", true}, {4500, "IDR", true}, {2000, "EUR", false}, {1999, "USD", true}} {
		if got := f.StatesAmount(tc.minor, tc.cur); got != tc.want {
			t.Errorf("StatesAmount(%d, %s) = %v", tc.minor, tc.cur, got)
		}
	}
	if l, ok := f.FindLink("mugs.shop/m"); !ok || !l.Buy || l.URL != "https://mugs.shop/m?ref=1" {
		t.Errorf("FindLink: %+v %v", l, ok)
	}
	if l, ok := f.FindLink("https://www.instagram.com/me/"); !ok || l.Buy {
		t.Errorf("social link: %+v %v", l, ok)
	}
	if _, ok := f.FindLink("https://evil.example/x"); ok {
		t.Error("a link that is not in the caption was found")
	}
	if !f.HasToken("MUG10") || f.HasToken("SAVE20") || f.HasToken("mug10") {
		t.Error("HasToken")
	}
	if !f.Commerce || len(f.Codes) != 1 || f.Codes[0] != "MUG10" || len(f.Hashtags) != 1 {
		t.Errorf("facts %+v", f)
	}
	if g := Analyze(Input{Text: "what a day at the beach 🌊 #summer"}); g.Commerce {
		t.Error("a caption without money, links or codes shows commerce")
	}
}

// TestAccentsLieWhereIsAccentedLooks keeps isAccented's range check true to
// accentFold.
func TestAccentsLieWhereIsAccentedLooks(t *testing.T) {
	for r := range accentFold {
		if !isAccented(r) {
			t.Errorf("%q is in accentFold but outside isAccented's range", r)
		}
	}
}
