package thumbgen

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSniffVideoContainers(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct {
		data []byte
		want bool
	}{
		"mp4":  {append([]byte("\x00\x00\x00\x18ftypisom"), make([]byte, 12)...), true},
		"webm": {append([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"), make([]byte, 8)...), true},
		"mkv":  {append([]byte("\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska"), make([]byte, 8)...), false},
		"text": {[]byte("#EXTM3U\nplaylist.m3u8\n"), false},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, c.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := sniffVideo(p); err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", name, got, err, c.want)
		}
	}
}
