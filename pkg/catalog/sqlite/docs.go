package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/buylink/buylink/pkg/catalog"
)

// querier is what both *sql.DB and *sql.Tx offer for reads.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// getDoc reads the JSON document of one record; kind and id name it in a
// not-found error.
func getDoc[T any](ctx context.Context, q querier, kind, id, query string, args ...any) (T, error) {
	var doc string
	var v T
	if err := q.QueryRowContext(ctx, query, args...).Scan(&doc); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return v, catalog.NotFound(kind, id)
		}
		return v, dbErr(err, "read "+kind)
	}
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return v, catalog.Internal(err, "decode stored %s %q", kind, id)
	}
	return v, nil
}

// listDocs reads the JSON documents a query returns in its first column.
func listDocs[T any](ctx context.Context, q querier, kind, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbErr(err, "list "+kind+"s")
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, dbErr(err, "list "+kind+"s")
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, catalog.Internal(err, "decode stored %s", kind)
		}
		out = append(out, v)
	}
	return out, dbErr(rows.Err(), "list "+kind+"s")
}

func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", catalog.Internal(err, "encode record")
	}
	return string(b), nil
}

// pageOf trims a listing fetched with limit+1 rows to limit and makes the
// cursor of the next page from the last item kept ("" when there is none).
func pageOf[T any](items []T, limit int, query any, pos func(T) any) ([]T, string, error) {
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	next, err := catalog.EncodeCursor(query, pos(items[limit-1]))
	return items, next, err
}
