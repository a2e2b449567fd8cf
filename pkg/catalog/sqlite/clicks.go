package sqlite

import (
	"context"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

const day = 24 * time.Hour

// RecordClick implements catalog.ClickStore.
func (s *Store) RecordClick(ctx context.Context, c catalog.Click) error {
	if err := c.Validate(); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, "INSERT INTO clicks (product_id, seller, at, referrer_host) VALUES (?, ?, ?, ?)",
		c.ProductID, c.Seller, nanos(c.At.UTC()), c.ReferrerHost)
	return dbErr(err, "record click")
}

// DailyClicks implements catalog.ClickStore.
func (s *Store) DailyClicks(ctx context.Context, seller string, from, to time.Time) ([]catalog.DailyClicks, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at / ? AS d, product_id, count(*) FROM clicks
		WHERE seller = ? AND at >= ? AND at < ? GROUP BY d, product_id ORDER BY d, product_id`,
		int64(day), seller, nanos(from), nanos(to))
	if err != nil {
		return nil, dbErr(err, "count clicks")
	}
	defer rows.Close()
	var out []catalog.DailyClicks
	for rows.Next() {
		var d int64
		var c catalog.DailyClicks
		if err := rows.Scan(&d, &c.ProductID, &c.Count); err != nil {
			return nil, dbErr(err, "count clicks")
		}
		c.Day = time.Unix(0, d*int64(day)).UTC()
		out = append(out, c)
	}
	return out, dbErr(rows.Err(), "count clicks")
}

// RecordView implements catalog.ClickStore.
func (s *Store) RecordView(ctx context.Context, v catalog.View) error {
	if err := v.Validate(); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, "INSERT INTO views (seller, page, at) VALUES (?, ?, ?)", v.Seller, v.Page, nanos(v.At.UTC()))
	return dbErr(err, "record view")
}

// DailyViews implements catalog.ClickStore.
func (s *Store) DailyViews(ctx context.Context, seller string, from, to time.Time) ([]catalog.DailyViews, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at / ? AS d, page, count(*) FROM views
		WHERE seller = ? AND at >= ? AND at < ? GROUP BY d, page ORDER BY d, page`,
		int64(day), seller, nanos(from), nanos(to))
	if err != nil {
		return nil, dbErr(err, "count views")
	}
	defer rows.Close()
	var out []catalog.DailyViews
	for rows.Next() {
		var d int64
		var v catalog.DailyViews
		if err := rows.Scan(&d, &v.Page, &v.Count); err != nil {
			return nil, dbErr(err, "count views")
		}
		v.Day = time.Unix(0, d*int64(day)).UTC()
		out = append(out, v)
	}
	return out, dbErr(rows.Err(), "count views")
}
