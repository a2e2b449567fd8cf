// Package vision scores candidate frames (sharpness as the variance of the
// Laplacian, exposure, product detections from a YOLOv8 model), picks good
// and different ones, and cuts square thumbnails around the product or the
// most detailed region, with OpenCV through gocv.
package vision

import (
	"cmp"
	"fmt"
	"image"
	"math"
	"slices"
	"time"

	"gocv.io/x/gocv"
)

// analysisWidth is the width frames are measured at, so that scores do not
// depend on the video's resolution.
const analysisWidth = 360

// ThumbSize is the side of every thumbnail, in pixels.
const ThumbSize = 400

// Candidate is one sampled frame or image and its measures.
type Candidate struct {
	// Time is the frame's time in the video (0 for images).
	Time time.Duration
	// Image is the BGR picture in display orientation; the Candidate owns it.
	Image gocv.Mat
	// Sharpness is the variance of the Laplacian of the grey picture at
	// analysisWidth; higher is sharper.
	Sharpness float64
	// Exposure rates brightness, contrast and clipping in [0,1].
	Exposure float64
	// Flat marks a picture too dark, too bright or featureless to use.
	Flat bool
	// Detection is the most confident product-like object, if a detector ran
	// and found one.
	Detection *Detection
	// Score is the overall quality in [0,1] (set by Rate).
	Score float64

	signature []byte
	salient   image.Rectangle
}

// NewCandidate measures img, which the Candidate takes over.
func NewCandidate(img gocv.Mat, t time.Duration) (*Candidate, error) {
	if img.Empty() || img.Channels() != 3 {
		_ = img.Close()
		return nil, fmt.Errorf("vision: the candidate at %s is not a colour picture", t)
	}
	c := &Candidate{Time: t, Image: img}
	gray := gocv.NewMat()
	defer func() { _ = gray.Close() }()
	gocv.CvtColor(img, &gray, gocv.ColorBGRToGray)
	sw := min(analysisWidth, img.Cols())
	sh := max(1, int(math.Round(float64(img.Rows())*float64(sw)/float64(img.Cols()))))
	small := gocv.NewMat()
	defer func() { _ = small.Close() }()
	gocv.Resize(gray, &small, image.Pt(sw, sh), 0, 0, gocv.InterpolationArea)

	lap := gocv.NewMat()
	defer func() { _ = lap.Close() }()
	gocv.Laplacian(small, &lap, gocv.MatTypeCV64F, 3, 1, 0, gocv.BorderDefault)
	_, lapStd := meanStd(lap)
	c.Sharpness = lapStd * lapStd

	mean, std := meanStd(small)
	clipped := float64(countOutside(small, 16, 239)) / float64(sw*sh)
	bright := 1 - math.Abs(mean-128)/128
	contrast := math.Min(std/60, 1)
	c.Exposure = clamp01(0.4*bright + 0.4*contrast + 0.2*(1-clipped))
	// Featureless means no variation in any colour channel: a red product
	// on a grey backdrop has little grey contrast but is not flat.
	c.Flat = maxChannelStd(img, sw, sh) < 8 || mean < 16 || mean > 240 || clipped > 0.9

	sig := gocv.NewMat()
	defer func() { _ = sig.Close() }()
	gocv.Resize(small, &sig, image.Pt(16, 16), 0, 0, gocv.InterpolationArea)
	c.signature = sig.ToBytes()

	lines, err := lineEnergy(lap, sw >= sh)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.salient = scaleRect(salientSquare(lines, sw, sh), float64(img.Cols())/float64(sw), img.Cols(), img.Rows())
	return c, nil
}

// Close releases the picture.
func (c *Candidate) Close() { _ = c.Image.Close() }

// Detect runs d on the picture and keeps the most confident detection.
func (c *Candidate) Detect(d *Detector) error {
	ds, err := d.Detect(c.Image)
	if err != nil {
		return err
	}
	if len(ds) > 0 {
		c.Detection = &ds[0]
	}
	return nil
}

// Rate sets Score from the measures; withDetector says whether a detector
// ran, so that a found product counts and its absence costs.
func (c *Candidate) Rate(withDetector bool) {
	sharp := c.Sharpness / (c.Sharpness + 100)
	switch {
	case c.Flat:
		c.Score = 0
	case withDetector:
		conf := 0.0
		if c.Detection != nil {
			conf = c.Detection.Confidence
		}
		c.Score = 0.4*sharp + 0.25*c.Exposure + 0.35*conf
	default:
		c.Score = 0.6*sharp + 0.4*c.Exposure
	}
}

// Label is the detected product's class name, or "".
func (c *Candidate) Label() string {
	if c.Detection == nil {
		return ""
	}
	return c.Detection.Label
}

// nearDuplicateDiff is the mean absolute grey difference (0..255) of two
// 16x16 signatures under which two pictures count as the same shot.
const nearDuplicateDiff = 8

// Different reports whether two candidates show different pictures.
func Different(a, b *Candidate) bool {
	var sum int
	for i := range a.signature {
		d := int(a.signature[i]) - int(b.signature[i])
		if d < 0 {
			d = -d
		}
		sum += d
	}
	return float64(sum)/float64(len(a.signature)) >= nearDuplicateDiff
}

// Select returns up to n candidates, best score first, that are usable (not
// flat), at least minGap apart in time and not near-duplicates of each other.
func Select(cands []*Candidate, n int, minGap time.Duration) []*Candidate {
	order := slices.Clone(cands)
	slices.SortStableFunc(order, func(a, b *Candidate) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Time, b.Time)
	})
	var picked []*Candidate
	for _, c := range order {
		if len(picked) == n {
			break
		}
		if c.Flat || c.Score <= 0 {
			continue
		}
		ok := true
		for _, p := range picked {
			gap := c.Time - p.Time
			if (minGap > 0 && gap.Abs() < minGap) || !Different(c, p) {
				ok = false
				break
			}
		}
		if ok {
			picked = append(picked, c)
		}
	}
	return picked
}

