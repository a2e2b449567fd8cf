package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/buylink/buylink/services/caption-parser/internal/openaitest"
)

const ownLabeled = "../../testdata/captions/priced-a.jsonl"

func TestScoresALabeledCorpusByPartAndLanguage(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{ownLabeled}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"== priced-a.jsonl: 40 labeled captions, parser rules",
		"hold-out: every 3rd caption by id (13 captions; its misses are never listed); languages as the rules guess them",
		"precision", "gate recall", "errors, tuned: price", "errors, hold-out: price", "F1: tuned ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, re := range []string{`(?m)^\s+tuned\s+all\s+27\s`, `(?m)^\s+hold-out\s+all\s+13\s`, `(?m)^\s+all\s+all\s+40\s`, `(?m)^\s+tuned\s+en\s`} {
		if !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("no row matching %s:\n%s", re, s)
		}
	}
}

func TestVerboseListsTheTunedPartsMissesOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "labels.jsonl")
	// Sorted by id, c is third: the hold-out.
	if err := os.WriteFile(path, []byte(`{"id":"a","caption":"our mug is $12 at mugs.com","products":[{"title":"Mug","price_minor":1300,"currency":"USD","buy_url":"https://mugs.com","discount_code":null}],"notes":""}
{"id":"b","caption":"our cup is $5, tap the orange cart","products":[],"notes":""}
{"id":"c","caption":"our bowl is $9 at bowls.com","products":[{"title":"Bowl","price_minor":900,"currency":"EUR","buy_url":"https://bowls.com","discount_code":null}],"notes":""}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "labels.sources.tsv"), []byte("id\tlang\na\ten\nb\ten\nc\tfr\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"-v", path}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"miss a price", `got 1200 USD, want 1300 USD`, "miss b false positive", "languages from labels.sources.tsv", "errors, hold-out: price 1,"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "miss c") {
		t.Errorf("a hold-out miss is listed:\n%s", s)
	}
	if !regexp.MustCompile(`(?m)^\s+hold-out\s+fr\s+1\s`).MatchString(s) {
		t.Errorf("no hold-out row for fr:\n%s", s)
	}
	// -tuned-only neither scores nor shows the hold-out.
	out.Reset()
	if err := run([]string{"-tuned-only", "-v", path}, &out); err != nil {
		t.Fatal(err)
	}
	s = out.String()
	if !strings.Contains(s, "miss a price") || !strings.Contains(s, "F1: tuned ") {
		t.Errorf("-tuned-only lacks the tuned part:\n%s", s)
	}
	if regexp.MustCompile(`(?m)^\s+(hold-out|all)\s`).MatchString(s) || strings.Contains(s, "errors, hold-out") || strings.Contains(s, "hold-out 0") {
		t.Errorf("-tuned-only shows the hold-out:\n%s", s)
	}
}

func TestUnlabeledShare(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"../../testdata/captions/negatives.jsonl"}, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`110 unlabeled captions, parser rules\ngiven products: \d+ \(\d+\.\d\d%\); sent to the LLM by the gate: \d+`).MatchString(out.String()) {
		t.Errorf("output %s", out.String())
	}
}

func TestBadArguments(t *testing.T) {
	t.Setenv("OPENROUTER_API_KEY", "")
	t.Setenv("LLM_BASE_URL", "")
	for name, args := range map[string][]string{
		"no corpus":    {},
		"bad flag":     {"-nope", ownLabeled},
		"bad parser":   {"-parser", "magic", ownLabeled},
		"llm, no key":  {"-parser", "llm", ownLabeled},
		"bad -j":       {"-parser", "llm", "-j", "0", ownLabeled},
		"missing file": {"/nonexistent.jsonl"},
	} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestLLMParserAgainstAnOpenAICompatibleServer runs -parser llm end to end
// against a fake OpenAI-compatible API: every caption the gate sends is
// asked once, then served from the -cache directory; the answer is
// validated against the caption (the link it names is not in the caption).
func TestLLMParserAgainstAnOpenAICompatibleServer(t *testing.T) {
	srv := openaitest.New(t, `{"products":[{"title":"Mug","price":12,"compare_at_price":null,"currency":"USD","buy_url":"https://elsewhere.example","discount_code":null,"offer_ends_at":null,"confidence":0.9}]}`)
	t.Setenv("OPENROUTER_API_KEY", openaitest.Key)
	t.Setenv("LLM_BASE_URL", srv.URL)
	dir := t.TempDir()
	path := filepath.Join(dir, "labels.jsonl")
	if err := os.WriteFile(path, []byte(`{"id":"a","caption":"our mug is $12 at mugs.com","products":[{"title":"Mug","price_minor":1200,"currency":"USD","buy_url":"https://mugs.com","discount_code":null}],"notes":""}
{"id":"b","caption":"a day at the beach 🌊","products":[],"notes":""}
{"id":"c","caption":"mug $12, link in bio","products":[{"title":"Mug","price_minor":1200,"currency":"USD","buy_url":null,"discount_code":null}],"notes":""}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache")
	for range 2 {
		var out bytes.Buffer
		if err := run([]string{"-parser", "llm", "-cache", cache, "-v", path}, &out); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		for _, want := range []string{"parser llm", `miss a buy_url        "Mug": got "", want "https://mugs.com"`, "F1: tuned 1.0000, hold-out 1.0000"} {
			if !strings.Contains(s, want) {
				t.Errorf("output lacks %q:\n%s", want, s)
			}
		}
	}
	if srv.Count() != 2 {
		t.Errorf("%d requests for 2 captions the gate sends, evaluated twice with a cache", srv.Count())
	}
}

// TestLLMParserNeedsNoKeyForALocalServer: LLM_BASE_URL alone is enough,
// and the model's answer (no products) is what is scored.
func TestLLMParserNeedsNoKeyForALocalServer(t *testing.T) {
	srv := openaitest.New(t, `{"products":[]}`)
	srv.AcceptAnyKey()
	t.Setenv("OPENROUTER_API_KEY", "")
	t.Setenv("LLM_BASE_URL", srv.URL)
	path := filepath.Join(t.TempDir(), "labels.jsonl")
	if err := os.WriteFile(path, []byte(`{"id":"a","caption":"our mug is $12 at mugs.com","products":[{"title":"Mug","price_minor":1200,"currency":"USD","buy_url":"https://mugs.com","discount_code":null}],"notes":""}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"-parser", "llm", path}, &out); err != nil {
		t.Fatal(err)
	}
	if srv.Count() != 1 || !regexp.MustCompile(`(?m)^\s+all\s+all\s+1\s+1\s+1\s+0\s`).MatchString(out.String()) {
		t.Errorf("%d requests:\n%s", srv.Count(), out.String())
	}
}
