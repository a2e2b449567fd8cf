package frames_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/services/thumbnail-generator/internal/frames"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/testmedia"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testmedia.Cleanup()
	os.Exit(code)
}

func TestProbeAndKeyframeSeeks(t *testing.T) {
	v, err := frames.Open(testmedia.TikTokVideo(t), 720)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	info := v.Info()
	if info.Width != 1080 || info.Height != 1920 || info.FPS != 30 || info.Codec != "h264" || info.Rotation != 0 {
		t.Fatalf("probe: %+v", info)
	}
	if d := info.Duration; d < 10400*time.Millisecond || d > 10600*time.Millisecond {
		t.Errorf("duration %s, want 10.5s", d)
	}
	keys := v.KeyframeTimes()
	if len(keys) != info.Keyframes || len(keys) < 10 {
		t.Fatalf("keyframes %v (info says %d): want one a second", keys, info.Keyframes)
	}
	for _, k := range keys[:4] {
		f, err := v.Keyframe(k)
		if err != nil {
			t.Fatalf("keyframe %s: %v", k, err)
		}
		if (f.Time - k).Abs() > 40*time.Millisecond {
			t.Errorf("seek to %s decoded the frame at %s", k, f.Time)
		}
		if f.Width != 720 || f.Height != 1280 || len(f.BGR) != 720*1280*3 {
			t.Errorf("frame %dx%d with %d bytes, want 720x1280 BGR", f.Width, f.Height, len(f.BGR))
		}
	}
	// Seeking between keyframes lands on the one before.
	f, err := v.Keyframe(keys[2] + 400*time.Millisecond)
	if err != nil || (f.Time-keys[2]).Abs() > 40*time.Millisecond {
		t.Errorf("seek between keyframes: %s, %v (want %s)", f.Time, err, keys[2])
	}
}

func TestSequentialSampling(t *testing.T) {
	v, err := frames.Open(testmedia.ShortVideo(t), 360)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	want := []time.Duration{100 * time.Millisecond, 700 * time.Millisecond, 1300 * time.Millisecond}
	var got []time.Duration
	err = v.Sequential(want, 1000, func(f frames.Frame) error {
		got = append(got, f.Time)
		if f.Width != 360 || f.Height != 640 {
			t.Errorf("frame %dx%d, want 360x640", f.Width, f.Height)
		}
		return nil
	})
	if err != nil || len(got) != len(want) {
		t.Fatalf("sequential: %v, frames at %v", err, got)
	}
	for i := range want {
		if d := got[i] - want[i]; d < 0 || d > 40*time.Millisecond {
			t.Errorf("wanted the frame at %s, got %s", want[i], got[i])
		}
	}
	// The frame budget stops the pass.
	calls := 0
	if err := v.Sequential(want[1:], 5, func(frames.Frame) error { calls++; return nil }); err != nil || calls != 0 {
		t.Errorf("5-frame budget: %d frames delivered, err %v", calls, err)
	}
}

func TestDisplayRotation(t *testing.T) {
	v, err := frames.Open(testmedia.RotatedVideo(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if info := v.Info(); info.Rotation != 90 || info.Width != 176 || info.Height != 320 {
		t.Fatalf("rotated video: %+v, want rotation 90 and 176x320 as displayed", info)
	}
}

// Only the ISO media demuxer and the file protocol are enabled: a playlist
// is refused whatever its name, and nothing it names is opened.
func TestRefusesPlaylistsAndJunk(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			_ = c.Close()
		}
	}()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hls := testmedia.HLSPlaylist("http://" + ln.Addr().String() + "/segment.ts")
	for _, p := range []string{
		write("evil.m3u8", hls),
		write("evil.mp4", hls),
		write("empty.mp4", nil),
		write("text.mp4", []byte("just text\n")),
		testmedia.HeadlessVideo(t),
	} {
		v, err := frames.Open(p, 0)
		if err == nil {
			v.Close()
			t.Errorf("%s: opened", filepath.Base(p))
			continue
		}
		if !strings.Contains(err.Error(), "frames:") {
			t.Errorf("%s: unclear error %v", filepath.Base(p), err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if n := conns.Load(); n != 0 {
		t.Fatalf("the playlist's segment URL received %d connections", n)
	}
}