// Focus is the square the thumbnail is cut from: around the detected product
// (with a margin) when there is one, else the most detailed square region
// along the picture's long side, biased to the centre.
func (c *Candidate) Focus() image.Rectangle {
	w, h := c.Image.Cols(), c.Image.Rows()
	short := min(w, h)
	if c.Detection == nil {
		return c.salient
	}
	b := c.Detection.Box
	side := int(math.Round(1.4 * float64(max(b.Dx(), b.Dy()))))
	side = min(max(side, short*2/5), short)
	cx, cy := (b.Min.X+b.Max.X)/2, (b.Min.Y+b.Max.Y)/2
	x := min(max(cx-side/2, 0), w-side)
	y := min(max(cy-side/2, 0), h-side)
	return image.Rect(x, y, x+side, y+side)
}

// JPEG cuts the Focus square, resizes it to ThumbSize x ThumbSize and
// encodes it as a JPEG.
func (c *Candidate) JPEG() ([]byte, error) {
	roi := c.Image.Region(c.Focus())
	defer func() { _ = roi.Close() }()
	thumb := gocv.NewMat()
	defer func() { _ = thumb.Close() }()
	interp := gocv.InterpolationArea
	if roi.Cols() < ThumbSize {
		interp = gocv.InterpolationCubic
	}
	gocv.Resize(roi, &thumb, image.Pt(ThumbSize, ThumbSize), 0, 0, interp)
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, thumb, []int{gocv.IMWriteJpegQuality, 88, gocv.IMWriteJpegOptimize, 1})
	if err != nil {
		return nil, fmt.Errorf("vision: encode JPEG: %w", err)
	}
	defer buf.Close()
	return slices.Clone(buf.GetBytes()), nil
}

func meanStd(m gocv.Mat) (mean, std float64) {
	mu, sd := gocv.NewMat(), gocv.NewMat()
	defer func() { _ = mu.Close() }()
	defer func() { _ = sd.Close() }()
	gocv.MeanStdDev(m, &mu, &sd)
	return mu.GetDoubleAt(0, 0), sd.GetDoubleAt(0, 0)
}

// maxChannelStd is the largest per-channel standard deviation of img seen at w x h.
func maxChannelStd(img gocv.Mat, w, h int) float64 {
	small, mu, sd := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
	defer func() { _ = small.Close() }()
	defer func() { _ = mu.Close() }()
	defer func() { _ = sd.Close() }()
	gocv.Resize(img, &small, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	gocv.MeanStdDev(small, &mu, &sd)
	best := 0.0
	for i := range sd.Rows() {
		best = math.Max(best, sd.GetDoubleAt(i, 0))
	}
	return best
}

// countOutside counts 8-bit pixels below lo or above hi.
func countOutside(m gocv.Mat, lo, hi float32) int {
	t := gocv.NewMat()
	defer func() { _ = t.Close() }()
	gocv.Threshold(m, &t, hi, 255, gocv.ThresholdBinary)
	n := gocv.CountNonZero(t)
	gocv.Threshold(m, &t, lo-1, 255, gocv.ThresholdBinaryInv)
	return n + gocv.CountNonZero(t)
}

// lineEnergy sums |Laplacian| per column (landscape) or per row (portrait):
// the detail along the axis the square slides on.
func lineEnergy(lap gocv.Mat, byColumn bool) ([]float64, error) {
	data, err := lap.DataPtrFloat64()
	if err != nil {
		return nil, fmt.Errorf("vision: %w", err)
	}
	w, h := lap.Cols(), lap.Rows()
	n := h
	if byColumn {
		n = w
	}
	out := make([]float64, n)
	for y := range h {
		row := data[y*w : (y+1)*w]
		for x, v := range row {
			if byColumn {
				out[x] += math.Abs(v)
			} else {
				out[y] += math.Abs(v)
			}
		}
	}
	return out, nil
}

// salientSquare slides a square of the short side along the long side of a
// w x h picture and returns the position with the most detail, each position
// weighed down by up to 30% with its distance from the centre.
func salientSquare(lines []float64, w, h int) image.Rectangle {
	side := min(w, h)
	span := len(lines) - side
	if span <= 0 {
		return image.Rect(0, 0, side, side)
	}
	var window float64
	for _, v := range lines[:side] {
		window += v
	}
	best, bestAt := -1.0, 0
	for p := 0; p <= span; p++ {
		if p > 0 {
			window += lines[p+side-1] - lines[p-1]
		}
		off := math.Abs(float64(p)-float64(span)/2) / (float64(span) / 2)
		if v := window * (1 - 0.3*off); v > best {
			best, bestAt = v, p
		}
	}
	if w >= h {
		return image.Rect(bestAt, 0, bestAt+side, side)
	}
	return image.Rect(0, bestAt, side, bestAt+side)
}

// scaleRect maps a square from analysis to picture coordinates, keeping it
// square and inside the w x h picture.
func scaleRect(r image.Rectangle, f float64, w, h int) image.Rectangle {
	side := min(int(math.Round(float64(r.Dx())*f)), w, h)
	x := min(max(int(math.Round(float64(r.Min.X)*f)), 0), w-side)
	y := min(max(int(math.Round(float64(r.Min.Y)*f)), 0), h-side)
	return image.Rect(x, y, x+side, y+side)
}

func clamp01(v float64) float64 { return math.Min(math.Max(v, 0), 1) }
