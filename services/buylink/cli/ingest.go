package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

type ingestFlags struct {
	token, seller, caption, mediaURL, file string
	retryWait                              time.Duration
}

func newIngestCmd(o *options) *cobra.Command {
	f := ingestFlags{token: os.Getenv("BUYLINK_TOKEN")}
	cmd := &cobra.Command{
		Use:   "ingest [VIDEO_URL]",
		Short: "Post a TikTok video to the ingestion API, or every video of an Apify export (--file)",
		Long: `ingest posts videos to POST /api/videos of the deployment (the stack's url or
--api-url) or of the devstack (--local), with a bearer token (--token or
BUYLINK_TOKEN) that may act for the seller.

  buylink ingest https://www.tiktok.com/@shop/video/7524354452762037512 --seller shop
  buylink ingest --file dataset.json          (Apify JSON array or flattened CSV export)

Each request carries an Idempotency-Key derived from the seller and the video
URL, so running an import twice does not post anything twice. Items the
scraper marked as errors, or without a video URL, are skipped and counted.`,
		Args: cobraArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == (f.file != "") {
				return usageError{errors.New("give either a video URL or --file EXPORT")}
			}
			if f.token == "" {
				return errors.New("no token: pass --token or set BUYLINK_TOKEN (a bearer token that may act for the seller)")
			}
			base, err := o.apiBase()
			if err != nil {
				return err
			}
			c := &ingestClient{base: base, token: f.token, http: &http.Client{Timeout: o.timeout}, retryWait: f.retryWait}
			if f.file != "" {
				return ingestFile(cmd.Context(), o, c, f)
			}
			if f.seller == "" {
				return usageError{errors.New("--seller HANDLE is required with a video URL")}
			}
			res, err := c.post(cmd.Context(), videoRequest{VideoURL: args[0], SellerHandle: f.seller, Caption: f.caption, MediaURL: f.mediaURL})
			if err != nil {
				return err
			}
			fmt.Fprintln(o.stdout, res.describe())
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.token, "token", f.token, "bearer token (env BUYLINK_TOKEN)")
	fl.StringVar(&f.seller, "seller", "", "seller handle (with --file: overrides each item's author)")
	fl.StringVar(&f.caption, "caption", "", "the video's caption, when known")
	fl.StringVar(&f.mediaURL, "media-url", "", "a downloadable MP4 of the video, when known")
	fl.StringVar(&f.file, "file", "", "an Apify export: JSON array of dataset items, or flattened CSV")
	fl.DurationVar(&f.retryWait, "retry-wait", time.Second, "first wait before retrying a request that failed for a transient reason")
	_ = fl.MarkHidden("retry-wait")
	return cmd
}

// apiBase returns the base URL of the HTTP API.
func (o *options) apiBase() (string, error) {
	if o.isLocal() {
		if _, err := o.devstack(); err != nil {
			return "", err
		}
		return strings.TrimRight(o.local, "/"), nil
	}
	out, err := o.outputs()
	if err != nil {
		return "", err
	}
	if out.URL == "" {
		return "", out.missingKey("url", "--api-url URL")
	}
	return strings.TrimRight(out.URL, "/"), nil
}

// videoRequest is the body of POST /api/videos.
type videoRequest struct {
	VideoURL     string `json:"video_url"`
	SellerHandle string `json:"seller_handle"`
	Caption      string `json:"caption,omitempty"`
	MediaURL     string `json:"media_url,omitempty"`
}

// videoResult is the API's answer.
type videoResult struct {
	created bool
	ID      string `json:"id"`
	Seller  string `json:"seller"`
	Status  string `json:"status"`
}

func (r videoResult) describe() string {
	if r.created {
		return fmt.Sprintf("queued video %s of @%s", r.ID, r.Seller)
	}
	return fmt.Sprintf("video %s of @%s was already ingested", r.ID, r.Seller)
}

// ingestClient posts videos.
type ingestClient struct {
	base, token string
	http        *http.Client
	retryWait   time.Duration
}

// requestError is an answer that retrying will not change; fatal ones (401,
// 403) stop an import.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }
func (e *requestError) fatal() bool {
	return e.status == http.StatusUnauthorized || e.status == http.StatusForbidden
}

