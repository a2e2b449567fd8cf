package storefront

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	// csp is the Content-Security-Policy of a page ("" for other types).
	csp      string
	body, gz []byte
	etag     string // of body; the gzip form's is etag + "-gz"
	hdr      struct{ contentType, cacheControl, csp, etag, etagGz, length, gzLength []string }
}

// ttlCache keeps built values for a short time: at most max of them, each
// for ttl. Writes through this service (seller edits, the projector)
// invalidate it at once; the TTL bounds how stale a value can be when
// another process made the change. Concurrent misses of one key build once.
type ttlCache[K comparable, V any] struct {
	ttl  time.Duration
	max  int
	now  func() time.Time
	gen  atomic.Uint64
	mu   sync.RWMutex
	m    map[K]cached[V]
	fill singleflight.Group
}

type cached[V any] struct {
	v       V
	gen     uint64
	expires time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, maxEntries int, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, max: maxEntries, now: now, m: map[K]cached[V]{}}
}

// invalidate drops every cached value.
func (c *ttlCache[K, V]) invalidate() { c.gen.Add(1) }

// get returns the cached value for key, or builds, caches and returns it.
// build's errors are returned and nothing is cached.
func (c *ttlCache[K, V]) get(key K, build func() (V, error)) (V, error) {
	gen := c.gen.Load()
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && e.gen == gen && c.now().Before(e.expires) {
		return e.v, nil
	}
	// %#v quotes strings, so keys that differ never share a fill.
	v, err, _ := c.fill.Do(fmt.Sprintf("%#v", key), func() (any, error) {
		v, err := build()
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if len(c.m) >= c.max {
			c.evict()
		}
		c.m[key] = cached[V]{v: v, gen: gen, expires: c.now().Add(c.ttl)}
		c.mu.Unlock()
		return v, nil
	})
	if err != nil {
		var zero V
		return zero, err
	}
	return v.(V), nil
}

// evict drops stale entries, or every entry when none is stale; c.mu is held.
func (c *ttlCache[K, V]) evict() {
	gen, now := c.gen.Load(), c.now()
	for k, e := range c.m {
		if e.gen != gen || !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
}

// route names what a pageKey's response is.
type route uint8

const (
	routeShop route = iota + 1
	routeVideo
	routeTheme
	routeAPIShop
	routeAPIProducts
)

// pageKey identifies one public response: a route and the normalised
// parameters it was built from (unused ones empty).
type pageKey struct {
	route                       route
	handle, video               string
	tag, category, text, cursor string
	limit                       int
}

// responseCache keeps rendered public responses (sealed: with their
// compressed forms and ETag).
type responseCache = ttlCache[pageKey, *response]

// getResponse is c.get for responses: what build returns is sealed once.
func getResponse(c *responseCache, key pageKey, build func() (*response, error)) (*response, error) {
	return c.get(key, func() (*response, error) {
		r, err := build()
		if err != nil {
			return nil, err
		}
		r.seal()
		return r, nil
	})
}

var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	gzipEncoding       = []string{"gzip"}
)

// gzipWriters holds gzip writers between seals: a new writer at
// BestCompression allocates about 1 MB of state, more than most pages.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression) // the level is valid
	return zw
}}

// seal computes the ETag, the gzip form and the header values.
func (r *response) seal() {
	sum := sha256.Sum256(r.body)
	r.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	var b bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&b)
	_, _ = zw.Write(r.body)
	_ = zw.Close()
	gzipWriters.Put(zw)
	r.gz = b.Bytes()
	one := func(v string) []string { return []string{v} }
	r.hdr.contentType, r.hdr.cacheControl = one(r.contentType), one(r.cacheControl)
	if r.csp != "" {
		r.hdr.csp = one(r.csp)
	}
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
	if r.hdr.csp != nil {
		h["Content-Security-Policy"] = r.hdr.csp
	}
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
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		name, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		return !zeroQuality(params)
	}
	return false
}

// zeroQuality reports whether an encoding's parameters say q=0 (0, 0.0, 0.00
// or 0.000, spaces allowed around the "=").
func zeroQuality(params string) bool {
	name, value, ok := strings.Cut(params, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
		return false
	}
	value = strings.TrimSpace(value)
	if whole, frac, ok := strings.Cut(value, "."); ok {
		return whole == "0" && len(frac) <= 3 && strings.Trim(frac, "0") == ""
	}
	return value == "0"
}
