package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/buylink/buylink/pkg/catalog"
)

// BatchGetItem limits: keys a request may carry, and how often the keys
// DynamoDB leaves unprocessed (under throttling or the 16 MB response limit)
// are asked for again before giving up.
const (
	maxBatchKeys    = 100
	maxBatchRetries = 10
)

// batchGet reads items by key with strongly consistent reads, 100 keys a
// request, asking again with backoff for the keys DynamoDB leaves
// unprocessed. It returns the items found by partition key.
func (s *Store) batchGet(ctx context.Context, keys []item) (map[string]item, error) {
	const what = "read products"
	found := make(map[string]item, len(keys))
	seen := map[string]bool{}
	var pending []item
	for _, k := range keys {
		id := getS(k, AttrPK) + "\x00" + getS(k, AttrSK)
		if !seen[id] { // a request must not name a key twice
			seen[id] = true
			pending = append(pending, k)
		}
	}
	for len(pending) > 0 {
		n := min(len(pending), maxBatchKeys)
		req := map[string]types.KeysAndAttributes{s.table: {Keys: pending[:n], ConsistentRead: aws.Bool(true)}}
		pending = pending[n:]
		for attempt := 1; len(req) > 0; attempt++ {
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, dbErr(err, what)
			}
			for _, it := range out.Responses[s.table] {
				found[getS(it, AttrPK)] = it
			}
			req = out.UnprocessedKeys
			if len(req) == 0 {
				break
			}
			if attempt > maxBatchRetries {
				return nil, catalog.Unavailable(fmt.Errorf("%d keys unprocessed after %d attempts", len(req[s.table].Keys), attempt),
					"%s: DynamoDB is throttling requests", what)
			}
			if err := sleep(ctx, backoff(attempt+3)); err != nil {
				return nil, catalog.Unavailable(err, "%s: interrupted", what)
			}
		}
	}
	return found, nil
}

// linkSource turns a source of product links into a source of the products
// they lead to, in link order, reading the products of each page of links
// in one batch. Links
// whose product is gone (deleted, or a link left over) are skipped; the
// listing's filters catch links that lag behind their product.
type linkSource struct {
	s     *Store
	links *querySource
	buf   []entry
}

func (s *Store) links(q *querySource) source { return &linkSource{s: s, links: q} }

func (l *linkSource) next(ctx context.Context) (entry, bool, error) {
	for len(l.buf) == 0 {
		batch, err := l.links.nextPage(ctx)
		if err != nil {
			return entry{}, false, err
		}
		if len(batch) == 0 {
			return entry{}, false, nil
		}
		keys := make([]item, len(batch))
		for i, e := range batch {
			keys[i] = key(getS(e.it, AttrPK), skProduct)
		}
		products, err := l.s.batchGet(ctx, keys)
		if err != nil {
			return entry{}, false, err
		}
		for _, e := range batch {
			if p := products[getS(e.it, AttrPK)]; p != nil && !getBool(p, attrDeleted) {
				l.buf = append(l.buf, entry{sortKey: e.sortKey, it: p})
			}
		}
	}
	e := l.buf[0]
	l.buf = l.buf[1:]
	return e, true, nil
}
