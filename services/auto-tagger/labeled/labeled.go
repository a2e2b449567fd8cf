// Package labeled loads the auto-tagger's labeled products and scores a
// tagger against them: category accuracy (the category must be exactly the
// labeled one) and the recall of the labeled tags. The test suite and the
// evaltags command use it, so the number they report is the same.
//
// The file is JSON lines, one product each:
//
//	{"id":"en-01","lang":"en","title":"LED vanity mirror","caption":"...",
//	 "hashtags":["makeuptok"],"category":"beauty/tools","tags":["vanity mirror"]}
//
// caption and hashtags are optional; tags lists some tags the product must
// carry (not all it may carry).
package labeled

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/buylink/buylink/pkg/taxonomy"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// Example is one labeled product.
type Example struct {
	ID       string   `json:"id"`
	Lang     string   `json:"lang"`
	Title    string   `json:"title"`
	Caption  string   `json:"caption,omitempty"`
	Hashtags []string `json:"hashtags,omitempty"`
	Category string   `json:"category"`
	Tags     []string `json:"tags"`
}

// Load reads a labeled file, refusing unknown fields, unknown categories,
// unnormalised tags and repeated ids, with the line that was wrong.
func Load(path string) ([]Example, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Example
	ids := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var ex Example
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ex); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		switch {
		case ex.ID == "" || ids[ex.ID]:
			return nil, fmt.Errorf("%s:%d: id %q is empty or repeated", path, n, ex.ID)
		case strings.TrimSpace(ex.Title) == "":
			return nil, fmt.Errorf("%s:%d: %s has no title", path, n, ex.ID)
		}
		if _, ok := taxonomy.Lookup(ex.Category); !ok {
			return nil, fmt.Errorf("%s:%d: %s: unknown category %q", path, n, ex.ID, ex.Category)
		}
		for _, tag := range ex.Tags {
			if tagging.Name(tag) != tag {
				return nil, fmt.Errorf("%s:%d: %s: tag %q is not normalised (want %q)", path, n, ex.ID, tag, tagging.Name(tag))
			}
		}
		ids[ex.ID] = true
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labeled products", path)
	}
	return out, nil
}

// Outcome is a tagger's result on one example.
type Outcome struct {
	Example Example
	Got     tagging.Result
	// MissingTags are labeled tags the result lacks.
	MissingTags []string
}

// CategoryOK reports whether the category is the labeled one.
func (o Outcome) CategoryOK() bool { return o.Got.Category == o.Example.Category }

// Report scores a tagger on a labeled set.
type Report struct {
	Outcomes []Outcome
}

// Accuracy is the share of examples whose category is exactly right.
func (r Report) Accuracy() float64 {
	if len(r.Outcomes) == 0 {
		return 0
	}
	ok := 0
	for _, o := range r.Outcomes {
		if o.CategoryOK() {
			ok++
		}
	}
	return float64(ok) / float64(len(r.Outcomes))
}

// TopLevelAccuracy is the share whose category's top level is right.
func (r Report) TopLevelAccuracy() float64 {
	if len(r.Outcomes) == 0 {
		return 0
	}
	ok := 0
	for _, o := range r.Outcomes {
		got, _, _ := strings.Cut(o.Got.Category, "/")
		want, _, _ := strings.Cut(o.Example.Category, "/")
		if got == want {
			ok++
		}
	}
	return float64(ok) / float64(len(r.Outcomes))
}

// TagRecall is the share of labeled tags found.
func (r Report) TagRecall() float64 {
	want, missing := 0, 0
	for _, o := range r.Outcomes {
		want += len(o.Example.Tags)
		missing += len(o.MissingTags)
	}
	if want == 0 {
		return 1
	}
	return float64(want-missing) / float64(want)
}

// Evaluate tags each example on its own (a batch of one) and scores it.
func Evaluate(ctx context.Context, t tagging.Tagger, exs []Example) (Report, error) {
	var r Report
	for _, ex := range exs {
		out, err := t.Tag(ctx, tagging.Batch{Titles: []string{ex.Title}, Caption: ex.Caption, Hashtags: ex.Hashtags})
		if err != nil {
			return r, fmt.Errorf("%s: %w", ex.ID, err)
		}
		if len(out.Products) != 1 {
			return r, fmt.Errorf("%s: tagger returned %d results for one product", ex.ID, len(out.Products))
		}
		o := Outcome{Example: ex, Got: out.Products[0]}
		for _, want := range ex.Tags {
			if !slices.ContainsFunc(o.Got.Tags, func(t tagging.Tag) bool { return t.Name == want }) {
				o.MissingTags = append(o.MissingTags, want)
			}
		}
		r.Outcomes = append(r.Outcomes, o)
	}
	return r, nil
}

// Write prints the category misses (every outcome with verbose), the
// per-language accuracy and, last, "accuracy=<value>". Writes go through a
// buffer whose Flush reports any write error.
func (r Report) Write(w io.Writer, verbose bool) error {
	return r.write(w, verbose, true)
}

// WriteSummary prints the per-language accuracy and the totals only, never
// a product: for a hold-out, whose misses no one may tune on.
func (r Report) WriteSummary(w io.Writer) error {
	return r.write(w, false, false)
}

func (r Report) write(w io.Writer, verbose, products bool) error {
	bw := bufio.NewWriter(w)
	byLang := map[string][2]int{}
	var langs []string
	for _, o := range r.Outcomes {
		c, ok := byLang[o.Example.Lang]
		if !ok {
			langs = append(langs, o.Example.Lang)
		}
		c[1]++
		if o.CategoryOK() {
			c[0]++
		}
		byLang[o.Example.Lang] = c
		switch {
		case !products:
		case !o.CategoryOK():
			_, _ = fmt.Fprintf(bw, "MISS %-6s %q\n       want %s, got %q %s\n", o.Example.ID, o.Example.Title, o.Example.Category, o.Got.Category, formatTags(o.Got.Tags))
		case verbose || len(o.MissingTags) > 0:
			_, _ = fmt.Fprintf(bw, "ok   %-6s %q -> %s %s", o.Example.ID, o.Example.Title, o.Got.Category, formatTags(o.Got.Tags))
			if len(o.MissingTags) > 0 {
				_, _ = fmt.Fprintf(bw, " (missing tags %s)", strings.Join(o.MissingTags, ", "))
			}
			_, _ = fmt.Fprintln(bw)
		}
	}
	slices.Sort(langs)
	for _, l := range langs {
		c := byLang[l]
		_, _ = fmt.Fprintf(bw, "lang %-3s %d/%d\n", l, c[0], c[1])
	}
	_, _ = fmt.Fprintf(bw, "products=%d top_level_accuracy=%.3f tag_recall=%.3f\n", len(r.Outcomes), r.TopLevelAccuracy(), r.TagRecall())
	_, _ = fmt.Fprintf(bw, "accuracy=%.3f\n", r.Accuracy())
	return bw.Flush()
}

func formatTags(tags []tagging.Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = fmt.Sprintf("%s:%.2f", t.Name, t.Confidence)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
