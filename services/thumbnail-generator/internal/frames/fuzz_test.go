package frames_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/buylink/buylink/services/thumbnail-generator/internal/frames"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/testmedia"
)

// FuzzOpen feeds the frame reader small media files: real H.264, HEVC and
// VP9 clips as seeds, mutated by the fuzzer. Whatever the bytes, the reader
// returns frames of the promised size or an error; it never crashes.
func FuzzOpen(f *testing.F) {
	for _, c := range []clipSize{{testmedia.H264, 48, 36}, {testmedia.HEVC, 32, 64}, {testmedia.VP9, 33, 17}, {testmedia.H264, 17, 31}} {
		b, err := os.ReadFile(testmedia.QuadrantClip(f, c.codec, c.w, c.h))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		path := filepath.Join(t.TempDir(), "in.mp4")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		v, err := frames.Open(path, 24)
		if err != nil {
			return
		}
		defer v.Close()
		check := func(fr frames.Frame) {
			if fr.Width < 1 || fr.Height < 1 || len(fr.BGR) != fr.Width*fr.Height*3 {
				t.Fatalf("frame %dx%d with %d bytes", fr.Width, fr.Height, len(fr.BGR))
			}
		}
		keys := v.KeyframeTimes()
		for _, k := range keys[:min(len(keys), 3)] {
			if fr, err := v.Keyframe(k); err == nil {
				check(fr)
			}
		}
		times := []time.Duration{0, v.Info().Duration / 2}
		_ = v.Sequential(times, 30, func(fr frames.Frame) error { check(fr); return nil })
	})
}