// idempotencyKey derives the request's key from what identifies the video.
func idempotencyKey(r videoRequest) string {
	sum := sha256.Sum256([]byte(strings.ToLower(r.SellerHandle) + "\n" + r.VideoURL))
	return "buylink-cli-" + hex.EncodeToString(sum[:20])
}

// post sends one video, retrying network failures, 429 and 5xx answers
// (three attempts in all).
func (c *ingestClient) post(ctx context.Context, r videoRequest) (videoResult, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return videoResult{}, err
	}
	wait := c.retryWait
	for attempt := 1; ; attempt++ {
		res, retryAfter, err := c.once(ctx, r, body)
		var re *requestError
		if err == nil || errors.As(err, &re) || attempt == 3 || ctx.Err() != nil {
			return res, err
		}
		if retryAfter > 0 {
			wait = min(retryAfter, 30*time.Second)
		}
		select {
		case <-ctx.Done():
			return videoResult{}, ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// once sends the request once. A transient failure comes back as a plain
// error, with the server's Retry-After when it gave one.
func (c *ingestClient) once(ctx context.Context, r videoRequest, body []byte) (videoResult, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/videos", bytes.NewReader(body))
	if err != nil {
		return videoResult{}, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", idempotencyKey(r))
	resp, err := c.http.Do(req)
	if err != nil {
		return videoResult{}, 0, fmt.Errorf("the API at %s does not answer: %w", c.base, unwrapURLError(err))
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return videoResult{}, 0, fmt.Errorf("read the API's answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusAccepted:
		var res videoResult
		if err := json.Unmarshal(raw, &res); err != nil || res.ID == "" {
			return videoResult{}, 0, &requestError{resp.StatusCode, fmt.Sprintf("the API answered %d without a video (is %s a buylink API?)", resp.StatusCode, c.base)}
		}
		// A repeated request is answered with the first answer, marked
		// replayed: the video was queued by an earlier run.
		res.created = resp.StatusCode == http.StatusAccepted && resp.Header.Get("Idempotent-Replayed") != "true"
		return res, 0, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return videoResult{}, time.Duration(secs) * time.Second, fmt.Errorf("the API answered %s", errorMessage(resp.StatusCode, raw))
	}
	msg := errorMessage(resp.StatusCode, raw)
	if resp.StatusCode == http.StatusUnauthorized {
		msg += " (check --token / BUYLINK_TOKEN)"
	}
	return videoResult{}, 0, &requestError{resp.StatusCode, msg}
}

// ingestFile posts every video of an export.
func ingestFile(ctx context.Context, o *options, c *ingestClient, f ingestFlags) error {
	batch, err := readExport(f.file)
	if err != nil {
		return err
	}
	for _, p := range batch.Problems {
		fmt.Fprintf(o.stderr, "skipped %s\n", p)
	}
	if more := batch.Skipped() - len(batch.Problems); more > 0 {
		fmt.Fprintf(o.stderr, "skipped %d more items\n", more)
	}
	total := len(batch.Posts) + batch.Skipped()
	p := newProgress(o.stderr, "ingest")
	var queued, existing, failed int
	for i, post := range batch.Posts {
		if ctx.Err() != nil {
			return fmt.Errorf("stopped after %d of %d posts", i, len(batch.Posts))
		}
		seller := post.Author
		if f.seller != "" {
			seller = f.seller
		}
		res, err := c.post(ctx, videoRequest{VideoURL: post.PageURL, SellerHandle: seller, Caption: post.Caption, MediaURL: post.MediaURL})
		var re *requestError
		switch {
		case errors.As(err, &re) && re.fatal():
			return fmt.Errorf("post %s: %w; stopped after %d queued, %d already ingested", post.ID, err, queued, existing)
		case err != nil:
			failed++
			fmt.Fprintf(o.stderr, "post %s (%s): %v\n", post.ID, post.PageURL, err)
		case res.created:
			queued++
		default:
			existing++
		}
		p.set(i+1, len(batch.Posts))
	}
	p.finish()
	fmt.Fprintf(o.stdout, "%d items: %d queued, %d already ingested, %d skipped, %d failed\n", total, queued, existing, batch.Skipped(), failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d posts failed (see above); running the import again retries them without duplicates", failed, len(batch.Posts))
	}
	return nil
}
