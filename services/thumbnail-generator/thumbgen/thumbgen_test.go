package thumbgen

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/testmedia"
)

func TestVideoGivesFiveGoodDifferentThumbnails(t *testing.T) {
	e := newEnv(t, nil)
	url := e.srv.serve(t, "v.mp4", testmedia.TikTokVideo(t))
	out := e.post(t, events.VideoPosted{MediaURL: url})
	if out.Failure != nil {
		t.Fatalf("failure: %s", out.Failure.Reason)
	}
	if len(out.Thumbnails) != 5 || out.Requested != 5 || out.Note != "" {
		t.Fatalf("got %d thumbnails of %d, note %q", len(out.Thumbnails), out.Requested, out.Note)
	}
	keys := map[string]bool{}
	scenes := map[int]bool{}
	for i, th := range out.Thumbnails {
		e.thumbnail(t, th)
		if th.Score <= 0 || th.Score > 1 {
			t.Errorf("thumbnail %d score %v not in (0,1]", i, th.Score)
		}
		if i > 0 && th.Score > out.Thumbnails[i-1].Score {
			t.Errorf("thumbnails are not best first: %v after %v", th.Score, out.Thumbnails[i-1].Score)
		}
		if th.FrameMS < 0 || th.FrameMS > 10500 {
			t.Errorf("frame time %dms outside the 10.5s video", th.FrameMS)
		}
		if th.Label != "" {
			t.Errorf("label %q without a model", th.Label)
		}
		keys[th.Key] = true
		scenes[int(float64(th.FrameMS)/1000/testmedia.SceneSeconds)] = true
		for _, o := range out.Thumbnails[:i] {
			if gap := time.Duration(th.FrameMS-o.FrameMS) * time.Millisecond; gap.Abs() < 500*time.Millisecond {
				t.Errorf("frames %dms and %dms are closer than the minimum gap", th.FrameMS, o.FrameMS)
			}
		}
	}
	if len(keys) != 5 {
		t.Errorf("only %d different thumbnails", len(keys))
	}
	if len(scenes) < 4 {
		t.Errorf("thumbnails come from %d of the 7 scenes: not different enough (%v)", len(scenes), scenes)
	}

	// Redelivery is idempotent: the same keys, nothing new stored.
	again := e.post(t, events.VideoPosted{MediaURL: url})
	for i := range again.Thumbnails {
		if again.Thumbnails[i].Key != out.Thumbnails[i].Key {
			t.Errorf("redelivery made a different thumbnail %d: %s vs %s", i, again.Thumbnails[i].Key, out.Thumbnails[i].Key)
		}
	}
}

func TestFragmentedMP4(t *testing.T) {
	e := newEnv(t, nil)
	out := e.post(t, events.VideoPosted{MediaURL: e.srv.serve(t, "frag.mp4", testmedia.FragmentedVideo(t))})
	if out.Failure != nil || len(out.Thumbnails) != 5 {
		t.Fatalf("fragmented MP4: %d thumbnails, note %q, failure %+v", len(out.Thumbnails), out.Note, out.Failure)
	}
}

func TestShortVideoGivesFewerAndSaysSo(t *testing.T) {
	e := newEnv(t, nil)
	out := e.post(t, events.VideoPosted{MediaURL: e.srv.serve(t, "short.mp4", testmedia.ShortVideo(t))})
	if out.Failure != nil {
		t.Fatalf("failure: %s", out.Failure.Reason)
	}
	if n := len(out.Thumbnails); n < 1 || n >= 5 {
		t.Fatalf("a 1.5s two-scene video gave %d thumbnails", n)
	}
	if !strings.Contains(out.Note, "only") {
		t.Errorf("note %q does not explain the shortfall", out.Note)
	}
	for _, th := range out.Thumbnails {
		e.thumbnail(t, th)
	}
}

func TestStillVideoGivesOne(t *testing.T) {
	e := newEnv(t, nil)
	out := e.post(t, events.VideoPosted{MediaURL: e.srv.serve(t, "still.mp4", testmedia.StillVideo(t))})
	if out.Failure != nil || len(out.Thumbnails) != 1 || out.Note == "" {
		t.Fatalf("still video: %d thumbnails, note %q, failure %+v", len(out.Thumbnails), out.Note, out.Failure)
	}
	e.thumbnail(t, out.Thumbnails[0])
}

