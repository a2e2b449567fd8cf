package rules

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/buylink/buylink/pkg/taxonomy"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// entry is one concept of the lexicon as written in the lexicon_*.go files:
// a product kind (c and t set), a category's own words (c set, t empty: they
// add evidence for the category and no tag), or an attribute (g and t set).
//
// Each language field is a comma-separated list of terms; xx lists terms of
// every language (international words, hashtags). A term is matched as a
// sequence of folded words (lower case, accents removed), so "crème
// hydratante" also matches "CREME HYDRATANTE". Prefixes and suffixes:
//
//	~term       a weak term (ambiguous or generic): strength weakStrength
//	!term       a dominant term: in a title it counts as much as the head
//	            noun wherever it stands ("dog" in "bed for dogs")
//	^term       an opaque kind phrase: attribute words inside it are part of
//	            the name, not properties ("white noise machine")
//	term=tag    the term adds tag instead of the entry's t
//	=term       the term adds itself (normalised) as its tag
type entry struct {
	c, t, g                            string
	en, es, pt, fr, de, id, vi, th, xx string
}

// lang is a set of languages.
type lang uint8

// The languages of the lexicon: the caption parser's. Indonesian terms
// serve Malay too; Vietnamese terms are folded to ASCII like the titles
// ("áo khoác" matches "ao khoac" and #aokhoac).
const (
	langEN lang = 1 << iota
	langES
	langPT
	langFR
	langDE
	langID
	langVI
	langTH

	allLangs = langEN | langES | langPT | langFR | langDE | langID | langVI | langTH
	// coreLangs must name every category (TestLexiconCoversEveryCategoryInEveryLanguage).
	coreLangs = langEN | langES | langPT | langFR | langDE | langID
	// headFirst languages put the head noun first ("organizador de
	// maquillaje", "rak sepatu", "áo khoác nữ", "ครีมกันแดด"); English and
	// German put it last.
	headFirst = langES | langPT | langFR | langID | langVI | langTH
)

var langNames = []string{"en", "es", "pt", "fr", "de", "id", "vi", "th"}

// String lists the languages ("en+fr").
func (l lang) String() string {
	var names []string
	for i, n := range langNames {
		if l&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, "+")
}

func (l lang) count() int { return bits.OnesCount8(uint8(l)) }

// Concept groups besides the taxonomy's attribute groups.
const (
	groupKind     = "kind"
	groupCategory = "category"
	// groupNoise phrases say nothing about a product ("link in bio"); they
	// are matched only so that their words count for nothing else.
	groupNoise = "noise"
)

const weakStrength = 0.7

// term is one matchable phrase.
type term struct {
	words []string
	// category is the category the term is evidence for ("" for attributes).
	category string
	group    string
	// tag is the tag the term adds ("" for a category's own words).
	tag      string
	strength float64
	dominant bool
	opaque   bool
	langs    lang
	// order is the term's position in the lexicon, for deterministic ties.
	order int
}

// index finds terms by their words.
type index struct {
	// byFirst maps a term's first word to its terms, longest first.
	byFirst map[string][]*term
	// joined maps a term's words written together ("vanitymirror") to its
	// terms, for hashtags.
	joined map[string][]*term
}

func (ix *index) add(t *term) {
	ix.byFirst[t.words[0]] = append(ix.byFirst[t.words[0]], t)
	j := strings.Join(t.words, "")
	ix.joined[j] = append(ix.joined[j], t)
}

// lexicon holds the terms in two indexes: product kinds and category words
// in one, attributes in the other. Each text is matched against both
// separately, so a kind phrase never hides an attribute ("leather belt" is a
// belt and leather).
type lexicon struct {
	terms      []*term
	products   index
	attributes index
}

