package ingestion

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/pkg/web"
)

// Limits of the seller's video routes.
const (
	// maxFormOverhead is what an upload's form may add to the file.
	maxFormOverhead = 64 << 10
	// maxFieldBytes bounds one text field of the upload form.
	maxFieldBytes = catalog.MaxCaptionBytes + 1024
	// uploadDeadline is how long an upload may take to arrive (a phone on
	// a slow connection), past the server's usual read timeout.
	uploadDeadline = 15 * time.Minute
	// videoPrefix is where uploaded videos go in media.
	videoPrefix = "videos"
	// pathDashboardVideos is the dashboard's Videos page (product-service).
	pathDashboardVideos = "/dashboard/videos"
)

// SellerVideo is a video as its seller sees it: the stored record, its
// status in plain words and its thumbnails' addresses.
type SellerVideo struct {
	catalog.Video
	// Explanation says in plain words where the video is and, when it
	// failed, what to do.
	Explanation   string   `json:"explanation"`
	ThumbnailURLs []string `json:"thumbnailUrls"`
	// CanRetry is true when the video may be started again.
	CanRetry bool `json:"canRetry"`
}

// SellerVideoList is the answer of GET /api/seller/videos.
type SellerVideoList struct {
	Items      []SellerVideo `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// AddVideoRequest is the JSON body of POST /api/seller/videos (a file
// comes as multipart/form-data with the same fields and "file").
type AddVideoRequest struct {
	VideoURL string `json:"videoUrl"`
	Caption  string `json:"caption,omitempty"`
}

// ReparseRequest is the body of POST /api/seller/videos/{id}/reparse: the
// new caption (absent: read the current one again).
type ReparseRequest struct {
	Caption *string `json:"caption,omitempty"`
}

func (a *api) sellerView(v catalog.Video) SellerVideo {
	out := SellerVideo{Video: v, Explanation: v.Explain(), ThumbnailURLs: []string{},
		CanRetry: v.Status == catalog.VideoFailed || (!v.Status.Final() && time.Since(v.UpdatedAt) > 10*time.Minute)}
	if a.Media != nil {
		for _, t := range v.Thumbnails {
			out.ThumbnailURLs = append(out.ThumbnailURLs, a.Media.URL(t.Key))
		}
	}
	return out
}

// actingSeller is the seller the caller acts for: ?seller= (its owner or an
// admin), else the caller's own.
func (a *api) actingSeller(c *gin.Context) (catalog.Seller, error) {
	ctx, id := c.Request.Context(), identity(c)
	if h := c.Query("seller"); h != "" {
		s, err := a.Store.GetSeller(ctx, catalog.NormalizeHandle(h))
		if catalog.IsCode(err, catalog.CodeNotFound) || (err == nil && !auth.CanActFor(id, s)) {
			return catalog.Seller{}, catalog.NotFound("seller", h)
		}
		return s, err
	}
	s, err := a.Store.GetSellerBySub(ctx, id.Sub)
	if catalog.IsCode(err, catalog.CodeNotFound) {
		return s, catalog.Errorf(catalog.CodeNotFound, "this account has no seller yet; create one with POST %s", PathSellers)
	}
	return s, err
}

// ownVideo reads a video of the seller; another seller's is not found.
func (a *api) ownVideo(ctx context.Context, s catalog.Seller, id string) (catalog.Video, error) {
	if catalog.ValidateVideoID("id", id) != nil {
		return catalog.Video{}, catalog.NotFound("video", clip(id, 30))
	}
	v, err := a.Store.GetVideo(ctx, id)
	if err == nil && v.Seller != s.Handle {
		return catalog.Video{}, catalog.NotFound("video", id)
	}
	return v, err
}

// sellerVideos lists the seller's videos, newest first (?status=, ?limit=,
// ?cursor=).
func (a *api) sellerVideos(c *gin.Context) {
	s, err := a.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	q := catalog.VideoQuery{Seller: s.Handle}
	if q.Statuses, err = parseStatuses(c.Request.URL.Query()); err != nil {
		web.WriteError(c, err)
		return
	}
	p := catalog.Page{Cursor: c.Query("cursor")}
	if raw := c.Query("limit"); raw != "" {
		if err := scanLimit(raw, &p); err != nil {
			web.WriteError(c, err)
			return
		}
	}
	items, next, err := a.Store.ListVideos(c.Request.Context(), q, p)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	out := SellerVideoList{Items: make([]SellerVideo, 0, len(items)), NextCursor: next}
	for _, v := range items {
		out.Items = append(out.Items, a.sellerView(v))
	}
	c.JSON(http.StatusOK, out)
}

// addVideo adds a video to the caller's shop: a TikTok URL (with an
// optional caption), a file (streamed into media), or both (the file is the
// post's video). 202 with the video, or 200 when the post is already here.
func (a *api) addVideo(c *gin.Context) {
	var status int
	var v catalog.Video
	var err error
	var form map[string]string
	if c.ContentType() == "multipart/form-data" {
		status, v, form, err = a.addVideoForm(c)
	} else {
		var req AddVideoRequest
		if err = web.BindJSON(c, &req); err == nil {
			form = map[string]string{"videoUrl": req.VideoURL, "caption": req.Caption}
			status, v, err = a.addByURL(c, req.VideoURL, req.Caption)
		}
	}
	if isBrowser(c) {
		if err != nil {
			backWithError(c, pathDashboardVideos, err, form)
			return
		}
		c.Redirect(http.StatusSeeOther, pathDashboardVideos+"?done=added")
		return
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	if status == http.StatusAccepted {
		c.Header("Location", PathSellerVideos+"?status="+string(v.Status))
	}
	c.JSON(status, a.sellerView(v))
}

// addByURL adds a post by its TikTok URL.
func (a *api) addByURL(c *gin.Context, rawURL, caption string) (int, catalog.Video, error) {
	if strings.TrimSpace(rawURL) == "" {
		return 0, catalog.Video{}, catalog.Invalid("videoUrl", "give the TikTok link of the post, or upload the video file")
	}
	s, err := a.actingSeller(c)
	if err != nil {
		return 0, catalog.Video{}, err
	}
	return a.acceptVideo(c, PostVideoRequest{VideoURL: rawURL, SellerHandle: s.Handle, Caption: caption})
}

// addVideoForm reads the upload form part by part: its text fields (csrf,
// videoUrl, caption) must come before the file, which is streamed into
// media without being held in memory.
func (a *api) addVideoForm(c *gin.Context) (int, catalog.Video, map[string]string, error) {
	fields := map[string]string{}
	fail := func(err error) (int, catalog.Video, map[string]string, error) { return 0, catalog.Video{}, fields, err }
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(uploadDeadline))
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return fail(catalog.Invalid("body", "is not a multipart form"))
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(readErr(err))
		}
		name := part.FormName()
		if name == "file" && part.FileName() != "" {
			if err := a.formCSRF(c, fields); err != nil {
				return fail(err)
			}
			status, v, err := a.addUpload(c, fields["videoUrl"], fields["caption"], part)
			return status, v, fields, err
		}
		switch name {
		case "csrf", "videoUrl", "caption":
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return fail(readErr(err))
			}
			if len(b) > maxFieldBytes {
				return fail(catalog.Invalid(name, "is too long"))
			}
			fields[name] = string(b)
		case "file": // the file input left empty
		default:
			return fail(catalog.Invalid(name, "is not a field of this form"))
		}
	}
	if err := a.formCSRF(c, fields); err != nil {
		return fail(err)
	}
	status, v, err := a.addByURL(c, fields["videoUrl"], fields["caption"])
	return status, v, fields, err
}

// formCSRF checks the form's csrf field in browser mode.
func (a *api) formCSRF(c *gin.Context, fields map[string]string) error {
	if !isBrowser(c) {
		return nil
	}
	return auth.CheckCSRFToken(c, fields["csrf"])
}

func readErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return catalog.TooLarge("file", "the upload is larger than the limit of %d MB", media.MaxVideoBytes>>20)
	}
	return catalog.Invalid("file", "the upload was cut off; try again")
}

// addUpload stores an uploaded video file and ingests it: as the video of
// the post at videoURL when one is given (a post added by URL whose media
// could not be found gets its file this way and starts again), else as a
// video of its own. The file is deleted again when the video cannot be
// stored.
func (a *api) addUpload(c *gin.Context, videoURL, caption string, file *multipart.Part) (int, catalog.Video, error) {
	ctx := c.Request.Context()
	if a.Media == nil {
		return 0, catalog.Video{}, catalog.Errorf(catalog.CodeUnavailable, "uploads are not configured here")
	}
	s, err := a.actingSeller(c)
	if err != nil {
		return 0, catalog.Video{}, err
	}
	caption = strings.TrimSpace(caption)
	if err := validCaption(caption); err != nil {
		return 0, catalog.Video{}, err
	}
	var ref tiktok.VideoRef
	if strings.TrimSpace(videoURL) != "" {
		if ref, err = a.postRef(ctx, s, videoURL); err != nil {
			return 0, catalog.Video{}, err
		}
	}
	giveBack, err := a.Quotas.TakePost(ctx, s.Handle)
	if err != nil {
		return 0, catalog.Video{}, err
	}
	meter, err := a.Quotas.StartUpload(ctx, s.Handle)
	if err != nil {
		giveBack(ctx)
		return 0, catalog.Video{}, err
	}
	up, err := a.Media.PutVideo(ctx, videoPrefix, "file", meter.Reader(ctx, file), media.MaxVideoBytes)
	meter.Close(ctx)
	if err != nil {
		giveBack(ctx)
		if catalog.IsCode(err, catalog.CodeRateLimited) {
			a.Logger.WarnContext(ctx, "upload refused: quota", "seller", s.Handle, "bytes", meter.Used(), "err", err)
		}
		return 0, catalog.Video{}, err
	}
	status, v, err := a.ingestUpload(c, s, ref, caption, a.Media.URL(up.Key))
	if err != nil {
		giveBack(ctx)
		if derr := a.Media.Delete(context.WithoutCancel(ctx), up.Key); derr != nil {
			a.Logger.WarnContext(ctx, "could not delete an upload whose video was not stored", "key", up.Key, "err", derr)
		}
		return 0, catalog.Video{}, err
	}
	a.Logger.InfoContext(ctx, "video uploaded", "video_id", v.ID, "seller", s.Handle, "bytes", up.Size, "type", up.ContentType)
	return status, v, nil
}

func (a *api) ingestUpload(c *gin.Context, s catalog.Seller, ref tiktok.VideoRef, caption, mediaURL string) (int, catalog.Video, error) {
	ctx := c.Request.Context()
	v := catalog.Video{ID: ref.ID, Seller: s.Handle, PageURL: ref.PageURL(s.Handle), MediaURL: mediaURL,
		MediaSource: catalog.MediaFromUpload, Caption: caption, Source: catalog.SourceManual}
	if ref.ID == "" {
		v.ID, v.PageURL = catalog.NewUploadVideoID(), mediaURL
	} else if cur, err := a.Store.GetVideo(ctx, ref.ID); err == nil {
		if cur.Seller != s.Handle {
			return 0, catalog.Video{}, catalog.Conflict("video %s belongs to another seller", ref.ID)
		}
		restarted, err := a.ingester.Restart(ctx, ref.ID, func(v *catalog.Video) error {
			v.MediaURL, v.MediaSource, v.ImageURLs, v.CoverURL = mediaURL, catalog.MediaFromUpload, nil, ""
			if caption != "" {
				v.Caption = caption
			}
			return nil
		})
		return http.StatusAccepted, restarted, err
	} else if !catalog.IsCode(err, catalog.CodeNotFound) {
		return 0, catalog.Video{}, err
	}
	stored, created, err := a.ingester.Ingest(ctx, v, nil)
	if err == nil && !created {
		err = catalog.Conflict("video %s was added meanwhile; try again", v.ID)
	}
	return http.StatusAccepted, stored, err
}

// postRef reads a TikTok post URL of the seller, resolving short links.
func (a *api) postRef(ctx context.Context, s catalog.Seller, raw string) (tiktok.VideoRef, error) {
	ref, err := tiktok.ParseVideoURL("videoUrl", strings.TrimSpace(raw))
	if err != nil {
		return ref, err
	}
	if ref.IsShort() {
		if ref, err = a.Resolver.Resolve(ctx, "videoUrl", ref); err != nil {
			return ref, err
		}
	}
	if ref.Handle != "" && ref.Handle != s.Handle {
		return ref, catalog.Invalid("videoUrl", "is a video of @%s, not of your shop @%s", ref.Handle, s.Handle)
	}
	return ref, nil
}

func validCaption(caption string) error {
	if len(caption) > catalog.MaxCaptionBytes {
		return catalog.Invalid("caption", "must be at most %d bytes (got %d)", catalog.MaxCaptionBytes, len(caption))
	}
	return catalog.ValidateText("caption", caption, catalog.MaxCaptionBytes, true)
}

// retryVideo starts a failed (or stuck) video again.
func (a *api) retryVideo(c *gin.Context) {
	a.restart(c, func(v *catalog.Video) error {
		if view := a.sellerView(*v); !view.CanRetry {
			return catalog.Conflict("video %s is %s; only a failed or stuck video can be retried", v.ID, v.Status)
		}
		return nil
	}, "retried")
}

// reparseVideo reads a video's caption again, after replacing it when a
// new one is given.
func (a *api) reparseVideo(c *gin.Context) {
	var caption *string
	if isBrowser(c) {
		if v, ok := c.GetPostForm("caption"); ok {
			caption = &v
		}
	} else if c.Request.ContentLength != 0 {
		var req ReparseRequest
		if err := web.BindJSON(c, &req); err != nil {
			web.WriteError(c, err)
			return
		}
		caption = req.Caption
	}
	if caption != nil {
		trimmed := strings.TrimSpace(*caption)
		if err := validCaption(trimmed); err != nil {
			a.answerRestart(c, catalog.Video{}, err, map[string]string{"caption": *caption})
			return
		}
		caption = &trimmed
	}
	a.restart(c, func(v *catalog.Video) error {
		if !v.Status.Final() {
			return catalog.Conflict("video %s is still being read; wait until it is done", v.ID)
		}
		if caption != nil {
			v.Caption = *caption
		}
		return nil
	}, "reparsed")
}

func (a *api) restart(c *gin.Context, check func(*catalog.Video) error, done string) {
	ctx := c.Request.Context()
	s, err := a.actingSeller(c)
	var v catalog.Video
	if err == nil {
		_, err = a.ownVideo(ctx, s, c.Param("id"))
	}
	if err == nil {
		v, err = a.restartCounted(ctx, s.Handle, c.Param("id"), check)
	}
	if err == nil && isBrowser(c) {
		c.Redirect(http.StatusSeeOther, pathDashboardVideos+"?done="+done)
		return
	}
	a.answerRestart(c, v, err, nil)
}

// restartCounted starts a seller's video again, counted as a post: each
// start runs the whole pipeline (and its paid calls) again.
func (a *api) restartCounted(ctx context.Context, seller, id string, check func(*catalog.Video) error) (catalog.Video, error) {
	giveBack, err := a.Quotas.TakePost(ctx, seller)
	if err != nil {
		return catalog.Video{}, err
	}
	v, err := a.ingester.Restart(ctx, id, check)
	if err != nil {
		giveBack(ctx)
	}
	return v, err
}

func (a *api) answerRestart(c *gin.Context, v catalog.Video, err error, form map[string]string) {
	switch {
	case err != nil && isBrowser(c):
		backWithError(c, pathDashboardVideos, err, form)
	case err != nil:
		web.WriteError(c, err)
	default:
		c.JSON(http.StatusAccepted, a.sellerView(v))
	}
}
