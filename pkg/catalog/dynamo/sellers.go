package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

// Account claim states.
const (
	claimPending = "pending"
	claimActive  = "active"
)

// claim is an account's claim on a seller handle: the record that lets each
// account (token subject) own at most one seller. A pending claim carries the
// whole seller it is creating, so anyone who finds it can finish the creation.
type claim struct {
	sub, handle, token, state string
	doc                       string
}

func claimItem(c claim) item {
	return item{
		AttrPK: str(accountPK(c.sub)), AttrSK: str(skAccount), attrKind: str(kindAccount),
		attrHandle: str(c.handle), attrToken: str(c.token), attrState: str(c.state), attrDoc: str(c.doc),
	}
}

func sellerItem(sl *catalog.Seller, token string, ver int64) (item, error) {
	return docItem(sellerPK(sl.Handle), skSeller, kindSeller, ver, sl, map[string]string{
		AttrGSI1PK: allSellers, AttrGSI1SK: sl.Handle, attrToken: token,
	})
}

// CreateSeller implements catalog.SellerStore.
//
// Without transactions (dynalite has none, and two single-item conditional
// writes suffice) a creation runs in three steps, each a conditional write:
//  1. claim the account: a pending claim naming the handle and carrying the
//     seller and a fresh creation token (fails when the account has a claim);
//  2. create the seller item with that token (fails when the handle is taken);
//  3. mark the claim active.
//
// Whoever finds a pending claim settles it before going on (settleClaim):
// rolled forward when the seller item can be or was created with its token,
// deleted when the handle belongs to another seller. Seller items are never
// deleted, so both outcomes are final and a crash at any step leaves nothing
// that breaks the rules: an interrupted creation is completed by the next
// writer that meets it.
func (s *Store) CreateSeller(ctx context.Context, sl catalog.Seller) (catalog.Seller, error) {
	now := s.now().UTC()
	sl.CreatedAt, sl.UpdatedAt = now, now
	if err := sl.Validate(); err != nil {
		return catalog.Seller{}, err
	}
	it, err := sellerItem(&sl, "", 1) // encodes the seller and checks its size
	if err != nil {
		return catalog.Seller{}, err
	}
	mine := claim{sub: sl.Sub, handle: sl.Handle, token: events.NewID(), state: claimPending, doc: getS(it, attrDoc)}
	err = retry(ctx, "create seller", func() error {
		switch err := s.put(ctx, claimItem(mine), ifAbsent, "create seller"); {
		case errors.Is(err, errCondition):
			cur, err := s.getClaim(ctx, sl.Sub)
			if err != nil {
				return err
			}
			if cur == nil {
				return errRetry // aborted meanwhile
			}
			if cur.token != mine.token {
				active, err := s.settleClaim(ctx, *cur)
				if err != nil {
					return err
				}
				if active {
					return catalog.Conflict("this account already owns the seller %q", cur.handle)
				}
				return errRetry // the old claim is gone: claim again
			}
		case err != nil:
			return err
		}
		active, err := s.settleClaim(ctx, mine)
		if err != nil {
			return err
		}
		if !active {
			return catalog.Conflict("handle %q is already taken", sl.Handle)
		}
		return nil
	})
	if err != nil {
		return catalog.Seller{}, err
	}
	return sl, nil
}

// settleClaim brings a claim to a final state and reports whether it is
// active (the seller exists with the claim's token) or was deleted (the
// handle belongs to another seller).
func (s *Store) settleClaim(ctx context.Context, c claim) (bool, error) {
	const what = "create seller"
	if c.state == claimActive {
		return true, nil
	}
	sl, err := decodeDoc[catalog.Seller](item{attrDoc: str(c.doc)}, kindSeller)
	if err != nil {
		return false, err
	}
	it, err := sellerItem(&sl, c.token, 1)
	if err != nil {
		return false, err
	}
	err = s.put(ctx, it, ifAbsent, what)
	if errors.Is(err, errCondition) {
		cur, gerr := s.get(ctx, sellerPK(c.handle), skSeller, what)
		if gerr != nil {
			return false, gerr
		}
		if cur == nil {
			return false, errRetry // cannot happen: sellers are never deleted
		}
		if getS(cur, attrToken) != c.token {
			// The handle is someone else's: withdraw the claim.
			derr := s.del(ctx, accountPK(c.sub), skAccount,
				cond{expr: "tok = :tok", vals: item{":tok": str(c.token)}}, what)
			if derr != nil && !errors.Is(derr, errCondition) {
				return false, derr
			}
			return false, nil
		}
	} else if err != nil {
		return false, err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(accountPK(c.sub), skAccount),
		UpdateExpression:          aws.String("SET #state = :active REMOVE #doc"),
		ConditionExpression:       aws.String("tok = :tok"),
		ExpressionAttributeNames:  map[string]string{"#state": attrState, "#doc": attrDoc},
		ExpressionAttributeValues: item{":active": str(claimActive), ":tok": str(c.token)},
	})
	if err := condErr(err, what); err != nil && !errors.Is(err, errCondition) {
		return false, err
	}
	return true, nil
}

