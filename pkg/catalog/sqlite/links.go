package sqlite

import (
	"context"
	"database/sql"

	"github.com/buylink/buylink/pkg/catalog"
)

// PutLink implements catalog.LinkStore.
func (s *Store) PutLink(ctx context.Context, id string, fn func(*catalog.Link, bool) error) (catalog.Link, error) {
	if id == "" {
		return catalog.Link{}, catalog.Invalid("id", "is required")
	}
	var out catalog.Link
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getDoc[catalog.Link](ctx, tx, "link", id, "SELECT doc FROM links WHERE id = ?", id)
		exists := err == nil
		if err != nil && !catalog.IsCode(err, catalog.CodeNotFound) {
			return err
		}
		if !exists {
			cur = catalog.Link{ID: id}
		}
		next := cur.Clone()
		if err := fn(&next, exists); err != nil {
			return err
		}
		if next.ID != id || (exists && next.Seller != cur.Seller) {
			return catalog.Invalid("id", "a link's id and seller cannot change")
		}
		now := s.now().UTC()
		next.CreatedAt, next.UpdatedAt = cur.CreatedAt, now
		if !exists {
			next.CreatedAt = now
		}
		if err := next.Validate(); err != nil {
			return err
		}
		doc, err := marshal(next)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO links (id, seller, position, created_at, doc) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET position = excluded.position, doc = excluded.doc`,
			id, next.Seller, next.Position, nanos(next.CreatedAt), doc)
		if err != nil {
			return dbErr(err, "write link")
		}
		out = next
		return nil
	})
	return out, err
}

// GetLink implements catalog.LinkStore.
func (s *Store) GetLink(ctx context.Context, id string) (catalog.Link, error) {
	return getDoc[catalog.Link](ctx, s.r, "link", id, "SELECT doc FROM links WHERE id = ?", id)
}

// DeleteLink implements catalog.LinkStore.
func (s *Store) DeleteLink(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, "DELETE FROM links WHERE id = ?", id)
	if err != nil {
		return dbErr(err, "delete link")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return catalog.NotFound("link", id)
	}
	return nil
}

// ListLinks implements catalog.LinkStore.
func (s *Store) ListLinks(ctx context.Context, seller string) ([]catalog.Link, error) {
	return listDocs[catalog.Link](ctx, s.r, "link",
		"SELECT doc FROM links WHERE seller = ? ORDER BY position, created_at, id", seller)
}
