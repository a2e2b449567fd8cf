package sqlite

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strings"

	"github.com/buylink/buylink/pkg/catalog"
)

// UpsertVideo implements catalog.VideoStore.
func (s *Store) UpsertVideo(ctx context.Context, v catalog.Video) (catalog.Video, bool, error) {
	now := s.now().UTC()
	v.CreatedAt, v.UpdatedAt = now, now
	if v.PostedAt.IsZero() {
		v.PostedAt = now
	}
	v.PostedAt = v.PostedAt.UTC()
	if err := v.Validate(); err != nil {
		return catalog.Video{}, false, err
	}
	var out catalog.Video
	var created bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getDoc[catalog.Video](ctx, tx, "video", v.ID, "SELECT doc FROM videos WHERE id = ?", v.ID)
		switch {
		case err == nil && cur.Seller != v.Seller:
			return catalog.Conflict("video %s belongs to another seller", v.ID)
		case err == nil:
			out = cur
			return nil
		case !catalog.IsCode(err, catalog.CodeNotFound):
			return err
		}
		if err := insertVideo(ctx, tx, v); err != nil {
			return err
		}
		out, created = v, true
		return nil
	})
	return out, created, err
}

func insertVideo(ctx context.Context, tx *sql.Tx, v catalog.Video) error {
	doc, err := marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx,
		"INSERT INTO videos (id, seller, status, posted_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?)",
		v.ID, v.Seller, string(v.Status), nanos(v.PostedAt), nanos(v.UpdatedAt), doc)
	return dbErr(err, "create video")
}

// GetVideo implements catalog.VideoStore.
func (s *Store) GetVideo(ctx context.Context, id string) (catalog.Video, error) {
	return getDoc[catalog.Video](ctx, s.r, "video", id, "SELECT doc FROM videos WHERE id = ?", id)
}

// UpdateVideo implements catalog.VideoStore.
func (s *Store) UpdateVideo(ctx context.Context, id string, fn func(*catalog.Video) error) (catalog.Video, error) {
	var out catalog.Video
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getDoc[catalog.Video](ctx, tx, "video", id, "SELECT doc FROM videos WHERE id = ?", id)
		if err != nil {
			return err
		}
		next := cur
		next.Steps = maps.Clone(cur.Steps)
		next.ImageURLs = append([]string(nil), cur.ImageURLs...)
		next.Thumbnails = slices.Clone(cur.Thumbnails)
		next.ProductTags = slices.Clone(cur.ProductTags)
		for i := range next.ProductTags {
			next.ProductTags[i].Tags = slices.Clone(next.ProductTags[i].Tags)
		}
		if err := fn(&next); err != nil {
			return err
		}
		if next.ID != cur.ID || next.Seller != cur.Seller {
			return catalog.Invalid("id", "a video's id and seller cannot change")
		}
		next.CreatedAt, next.UpdatedAt = cur.CreatedAt, s.now().UTC()
		next.PostedAt = next.PostedAt.UTC()
		if err := next.Validate(); err != nil {
			return err
		}
		doc, err := marshal(next)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE videos SET status = ?, posted_at = ?, updated_at = ?, doc = ? WHERE id = ?",
			string(next.Status), nanos(next.PostedAt), nanos(next.UpdatedAt), doc, id)
		if err != nil {
			return dbErr(err, "update video")
		}
		out = next
		return nil
	})
	return out, err
}

type videoPos struct {
	PostedAt int64  `json:"t"`
	ID       string `json:"id"`
}

// ListVideos implements catalog.VideoStore.
func (s *Store) ListVideos(ctx context.Context, q catalog.VideoQuery, p catalog.Page) ([]catalog.Video, string, error) {
	limit, err := p.EffectiveLimit()
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	if q.Seller != "" {
		where, args = append(where, "seller = ?"), append(args, q.Seller)
	}
	if len(q.Statuses) > 0 {
		where = append(where, "status IN ("+placeholders(len(q.Statuses))+")")
		for _, st := range q.Statuses {
			args = append(args, string(st))
		}
	}
	if !q.UpdatedBefore.IsZero() {
		where, args = append(where, "updated_at < ?"), append(args, nanos(q.UpdatedBefore))
	}
	if p.Cursor != "" {
		var pos videoPos
		if err := catalog.DecodeCursor(p.Cursor, q, &pos); err != nil {
			return nil, "", err
		}
		where, args = append(where, "(posted_at, id) < (?, ?)"), append(args, pos.PostedAt, pos.ID)
	}
	query := "SELECT doc FROM videos"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY posted_at DESC, id DESC LIMIT ?"
	items, err := listDocs[catalog.Video](ctx, s.r, "video", query, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return pageOf(items, limit, q, func(v catalog.Video) any { return videoPos{nanos(v.PostedAt), v.ID} })
}
