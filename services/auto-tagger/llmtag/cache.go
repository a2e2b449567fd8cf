package llmtag

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/buylink/buylink/services/auto-tagger/taxonomy"
)

// Cache keeps answers by key. It has pkg/llm's Cache method set, so the
// shared blob cache can be used. Implementations must be safe for concurrent
// use.
type Cache interface {
	// Get returns the value stored under key; found is false when there is none.
	Get(ctx context.Context, key string) (value []byte, found bool, err error)
	// Put stores value under key, replacing any earlier value.
	Put(ctx context.Context, key string, value []byte) error
}

// DefaultMemoryEntries is the size NewMemoryCache is usually given: about a
// day of one busy seller's videos.
const DefaultMemoryEntries = 4096

// MemoryCache is an in-process Cache that forgets the least recently used
// entries beyond its size.
type MemoryCache struct {
	c *lru.Cache[string, []byte]
}

// NewMemoryCache returns a cache of at most size entries (at least 1).
func NewMemoryCache(size int) *MemoryCache {
	c, err := lru.New[string, []byte](max(size, 1))
	if err != nil {
		panic("llmtag: " + err.Error()) // only for a size below 1
	}
	return &MemoryCache{c: c}
}

// Get implements Cache.
func (m *MemoryCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	v, ok := m.c.Get(key)
	return v, ok, nil
}

// Put implements Cache.
func (m *MemoryCache) Put(_ context.Context, key string, value []byte) error {
	m.c.Add(key, append([]byte(nil), value...))
	return nil
}

// Len returns the number of entries.
func (m *MemoryCache) Len() int { return m.c.Len() }

// cacheKey hashes what determines an answer: the prompt and taxonomy
// versions, the model and the user content (the sanitised batch).
func cacheKey(model, user string) string {
	h := sha256.New()
	for _, p := range []string{PromptVersion, taxonomy.Version, model, user} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fromCache returns the cached answer for key; a read failure or an
// unreadable entry is logged and counts as a miss.
func (t *Tagger) fromCache(ctx context.Context, key string) (answer, bool) {
	var a answer
	if t.o.Cache == nil {
		return a, false
	}
	data, found, err := t.o.Cache.Get(ctx, key)
	if err != nil {
		t.o.Logger.WarnContext(ctx, "tag cache read failed; asking the model", "err", err)
		return a, false
	}
	if !found {
		return a, false
	}
	if err := json.Unmarshal(data, &a); err != nil {
		t.o.Logger.WarnContext(ctx, "tag cache entry unreadable; asking the model", "key", key, "err", err)
		return answer{}, false
	}
	return a, true
}

// toCache stores an answer; a failure is logged (the answer is still used).
func (t *Tagger) toCache(ctx context.Context, key string, a answer) {
	if t.o.Cache == nil {
		return
	}
	data, err := json.Marshal(a)
	if err == nil {
		err = t.o.Cache.Put(ctx, key, data)
	}
	if err != nil {
		t.o.Logger.WarnContext(ctx, "tag cache write failed; the answer is not cached", "err", err)
	}
}
