package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestRunReportsAccuracyLast(t *testing.T) {
	var buf bytes.Buffer
	if err := run(&buf, options{labels: filepath.Join("..", "..", "testdata", "labels.jsonl"), verbose: true}); err != nil {
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
	if err := run(&buf, options{labels: "no/such/file.jsonl"}); err == nil {
		t.Error("a missing file was accepted")
	}
	for _, bad := range []options{{}, {labels: "a", real: "b", realLabels: "c"}, {real: "b"}} {
		if err := run(&buf, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// A corpus of our own in the real corpus's shape, with an id-only label
// file: the hold-out (every third product by id) is summarised, never
// listed.
func TestRunJoinsIDLabelsWithACorpus(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "shop.jsonl")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(corpus, `{"id":"c-1","caption":"Áo khoác gió chống nước 🧥 thêm vào giỏ hàng #aokhoac","products":[{"title":"Áo khoác gió chống nước","price_minor":null,"currency":null,"buy_url":null,"discount_code":null}],"notes":""}
{"id":"c-2","caption":"Homestay Mây 🌲 đặt phòng qua Zalo #homestay","products":[{"title":"Homestay Mây","price_minor":null,"currency":null,"buy_url":null,"discount_code":null}],"notes":""}
{"id":"c-3","caption":"ครีมกันแดด SPF50 กดตะกร้าเลย","products":[{"title":"ครีมกันแดด SPF50","price_minor":null,"currency":null,"buy_url":null,"discount_code":null}],"notes":""}
`)
	write(filepath.Join(dir, "shop.sources.tsv"), "id\tlang\tsource\nc-1\tvi\tours\nc-2\tvi\tours\nc-3\tth\tours\n")
	labels := filepath.Join(dir, "labels.jsonl")
	write(labels, `{"id":"c-1","product":0,"category":"apparel/outerwear"}
{"id":"c-2","product":0,"category":"travel/stays"}
{"id":"c-3","product":0,"category":"beauty/skincare"}
`)
	var buf bytes.Buffer
	if err := run(&buf, options{real: corpus, realLabels: labels, verbose: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"== hold-out: 1 products", "lang th  1/1", "== tuned: 2 products", "lang vi  2/2", "ok   c-1/0", "accuracy=1.000"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "c-3/0") {
		t.Errorf("a hold-out product is listed:\n%s", out)
	}
	write(labels, `{"id":"c-9","product":0,"category":"travel/stays"}`)
	if err := run(&buf, options{real: corpus, realLabels: labels}); err == nil || !strings.Contains(err.Error(), "no caption") {
		t.Errorf("unknown id: %v", err)
	}
	write(labels, `{"id":"c-1","product":0,"category":"travel/stays","title":"text"}`)
	if err := run(&buf, options{real: corpus, realLabels: labels}); err == nil {
		t.Error("a label with text was accepted")
	}
}
