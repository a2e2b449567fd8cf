package main

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigurationErrorsNameTheVariable(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db := filepath.Join(t.TempDir(), "c.db")
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "APIFY_TOKEN"},
		{map[string]string{"APIFY_TOKEN": "t"}, "TOPIC_URL_TEMPLATE"},
		{map[string]string{"APIFY_TOKEN": "t", "TOPIC_URL_TEMPLATE": "mem://{type}", "INGEST_CONCURRENCY": "zero"}, "INGEST_CONCURRENCY"},
		{map[string]string{"APIFY_TOKEN": "t", "TOPIC_URL_TEMPLATE": "mem://{type}"}, "STORE_URL"},
		{map[string]string{"APIFY_TOKEN": "t", "TOPIC_URL_TEMPLATE": "mem://fixed", "STORE_URL": db}, "{type}"},
	}
	for _, c := range cases {
		_, err := newScheduler(t.Context(), func(k string) string { return c.env[k] }, log)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("env %v: want an error naming %s, got %v", c.env, c.want, err)
		}
	}
	s, err := newScheduler(t.Context(), func(k string) string {
		return map[string]string{"APIFY_TOKEN": "t", "TOPIC_URL_TEMPLATE": "mem://sched-test/{type}", "STORE_URL": db}[k]
	}, log)
	if err != nil || s.Concurrency != 4 || s.Scraper == nil || s.Ingester == nil {
		t.Fatalf("valid configuration: %+v, %v", s, err)
	}
}
