package thumbgen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/buylink/buylink/services/thumbnail-generator/internal/frames"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/testmedia"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/vision"
)

// referenceVideoJob is the plain form of videoJob's keyframe sampling: one
// decoder seeks to each target's keyframe in turn. The parallel sampler
// must choose exactly what it chooses.
func referenceVideoJob(t *testing.T, path, outDir string) jobResult {
	t.Helper()
	v, err := frames.Open(path, analysisShortSide)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	info := v.Info()
	keyTargets := nearestKeyframes(v.KeyframeTimes(), sampleTimes(info.Duration, candidateCount))
	if len(keyTargets) == 0 {
		keyTargets = sampleTimes(info.Duration, candidateCount)
	}
	var cands []*vision.Candidate
	defer func() {
		for _, c := range cands {
			c.Close()
		}
	}()
	seen := map[time.Duration]bool{}
	for _, kt := range keyTargets {
		f, err := v.Keyframe(kt)
		if err != nil || seen[f.Time] {
			continue
		}
		seen[f.Time] = true
		c, err := frameCandidate(f, info.Rotation)
		if err != nil {
			t.Fatal(err)
		}
		cands = append(cands, c)
	}
	res, err := pick(job{OutDir: outDir, Count: DefaultCount}, nil, cands, min(max(info.Duration/15, 500*time.Millisecond), 4*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestParallelSamplingChoosesTheSameThumbnails runs the child's video job
// (two decoders at once, thumbnails encoded two at a time) and the plain
// one-decoder sampler on the test videos sampled by keyframes: the same
// frames, scores and JPEG bytes.
func TestParallelSamplingChoosesTheSameThumbnails(t *testing.T) {
	for name, path := range map[string]string{
		"tiktok":     testmedia.TikTokVideo(t),
		"fragmented": testmedia.FragmentedVideo(t),
		"truncated":  testmedia.TruncatedVideo(t),
	} {
		t.Run(name, func(t *testing.T) {
			gotDir, wantDir := t.TempDir(), t.TempDir()
			got, err := videoJob(job{Kind: "video", Inputs: []string{path}, OutDir: gotDir, Count: DefaultCount}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Probe.Sampling != "keyframes" {
				t.Fatalf("sampled %s, want keyframes", got.Probe.Sampling)
			}
			want := referenceVideoJob(t, path, wantDir)
			if len(got.Thumbs) == 0 || len(got.Thumbs) != len(want.Thumbs) {
				t.Fatalf("%d thumbnails, the reference made %d", len(got.Thumbs), len(want.Thumbs))
			}
			for i := range want.Thumbs {
				g, w := got.Thumbs[i], want.Thumbs[i]
				if g != w {
					t.Errorf("thumbnail %d: %+v, the reference chose %+v", i, g, w)
					continue
				}
				gb, err1 := os.ReadFile(filepath.Join(gotDir, g.File))
				wb, err2 := os.ReadFile(filepath.Join(wantDir, w.File))
				if err1 != nil || err2 != nil || !bytes.Equal(gb, wb) {
					t.Errorf("thumbnail %d differs from the reference's (%v, %v)", i, err1, err2)
				}
			}
		})
	}
}
