package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
)

// fileStore opens a file:// store in a temporary directory.
func fileStore(t testing.TB) (*media.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := media.Open(t.Context(), "file://"+dir+"?create_dir=1&no_tmp_dir=1", "http://localhost:8080/media")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, dir
}

// countFiles counts the files under dir, temporary ones included but not
// fileblob's attribute files.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(d.Name(), ".attrs") {
			n++
		}
		return nil
	})
	return n
}

// clip makes a short video with ffmpeg at the size and codec phones use.
func clip(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is required (scripts/apt-packages.txt): %v", err)
	}
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("ffmpeg", append(append([]string{"-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=1"}, args...), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPutVideoStreamsAcceptedContainers(t *testing.T) {
	st, dir := fileStore(t)
	for _, c := range []struct {
		name, ct string
		data     []byte
	}{
		{"h264.mp4", media.TypeMP4, clip(t, "a.mp4", "-c:v", "libx264", "-pix_fmt", "yuv420p")},
		{"faststart.mp4", media.TypeMP4, clip(t, "b.mp4", "-c:v", "libx264", "-movflags", "+faststart")},
		{"phone.mov", media.TypeQuickTime, clip(t, "c.mov", "-c:v", "libx264", "-f", "mov")},
		{"vp9.webm", media.TypeWebM, clip(t, "d.webm", "-c:v", "libvpx-vp9", "-b:v", "200k", "-deadline", "realtime")},
	} {
		t.Run(c.name, func(t *testing.T) {
			up, err := st.PutVideo(t.Context(), "videos", "file", bytes.NewReader(c.data), media.MaxVideoBytes)
			if err != nil {
				t.Fatal(err)
			}
			if up.ContentType != c.ct || up.Size != int64(len(c.data)) || !media.ValidKey(up.Key) {
				t.Fatalf("upload %+v", up)
			}
			back, err := st.ReadAll(t.Context(), up.Key)
			if err != nil || !bytes.Equal(back, c.data) {
				t.Fatalf("stored bytes differ (%d vs %d): %v", len(back), len(c.data), err)
			}
		})
	}
	if n := countFiles(t, dir); n != 4 {
		t.Fatalf("%d files, want 4", n)
	}
}

// failingReader returns data, then an error: a client that went away.
type failingReader struct{ r io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("connection reset by peer")
	}
	return n, err
}

func TestPutVideoRefusesAndLeavesNothing(t *testing.T) {
	mp4 := clip(t, "a.mp4", "-c:v", "libx264")
	webm := clip(t, "b.webm", "-c:v", "libvpx-vp9", "-b:v", "200k", "-deadline", "realtime")
	mkv := clip(t, "c.mkv", "-c:v", "libx264")
	noMoov := append(binary.BigEndian.AppendUint32(nil, 16), "ftypisom\x00\x00\x00\x00"...)
	noMoov = append(noMoov, binary.BigEndian.AppendUint32(nil, 16)...)
	noMoov = append(noMoov, "mdat\x00\x00\x00\x00\x00\x00\x00\x00"...)
	st, dir := fileStore(t)
	for _, c := range []struct {
		name  string
		r     io.Reader
		limit int64
		code  catalog.Code
		msg   string
	}{
		{"empty", strings.NewReader(""), media.MaxVideoBytes, catalog.CodeInvalid, "empty"},
		{"jpeg", bytes.NewReader([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}), media.MaxVideoBytes, catalog.CodeInvalid, "not an MP4, MOV or WebM"},
		{"html", strings.NewReader("<html>hello</html>"), media.MaxVideoBytes, catalog.CodeInvalid, "not an MP4"},
		{"mkv", bytes.NewReader(mkv), media.MaxVideoBytes, catalog.CodeInvalid, "Matroska"},
		{"truncated mp4", bytes.NewReader(mp4[:len(mp4)-700]), media.MaxVideoBytes, catalog.CodeInvalid, "truncated"},
		{"mp4 without index", bytes.NewReader(noMoov), media.MaxVideoBytes, catalog.CodeInvalid, "no index"},
		{"truncated webm", bytes.NewReader(webm[:len(webm)-500]), media.MaxVideoBytes, catalog.CodeInvalid, "truncated"},
		{"over the limit", bytes.NewReader(mp4), int64(len(mp4) - 1), catalog.CodeTooLarge, "limit"},
		{"client gone", &failingReader{bytes.NewReader(mp4[:len(mp4)/2])}, media.MaxVideoBytes, catalog.CodeInvalid, "cut off"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := st.PutVideo(t.Context(), "videos", "file", c.r, c.limit)
			if catalog.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("want %s mentioning %q, got %v", c.code, c.msg, err)
			}
			if n := countFiles(t, dir); n != 0 {
				t.Fatalf("a refused upload left %d files behind", n)
			}
		})
	}
}

// syntheticMP4 streams an MP4 of n bytes (ftyp, an mdat of zeros, moov)
// without holding it in memory.
func syntheticMP4(n int64) io.Reader {
	ftyp := append(binary.BigEndian.AppendUint32(nil, 16), "ftypisom\x00\x00\x02\x00"...)
	moov := append(binary.BigEndian.AppendUint32(nil, 8), "moov"...)
	mdatSize := n - int64(len(ftyp)) - int64(len(moov))
	mdat := append(binary.BigEndian.AppendUint32(nil, uint32(mdatSize)), "mdat"...)
	return io.MultiReader(bytes.NewReader(ftyp), bytes.NewReader(mdat),
		io.LimitReader(zeros{}, mdatSize-8), bytes.NewReader(moov))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// BenchmarkPutVideo50MB streams a 50 MB upload into a file bucket; B/op is
// what one upload allocates (the file is never held in memory).
func BenchmarkPutVideo50MB(b *testing.B) {
	st, _ := fileStore(b)
	b.SetBytes(media.MaxVideoBytes)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.PutVideo(b.Context(), "videos", "file", syntheticMP4(media.MaxVideoBytes), media.MaxVideoBytes); err != nil {
			b.Fatal(err)
		}
	}
}
