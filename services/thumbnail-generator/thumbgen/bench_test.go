package thumbgen

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/testmedia"
)

// BenchmarkThumbnails60s measures, on a 60 s 1080x1920 30 fps H.264 video,
// the wall time to make the 5 thumbnails (hand-over to the warm spare child,
// probe, keyframe seeks, scoring, crops, JPEG encoding, storage) against a
// keyframe-only decode by ffmpeg (`ffmpeg -skip_frame nokey -i v.mp4 -f
// null -`) in the same run, and the decoding child's peak RSS. Each side is
// timed while the other is idle: the spare child that the generator starts
// after each video has loaded before the next measurement. A cold child's
// start (the shared libraries OpenCV pulls in) is reported apart, as
// s-cold-start/op. Targets: ratio <= 0.5, peak RSS <= 300 MiB.
func BenchmarkThumbnails60s(b *testing.B) {
	video := testmedia.LongVideo(b)
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		b.Fatalf("ffmpeg is required for the baseline: %v", err)
	}
	store, err := media.Open(b.Context(), "file://"+b.TempDir()+"?create_dir=1&no_tmp_dir=1", "http://localhost/media")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	g, err := New(b.Context(), Config{Media: store, Publisher: &recorder{}, TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	// spareReady waits until the spare child has started.
	spareReady := func() {
		g.mu.Lock()
		p := g.spare
		g.mu.Unlock()
		if p == nil {
			b.Fatal("no spare child after a video")
		}
		err := <-p.ready
		p.ready <- err
		if err != nil {
			b.Fatalf("spare child: %v", err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	coldStart := func() time.Duration {
		start := time.Now()
		p, err := startChild(exe, g.cfg.Limits, "")
		if err != nil {
			b.Fatal(err)
		}
		if err := <-p.ready; err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		p.kill()
		return took
	}
	runOurs := func() (time.Duration, Result) {
		spareReady()
		dir, err := os.MkdirTemp(b.TempDir(), "run-*")
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, err := g.fromVideo(b.Context(), dir, video)
		took := time.Since(start)
		if err != nil || len(res.Thumbnails) != 5 {
			b.Fatalf("thumbnails: %d, err %v", len(res.Thumbnails), err)
		}
		spareReady()
		return took, res
	}
	runBaseline := func() time.Duration {
		start := time.Now()
		if out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error", "-skip_frame", "nokey", "-i", video, "-f", "null", "-").CombinedOutput(); err != nil {
			b.Fatalf("ffmpeg baseline: %v: %s", err, out)
		}
		return time.Since(start)
	}
	// Warm the page cache and the shared libraries of both sides first.
	runOurs()
	runBaseline()
	var ours, base, cold time.Duration
	var peak int64
	n := 0
	for b.Loop() {
		// Alternate which side runs first, so that drift in the machine's
		// load (the cores are shared) weighs on both alike.
		var o, f time.Duration
		var res Result
		if n%2 == 0 {
			o, res = runOurs()
			f = runBaseline()
		} else {
			f = runBaseline()
			o, res = runOurs()
		}
		ours, base, cold = ours+o, base+f, cold+coldStart()
		peak = max(peak, res.PeakRSS)
		n++
	}
	ratio := ours.Seconds() / base.Seconds()
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
	b.ReportMetric(ours.Seconds()/float64(n), "s-thumbs/op")
	b.ReportMetric(base.Seconds()/float64(n), "s-ffmpeg/op")
	b.ReportMetric(cold.Seconds()/float64(n), "s-cold-start/op")
	b.Logf("5 thumbnails in %.3fs vs ffmpeg keyframe decode %.3fs: ratio %.2f (target <= 0.5); child peak RSS %.0f MiB (target <= 300); a cold child starts in %.3fs",
		ours.Seconds()/float64(n), base.Seconds()/float64(n), ratio, float64(peak)/(1<<20), cold.Seconds()/float64(n))
}
