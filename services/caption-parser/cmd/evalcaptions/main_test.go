package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/buylink/buylink/services/caption-parser/internal/openaitest"
)

func TestRulesMeetTheTargetsOnTheLabeledCaptions(t *testing.T) {
	var out bytes.Buffer
	labels := "../../testdata/captions/priced-a.jsonl"
	if err := run([]string{"-labels", labels, "-v"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "F1=") {
		t.Fatalf("last line %q, want F1=<value>", last)
	}
	f1, err := strconv.ParseFloat(strings.TrimPrefix(last, "F1="), 64)
	if err != nil || f1 < 0.85 {
		t.Errorf("F1 %v (%v), want at least 0.85\n%s", f1, err, out.String())
	}
	for _, want := range []string{"precision=", "recall=", "field accuracy=", "false-positive rate on negatives="} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	var acc float64
	for _, l := range lines {
		if strings.HasPrefix(l, "field accuracy=") {
			acc, _ = strconv.ParseFloat(strings.Fields(strings.TrimPrefix(l, "field accuracy="))[0], 64)
		}
	}
	if acc < 0.85 {
		t.Errorf("field accuracy %v, want at least 0.85", acc)
	}
}

func TestVerboseListsMisses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "labels.jsonl")
	_ = os.WriteFile(path, []byte(`{"id":"a","caption":"our mug is $12 at mugs.com","products":[{"title":"Mug","price_minor":1300,"currency":"USD","buy_url":"https://mugs.com","discount_code":null}],"notes":""}
{"id":"b","caption":"our cup is $5, tap the orange cart","products":[],"notes":""}
`), 0o644)
	var out bytes.Buffer
	if err := run([]string{"-labels", path, "-v"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"miss a price", `got 1200 USD, want 1300 USD`, "miss b false positive", "F1=0.6667"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestUnlabeledShare(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-unlabeled", "../../testdata/captions/negatives.jsonl"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "of 110 captions given products") {
		t.Errorf("output %s", out.String())
	}
}

func TestBadFlags(t *testing.T) {
	t.Setenv("OPENROUTER_API_KEY", "")
	labels := "../../testdata/captions/priced-a.jsonl"
	for name, args := range map[string][]string{
		"no labels":    {},
		"bad parser":   {"-labels", labels, "-parser", "magic"},
		"llm, no key":  {"-labels", labels, "-parser", "llm"},
		"missing file": {"-labels", "/nonexistent.jsonl"},
	} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestLLMParserAgainstAFakeOpenRouter runs -parser llm end to end: every
// caption is asked once (then served from the -cache directory).
func TestLLMParserAgainstAFakeOpenRouter(t *testing.T) {
	srv := openaitest.New(t, `{"products":[]}`)
	t.Setenv("OPENROUTER_API_KEY", openaitest.Key)
	t.Setenv("LLM_BASE_URL", srv.URL)
	labels := "../../testdata/captions/priced-a.jsonl"
	cache := t.TempDir()
	for range 2 {
		var out bytes.Buffer
		if err := run([]string{"-labels", labels, "-parser", "llm", "-cache", cache}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "parser: llm") || !strings.Contains(out.String(), "predicted 0") {
			t.Errorf("output %s", out.String())
		}
	}
	if srv.Count() != 40 {
		t.Errorf("%d calls for 40 captions evaluated twice with a cache", srv.Count())
	}
}
