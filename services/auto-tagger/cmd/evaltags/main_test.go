package main

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestRunReportsAccuracyLast(t *testing.T) {
	var buf bytes.Buffer
	if err := run(&buf, filepath.Join("..", "..", "testdata", "labels.jsonl"), true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	last := lines[len(lines)-1]
	v, ok := strings.CutPrefix(last, "accuracy=")
	if !ok {
		t.Fatalf("last line %q", last)
	}
	if acc, err := strconv.ParseFloat(v, 64); err != nil || acc < 0.8 {
		t.Fatalf("accuracy %q", v)
	}
	if !strings.Contains(buf.String(), "ok   en-01") {
		t.Error("-v should list correct products")
	}
	if err := run(&buf, "no/such/file.jsonl", false); err == nil {
		t.Error("a missing file was accepted")
	}
}
