package dynamo

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/buylink/buylink/pkg/catalog"
)

// TombstoneTTL is how long a deleted product's tombstone stays (expiresAt):
// long enough that no index write of the product's last writers is still in
// flight.
const TombstoneTTL = 24 * time.Hour

// liveProductStatuses are the gsi2 partitions a listing without a seller,
// video or tag reads when no status is asked for: every status but deleted.
var liveProductStatuses = []catalog.ProductStatus{catalog.ProductDraft, catalog.ProductPublished, catalog.ProductHidden}

func productItem(p *catalog.Product, ver int64) (item, error) {
	ok := productOrderKey(p)
	return docItem(productPK(p.ID), skProduct, kindProduct, ver, p, map[string]string{
		AttrGSI1PK: sellerProductsPK(p.Seller), AttrGSI1SK: ok,
		AttrGSI2PK: productsByStatusPK(p.Status), AttrGSI2SK: ok,
	})
}

// productLinks are the index links a product version needs, by sort key:
// one per source video and one per tag, each carrying the product's order key.
func productLinks(p *catalog.Product, ver int64) map[string]item {
	ok := productOrderKey(p)
	out := map[string]item{}
	base := func(sk string) item {
		return item{AttrPK: str(productPK(p.ID)), AttrSK: str(sk), attrKind: str(kindLink), attrVer: num(ver)}
	}
	for _, vid := range p.VideoIDs {
		it := base(videoLinkSK(vid))
		it[AttrGSI1PK], it[AttrGSI1SK] = str(videoProductsPK(vid)), str(ok)
		out[videoLinkSK(vid)] = it
	}
	for _, t := range p.Tags {
		it := base(tagLinkSK(t.Name))
		it[AttrGSI1PK], it[AttrGSI1SK] = str(tagProductsPK(t.Name)), str(ok)
		it[AttrGSI2PK], it[AttrGSI2SK] = str(sellerTagProductsPK(p.Seller, t.Name)), str(ok)
		out[tagLinkSK(t.Name)] = it
	}
	return out
}

