// Command evaltags scores the rule tagger on a labeled file and prints the
// category misses, accuracy by language, tag recall and, on the last line,
// "accuracy=<value>".
//
//	evaltags -labels services/auto-tagger/testdata/labels.jsonl [-v]
//
// -v also prints every correct product with its tags. The exit status is 1
// when the file cannot be read, 0 otherwise (the accuracy is for people and
// the test suite to judge).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/buylink/buylink/services/auto-tagger/labeled"
	"github.com/buylink/buylink/services/auto-tagger/rules"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

func main() {
	path := flag.String("labels", "", "labeled products, JSON lines (required)")
	verbose := flag.Bool("v", false, "print every product, not only the misses")
	flag.Parse()
	if *path == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: evaltags -labels FILE [-v]")
		os.Exit(2)
	}
	if err := run(os.Stdout, *path, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "evaltags:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, path string, verbose bool) error {
	exs, err := labeled.Load(path)
	if err != nil {
		return err
	}
	t, err := rules.New(tagging.DefaultLimits())
	if err != nil {
		return err
	}
	r, err := labeled.Evaluate(context.Background(), t, exs)
	if err != nil {
		return err
	}
	return r.Write(w, verbose)
}
