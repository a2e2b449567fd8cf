package ingestion

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/web"
)

// PostVideoRequest is the body of POST /api/videos. The snake_case names
// of the first version of the API (video_url, seller_handle, media_url)
// are kept as documented aliases; giving both forms of one field with
// different values is invalid.
type PostVideoRequest struct {
	VideoURL     string `json:"videoUrl,omitempty"`
	SellerHandle string `json:"sellerHandle,omitempty"`
	Caption      string `json:"caption,omitempty"`
	MediaURL     string `json:"mediaUrl,omitempty"`

	VideoURLAlias     string `json:"video_url,omitempty"`
	SellerHandleAlias string `json:"seller_handle,omitempty"`
	MediaURLAlias     string `json:"media_url,omitempty"`
}

// canonical folds the aliases into the camelCase fields, so that the same
// request in either spelling is the same request (idempotency keys).
func (r *PostVideoRequest) canonical() error {
	for _, f := range []struct {
		name, alias string
		v, a        *string
	}{
		{"videoUrl", "video_url", &r.VideoURL, &r.VideoURLAlias},
		{"sellerHandle", "seller_handle", &r.SellerHandle, &r.SellerHandleAlias},
		{"mediaUrl", "media_url", &r.MediaURL, &r.MediaURLAlias},
	} {
		if *f.a != "" && *f.v != "" && *f.a != *f.v {
			return catalog.Invalid(f.name, "is given twice with different values (%s and its alias %s)", f.name, f.alias)
		}
		if *f.v == "" {
			*f.v = *f.a
		}
		*f.a = ""
	}
	return nil
}

// postVideo accepts a TikTok video of a seller the caller may act for: 202
// with the new queued video (its pipeline started), or 200 with the video
// already stored under that TikTok id. With an Idempotency-Key header, a
// retry of the same request replays the first answer, and the same key with
// another body is 422.
func (a *api) postVideo(c *gin.Context) {
	var req PostVideoRequest
	if err := web.BindJSON(c, &req); err != nil {
		web.WriteError(c, err)
		return
	}
	if err := req.canonical(); err != nil {
		web.WriteError(c, err)
		return
	}
	key, err := idempotencyKey(c.GetHeader(HeaderIdempotencyKey))
	if err != nil {
		web.WriteError(c, err)
		return
	}
	if key == "" {
		status, v, err := a.acceptVideo(c, req)
		if err != nil {
			web.WriteError(c, err)
			return
		}
		writeVideo(c, status, v)
		return
	}
	a.idempotent(c, key, req, func() (int, any, error) {
		status, v, err := a.acceptVideo(c, req)
		if err == nil {
			setVideoLocation(c, status, v)
		}
		return status, v, err
	})
}

func writeVideo(c *gin.Context, status int, v catalog.Video) {
	setVideoLocation(c, status, v)
	c.JSON(status, v)
}

func setVideoLocation(c *gin.Context, status int, v catalog.Video) {
	if status == http.StatusAccepted {
		c.Header("Location", PathVideos+"/"+v.ID)
	}
}

// acceptVideo validates the request, checks the caller's right to the
// seller and ingests the video.
func (a *api) acceptVideo(c *gin.Context, req PostVideoRequest) (int, catalog.Video, error) {
	ctx := c.Request.Context()
	handle := catalog.NormalizeHandle(req.SellerHandle)
	if err := catalog.ValidateHandle("sellerHandle", handle); err != nil {
		return 0, catalog.Video{}, err
	}
	ref, err := tiktok.ParseVideoURL("videoUrl", req.VideoURL)
	if err != nil {
		return 0, catalog.Video{}, err
	}
	if req.MediaURL != "" {
		if err := catalog.ValidatePublicURL("mediaUrl", req.MediaURL); err != nil {
			return 0, catalog.Video{}, err
		}
	}
	if len(req.Caption) > catalog.MaxCaptionBytes {
		return 0, catalog.Video{}, catalog.Invalid("caption", "must be at most %d bytes (got %d)", catalog.MaxCaptionBytes, len(req.Caption))
	}
	if err := catalog.ValidateText("caption", req.Caption, catalog.MaxCaptionBytes, true); err != nil {
		return 0, catalog.Video{}, err
	}
	seller, err := a.Store.GetSeller(ctx, handle)
	if err != nil {
		return 0, catalog.Video{}, err
	}
	if !auth.CanActFor(identity(c), seller) {
		return 0, catalog.Video{}, catalog.Errorf(catalog.CodeForbidden, "this account may not post videos for seller @%s", handle)
	}
	if ref.IsShort() {
		if ref, err = a.Resolver.Resolve(ctx, "videoUrl", ref); err != nil {
			return 0, catalog.Video{}, err
		}
	}
	if ref.Handle != "" && ref.Handle != handle {
		return 0, catalog.Video{}, catalog.Invalid("videoUrl", "is a video of @%s, not of seller @%s", ref.Handle, handle)
	}
	if stored, err := a.Store.GetVideo(ctx, ref.ID); err == nil && stored.Seller == handle {
		return http.StatusOK, stored, nil // the seller's already: nothing is claimed
	} else if err != nil && !catalog.IsCode(err, catalog.CodeNotFound) {
		return 0, catalog.Video{}, err
	}
	giveBack, err := a.Quotas.TakePost(ctx, handle)
	if err != nil {
		return 0, catalog.Video{}, err
	}
	if err := a.confirmAuthor(c, ref, handle); err != nil {
		giveBack(ctx)
		return 0, catalog.Video{}, err
	}
	v := catalog.Video{
		ID: ref.ID, Seller: handle, PageURL: ref.PageURL(handle), MediaURL: req.MediaURL, MediaSource: mediaSourceOf(req.MediaURL),
		Caption: strings.TrimSpace(req.Caption), Source: catalog.SourceManual,
	}
	stored, created, err := a.ingester.Ingest(ctx, v, nil)
	if err != nil || !created {
		giveBack(ctx) // nothing was started
	}
	if err != nil {
		return 0, catalog.Video{}, err
	}
	if created {
		return http.StatusAccepted, stored, nil
	}
	return http.StatusOK, stored, nil
}

