package thumbgen

import (
	"context"

	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/safefetch"
)

// Component is the thumbnail generator's component (pkg/host): the handler
// of video.posted, storing thumbnails in the media bucket and scoring
// frames with the model at YOLO_MODEL_PATH when set. Only devstack, which
// serves the media it fetches itself, may download from loopback.
func Component(ctx context.Context, d host.Deps) (*host.Component, error) {
	model := d.Env.Get("YOLO_MODEL_PATH")
	g, err := New(ctx, Config{
		Media: d.Media, Publisher: d.Publisher, ModelPath: model,
		Fetch: safefetch.Options{AllowLoopback: d.Devstack}, Logger: d.Log, Metrics: d.Metrics,
	})
	if err != nil {
		return nil, err
	}
	c := &host.Component{Handler: g.Handle}
	c.OnClose(func() error { g.Close(); return nil })
	if model == "" {
		c.Notes = append(c.Notes, "thumbnails scored on sharpness and exposure (set YOLO_MODEL_PATH for product detection)")
	}
	return c, nil
}
