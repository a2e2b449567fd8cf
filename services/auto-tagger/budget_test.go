package autotagger_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/quota"
	autotagger "github.com/buylink/buylink/services/auto-tagger"
)

// Past a seller's daily LLM budget the rules tag its products and the event
// says why; the spend is what OpenRouter reported each call cost.
func TestLLMBudgetSpentFallsBackToRulesWithANote(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		answer := `{"products":[{"index":0,"category":"kitchen/drinkware","category_confidence":0.93,"tags":[{"name":"tumblers","confidence":0.95}]}]}`
		body, _ := json.Marshal(map[string]any{
			"id": "gen-1", "object": "chat.completion", "created": 1, "model": req.Model, "provider": "Fake",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": answer}}},
			"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140, "cost": 0.00006},
		})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	t.Setenv("OPENROUTER_API_KEY", "test-key")
	t.Setenv("LLM_BASE_URL", srv.URL)
	t.Setenv("LLM_CACHE_URL", "")
	cfg, closeCache, err := autotagger.ConfigFromEnv(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = closeCache() }()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	// Each call costs 60 micro-dollars: two fit a budget of 100.
	cfg.Budget = &quota.Budget{Counters: st, SellerMicroUSD: 100, TotalMicroUSD: quota.Unlimited}
	s, rec := newService(t, cfg)
	var notes, taggers []string
	for _, title := range []string{"Stainless steel tumbler 40oz", "Insulated tumbler with straw", "Travel tumbler 20oz"} {
		in := captionParsed(t, events.CaptionParsed{Parser: "rules", Products: []events.ParsedProduct{{Index: 0, Title: title}}})
		if err := s.Handle(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		pt := tagged(t, rec, in)
		rec.envs = nil
		notes, taggers = append(notes, pt.Note), append(taggers, pt.Tagger)
		if len(pt.Products) != 1 || pt.Products[0].Category == "" {
			t.Fatalf("%q was not tagged: %+v", title, pt)
		}
	}
	if calls.Load() != 2 || taggers[0] != "llm" || taggers[1] != "llm" || taggers[2] != "rules" {
		t.Fatalf("%d model calls, taggers %v; want 2 calls, llm, llm, rules", calls.Load(), taggers)
	}
	if notes[0] != "" || notes[1] != "" || !strings.Contains(notes[2], "LLM budget per day of seller @bella.shop used up") {
		t.Fatalf("notes %q", notes)
	}
	if s.Stats().OverBudget != 1 {
		t.Errorf("stats %+v", s.Stats())
	}
}
