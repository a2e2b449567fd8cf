package media

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// Handler serves GET/HEAD /<prefix>/<key> from the store with long-lived
// cache headers (keys are content-addressed, so a key's bytes never change).
// Where the bucket signs URLs (S3) it redirects to a short-lived signed URL
// instead of streaming. mount is the path prefix the handler is mounted at
// ("/media/").
func Handler(s *Store, mount string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, mount)
		if !ValidKey(key) {
			http.NotFound(w, r)
			return
		}
		if u, err := s.SignedURL(r.Context(), key, 15*time.Minute); err == nil {
			w.Header().Set("Cache-Control", "private, max-age=600")
			http.Redirect(w, r, u, http.StatusFound)
			return
		} else if !errors.Is(err, errors.ErrUnsupported) {
			http.Error(w, "media unavailable", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("If-None-Match") == `"`+key+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		obj, err := s.Get(r.Context(), key)
		if catalog.IsCode(err, catalog.CodeNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, "media unavailable", http.StatusServiceUnavailable)
			return
		}
		defer obj.Close()
		h := w.Header()
		h.Set("Content-Type", obj.ContentType)
		h.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", `"`+key+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = io.Copy(w, obj)
	})
}
