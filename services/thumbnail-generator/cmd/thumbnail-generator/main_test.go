package main

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/services/thumbnail-generator/thumbgen"
)

func run(t *testing.T) error {
	return host.Run(t.Context(), deploy.MustGet(deploy.ThumbnailGenerator), os.Getenv, slog.New(slog.NewTextHandler(io.Discard, nil)),
		metrics.New("test"), thumbgen.Component, nil)
}

// A missing model stops the worker at start-up with a message naming it.
func TestMissingModelIsAStartupError(t *testing.T) {
	t.Setenv("SUBSCRIPTION_URL", "mem://video.posted")
	t.Setenv("TOPIC_URL_TEMPLATE", "mem://{type}")
	t.Setenv("MEDIA_BUCKET_URL", "file://"+t.TempDir())
	t.Setenv("YOLO_MODEL_PATH", "/nonexistent/models/yolov8n.onnx")
	err := run(t)
	if err == nil || !strings.Contains(err.Error(), "YOLO_MODEL_PATH") || !strings.Contains(err.Error(), "/nonexistent/models/yolov8n.onnx") {
		t.Fatalf("want a start-up error naming the model, got %v", err)
	}
}

func TestConfigurationIsRequired(t *testing.T) {
	t.Setenv("SUBSCRIPTION_URL", "")
	t.Setenv("TOPIC_URL_TEMPLATE", "")
	t.Setenv("MEDIA_BUCKET_URL", "")
	err := run(t)
	for _, v := range []string{"SUBSCRIPTION_URL", "TOPIC_URL_TEMPLATE", "MEDIA_BUCKET_URL"} {
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("want an error naming %s, got %v", v, err)
		}
	}
}
