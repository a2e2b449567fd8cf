package dynamo

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/buylink/buylink/pkg/catalog"
)

// Counters are alone in their partition (COUNTER#<key>): the value in n,
// changed by atomic ADD updates whose condition keeps it within the limit;
// expNs (Unix nanoseconds) decides expiry exactly and the TTL attribute
// lets DynamoDB delete the item later.
const (
	kindCounter  = "counter"
	skCounter    = "COUNTER"
	attrCounterN = "n"
)

func counterPK(key string) string { return "COUNTER#" + key }

var _ catalog.CounterStore = (*Store)(nil)

// AddCounter implements catalog.CounterStore with one conditional UpdateItem
// (ADD), so that adds from any number of processes never pass the limit. An
// expired counter is replaced by a conditional put.
func (s *Store) AddCounter(ctx context.Context, name string, delta, limit int64, expiresAt time.Time) (int64, bool, error) {
	if err := catalog.ValidateCounterKey(name); err != nil {
		return 0, false, err
	}
	if delta > 0 && delta > limit {
		v, err := s.GetCounter(ctx, name)
		return v, false, err
	}
	for range 5 {
		now := s.now().UnixNano()
		vals := item{":d": num(delta), ":now": num(now), ":exp": num(expiresAt.UnixNano()),
			":ttl": num(expiresAt.Add(time.Second - 1).Unix()), ":kind": str(kindCounter)}
		condition := "attribute_not_exists(pk) OR (expNs > :now AND #n <= :max)"
		if delta < 0 {
			condition = "attribute_exists(pk) AND expNs > :now"
		} else {
			vals[":max"] = num(limit - delta)
		}
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key(counterPK(name), skCounter),
			UpdateExpression:          aws.String("ADD #n :d SET #k = :kind, expNs = if_not_exists(expNs, :exp), #t = if_not_exists(#t, :ttl)"),
			ConditionExpression:       aws.String(condition),
			ExpressionAttributeNames:  map[string]string{"#n": attrCounterN, "#k": attrKind, "#t": AttrTTL},
			ExpressionAttributeValues: vals,
			ReturnValues:              types.ReturnValueUpdatedNew,
		})
		if err == nil {
			v, perr := counterValue(out.Attributes)
			return v, perr == nil, perr
		}
		if err := condErr(err, "add to counter"); !errors.Is(err, errCondition) {
			return 0, false, err
		}
		it, err := s.get(ctx, counterPK(name), skCounter, "read counter")
		if err != nil {
			return 0, false, err
		}
		switch {
		case it == nil && delta < 0:
			return 0, false, nil
		case it == nil:
			continue // deleted meanwhile: add again
		case getN(it, attrExpNs) > now:
			v, err := counterValue(it)
			return v, false, err // over the limit (or nothing to give back)
		case delta < 0:
			return 0, false, nil // expired: nothing to give back
		}
		// Expired: start it again, unless someone else just did.
		fresh := key(counterPK(name), skCounter)
		fresh[attrCounterN], fresh[attrKind] = num(delta), str(kindCounter)
		fresh[attrExpNs], fresh[AttrTTL] = num(expiresAt.UnixNano()), num(expiresAt.Add(time.Second-1).Unix())
		err = s.put(ctx, fresh, cond{expr: "expNs <= :now", vals: item{":now": num(now)}}, "restart counter")
		if err == nil {
			return delta, true, nil
		}
		if !errors.Is(err, errCondition) {
			return 0, false, err
		}
	}
	return 0, false, catalog.Unavailable(nil, "counter %q is contended", name)
}

// GetCounter implements catalog.CounterStore.
func (s *Store) GetCounter(ctx context.Context, name string) (int64, error) {
	if err := catalog.ValidateCounterKey(name); err != nil {
		return 0, err
	}
	it, err := s.get(ctx, counterPK(name), skCounter, "read counter")
	if err != nil || it == nil || getN(it, attrExpNs) <= s.now().UnixNano() {
		return 0, err
	}
	return counterValue(it)
}

func counterValue(it item) (int64, error) {
	n, ok := it[attrCounterN].(*types.AttributeValueMemberN)
	if !ok {
		return 0, catalog.Internal(nil, "counter item has no value")
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0, catalog.Internal(err, "counter value %q", n.Value)
	}
	return v, nil
}
