package sqlite

import (
	"context"
	"database/sql"

	"github.com/buylink/buylink/pkg/catalog"
)

var _ catalog.IdempotencyStore = (*Store)(nil)

// GetIdempotency implements catalog.IdempotencyStore.
func (s *Store) GetIdempotency(ctx context.Context, key string) (catalog.IdempotencyRecord, error) {
	return getDoc[catalog.IdempotencyRecord](ctx, s.r, "idempotency key", key,
		"SELECT doc FROM idempotency WHERE key = ? AND expires_at > ?", key, nanos(s.now()))
}

// PutIdempotency implements catalog.IdempotencyStore.
func (s *Store) PutIdempotency(ctx context.Context, rec catalog.IdempotencyRecord) (catalog.IdempotencyRecord, bool, error) {
	now := s.now().UTC()
	rec.CreatedAt = now
	rec.ExpiresAt = rec.ExpiresAt.UTC()
	if err := rec.Validate(); err != nil {
		return catalog.IdempotencyRecord{}, false, err
	}
	var out catalog.IdempotencyRecord
	var created bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getDoc[catalog.IdempotencyRecord](ctx, tx, "idempotency key", rec.Key,
			"SELECT doc FROM idempotency WHERE key = ? AND expires_at > ?", rec.Key, nanos(now))
		switch {
		case err == nil:
			out = cur
			return nil
		case !catalog.IsCode(err, catalog.CodeNotFound):
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM idempotency WHERE expires_at <= ?", nanos(now)); err != nil {
			return dbErr(err, "expire idempotency keys")
		}
		doc, err := marshal(rec)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO idempotency (key, expires_at, doc) VALUES (?, ?, ?)", rec.Key, nanos(rec.ExpiresAt), doc); err != nil {
			return dbErr(err, "store idempotency key")
		}
		out, created = rec, true
		return nil
	})
	return out, created, err
}
