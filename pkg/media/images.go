package media

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/buylink/buylink/pkg/catalog"
)

// Limits of an uploaded image (avatars, product and link images).
const (
	// MaxImageBytes bounds the uploaded file.
	MaxImageBytes = 5 << 20
	// MaxImagePixels and MaxImageSide bound the dimensions an image
	// declares, checked before it is decoded: a small file can declare a
	// huge canvas (a decompression bomb). 36 megapixels decode into at most
	// 144 MB (RGBA).
	MaxImagePixels = 36_000_000
	MaxImageSide   = 12_000
	// MinImageSide is the smallest side accepted.
	MinImageSide = 64
	// imageQuality is the JPEG quality of the stored squares.
	imageQuality = 85
)

// SquareSizes are the sides of the squares every uploaded image is stored
// at: small (256) and large (512).
var SquareSizes = [2]int{256, 512}

// decodeSlots bounds the images decoded at once in this process, and so the
// memory they take.
var decodeSlots = make(chan struct{}, 2)

// Squares are the media keys of an uploaded image's square crops.
type Squares struct {
	Small string // SquareSizes[0] px
	Large string // SquareSizes[1] px
}

// PutImage reads an uploaded image (JPEG, PNG or WebP, at most
// MaxImageBytes), checks it by content, crops its centre square, turns it
// upright (JPEG EXIF orientation), and stores it re-encoded as JPEG at each
// of SquareSizes under prefix. The upload itself is never stored or served.
// field names the form field in errors: invalid for a wrong or damaged
// file, too_large over the limits.
func (s *Store) PutImage(ctx context.Context, prefix, field string, r io.Reader) (Squares, error) {
	crops, err := SquareImage(ctx, field, r)
	if err != nil {
		return Squares{}, err
	}
	var keys [2]string
	for i, b := range crops {
		if keys[i], err = s.Put(ctx, prefix, b, "image/jpeg"); err != nil {
			return Squares{}, err
		}
	}
	return Squares{Small: keys[0], Large: keys[1]}, nil
}

// SquareImage is PutImage without storing: the JPEG bytes of each square.
func SquareImage(ctx context.Context, field string, r io.Reader) ([2][]byte, error) {
	var out [2][]byte
	data, err := io.ReadAll(io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return out, readError(field, err)
	}
	if len(data) > MaxImageBytes {
		return out, catalog.TooLarge(field, "the image is larger than the limit of %d MB", MaxImageBytes>>20)
	}
	decode, err := sniffImage(field, data)
	if err != nil {
		return out, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return out, catalog.Invalid(field, "the image is damaged: its header cannot be read")
	}
	switch w, h := cfg.Width, cfg.Height; {
	case w > MaxImageSide || h > MaxImageSide || int64(w)*int64(h) > MaxImagePixels:
		return out, catalog.TooLarge(field, "the image declares %dx%d pixels; at most %d megapixels and %d pixels a side are accepted",
			w, h, MaxImagePixels/1_000_000, MaxImageSide)
	case w < MinImageSide || h < MinImageSide:
		return out, catalog.Invalid(field, "the image is %dx%d pixels; at least %dx%d are needed", w, h, MinImageSide, MinImageSide)
	}
	select {
	case decodeSlots <- struct{}{}:
	case <-ctx.Done():
		return out, catalog.Unavailable(ctx.Err(), "the image was not processed in time")
	}
	img, err := decode(bytes.NewReader(data))
	<-decodeSlots
	if err != nil {
		return out, catalog.Invalid(field, "the image is damaged or truncated; upload it again")
	}
	orientation := 1
	if bytes.HasPrefix(data, jpegMagic) {
		orientation = jpegOrientation(data)
	}
	src := centreSquare(img.Bounds())
	for i, side := range SquareSizes {
		dst := image.NewRGBA(image.Rect(0, 0, side, side))
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src) // transparency on white
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, src, draw.Over, nil)
		var b bytes.Buffer
		if err := jpeg.Encode(&b, orient(dst, orientation), &jpeg.Options{Quality: imageQuality}); err != nil {
			return out, catalog.Internal(err, "encode the image")
		}
		out[i] = b.Bytes()
	}
	return out, nil
}