func (s *Store) getClaim(ctx context.Context, sub string) (*claim, error) {
	it, err := s.get(ctx, accountPK(sub), skAccount, "read account")
	if err != nil || it == nil {
		return nil, err
	}
	return &claim{
		sub: sub, handle: getS(it, attrHandle), token: getS(it, attrToken),
		state: getS(it, attrState), doc: getS(it, attrDoc),
	}, nil
}

// GetSeller implements catalog.SellerStore.
func (s *Store) GetSeller(ctx context.Context, handle string) (catalog.Seller, error) {
	it, err := s.get(ctx, sellerPK(handle), skSeller, "read seller")
	if err != nil {
		return catalog.Seller{}, err
	}
	if it == nil {
		return catalog.Seller{}, catalog.NotFound("seller", handle)
	}
	return decodeDoc[catalog.Seller](it, kindSeller)
}

// GetSellerBySub implements catalog.SellerStore. A pending claim counts once
// its seller item exists: the creation has passed its decisive step.
func (s *Store) GetSellerBySub(ctx context.Context, sub string) (catalog.Seller, error) {
	c, err := s.getClaim(ctx, sub)
	if err != nil {
		return catalog.Seller{}, err
	}
	if c != nil {
		it, err := s.get(ctx, sellerPK(c.handle), skSeller, "read seller")
		if err != nil {
			return catalog.Seller{}, err
		}
		if it != nil && getS(it, attrToken) == c.token {
			return decodeDoc[catalog.Seller](it, kindSeller)
		}
	}
	return catalog.Seller{}, catalog.NotFound("seller of account", sub)
}

// UpdateSeller implements catalog.SellerStore.
func (s *Store) UpdateSeller(ctx context.Context, handle string, fn func(*catalog.Seller) error) (catalog.Seller, error) {
	const what = "update seller"
	var out catalog.Seller
	err := retry(ctx, what, func() error {
		it, err := s.get(ctx, sellerPK(handle), skSeller, what)
		if err != nil {
			return err
		}
		if it == nil {
			return catalog.NotFound("seller", handle)
		}
		cur, err := decodeDoc[catalog.Seller](it, kindSeller)
		if err != nil {
			return err
		}
		next := cur
		if err := fn(&next); err != nil {
			return err
		}
		if next.Handle != cur.Handle || next.Sub != cur.Sub {
			return catalog.Invalid("handle", "a seller's handle and account cannot change")
		}
		next.CreatedAt, next.UpdatedAt = cur.CreatedAt, s.now().UTC()
		if err := next.Validate(); err != nil {
			return err
		}
		ver := getN(it, attrVer)
		nit, err := sellerItem(&next, getS(it, attrToken), nextVersion(ver, s.now()))
		if err != nil {
			return err
		}
		if err := s.put(ctx, nit, ifVersion(ver), what); err != nil {
			if errors.Is(err, errCondition) {
				return errRetry
			}
			return err
		}
		out = next
		return nil
	})
	return out, err
}

// ListSellers implements catalog.SellerStore: the gsi1 partition SELLERS,
// by handle.
func (s *Store) ListSellers(ctx context.Context, p catalog.Page) ([]catalog.Seller, string, error) {
	limit, err := p.EffectiveLimit()
	if err != nil {
		return nil, "", err
	}
	const scope = "sellers"
	after, err := decodePos(p.Cursor, scope)
	if err != nil {
		return nil, "", err
	}
	src := s.query(IndexGSI1, allSellers, after, false, limit)
	return collect(ctx, src, limit, scope, func(it item) (catalog.Seller, bool, error) {
		sl, err := decodeDoc[catalog.Seller](it, kindSeller)
		return sl, err == nil, err
	})
}
