package media_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/buylink/buylink/pkg/media"
)

func TestHandlerServesWithCacheHeaders(t *testing.T) {
	st, err := media.Open(t.Context(), "file://"+t.TempDir(), "http://x/media")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, err := st.Put(t.Context(), "thumbs", []byte("\xff\xd8\xffjpeg"), "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	h := media.Handler(st, "/media/")
	get := func(method, path string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		if len(hdr) == 2 {
			req.Header.Set(hdr[0], hdr[1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	w := get("GET", "/media/"+key)
	if w.Code != 200 || w.Body.String() != "\xff\xd8\xffjpeg" || w.Header().Get("Content-Type") != "image/jpeg" ||
		w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("GET: %d %v", w.Code, w.Header())
	}
	if w := get("GET", "/media/"+key, "If-None-Match", w.Header().Get("ETag")); w.Code != http.StatusNotModified {
		t.Fatalf("conditional GET: %d", w.Code)
	}
	if w := get("HEAD", "/media/"+key); w.Code != 200 || w.Body.Len() != 0 {
		t.Fatalf("HEAD: %d %d bytes", w.Code, w.Body.Len())
	}
	for _, p := range []string{"/media/../../etc/passwd", "/media/thumbs/00/" + "0000000000000000000000000000000000000000000000000000000000000000.jpg", "/media/"} {
		if w := get("GET", p); w.Code != 404 {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	if w := get("POST", "/media/"+key); w.Code != 405 {
		t.Fatalf("POST: %d", w.Code)
	}
}
