package catalogtest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// RunIdempotency runs the conformance suite of catalog.IdempotencyStore
// against stores made by open, which arranges their closing (t.Cleanup).
func RunIdempotency(t *testing.T, open func(t *testing.T) catalog.IdempotencyStore) {
	t.Helper()
	t.Run("PutAndGet", func(t *testing.T) { testIdempotencyPutGet(t, open(t)) })
	t.Run("Expiry", func(t *testing.T) { testIdempotencyExpiry(t, open(t)) })
	t.Run("Validation", func(t *testing.T) { testIdempotencyValidation(t, open(t)) })
	t.Run("ConcurrentPuts", func(t *testing.T) { testIdempotencyConcurrent(t, open(t)) })
}

func record(key, hash string, ttl time.Duration) catalog.IdempotencyRecord {
	return catalog.IdempotencyRecord{Key: key, RequestHash: hash, Status: 202,
		Body: []byte(`{"id":"7524354452762037512","status":"queued"}`), ExpiresAt: time.Now().Add(ttl)}
}

func testIdempotencyPutGet(t *testing.T, st catalog.IdempotencyStore) {
	_, err := st.GetIdempotency(ctx(t), "sub-1 POST /api/videos k1")
	wantCode(t, err, catalog.CodeNotFound, "get a missing key")

	first := record("sub-1 POST /api/videos k1", "hash-a", time.Hour)
	stored, created, err := st.PutIdempotency(ctx(t), first)
	if err != nil || !created || stored.CreatedAt.IsZero() {
		t.Fatalf("first put: created=%v err=%v %+v", created, err, stored)
	}
	got := must(st.GetIdempotency(ctx(t), first.Key))(t)
	if got.RequestHash != "hash-a" || got.Status != 202 || !bytes.Equal(got.Body, first.Body) || !got.ExpiresAt.Equal(first.ExpiresAt) {
		t.Fatalf("get: %+v", got)
	}
	second := record(first.Key, "hash-b", time.Hour)
	second.Status, second.Body = 200, []byte(`{}`)
	stored, created, err = st.PutIdempotency(ctx(t), second)
	if err != nil || created || stored.RequestHash != "hash-a" || stored.Status != 202 {
		t.Fatalf("second put must return the first record: created=%v err=%v %+v", created, err, stored)
	}
	other := record("sub-2 POST /api/videos k1", "hash-b", time.Hour)
	if _, created, err := st.PutIdempotency(ctx(t), other); err != nil || !created {
		t.Fatalf("another caller's key: created=%v err=%v", created, err)
	}
}

func testIdempotencyExpiry(t *testing.T, st catalog.IdempotencyStore) {
	old := record("k-expired", "hash-a", -time.Minute)
	if _, created, err := st.PutIdempotency(ctx(t), old); err != nil || !created {
		t.Fatalf("put: created=%v err=%v", created, err)
	}
	_, err := st.GetIdempotency(ctx(t), old.Key)
	wantCode(t, err, catalog.CodeNotFound, "get an expired key")
	fresh := record(old.Key, "hash-b", time.Hour)
	stored, created, err := st.PutIdempotency(ctx(t), fresh)
	if err != nil || !created || stored.RequestHash != "hash-b" {
		t.Fatalf("an expired record must be replaced: created=%v err=%v %+v", created, err, stored)
	}
	if got := must(st.GetIdempotency(ctx(t), old.Key))(t); got.RequestHash != "hash-b" {
		t.Fatalf("get after replacing: %+v", got)
	}
}

func testIdempotencyValidation(t *testing.T, st catalog.IdempotencyStore) {
	bad := map[string]func(*catalog.IdempotencyRecord){
		"empty key":    func(r *catalog.IdempotencyRecord) { r.Key = "" },
		"long key":     func(r *catalog.IdempotencyRecord) { r.Key = strings.Repeat("k", catalog.MaxIdempotencyKeyBytes+1) },
		"no hash":      func(r *catalog.IdempotencyRecord) { r.RequestHash = "" },
		"no status":    func(r *catalog.IdempotencyRecord) { r.Status = 0 },
		"big body":     func(r *catalog.IdempotencyRecord) { r.Body = make([]byte, catalog.MaxIdempotencyBodyBytes+1) },
		"no expiry":    func(r *catalog.IdempotencyRecord) { r.ExpiresAt = time.Time{} },
		"status 1000":  func(r *catalog.IdempotencyRecord) { r.Status = 1000 },
		"hash too big": func(r *catalog.IdempotencyRecord) { r.RequestHash = strings.Repeat("h", 129) },
	}
	for name, mut := range bad {
		r := record("k-"+name, "hash", time.Hour)
		mut(&r)
		_, _, err := st.PutIdempotency(ctx(t), r)
		wantCode(t, err, catalog.CodeInvalid, name)
	}
}

func testIdempotencyConcurrent(t *testing.T, st catalog.IdempotencyStore) {
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	hashes := map[string]bool{}
	for i := range n {
		wg.Go(func() {
			r := record("k-race", "hash-"+string(rune('a'+i)), time.Hour)
			stored, ok, err := st.PutIdempotency(ctx(t), r)
			if err != nil {
				t.Errorf("concurrent put: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				created++
			}
			hashes[stored.RequestHash] = true
		})
	}
	wg.Wait()
	if created != 1 || len(hashes) != 1 {
		t.Fatalf("%d concurrent puts created %d records and saw %d different ones; want exactly one", n, created, len(hashes))
	}
}
