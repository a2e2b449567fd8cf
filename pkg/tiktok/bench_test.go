package tiktok

import (
	"bytes"
	"testing"

	"github.com/buylink/buylink/pkg/tiktok/apifytest"
)

func BenchmarkParseVideoURL(b *testing.B) {
	const u = "https://www.tiktok.com/@meenitech/video/7524354452762037512?is_from_webapp=1&sender_device=pc"
	for b.Loop() {
		if _, err := ParseVideoURL("video_url", u); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCSV decodes the real 69-row export (321 KB).
func BenchmarkDecodeCSV(b *testing.B) {
	raw := apifytest.Fixture(b, apifytest.ExportCSV)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := DecodeCSV(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeJSON decodes the real 10-item profile scrape (73 KB).
func BenchmarkDecodeJSON(b *testing.B) {
	raw := apifytest.Fixture(b, apifytest.ProfileJSON)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := DecodeJSON(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}
