package ingestion_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/tiktok/apifytest"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

func TestImportACSVExport(t *testing.T) {
	e := newEnv(t, nil)
	const lisa = apifytest.ExportHandle
	if _, err := e.store.CreateSeller(t.Context(), catalog.Seller{Handle: lisa, Sub: "local|lisa", DisplayName: "Lisa"}); err != nil {
		t.Fatal(err)
	}
	batch, err := tiktok.DecodeCSV(bytes.NewReader(apifytest.Fixture(t, apifytest.ExportCSV)))
	if err != nil {
		t.Fatal(err)
	}
	in := &ingestion.Ingester{Videos: e.store}
	ticks := 0
	res, err := ingestion.Import(t.Context(), e.store, in, lisa, batch.Posts, func() { ticks++ })
	if err != nil || res.Created != 11 || res.Existing != 0 || res.Skipped != 0 || ticks != 11 {
		t.Fatalf("import: %+v ticks %d err %v", res, ticks, err)
	}
	slide, err := e.store.GetVideo(t.Context(), "7409876031210987531")
	if err != nil || slide.Source != catalog.SourceImport || slide.Status != catalog.VideoQueued || slide.Attempts != 0 ||
		len(slide.ImageURLs) != 4 || slide.MediaURL != "" || slide.CorrelationID == "" {
		t.Fatalf("imported slideshow %+v %v", slide, err)
	}
	seller, _ := e.store.GetSeller(t.Context(), lisa)
	if !seller.IngestCursor.Equal(newest(batch.Posts)) || seller.IngestCursor.IsZero() {
		t.Fatalf("cursor %v, want the newest post %v", seller.IngestCursor, newest(batch.Posts))
	}
	// No publisher: nothing published; the sweeper starts every imported video.
	if n := len(e.pub.events()); n != 0 {
		t.Fatalf("import published %d events", n)
	}
	sw := &bus.Sweeper{Videos: e.store, Publisher: e.pub, Now: func() time.Time { return time.Now().Add(time.Hour) }}
	if res, err := sw.SweepOnce(t.Context()); err != nil || res.Restarted != 11 {
		t.Fatalf("sweep of imported videos: %+v %v", res, err)
	}
	// A repeated import adds nothing.
	res, err = ingestion.Import(t.Context(), e.store, in, lisa, batch.Posts, nil)
	if err != nil || res.Created != 0 || res.Existing != 11 {
		t.Fatalf("second import: %+v %v", res, err)
	}
}

func newest(posts []tiktok.Post) time.Time {
	var t time.Time
	for _, p := range posts {
		if p.PostedAt.After(t) {
			t = p.PostedAt
		}
	}
	return t
}

func TestImportSkipsPostsOfAnotherProfile(t *testing.T) {
	e := newEnv(t, nil)
	batch, err := tiktok.DecodeJSON(bytes.NewReader(apifytest.Fixture(t, apifytest.ProfileJSON)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ingestion.Import(t.Context(), e.store, &ingestion.Ingester{Videos: e.store}, bella, batch.Posts, nil)
	if err != nil || res.Skipped != 10 || res.Created != 0 || e.countVideos() != 0 {
		t.Fatalf("import of another profile: %+v %v", res, err)
	}
	if s, _ := e.store.GetSeller(t.Context(), bella); !s.IngestCursor.IsZero() {
		t.Fatalf("the cursor moved past posts that were not the seller's: %v", s.IngestCursor)
	}
	if _, err := ingestion.Import(t.Context(), e.store, &ingestion.Ingester{Videos: e.store}, "ghost_shop", batch.Posts, nil); !catalog.IsCode(err, catalog.CodeNotFound) {
		t.Fatalf("unknown seller: %v", err)
	}
}
