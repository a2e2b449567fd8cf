package catalog

import (
	"context"
	"time"
)

// MaxCounterKeyBytes bounds a counter's key.
const MaxCounterKeyBytes = 512

// CounterStore keeps named counters that expire: quotas and budgets count
// in them (package quota), so that every replica of a service and every
// restart sees the same totals. A counter added to with its limit equal to
// the delta is a claim: exactly one caller adds it and every other reads
// the winner's value until it expires (product-service's click gate keeps
// its visit marks and shared daily salt so). It is separate from Store: a backend offers
// it when it can. Implementations are safe for concurrent use, and
// AddCounter is atomic: parallel adds never take a counter over its limit.
type CounterStore interface {
	// AddCounter adds delta to the counter named key unless the sum would
	// exceed limit, and answers the counter's value after the call and
	// whether delta was added. A missing or expired counter counts from
	// zero and takes expiresAt as its end (a later add does not move it).
	// A negative delta (giving back what was taken) is always added, and
	// to an existing unexpired counter only; limit is not checked then.
	AddCounter(ctx context.Context, key string, delta, limit int64, expiresAt time.Time) (value int64, added bool, err error)
	// GetCounter returns the counter's value, 0 when it is missing or
	// expired.
	GetCounter(ctx context.Context, key string) (int64, error)
}

// ValidateCounterKey checks a counter's key.
func ValidateCounterKey(key string) error {
	switch {
	case key == "":
		return Invalid("key", "is required")
	case len(key) > MaxCounterKeyBytes:
		return Invalid("key", "must be at most %d bytes (got %d)", MaxCounterKeyBytes, len(key))
	}
	return nil
}
