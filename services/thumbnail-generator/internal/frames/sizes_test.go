package frames_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/buylink/buylink/services/thumbnail-generator/internal/frames"
	"github.com/buylink/buylink/services/thumbnail-generator/internal/testmedia"
)

// clipSize is one video size and codec the frame reader must handle.
type clipSize struct {
	codec testmedia.Codec
	w, h  int
}

// decodedSizes are sizes that decode: odd and even widths from 16 to 4096,
// every even width from 344 to 376 (where an unpadded output buffer used to
// be overrun by swscale), the sizes phones record (360p to 4K, portrait and
// landscape) and extreme shapes, in H.264, HEVC and VP9.
var decodedSizes = []clipSize{
	{testmedia.H264, 16, 16}, {testmedia.H264, 17, 31}, {testmedia.VP9, 33, 17}, {testmedia.H264, 101, 57},
	{testmedia.H264, 344, 612}, {testmedia.H264, 345, 613}, {testmedia.H264, 346, 616}, {testmedia.H264, 348, 618},
	{testmedia.H264, 350, 622}, {testmedia.H264, 352, 626}, {testmedia.H264, 354, 630}, {testmedia.H264, 356, 632},
	{testmedia.H264, 358, 636}, {testmedia.H264, 360, 640}, {testmedia.H264, 361, 641}, {testmedia.H264, 362, 644},
	{testmedia.H264, 364, 648}, {testmedia.H264, 366, 650}, {testmedia.H264, 368, 654}, {testmedia.H264, 370, 658},
	{testmedia.H264, 372, 662}, {testmedia.H264, 374, 664}, {testmedia.H264, 375, 667}, {testmedia.H264, 376, 668},
	{testmedia.HEVC, 344, 612}, {testmedia.HEVC, 360, 640}, {testmedia.HEVC, 362, 644}, {testmedia.HEVC, 364, 648},
	{testmedia.HEVC, 376, 668}, {testmedia.HEVC, 720, 1280}, {testmedia.HEVC, 2160, 3840},
	{testmedia.VP9, 344, 612}, {testmedia.VP9, 359, 639}, {testmedia.VP9, 363, 645}, {testmedia.VP9, 376, 668},
	{testmedia.VP9, 1080, 1920}, {testmedia.VP9, 3840, 2160},
	{testmedia.H264, 480, 854}, {testmedia.H264, 720, 1280}, {testmedia.H264, 1080, 1920}, {testmedia.H264, 1079, 1919},
	{testmedia.H264, 4096, 16}, {testmedia.H264, 4095, 33}, {testmedia.VP9, 16, 4096},
}

// refusedSizes are outside frames.MinSide..frames.MaxSide: refused with a
// message, before any frame is decoded.
var refusedSizes = []clipSize{
	{testmedia.H264, 2, 2}, {testmedia.VP9, 15, 16}, {testmedia.H264, 16, 15}, {testmedia.H264, 4098, 64}, {testmedia.VP9, 64, 4097},
}

// TestDecodesEverySize decodes a frame of every size at its coded size and
// scaled to a 360-pixel short side, and checks every row of it: a wrong
// stride shears the quadrants, a short buffer crashes.
func TestDecodesEverySize(t *testing.T) {
	if n := len(decodedSizes) + len(refusedSizes); n < 30 {
		t.Fatalf("only %d sizes", n)
	}
	for _, c := range decodedSizes {
		t.Run(fmt.Sprintf("%s-%dx%d", c.codec, c.w, c.h), func(t *testing.T) {
			path := testmedia.QuadrantClip(t, c.codec, c.w, c.h)
			for _, maxShort := range []int{0, 360} {
				v, err := frames.Open(path, maxShort)
				if err != nil {
					t.Fatalf("open (short side <= %d): %v", maxShort, err)
				}
				info := v.Info()
				if info.Width != c.w || info.Height != c.h || info.Codec != string(c.codec) {
					v.Close()
					t.Fatalf("probe: %dx%d %s, want %dx%d %s", info.Width, info.Height, info.Codec, c.w, c.h, c.codec)
				}
				f, err := v.Keyframe(0)
				v.Close()
				if err != nil {
					t.Fatalf("keyframe (short side <= %d): %v", maxShort, err)
				}
				ww, wh := c.w, c.h
				if short := min(c.w, c.h); maxShort > 0 && short > maxShort {
					ww, wh = max(2, (c.w*maxShort/short)&^1), max(2, (c.h*maxShort/short)&^1)
				}
				if f.Width != ww || f.Height != wh || len(f.BGR) != ww*wh*3 {
					t.Fatalf("frame %dx%d with %d bytes, want %dx%d BGR", f.Width, f.Height, len(f.BGR), ww, wh)
				}
				if err := checkQuadrants(f); err != nil {
					t.Fatalf("short side <= %d: %v", maxShort, err)
				}
			}
		})
	}
	for _, c := range refusedSizes {
		t.Run(fmt.Sprintf("refused-%s-%dx%d", c.codec, c.w, c.h), func(t *testing.T) {
			v, err := frames.Open(testmedia.QuadrantClip(t, c.codec, c.w, c.h), 0)
			if err == nil {
				v.Close()
				t.Fatal("opened")
			}
			if want := fmt.Sprintf("%dx%d is outside %d..%d", c.w, c.h, frames.MinSide, frames.MaxSide); !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not say %q", err, want)
			}
		})
	}
}

// checkQuadrants checks, in every row and column away from the middle lines
// (where chroma subsampling and scaling blend colours), that the frame shows
// testmedia.QuadrantColors.
func checkQuadrants(f frames.Frame) error {
	const margin = 3
	cols := []int{f.Width / 4, f.Width - 1 - f.Width/4}
	rows := []int{f.Height / 4, f.Height - 1 - f.Height/4}
	for y := range f.Height {
		if abs(2*y+1-f.Height) <= 2*margin && f.Height > 4*margin {
			continue
		}
		for i, x := range cols {
			if err := checkPixel(f, x, y, 2*boolInt(2*y >= f.Height)+i); err != nil {
				return err
			}
		}
	}
	for x := range f.Width {
		if abs(2*x+1-f.Width) <= 2*margin && f.Width > 4*margin {
			continue
		}
		for i, y := range rows {
			if err := checkPixel(f, x, y, 2*i+boolInt(2*x >= f.Width)); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkPixel(f frames.Frame, x, y, quadrant int) error {
	px := f.BGR[(y*f.Width+x)*3:][:3]
	want := testmedia.QuadrantColors[quadrant]
	for ch := range 3 {
		if d := int(px[ch]) - int(want[ch]); d < -60 || d > 60 {
			return fmt.Errorf("pixel (%d,%d) of %dx%d is BGR %v, want about %v (quadrant %d)", x, y, f.Width, f.Height, px, want, quadrant)
		}
	}
	return nil
}

func abs(v int) int { return max(v, -v) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
