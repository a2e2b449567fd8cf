package vision

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// TestCOCOClassesMatchYOLOv8Order checks COCOClasses against
// testdata/coco80_classes.txt, the class list in the shape YOLOv8 exports
// it (one name a line, in output-row order).
func TestCOCOClassesMatchYOLOv8Order(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "coco80_classes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(b)), " ", "_"))
	if len(names) != len(COCOClasses) {
		t.Fatalf("fixture has %d classes, we have %d", len(names), len(COCOClasses))
	}
	for i, n := range names {
		if want := strings.ReplaceAll(n, "_", " "); COCOClasses[i] != want {
			t.Errorf("class %d: %q, fixture says %q", i, COCOClasses[i], want)
		}
	}
	for _, c := range []string{"person", "dog", "car", "pizza", "traffic light"} {
		for i, n := range COCOClasses {
			if n == c && IsProductClass(i) {
				t.Errorf("%q counts as a product", c)
			}
		}
	}
	for _, c := range []string{"bottle", "handbag", "cell phone", "laptop", "cup"} {
		for i, n := range COCOClasses {
			if n == c && !IsProductClass(i) {
				t.Errorf("%q does not count as a product", c)
			}
		}
	}
}

// yoloOutput builds a [84,8400] output with the given anchors set.
type anchor struct {
	i            int
	cx, cy, w, h float32
	class        int
	score        float32
}

func yoloOutput(as ...anchor) []float32 {
	out := make([]float32, yoloRows*yoloAnchors)
	for _, a := range as {
		out[a.i], out[yoloAnchors+a.i], out[2*yoloAnchors+a.i], out[3*yoloAnchors+a.i] = a.cx, a.cy, a.w, a.h
		out[(4+a.class)*yoloAnchors+a.i] = a.score
	}
	return out
}

func TestDecodeYOLOLetterboxAndNMS(t *testing.T) {
	const bottle, person, cup = 39, 0, 41
	// A 1280x720 picture letterboxed to 640: scale 0.5, 140 px bars top and bottom.
	data := yoloOutput(
		anchor{i: 10, cx: 320, cy: 320, w: 100, h: 100, class: bottle, score: 0.9},
		anchor{i: 11, cx: 325, cy: 322, w: 100, h: 100, class: bottle, score: 0.8}, // overlaps: suppressed
		anchor{i: 12, cx: 100, cy: 200, w: 40, h: 40, class: cup, score: 0.6},
		anchor{i: 13, cx: 500, cy: 400, w: 80, h: 160, class: person, score: 0.99}, // not a product
		anchor{i: 14, cx: 500, cy: 200, w: 40, h: 40, class: cup, score: 0.2},      // below threshold
	)
	ds := decodeYOLO(data, 0.5, 0, 140, 1280, 720)
	if len(ds) != 2 {
		t.Fatalf("want 2 detections after NMS, got %+v", ds)
	}
	if ds[0].Label != "bottle" || ds[0].Confidence < 0.89 || ds[1].Label != "cup" {
		t.Fatalf("detections %+v", ds)
	}
	if want := image.Rect(540, 260, 740, 460); ds[0].Box != want {
		t.Errorf("bottle box %v, want %v in picture coordinates", ds[0].Box, want)
	}
	if ds := decodeYOLO(yoloOutput(), 1, 0, 0, 640, 640); len(ds) != 0 {
		t.Errorf("empty output gave %+v", ds)
	}
}

func solid(c gocv.Scalar, w, h int) gocv.Mat {
	return gocv.NewMatWithSizeFromScalar(c, h, w, gocv.MatTypeCV8UC3)
}

func candidate(t *testing.T, img gocv.Mat, at time.Duration) *Candidate {
	t.Helper()
	c, err := NewCandidate(img, at)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	c.Rate(false)
	return c
}

// checker draws a detailed picture; shift moves the pattern.
func checker(w, h, cell, shift int) gocv.Mat {
	m := solid(gocv.NewScalar(30, 30, 30, 0), w, h)
	for y := 0; y < h; y += cell {
		for x := (y/cell%2)*cell + shift; x < w; x += 2 * cell {
			gocv.Rectangle(&m, image.Rect(x, y, x+cell, y+cell), color.RGBA{R: 180, G: 200, B: 220, A: 255}, -1)
		}
	}
	return m
}

func TestScoresAndSelection(t *testing.T) {
	black := candidate(t, solid(gocv.NewScalar(0, 0, 0, 0), 360, 640), 0)
	grey := candidate(t, solid(gocv.NewScalar(128, 128, 128, 0), 360, 640), time.Second)
	sharp := candidate(t, checker(360, 640, 20, 0), 2*time.Second)
	same := candidate(t, checker(360, 640, 20, 0), 5*time.Second)
	other := candidate(t, checker(360, 640, 60, 30), 6*time.Second)
	near := candidate(t, checker(360, 640, 9, 0), 6200*time.Millisecond)
	if !black.Flat || !grey.Flat || black.Score != 0 || sharp.Flat {
		t.Fatalf("flat detection: black %+v grey %+v sharp %+v", black.Flat, grey.Flat, sharp.Flat)
	}
	if sharp.Score <= 0.5 || sharp.Sharpness <= other.Sharpness {
		t.Errorf("a fine checkerboard should score high and be sharper than a coarse one: %v %v/%v", sharp.Score, sharp.Sharpness, other.Sharpness)
	}
	if Different(sharp, same) || !Different(sharp, other) {
		t.Error("near-duplicate detection is wrong")
	}
	got := Select([]*Candidate{black, grey, sharp, same, other, near}, 5, time.Second)
	if len(got) != 2 || got[0] != sharp && got[0] != near {
		t.Fatalf("selected %d: want the best and one different frame a second away", len(got))
	}
	for _, c := range got {
		if c == same || c == black || c == grey {
			t.Errorf("selected a duplicate or flat frame at %s", c.Time)
		}
	}
	jpg, err := sharp.JPEG()
	if err != nil || len(jpg) < 100 {
		t.Fatalf("JPEG: %d bytes, %v", len(jpg), err)
	}
	img, err := gocv.IMDecode(jpg, gocv.IMReadColor)
	if err != nil || img.Cols() != ThumbSize || img.Rows() != ThumbSize {
		t.Fatalf("thumbnail %dx%d, %v", img.Cols(), img.Rows(), err)
	}
	_ = img.Close()
}

func TestFocusSquares(t *testing.T) {
	// Detail only in the lower part of a portrait picture: the crop goes there.
	m := solid(gocv.NewScalar(90, 90, 90, 0), 720, 1280)
	roi := m.Region(image.Rect(0, 900, 720, 1280))
	pattern := checker(720, 380, 16, 0)
	pattern.CopyTo(&roi)
	_ = pattern.Close()
	_ = roi.Close()
	c := candidate(t, m, 0)
	if f := c.Focus(); f.Dx() != 720 || f.Dy() != 720 || f.Min.Y < 400 {
		t.Errorf("salient square %v, want a 720 square in the lower part", f)
	}
	c.Detection = &Detection{Box: image.Rect(100, 100, 200, 300), Label: "bottle", Confidence: 0.8}
	f := c.Focus()
	if f.Dx() != f.Dy() || !image.Rect(100, 100, 200, 300).In(f) || f.Min.X < 0 || f.Min.Y < 0 {
		t.Errorf("detection square %v does not hold the box", f)
	}
}
