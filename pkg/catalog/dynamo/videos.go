package dynamo

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/buylink/buylink/pkg/catalog"
)

// allVideoStatuses are the gsi2 partitions a listing without a seller reads
// when no status is asked for.
var allVideoStatuses = []catalog.VideoStatus{catalog.VideoQueued, catalog.VideoProcessing, catalog.VideoReady, catalog.VideoFailed}

func videoItem(v *catalog.Video, ver int64) (item, error) {
	ok := videoOrderKey(v)
	return docItem(videoPK(v.ID), skVideo, kindVideo, ver, v, map[string]string{
		AttrGSI1PK: sellerVideosPK(v.Seller), AttrGSI1SK: ok,
		AttrGSI2PK: videosByStatusPK(v.Status), AttrGSI2SK: ok,
	})
}

// UpsertVideo implements catalog.VideoStore: a put on condition that the
// video does not exist; when it does, the stored one is read back.
func (s *Store) UpsertVideo(ctx context.Context, v catalog.Video) (catalog.Video, bool, error) {
	const what = "create video"
	now := s.now().UTC()
	v.CreatedAt, v.UpdatedAt = now, now
	if v.PostedAt.IsZero() {
		v.PostedAt = now
	}
	v.PostedAt = v.PostedAt.UTC()
	if err := v.Validate(); err != nil {
		return catalog.Video{}, false, err
	}
	it, err := videoItem(&v, nextVersion(0, now))
	if err != nil {
		return catalog.Video{}, false, err
	}
	var out catalog.Video
	var created bool
	err = retry(ctx, what, func() error {
		err := s.put(ctx, it, ifAbsent, what)
		if err == nil {
			out, created = v, true
			return nil
		}
		if !errors.Is(err, errCondition) {
			return err
		}
		cur, err := s.GetVideo(ctx, v.ID)
		switch {
		case catalog.IsCode(err, catalog.CodeNotFound):
			return errRetry // cannot happen: videos are never deleted
		case err != nil:
			return err
		case cur.Seller != v.Seller:
			return catalog.Conflict("video %s belongs to another seller", v.ID)
		}
		out = cur
		return nil
	})
	return out, created, err
}

// GetVideo implements catalog.VideoStore.
func (s *Store) GetVideo(ctx context.Context, id string) (catalog.Video, error) {
	it, err := s.get(ctx, videoPK(id), skVideo, "read video")
	if err != nil {
		return catalog.Video{}, err
	}
	if it == nil {
		return catalog.Video{}, catalog.NotFound("video", id)
	}
	return decodeDoc[catalog.Video](it, kindVideo)
}

// UpdateVideo implements catalog.VideoStore: read, apply fn, write on
// condition that the version is unchanged, and start again when it changed.
func (s *Store) UpdateVideo(ctx context.Context, id string, fn func(*catalog.Video) error) (catalog.Video, error) {
	const what = "update video"
	var out catalog.Video
	err := retry(ctx, what, func() error {
		it, err := s.get(ctx, videoPK(id), skVideo, what)
		if err != nil {
			return err
		}
		if it == nil {
			return catalog.NotFound("video", id)
		}
		cur, err := decodeDoc[catalog.Video](it, kindVideo)
		if err != nil {
			return err
		}
		next := cur
		next.Steps = maps.Clone(cur.Steps)
		next.ImageURLs = slices.Clone(cur.ImageURLs)
		if err := fn(&next); err != nil {
			return err
		}
		if next.ID != cur.ID || next.Seller != cur.Seller {
			return catalog.Invalid("id", "a video's id and seller cannot change")
		}
		now := s.now()
		next.CreatedAt, next.UpdatedAt = cur.CreatedAt, now.UTC()
		next.PostedAt = next.PostedAt.UTC()
		if err := next.Validate(); err != nil {
			return err
		}
		ver := getN(it, attrVer)
		nit, err := videoItem(&next, nextVersion(ver, now))
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

// ListVideos implements catalog.VideoStore: a seller's videos from the gsi1
// partition SELLER#<handle>#VIDEOS, all sellers' from the gsi2 partitions
// VIDEOS#<status> merged; both sorted by posted time and id, read newest first.
func (s *Store) ListVideos(ctx context.Context, q catalog.VideoQuery, p catalog.Page) ([]catalog.Video, string, error) {
	limit, err := p.EffectiveLimit()
	if err != nil {
		return nil, "", err
	}
	after, err := decodePos(p.Cursor, q)
	if err != nil {
		return nil, "", err
	}
	var src source
	if q.Seller != "" {
		src = s.query(IndexGSI1, sellerVideosPK(q.Seller), after, true, limit)
	} else {
		statuses := q.Statuses
		if len(statuses) == 0 {
			statuses = allVideoStatuses
		}
		var srcs []source
		for _, st := range uniq(statuses) {
			srcs = append(srcs, s.query(IndexGSI2, videosByStatusPK(st), after, true, limit))
		}
		src = merge(true, srcs...)
	}
	return collect(ctx, src, limit, q, func(it item) (catalog.Video, bool, error) {
		v, err := decodeDoc[catalog.Video](it, kindVideo)
		if err != nil {
			return v, false, err
		}
		return v, videoMatches(&v, q), nil
	})
}

// videoMatches applies a query's filters to a video.
func videoMatches(v *catalog.Video, q catalog.VideoQuery) bool {
	switch {
	case q.Seller != "" && v.Seller != q.Seller:
		return false
	case len(q.Statuses) > 0 && !slices.Contains(q.Statuses, v.Status):
		return false
	case !q.UpdatedBefore.IsZero() && !v.UpdatedAt.Before(q.UpdatedBefore):
		return false
	}
	return true
}

// uniq returns s without repeated values, in first-seen order.
func uniq[T comparable](s []T) []T {
	var out []T
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
