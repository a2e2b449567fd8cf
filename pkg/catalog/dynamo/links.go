package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/buylink/buylink/pkg/catalog"
)

func linkPK(id string) string            { return "LINK#" + id }
func sellerLinksPK(handle string) string { return "SELLER#" + handle + "#LINKS" }
func linkOrderKey(l *catalog.Link) string {
	return fmt.Sprintf("%019d#%s#%s", l.Position, timeKey(l.CreatedAt), l.ID)
}
func linkItem(l *catalog.Link, ver int64) (item, error) {
	return docItem(linkPK(l.ID), skLink, kindSellerLink, ver, l, map[string]string{
		AttrGSI1PK: sellerLinksPK(l.Seller), AttrGSI1SK: linkOrderKey(l),
	})
}

// PutLink implements catalog.LinkStore: read, apply fn, write on condition
// that the version is unchanged (or that the link is absent), and start
// again when it changed.
func (s *Store) PutLink(ctx context.Context, id string, fn func(*catalog.Link, bool) error) (catalog.Link, error) {
	const what = "write link"
	if id == "" {
		return catalog.Link{}, catalog.Invalid("id", "is required")
	}
	var out catalog.Link
	err := retry(ctx, what, func() error {
		it, err := s.get(ctx, linkPK(id), skLink, what)
		if err != nil {
			return err
		}
		cur := catalog.Link{ID: id}
		if it != nil {
			if cur, err = decodeDoc[catalog.Link](it, kindSellerLink); err != nil {
				return err
			}
		}
		next := cur.Clone()
		if err := fn(&next, it != nil); err != nil {
			return err
		}
		if next.ID != id || (it != nil && next.Seller != cur.Seller) {
			return catalog.Invalid("id", "a link's id and seller cannot change")
		}
		now := s.now()
		next.CreatedAt, next.UpdatedAt = cur.CreatedAt, now.UTC()
		if it == nil {
			next.CreatedAt = now.UTC()
		}
		if err := next.Validate(); err != nil {
			return err
		}
		curVer := getN(it, attrVer)
		nit, err := linkItem(&next, nextVersion(curVer, now))
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
	return out, err
}

// GetLink implements catalog.LinkStore.
func (s *Store) GetLink(ctx context.Context, id string) (catalog.Link, error) {
	it, err := s.get(ctx, linkPK(id), skLink, "read link")
	if err != nil {
		return catalog.Link{}, err
	}
	if it == nil {
		return catalog.Link{}, catalog.NotFound("link", id)
	}
	return decodeDoc[catalog.Link](it, kindSellerLink)
}

// DeleteLink implements catalog.LinkStore.
func (s *Store) DeleteLink(ctx context.Context, id string) error {
	if len(linkPK(id)) > maxPKBytes {
		return catalog.NotFound("link", id)
	}
	err := s.del(ctx, linkPK(id), skLink, cond{expr: "attribute_exists(pk)"}, "delete link")
	if errors.Is(err, errCondition) {
		return catalog.NotFound("link", id)
	}
	return err
}

// ListLinks implements catalog.LinkStore: the gsi1 partition
// SELLER#<handle>#LINKS, whose sort key is the listing order.
func (s *Store) ListLinks(ctx context.Context, seller string) ([]catalog.Link, error) {
	src := s.query(IndexGSI1, sellerLinksPK(seller), "", false, catalog.MaxLinks)
	var out []catalog.Link
	for {
		e, ok, err := src.next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		l, err := decodeDoc[catalog.Link](e.it, kindSellerLink)
		if err != nil {
			return nil, err
		}
		if l.Seller == seller {
			out = append(out, l)
		}
	}
}
