package rules

import (
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/taxonomy"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// Every category can be recognised in each of the caption parser's
// languages.
func TestLexiconCoversEveryCategoryInEveryLanguage(t *testing.T) {
	seen := map[string]lang{}
	for _, tm := range lex.terms {
		if tm.category != "" {
			seen[tm.category] |= tm.langs
		}
	}
	for _, id := range taxonomy.IDs() {
		if missing := coreLangs &^ seen[id]; missing != 0 {
			t.Errorf("category %s has no term in %s", id, missing)
		}
	}
}

func TestLexiconTagsAreNormalised(t *testing.T) {
	for _, tm := range lex.terms {
		if tm.tag != "" && tagging.Name(tm.tag) != tm.tag {
			t.Errorf("term %q: tag %q is not normalised", strings.Join(tm.words, " "), tm.tag)
		}
	}
	for _, c := range taxonomy.Categories() {
		if c.Tag != "" && tagging.Name(c.Tag) != c.Tag {
			t.Errorf("category %s: tag %q is not normalised", c.ID, c.Tag)
		}
	}
}

// A one-word term must not be a common function word of any language: "thé"
// folds to "the", "lã" to "la". Attributes are matched across the whole
// text, kinds and category words in titles, captions and hashtags alike.
func TestOneWordTermsAreNotFunctionWords(t *testing.T) {
	for _, tm := range lex.terms {
		if len(tm.words) != 1 {
			continue
		}
		w := tm.words[0]
		if _, ok := functionWords[w]; ok || prepositions[w] || len(w) < 2 || len(w) < 3 && tm.category == "" {
			t.Errorf("%s %s: one-word term %q is a function word or too short", tm.category, tm.tag, w)
		}
	}
}

func TestBadEntriesAreRefused(t *testing.T) {
	bad := []entry{
		{c: "no/such", t: "x", en: "x"},
		{g: "no-such-group", t: "x", en: "x"},
		{c: "beauty/skincare", t: "Serums", en: "serum"},
		{c: "beauty/skincare", t: "serum", en: "serum=Not Normal"},
		{c: "beauty/skincare", t: "serum", en: " , "},
		{t: "x", en: "x"},
	}
	for _, e := range bad {
		if _, err := newLexicon([]entry{e}); err == nil {
			t.Errorf("entry %+v was accepted", e)
		}
	}
}
