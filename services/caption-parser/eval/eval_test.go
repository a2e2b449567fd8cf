package eval_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
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

func TestOverlapCoefficient(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"Kopi Senja", "Kopi Senja voucher (TikTok GO)", 1},
		{"Sneakers", "sneakers (@KickSwap)", 1},
		{"Glow serum", "Lumeskin Glow Serum", 1},
		{"mirror", "lamp", 0},
		{"", "lamp", 0},
	} {
		if got := eval.OverlapCoefficient(tc.a, tc.b); got != tc.want {
			t.Errorf("OverlapCoefficient(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	var r eval.Report
	r.Add(eval.Case{ID: "a", Products: []eval.Label{{Title: "Kopi Senja voucher (TikTok GO)"}}}, eval.Result{Products: []events.ParsedProduct{{Title: "Kopi Senja"}}})
	if r.Matched != 0 || r.MatchedByOverlap != 1 || r.F1() != 0 || r.F1ByOverlap() != 1 {
		t.Errorf("report %+v", r)
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
	}}, eval.Result{Products: []events.ParsedProduct{
		{Title: "Chunky beanie", PriceMinor: i64(1250), Currency: "GBP", BuyURL: "https://knit.co.uk/b/", DiscountCode: "knit10"},
		{Title: "Scarf", PriceMinor: i64(900), Currency: "GBP"},
		{Title: "Gloves"},
	}, Sent: true})
	r.Add(eval.Case{ID: "neg"}, eval.Result{Products: []events.ParsedProduct{{Title: "x"}}, Sent: true})
	r.Add(eval.Case{ID: "neg2"}, eval.Result{})
	r.Add(eval.Case{ID: "b", Products: []eval.Label{{Title: "Mug"}}}, eval.Result{Err: errors.New("timeout")})
	if r.Labeled != 3 || r.Predicted != 4 || r.Matched != 2 || r.Negatives != 2 || r.FalsePositives != 1 || r.Errors != 1 {
		t.Fatalf("counts %+v", r)
	}
	if r.Offers != 2 || r.OffersSent != 1 || r.GateRecall() != 0.5 || r.NegativesSent != 1 {
		t.Errorf("gate: %d of %d offers sent, %d negatives sent", r.OffersSent, r.Offers, r.NegativesSent)
	}
	if r.PriceErrors != 1 || r.URLErrors != 0 || r.CodeErrors != 1 || r.Missed != 1 || r.Spurious != 1 {
		t.Errorf("field errors %+v", r)
	}
	// Beanie: title, price, URL (trailing slash) right, code wrong (case); scarf: title and URL (both none) and code right, price wrong.
	if r.FieldsCorrect != 6 || r.FieldAccuracy() != 6.0/8 {
		t.Errorf("fields %d (accuracy %v), want 6 of 8", r.FieldsCorrect, r.FieldAccuracy())
	}
	if r.Precision() != 0.5 || r.Recall() != 2.0/3 || math.Abs(r.F1()-4.0/7) > 1e-12 || r.FalsePositiveRate() != 0.5 {
		t.Errorf("p %v r %v f1 %v fp %v", r.Precision(), r.Recall(), r.F1(), r.FalsePositiveRate())
	}
	kinds := map[string]int{}
	for _, m := range r.Misses {
		kinds[m.Kind]++
	}
	if kinds["discount_code"] != 1 || kinds["price"] != 1 || kinds["spurious"] != 1 || kinds["false positive"] != 1 || kinds["missed"] != 1 || kinds["error"] != 1 {
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
		r.Add(c, eval.Result{Products: pred})
	}
	if r.F1() != 1 || r.FieldAccuracy() != 1 || r.FalsePositives != 0 {
		t.Errorf("perfect prediction scored F1 %v, fields %v", r.F1(), r.FieldAccuracy())
	}
}

func TestSplitHoldsOutEveryThirdCaptionByID(t *testing.T) {
	var cases []eval.Case
	for _, id := range []string{"c-07", "c-01", "c-03", "c-02", "c-10", "c-05", "c-04"} {
		cases = append(cases, eval.Case{ID: id})
	}
	tuned, holdout := eval.Split(cases)
	var h, tu []string
	for _, c := range holdout {
		h = append(h, c.ID)
	}
	for _, c := range tuned {
		tu = append(tu, c.ID)
	}
	// Sorted: c-01 c-02 c-03 c-04 c-05 c-07 c-10; positions 3 and 6 are held out.
	if strings.Join(h, ",") != "c-03,c-07" || strings.Join(tu, ",") != "c-01,c-02,c-04,c-05,c-10" {
		t.Errorf("hold-out %v, tuned %v", h, tu)
	}
}

func TestOpenTellsCorporaApartAndReadsLanguages(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	labeled := write("shop.jsonl", `{"id":"s-1","caption":"Áo thun 129k, thêm vào giỏ hàng","products":[{"title":"Áo thun","price_minor":129000,"currency":"VND","buy_url":null,"discount_code":null}],"notes":""}
{"id":"s-2","caption":"đi chơi thôi","products":[],"notes":""}
`)
	write("shop.sources.tsv", "id\tlang\tsource\tplatform\ns-1\tvi\tours\tTikTok\ns-2\tvi\tours\tTikTok\n")
	c, err := eval.Open(labeled)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Labeled) != 2 || c.Unlabeled != nil || c.Langs["s-1"] != "vi" {
		t.Errorf("labeled corpus %+v", c)
	}
	scrape := write("scrape.jsonl", `{"text":"dance 😂 #fyp","id":"1","createTime":1717243200,"author":"a","commerce_hint":false}
{"text":"mug $5","id":"2","createTimeISO":"2024-06-01T13:00:00.000Z"}
`)
	c, err = eval.Open(scrape)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Unlabeled) != 2 || c.Labeled != nil || c.Langs != nil || c.Unlabeled[0].PostedAt.Unix() != 1717243200 || c.Unlabeled[1].PostedAt.Hour() != 13 {
		t.Errorf("scrape %+v", c)
	}
	for name, data := range map[string]string{
		"neither.jsonl": `{"title":"x"}`,
		"bad.jsonl":     `{"text":`,
		"notext.jsonl":  "{\"text\":\"a\"}\n{\"id\":\"b\"}\n",
		"badtsv.jsonl":  `{"text":"a"}`,
	} {
		if name == "badtsv.jsonl" {
			write("badtsv.sources.tsv", "id\tplatform\n1\tx\n")
		}
		if _, err := eval.Open(write(name, data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := eval.Open(filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Error("missing file accepted")
	}
}