// Bad files end in a Failure for their video; the generator carries on.
func TestBadFilesFailOnlyTheirVideo(t *testing.T) {
	e := newEnv(t, nil)
	hls := testmedia.HLSPlaylist(e.srv.URL + "/segment.ts")
	cases := []struct {
		name, path, reason string
	}{
		{"zero-byte", testmedia.File(t, "empty.mp4", nil), "not return an MP4"},
		{"text", testmedia.File(t, "notes.mp4", []byte("this is not a video, just some text\n")), "not return an MP4"},
		{"hls", testmedia.File(t, "playlist.mp4", hls), "not return an MP4"},
		{"no index", testmedia.HeadlessVideo(t), "not a readable MP4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := e.post(t, events.VideoPosted{MediaURL: e.srv.serve(t, c.name+".mp4", c.path)})
			if out.Failure == nil || !strings.Contains(out.Failure.Reason, c.reason) || len(out.Thumbnails) != 0 {
				t.Fatalf("want a failure containing %q, got %+v", c.reason, out)
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		// The index survives, a third of the frames do: what decodes is used.
		out := e.post(t, events.VideoPosted{MediaURL: e.srv.serve(t, "truncated.mp4", testmedia.TruncatedVideo(t))})
		if out.Failure != nil {
			t.Fatalf("failure: %s", out.Failure.Reason)
		}
		if len(out.Thumbnails) == 0 || len(out.Thumbnails) >= 5 || out.Note == "" {
			t.Fatalf("truncated video: %d thumbnails, note %q", len(out.Thumbnails), out.Note)
		}
		for _, th := range out.Thumbnails {
			if th.FrameMS > 10500/2 {
				t.Errorf("frame at %dms cannot come from the first third of the file", th.FrameMS)
			}
		}
	})
	t.Run("refused URL", func(t *testing.T) {
		out := e.post(t, events.VideoPosted{MediaURL: "http://169.254.169.254/latest/meta-data/"})
		if out.Failure == nil || !strings.Contains(out.Failure.Reason, "not a public") {
			t.Fatalf("want a refused-address failure, got %+v", out)
		}
	})
	t.Run("no media", func(t *testing.T) {
		out := e.post(t, events.VideoPosted{})
		if out.Failure == nil || !strings.Contains(out.Failure.Reason, "neither a video nor images") {
			t.Fatalf("want a no-media failure, got %+v", out)
		}
	})
	// Still working after all that.
	out := e.post(t, events.VideoPosted{MediaURL: e.srv.serve(t, "after.mp4", testmedia.ShortVideo(t))})
	if out.Failure != nil || len(out.Thumbnails) == 0 {
		t.Fatalf("a good video after bad ones: %+v", out)
	}
	if n := e.srv.requests("/segment.ts"); n != 0 {
		t.Errorf("the HLS playlist's segment was fetched %d times", n)
	}
}

func TestChildLimits(t *testing.T) {
	video := testmedia.TikTokVideo(t)
	t.Run("memory", func(t *testing.T) {
		// 8 MiB of address space cannot even hold the child's start: the
		// limit is the operator's, not the video's fault, so the post is
		// returned for a retry (and dead-lettered if it persists).
		e := newEnv(t, func(c *Config) { c.Limits.Memory = 8 << 20 })
		p := events.VideoPosted{PageURL: "https://www.tiktok.com/@shop/video/1", Attempt: 1, MediaURL: e.srv.serve(t, "v.mp4", video)}
		in, _ := events.New("", "shop", "1", &p)
		err := e.gen.Handle(t.Context(), in)
		if err == nil || events.IsPermanent(err) || !strings.Contains(err.Error(), "did not start") {
			t.Fatalf("want a retryable did-not-start error under an 8 MiB address-space budget, got %v", err)
		}
		if e.pub.count() != 0 {
			t.Fatal("a retryable failure must not publish")
		}
		t.Logf("error: %v", err)
	})
	t.Run("wall clock", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Limits.Wall = 30 * time.Millisecond })
		out := e.post(t, events.VideoPosted{MediaURL: e.srv.serve(t, "v.mp4", video)})
		if out.Failure == nil || !strings.Contains(out.Failure.Reason, "longer than") {
			t.Fatalf("want a wall-clock failure, got %+v", out)
		}
	})
}

func TestRetryableTroubleIsReturned(t *testing.T) {
	e := newEnv(t, nil)
	p := events.VideoPosted{PageURL: "https://www.tiktok.com/@shop/video/1", Attempt: 1, MediaURL: e.srv.URL + "/missing.mp4"}
	in, _ := events.New("", "shop", "1", &p)
	// A 404 is permanent: answered with a Failure, not an error.
	if err := e.gen.Handle(t.Context(), in); err != nil {
		t.Fatalf("404: %v", err)
	}
	if out := e.pub.last(t); out.Failure == nil {
		t.Fatalf("404 should fail the video, got %+v", out)
	}

	e.srv.Close() // connection refused: worth a retry, nothing published
	before := e.pub.count()
	err := e.gen.Handle(t.Context(), in)
	if err == nil || events.IsPermanent(err) {
		t.Fatalf("a refused connection should be retryable, got %v", err)
	}
	if e.pub.count() != before {
		t.Fatal("a retryable failure must not publish")
	}

	wrong, _ := events.New("", "shop", "1", &events.ThumbnailsGenerated{})
	if err := e.gen.Handle(t.Context(), wrong); !events.IsPermanent(err) {
		t.Fatalf("a wrong event type should be permanent, got %v", err)
	}
}

