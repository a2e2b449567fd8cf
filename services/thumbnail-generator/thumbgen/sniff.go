package thumbgen

import (
	"bytes"
	"encoding/binary"
	"image"
	// Registered for image.DecodeConfig: the formats slideshow images come in.
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"

	_ "golang.org/x/image/webp"
)

// isoBoxTypes are the top-level box types an MP4/MOV file can start with.
var isoBoxTypes = map[string]bool{"ftyp": true, "moov": true, "mdat": true, "free": true, "skip": true, "wide": true, "pnot": true}

// sniffVideo reports whether the file at path starts like an ISO media file
// (MP4/MOV) or a WebM file (EBML with doc type webm, as sellers upload
// them), the containers the decoder opens. Playlists, text and other formats
// are refused before any decoder sees them.
func sniffVideo(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }()
	var head [12]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false, nil // shorter than one box header
	}
	if bytes.HasPrefix(head[:], []byte{0x1A, 0x45, 0xDF, 0xA3}) {
		var ebml [64]byte
		n, _ := f.ReadAt(ebml[:], 0)
		return bytes.Contains(ebml[:n], []byte("webm")), nil
	}
	size := binary.BigEndian.Uint32(head[:4])
	return isoBoxTypes[string(head[4:8])] && (size == 1 || size >= 8), nil
}

// sniffImage reports whether data starts like a JPEG, PNG or WebP image.
func sniffImage(head []byte) bool {
	return bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}) ||
		bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")) ||
		(len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")))
}

// imageSize reads an image's dimensions from its header.
func imageSize(data []byte) (w, h int, ok bool) {
	if !sniffImage(data) {
		return 0, 0, false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, false
	}
	return cfg.Width, cfg.Height, true
}
