package rules_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/buylink/buylink/services/caption-parser/internal/productcheck"
	"github.com/buylink/buylink/services/caption-parser/rules"
)

// FuzzParse checks that any text parses without panicking, deterministically,
// into products that satisfy the contract. Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add("our mug is $19.99 at mugs.shop/m code MUG10, ends Sunday")
	f.Add("1️⃣ lamp – 19,99 €\n2️⃣ desk – 1.299,00 €\nshop: desks.de")
	f.Fuzz(func(t *testing.T, text string) {
		in := rules.Input{Text: text, PostedAt: time.Date(2024, 6, 5, 12, 0, 0, 0, time.UTC), SellerLinks: []string{"instagram.com/me"}}
		ps := rules.Parse(in)
		if !reflect.DeepEqual(ps, rules.Parse(in)) {
			t.Fatalf("not deterministic for %q", text)
		}
		if err := productcheck.Check(text, ps); err != nil {
			t.Fatalf("%q: %v: %+v", text, err, ps)
		}
	})
}
