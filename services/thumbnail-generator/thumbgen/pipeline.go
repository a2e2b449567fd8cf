package thumbgen

import (
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sync"
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
	// decoders is how many keyframe decoders run at once in the child: its
	// two cores.
	decoders = 2
)

// jobKinds is the child's work by job kind. Each runs confined (confine)
// with the detector loaded at start (nil without a model).
var jobKinds = map[string]func(job, *vision.Detector) (jobResult, error){
	"model":  func(job, *vision.Detector) (jobResult, error) { return jobResult{}, nil },
	"video":  videoJob,
	"images": imagesJob,
}

func videoJob(j job, det *vision.Detector) (jobResult, error) {
	if len(j.Inputs) != 1 {
		return jobResult{}, fmt.Errorf("a video job takes one input, got %d", len(j.Inputs))
	}
	path := j.Inputs[0]
	v, err := frames.Open(path, analysisShortSide)
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
	var decodeErr error
	if len(keyTargets) >= 2*j.Count || totalFrames > sequentialMaxFrames {
		probe.Sampling = "keyframes"
		cands, decodeErr, err = keyframeCandidates(v, path, keyTargets, info.Rotation)
		if err != nil {
			return jobResult{}, err
		}
	} else {
		probe.Sampling = "sequential"
		err := v.Sequential(targets, sequentialMaxFrames, func(f frames.Frame) error {
			c, err := frameCandidate(f, info.Rotation)
			if err == nil {
				cands = append(cands, c)
			}
			return err
		})
		if err != nil {
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

// keyframeCandidates seeks to each of the ascending times and decodes the
// keyframe there, with `decoders` decoders at once (v, open on path, and
// more opened here), and measures each distinct frame. It returns the candidates in time order, the last
// decoding error (a damaged keyframe costs one candidate) and, apart, an
// error that stops the job.
func keyframeCandidates(v *frames.Video, path string, times []time.Duration, rotation int) (cands []*vision.Candidate, decodeErr, err error) {
	slots := make([]*vision.Candidate, len(times))
	decodeErrs := make([]error, len(times))
	stops := make([]error, decoders)
	var wg sync.WaitGroup
	for w := range min(decoders, len(times)) {
		wg.Go(func() {
			v := v
			if w > 0 {
				var err error
				if v, err = frames.Open(path, analysisShortSide); err != nil {
					stops[w] = reject("%v", err)
					return
				}
				defer v.Close()
			}
			for i := w; i < len(times); i += decoders {
				f, err := v.Keyframe(times[i])
				if err != nil {
					decodeErrs[i] = err
					continue
				}
				if slots[i], err = frameCandidate(f, rotation); err != nil {
					stops[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[time.Duration]bool{}
	for i, c := range slots {
		if decodeErrs[i] != nil {
			decodeErr = decodeErrs[i]
		}
		switch {
		case c == nil:
		case seen[c.Time]: // two targets landed on one keyframe
			c.Close()
		default:
			seen[c.Time] = true
			cands = append(cands, c)
		}
	}
	if err := errors.Join(stops...); err != nil {
		for _, c := range cands {
			c.Close()
		}
		return nil, nil, err
	}
	return cands, decodeErr, nil
}

// warmUp does, before the child's job arrives, the one-time set-up its work
// needs whatever the input: decoders, OpenCV's code and thread pool, the
// JPEG encoder, on each of the child's decoding threads.
func warmUp() error {
	frames.WarmUp()
	const w, h = 720, 1280
	bgr := make([]byte, w*h*3)
	for i := range bgr {
		bgr[i] = byte(i * 7 % 251)
	}
	errs := make([]error, decoders)
	var wg sync.WaitGroup
	for i := range decoders {
		wg.Go(func() {
			c, err := frameCandidate(frames.Frame{Width: w, Height: h, BGR: bgr}, 0)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.Close()
			c.Rate(false)
			_, errs[i] = c.JPEG()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// frameCandidate measures a decoded frame in display orientation.
func frameCandidate(f frames.Frame, rotation int) (*vision.Candidate, error) {
	img, err := frameMat(f, rotation)
	if err != nil {
		return nil, err
	}
	return vision.NewCandidate(img, f.Time)
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
// their thumbnails to j.OutDir (two at a time).
func pick(j job, det *vision.Detector, cands []*vision.Candidate, minGap time.Duration) (jobResult, error) {
	for _, c := range cands {
		if det != nil && !c.Flat {
			if err := c.Detect(det); err != nil {
				return jobResult{}, err
			}
		}
		c.Rate(det != nil)
	}
	chosen := vision.Select(cands, j.Count, minGap)
	res := jobResult{Candidates: len(cands), Thumbs: make([]thumbFile, len(chosen))}
	errs := make([]error, len(chosen))
	var wg sync.WaitGroup
	for w := range min(decoders, len(chosen)) {
		wg.Go(func() {
			for i := w; i < len(chosen); i += decoders {
				c := chosen[i]
				name := fmt.Sprintf("thumb-%d.jpg", i)
				data, err := c.JPEG()
				if err == nil {
					err = os.WriteFile(filepath.Join(j.OutDir, name), data, 0o600)
				}
				errs[i] = err
				res.Thumbs[i] = thumbFile{File: name, FrameMS: c.Time.Milliseconds(), Score: round3(c.Score), Label: c.Label()}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return jobResult{}, err
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
