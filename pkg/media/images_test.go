package media_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
)

// halves is a w x h image, red on the left half and blue on the right.
func halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 220, A: 255}
			if x >= w/2 {
				c = color.RGBA{B: 220, A: 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an EXIF APP1 segment with the orientation tag
// after a JPEG's SOI marker, as a phone camera writes it (big-endian TIFF).
func withOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	tiff = append(tiff, 0, 1)                         // one IFD0 entry
	tiff = append(tiff, 0x01, 0x12, 0, 3, 0, 0, 0, 1) // orientation, SHORT, count 1
	tiff = binary.BigEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0, 0, 0) // value padding, next IFD 0
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

// webpSolid is a w x h lossless WebP (VP8L) of one colour, written by hand:
// every prefix code is a "simple" code of one symbol, so the pixels take
// no bits at all.
func webpSolid(w, h int, c color.RGBA) []byte {
	var bits []bool
	put := func(v uint32, n int) {
		for i := range n {
			bits = append(bits, v>>i&1 == 1)
		}
	}
	put(0x2f, 8)
	put(uint32(w-1), 14)
	put(uint32(h-1), 14)
	put(0, 1) // alpha not used
	put(0, 3) // version
	put(0, 1) // no transform
	put(0, 1) // no colour cache
	put(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A, 0} {
		put(1, 1) // simple code
		put(0, 1) // one symbol
		put(1, 1) // 8-bit symbol
		put(uint32(sym), 8)
	}
	data := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		if b {
			data[i/8] |= 1 << (i % 8)
		}
	}
	if len(data)%2 == 1 {
		data = append(data, 0)
	}
	chunk := append([]byte("VP8L"), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	chunk = append(chunk, data...)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(chunk)))...)
	out = append(out, "WEBP"...)
	return append(out, chunk...)
}

// pngHeaderOnly is a PNG that declares w x h pixels and holds no image
// data: a decompression bomb as far as the header goes.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(ihdr)))
	body := append([]byte("IHDR"), ihdr...)
	chunk = append(chunk, body...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(body))
	return append([]byte("\x89PNG\r\n\x1a\n"), chunk...)
}

func decodeSquare(t *testing.T, b []byte, side int) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("stored square is not a JPEG: %v", err)
	}
	if img.Bounds().Dx() != side || img.Bounds().Dy() != side {
		t.Fatalf("square is %v, want %dx%d", img.Bounds(), side, side)
	}
	return img
}

func near(c color.Color, r, g, b uint8) bool {
	cr, cg, cb, _ := c.RGBA()
	d := func(x uint32, y uint8) bool { return int(x>>8)-int(y) < 40 && int(y)-int(x>>8) < 40 }
	return d(cr, r) && d(cg, g) && d(cb, b)
}

func TestSquareImageCropsAndReencodes(t *testing.T) {
	// 600x400 landscape: the centre square keeps both halves side by side.
	crops, err := media.SquareImage(t.Context(), "avatar", bytes.NewReader(encodeJPEG(t, halves(600, 400))))
	if err != nil {
		t.Fatal(err)
	}
	small, large := decodeSquare(t, crops[0], 256), decodeSquare(t, crops[1], 512)
	if !near(large.At(10, 256), 220, 0, 0) || !near(large.At(500, 256), 0, 0, 220) || !near(small.At(5, 5), 220, 0, 0) {
		t.Fatalf("crop lost the halves: left %v right %v", large.At(10, 256), large.At(500, 256))
	}
	if bytes.Contains(crops[1], []byte("Exif")) {
		t.Fatal("metadata survived re-encoding")
	}
}

