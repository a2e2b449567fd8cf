// Command evaltags scores the rule tagger on labeled products and prints
// the category misses, accuracy by language, tag recall and, on the last
// line, "accuracy=<value>".
//
//	evaltags -labels services/auto-tagger/testdata/labels.jsonl [-v]
//	evaltags -real ../shared/fixtures/captions/real-commerce.jsonl -real-labels testdata/real-categories.jsonl [-v]
//
// -labels reads buylink's own labeled products. -real joins a label file of
// ids and categories (labeled.CategoryLabel; it holds no text) with the real
// caption corpus it names, and reports the tuned part and the hold-out
// (every third product by id) apart: the hold-out's products are never
// listed, so that no one tunes on them. -v also prints every correct
// product with its tags. The exit status is 2 on bad arguments, 1 when a
// file cannot be read, 0 otherwise (the accuracy is for people and the test
// suite to judge).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/buylink/buylink/services/auto-tagger/labeled"
	"github.com/buylink/buylink/services/auto-tagger/rules"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

const usage = "usage: evaltags -labels FILE [-v] | evaltags -real CORPUS -real-labels FILE [-v]"

func main() {
	fs := flag.NewFlagSet("evaltags", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.labels, "labels", "", "labeled products, JSON lines")
	fs.StringVar(&o.real, "real", "", "a labeled caption corpus (../shared/fixtures/captions/real-commerce.jsonl)")
	fs.StringVar(&o.realLabels, "real-labels", "", "the categories of the corpus's products by id (testdata/real-categories.jsonl)")
	fs.BoolVar(&o.verbose, "v", false, "print every product, not only the misses")
	if err := fs.Parse(os.Args[1:]); err != nil || fs.NArg() > 0 || o.check() != nil {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "evaltags:", err)
		os.Exit(1)
	}
}

type options struct {
	labels, real, realLabels string
	verbose                  bool
}

func (o options) check() error {
	if (o.labels == "") == (o.real == "") || (o.real == "") != (o.realLabels == "") {
		return errors.New(usage)
	}
	return nil
}

func run(w io.Writer, o options) error {
	if err := o.check(); err != nil {
		return err
	}
	t, err := rules.New(tagging.DefaultLimits())
	if err != nil {
		return err
	}
	ctx := context.Background()
	if o.labels != "" {
		exs, err := labeled.Load(o.labels)
		if err != nil {
			return err
		}
		r, err := labeled.Evaluate(ctx, t, exs)
		if err != nil {
			return err
		}
		return r.Write(w, o.verbose)
	}
	exs, err := labeled.LoadJoined(o.real, o.realLabels)
	if err != nil {
		return err
	}
	tuned, holdout := labeled.Split(exs)
	rt, err := labeled.Evaluate(ctx, t, tuned)
	if err != nil {
		return err
	}
	rh, err := labeled.Evaluate(ctx, t, holdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "== hold-out: %d products (every 3rd by id, never listed)\n", len(holdout))
	if err := rh.WriteSummary(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "== tuned: %d products\n", len(tuned))
	return rt.Write(w, o.verbose)
}
