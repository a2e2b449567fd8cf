package devstack

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

// A message a worker gives up on marks its video failed with the worker's
// reason, as the dead-letter consumer does on AWS, and stays in the box.
func TestDeadLetterMarksItsVideoFailed(t *testing.T) {
	stacks := make(chan *Stack, 1)
	start(t, t.TempDir(), noDemo, func(c *Config) { c.started = func(st *Stack) { stacks <- st } })
	st := <-stacks
	ctx := t.Context()
	const id = "7400000000000000099"
	if _, _, err := st.Store.UpsertVideo(ctx, catalog.Video{ID: id, Seller: DemoSeller, PageURL: "https://www.tiktok.com/@demo/video/" + id,
		PostedAt: time.Now(), Status: catalog.VideoQueued, Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	// A video.posted of a version no worker reads: a permanent failure.
	env := events.Envelope{ID: events.NewID(), Type: events.TypeVideoPosted, Version: 99, OccurredAt: time.Now().UTC(),
		CorrelationID: events.NewID(), Seller: DemoSeller, VideoID: id, Data: json.RawMessage(`{"pageUrl":"https://www.tiktok.com/@demo/video/1"}`)}
	if err := st.Topics.Publish(ctx, env); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	var v catalog.Video
	for time.Now().Before(deadline) {
		v, _ = st.Store.GetVideo(ctx, id)
		if v.Status == catalog.VideoFailed {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	byWorker := strings.HasPrefix(v.FailureReason, "caption-parser: ") || strings.HasPrefix(v.FailureReason, "thumbnail-generator: ")
	if v.Status != catalog.VideoFailed || !strings.Contains(v.FailureReason, "version") || !byWorker {
		t.Fatalf("video %s %q, want failed by a worker's dead letter", v.Status, v.FailureReason)
	}
	letters, err := st.Box.List(ctx, "")
	if err != nil || len(letters) == 0 || letters[0].EventID != env.ID {
		t.Fatalf("letters %+v %v", letters, err)
	}
}
