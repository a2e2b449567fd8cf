package labeled

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/buylink/buylink/pkg/corpus"
	"github.com/buylink/buylink/pkg/taxonomy"
)

// CategoryLabel is one line of a label file for a corpus buylink does not
// carry: it names a product of the corpus (its caption's id and the
// product's index in the caption's labeled products) and its category, and
// holds no text of the corpus.
//
//	{"id":"rc-001","product":0,"category":"travel/stays"}
type CategoryLabel struct {
	ID       string `json:"id"`
	Product  int    `json:"product"`
	Category string `json:"category"`
}

// LoadJoined joins a category label file with the labeled caption corpus it
// names (JSON lines with "id", "caption" and "products" with "title", as in
// the real corpora `make eval` reads): every label becomes an Example whose title
// is the corpus's labeled product title, whose caption and hashtags are the
// corpus caption's, and whose language comes from <corpus>.sources.tsv
// (columns id and lang) when that file exists. Examples have no labeled
// tags: they score categories only.
func LoadJoined(corpusPath, labelsPath string) ([]Example, error) {
	type product struct {
		Title string `json:"title"`
	}
	type caseLine struct {
		ID       string    `json:"id"`
		Caption  string    `json:"caption"`
		Products []product `json:"products"`
	}
	cases := map[string]caseLine{}
	if err := eachJSONLine(corpusPath, func(n int, line []byte) error {
		var c caseLine
		if err := json.Unmarshal(line, &c); err != nil {
			return fmt.Errorf("%s:%d: not a labeled caption: %w", corpusPath, n, err)
		}
		if c.ID == "" {
			return fmt.Errorf("%s:%d: a labeled caption without an id", corpusPath, n)
		}
		cases[c.ID] = c
		return nil
	}); err != nil {
		return nil, err
	}
	langs := map[string]string{}
	if sources := strings.TrimSuffix(corpusPath, ".jsonl") + ".sources.tsv"; fileExists(sources) {
		var err error
		if langs, err = corpus.LoadLanguages(sources); err != nil {
			return nil, err
		}
	}
	var out []Example
	seen := map[string]bool{}
	err := eachJSONLine(labelsPath, func(n int, line []byte) error {
		var l CategoryLabel
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return fmt.Errorf("%s:%d: %w", labelsPath, n, err)
		}
		c, ok := cases[l.ID]
		switch {
		case !ok:
			return fmt.Errorf("%s:%d: the corpus has no caption %q", labelsPath, n, l.ID)
		case l.Product < 0 || l.Product >= len(c.Products):
			return fmt.Errorf("%s:%d: caption %s has no product %d", labelsPath, n, l.ID, l.Product)
		}
		if _, ok := taxonomy.Lookup(l.Category); !ok {
			return fmt.Errorf("%s:%d: unknown category %q", labelsPath, n, l.Category)
		}
		id := fmt.Sprintf("%s/%d", l.ID, l.Product)
		if seen[id] {
			return fmt.Errorf("%s:%d: %s labeled twice", labelsPath, n, id)
		}
		seen[id] = true
		out = append(out, Example{ID: id, Lang: langs[l.ID], Title: c.Products[l.Product].Title, Caption: c.Caption,
			Hashtags: hashtags(c.Caption), Category: l.Category})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labels", labelsPath)
	}
	return out, nil
}

// eachJSONLine calls fn with every non-blank line of the file.
func eachJSONLine(path string, fn func(n int, line []byte) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			if err := fn(n, line); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}

// hashtags returns the words of s written as hashtags, without '#'.
func hashtags(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }) {
		for _, part := range strings.Split(f, "#")[1:] {
			if part = strings.TrimRight(part, ".,!?;:)"); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// Split returns the tuned part and the hold-out of examples by the caption
// parser's rule (corpus.Split).
func Split(exs []Example) (tuned, holdout []Example) {
	return corpus.Split(exs, func(e Example) string { return e.ID })
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
