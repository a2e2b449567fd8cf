package dynamo

import (
	"context"
	"slices"
	"strings"
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
	id := events.NewID()
	at := c.At.UTC()
	it := item{
		AttrPK: str(clickPK(id)), AttrSK: str(skClick), attrKind: str(kindClick),
		AttrGSI1PK: str(sellerClicksPK(c.Seller)), AttrGSI1SK: str(clickKey(at, id)),
		attrProduct: str(c.ProductID), attrAt: num(at.UnixNano()),
	}
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
	if !from.Before(to) {
		return nil, nil
	}
	type dayProduct struct {
		day     int64
		product string
	}
	counts := map[dayProduct]int64{}
	// Sort keys are "<time>#<id>": every click at or after from sorts after
	// the bare time key of from, every click before to sorts before to's.
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String(IndexGSI1),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: item{
			":pk": str(sellerClicksPK(seller)), ":from": str(timeKey(from)), ":to": str(timeKey(to)),
		},
		ProjectionExpression:     aws.String("productId, #at"),
		ExpressionAttributeNames: map[string]string{"#at": attrAt}, // "at" is a reserved word
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, dbErr(err, "count clicks")
		}
		for _, it := range out.Items {
			at := getN(it, attrAt)
			d := at / int64(day)
			if at < 0 && at%int64(day) != 0 {
				d-- // floor, for the days before 1970
			}
			counts[dayProduct{d, getS(it, attrProduct)}]++
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if len(counts) == 0 {
		return nil, nil
	}
	out := make([]catalog.DailyClicks, 0, len(counts))
	for k, n := range counts {
		out = append(out, catalog.DailyClicks{ProductID: k.product, Day: time.Unix(0, k.day*int64(day)).UTC(), Count: n})
	}
	slices.SortFunc(out, func(a, b catalog.DailyClicks) int {
		if c := a.Day.Compare(b.Day); c != 0 {
			return c
		}
		return strings.Compare(a.ProductID, b.ProductID)
	})
	return out, nil
}