// newLexicon parses and checks entries.
func newLexicon(entries []entry) (*lexicon, error) {
	newIndex := func() index { return index{byFirst: map[string][]*term{}, joined: map[string][]*term{}} }
	lx := &lexicon{products: newIndex(), attributes: newIndex()}
	type key struct {
		words, category, group, tag string
	}
	seen := map[key]*term{}
	for ei, e := range entries {
		group := e.g
		switch {
		case e.g == groupNoise:
			if e.c != "" || e.t != "" {
				return nil, fmt.Errorf("entry %d: a noise entry has neither category nor tag", ei)
			}
		case e.g != "":
			if e.c != "" || !slices.Contains(taxonomy.AttributeGroups(), e.g) {
				return nil, fmt.Errorf("entry %d (%q): unknown attribute group %q or category set on an attribute", ei, e.t, e.g)
			}
			if e.t == "" {
				return nil, fmt.Errorf("entry %d: attribute without a tag", ei)
			}
		case e.c == "":
			return nil, fmt.Errorf("entry %d (%q): neither a category nor an attribute group", ei, e.t)
		default:
			if _, ok := taxonomy.Lookup(e.c); !ok {
				return nil, fmt.Errorf("entry %d (%q): unknown category %q", ei, e.t, e.c)
			}
			group = groupKind
			if e.t == "" {
				group = groupCategory
			}
		}
		if e.t != "" && tagging.Name(e.t) != e.t {
			return nil, fmt.Errorf("entry %d: tag %q is not normalised (want %q)", ei, e.t, tagging.Name(e.t))
		}
		fields := []struct {
			l    lang
			list string
		}{{langEN, e.en}, {langES, e.es}, {langPT, e.pt}, {langFR, e.fr}, {langDE, e.de}, {langID, e.id}, {langVI, e.vi}, {langTH, e.th}, {allLangs, e.xx}}
		for _, f := range fields {
			if strings.TrimSpace(f.list) == "" {
				continue
			}
			for _, raw := range strings.Split(f.list, ",") {
				t, err := parseTerm(raw, e.t)
				if err != nil {
					return nil, fmt.Errorf("entry %d (%s %q) %s: %w", ei, e.c+e.g, e.t, f.l, err)
				}
				t.category, t.group, t.langs = e.c, group, f.l
				if group == groupNoise {
					if t.tag != "" {
						return nil, fmt.Errorf("entry %d: noise term %q has a tag", ei, raw)
					}
					t.opaque = true
				}
				if t.tag != "" && group == groupCategory {
					t.group = groupKind
				}
				k := key{strings.Join(t.words, " "), t.category, t.group, t.tag}
				if old, ok := seen[k]; ok {
					old.langs |= t.langs
					old.strength = max(old.strength, t.strength)
					old.dominant = old.dominant || t.dominant
					old.opaque = old.opaque || t.opaque
					continue
				}
				t.order = len(lx.terms)
				seen[k] = t
				lx.terms = append(lx.terms, t)
			}
		}
	}
	for _, t := range lx.terms {
		if t.category == "" && t.group != groupNoise {
			lx.attributes.add(t)
		} else {
			lx.products.add(t)
		}
	}
	for _, ix := range []index{lx.products, lx.attributes} {
		for _, ts := range ix.byFirst {
			slices.SortStableFunc(ts, func(a, b *term) int { return cmp.Compare(len(b.words), len(a.words)) })
		}
	}
	return lx, nil
}

// parseTerm reads one comma-separated item: flags, the phrase, an optional
// tag override.
func parseTerm(raw, entryTag string) (*term, error) {
	s := strings.TrimSpace(raw)
	t := &term{strength: 1, tag: entryTag}
	for len(s) > 0 && (s[0] == '~' || s[0] == '!' || s[0] == '^') {
		switch s[0] {
		case '~':
			t.strength = weakStrength
		case '!':
			t.dominant = true
		default:
			t.opaque = true
		}
		s = s[1:]
	}
	phrase := s
	switch i := strings.LastIndexByte(s, '='); {
	case i == 0:
		phrase = s[1:]
		t.tag = tagging.Name(phrase)
		if t.tag == "" {
			return nil, fmt.Errorf("term %q does not make a tag", raw)
		}
	case i > 0:
		phrase = s[:i]
		t.tag = tagging.Name(s[i+1:])
		if t.tag == "" || t.tag != strings.TrimSpace(s[i+1:]) {
			return nil, fmt.Errorf("term %q: tag %q is not normalised", raw, s[i+1:])
		}
	}
	t.words = words(nil, phrase)
	if len(t.words) == 0 {
		return nil, fmt.Errorf("term %q has no words", raw)
	}
	return t, nil
}

// lexNoise are shopping and platform phrases.
var lexNoise = []entry{
	{g: groupNoise, en: "link in bio, link in my bio, in my bio, tap the orange cart, orange cart, shop now, free shipping, tiktok shop, tiktok made me buy it, book now, to book, book an appointment, book your, book via, book with us, book a", es: "link en bio, link en mi bio, envío gratis", pt: "link na bio, frete grátis", fr: "lien en bio, livraison gratuite", de: "link in bio, link im bio, kostenloser versand", id: "link di bio, gratis ongkir, keranjang kuning"},
}

// allEntries returns every entry of the lexicon.
func allEntries() []entry {
	return slices.Concat(lexApparel, lexBeauty, lexHome, lexTech, lexLeisure, lexSEA, lexStays, lexAttributes, lexNoise)
}

// lex is the lexicon the rule tagger uses.
var lex = func() *lexicon {
	lx, err := newLexicon(allEntries())
	if err != nil {
		panic("rules: invalid lexicon: " + err.Error())
	}
	return lx
}()
