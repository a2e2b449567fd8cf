package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

// A missing model stops the worker at start-up with a message naming it.
func TestMissingModelIsAStartupError(t *testing.T) {
	t.Setenv("SUBSCRIPTION_URL", "mem://video.posted")
	t.Setenv("TOPIC_URL_TEMPLATE", "mem://{type}")
	t.Setenv("MEDIA_BUCKET_URL", "file://"+t.TempDir())
	t.Setenv("MEDIA_PUBLIC_URL", "http://localhost:8080/media")
	t.Setenv("YOLO_MODEL_PATH", "/nonexistent/models/yolov8n.onnx")
	err := run(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "YOLO_MODEL_PATH") || !strings.Contains(err.Error(), "/nonexistent/models/yolov8n.onnx") {
		t.Fatalf("want a start-up error naming the model, got %v", err)
	}
}

func TestMediaConfigIsRequired(t *testing.T) {
	t.Setenv("SUBSCRIPTION_URL", "mem://video.posted")
	t.Setenv("TOPIC_URL_TEMPLATE", "mem://{type}")
	t.Setenv("MEDIA_BUCKET_URL", "")
	err := run(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "MEDIA_BUCKET_URL") {
		t.Fatalf("want an error naming MEDIA_BUCKET_URL, got %v", err)
	}
}