func TestModelErrorsAtStartup(t *testing.T) {
	_, err := New(t.Context(), Config{Media: nopBlobs{}, Publisher: &recorder{}, ModelPath: "/nonexistent/yolov8n.onnx"})
	if err == nil || !strings.Contains(err.Error(), "YOLO_MODEL_PATH") || !strings.Contains(err.Error(), "/nonexistent/yolov8n.onnx") {
		t.Fatalf("missing model: %v", err)
	}
	// Looks like ONNX, is not: OpenCV throws and aborts; only the child dies.
	broken := testmedia.File(t, "broken.onnx", append([]byte{0x08, 0x07, 0x12}, []byte("garbage that is not a protobuf model")...))
	_, err = New(t.Context(), Config{Media: nopBlobs{}, Publisher: &recorder{}, ModelPath: broken})
	if err == nil || !strings.Contains(err.Error(), "does not load") {
		t.Fatalf("broken model: %v", err)
	}
	notONNX := testmedia.File(t, "text.onnx", []byte("definitely not a model"))
	if _, err = New(t.Context(), Config{Media: nopBlobs{}, Publisher: &recorder{}, ModelPath: notONNX}); err == nil {
		t.Fatal("a text file was accepted as a model")
	}
}

func TestYOLODetectionsDriveTheCrop(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ModelPath = testmedia.YOLOModel(t) })
	out := e.post(t, events.VideoPosted{MediaURL: e.srv.serve(t, "v.mp4", testmedia.TikTokVideo(t))})
	if out.Failure != nil || len(out.Thumbnails) != 5 {
		t.Fatalf("with the model: %+v", out)
	}
	if out.Thumbnails[0].Label != "bottle" {
		t.Errorf("the best thumbnail should show a detected product, got %+v", out.Thumbnails[0])
	}
	var product *events.Thumbnail
	for i, th := range out.Thumbnails {
		if th.Label == "person" {
			t.Errorf("a non-product class was used: %+v", th)
		}
		if scene := int(float64(th.FrameMS) / 1000 / testmedia.SceneSeconds); testmedia.Scenes[scene].Product {
			product = &out.Thumbnails[i]
		}
	}
	if product == nil || product.Label != "bottle" {
		t.Fatalf("no thumbnail of the product scene labelled with the product class: %+v", out.Thumbnails)
	}
	// The crop is centred on the red square.
	img := e.thumbnail(t, *product)
	r, g, b, _ := img.At(200, 200).RGBA()
	if r>>8 < 180 || g>>8 > 90 || b>>8 > 90 {
		t.Errorf("thumbnail centre is rgb(%d,%d,%d), want the red product", r>>8, g>>8, b>>8)
	}
	if red := redShare(img); red < 0.25 {
		t.Errorf("only %.0f%% of the thumbnail is the product", red*100)
	}
}

func redShare(img image.Image) float64 {
	var red, all int
	for y := 0; y < 400; y += 4 {
		for x := 0; x < 400; x += 4 {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 > 180 && g>>8 < 90 && b>>8 < 90 {
				red++
			}
			all++
		}
	}
	return float64(red) / float64(all)
}

type nopBlobs struct{}

func (nopBlobs) Put(_ context.Context, _ string, _ []byte, _ string) (string, error) {
	return "", errors.New("not used")
}

// pattern draws a w x h checkerboard of the given cell size and colour.
func pattern(w, h, cell int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if (x/cell+y/cell)%2 == 0 {
				img.Set(x, y, c)
			} else {
				img.Set(x, y, color.RGBA{20, 20, 30, 255})
			}
		}
	}
	return img
}

func TestSlideshowImages(t *testing.T) {
	e := newEnv(t, nil)
	encode := func(img image.Image, usePNG bool) []byte {
		var b bytes.Buffer
		var err error
		if usePNG {
			err = png.Encode(&b, img)
		} else {
			err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
		}
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	urls := []string{
		e.srv.serveBytes("1.jpg", encode(pattern(720, 960, 24, color.RGBA{230, 60, 40, 255}), false)),
		e.srv.serveBytes("2.png", encode(pattern(1080, 1080, 90, color.RGBA{40, 200, 90, 255}), true)),
		e.srv.serveBytes("3.jpg", encode(pattern(720, 960, 24, color.RGBA{230, 60, 40, 255}), false)), // same as 1
		e.srv.serveBytes("4.txt", []byte("not an image")),
		"http://10.0.0.1/5.jpg",
		e.srv.URL + "/missing.jpg",
	}
	out := e.post(t, events.VideoPosted{ImageURLs: urls})
	if out.Failure != nil {
		t.Fatalf("failure: %s", out.Failure.Reason)
	}
	if len(out.Thumbnails) != 2 || !strings.Contains(out.Note, "only 2") {
		t.Fatalf("want 2 thumbnails (the third image repeats the first) and a note, got %d, %q", len(out.Thumbnails), out.Note)
	}
	for _, th := range out.Thumbnails {
		e.thumbnail(t, th)
	}

	bad := e.post(t, events.VideoPosted{ImageURLs: urls[3:]})
	if bad.Failure == nil || !strings.Contains(bad.Failure.Reason, "none of the 3 slideshow images") {
		t.Fatalf("want a failure when no image is usable, got %+v", bad)
	}
}
