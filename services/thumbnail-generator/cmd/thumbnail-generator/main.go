// Command thumbnail-generator is the long-poll worker that turns video.posted
// into thumbnails.generated (see package thumbgen). Run with the argument
// thumbgen.ChildCommand it is the resource-limited decoding child instead.
//
// Environment: the bus.WorkerConfigFromEnv variables (SUBSCRIPTION_URL,
// TOPIC_URL_TEMPLATE, DEADLETTER_URL, WORKER_CONCURRENCY); MEDIA_BUCKET_URL
// (where thumbnails are stored, e.g. s3://bucket?region=eu-west-1 or
// file:///var/buylink/media); MEDIA_PUBLIC_URL (the base URL media is served
// under); YOLO_MODEL_PATH (optional YOLOv8n ONNX model); LOG_FORMAT, LOG_LEVEL.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/obs"
	"github.com/buylink/buylink/services/thumbnail-generator/thumbgen"
)

func main() {
	thumbgen.MaybeRunChild()
	log := obs.Setup("thumbnail-generator")
	if err := run(log); err != nil {
		log.Error("thumbnail-generator stopped", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg, err := bus.WorkerConfigFromEnv()
	if err != nil {
		return err
	}
	bucket, public := os.Getenv("MEDIA_BUCKET_URL"), os.Getenv("MEDIA_PUBLIC_URL")
	if bucket == "" || public == "" {
		return errors.New("MEDIA_BUCKET_URL and MEDIA_PUBLIC_URL are required (where thumbnails are stored and served)")
	}
	ctx := context.Background()
	store, err := media.Open(ctx, bucket, public)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	return bus.RunWorker("thumbnail-generator", cfg, log, func(pub bus.Publisher) (bus.Handler, error) {
		g, err := thumbgen.New(ctx, thumbgen.Config{
			Media: store, Publisher: pub, ModelPath: os.Getenv("YOLO_MODEL_PATH"), Logger: log,
		})
		if err != nil {
			return nil, err
		}
		return g.Handle, nil
	})
}
