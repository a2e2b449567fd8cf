package sqlite

import (
	"context"
	"database/sql"

	"github.com/buylink/buylink/pkg/catalog"
)

// CreateSeller implements catalog.SellerStore.
func (s *Store) CreateSeller(ctx context.Context, sl catalog.Seller) (catalog.Seller, error) {
	now := s.now().UTC()
	sl.CreatedAt, sl.UpdatedAt = now, now
	if err := sl.Validate(); err != nil {
		return catalog.Seller{}, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var handle string
		switch err := tx.QueryRowContext(ctx, "SELECT handle FROM sellers WHERE handle = ? OR sub = ?", sl.Handle, sl.Sub).Scan(&handle); {
		case err == nil && handle == sl.Handle:
			return catalog.Conflict("handle %q is already taken", sl.Handle)
		case err == nil:
			return catalog.Conflict("this account already owns the seller %q", handle)
		case err != sql.ErrNoRows:
			return dbErr(err, "create seller")
		}
		doc, err := marshal(sl)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO sellers (handle, sub, doc) VALUES (?, ?, ?)", sl.Handle, sl.Sub, doc)
		return dbErr(err, "create seller")
	})
	if err != nil {
		return catalog.Seller{}, err
	}
	return sl, nil
}

// GetSeller implements catalog.SellerStore.
func (s *Store) GetSeller(ctx context.Context, handle string) (catalog.Seller, error) {
	return getDoc[catalog.Seller](ctx, s.r, "seller", handle, "SELECT doc FROM sellers WHERE handle = ?", handle)
}

// GetSellerBySub implements catalog.SellerStore.
func (s *Store) GetSellerBySub(ctx context.Context, sub string) (catalog.Seller, error) {
	return getDoc[catalog.Seller](ctx, s.r, "seller of account", sub, "SELECT doc FROM sellers WHERE sub = ?", sub)
}

// UpdateSeller implements catalog.SellerStore.
func (s *Store) UpdateSeller(ctx context.Context, handle string, fn func(*catalog.Seller) error) (catalog.Seller, error) {
	var out catalog.Seller
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getDoc[catalog.Seller](ctx, tx, "seller", handle, "SELECT doc FROM sellers WHERE handle = ?", handle)
		if err != nil {
			return err
		}
		next := cur
		if err := fn(&next); err != nil {
			return err
		}
		if next.Handle != cur.Handle || next.Sub != cur.Sub {
			return catalog.Invalid("handle", "a seller's handle and account cannot change")
		}
		next.CreatedAt, next.UpdatedAt = cur.CreatedAt, s.now().UTC()
		if err := next.Validate(); err != nil {
			return err
		}
		doc, err := marshal(next)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE sellers SET doc = ? WHERE handle = ?", doc, handle); err != nil {
			return dbErr(err, "update seller")
		}
		out = next
		return nil
	})
	return out, err
}

// ListSellers implements catalog.SellerStore.
func (s *Store) ListSellers(ctx context.Context, p catalog.Page) ([]catalog.Seller, string, error) {
	limit, err := p.EffectiveLimit()
	if err != nil {
		return nil, "", err
	}
	const scope = "sellers"
	var after string
	if p.Cursor != "" {
		if err := catalog.DecodeCursor(p.Cursor, scope, &after); err != nil {
			return nil, "", err
		}
	}
	items, err := listDocs[catalog.Seller](ctx, s.r, "seller",
		"SELECT doc FROM sellers WHERE handle > ? ORDER BY handle LIMIT ?", after, limit+1)
	if err != nil {
		return nil, "", err
	}
	return pageOf(items, limit, scope, func(sl catalog.Seller) any { return sl.Handle })
}
