package llmtag

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/buylink/buylink/pkg/taxonomy"
)

// Cache keeps answers by key. pkg/llm's caches (llm.NewMemoryCache,
// llm.OpenCache) implement it. Implementations must be safe for concurrent
// use.
type Cache interface {
	// Get returns the value stored under key; found is false when there is none.
	Get(ctx context.Context, key string) (value []byte, found bool, err error)
	// Put stores value under key, replacing any earlier value.
	Put(ctx context.Context, key string, value []byte) error
}

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
