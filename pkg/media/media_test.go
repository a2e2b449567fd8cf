package media_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/media/mediatest"
)

func TestFileStoreConformance(t *testing.T) {
	mediatest.Run(t, func(t *testing.T) *media.Store {
		st, err := media.Open(t.Context(), "file://"+t.TempDir()+"?create_dir=1&no_tmp_dir=1", "http://localhost:8080/media/")
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestKeyShape(t *testing.T) {
	k, err := media.Key("thumbs", []byte("x"), "image/jpeg")
	if err != nil || !media.ValidKey(k) || !strings.HasPrefix(k, "thumbs/2d/2d711642") || !strings.HasSuffix(k, ".jpg") {
		t.Fatalf("key %q err %v", k, err)
	}
	for _, bad := range []struct{ prefix, ct string }{{"Thumbs", "image/jpeg"}, {"../x", "image/jpeg"}, {"thumbs", "text/html"}, {"thumbs", "nonsense"}} {
		if _, err := media.Key(bad.prefix, []byte("x"), bad.ct); !catalog.IsCode(err, catalog.CodeInvalid) {
			t.Errorf("Key(%q, %q): want invalid, got %v", bad.prefix, bad.ct, err)
		}
	}
	for _, k := range []string{"", "../etc/passwd", "thumbs/2d/../../x.jpg", "thumbs/zz/" + strings.Repeat("a", 64) + ".jpg"} {
		if media.ValidKey(k) {
			t.Errorf("ValidKey(%q) = true", k)
		}
	}
}

func TestFileStoreHasNoSignedURLs(t *testing.T) {
	st, err := media.Open(t.Context(), "file://"+t.TempDir(), "http://x/media")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	key, err := st.Put(t.Context(), "thumbs", bytes.Repeat([]byte{1}, 10), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SignedURL(t.Context(), key, time.Minute); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("file:// signed URL: want ErrUnsupported, got %v", err)
	}
}
