package dynamo

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

const day = 24 * time.Hour

// RecordClick implements catalog.ClickStore: one item per click, in its own
// partition (writes spread over the table), indexed by seller and time in
// gsi1 (SELLER#<handle>#CLICKS).
func (s *Store) RecordClick(ctx context.Context, c catalog.Click) error {
	if err := c.Validate(); err != nil {
		return err
	}
	it := s.eventItem(kindClick, sellerClicksPK(c.Seller), c.At)
	it[attrProduct] = str(c.ProductID)
	if c.ReferrerHost != "" {
		it[attrRef] = str(c.ReferrerHost)
	}
	if err := checkSize(kindClick, it); err != nil {
		return err
	}
	return s.put(ctx, it, cond{}, "record click")
}

// DailyClicks implements catalog.ClickStore: one range query over the
// seller's clicks in [from, to), counted per product and UTC day.
func (s *Store) DailyClicks(ctx context.Context, seller string, from, to time.Time) ([]catalog.DailyClicks, error) {
	counts, err := s.countDaily(ctx, sellerClicksPK(seller), attrProduct, from, to, "count clicks")
	if err != nil || len(counts) == 0 {
		return nil, err
	}
	out := make([]catalog.DailyClicks, 0, len(counts))
	for k, n := range counts {
		out = append(out, catalog.DailyClicks{ProductID: k.key, Day: time.Unix(0, k.day*int64(day)).UTC(), Count: n})
	}
	slices.SortFunc(out, func(a, b catalog.DailyClicks) int {
		return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.ProductID, b.ProductID))
	})
	return out, nil
}

// RecordView implements catalog.ClickStore like RecordClick, indexed in gsi1
// under SELLER#<handle>#VIEWS.
func (s *Store) RecordView(ctx context.Context, v catalog.View) error {
	if err := v.Validate(); err != nil {
		return err
	}
	it := s.eventItem(kindView, sellerViewsPK(v.Seller), v.At)
	it[attrPage] = str(v.Page)
	return s.put(ctx, it, cond{}, "record view")
}

// DailyViews implements catalog.ClickStore: one range query over the
// seller's views in [from, to), counted per page and UTC day.
func (s *Store) DailyViews(ctx context.Context, seller string, from, to time.Time) ([]catalog.DailyViews, error) {
	counts, err := s.countDaily(ctx, sellerViewsPK(seller), attrPage, from, to, "count views")
	if err != nil || len(counts) == 0 {
		return nil, err
	}
	out := make([]catalog.DailyViews, 0, len(counts))
	for k, n := range counts {
		out = append(out, catalog.DailyViews{Page: k.key, Day: time.Unix(0, k.day*int64(day)).UTC(), Count: n})
	}
	slices.SortFunc(out, func(a, b catalog.DailyViews) int {
		return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.Page, b.Page))
	})
	return out, nil
}

// eventItem is a click or view item: alone in its partition, indexed by
// seller (gsiPK) and time in gsi1.
func (s *Store) eventItem(kind, gsiPK string, at time.Time) item {
	id := events.NewID()
	at = at.UTC()
	return item{
		AttrPK: str(eventPK(kind, id)), AttrSK: str(eventSK(kind)), attrKind: str(kind),
		AttrGSI1PK: str(gsiPK), AttrGSI1SK: str(clickKey(at, id)), attrAt: num(at.UnixNano()),
	}
}

type dayKey struct {
	day int64
	key string
}

// countDaily counts the events indexed under gsiPK in [from, to) per UTC day
// and value of attr.
func (s *Store) countDaily(ctx context.Context, gsiPK, attr string, from, to time.Time, what string) (map[dayKey]int64, error) {
	if !from.Before(to) {
		return nil, nil
	}
	counts := map[dayKey]int64{}
	// Sort keys are "<time>#<id>": every event at or after from sorts after
	// the bare time key of from, every event before to sorts before to's.
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String(IndexGSI1),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: item{
			":pk": str(gsiPK), ":from": str(timeKey(from)), ":to": str(timeKey(to)),
		},
		ProjectionExpression:     aws.String("#k, #at"),
		ExpressionAttributeNames: map[string]string{"#k": attr, "#at": attrAt}, // "at" is a reserved word
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, dbErr(err, what)
		}
		for _, it := range out.Items {
			at := getN(it, attrAt)
			d := at / int64(day)
			if at < 0 && at%int64(day) != 0 {
				d-- // floor, for the days before 1970
			}
			counts[dayKey{d, getS(it, attr)}]++
		}
		if len(out.LastEvaluatedKey) == 0 {
			return counts, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
