package media

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"gocloud.dev/blob"

	"github.com/buylink/buylink/pkg/catalog"
)

// MaxVideoBytes bounds an uploaded video file.
const MaxVideoBytes = 50 << 20

// The content types of accepted video uploads.
const (
	TypeMP4       = "video/mp4"
	TypeQuickTime = "video/quicktime"
	TypeWebM      = "video/webm"
)

// Upload is a stored upload.
type Upload struct {
	Key         string
	ContentType string
	Size        int64
}

// sniffLen is how much of an upload is read to recognise it.
const sniffLen = 4096

// PutVideo streams an uploaded video (MP4, MOV or WebM, recognised by its
// bytes, at most limit bytes) into the bucket under prefix, never holding
// the file in memory. The container's structure is followed as the bytes
// pass, so a truncated file is refused. On any failure (wrong type, over the
// limit, truncated, the client gone) the write is aborted and nothing is
// left in the bucket. An upload's key has the shape of every key but is
// random, not a content hash: the bytes are not known before they are
// written; a key is still never reused, so its blob never changes.
func (s *Store) PutVideo(ctx context.Context, prefix, field string, r io.Reader, limit int64) (Upload, error) {
	br := bufio.NewReaderSize(r, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Upload{}, readError(field, err)
	}
	ct, check, err := sniffVideo(field, head)
	if err != nil {
		return Upload{}, err
	}
	var rnd [32]byte
	_, _ = rand.Read(rnd[:])
	h := hex.EncodeToString(rnd[:])
	key := prefix + "/" + h[:2] + "/" + h + "." + extensions[ct]
	if !ValidKey(key) {
		return Upload{}, catalog.Invalid("prefix", "must be lower-case letters, digits and '-' (got %q)", prefix)
	}
	wctx, abort := context.WithCancel(ctx)
	defer abort()
	w, err := s.b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: ct, CacheControl: "public, max-age=31536000, immutable"})
	if err != nil {
		return Upload{}, catalog.Unavailable(err, "store the upload")
	}
	n, err := io.Copy(io.MultiWriter(w, check), io.LimitReader(br, limit+1))
	switch {
	case err != nil && catalog.CodeOf(err) == catalog.CodeInvalid:
		// the structure check refused the bytes
	case err != nil:
		err = readError(field, err)
	case n > limit:
		err = catalog.TooLarge(field, "the video is larger than the limit of %d MB", limit>>20)
	case n == 0:
		err = catalog.Invalid(field, "the file is empty")
	default:
		err = check.end(field, n)
	}
	if err != nil {
		abort() // a cancelled write is discarded by Close
		_ = w.Close()
		return Upload{}, err
	}
	if err := w.Close(); err != nil {
		return Upload{}, catalog.Unavailable(err, "store the upload")
	}
	return Upload{Key: key, ContentType: ct, Size: n}, nil
}

// containerCheck follows a container's structure as the bytes are written
// to it; end says whether the file ended where the structure does.
type containerCheck interface {
	io.Writer
	end(field string, size int64) error
}

// sniffVideo recognises MP4/MOV (ISO boxes) and WebM (EBML with doc type
// webm) by their first bytes.
func sniffVideo(field string, head []byte) (string, containerCheck, error) {
	what := "an MP4, MOV or WebM video"
	switch {
	case len(head) == 0:
		return "", nil, catalog.Invalid(field, "the file is empty")
	case len(head) >= 12 && isoBoxTypes[string(head[4:8])]:
		ct := TypeMP4
		if string(head[4:8]) != "ftyp" || string(head[8:12]) == "qt  " {
			ct = TypeQuickTime
		}
		if string(head[4:8]) == "ftyp" && bytes.Contains([]byte("heic heix mif1 avif"), head[8:12]) {
			return "", nil, catalog.Invalid(field, "the file is a photo, not a video: upload %s", what)
		}
		return ct, &isoCheck{field: field}, nil
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		if !bytes.Contains(head[:min(len(head), 64)], []byte("webm")) {
			return "", nil, catalog.Invalid(field, "Matroska (MKV) files are not accepted: upload %s", what)
		}
		return TypeWebM, &ebmlCheck{}, nil
	}
	return "", nil, catalog.Invalid(field, "the file is not %s", what)
}

// isoBoxTypes are the top-level box types an MP4/MOV file starts with.
var isoBoxTypes = map[string]bool{"ftyp": true, "moov": true, "mdat": true, "free": true, "skip": true, "wide": true, "pnot": true}

