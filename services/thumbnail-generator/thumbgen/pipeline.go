package thumbgen

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"time"

	"gocv.io/x/gocv"

	"github.com/buylink/buylink/services/thumbnail-generator/internal/frames"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/vision"
)

// Sampling parameters.
const (
	// candidateCount is how many frames are scored per video.
	candidateCount = 16
	// analysisShortSide bounds the shorter side of decoded frames: enough for
	// a 400x400 cut of a close-up, small enough to keep the child lean.
	analysisShortSide = 720
	// sequentialMaxFrames is the longest video (in frames) decoded from start
	// to end when its keyframes are too few to offer different candidates.
	sequentialMaxFrames = 600
	// maxImagePixels bounds a slideshow image before it is decoded.
	maxImagePixels = 50_000_000
)

// runJob is the child's work.
func runJob(j job) (jobResult, error) {
	var det *vision.Detector
	if j.ModelPath != "" {
		d, err := vision.LoadDetector(j.ModelPath)
		if err != nil {
			return jobResult{}, fmt.Errorf("load model: %w", err)
		}
		defer d.Close()
		det = d
	}
	switch j.Kind {
	case "model":
		return jobResult{}, nil
	case "video":
		if len(j.Inputs) != 1 {
			return jobResult{}, fmt.Errorf("a video job takes one input, got %d", len(j.Inputs))
		}
		return videoJob(j, det)
	case "images":
		return imagesJob(j, det)
	}
	return jobResult{}, fmt.Errorf("unknown job kind %q", j.Kind)
}

func videoJob(j job, det *vision.Detector) (jobResult, error) {
	v, err := frames.Open(j.Inputs[0], analysisShortSide)
	if err != nil {
		return jobResult{}, reject("%v", err)
	}
	defer v.Close()
	info := v.Info()
	probe := &Probe{
		DurationMS: info.Duration.Milliseconds(), FPS: info.FPS, Width: info.Width, Height: info.Height,
		Keyframes: info.Keyframes, Codec: info.Codec,
	}
	targets := sampleTimes(info.Duration, candidateCount)
	keyTargets := nearestKeyframes(v.KeyframeTimes(), targets)
	if len(keyTargets) == 0 {
		// No index to read keyframes from (fragmented MP4): seek to the
		// targets and take the keyframe each lands on.
		keyTargets = targets
	}
	totalFrames := int(info.Duration.Seconds()*info.FPS) + 1
	var cands []*vision.Candidate
	defer func() {
		for _, c := range cands {
			c.Close()
		}
	}()
	add := func(f frames.Frame) error {
		img, err := frameMat(f, info.Rotation)
		if err != nil {
			return err
		}
		c, err := vision.NewCandidate(img, f.Time)
		if err != nil {
			return err
		}
		cands = append(cands, c)
		return nil
	}
	var decodeErr error
	if len(keyTargets) >= 2*j.Count || totalFrames > sequentialMaxFrames {
		probe.Sampling = "keyframes"
		seen := map[time.Duration]bool{}
		for _, t := range keyTargets {
			f, err := v.Keyframe(t)
			if err != nil {
				decodeErr = err // a damaged keyframe costs one candidate
				continue
			}
			if seen[f.Time] {
				continue
			}
			seen[f.Time] = true
			if err := add(f); err != nil {
				return jobResult{}, err
			}
		}
	} else {
		probe.Sampling = "sequential"
		if err := v.Sequential(targets, sequentialMaxFrames, add); err != nil {
			decodeErr = err // keep what was decoded before the damage
		}
	}
	if len(cands) == 0 {
		if decodeErr != nil {
			return jobResult{}, reject("no frame could be decoded: %v", decodeErr)
		}
		return jobResult{}, reject("the video has no decodable frame")
	}
	minGap := min(max(info.Duration/15, 500*time.Millisecond), 4*time.Second)
	res, err := pick(j, det, cands, minGap)
	res.Probe = probe
	if err == nil && len(res.Thumbs) < j.Count {
		res.Note = fmt.Sprintf("only %d of %d thumbnails: the %.1fs video has %d distinct usable frames among %d sampled",
			len(res.Thumbs), j.Count, info.Duration.Seconds(), len(res.Thumbs), len(cands))
	}
	return res, err
}

