package rules

import (
	"slices"
	"strings"

	"github.com/buylink/buylink/pkg/catalog"
)

// Facts are what a caption states, for checking another parser's output
// against it (the LLM parser's validator) and for deciding whether a caption
// is worth a paid call.
type Facts struct {
	// Links are the caption's URLs, normalised ("https://" added).
	Links []Link
	// Codes are the discount codes the rules recognise.
	Codes []string
	// Hashtags are the caption's hashtags without '#'.
	Hashtags []string
	// Commerce reports any sign of commerce: a money amount, a public
	// link, a code word, a cue of selling in any language (a cart, "link in
	// bio", a contact, a booking, a deal word) or a shop hashtag. A caption
	// without it offers nothing; one with it may (the LLM gate sends it).
	Commerce bool

	c *parse
}

// Link is one URL of a caption.
type Link struct {
	// URL is the link as written, with "https://" added when it had no scheme.
	URL string
	// Buy is false for social networks, link-in-bio pages and the seller's own links.
	Buy bool
}

// Analyze returns the facts of a caption.
func Analyze(in Input) Facts {
	c := newParse(in)
	f := Facts{Hashtags: c.hashtags, c: c}
	for _, l := range c.links {
		f.Links = append(f.Links, Link{URL: l.url, Buy: l.buy})
	}
	for _, cd := range c.codes {
		if !slices.Contains(f.Codes, cd.value) {
			f.Codes = append(f.Codes, cd.value)
		}
	}
	f.Commerce = c.maySell()
	return f
}

// FindLink returns the caption's link that raw names: the same host and path
// (scheme, "www.", host case and a trailing slash aside). ok is false when the
// caption has no such link.
func (f Facts) FindLink(raw string) (Link, bool) {
	u := NormalizeURL(strings.TrimSpace(raw))
	if u == "" {
		return Link{}, false
	}
	for _, l := range f.Links {
		if sameLink(l.URL, u) {
			return l, true
		}
	}
	return Link{}, false
}

// HasToken reports whether s is written in the caption as a whole word or
// number (a hashtag or part of a URL does not count): a discount code must
// appear as itself.
func (f Facts) HasToken(s string) bool {
	if f.c == nil || s == "" {
		return false
	}
	for _, t := range f.c.toks {
		if (t.kind == tWord || t.kind == tNum) && f.c.text[t.start:t.end] == s {
			return true
		}
	}
	return false
}

// StatesAmount reports whether the caption writes the amount, in minor units
// of the currency: as a price the rules found in that currency, or as a
// number whose value is that amount ("19,99", "Rp 150.000", "45rb", "2 for
// 30" all state their amounts).
func (f Facts) StatesAmount(minor int64, currency string) bool {
	if f.c == nil || minor <= 0 {
		return false
	}
	for _, p := range f.c.prices {
		if p.minor == minor && p.currency == currency {
			return true
		}
	}
	scale := catalog.CurrencyScale(currency)
	for _, t := range f.c.toks {
		if t.kind != tNum {
			continue
		}
		digits := f.c.text[t.start:t.numEnd]
		mult := int64(1)
		if u, ok := moneyUnits[lower(f.c.text[t.numEnd:t.end])]; ok {
			mult = u.mult
		}
		if v, ok := parseMinor(digits, scale, mult); ok && v == minor {
			return true
		}
		if mult != 1 {
			if v, ok := parseMinor(digits, scale, 1); ok && v == minor {
				return true
			}
		}
	}
	return false
}
