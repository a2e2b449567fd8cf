package labeled

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

func write(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "labels.jsonl")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadRefusesBadFiles(t *testing.T) {
	good := `{"id":"a","lang":"en","title":"Mug","category":"kitchen/drinkware","tags":["mug"]}` + "\n"
	if exs, err := Load(write(t, good+"\n")); err != nil || len(exs) != 1 {
		t.Fatalf("good file: %v %+v", err, exs)
	}
	bad := map[string]string{
		"unknown field":    `{"id":"a","title":"Mug","category":"kitchen/drinkware","tags":[],"extra":1}`,
		"unknown category": `{"id":"a","title":"Mug","category":"kitchen/mugs","tags":[]}`,
		"plural tag":       `{"id":"a","title":"Mug","category":"kitchen/drinkware","tags":["mugs"]}`,
		"repeated id":      good + good,
		"no title":         `{"id":"a","title":" ","category":"kitchen/drinkware","tags":[]}`,
		"not json":         `{"id":`,
		"empty":            "",
	}
	for name, content := range bad {
		_, err := Load(write(t, content))
		switch {
		case err == nil:
			t.Errorf("%s: accepted", name)
		case name != "empty" && !strings.Contains(err.Error(), ".jsonl:"):
			t.Errorf("%s: error %q does not give the line", name, err)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.jsonl")); err == nil {
		t.Error("a missing file was accepted")
	}
}

// fixed tags every product as a mug.
type fixed struct{}

func (fixed) Tag(_ context.Context, b tagging.Batch) (tagging.Tagged, error) {
	out := tagging.Tagged{Tagger: "test"}
	for range b.Titles {
		out.Products = append(out.Products, tagging.Result{Category: "kitchen/drinkware", Tags: []tagging.Tag{{Name: "mug", Confidence: 0.9}}})
	}
	return out, nil
}

func TestEvaluateAndWrite(t *testing.T) {
	exs := []Example{
		{ID: "1", Lang: "en", Title: "Mug", Category: "kitchen/drinkware", Tags: []string{"mug"}},
		{ID: "2", Lang: "en", Title: "Glass", Category: "kitchen/drinkware", Tags: []string{"glass"}},
		{ID: "3", Lang: "es", Title: "Plato", Category: "kitchen/tableware", Tags: []string{"plate", "ceramic"}},
		{ID: "4", Lang: "es", Title: "Vela", Category: "home/decor", Tags: nil},
	}
	r, err := Evaluate(context.Background(), fixed{}, exs)
	if err != nil {
		t.Fatal(err)
	}
	if r.Accuracy() != 0.5 || r.TopLevelAccuracy() != 0.75 || r.TagRecall() != 0.25 {
		t.Fatalf("accuracy %v, top level %v, tag recall %v", r.Accuracy(), r.TopLevelAccuracy(), r.TagRecall())
	}
	var buf bytes.Buffer
	if err := r.Write(&buf, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; last != "accuracy=0.500" {
		t.Fatalf("last line %q", last)
	}
	for _, want := range []string{"MISS 3", "MISS 4", "want kitchen/tableware", "missing tags glass", "lang en  2/2", "lang es  0/2", "tag_recall=0.250"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := r.Write(&buf, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `ok   1      "Mug"`) {
		t.Errorf("verbose report lacks the correct products:\n%s", buf.String())
	}
}