// UpsertProduct implements catalog.ProductStore.
//
// The product item is written on condition that its version is the one read
// (or that it is absent), then its index links are brought in line with the
// new version (syncLinks). The product item is the truth; links only find
// candidates, so a link that lags behind for a moment can delay a product's
// appearance in a video or tag listing but never show a wrong record.
func (s *Store) UpsertProduct(ctx context.Context, id string, fn func(*catalog.Product, bool) error) (catalog.Product, error) {
	const what = "write product"
	if id == "" {
		return catalog.Product{}, catalog.Invalid("id", "is required")
	}
	var out catalog.Product
	var ver int64
	err := retry(ctx, what, func() error {
		it, err := s.get(ctx, productPK(id), skProduct, what)
		if err != nil {
			return err
		}
		exists := it != nil && !getBool(it, attrDeleted)
		curVer := getN(it, attrVer)
		cur := catalog.Product{ID: id}
		if exists {
			if cur, err = decodeDoc[catalog.Product](it, kindProduct); err != nil {
				return err
			}
		}
		next := cur.Clone()
		if err := fn(&next, exists); err != nil {
			return err
		}
		if next.ID != id || (exists && next.Seller != cur.Seller) {
			return catalog.Invalid("id", "a product's id and seller cannot change")
		}
		now := s.now()
		next.CreatedAt, next.UpdatedAt = cur.CreatedAt, now.UTC()
		if !exists {
			next.CreatedAt = now.UTC()
		}
		next.VideoPostedAt = next.VideoPostedAt.UTC()
		if err := next.Validate(); err != nil {
			return err
		}
		ver = nextVersion(curVer, now)
		nit, err := productItem(&next, ver)
		if err != nil {
			return err
		}
		c := ifAbsent
		if it != nil {
			c = ifVersion(curVer)
		}
		if err := s.put(ctx, nit, c, what); err != nil {
			if errors.Is(err, errCondition) {
				return errRetry
			}
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return catalog.Product{}, err
	}
	if err := s.syncLinks(ctx, id, productLinks(&out, ver), ver); err != nil {
		return catalog.Product{}, err
	}
	return out, nil
}

// syncLinks makes a product's links those of version ver: it writes the
// wanted ones and deletes the others, each on condition that the stored link
// is older than ver, so a slower writer of an older version never undoes a
// newer one. It reads the product's partition to find every link, which also
// removes links a crashed writer left behind.
func (s *Store) syncLinks(ctx context.Context, id string, want map[string]item, ver int64) error {
	const what = "index product"
	var stale []string
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(productPK(id))},
		ProjectionExpression:      aws.String("sk"),
		ConsistentRead:            aws.Bool(true),
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return dbErr(err, what)
		}
		for _, it := range out.Items {
			if sk := getS(it, AttrSK); sk != skProduct && want[sk] == nil {
				stale = append(stale, sk)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	ops := make([]func() error, 0, len(want)+len(stale))
	for _, it := range want {
		ops = append(ops, func() error { return s.put(ctx, it, ifOlder(ver), what) })
	}
	for _, sk := range stale {
		ops = append(ops, func() error {
			return s.del(ctx, productPK(id), sk, cond{expr: "ver < :ver", vals: item{":ver": num(ver)}}, what)
		})
	}
	if err := runAll(ops, 8); err != nil {
		return catalog.Unavailable(err, "product %s is stored but its video and tag listings are not up to date; write it again", id)
	}
	return nil
}

// runAll runs ops, at most n at once, and returns the first error other than
// errCondition (a newer version owns that link).
func runAll(ops []func() error, n int) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, n)
	for _, op := range ops {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := op(); err != nil && !errors.Is(err, errCondition) {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// GetProduct implements catalog.ProductStore.
func (s *Store) GetProduct(ctx context.Context, id string) (catalog.Product, error) {
	it, err := s.get(ctx, productPK(id), skProduct, "read product")
	if err != nil {
		return catalog.Product{}, err
	}
	if it == nil || getBool(it, attrDeleted) {
		return catalog.Product{}, catalog.NotFound("product", id)
	}
	return decodeDoc[catalog.Product](it, kindProduct)
}

// DeleteProduct implements catalog.ProductStore. The product item becomes a
// tombstone that keeps its version (and expires after TombstoneTTL), then
// its links are removed as by any newer version. Once the tombstone is
// written the product is gone: listings skip links that lead to no product,
// so removing the links is best effort (a later write of the same id removes
// any that remain) and does not fail the call, which could not be repeated.
func (s *Store) DeleteProduct(ctx context.Context, id string) error {
	const what = "delete product"
	var ver int64
	err := retry(ctx, what, func() error {
		it, err := s.get(ctx, productPK(id), skProduct, what)
		if err != nil {
			return err
		}
		if it == nil || getBool(it, attrDeleted) {
			return catalog.NotFound("product", id)
		}
		curVer := getN(it, attrVer)
		now := s.now()
		ver = nextVersion(curVer, now)
		tomb := item{
			AttrPK: str(productPK(id)), AttrSK: str(skProduct), attrKind: str(kindProduct), attrVer: num(ver),
			attrDeleted: &types.AttributeValueMemberBOOL{Value: true}, AttrTTL: num(now.Add(TombstoneTTL).Unix()),
		}
		if err := s.put(ctx, tomb, ifVersion(curVer), what); err != nil {
			if errors.Is(err, errCondition) {
				return errRetry
			}
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	_ = s.syncLinks(ctx, id, nil, ver)
	return nil
}

// ListProducts implements catalog.ProductStore. It reads, by the most
// selective filter: a video's links (gsi1 VIDEO#<id>#PRODUCTS), a seller's
// tag links (gsi2 SELLER#<handle>#TAG#<tag>), a seller's products (gsi1
// SELLER#<handle>#PRODUCTS), a tag's links (gsi1 TAG#<tag>#PRODUCTS), or
// all products by status (gsi2 PRODUCTS#<status>, merged). Links lead to the
// products through BatchGetItem.
func (s *Store) ListProducts(ctx context.Context, q catalog.ProductQuery, p catalog.Page) ([]catalog.Product, string, error) {
	limit, err := p.EffectiveLimit()
	if err != nil {
		return nil, "", err
	}
	after, err := decodePos(p.Cursor, q)
	if err != nil {
		return nil, "", err
	}
	var src source
	switch {
	case q.VideoID != "":
		src = s.links(s.query(IndexGSI1, videoProductsPK(q.VideoID), after, false, limit))
	case q.Seller != "" && q.Tag != "":
		src = s.links(s.query(IndexGSI2, sellerTagProductsPK(q.Seller, q.Tag), after, false, limit))
	case q.Seller != "":
		src = s.query(IndexGSI1, sellerProductsPK(q.Seller), after, false, limit)
	case q.Tag != "":
		src = s.links(s.query(IndexGSI1, tagProductsPK(q.Tag), after, false, limit))
	default:
		statuses := q.Statuses
		if len(statuses) == 0 {
			statuses = liveProductStatuses
		}
		var srcs []source
		for _, st := range uniq(statuses) {
			srcs = append(srcs, s.query(IndexGSI2, productsByStatusPK(st), after, false, limit))
		}
		src = merge(false, srcs...)
	}
	return collect(ctx, src, limit, q, func(it item) (catalog.Product, bool, error) {
		pr, err := decodeDoc[catalog.Product](it, kindProduct)
		if err != nil {
			return pr, false, err
		}
		return pr, q.Matches(&pr), nil
	})
}