func imagesJob(j job, det *vision.Detector) (jobResult, error) {
	var cands []*vision.Candidate
	defer func() {
		for _, c := range cands {
			c.Close()
		}
	}()
	var skipped int
	for _, path := range j.Inputs {
		img, err := readImage(path)
		if err != nil {
			skipped++
			continue
		}
		c, err := vision.NewCandidate(img, 0)
		if err != nil {
			return jobResult{}, err
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return jobResult{}, reject("none of the %d slideshow images could be decoded", len(j.Inputs))
	}
	res, err := pick(j, det, cands, 0)
	if err == nil && len(res.Thumbs) < j.Count {
		res.Note = fmt.Sprintf("only %d of %d thumbnails: the slideshow has %d distinct usable images among %d (%d undecodable)",
			len(res.Thumbs), j.Count, len(res.Thumbs), len(j.Inputs), skipped)
	}
	return res, err
}

// pick scores the candidates, selects the best different ones and writes
// their thumbnails to j.OutDir.
func pick(j job, det *vision.Detector, cands []*vision.Candidate, minGap time.Duration) (jobResult, error) {
	for _, c := range cands {
		if det != nil && !c.Flat {
			if err := c.Detect(det); err != nil {
				return jobResult{}, err
			}
		}
		c.Rate(det != nil)
	}
	res := jobResult{Candidates: len(cands), Thumbs: []thumbFile{}}
	for i, c := range vision.Select(cands, j.Count, minGap) {
		data, err := c.JPEG()
		if err != nil {
			return jobResult{}, err
		}
		name := fmt.Sprintf("thumb-%d.jpg", i)
		if err := os.WriteFile(filepath.Join(j.OutDir, name), data, 0o600); err != nil {
			return jobResult{}, err
		}
		res.Thumbs = append(res.Thumbs, thumbFile{File: name, FrameMS: c.Time.Milliseconds(), Score: round3(c.Score), Label: c.Label()})
	}
	return res, nil
}

// sampleTimes spreads n times over the video, away from its first and last 2%.
func sampleTimes(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	lo, span := d/50, d-d/25
	for i := range n {
		out[i] = lo + time.Duration(float64(span)*(float64(i)+0.5)/float64(n))
	}
	return out
}

// nearestKeyframes maps each target to the closest keyframe seek point,
// without repeats, in ascending order.
func nearestKeyframes(keys, targets []time.Duration) []time.Duration {
	var out []time.Duration
	seen := map[time.Duration]bool{}
	for _, t := range targets {
		best := time.Duration(-1)
		for _, k := range keys {
			if best < 0 || (k-t).Abs() < (best-t).Abs() {
				best = k
			}
		}
		if best >= 0 && !seen[best] {
			seen[best] = true
			out = append(out, best)
		}
	}
	return out
}

// frameMat turns a decoded frame into a BGR Mat in display orientation.
func frameMat(f frames.Frame, rotation int) (gocv.Mat, error) {
	m, err := gocv.NewMatFromBytes(f.Height, f.Width, gocv.MatTypeCV8UC3, f.BGR)
	if err != nil {
		return gocv.Mat{}, err
	}
	defer func() { _ = m.Close() }()
	out := gocv.NewMat()
	switch rotation {
	case 90:
		gocv.Rotate(m, &out, gocv.Rotate90Clockwise)
	case 180:
		gocv.Rotate(m, &out, gocv.Rotate180Clockwise)
	case 270:
		gocv.Rotate(m, &out, gocv.Rotate90CounterClockwise)
	default:
		m.CopyTo(&out)
	}
	return out, nil
}

// readImage decodes an image file (JPEG, PNG or WebP, checked by the parent)
// whose header-declared size is sane, scaled to the analysis size.
func readImage(path string) (gocv.Mat, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return gocv.Mat{}, err
	}
	if w, h, ok := imageSize(data); !ok || w*h > maxImagePixels || w < 16 || h < 16 {
		return gocv.Mat{}, fmt.Errorf("image %s has an unreadable or unsupported size", filepath.Base(path))
	}
	img, err := gocv.IMDecode(data, gocv.IMReadColor)
	if err != nil {
		return gocv.Mat{}, fmt.Errorf("image %s cannot be decoded: %w", filepath.Base(path), err)
	}
	if img.Empty() {
		_ = img.Close()
		return gocv.Mat{}, fmt.Errorf("image %s cannot be decoded", filepath.Base(path))
	}
	if short := min(img.Cols(), img.Rows()); short > analysisShortSide {
		f := float64(analysisShortSide) / float64(short)
		small := gocv.NewMat()
		gocv.Resize(img, &small, image.Pt(int(float64(img.Cols())*f), int(float64(img.Rows())*f)), 0, 0, gocv.InterpolationArea)
		_ = img.Close()
		return small, nil
	}
	return img, nil
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
