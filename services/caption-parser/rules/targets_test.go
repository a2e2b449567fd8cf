package rules_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/buylink/buylink/services/caption-parser/eval"
	"github.com/buylink/buylink/services/caption-parser/internal/fixtures"
	"github.com/buylink/buylink/services/caption-parser/rules"
)

var posted = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func score(t *testing.T, path string) *eval.Report {
	t.Helper()
	cases, err := eval.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var r eval.Report
	for _, c := range cases {
		r.Add(c, rules.Parse(rules.Input{Text: c.Caption, PostedAt: posted}), nil)
	}
	for _, m := range r.Misses {
		t.Logf("miss %s %s: %s", m.CaseID, m.Kind, m.Detail)
	}
	return &r
}

// TestTargetsOnLabeledCaptions holds the rules to the targets on the
// shared labeled captions, and to the same on buylink's own held-out
// captions (testdata/holdout*.jsonl), which guard against tuning the rules to
// the shared set.
func TestTargetsOnLabeledCaptions(t *testing.T) {
	for _, path := range []string{
		fixtures.Path(t, "captions/labeled-dev.jsonl"),
		"testdata/holdout.jsonl",
		"testdata/holdout2.jsonl",
		"testdata/holdout3.jsonl",
	} {
		r := score(t, path)
		t.Logf("%s: precision %.3f recall %.3f F1 %.3f field accuracy %.3f false positives %d/%d",
			path, r.Precision(), r.Recall(), r.F1(), r.FieldAccuracy(), r.FalsePositives, r.Negatives)
		if r.F1() < 0.85 || r.FieldAccuracy() < 0.85 {
			t.Errorf("%s: F1 %.3f, field accuracy %.3f; both must be at least 0.85", path, r.F1(), r.FieldAccuracy())
		}
		if r.Negatives == 0 || r.FalsePositiveRate() > 0.1 {
			t.Errorf("%s: false-positive rate %.3f on %d negatives", path, r.FalsePositiveRate(), r.Negatives)
		}
	}
}

// realCaptions reads the 1040 real captions (mostly not selling anything).
func realCaptions(tb testing.TB) []rules.Input {
	tb.Helper()
	var out []rules.Input
	sc := bufio.NewScanner(bytes.NewReader(fixtures.Read(tb, "captions/tiktok_captions_real.jsonl")))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var c struct {
			Text          string `json:"text"`
			CreateTimeISO string `json:"createTimeISO"`
			CreateTime    int64  `json:"createTime"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatal(err)
		}
		at := time.Unix(c.CreateTime, 0).UTC()
		if t, err := time.Parse(time.RFC3339, c.CreateTimeISO); err == nil {
			at = t
		}
		out = append(out, rules.Input{Text: c.Text, PostedAt: at})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestFewRealCaptionsAreGivenProducts(t *testing.T) {
	captions := realCaptions(t)
	if len(captions) != 1040 {
		t.Fatalf("%d real captions, want 1040", len(captions))
	}
	flagged := 0
	for _, in := range captions {
		if ps := rules.Parse(in); len(ps) > 0 {
			flagged++
			t.Logf("flagged %q -> %+v", in.Text, ps)
		}
	}
	share := float64(flagged) / float64(len(captions))
	t.Logf("%d of %d real captions given products (%.2f%%)", flagged, len(captions), 100*share)
	if share > 0.03 {
		t.Errorf("%.2f%% of the real captions given products; at most 3%% may be", 100*share)
	}
}

// BenchmarkParse parses the real and labeled captions in turn; the
// captions/s metric is the throughput on one core (run with -cpu 1).
func BenchmarkParse(b *testing.B) {
	inputs := realCaptions(b)
	cases, err := eval.Load(fixtures.Path(b, "captions/labeled-dev.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		inputs = append(inputs, rules.Input{Text: c.Caption, PostedAt: posted})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rules.Parse(inputs[i%len(inputs)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "captions/s")
}

// BenchmarkParseHostile parses the worst inputs the rules accept: 16 KiB of
// prices, brackets and list lines.
func BenchmarkParseHostile(b *testing.B) {
	in := rules.Input{Text: hostile(), PostedAt: posted}
	b.ReportAllocs()
	for b.Loop() {
		rules.Parse(in)
	}
}

func hostile() string {
	var s []byte
	for len(s) < rules.MaxTextBytes {
		s = append(s, "• the mug $1 (pack of 2) at mugs.com/x code A1B2 ((( this our the\n"...)
	}
	return string(s)
}
