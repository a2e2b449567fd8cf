package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/buylink/buylink/pkg/catalog"
)

// UpsertProduct implements catalog.ProductStore.
func (s *Store) UpsertProduct(ctx context.Context, id string, fn func(*catalog.Product, bool) error) (catalog.Product, error) {
	if id == "" {
		return catalog.Product{}, catalog.Invalid("id", "is required")
	}
	var out catalog.Product
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getDoc[catalog.Product](ctx, tx, "product", id, "SELECT doc FROM products WHERE id = ?", id)
		exists := err == nil
		if err != nil && !catalog.IsCode(err, catalog.CodeNotFound) {
			return err
		}
		if !exists {
			cur = catalog.Product{ID: id}
		}
		next := cur.Clone()
		if err := fn(&next, exists); err != nil {
			return err
		}
		if next.ID != id || (exists && next.Seller != cur.Seller) {
			return catalog.Invalid("id", "a product's id and seller cannot change")
		}
		now := s.now().UTC()
		next.CreatedAt, next.UpdatedAt = cur.CreatedAt, now
		if !exists {
			next.CreatedAt = now
		}
		next.VideoPostedAt = next.VideoPostedAt.UTC()
		if err := next.Validate(); err != nil {
			return err
		}
		if err := writeProduct(ctx, tx, next, exists); err != nil {
			return err
		}
		out = next
		return nil
	})
	return out, err
}

func writeProduct(ctx context.Context, tx *sql.Tx, p catalog.Product, exists bool) error {
	doc, err := marshal(p)
	if err != nil {
		return err
	}
	var price any
	if p.PriceMinor != nil {
		price = *p.PriceMinor
	}
	args := []any{p.Seller, string(p.Status), p.Pinned, p.Position, nanos(p.VideoPostedAt), price, p.Category, strings.ToLower(p.Title), doc, p.ID}
	if exists {
		_, err = tx.ExecContext(ctx, `UPDATE products SET seller = ?, status = ?, pinned = ?, position = ?, video_posted_at = ?,
			price_minor = ?, category = ?, title_lc = ?, doc = ? WHERE id = ?`, args...)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO products (seller, status, pinned, position, video_posted_at,
			price_minor, category, title_lc, doc, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	}
	if err != nil {
		return dbErr(err, "write product")
	}
	for _, stmt := range []string{"DELETE FROM product_videos WHERE product_id = ?", "DELETE FROM product_tags WHERE product_id = ?"} {
		if _, err := tx.ExecContext(ctx, stmt, p.ID); err != nil {
			return dbErr(err, "write product")
		}
	}
	for _, v := range p.VideoIDs {
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO product_videos (video_id, product_id) VALUES (?, ?)", v, p.ID); err != nil {
			return dbErr(err, "write product")
		}
	}
	for _, t := range p.Tags {
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO product_tags (tag, product_id) VALUES (?, ?)", t.Name, p.ID); err != nil {
			return dbErr(err, "write product")
		}
	}
	return nil
}

// GetProduct implements catalog.ProductStore.
func (s *Store) GetProduct(ctx context.Context, id string) (catalog.Product, error) {
	return getDoc[catalog.Product](ctx, s.r, "product", id, "SELECT doc FROM products WHERE id = ?", id)
}

// DeleteProduct implements catalog.ProductStore.
func (s *Store) DeleteProduct(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM products WHERE id = ?", id)
		if err != nil {
			return dbErr(err, "delete product")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return catalog.NotFound("product", id)
		}
		return nil
	})
}

// productPos is a product's place in the listing order.
type productPos struct {
	Pinned   bool   `json:"pin"`
	Position int    `json:"pos"`
	Posted   int64  `json:"t"`
	ID       string `json:"id"`
}

// ListProducts implements catalog.ProductStore.
func (s *Store) ListProducts(ctx context.Context, q catalog.ProductQuery, p catalog.Page) ([]catalog.Product, string, error) {
	limit, err := p.EffectiveLimit()
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if q.Seller != "" {
		add("seller = ?", q.Seller)
	}
	if q.VideoID != "" {
		add("id IN (SELECT product_id FROM product_videos WHERE video_id = ?)", q.VideoID)
	}
	if len(q.Statuses) > 0 {
		var st []any
		for _, x := range q.Statuses {
			st = append(st, string(x))
		}
		add("status IN ("+placeholders(len(st))+")", st...)
	} else {
		add("status != ?", string(catalog.ProductDeleted))
	}
	if q.Tag != "" {
		add("id IN (SELECT product_id FROM product_tags WHERE tag = ?)", q.Tag)
	}
	if q.Category != "" {
		add("category = ?", q.Category)
	}
	if q.Text != "" {
		add("instr(title_lc, ?) > 0", strings.ToLower(q.Text))
	}
	if q.MinPrice != nil {
		add("price_minor >= ?", *q.MinPrice)
	}
	if q.MaxPrice != nil {
		add("price_minor <= ?", *q.MaxPrice)
	}
	if p.Cursor != "" {
		var pos productPos
		if err := catalog.DecodeCursor(p.Cursor, q, &pos); err != nil {
			return nil, "", err
		}
		add("(-pinned, position, -video_posted_at, id) > (?, ?, ?, ?)", -boolInt(pos.Pinned), pos.Position, -pos.Posted, pos.ID)
	}
	query := "SELECT doc FROM products"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY pinned DESC, position, video_posted_at DESC, id LIMIT ?"
	items, err := listDocs[catalog.Product](ctx, s.r, "product", query, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return pageOf(items, limit, q, func(p catalog.Product) any {
		return productPos{p.Pinned, p.Position, nanos(p.VideoPostedAt), p.ID}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