// readError is the answer to a failed read of an upload: over the request's
// size limit, or cut off.
func readError(field string, err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return catalog.TooLarge(field, "the upload is larger than the limit of %d MB", tooBig.Limit>>20)
	}
	if catalog.CodeOf(err) != catalog.CodeInternal {
		return err
	}
	return catalog.Invalid(field, "the upload was cut off; try again")
}

var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
)

// sniffImage names what the bytes are and returns the decoder of the three
// accepted formats, or an error saying what the file is instead.
func sniffImage(field string, data []byte) (func(io.Reader) (image.Image, error), error) {
	switch {
	case bytes.HasPrefix(data, jpegMagic):
		return jpeg.Decode, nil
	case bytes.HasPrefix(data, pngMagic):
		return png.Decode, nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return webp.Decode, nil
	}
	head := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	what := "a JPEG, PNG or WebP image"
	switch {
	case len(data) == 0:
		return nil, catalog.Invalid(field, "the file is empty")
	case bytes.HasPrefix(head, []byte("<")):
		return nil, catalog.Invalid(field, "SVG and other markup files are not accepted: upload %s", what)
	case bytes.HasPrefix(data, []byte("GIF8")):
		return nil, catalog.Invalid(field, "GIF images are not accepted: upload %s", what)
	case len(data) >= 12 && string(data[4:8]) == "ftyp" && bytes.Contains([]byte("heic heix hevc heim heis mif1 avif"), data[8:12]):
		return nil, catalog.Invalid(field, "HEIC and AVIF photos are not accepted: export the photo as JPEG (iPhone: Settings › Camera › Formats › Most Compatible)")
	}
	return nil, catalog.Invalid(field, "the file is not %s", what)
}

// centreSquare is the largest square centred in r.
func centreSquare(r image.Rectangle) image.Rectangle {
	side := min(r.Dx(), r.Dy())
	x := r.Min.X + (r.Dx()-side)/2
	y := r.Min.Y + (r.Dy()-side)/2
	return image.Rect(x, y, x+side, y+side)
}

// jpegOrientation reads the EXIF orientation (1-8) of a JPEG; 1 (upright)
// when there is none or it cannot be read. Only the APP1 segments before
// the image data are looked at.
func jpegOrientation(data []byte) int {
	r := bufio.NewReader(bytes.NewReader(data[2:]))
	for {
		var marker [2]byte
		if _, err := io.ReadFull(r, marker[:]); err != nil || marker[0] != 0xFF {
			return 1
		}
		if marker[1] == 0xDA || marker[1] == 0xD9 { // start of scan, end of image
			return 1
		}
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return 1
		}
		n := int(binary.BigEndian.Uint16(l[:])) - 2
		if n < 0 {
			return 1
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(r, seg); err != nil {
			return 1
		}
		if marker[1] == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
	}
}

// exifOrientation reads tag 0x0112 of IFD0 of a TIFF structure.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(tiff[4:8]))
	if off < 8 || off+2 > len(tiff) {
		return 1
	}
	entries := int(bo.Uint16(tiff[off:]))
	for i := range entries {
		e := off + 2 + 12*i
		if e+12 > len(tiff) {
			return 1
		}
		if bo.Uint16(tiff[e:]) == 0x0112 && bo.Uint16(tiff[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns a square image upright for an EXIF orientation: the value
// says how the stored pixels must be mirrored and rotated for display.
func orient(src *image.RGBA, o int) image.Image {
	if o <= 1 || o > 8 {
		return src
	}
	n := src.Bounds().Dx()
	dst := image.NewRGBA(src.Bounds())
	for y := range n {
		for x := range n {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = n-1-x, y
			case 3: // rotated 180
				sx, sy = n-1-x, n-1-y
			case 4: // mirrored vertically
				sx, sy = x, n-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // rotated 90 clockwise for display
				sx, sy = y, n-1-x
			case 7: // transversed
				sx, sy = n-1-y, n-1-x
			case 8: // rotated 90 counter-clockwise for display
				sx, sy = n-1-y, x
			}
			dst.SetRGBA(x, y, src.RGBAAt(sx, sy))
		}
	}
	return dst
}