// confirmAuthor asks TikTok who posted the video and refuses it unless that
// is the seller: a video id is claimed once, so a handle written in the URL
// (which TikTok ignores: /@anyone/video/<id> opens the video) or a
// handle-less URL must never let one shop take another's video.
func (a *api) confirmAuthor(c *gin.Context, ref tiktok.VideoRef, handle string) error {
	ctx := c.Request.Context()
	o, err := a.Authors.Lookup(ctx, "video_url", ref)
	if err != nil {
		return err
	}
	if o.Handle != handle {
		a.Logger.WarnContext(ctx, "video claim refused: TikTok names another author", "video_id", ref.ID, "seller", handle,
			"author", o.Handle, "sub", identity(c).Sub)
		return catalog.Invalid("video_url", "is a video of @%s on TikTok, not of seller @%s; only its author's shop can add it", o.Handle, handle)
	}
	return nil
}

// getVideo answers one video of a seller the caller may act for; any other
// video is 404, as if it did not exist.
func (a *api) getVideo(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	if err := catalog.ValidateVideoID("id", id); err != nil {
		web.WriteError(c, err)
		return
	}
	v, err := a.Store.GetVideo(ctx, id)
	if err == nil {
		var seller catalog.Seller
		seller, err = a.Store.GetSeller(ctx, v.Seller)
		if err == nil && !auth.CanActFor(identity(c), seller) {
			err = catalog.NotFound("video", id)
		}
	}
	if catalog.IsCode(err, catalog.CodeNotFound) {
		err = catalog.NotFound("video", id)
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// videoPage is the answer of GET /api/videos.
type videoPage struct {
	Videos     []catalog.Video `json:"videos"`
	NextCursor string          `json:"nextCursor,omitempty"`
}

var listParams = []string{"seller", "status", "limit", "cursor"}

// listVideos lists videos newest first: of ?seller= (which the caller must
// be allowed to act for), of the caller's own seller without it, or of all
// sellers for an admin; ?status= keeps some statuses (comma-separated),
// ?limit= and ?cursor= page.
func (a *api) listVideos(c *gin.Context) {
	q, page, err := a.videoQuery(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	videos, next, err := a.Store.ListVideos(c.Request.Context(), q, page)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	if videos == nil {
		videos = []catalog.Video{}
	}
	c.JSON(http.StatusOK, videoPage{Videos: videos, NextCursor: next})
}

func (a *api) videoQuery(c *gin.Context) (catalog.VideoQuery, catalog.Page, error) {
	var q catalog.VideoQuery
	var p catalog.Page
	params := c.Request.URL.Query()
	for name := range params {
		if !slices.Contains(listParams, name) {
			return q, p, catalog.Invalid(name, "is not a parameter of this listing (use %s)", strings.Join(listParams, ", "))
		}
	}
	ctx, id := c.Request.Context(), identity(c)
	switch handle := catalog.NormalizeHandle(params.Get("seller")); {
	case handle != "":
		if err := catalog.ValidateHandle("seller", handle); err != nil {
			return q, p, err
		}
		seller, err := a.Store.GetSeller(ctx, handle)
		if err != nil {
			return q, p, err
		}
		if !auth.CanActFor(id, seller) {
			return q, p, catalog.Errorf(catalog.CodeForbidden, "this account may not read the videos of seller @%s", handle)
		}
		q.Seller = handle
	case !id.IsAdmin():
		own, err := a.Store.GetSellerBySub(ctx, id.Sub)
		if catalog.IsCode(err, catalog.CodeNotFound) {
			return q, p, catalog.Errorf(catalog.CodeNotFound, "this account has no seller yet; create one with POST %s", PathSellers)
		}
		if err != nil {
			return q, p, err
		}
		q.Seller = own.Handle
	}
	statuses, err := parseStatuses(params)
	if err != nil {
		return q, p, err
	}
	q.Statuses = statuses
	if s := params.Get("limit"); s != "" {
		if err := scanLimit(s, &p); err != nil {
			return q, p, err
		}
	}
	p.Cursor = params.Get("cursor")
	return q, p, nil
}

func parseStatuses(params url.Values) ([]catalog.VideoStatus, error) {
	var out []catalog.VideoStatus
	for _, v := range params["status"] {
		for s := range strings.SplitSeq(v, ",") {
			st := catalog.VideoStatus(strings.TrimSpace(s))
			if !st.Valid() {
				return nil, catalog.Invalid("status", "must be queued, processing, ready or failed (got %q)", clip(string(st), 20))
			}
			if !slices.Contains(out, st) {
				out = append(out, st)
			}
		}
	}
	return out, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// scanLimit reads a ?limit= value into p.
func scanLimit(s string, p *catalog.Page) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return catalog.Invalid("limit", "must be a whole number (got %q)", clip(s, 20))
	}
	if n < 1 || n > catalog.MaxPageLimit {
		return catalog.Invalid("limit", "must be between 1 and %d (got %d)", catalog.MaxPageLimit, n)
	}
	p.Limit = n
	return nil
}
