// Package productcheck states the contract every parser's products keep,
// for the fuzz tests of both parsers.
package productcheck

import (
	"errors"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

// MaxProducts is the most products a caption may yield.
const MaxProducts = 20

// Check returns what is wrong with products read from a caption, or nil:
// indexes 0, 1, 2, ...; a clean, bounded title; a positive, plausible price
// with an ISO 4217 currency; a compare-at price above it; a public buy URL
// written in the caption; a discount code that is a word of the caption; a
// confidence in [0, 1].
func Check(caption string, ps []events.ParsedProduct) error {
	if len(ps) > MaxProducts {
		return errors.New("too many products")
	}
	for i, p := range ps {
		switch {
		case p.Index != i:
			return errors.New("indexes do not count up from 0")
		case strings.TrimSpace(p.Title) == "" || !utf8.ValidString(p.Title) || utf8.RuneCountInString(p.Title) > catalog.MaxTitleRunes:
			return errors.New("title empty, not UTF-8 or too long")
		case strings.ContainsFunc(p.Title, unicode.IsControl):
			return errors.New("title holds control characters")
		case p.PriceMinor != nil && (*p.PriceMinor <= 0 || *p.PriceMinor > catalog.MaxPriceMinor):
			return errors.New("price not positive or implausible")
		case (p.PriceMinor != nil) != (p.Currency != ""):
			return errors.New("a price needs a currency and a currency a price")
		case p.Currency != "" && catalog.ValidateCurrency("currency", p.Currency) != nil:
			return errors.New("currency not ISO 4217")
		case p.CompareAtMinor != nil && (p.PriceMinor == nil || *p.CompareAtMinor <= *p.PriceMinor):
			return errors.New("compare-at price not above the price")
		case p.BuyURL != "" && catalog.ValidatePublicURL("buyUrl", p.BuyURL) != nil:
			return errors.New("buy URL not a public http(s) URL")
		case p.BuyURL != "" && !strings.Contains(strings.ToLower(caption), strings.ToLower(hostAndPath(p.BuyURL))):
			return errors.New("buy URL not written in the caption")
		case p.DiscountCode != "" && (!strings.Contains(caption, p.DiscountCode) || strings.ContainsFunc(p.DiscountCode, unicode.IsSpace) || utf8.RuneCountInString(p.DiscountCode) > catalog.MaxCodeRunes):
			return errors.New("discount code not a word of the caption")
		case math.IsNaN(p.Confidence) || p.Confidence < 0 || p.Confidence > 1:
			return errors.New("confidence outside [0,1]")
		}
	}
	return nil
}

// hostAndPath strips the scheme and "www." a parser may have added or
// normalised, keeping what the caption must contain.
func hostAndPath(u string) string {
	for _, p := range []string{"https://", "http://", "HTTPS://", "HTTP://"} {
		u = strings.TrimPrefix(u, p)
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return strings.TrimPrefix(strings.TrimSuffix(u, "/"), "www.")
}
