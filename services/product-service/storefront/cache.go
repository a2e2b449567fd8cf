package storefront

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/singleflight"
)

// response is a rendered public response, kept with its gzip form and ETag
// so a hot page costs one map lookup and one write.
type response struct {
	contentType  string
	cacheControl string
	body, gz     []byte
	etag         string // of body; the gzip form's is etag + "-gz"
	expires      time.Time
	gen          uint64
	hdr          struct{ contentType, cacheControl, etag, etagGz, length, gzLength []string }
}

// responseCache keeps public responses for a short time. Writes through this
// service (seller edits, the projector) invalidate it at once; the TTL bounds
// how stale a page can be when another process made the change.
type responseCache struct {
	ttl  time.Duration
	max  int
	now  func() time.Time
	gen  atomic.Uint64
	mu   sync.RWMutex
	m    map[string]*response
	fill singleflight.Group
}

func newResponseCache(ttl time.Duration, maxEntries int, now func() time.Time) *responseCache {
	return &responseCache{ttl: ttl, max: maxEntries, now: now, m: map[string]*response{}}
}

// invalidate drops every cached response.
func (c *responseCache) invalidate() { c.gen.Add(1) }

// get returns the cached response for key, or builds, caches and returns it.
// build's errors are returned and nothing is cached.
func (c *responseCache) get(key string, build func() (*response, error)) (*response, error) {
	gen := c.gen.Load()
	c.mu.RLock()
	r := c.m[key]
	c.mu.RUnlock()
	if r != nil && r.gen == gen && c.now().Before(r.expires) {
		return r, nil
	}
	v, err, _ := c.fill.Do(key, func() (any, error) {
		r, err := build()
		if err != nil {
			return nil, err
		}
		r.seal()
		r.gen, r.expires = gen, c.now().Add(c.ttl)
		c.mu.Lock()
		if len(c.m) >= c.max {
			c.evict()
		}
		c.m[key] = r
		c.mu.Unlock()
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*response), nil
}

// evict drops stale entries, or every entry when none is stale; c.mu is held.
func (c *responseCache) evict() {
	gen, now := c.gen.Load(), c.now()
	for k, r := range c.m {
		if r.gen != gen || !now.Before(r.expires) {
			delete(c.m, k)
		}
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
}

var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	gzipEncoding       = []string{"gzip"}
)

// seal computes the ETag, the gzip form and the header values.
func (r *response) seal() {
	sum := sha256.Sum256(r.body)
	r.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write(r.body)
	_ = zw.Close()
	r.gz = b.Bytes()
	one := func(v string) []string { return []string{v} }
	r.hdr.contentType, r.hdr.cacheControl = one(r.contentType), one(r.cacheControl)
	r.hdr.etag, r.hdr.etagGz = one(r.etag), one(strings.TrimSuffix(r.etag, `"`)+`-gz"`)
	r.hdr.length, r.hdr.gzLength = one(strconv.Itoa(len(r.body))), one(strconv.Itoa(len(r.gz)))
}

// write answers with r: 304 when If-None-Match matches, gzip when accepted.
// Header values are prepared by seal and shared read-only between requests
// (their capacity equals their length, so an append copies).
func (r *response) write(c *gin.Context) {
	h := c.Writer.Header()
	gz := acceptsGzip(c.Request.Header.Get("Accept-Encoding"))
	h["Content-Type"] = r.hdr.contentType
	h["Cache-Control"] = r.hdr.cacheControl
	h["Vary"] = varyAcceptEncoding
	if gz {
		h["Etag"] = r.hdr.etagGz
	} else {
		h["Etag"] = r.hdr.etag
	}
	if etagMatch(c.Request.Header.Get("If-None-Match"), r.etag) {
		c.Status(http.StatusNotModified)
		return
	}
	body := r.body
	h["Content-Length"] = r.hdr.length
	if gz {
		body = r.gz
		h["Content-Encoding"] = gzipEncoding
		h["Content-Length"] = r.hdr.gzLength
	}
	c.Status(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		_, _ = c.Writer.Write(body)
	}
}

// etagMatch reports whether an If-None-Match value names the response in
// either encoding (weak comparison, as RFC 9110 wants for If-None-Match).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	base := strings.TrimSuffix(etag, `"`)
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag || t == base+`-gz"` {
			return true
		}
	}
	return false
}

// acceptsGzip reads an Accept-Encoding value: gzip listed without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
