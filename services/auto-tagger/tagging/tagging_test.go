package tagging

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/buylink/buylink/pkg/catalog"
)

func TestNameAccepts(t *testing.T) {
	cases := map[string]string{
		"Sneakers":             "sneaker",
		"#SkinCare":            "skincare",
		"  Crème   Hydratante": "creme hydratante",
		"bath_bombs":           "bath bomb",
		"T-Shirts":             "t shirt",
		"hoodies":              "hoodie",
		"batteries":            "battery",
		"Brushes":              "brush",
		"women":                "woman",
		"jeans":                "jeans",
		"sunglasses":           "sunglasses",
		"dress":                "dress",
		"glass":                "glass",
		"shoes":                "shoe",
		"knives":               "knife",
		"5-in-1":               "5 in 1",
		"spf 50":               "spf 50",
		"y2k":                  "y2k",
		"3D":                   "3d",
		"Vitamin C":            "vitamin c",
		"lip gloss/lip oil":    "lip gloss lip oil",
	}
	for raw, want := range cases {
		if got := Name(raw); got != want {
			t.Errorf("Name(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestNameRefuses(t *testing.T) {
	for _, raw := range []string{
		"", " ", "#", "https://amzn.to/3xYz", "www.shop.com", "amzn.to/3xYz", "lumeskin.co", "@bella.shop", "bella@shop",
		"$19.99", "19.99", "34,99 €", "€20", "Rp 150.000", "usd 20", "20 dollars", "under 30", "50% off", "only 9",
		"2 pack", "set of 3", "40oz", "12 pk", "500 ml", "3", "a", "fyp", "FYP", "viral", "TikTokMadeMeBuyIt",
		"tiktok made me buy it", "link in bio", "free shipping", "sale", "この商品", "🔥🔥", "one two three four five",
		"supercalifragilisticexpialidocious extra", strings.Repeat("x", 200),
	} {
		if got := Name(raw); got != "" {
			t.Errorf("Name(%q) = %q, want refused", raw, got)
		}
	}
}

func TestNameIsIdempotentAndValid(t *testing.T) {
	for _, raw := range []string{"Sneakers", "bath bombs", "lenses", "dresses", "cookies", "shoes", "tomatoes", "glasses", "boxes", "leaves", "cacti", "hummus", "press-on nails"} {
		n := Name(raw)
		if Name(n) != n {
			t.Errorf("Name(Name(%q)) = %q, want %q", raw, Name(n), n)
		}
		if err := catalog.ValidateTags([]catalog.Tag{{Name: n, Confidence: 1}}); err != nil {
			t.Errorf("Name(%q) = %q is not a valid catalog tag: %v", raw, n, err)
		}
	}
}

func TestSingular(t *testing.T) {
	cases := map[string]string{
		"sneakers": "sneaker", "dresses": "dress", "boxes": "box", "watches": "watch", "brushes": "brush",
		"batteries": "battery", "hoodies": "hoodie", "ties": "tie", "cookies": "cookie", "shoes": "shoe",
		"tomatoes": "tomato", "shelves": "shelf", "scarves": "scarf", "gloves": "glove", "cases": "case",
		"vases": "vase", "lenses": "lens", "men": "man", "children": "child", "kids": "kid", "jeans": "jeans",
		"leggings": "leggings", "pants": "pants", "glass": "glass", "cactus": "cactus", "tennis": "tennis",
		"bus": "bus", "abs": "abs", "headaches": "headache", "electronics": "electronics", "serum": "serum",
	}
	for in, want := range cases {
		if got := Singular(in); got != want {
			t.Errorf("Singular(%q) = %q, want %q", in, got, want)
		}
		if Singular(Singular(in)) != Singular(in) {
			t.Errorf("Singular is not idempotent on %q", in)
		}
	}
}

func TestFinalize(t *testing.T) {
	l := Limits{MaxTags: 3, MinConfidence: 0.6}
	got := l.Finalize([]Tag{
		{Name: "Sneakers", Confidence: 0.7},
		{Name: "sneaker", Confidence: 0.9}, // duplicate after normalisation: keeps 0.9
		{Name: "white", Confidence: 7},     // clamped to 1
		{Name: "leather", Confidence: -1},  // clamped to 0: dropped
		{Name: "canvas", Confidence: math.NaN()},
		{Name: "https://x.co", Confidence: 1},
		{Name: "casual", Confidence: 0.6},
		{Name: "cozy", Confidence: 0.6},
		{Name: "retro", Confidence: 0.59},
	})
	want := []Tag{{Name: "white", Confidence: 1}, {Name: "sneaker", Confidence: 0.9}, {Name: "casual", Confidence: 0.6}}
	if len(got) != len(want) {
		t.Fatalf("Finalize = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Finalize = %+v, want %+v", got, want)
		}
	}
	if err := l.Check(got); err != nil {
		t.Fatal(err)
	}
	if empty := l.Finalize(nil); empty == nil || len(empty) != 0 {
		t.Fatalf("Finalize(nil) = %#v, want an empty non-nil list", empty)
	}
}

func TestCheckCatchesBrokenLists(t *testing.T) {
	l := Limits{MaxTags: 2, MinConfidence: 0.6}
	bad := map[string][]Tag{
		"too many":      {{Name: "a1", Confidence: 0.9}, {Name: "b1", Confidence: 0.8}, {Name: "c1", Confidence: 0.7}},
		"below":         {{Name: "serum", Confidence: 0.5}},
		"unnormalised":  {{Name: "Serums", Confidence: 0.9}},
		"plural":        {{Name: "serums", Confidence: 0.9}},
		"duplicate":     {{Name: "serum", Confidence: 0.9}, {Name: "serum", Confidence: 0.8}},
		"out of order":  {{Name: "serum", Confidence: 0.7}, {Name: "toner", Confidence: 0.9}},
		"name order":    {{Name: "toner", Confidence: 0.9}, {Name: "serum", Confidence: 0.9}},
		"confidence >1": {{Name: "serum", Confidence: 1.5}},
		"stop tag":      {{Name: "fyp", Confidence: 0.9}},
	}
	for name, tags := range bad {
		if err := l.Check(tags); err == nil {
			t.Errorf("%s: Check accepted %+v", name, tags)
		}
	}
	if err := l.Check([]Tag{{Name: "serum", Confidence: 0.9}, {Name: "toner", Confidence: 0.9}}); err != nil {
		t.Errorf("a valid list was refused: %v", err)
	}
}

func TestSanitize(t *testing.T) {
	long := strings.Repeat("serum ", 20_000) // 120 KB
	b, err := Sanitize(Batch{
		Titles:   []string{"<b>Silk</b> <script>alert(1)</script>scarf", "line\nbreak\x00nul\u200btab\t", long, "bad \xff\xfe utf8", "a < b"},
		Caption:  strings.Repeat("x", catalog.MaxCaptionBytes+100),
		Hashtags: []string{"#skincare", "  ", "##", "#" + strings.Repeat("a", 500)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Silk alert(1) scarf", "line break nul tab", "", "bad utf8", "a < b"}
	for i, w := range want {
		if i == 2 {
			if n := utf8.RuneCountInString(b.Titles[2]); n != catalog.MaxTitleRunes || !strings.HasPrefix(b.Titles[2], "serum serum") {
				t.Errorf("long title: %d runes, want %d", n, catalog.MaxTitleRunes)
			}
			continue
		}
		if b.Titles[i] != w {
			t.Errorf("title %d = %q, want %q", i, b.Titles[i], w)
		}
	}
	if len(b.Caption) != catalog.MaxCaptionBytes {
		t.Errorf("caption is %d bytes, want %d", len(b.Caption), catalog.MaxCaptionBytes)
	}
	if len(b.Hashtags) != 2 || b.Hashtags[0] != "skincare" || utf8.RuneCountInString(b.Hashtags[1]) != MaxHashtagRunes {
		t.Errorf("hashtags = %q", b.Hashtags)
	}
	if _, err := Sanitize(Batch{Titles: make([]string, MaxProducts+1)}); !errors.Is(err, ErrTooManyProducts) {
		t.Errorf("a batch of %d products: err = %v, want ErrTooManyProducts", MaxProducts+1, err)
	}
}

func TestLimits(t *testing.T) {
	for _, l := range []Limits{{0, 0.6}, {11, 0.6}, {10, -0.1}, {10, 1.1}, {10, math.NaN()}} {
		if l.Validate() == nil {
			t.Errorf("%+v was accepted", l)
		}
	}
	t.Setenv("TAGGER_MAX_TAGS", "5")
	t.Setenv("TAGGER_MIN_CONFIDENCE", "0.75")
	if l, err := LimitsFromEnv(); err != nil || l != (Limits{5, 0.75}) {
		t.Fatalf("LimitsFromEnv = %+v, %v", l, err)
	}
	for _, env := range [][2]string{{"TAGGER_MAX_TAGS", "ten"}, {"TAGGER_MAX_TAGS", "50"}, {"TAGGER_MIN_CONFIDENCE", "high"}, {"TAGGER_MIN_CONFIDENCE", "2"}} {
		t.Run(env[0]+"="+env[1], func(t *testing.T) {
			t.Setenv(env[0], env[1])
			_, err := LimitsFromEnv()
			if err == nil || !strings.Contains(err.Error(), env[0]) {
				t.Fatalf("err = %v, want one naming %s", err, env[0])
			}
		})
	}
}

// FuzzFinalize: whatever names and confidences come in (an LLM's answer),
// the final list keeps every invariant and Name is idempotent.
func FuzzFinalize(f *testing.F) {
	f.Add("Sneakers", 0.9, "https://amzn.to/x", 7.0, "fyp", 0.8)
	f.Add("", -1.0, "$19.99", 0.61, "bath bombs", 0.6)
	f.Add("<script>", 1.0, "@handle", 0.99, "set of 3", 0.7)
	f.Add("crème brûlée", 0.7, "ÉCHARPE en LAINE", 0.65, "women's", 0.9)
	l := DefaultLimits()
	f.Fuzz(func(t *testing.T, n1 string, c1 float64, n2 string, c2 float64, n3 string, c3 float64) {
		var cands []Tag
		for i := range 5 {
			cands = append(cands, Tag{Name: n1, Confidence: c1}, Tag{Name: n2 + string(rune('a'+i)), Confidence: c2}, Tag{Name: n3, Confidence: c3 - float64(i)/10})
		}
		got := l.Finalize(cands)
		if err := l.Check(got); err != nil {
			t.Fatalf("Finalize broke an invariant: %v (%+v)", err, got)
		}
		for _, s := range []string{n1, n2, n3} {
			if n := Name(s); Name(n) != n {
				t.Fatalf("Name is not idempotent on %q: %q then %q", s, n, Name(n))
			}
		}
	})
}
