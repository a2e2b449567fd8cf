package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// Idempotency records are alone in their partition (IDEMPOTENCY#<key>); the
// table's TTL attribute (expiresAt, Unix seconds) lets DynamoDB delete them
// once expired, and expNs (Unix nanoseconds) decides expiry exactly, since
// TTL deletion is lazy.
const (
	kindIdempotency = "idempotency"
	skIdempotency   = "IDEMPOTENCY"
	attrExpNs       = "expNs"
)

func idempotencyPK(key string) string { return "IDEMPOTENCY#" + key }

var _ catalog.IdempotencyStore = (*Store)(nil)

// GetIdempotency implements catalog.IdempotencyStore.
func (s *Store) GetIdempotency(ctx context.Context, key string) (catalog.IdempotencyRecord, error) {
	it, err := s.get(ctx, idempotencyPK(key), skIdempotency, "read idempotency key")
	if err != nil {
		return catalog.IdempotencyRecord{}, err
	}
	if it == nil || getN(it, attrExpNs) <= s.now().UnixNano() {
		return catalog.IdempotencyRecord{}, catalog.NotFound("idempotency key", key)
	}
	return decodeDoc[catalog.IdempotencyRecord](it, kindIdempotency)
}

// PutIdempotency implements catalog.IdempotencyStore: one conditional put
// that succeeds when no record with the key exists or the stored one has
// expired.
func (s *Store) PutIdempotency(ctx context.Context, rec catalog.IdempotencyRecord) (catalog.IdempotencyRecord, bool, error) {
	rec.CreatedAt = s.now().UTC()
	rec.ExpiresAt = rec.ExpiresAt.UTC()
	if err := rec.Validate(); err != nil {
		return catalog.IdempotencyRecord{}, false, err
	}
	it, err := docItem(idempotencyPK(rec.Key), skIdempotency, kindIdempotency, 1, rec, nil)
	if err != nil {
		return catalog.IdempotencyRecord{}, false, err
	}
	it[attrExpNs] = num(rec.ExpiresAt.UnixNano())
	it[AttrTTL] = num(rec.ExpiresAt.Add(time.Second - 1).Unix())
	// A lost race against a record that expires at once can repeat; a few
	// rounds settle it.
	for range 5 {
		now := s.now().UnixNano()
		err := s.put(ctx, it, cond{expr: "attribute_not_exists(pk) OR expNs <= :now", vals: item{":now": num(now)}}, "store idempotency key")
		if err == nil {
			return rec, true, nil
		}
		if !errors.Is(err, errCondition) {
			return catalog.IdempotencyRecord{}, false, err
		}
		cur, err := s.GetIdempotency(ctx, rec.Key)
		if err == nil {
			return cur, false, nil
		}
		if !catalog.IsCode(err, catalog.CodeNotFound) {
			return catalog.IdempotencyRecord{}, false, err
		}
	}
	return catalog.IdempotencyRecord{}, false, catalog.Unavailable(nil, "idempotency key %q is contended", rec.Key)
}
