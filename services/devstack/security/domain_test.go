package security

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Domain validation (issue 13, item 8, fixed): test and no-currency codes,
// offer ends in year 1 or 9999, and invisible or direction-changing
// characters in titles, through the seller API. pkg/catalog's
// TestAttackNonCurrencies, TestAttackOfferEnds and TestAttackInvisibleText
// cover the rules themselves.
func TestAttackDomainInput(t *testing.T) {
	s := startStack(t)
	sl := s.newSeller(t, "own.shop")
	before := s.ownState(t, sl)
	refusals := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"currency XXX", map[string]any{"title": "Mug", "priceMinor": 100, "currency": "XXX"}, "currency"},
		{"currency XTS", map[string]any{"title": "Mug", "priceMinor": 100, "currency": "XTS"}, "currency"},
		{"currency XAU", map[string]any{"title": "Mug", "priceMinor": 100, "currency": "XAU"}, "currency"},
		{"withdrawn currency DEM", map[string]any{"title": "Mug", "priceMinor": 100, "currency": "DEM"}, "currency"},
		{"offer ending in year 1", map[string]any{"title": "Mug", "offerEndsAt": "0001-01-01T00:00:00Z"}, "offerEndsAt"},
		{"offer ending in year 9999", map[string]any{"title": "Mug", "offerEndsAt": "9999-12-31T23:59:59Z"}, "offerEndsAt"},
		{"title of invisible characters only", map[string]any{"title": "\u200b\u202e\u2066\ufeff"}, "title"},
	}
	for _, r := range refusals {
		a := s.json(t, "POST", "/api/seller/products", sl.token, r.body)
		try(t, "domain input", r.name, a.status == http.StatusBadRequest && strings.HasPrefix(a.message(), r.field+":"), "%s", a)
	}
	if after := s.ownState(t, sl); after != before {
		t.Fatalf("refused products were stored:\nbefore %s\nafter  %s", before, after)
	}
	// A bidi override is refused where a seller types it; zero-width
	// characters are stripped from what is kept.
	a := s.json(t, "POST", "/api/seller/products", sl.token, map[string]any{"title": "Glow serum \u202egnp.exe"})
	try(t, "domain input", "bidi override in a title", a.status == http.StatusBadRequest && strings.Contains(a.message(), "bidirectional"), "%s", a)
	p := decode[struct{ ID, Title string }](t, s.json(t, "POST", "/api/seller/products", sl.token, map[string]any{
		"title": "Mug\u200b blue\ufeff", "offerEndsAt": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}), 201)
	try(t, "domain input", "zero-width characters in a title", p.Title == "Mug blue", "stored %q", p.Title)
}
