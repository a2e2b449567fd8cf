package catalog

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Prices in codes that are no currency (issue 13, item 8).
func TestAttackNonCurrencies(t *testing.T) {
	bad := []string{"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD",
		"BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",
		"HRK", "VEF", "MRO", "STD", "SLL", "CUC", "ANG", "ZWL", "BYR", "LTL", "DEM",
		"ZZZ", "ABC", "usd", "Usd", "US$", "EURO", "", "U", "€", "USD\u200b"}
	refused := 0
	for _, c := range bad {
		if err := ValidateCurrency("currency", c); !IsCode(err, CodeInvalid) {
			t.Errorf("%q accepted", c)
			continue
		}
		refused++
	}
	t.Logf("attack table non-currencies: %d tries, %d refused", len(bad), refused)
	for _, c := range []string{"USD", "EUR", "JPY", "IDR", "VND", "THB", "PHP", "MYR", "BRL", "INR", "VES", "SLE", "MRU", "STN", "ZWG", "XCG", "XAF", "XOF", "SVC", "KWD"} {
		if err := ValidateCurrency("currency", c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	if err := ValidateCurrency("currency", "XXX"); err == nil || !strings.Contains(err.Error(), `"no currency"`) {
		t.Errorf("XXX says why: %v", err)
	}
	if err := ValidateCurrency("currency", "HRK"); err == nil || !strings.Contains(err.Error(), "now EUR") {
		t.Errorf("HRK says what replaced it: %v", err)
	}
	if len(activeCurrencies) < 150 {
		t.Errorf("only %d active currencies", len(activeCurrencies))
	}
	for code := range isoExponents {
		if !activeCurrencies[code] && notCurrencies[code] == "" {
			t.Errorf("exponent for unknown code %s", code)
		}
	}
}

// Offer ends outside any sane window of the post (issue 13, item 8).
func TestAttackOfferEnds(t *testing.T) {
	posted := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
	at := func(y int, m time.Month, d int) *time.Time { v := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); return &v }
	rel := func(d time.Duration) *time.Time { v := posted.Add(d); return &v }
	cases := []struct {
		end    *time.Time
		posted time.Time
	}{
		{at(1, 1, 1), posted}, {at(9999, 12, 31), posted}, {at(1970, 1, 1), posted}, {rel(-48 * time.Hour), posted},
		{rel(MaxOfferSpan + time.Hour), posted}, {at(2031, 1, 1), posted},
		{at(1, 1, 1), time.Time{}}, {at(9999, 12, 31), time.Time{}}, {at(1999, 12, 31), time.Time{}}, {at(2100, 1, 1), time.Time{}},
	}
	refused := 0
	for _, c := range cases {
		p := validProduct()
		p.OfferEndsAt, p.VideoPostedAt = c.end, c.posted
		var de *Error
		if err := p.Validate(); !errors.As(err, &de) || de.Field != "offerEndsAt" {
			t.Errorf("offer end %s (posted %s): %v", c.end, c.posted, err)
			continue
		}
		refused++
	}
	t.Logf("attack table offer ends: %d tries, %d refused", len(cases), refused)
	for _, c := range []struct {
		end    *time.Time
		posted time.Time
	}{{rel(-12 * time.Hour), posted}, {rel(7 * 24 * time.Hour), posted}, {rel(MaxOfferSpan - time.Hour), posted}, {at(2030, 6, 1), time.Time{}}} {
		p := validProduct()
		p.OfferEndsAt, p.VideoPostedAt = c.end, c.posted
		if err := p.Validate(); err != nil {
			t.Errorf("offer end %s (posted %s): %v", c.end, c.posted, err)
		}
	}
}

// Invisible and bidi characters in display text (issue 13, item 8): removed,
// while the joiners emoji and scripts need stay.
func TestAttackInvisibleText(t *testing.T) {
	const tagHi = "\U000E0049\U000E0067\U000E006E\U000E006F\U000E0072\U000E0065" // "Ignore" in tag characters
	stripped := map[string]string{
		"Glow serum \u202egnp.exe":           "Glow serum gnp.exe",
		"Lamp\u200b":                         "Lamp",
		"\ufeffLamp":                         "Lamp",
		"La\u00admp":                         "Lamp",
		"\u2066Lamp\u2069":                   "Lamp",
		"\u2067\u2068Lamp\u202a\u202b\u202c": "Lamp",
		"Lamp\u200e\u200f\u061c":             "Lamp",
		"Lamp\u2060\u2061\u2062\u2063\u2064": "Lamp",
		"Lamp " + tagHi:                      "Lamp ",
		"\u3164":                             "",
		"\u115f\u1160\uffa0Lamp":             "Lamp",
		"La\u034fmp":                         "Lamp",
		"a\x00b\x07c\x1bd\x7fe\u0085f":       "abcdef",
		"\u200dLamp":                         "Lamp",
		"Lamp\u200d":                         "Lamp",
		"La\u200dmp":                         "Lamp",
		"SAVE\u200c10":                       "SAVE10",
		"Lamp\u180e":                         "Lamp",
		"\U0001F469\u200d\u200d\U0001F4BB":   "\U0001F469\u200d\U0001F4BB",
	}
	kept := []string{
		"\U0001F469\u200d\U0001F4BB Desk",                                              // 👩‍💻
		"\u2764\ufe0f\u200d\U0001F525 deal",                                            // ❤️‍🔥
		"\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F kilts", // Scotland's flag
		"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",                             // Persian with ZWNJ
		"\u0915\u094d\u200d\u0937",                                                     // Devanagari with ZWJ
		"line one\nline two\tand a tab", "Crème brûlée ½ price", "Áo thun nữ", "เสื้อยืด", "",
	}
	refused := 0
	for in, want := range stripped {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
			continue
		}
		refused++
	}
	for _, in := range kept {
		if got := CleanText(in); got != in {
			t.Errorf("CleanText(%q) = %q, want it kept", in, got)
		}
	}
	// Through validation: the stored title is clean; a title of nothing
	// visible is no title.
	p := validProduct()
	p.Title, p.DiscountCode, p.Category = "\u202eGlow\u200b serum", "GLOW\u200b10", "beauty\u2066"
	if err := p.Validate(); err != nil || p.Title != "Glow serum" || p.DiscountCode != "GLOW10" || p.Category != "beauty" {
		t.Errorf("validated product %q %q %q: %v", p.Title, p.DiscountCode, p.Category, err)
	}
	p = validProduct()
	p.Title = "\u200b\u2066\u2069"
	if err := p.Validate(); !IsCode(err, CodeInvalid) {
		t.Errorf("an invisible title: %v", err)
	}
	s := Seller{Handle: "bella.shop", Sub: "local|bella", DisplayName: "Bella\u202e", Bio: "hi\u200b\nthere"}
	if err := s.Validate(); err != nil || s.DisplayName != "Bella" || s.Bio != "hi\nthere" {
		t.Errorf("validated seller %q %q: %v", s.DisplayName, s.Bio, err)
	}
	t.Logf("attack table invisible text: %d tries, %d stripped", len(stripped), refused)
}

func validProduct() Product {
	price := int64(1999)
	return Product{ID: "p1", Seller: "bella.shop", VideoIDs: []string{"1"}, Title: "Lamp", PriceMinor: &price, Currency: "USD",
		Status: ProductDraft, Source: ProductFromRules}
}
