// Command evalcaptions measures the caption parser on corpora of captions,
// scored as package eval defines.
//
//	evalcaptions [-parser rules|llm] [-v] [-tuned-only] [-cache DIR] [-j N] FILE...
//
// Each FILE is labeled (JSON lines with "id", "caption" and "products") or
// unlabeled (JSON lines with "text", as a TikTok scrape gives them). For a
// labeled corpus it prints product precision, recall and F1, field accuracy,
// the errors of each field, false positives on the negatives and the LLM
// gate's recall (the share of offers the gate would send to the model), for
// the tuned part and the hold-out (every third caption by id, see
// eval.Split) separately, and per language: from <name>.sources.tsv beside
// the corpus when there is one (columns id and lang), else as the rules
// guess it. -v lists the misses of the tuned part; the hold-out's are never
// listed, so that no one tunes on them; -tuned-only does not even parse or
// score the hold-out, for the day-to-day work on the rules, so that the
// hold-out's score is looked at only now and then. For an unlabeled corpus it prints the
// share of captions given products and the share the gate sends.
//
// -parser llm measures what the worker does with an LLM: the gate, the
// model through any OpenAI-compatible API (LLM_BASE_URL, default
// OpenRouter; OPENROUTER_API_KEY, which a local server such as llama.cpp's
// or Ollama's does not need; LLM_MODEL and the other LLM_* variables), the
// validation of its answers and the rules' fallback. -cache DIR keeps its
// answers so that reruns cost nothing; -j runs that many requests at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/buylink/buylink/pkg/corpus"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/services/caption-parser/captionparser"
	"github.com/buylink/buylink/services/caption-parser/eval"
	"github.com/buylink/buylink/services/caption-parser/rules"
)

// postedAt is the posting time given to labeled captions, which have none.
var postedAt = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "evalcaptions:", err)
		os.Exit(2)
	}
}

