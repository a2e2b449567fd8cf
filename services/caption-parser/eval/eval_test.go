package eval_test

import (
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/services/caption-parser/eval"
)

func i64(v int64) *int64   { return &v }
func str(s string) *string { return &s }

func TestTitleOverlapIsJaccardOfTokenSets(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"LED vanity mirror", "led Vanity MIRROR", 1},
		{"Whipped body butter", "Whipped body butter (2-pack)", 3.0 / 5},
		{"Kaffeemühle", "Elektrische Kaffeemühle", 0.5},
		{"Glow Serum", "Lumeskin Glow Serum", 2.0 / 3},
		{"mirror", "lamp", 0},
		{"", "lamp", 0},
		{"2-in-1 set", "2 in 1 set", 1},
	} {
		if got := eval.TitleOverlap(tc.a, tc.b); got != tc.want {
			t.Errorf("overlap(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestMatchTakesBestPairsFirst(t *testing.T) {
	pred := []events.ParsedProduct{{Title: "gel pen set"}, {Title: "dotted grid notebook"}, {Title: "pen"}}
	labels := []eval.Label{{Title: "Dotted grid notebook"}, {Title: "Pastel gel pen set"}}
	pairs := eval.Match(pred, labels)
	if len(pairs) != 2 || pairs[0].Pred != 1 || pairs[0].Label != 0 || pairs[1].Pred != 0 || pairs[1].Label != 1 {
		t.Errorf("pairs %+v", pairs)
	}
}

func TestReportScoresFieldsAsTheReadmeDefines(t *testing.T) {
	var r eval.Report
	r.Add(eval.Case{ID: "a", Products: []eval.Label{
		{Title: "Beanie", PriceMinor: i64(1250), Currency: str("GBP"), BuyURL: str("https://knit.co.uk/b"), DiscountCode: str("KNIT10")},
		{Title: "Scarf", PriceMinor: nil, Currency: nil},
	}}, []events.ParsedProduct{
		{Title: "Chunky beanie", PriceMinor: i64(1250), Currency: "GBP", BuyURL: "https://knit.co.uk/b/", DiscountCode: "knit10"},
		{Title: "Scarf", PriceMinor: i64(900), Currency: "GBP"},
		{Title: "Gloves"},
	}, nil)
	r.Add(eval.Case{ID: "neg"}, []events.ParsedProduct{{Title: "x"}}, nil)
	r.Add(eval.Case{ID: "neg2"}, nil, nil)
	if r.Labeled != 2 || r.Predicted != 4 || r.Matched != 2 || r.Negatives != 2 || r.FalsePositives != 1 {
		t.Fatalf("counts %+v", r)
	}
	// Beanie: title, price, URL (trailing slash) right, code wrong (case); scarf: title and URL (both none) and code right, price wrong.
	if r.FieldsCorrect != 6 || r.FieldAccuracy() != 6.0/8 {
		t.Errorf("fields %d (accuracy %v), want 6 of 8", r.FieldsCorrect, r.FieldAccuracy())
	}
	if r.Precision() != 0.5 || r.Recall() != 1 || r.F1() != 2*0.5/1.5 || r.FalsePositiveRate() != 0.5 {
		t.Errorf("p %v r %v f1 %v fp %v", r.Precision(), r.Recall(), r.F1(), r.FalsePositiveRate())
	}
	kinds := map[string]int{}
	for _, m := range r.Misses {
		kinds[m.Kind]++
	}
	if kinds["discount_code"] != 1 || kinds["price"] != 1 || kinds["spurious"] != 1 || kinds["false positive"] != 1 || kinds["missed"] != 0 {
		t.Errorf("misses %v", r.Misses)
	}
}

func TestReadRejectsBadLines(t *testing.T) {
	for name, in := range map[string]string{
		"not json":    `{"id":"a",`,
		"no id":       `{"caption":"x","products":[]}`,
		"no products": `{"id":"a","caption":"x"}`,
		"no title":    `{"id":"a","caption":"x","products":[{"title":" "}]}`,
		"unknown key": `{"id":"a","caption":"x","products":[],"extra":1}`,
		"empty":       "\n\n",
	} {
		if _, err := eval.Read(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLoadsLabeledCaptions(t *testing.T) {
	cases, err := eval.Load("../testdata/captions/priced-a.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	labeled, negatives := 0, 0
	for _, c := range cases {
		labeled += len(c.Products)
		if len(c.Products) == 0 {
			negatives++
		}
	}
	if len(cases) != 40 || negatives == 0 || labeled < len(cases)-negatives {
		t.Errorf("%d cases, %d negatives, %d labeled products", len(cases), negatives, labeled)
	}
	// A perfect prediction scores 1 everywhere.
	var r eval.Report
	for _, c := range cases {
		var pred []events.ParsedProduct
		for _, l := range c.Products {
			p := events.ParsedProduct{Title: l.Title, PriceMinor: l.PriceMinor}
			if l.Currency != nil {
				p.Currency = *l.Currency
			}
			if l.BuyURL != nil {
				p.BuyURL = *l.BuyURL
			}
			if l.DiscountCode != nil {
				p.DiscountCode = *l.DiscountCode
			}
			pred = append(pred, p)
		}
		r.Add(c, pred, nil)
	}
	if r.F1() != 1 || r.FieldAccuracy() != 1 || r.FalsePositives != 0 {
		t.Errorf("perfect prediction scored F1 %v, fields %v", r.F1(), r.FieldAccuracy())
	}
}
