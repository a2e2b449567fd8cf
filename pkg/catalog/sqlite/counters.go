package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

var _ catalog.CounterStore = (*Store)(nil)

// AddCounter implements catalog.CounterStore in one write transaction (the
// store's writes are serialised, so parallel adds see each other).
func (s *Store) AddCounter(ctx context.Context, key string, delta, limit int64, expiresAt time.Time) (int64, bool, error) {
	if err := catalog.ValidateCounterKey(key); err != nil {
		return 0, false, err
	}
	var value int64
	var added bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := nanos(s.now())
		if _, err := tx.ExecContext(ctx, "DELETE FROM counters WHERE expires_at <= ?", now); err != nil {
			return dbErr(err, "expire counters")
		}
		err := tx.QueryRowContext(ctx, "SELECT value FROM counters WHERE key = ?", key).Scan(&value)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return dbErr(err, "read counter")
		}
		switch {
		case delta < 0 && !exists:
			return nil
		case delta > 0 && value > limit-delta:
			return nil
		case exists:
			_, err = tx.ExecContext(ctx, "UPDATE counters SET value = value + ? WHERE key = ?", delta, key)
		default:
			_, err = tx.ExecContext(ctx, "INSERT INTO counters (key, value, expires_at) VALUES (?, ?, ?)", key, delta, nanos(expiresAt))
		}
		if err != nil {
			return dbErr(err, "write counter")
		}
		value, added = value+delta, true
		return nil
	})
	return value, added, err
}

// GetCounter implements catalog.CounterStore.
func (s *Store) GetCounter(ctx context.Context, key string) (int64, error) {
	if err := catalog.ValidateCounterKey(key); err != nil {
		return 0, err
	}
	var value int64
	err := s.r.QueryRowContext(ctx, "SELECT value FROM counters WHERE key = ? AND expires_at > ?", key, nanos(s.now())).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return value, dbErr(err, "read counter")
}
