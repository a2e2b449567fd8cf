// Package testmedia makes the real media files the thumbnail generator's
// tests and benchmark run on: H.264 MP4 videos encoded by Debian's ffmpeg
// and a tiny ONNX model in the YOLOv8 layout built with Debian's python3-onnx.
// Each file is made once per test binary run and shared by its tests.
package testmedia

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	dirOnce sync.Once
	dir     string
	dirErr  error

	mu    sync.Mutex
	made  = map[string]string{}
	fails = map[string]error{}
)

// Cleanup removes every file made; call it from TestMain after m.Run.
func Cleanup() {
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}

// once returns the path of name in the shared directory, running build once.
func once(t testing.TB, name string, build func(path string) error) string {
	t.Helper()
	dirOnce.Do(func() { dir, dirErr = os.MkdirTemp("", "thumbgen-media-*") })
	if dirErr != nil {
		t.Fatalf("testmedia: %v", dirErr)
	}
	mu.Lock()
	defer mu.Unlock()
	if p, ok := made[name]; ok {
		return p
	}
	if err, ok := fails[name]; ok {
		t.Fatalf("testmedia: %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := build(p); err != nil {
		fails[name] = err
		t.Fatalf("testmedia: %s: %v", name, err)
	}
	made[name] = p
	return p
}

// ffmpeg runs Debian's ffmpeg with args, failing clearly when it is missing.
func ffmpeg(args ...string) error {
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		return fmt.Errorf("ffmpeg is required (apt-get install ffmpeg; scripts/deps.sh installs it): %w", err)
	}
	cmd := exec.Command(bin, append([]string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ffmpeg %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// Scene of the TikTok-like video: its source and whether it shows the red
// "product" square the test model detects.
type Scene struct {
	Source  string
	Product bool
}

// SceneSeconds is the length of each scene of TikTokVideo.
const SceneSeconds = 1.5

// Scenes are TikTokVideo's scenes, in order.
var Scenes = []Scene{
	{Source: "testsrc2=s=1080x1920:r=30"},
	{Source: "smptehdbars=s=1080x1920:r=30"},
	{Source: "color=c=0x556070:s=1080x1920:r=30,noise=alls=24:allf=t,drawbox=x=300:y=1000:w=420:h=420:color=red:t=fill", Product: true},
	{Source: "rgbtestsrc=s=1080x1920:r=30,hue=h=40"},
	{Source: "life=s=270x480:r=30:mold=10:ratio=0.3:life_color=0xE0C060:death_color=0x202840,scale=1080:1920:flags=neighbor"},
	{Source: "cellauto=s=270x480:r=30:rule=110,scale=1080:1920:flags=neighbor,negate"},
	{Source: "testsrc=s=1080x1920:r=30"},
}

// sceneVideo encodes scenes into an H.264 MP4 like TikTok's: yuv420p,
// faststart, an AAC audio track, a keyframe every gop frames.
func sceneVideo(path string, scenes []string, seconds float64, gop int) error {
	var args []string
	var filter strings.Builder
	for i, s := range scenes {
		args = append(args, "-f", "lavfi", "-t", fmt.Sprint(seconds), "-i", s)
		fmt.Fprintf(&filter, "[%d:v]format=yuv420p,setsar=1[v%d];", i, i)
	}
	for i := range scenes {
		fmt.Fprintf(&filter, "[v%d]", i)
	}
	fmt.Fprintf(&filter, "concat=n=%d:v=1:a=0[v]", len(scenes))
	args = append(args, "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo",
		"-filter_complex", filter.String(), "-map", "[v]", "-map", fmt.Sprintf("%d:a", len(scenes)), "-shortest",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-r", "30")
	if gop > 0 {
		args = append(args, "-g", fmt.Sprint(gop))
	}
	args = append(args, "-c:a", "aac", "-b:a", "32k", "-movflags", "+faststart", path)
	return ffmpeg(args...)
}

// TikTokVideo is a 10.5 s 1080x1920 30 fps H.264 MP4 of seven distinct
// scenes (Scenes), a keyframe every second.
func TikTokVideo(t testing.TB) string {
	return once(t, "tiktok.mp4", func(p string) error {
		var srcs []string
		for _, s := range Scenes {
			srcs = append(srcs, s.Source)
		}
		return sceneVideo(p, srcs, SceneSeconds, 30)
	})
}

// ShortVideo is a 1.5 s 1080x1920 video of two scenes, one keyframe.
func ShortVideo(t testing.TB) string {
	return once(t, "short.mp4", func(p string) error {
		return sceneVideo(p, []string{Scenes[0].Source, Scenes[1].Source}, 0.75, 0)
	})
}

// StillVideo is 3 s of one unchanging picture.
func StillVideo(t testing.TB) string {
	return once(t, "still.mp4", func(p string) error {
		return sceneVideo(p, []string{"smptehdbars=s=1080x1920:r=30"}, 3, 0)
	})
}

// RotatedVideo is a 1 s 320x176 video whose container asks for a 90°
// clockwise display rotation (shown as 176x320), as phones record portrait.
func RotatedVideo(t testing.TB) string {
	return once(t, "rotated.mp4", func(p string) error {
		plain := p + ".plain.mp4"
		if err := ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x176:r=30:d=1", "-c:v", "libx264", "-preset", "ultrafast",
			"-pix_fmt", "yuv420p", plain); err != nil {
			return err
		}
		// The mov muxer turns the legacy counter-clockwise "rotate" tag into
		// a display matrix: 270 counter-clockwise is 90 clockwise.
		return ffmpeg("-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=270", p)
	})
}

// LongVideo is the benchmark's 60 s 1080x1920 30 fps H.264 MP4: the seven
// Scenes, 60/7 s each, with x264's default keyframe placement (every 250
// frames and at scene cuts).
func LongVideo(t testing.TB) string {
	return once(t, "long.mp4", func(p string) error {
		var srcs []string
		for _, s := range Scenes {
			srcs = append(srcs, s.Source)
		}
		return sceneVideo(p, srcs, 60.0/float64(len(Scenes)), 0)
	})
}

// FragmentedVideo is TikTokVideo remuxed as fragmented MP4 (empty moov,
// a fragment per keyframe), as streaming-oriented encoders write it.
func FragmentedVideo(t testing.TB) string {
	src := TikTokVideo(t)
	return once(t, "fragmented.mp4", func(p string) error {
		return ffmpeg("-i", src, "-c", "copy", "-movflags", "frag_keyframe+empty_moov+default_base_moof", p)
	})
}

// TruncatedVideo is TikTokVideo cut to its first third: the index (at the
// front) names frames the file no longer has.
func TruncatedVideo(t testing.TB) string {
	src := TikTokVideo(t)
	return once(t, "truncated.mp4", func(p string) error {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		return os.WriteFile(p, b[:len(b)/3], 0o600)
	})
}

// HeadlessVideo is an MP4 cut before its index was written: no moov box.
func HeadlessVideo(t testing.TB) string {
	return once(t, "headless.mp4", func(p string) error {
		full := p + ".full.mp4"
		if err := ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=2", "-c:v", "libx264", "-preset", "ultrafast", full); err != nil {
			return err
		}
		b, err := os.ReadFile(full)
		if err != nil {
			return err
		}
		return os.WriteFile(p, b[:len(b)/2], 0o600)
	})
}

// File writes content to name once and returns its path.
func File(t testing.TB, name string, content []byte) string {
	return once(t, name, func(p string) error { return os.WriteFile(p, content, 0o600) })
}

// HLSPlaylist is an HLS playlist whose segments are /etc/passwd and an
// http URL: a decoder that follows it reads a local file or calls out.
func HLSPlaylist(segmentURL string) []byte {
	return []byte("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n" +
		"#EXTINF:10.0,\nfile:///etc/passwd\n#EXTINF:10.0,\n" + segmentURL + "\n#EXT-X-ENDLIST\n")
}

// Codec is a video codec phones and apps record or upload in.
type Codec string

// The codecs test clips come in.
const (
	H264 Codec = "h264"
	HEVC Codec = "hevc"
	VP9  Codec = "vp9"
)

// QuadrantColors are QuadrantClip's quadrants in BGR: top left, top right,
// bottom left, bottom right.
var QuadrantColors = [4][3]byte{{0, 0, 255}, {0, 255, 0}, {255, 0, 0}, {255, 255, 255}}

// QuadrantClip is a 0.1 s MP4 of w x h pixels encoded with codec whose
// quadrants are red, lime, blue and white (QuadrantColors): every row of a
// decoded frame shows whether strides and sizes were handled right. Sizes
// with an odd side are encoded 4:4:4 by x264 (4:2:0 needs even sides) and
// 4:2:0 by libvpx; x265 keeps only even sides.
func QuadrantClip(t testing.TB, codec Codec, w, h int) string {
	return once(t, fmt.Sprintf("quadrants-%s-%dx%d.mp4", codec, w, h), func(p string) error {
		pixfmt := "yuv420p"
		if (w%2 != 0 || h%2 != 0) && codec != VP9 {
			pixfmt = "yuv444p"
		}
		src := fmt.Sprintf("color=c=red:s=%dx%d:r=30:d=0.1,format=yuv444p,"+ // the source keeps odd sides
			"drawbox=x=%[3]d:y=0:w=%[4]d:h=%[5]d:color=lime:t=fill,"+
			"drawbox=x=0:y=%[5]d:w=%[3]d:h=%[6]d:color=blue:t=fill,"+
			"drawbox=x=%[3]d:y=%[5]d:w=%[4]d:h=%[6]d:color=white:t=fill", w, h, w/2, w-w/2, h/2, h-h/2)
		args := []string{"-f", "lavfi", "-i", src}
		switch codec {
		case H264:
			args = append(args, "-c:v", "libx264", "-preset", "ultrafast")
		case HEVC:
			args = append(args, "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1")
		case VP9:
			args = append(args, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8")
		default:
			return fmt.Errorf("unknown codec %q", codec)
		}
		return ffmpeg(append(args, "-pix_fmt", pixfmt, p)...)
	})
}
