package obs

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestLoggerAddsContextIDs(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, Options{Format: "json"}).With("service", "test")
	ctx := WithRequestID(WithCorrelationID(context.Background(), "corr-1"), "req-1")
	log.InfoContext(ctx, "hello", "n", 1)
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("not JSON: %q: %v", buf.String(), err)
	}
	for k, want := range map[string]any{"msg": "hello", "request_id": "req-1", "correlation_id": "corr-1", "service": "test", "n": 1.0} {
		if rec[k] != want {
			t.Errorf("%s: got %v want %v", k, rec[k], want)
		}
	}
}

func TestTextFormatAndLevel(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, Options{Format: "text", Level: "warn"})
	log.Info("dropped")
	log.Warn("kept")
	if out := buf.String(); strings.Contains(out, "dropped") || !strings.Contains(out, "msg=kept") {
		t.Fatalf("text/warn output: %q", out)
	}
}

func TestNonTerminalDefaultsToJSON(t *testing.T) {
	var buf bytes.Buffer
	NewLogger(&buf, Options{}).Info("x")
	if !json.Valid(bytes.TrimSpace(buf.Bytes())) {
		t.Fatalf("default format for a buffer should be JSON: %q", buf.String())
	}
}
