package rules_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// FuzzRuleTagger: any titles, caption and hashtag give one result per title,
// each keeping the invariants (at most MaxTags tags, all at or above the
// threshold, normalised, no duplicates, a known category or none), and the
// same input always gives the same output. The seed corpus is below and in
// testdata/fuzz/FuzzRuleTagger.
func FuzzRuleTagger(f *testing.F) {
	f.Add("LED vanity mirror", "Organizador de maquillaje", "This LED vanity mirror changed my routine $24.99", "makeuptok")
	f.Add("Ecksofa in Bouclé", "", "Link im Profil! #möbel", "wohnen")
	f.Add("<b>x</b>\x00", "\xff\xfe", "https://amzn.to/3x @bella.shop", "#")
	f.Add("Rak sepatu susun 5", "Kaos oversize pria hitam", "untuk kamu yang suka rapi", "racunshopee")
	f.Add("5-in-1 hot air brush", "Set of 3 bath bombs", "", "dogsoftiktok")
	l := tagging.DefaultLimits()
	rt := newTagger(f)
	f.Fuzz(func(t *testing.T, title1, title2, caption, hashtag string) {
		b := tagging.Batch{Titles: []string{title1, title2}, Caption: caption, Hashtags: []string{hashtag, "fyp"}}
		out, err := rt.Tag(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Products) != 2 {
			t.Fatalf("%d results for 2 titles", len(out.Products))
		}
		for i, r := range out.Products {
			checkResult(t, l, b.Titles[i], r)
		}
		again, _ := rt.Tag(context.Background(), b)
		if !reflect.DeepEqual(out, again) {
			t.Fatalf("not deterministic:\n%+v\n%+v", out, again)
		}
	})
}