// isoCheck walks the top-level boxes of an ISO media file (MP4, MOV): each
// box header gives the offset of the next one. The file must end exactly
// at a box boundary and hold a moov box (the index a player needs).
type isoCheck struct {
	field   string
	off     int64  // bytes seen
	next    int64  // offset of the next box header
	hdr     []byte // the next header, as far as seen
	moov    bool
	toEnd   bool // a box of size 0 runs to the end of the file
	lastBox string
}

func (c *isoCheck) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if c.toEnd {
			c.off += int64(len(p))
			return n, nil
		}
		if c.off < c.next { // inside a box body
			skip := min(int64(len(p)), c.next-c.off)
			c.off += skip
			p = p[skip:]
			continue
		}
		want := 8
		if len(c.hdr) >= 8 && binary.BigEndian.Uint32(c.hdr[:4]) == 1 {
			want = 16 // 64-bit size follows
		}
		take := min(want-len(c.hdr), len(p))
		c.hdr = append(c.hdr, p[:take]...)
		c.off += int64(take)
		p = p[take:]
		if len(c.hdr) < want || (want == 8 && binary.BigEndian.Uint32(c.hdr[:4]) == 1) {
			continue
		}
		size := int64(binary.BigEndian.Uint32(c.hdr[:4]))
		if size == 1 {
			size = int64(binary.BigEndian.Uint64(c.hdr[8:16]))
		}
		typ := string(c.hdr[4:8])
		start := c.off - int64(len(c.hdr))
		c.hdr = c.hdr[:0]
		c.lastBox = typ
		c.moov = c.moov || typ == "moov"
		switch {
		case size == 0:
			c.toEnd = true
		case size < int64(want) || size > 1<<40:
			return 0, catalog.Invalid(c.field, "the video is damaged: box %q at byte %d has an impossible size", printable(typ), start)
		default:
			c.next = start + size
		}
	}
	return n, nil
}

func (c *isoCheck) end(field string, size int64) error {
	switch {
	case len(c.hdr) > 0 || (!c.toEnd && c.off < c.next):
		return catalog.Invalid(field, "the video is truncated: its last box (%q) needs %d more bytes; upload the whole file", printable(c.lastBox), max(c.next-c.off, 1))
	case !c.moov:
		return catalog.Invalid(field, "the video is incomplete: it has no index (moov box); export it again and upload the whole file")
	}
	return nil
}

// ebmlCheck reads a WebM file's EBML header and the size of its Segment;
// a Segment of known size must end where the file does. (A recording
// streamed with an unknown Segment size cannot be checked this way.)
type ebmlCheck struct {
	head []byte
}

func (c *ebmlCheck) Write(p []byte) (int, error) {
	if len(c.head) < sniffLen {
		c.head = append(c.head, p[:min(len(p), sniffLen-len(c.head))]...)
	}
	return len(p), nil
}

func (c *ebmlCheck) end(field string, size int64) error {
	b := c.head
	// EBML header element.
	id, n := ebmlVint(b, false)
	if id != 0x1A45DFA3 || n == 0 {
		return catalog.Invalid(field, "the video is damaged: no EBML header")
	}
	hsize, m := ebmlVint(b[n:], true)
	if m == 0 || int64(n+m)+hsize > int64(len(b)) {
		return catalog.Invalid(field, "the video is truncated: its header is incomplete")
	}
	b = b[int64(n+m)+hsize:]
	id, n = ebmlVint(b, false)
	if id != 0x18538067 {
		return catalog.Invalid(field, "the video is damaged: no Segment after the header")
	}
	seg, m := ebmlVint(b[n:], true)
	if m == 0 {
		return catalog.Invalid(field, "the video is truncated: its Segment header is incomplete")
	}
	if seg < 0 { // unknown size
		return nil
	}
	if want := int64(len(c.head)-len(b)+n+m) + seg; size < want {
		return catalog.Invalid(field, "the video is truncated: %d of its %d bytes arrived; upload the whole file", size, want)
	}
	return nil
}

// ebmlVint reads an EBML variable-length integer: an element id (marker
// kept) or a size (marker dropped; -1 for the reserved "unknown" value).
// It returns the value and its length, 0 when b is too short or invalid.
func ebmlVint(b []byte, isSize bool) (int64, int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	l := 1
	for mask := byte(0x80); b[0]&mask == 0; mask >>= 1 {
		l++
	}
	if l > 8 || len(b) < l {
		return 0, 0
	}
	v := int64(b[0])
	allOnes := true
	if isSize {
		v &= int64(0xFF >> l)
		allOnes = v == int64(0xFF>>l)
	}
	for _, x := range b[1:l] {
		v = v<<8 | int64(x)
		allOnes = allOnes && x == 0xFF
	}
	if isSize && allOnes {
		return -1, l
	}
	return v, l
}

func printable(s string) string {
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return fmt.Sprintf("%x", s)
		}
	}
	return s
}
