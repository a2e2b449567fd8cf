package catalog

import (
	"context"
	"time"
)

// Limits of an idempotency record.
const (
	MaxIdempotencyKeyBytes  = 256
	MaxIdempotencyBodyBytes = 64 << 10
)

// IdempotencyRecord is the stored outcome of a request made with an
// Idempotency-Key header, so that a retry of the same request gets the same
// answer without doing the work twice.
type IdempotencyRecord struct {
	// Key identifies the request. Callers scope it (by account and route,
	// say) so that different callers' keys never meet.
	Key string `json:"key"`
	// RequestHash is a digest of the request: the same key with another
	// hash is a different request reusing the key.
	RequestHash string `json:"requestHash"`
	// Status and Body are the response to replay.
	Status int    `json:"status"`
	Body   []byte `json:"body,omitempty"`
	// CreatedAt is set by the store.
	CreatedAt time.Time `json:"createdAt"`
	// ExpiresAt ends the record: from then on it is as if absent, whenever
	// the backend actually deletes it (DynamoDB's TTL does so lazily).
	ExpiresAt time.Time `json:"expiresAt"`
}

// Validate checks every field of the record.
func (r *IdempotencyRecord) Validate() error {
	switch {
	case r.Key == "":
		return Invalid("key", "is required")
	case len(r.Key) > MaxIdempotencyKeyBytes:
		return Invalid("key", "must be at most %d bytes (got %d)", MaxIdempotencyKeyBytes, len(r.Key))
	case r.RequestHash == "" || len(r.RequestHash) > 128:
		return Invalid("requestHash", "must be 1-128 bytes")
	case r.Status < 100 || r.Status > 599:
		return Invalid("status", "must be an HTTP status (got %d)", r.Status)
	case len(r.Body) > MaxIdempotencyBodyBytes:
		return Invalid("body", "must be at most %d bytes (got %d)", MaxIdempotencyBodyBytes, len(r.Body))
	case r.ExpiresAt.IsZero():
		return Invalid("expiresAt", "is required")
	}
	return nil
}

// IdempotencyStore keeps the outcomes of requests made with idempotency keys
// until they expire. It is separate from Store: a backend offers it when it
// can. Implementations are safe for concurrent use.
type IdempotencyStore interface {
	// GetIdempotency returns the unexpired record with the key, or a
	// not-found error.
	GetIdempotency(ctx context.Context, key string) (IdempotencyRecord, error)
	// PutIdempotency stores rec unless an unexpired record with its key
	// exists, in which case it returns that record unchanged and
	// created=false. An expired record with the key is replaced.
	PutIdempotency(ctx context.Context, rec IdempotencyRecord) (stored IdempotencyRecord, created bool, err error)
}
