package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/buylink/buylink/pkg/catalog"
)

// A listing reads one or more index partitions whose sort keys are in the
// listing's order (sources), merges them, keeps the records that match the
// query (filters are checked on the decoded record, so results never depend
// on how fresh an index entry is) and stops after limit+1 matches. The
// cursor of the next page is the index sort key of the page's last record,
// which every partition resumes after: for a single partition, exactly the
// LastEvaluatedKey DynamoDB would have returned at that record.

// entry is one record a source yields: its index sort key and its item.
type entry struct {
	sortKey string
	it      item
}

// source yields entries in index order.
type source interface {
	next(ctx context.Context) (entry, bool, error)
}

// cursorPos is the position a cursor carries: the last sort key returned.
type cursorPos struct {
	Key string `json:"k"`
}

// decodePos reads a cursor of the listing selected by query ("" for the
// first page).
func decodePos(cursor string, query any) (string, error) {
	if cursor == "" {
		return "", nil
	}
	var pos cursorPos
	if err := catalog.DecodeCursor(cursor, query, &pos); err != nil {
		return "", err
	}
	if pos.Key == "" {
		return "", catalog.Invalid("cursor", "is not a cursor returned by this listing")
	}
	return pos.Key, nil
}

// maxPageSize bounds the entries one Query asks for. A listing's first
// Query asks for a page and one more; each further Query of the same listing
// (filters dropped entries) asks for twice as many, up to maxPageSize, so a
// selective filter costs few round trips and an unselective one reads little
// more than it returns (DynamoDB bills what it reads, filtered or not).
const maxPageSize = 400

// querySource reads one index partition in order, after a sort key.
type querySource struct {
	s     *Store
	in    dynamodb.QueryInput
	sk    string // the index's sort key attribute
	buf   []item
	start item
	done  bool
}

// query reads the partition pk of an index, ascending or descending, from
// after the sort key after ("" from the start), for a page of limit entries.
func (s *Store) query(index, pk, after string, desc bool, limit int) *querySource {
	pkAttr, skAttr := AttrGSI1PK, AttrGSI1SK
	if index == IndexGSI2 {
		pkAttr, skAttr = AttrGSI2PK, AttrGSI2SK
	}
	q := &querySource{s: s, sk: skAttr}
	q.in = dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String(pkAttr + " = :pk"),
		ExpressionAttributeValues: item{":pk": str(pk)},
		ScanIndexForward:          aws.Bool(!desc),
		Limit:                     aws.Int32(int32(limit + 1)),
	}
	if after != "" {
		op := " > :after"
		if desc {
			op = " < :after"
		}
		*q.in.KeyConditionExpression += " AND " + skAttr + op
		q.in.ExpressionAttributeValues[":after"] = str(after)
	}
	return q
}

func (q *querySource) next(ctx context.Context) (entry, bool, error) {
	if err := q.fill(ctx); err != nil || len(q.buf) == 0 {
		return entry{}, false, err
	}
	it := q.buf[0]
	q.buf = q.buf[1:]
	return entry{sortKey: getS(it, q.sk), it: it}, true, nil
}

// nextPage returns every entry read and not yet returned, reading the next
// Query page first when there is none; nothing at the end.
func (q *querySource) nextPage(ctx context.Context) ([]entry, error) {
	if err := q.fill(ctx); err != nil {
		return nil, err
	}
	out := make([]entry, len(q.buf))
	for i, it := range q.buf {
		out[i] = entry{sortKey: getS(it, q.sk), it: it}
	}
	q.buf = nil
	return out, nil
}

// fill reads Query pages until there are unreturned entries or the
// partition is exhausted.
func (q *querySource) fill(ctx context.Context) error {
	for len(q.buf) == 0 && !q.done {
		in := q.in
		in.ExclusiveStartKey = q.start
		out, err := q.s.db.Query(ctx, &in)
		if err != nil {
			return dbErr(err, "list")
		}
		q.buf, q.start = out.Items, out.LastEvaluatedKey
		q.done = len(q.start) == 0
		q.in.Limit = aws.Int32(min(*q.in.Limit*2, maxPageSize))
	}
	return nil
}

// mergeSource merges sources that share one order (descending or not).
type mergeSource struct {
	srcs  []source
	heads []*entry
	desc  bool
}

func merge(desc bool, srcs ...source) source {
	if len(srcs) == 1 {
		return srcs[0]
	}
	return &mergeSource{srcs: srcs, heads: make([]*entry, len(srcs)), desc: desc}
}

func (m *mergeSource) next(ctx context.Context) (entry, bool, error) {
	best := -1
	for i, src := range m.srcs {
		if m.heads[i] == nil && src != nil {
			e, ok, err := src.next(ctx)
			if err != nil {
				return entry{}, false, err
			}
			if !ok {
				m.srcs[i] = nil
				continue
			}
			m.heads[i] = &e
		}
		h := m.heads[i]
		if h == nil {
			continue
		}
		if best < 0 || (m.desc && h.sortKey > m.heads[best].sortKey) || (!m.desc && h.sortKey < m.heads[best].sortKey) {
			best = i
		}
	}
	if best < 0 {
		return entry{}, false, nil
	}
	e := *m.heads[best]
	m.heads[best] = nil
	return e, true, nil
}

// collect reads a page: the first limit records that keep accepts, and the
// cursor of the next page when there is one. A record listed twice (an index
// entry moving between partitions) is returned once.
func collect[T any](ctx context.Context, src source, limit int, query any, keep func(item) (T, bool, error)) ([]T, string, error) {
	var out []T
	var lastKey string
	seen := map[string]bool{}
	for {
		e, ok, err := src.next(ctx)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return out, "", nil
		}
		pk := getS(e.it, AttrPK)
		if seen[pk] {
			continue
		}
		seen[pk] = true
		v, match, err := keep(e.it)
		if err != nil {
			return nil, "", err
		}
		if !match {
			continue
		}
		if len(out) == limit {
			next, err := catalog.EncodeCursor(query, cursorPos{Key: lastKey})
			return out, next, err
		}
		out = append(out, v)
		lastKey = e.sortKey
	}
}
