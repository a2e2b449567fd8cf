package llm

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"gocloud.dev/blob"
	// file:// buckets: the worker's cache directory.
	_ "gocloud.dev/blob/fileblob"
	// mem:// buckets: tests and throwaway runs.
	_ "gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"
)

// Cache keeps answers by key, so that the same input is never paid for
// twice. Implementations must be safe for concurrent use.
type Cache interface {
	// Get returns the value stored under key; found is false when there is none.
	Get(ctx context.Context, key string) (value []byte, found bool, err error)
	// Put stores value under key, replacing any earlier value.
	Put(ctx context.Context, key string, value []byte) error
}

// Key hashes the parts that determine an answer into a cache key (64 hex
// digits). Parts are length-prefixed, so ("ab", "c") and ("a", "bc") differ.
func Key(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DefaultMemoryEntries bounds a MemoryCache made by OpenCache.
const DefaultMemoryEntries = 4096

// MemoryCache is an in-process cache that forgets the least recently used
// entries beyond its size.
type MemoryCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type memEntry struct {
	key   string
	value []byte
}

// NewMemoryCache returns a cache of at most size entries (at least 1).
func NewMemoryCache(size int) *MemoryCache {
	return &MemoryCache{max: max(size, 1), order: list.New(), items: map[string]*list.Element{}}
}

// Get implements Cache.
func (m *MemoryCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.items[key]
	if !ok {
		return nil, false, nil
	}
	m.order.MoveToFront(el)
	return append([]byte(nil), el.Value.(*memEntry).value...), true, nil
}

// Put implements Cache.
func (m *MemoryCache) Put(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := append([]byte(nil), value...)
	if el, ok := m.items[key]; ok {
		el.Value.(*memEntry).value = v
		m.order.MoveToFront(el)
		return nil
	}
	m.items[key] = m.order.PushFront(&memEntry{key, v})
	for m.order.Len() > m.max {
		last := m.order.Back()
		m.order.Remove(last)
		delete(m.items, last.Value.(*memEntry).key)
	}
	return nil
}

// Len returns the number of entries.
func (m *MemoryCache) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}

// BlobCache keeps entries in a gocloud blob bucket (a file:// directory, the
// media bucket on S3), as <prefix><2 hex>/<key>.json, so that every worker
// process shares them and they outlive restarts.
type BlobCache struct {
	b      *blob.Bucket
	prefix string
}

// NewBlobCache returns a cache in b under prefix ("llm-cache/").
func NewBlobCache(b *blob.Bucket, prefix string) *BlobCache {
	return &BlobCache{b: b, prefix: prefix}
}

func (c *BlobCache) path(key string) (string, error) {
	if len(key) < 8 || strings.ContainsAny(key, "/\\.") {
		return "", fmt.Errorf("llm: cache key %q is not a Key", key)
	}
	return c.prefix + key[:2] + "/" + key + ".json", nil
}

// Get implements Cache.
func (c *BlobCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	p, err := c.path(key)
	if err != nil {
		return nil, false, err
	}
	data, err := c.b.ReadAll(ctx, p)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("llm: cache read %s: %w", p, err)
	}
	return data, true, nil
}

// Put implements Cache.
func (c *BlobCache) Put(ctx context.Context, key string, value []byte) error {
	p, err := c.path(key)
	if err != nil {
		return err
	}
	if err := c.b.WriteAll(ctx, p, value, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("llm: cache write %s: %w", p, err)
	}
	return nil
}

// OpenCache opens the cache a URL names: "" or "memory" for a MemoryCache,
// any gocloud blob URL ("file:///var/cache/buylink", "s3://bucket?region=eu-west-1",
// "mem://") for a BlobCache under "llm-cache/". The caller closes it with
// the returned function. Blob schemes other than file:// and mem:// need
// their driver imported by the program.
func OpenCache(ctx context.Context, url string) (Cache, func() error, error) {
	if url == "" || url == "memory" {
		return NewMemoryCache(DefaultMemoryEntries), func() error { return nil }, nil
	}
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("llm: open cache bucket %s: %w", url, err)
	}
	if b == nil {
		return nil, nil, errors.New("llm: no cache bucket")
	}
	return NewBlobCache(b, "llm-cache/"), b.Close, nil
}
