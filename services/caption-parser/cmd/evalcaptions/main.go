// Command evalcaptions measures a caption parser against hand-labeled
// captions, scored as ../shared/fixtures/README.md defines (see package
// eval): product precision, recall and F1, field accuracy, and the
// false-positive rate on negative captions. Its last line is F1=<value>.
//
//	go run ./services/caption-parser/cmd/evalcaptions -labels ../shared/fixtures/captions/labeled-dev.jsonl [-parser rules|llm] [-v]
//
// -parser llm needs OPENROUTER_API_KEY (and reads the other LLM_* variables);
// -cache DIR keeps its answers in a directory so reruns cost nothing.
// -unlabeled FILE also parses unlabeled captions (JSON lines with "text")
// and reports the share that yields products; with -v it lists them.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/services/caption-parser/eval"
	"github.com/buylink/buylink/services/caption-parser/llmparse"
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

// parseFunc parses one caption.
type parseFunc func(ctx context.Context, in rules.Input) ([]events.ParsedProduct, error)

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("evalcaptions", flag.ContinueOnError)
	labels := fs.String("labels", "", "labeled captions, one JSON object a line (required unless -unlabeled)")
	parser := fs.String("parser", "rules", "the parser to measure: rules or llm")
	verbose := fs.Bool("v", false, "list every miss")
	cacheDir := fs.String("cache", "", "with -parser llm: a directory to cache answers in")
	unlabeled := fs.String("unlabeled", "", "unlabeled captions (JSON lines with \"text\") to count the ones given products")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *labels == "" && *unlabeled == "" {
		return errors.New("-labels FILE is required")
	}
	parse, closeFn, err := newParser(*parser, *cacheDir)
	if err != nil {
		return err
	}
	defer closeFn()
	ctx := context.Background()
	if *unlabeled != "" {
		if err := reportUnlabeled(ctx, w, *unlabeled, parse, *verbose); err != nil {
			return err
		}
	}
	if *labels == "" {
		return nil
	}
	cases, err := eval.Load(*labels)
	if err != nil {
		return err
	}
	var r eval.Report
	for _, c := range cases {
		ps, err := parse(ctx, rules.Input{Text: c.Caption, PostedAt: postedAt})
		r.Add(c, ps, err)
	}
	var b strings.Builder
	if *verbose {
		for _, m := range r.Misses {
			fmt.Fprintf(&b, "miss %s %-14s %s\n", m.CaseID, m.Kind, m.Detail)
		}
	}
	fmt.Fprintf(&b, "captions: %d (%d negative), parser: %s", r.Captions, r.Negatives, *parser)
	if r.Errors > 0 {
		fmt.Fprintf(&b, ", %d failed", r.Errors)
	}
	fmt.Fprintf(&b, "\nproducts: labeled %d, predicted %d, matched %d\n", r.Labeled, r.Predicted, r.Matched)
	fmt.Fprintf(&b, "precision=%.4f recall=%.4f\n", r.Precision(), r.Recall())
	fmt.Fprintf(&b, "field accuracy=%.4f (%d of %d fields)\n", r.FieldAccuracy(), r.FieldsCorrect, 4*r.Matched)
	fmt.Fprintf(&b, "false-positive rate on negatives=%.4f (%d of %d)\n", r.FalsePositiveRate(), r.FalsePositives, r.Negatives)
	fmt.Fprintf(&b, "F1=%.4f\n", r.F1())
	_, err = io.WriteString(w, b.String())
	return err
}

func newParser(name, cacheDir string) (parseFunc, func(), error) {
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
		return nil, nil, errors.New("-parser llm needs OPENROUTER_API_KEY")
	}
	cacheURL := ""
	if cacheDir != "" {
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return nil, nil, err
		}
		cacheURL = "file://" + cacheDir
	}
	cache, closeCache, err := llm.OpenCache(context.Background(), cacheURL)
	if err != nil {
		return nil, nil, err
	}
	client, err := llm.New(cfg, llm.Options{Cache: cache})
	if err != nil {
		_ = closeCache()
		return nil, nil, err
	}
	p := llmparse.New(client)
	return func(ctx context.Context, in rules.Input) ([]events.ParsedProduct, error) {
		res, err := p.Parse(ctx, in)
		return res.Products, err
	}, func() { _ = closeCache() }, nil
}

// reportUnlabeled parses unlabeled captions and reports the share given products.
func reportUnlabeled(ctx context.Context, w io.Writer, path string, parse parseFunc, verbose bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var b strings.Builder
	total, flagged := 0, 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var c struct {
			ID            string `json:"id"`
			Text          string `json:"text"`
			CreateTimeISO string `json:"createTimeISO"`
			CreateTime    int64  `json:"createTime"`
		}
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
		posted := time.Unix(c.CreateTime, 0).UTC()
		if t, err := time.Parse(time.RFC3339, c.CreateTimeISO); err == nil {
			posted = t
		}
		ps, err := parse(ctx, rules.Input{Text: c.Text, PostedAt: posted})
		if err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
		total++
		if len(ps) == 0 {
			continue
		}
		flagged++
		if verbose {
			fmt.Fprintf(&b, "flagged %s %q\n", c.ID, c.Text)
			for _, p := range ps {
				fmt.Fprintf(&b, "  -> %s\n", describe(p))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintf(&b, "unlabeled: %d of %d captions given products (%.2f%%)\n", flagged, total, 100*float64(flagged)/float64(max(total, 1)))
	_, err = io.WriteString(w, b.String())
	return err
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