func TestSquareImageHonoursEXIFOrientation(t *testing.T) {
	// Stored sideways with orientation 6 (rotate 90° clockwise to show):
	// the stored left half (red) is the top once upright.
	jpg := withOrientation(encodeJPEG(t, halves(400, 400)), 6)
	crops, err := media.SquareImage(t.Context(), "avatar", bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	img := decodeSquare(t, crops[1], 512)
	if !near(img.At(256, 10), 220, 0, 0) || !near(img.At(256, 500), 0, 0, 220) {
		t.Fatalf("orientation 6 not applied: top %v bottom %v", img.At(256, 10), img.At(256, 500))
	}
	crops, err = media.SquareImage(t.Context(), "avatar", bytes.NewReader(withOrientation(encodeJPEG(t, halves(400, 400)), 3)))
	if err != nil {
		t.Fatal(err)
	}
	if img := decodeSquare(t, crops[1], 512); !near(img.At(10, 256), 0, 0, 220) {
		t.Fatalf("orientation 3 (180°) not applied: left %v", img.At(10, 256))
	}
}

func TestSquareImageFormats(t *testing.T) {
	// PNG with transparency lands on white; WebP decodes.
	trans := image.NewNRGBA(image.Rect(0, 0, 100, 100))
	var pngBytes bytes.Buffer
	if err := png.Encode(&pngBytes, trans); err != nil {
		t.Fatal(err)
	}
	crops, err := media.SquareImage(t.Context(), "image", &pngBytes)
	if err != nil {
		t.Fatal(err)
	}
	if c := decodeSquare(t, crops[0], 256).At(100, 100); !near(c, 255, 255, 255) {
		t.Fatalf("transparent PNG is %v, want white", c)
	}
	crops, err = media.SquareImage(t.Context(), "image", bytes.NewReader(webpSolid(80, 120, color.RGBA{R: 10, G: 120, B: 30, A: 255})))
	if err != nil {
		t.Fatalf("WebP: %v", err)
	}
	if c := decodeSquare(t, crops[1], 512).At(256, 256); !near(c, 10, 120, 30) {
		t.Fatalf("WebP colour %v", c)
	}
}

func TestSquareImageRefusesBadInput(t *testing.T) {
	jpg := encodeJPEG(t, halves(300, 300))
	huge := make([]byte, media.MaxImageBytes+10)
	copy(huge, jpg)
	for _, c := range []struct {
		name string
		data []byte
		code catalog.Code
		msg  string
	}{
		{"empty", nil, catalog.CodeInvalid, "empty"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), catalog.CodeInvalid, "SVG"},
		{"svg with BOM and spaces", []byte("\xef\xbb\xbf  <svg onload=alert(1)>"), catalog.CodeInvalid, "SVG"},
		{"html", []byte("<html><body>hi"), catalog.CodeInvalid, "SVG and other markup"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), catalog.CodeInvalid, "GIF"},
		{"heic", append([]byte("\x00\x00\x00\x18ftypheic"), make([]byte, 20)...), catalog.CodeInvalid, "HEIC"},
		{"pdf named .jpg", []byte("%PDF-1.7\n"), catalog.CodeInvalid, "not a JPEG, PNG or WebP"},
		{"truncated jpeg", jpg[:len(jpg)/2], catalog.CodeInvalid, "damaged or truncated"},
		{"jpeg header only", jpg[:20], catalog.CodeInvalid, "damaged"},
		{"bomb 30000x30000", pngHeaderOnly(30000, 30000), catalog.CodeTooLarge, "at most 36 megapixels"},
		{"bomb 100000x10", pngHeaderOnly(100000, 10), catalog.CodeTooLarge, "megapixels"},
		{"tiny", encodeJPEG(t, halves(20, 20)), catalog.CodeInvalid, "at least 64x64"},
		{"over 5 MB", huge, catalog.CodeTooLarge, "limit of 5 MB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := media.SquareImage(t.Context(), "avatar", bytes.NewReader(c.data))
			if catalog.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("want %s mentioning %q, got %v", c.code, c.msg, err)
			}
			if !strings.Contains(err.Error(), "avatar") {
				t.Fatalf("the error does not name the field: %v", err)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("refusing took %s: the image was decoded", time.Since(start))
			}
		})
	}
}

func TestPutImageStoresOnlyTheSquares(t *testing.T) {
	st, dir := fileStore(t)
	sq, err := st.PutImage(t.Context(), "avatars", "avatar", bytes.NewReader(encodeJPEG(t, halves(900, 700))))
	if err != nil {
		t.Fatal(err)
	}
	if !media.ValidKey(sq.Small) || !media.ValidKey(sq.Large) || sq.Small == sq.Large {
		t.Fatalf("keys %+v", sq)
	}
	if n := countFiles(t, dir); n != 2 {
		t.Fatalf("%d files stored, want the 2 squares only", n)
	}
	if _, err := st.PutImage(t.Context(), "avatars", "avatar", strings.NewReader("<svg/>")); err == nil {
		t.Fatal("an SVG was stored")
	}
	if n := countFiles(t, dir); n != 2 {
		t.Fatalf("a refused upload left files: %d", n)
	}
}

// BenchmarkSquareImage12MP is one phone photo (4032x3024 JPEG) made into
// both squares.
func BenchmarkSquareImage12MP(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, halves(4032, 3024), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := media.SquareImage(b.Context(), "avatar", bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
