package captionparser_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/quota"
	"github.com/buylink/buylink/services/caption-parser/captionparser"
)

// Past a seller's daily LLM budget the rules read its captions, the event
// says why, and other sellers still get the LLM; the spend is what the API
// reported each call cost.
func TestLLMBudgetSpentFallsBackToRulesWithANote(t *testing.T) {
	or, cfg := newOpenRouter(t, serumAnswer)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	// The fake API's answers cost $0.0000618 (62 micro-dollars): two
	// calls fit a budget of 100 micro-dollars, a third does not.
	budget := &quota.Budget{Counters: st, SellerMicroUSD: 100, TotalMicroUSD: quota.Unlimited}
	pub := &recorder{}
	p, err := captionparser.New(captionparser.Config{LLM: cfg, Logger: quiet(), Budget: budget}, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	for _, c := range []string{
		"the glow serum I swear by ✨ $38 at glow.co/serum with code GLOW10",
		"glow serum restock!! $38 link in bio",
		"glow serum again, $38 at glow.co/serum",
	} {
		if err := p.Handle(context.Background(), videoPosted(t, c)); err != nil {
			t.Fatal(err)
		}
	}
	cps := pub.parsed(t)
	if or.Count() != 2 || len(cps) != 3 {
		t.Fatalf("%d LLM requests and %d events; want 2 and 3", or.Count(), len(cps))
	}
	for i, cp := range cps[:2] {
		if cp.Parser != "llm" || cp.Note != "" {
			t.Errorf("event %d within budget: parser %q note %q", i, cp.Parser, cp.Note)
		}
	}
	last := cps[2]
	if last.Parser != "rules" || !strings.Contains(last.Note, "LLM budget per day of seller @bella.shop used up") || len(last.Products) == 0 {
		t.Fatalf("over budget: parser %q note %q products %d", last.Parser, last.Note, len(last.Products))
	}
	if s := p.Stats(); s.OverBudget != 1 || s.ByLLM != 2 || s.ByRules != 1 {
		t.Errorf("stats %+v", s)
	}
	// The total counter holds the same spend; a budget of 0 is rules only.
	zero := &quota.Budget{Counters: st, SellerMicroUSD: quota.Unlimited, TotalMicroUSD: 0}
	p0, err := captionparser.New(captionparser.Config{LLM: cfg, Logger: quiet(), Budget: zero}, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p0.Close() }()
	if err := p0.Handle(context.Background(), videoPosted(t, "new serum, $40 at glow.co/new")); err != nil {
		t.Fatal(err)
	}
	if cps := pub.parsed(t); or.Count() != 2 || !strings.Contains(cps[len(cps)-1].Note, "all sellers") {
		t.Fatalf("a total budget of 0: %d requests, note %q", or.Count(), cps[len(cps)-1].Note)
	}
}

// Bad budgets, or an LLM key without a store to count the spend in, stop
// the worker at start-up with the variable's name.
func TestBudgetConfigErrors(t *testing.T) {
	t.Setenv("OPENROUTER_API_KEY", "test-key")
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	deps := func(env map[string]string, store catalog.Store) host.Deps {
		return host.Deps{Env: deploy.LocalEnv(deploy.MustGet(deploy.CaptionParser), func(k string) string { return env[k] }),
			Store: store, Log: quiet(), Metrics: metrics.New(captionparser.Name), Publisher: &recorder{}}
	}
	for name, val := range map[string]string{"LLM_BUDGET_SELLER_USD_PER_DAY": "-1", "LLM_BUDGET_TOTAL_USD_PER_DAY": "lots"} {
		_, err := captionparser.Component(t.Context(), deps(map[string]string{name: val}, st))
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), val) {
			t.Errorf("%s=%s: want an error naming both, got %v", name, val, err)
		}
	}
	if _, err := captionparser.Component(t.Context(), deps(nil, nil)); err == nil || !strings.Contains(err.Error(), "STORE_URL") {
		t.Errorf("an LLM key without a store: %v", err)
	}
	c, err := captionparser.Component(t.Context(), deps(map[string]string{"LLM_BUDGET_SELLER_USD_PER_DAY": "2.50"}, st))
	if err != nil {
		t.Fatalf("a good budget: %v", err)
	}
	_ = c.Close()
}