// parser reads one caption; its error is a failure of the LLM.
type parser func(ctx context.Context, in rules.Input) ([]events.ParsedProduct, error)

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("evalcaptions", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("parser", "rules", "the parser to measure: rules, or llm (the worker's gate, model and fallback)")
	verbose := fs.Bool("v", false, "list the misses of the tuned part (and the captions of unlabeled corpora given products)")
	tunedOnly := fs.Bool("tuned-only", false, "score the tuned part of labeled corpora only (the hold-out is neither parsed nor scored)")
	cacheDir := fs.String("cache", "", "with -parser llm: a directory to keep the model's answers in")
	jobs := fs.Int("j", 4, "with -parser llm: requests at once")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (usage: evalcaptions [-parser rules|llm] [-v] [-tuned-only] [-cache DIR] [-j N] FILE...)", err)
	}
	if fs.NArg() == 0 {
		return errors.New("no corpus given (usage: evalcaptions [-parser rules|llm] [-v] [-tuned-only] [-cache DIR] [-j N] FILE...)")
	}
	if *jobs < 1 || *jobs > 64 {
		return fmt.Errorf("-j must be in 1..64 (got %d)", *jobs)
	}
	corpora := make([]eval.Corpus, 0, fs.NArg())
	for _, path := range fs.Args() {
		c, err := eval.Open(path)
		if err != nil {
			return err
		}
		corpora = append(corpora, c)
	}
	parse, closeFn, err := newParser(*name, *cacheDir)
	if err != nil {
		return err
	}
	defer closeFn()
	workers := 1
	if *name == "llm" {
		workers = *jobs
	}
	ctx := context.Background()
	for _, c := range corpora {
		var b strings.Builder
		if c.Labeled != nil {
			reportLabeled(ctx, &b, c, parse, workers, *name, *verbose, *tunedOnly)
		} else {
			reportUnlabeled(ctx, &b, c, parse, workers, *name, *verbose)
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// newParser returns the parser called name.
func newParser(name, cacheDir string) (parser, func(), error) {
	switch name {
	case "rules":
		return func(_ context.Context, in rules.Input) ([]events.ParsedProduct, error) { return rules.Parse(in), nil }, func() {}, nil
	case "llm":
	default:
		return nil, nil, fmt.Errorf("-parser must be rules or llm (got %q)", name)
	}
	cfg, err := llm.ConfigFromEnv()
	if err != nil {
		return nil, nil, err
	}
	if !cfg.Enabled() {
		if os.Getenv("LLM_BASE_URL") == "" {
			return nil, nil, errors.New("-parser llm needs OPENROUTER_API_KEY, or LLM_BASE_URL naming a local OpenAI-compatible server")
		}
		cfg.APIKey = "none" // a local server takes any key
	}
	pc := captionparser.Config{LLM: cfg, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if cacheDir != "" {
		abs, err := filepath.Abs(cacheDir)
		if err != nil {
			return nil, nil, err
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return nil, nil, err
		}
		pc.CacheURL = "file://" + filepath.ToSlash(abs)
	}
	p, err := captionparser.New(pc, discard{})
	if err != nil {
		return nil, nil, err
	}
	return func(ctx context.Context, in rules.Input) ([]events.ParsedProduct, error) {
		out, err := p.Parse(ctx, in)
		return out.Products, err
	}, func() { _ = p.Close() }, nil
}

// discard is a publisher for a parser that never publishes.
type discard struct{}

func (discard) Publish(context.Context, events.Envelope) error { return nil }

// parseAll parses the inputs with n workers, keeping their order, and tells
// which of them the LLM gate sends.
func parseAll(ctx context.Context, inputs []rules.Input, parse parser, n int) []eval.Result {
	out := make([]eval.Result, len(inputs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ps, err := parse(ctx, inputs[i])
				out[i] = eval.Result{Products: ps, Err: err, Sent: rules.Analyze(inputs[i]).Commerce}
			}
		}()
	}
	for i := range inputs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// part is the scores of one part of a corpus, overall and per language.
type part struct {
	name   string
	all    eval.Report
	byLang map[string]*eval.Report
}

// reportLabeled scores a labeled corpus by part and by language.
// With tunedOnly the hold-out is left out.
func reportLabeled(ctx context.Context, b *strings.Builder, c eval.Corpus, parse parser, workers int, name string, verbose, tunedOnly bool) {
	tuned, holdout := eval.Split(c.Labeled)
	langSource := "as the rules guess them"
	if c.Langs != nil {
		langSource = "from " + filepath.Base(strings.TrimSuffix(c.Path, ".jsonl")+".sources.tsv")
	}
	fmt.Fprintf(b, "== %s: %d labeled captions, parser %s\n", filepath.Base(c.Path), len(c.Labeled), name)
	fmt.Fprintf(b, "hold-out: every %s caption by id (%d captions; its misses are never listed); languages %s\n",
		ordinal(corpus.HoldoutEvery), len(holdout), langSource)
	parts := []*part{{name: "tuned"}, {name: "hold-out"}, {name: "all"}}
	if tunedOnly {
		fmt.Fprintln(b, "-tuned-only: the hold-out is neither parsed nor scored")
		holdout = nil
	}
	for k, cases := range [][]eval.Case{tuned, holdout} {
		inputs := make([]rules.Input, len(cases))
		for i, lc := range cases {
			inputs[i] = rules.Input{Text: lc.Caption, PostedAt: postedAt}
		}
		for i, res := range parseAll(ctx, inputs, parse, workers) {
			lang := c.Langs[cases[i].ID]
			if c.Langs == nil {
				lang = rules.Language(cases[i].Caption)
			}
			if lang == "" {
				lang = "?"
			}
			for _, p := range []*part{parts[k], parts[2]} {
				p.all.Add(cases[i], res)
				if p.byLang == nil {
					p.byLang = map[string]*eval.Report{}
				}
				if p.byLang[lang] == nil {
					p.byLang[lang] = &eval.Report{}
				}
				p.byLang[lang].Add(cases[i], res)
			}
		}
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "part\tlang\tcaptions\toffers\tproducts\tpredicted\tmatched\tprecision\trecall\tF1\tfield acc\tFP/negatives\tgate recall\tgate sends/negatives\t")
	shown := parts
	if tunedOnly {
		shown = parts[:1]
	}
	for _, p := range shown {
		row(tw, p.name, "all", &p.all)
		if p.name == "all" {
			continue
		}
		for _, l := range sortedLangs(p.byLang) {
			row(tw, p.name, l, p.byLang[l])
		}
	}
	_ = tw.Flush()
	for _, p := range shown[:min(len(shown), 2)] {
		r := &p.all
		fmt.Fprintf(b, "errors, %s: price %d, buy_url %d, discount_code %d of %d matched; missed %d, spurious %d, false positives %d, parser failures %d\n",
			p.name, r.PriceErrors, r.URLErrors, r.CodeErrors, r.Matched, r.Missed, r.Spurious, r.FalsePositives, r.Errors)
	}
	if verbose {
		for _, m := range parts[0].all.Misses {
			fmt.Fprintf(b, "miss %s %-14s %s\n", m.CaseID, m.Kind, m.Detail)
		}
	}
	if tunedOnly {
		fmt.Fprintf(b, "F1 (titles by overlap coefficient, the lenient reading): tuned %.4f\nF1: tuned %.4f\n\n", parts[0].all.F1ByOverlap(), parts[0].all.F1())
		return
	}
	fmt.Fprintf(b, "F1 (titles by overlap coefficient, the lenient reading): tuned %.4f, hold-out %.4f, all %.4f\n",
		parts[0].all.F1ByOverlap(), parts[1].all.F1ByOverlap(), parts[2].all.F1ByOverlap())
	fmt.Fprintf(b, "F1: tuned %.4f, hold-out %.4f, all %.4f\n\n", parts[0].all.F1(), parts[1].all.F1(), parts[2].all.F1())
}

func row(w io.Writer, part, lang string, r *eval.Report) {
	fields := "-"
	if r.Matched > 0 {
		fields = fmt.Sprintf("%.3f", r.FieldAccuracy())
	}
	fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%s\t%d/%d\t%.3f\t%d/%d\t\n",
		part, lang, r.Captions, r.Offers, r.Labeled, r.Predicted, r.Matched, r.Precision(), r.Recall(), r.F1(),
		fields, r.FalsePositives, r.Negatives, r.GateRecall(), r.NegativesSent, r.Negatives)
}

// sortedLangs orders languages by their number of captions, then by name.
func sortedLangs(m map[string]*eval.Report) []string {
	langs := make([]string, 0, len(m))
	for l := range m {
		langs = append(langs, l)
	}
	sort.Slice(langs, func(i, j int) bool {
		if m[langs[i]].Captions != m[langs[j]].Captions {
			return m[langs[i]].Captions > m[langs[j]].Captions
		}
		return langs[i] < langs[j]
	})
	return langs
}

func ordinal(n int) string {
	switch n {
	case 2:
		return "2nd"
	case 3:
		return "3rd"
	}
	return fmt.Sprintf("%dth", n)
}

// reportUnlabeled parses unlabeled captions: the share given products and
// the share the gate sends.
func reportUnlabeled(ctx context.Context, b *strings.Builder, c eval.Corpus, parse parser, workers int, name string, verbose bool) {
	inputs := make([]rules.Input, len(c.Unlabeled))
	for i, u := range c.Unlabeled {
		inputs[i] = rules.Input{Text: u.Text, PostedAt: u.PostedAt}
	}
	given, sent, failed := 0, 0, 0
	for i, res := range parseAll(ctx, inputs, parse, workers) {
		if res.Sent {
			sent++
		}
		if res.Err != nil {
			failed++
			fmt.Fprintf(b, "failed %s: %v\n", c.Unlabeled[i].ID, res.Err)
			continue
		}
		if len(res.Products) == 0 {
			continue
		}
		given++
		if verbose {
			fmt.Fprintf(b, "given products %s %q\n", c.Unlabeled[i].ID, c.Unlabeled[i].Text)
			for _, p := range res.Products {
				fmt.Fprintf(b, "  -> %s\n", describe(p))
			}
		}
	}
	n := len(inputs)
	fmt.Fprintf(b, "== %s: %d unlabeled captions, parser %s\n", filepath.Base(c.Path), n, name)
	fmt.Fprintf(b, "given products: %d (%.2f%%); sent to the LLM by the gate: %d (%.2f%%); parser failures: %d\n\n",
		given, 100*float64(given)/float64(n), sent, 100*float64(sent)/float64(n), failed)
}

func describe(p events.ParsedProduct) string {
	s := fmt.Sprintf("%q", p.Title)
	if p.PriceMinor != nil {
		s += fmt.Sprintf(" %d %s", *p.PriceMinor, p.Currency)
	}
	if p.BuyURL != "" {
		s += " " + p.BuyURL
	}
	if p.DiscountCode != "" {
		s += " code " + p.DiscountCode
	}
	return s
}
