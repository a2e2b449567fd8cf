package tiktok

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultActor is the Apify actor that scrapes TikTok profiles.
const DefaultActor = "clockworks~tiktok-scraper"

// DefaultAPIURL is Apify's API.
const DefaultAPIURL = "https://api.apify.com"

// Limits of a profile scrape.
const (
	DefaultResultsLimit = 30
	MaxResultsLimit     = 1000
	// maxItemsBody bounds a response of items (about 10 KiB an item).
	maxItemsBody = 64 << 20
	// maxErrorBody bounds a response read for its error.
	maxErrorBody = 64 << 10
	// syncWaitLimit is how long Apify holds a run-sync call open before
	// answering 408 run-timeout-exceeded.
	syncWaitLimit = 300 * time.Second
)

// ErrRunFailed reports an actor run that did not succeed (400 run-failed, or
// an asynchronous run that ended FAILED, ABORTED or TIMED-OUT). Retrying the
// same input is unlikely to help soon.
var ErrRunFailed = errors.New("apify: actor run failed")

// APIError is an error answer of the Apify API.
type APIError struct {
	Status  int
	Type    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("apify: %d %s: %s", e.Status, e.Type, e.Message)
}

// Is makes errors.Is(err, ErrRunFailed) true for a run-failed answer.
func (e *APIError) Is(target error) bool { return target == ErrRunFailed && e.Type == "run-failed" }

// ApifyOptions configure NewApifyClient.
type ApifyOptions struct {
	// Token is the Apify API token (required).
	Token string
	// Actor is the actor id, "user~name" or "user/name" (default DefaultActor).
	Actor string
	// BaseURL is the API's address (default DefaultAPIURL).
	BaseURL string
	// HTTPClient makes the requests (default: a client without its own
	// timeout; every request has a context deadline).
	HTTPClient *http.Client
	// MaxRetries bounds retries of one request after 429, 5xx or a network
	// error (default 6).
	MaxRetries int
	// MinRetryDelay is the first backoff; each retry doubles it, times a
	// random factor between 1 and 2 (default 500ms). A Retry-After header
	// takes precedence.
	MinRetryDelay time.Duration
	// MaxRetryDelay caps one wait, Retry-After included (default 60s).
	MaxRetryDelay time.Duration
	// PollInterval is the pause between status checks of an asynchronous
	// run, each of which also long-polls up to a minute (default 2s).
	PollInterval time.Duration
	// MaxRunWait bounds the wait for an asynchronous run (default 20m).
	MaxRunWait time.Duration
	Logger     *slog.Logger
}

// ApifyClient scrapes TikTok profiles through an Apify actor.
type ApifyClient struct {
	o     ApifyOptions
	sleep func(ctx context.Context, d time.Duration) error
}

// NewApifyClient returns a client; the token is required.
func NewApifyClient(o ApifyOptions) (*ApifyClient, error) {
	if strings.TrimSpace(o.Token) == "" {
		return nil, errors.New("apify: a token is required")
	}
	if o.Actor == "" {
		o.Actor = DefaultActor
	}
	o.Actor = strings.Replace(o.Actor, "/", "~", 1)
	if o.BaseURL == "" {
		o.BaseURL = DefaultAPIURL
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	if _, err := url.Parse(o.BaseURL); err != nil {
		return nil, fmt.Errorf("apify: base URL: %w", err)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 6
	}
	if o.MinRetryDelay <= 0 {
		o.MinRetryDelay = 500 * time.Millisecond
	}
	if o.MaxRetryDelay <= 0 {
		o.MaxRetryDelay = time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.MaxRunWait <= 0 {
		o.MaxRunWait = 20 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &ApifyClient{o: o, sleep: sleepCtx}, nil
}

// ProfileQuery asks for a profile's newest posts.
type ProfileQuery struct {
	Handle string
	// Since keeps posts created after it; zero keeps all.
	Since time.Time
	// Limit bounds the posts asked for (default DefaultResultsLimit).
	Limit int
}

// ActorInput is the input of a profile scrape: the newest posts first, at
// most ResultsPerPage, none older than OldestPostDateUnified (a day), with
// the videos, covers and slideshow images downloaded to Apify's storage so
// their links outlive TikTok's expiring CDN links.
type ActorInput struct {
	Profiles                      []string `json:"profiles"`
	ProfileScrapeSections         []string `json:"profileScrapeSections"`
	ProfileSorting                string   `json:"profileSorting"`
	ExcludePinnedPosts            bool     `json:"excludePinnedPosts"`
	ResultsPerPage                int      `json:"resultsPerPage"`
	OldestPostDateUnified         string   `json:"oldestPostDateUnified,omitempty"`
	ShouldDownloadVideos          bool     `json:"shouldDownloadVideos"`
	ShouldDownloadCovers          bool     `json:"shouldDownloadCovers"`
	ShouldDownloadSlideshowImages bool     `json:"shouldDownloadSlideshowImages"`
	ShouldDownloadSubtitles       bool     `json:"shouldDownloadSubtitles"`
	ShouldDownloadAvatars         bool     `json:"shouldDownloadAvatars"`
}

// Input returns the actor input for the query.
func (q ProfileQuery) Input() ActorInput {
	in := ActorInput{
		Profiles: []string{q.Handle}, ProfileScrapeSections: []string{"videos"}, ProfileSorting: "latest",
		ResultsPerPage: q.limit(), ShouldDownloadVideos: true, ShouldDownloadCovers: true, ShouldDownloadSlideshowImages: true,
	}
	if !q.Since.IsZero() {
		// The actor filters by day; posts of that day at or before Since
		// are dropped after the scrape.
		in.OldestPostDateUnified = q.Since.UTC().Format(time.DateOnly)
	}
	return in
}

func (q ProfileQuery) limit() int {
	switch {
	case q.Limit <= 0:
		return DefaultResultsLimit
	case q.Limit > MaxResultsLimit:
		return MaxResultsLimit
	}
	return q.Limit
}

// ScrapeProfile runs the actor for one profile and returns its posts newer
// than q.Since, newest first as the actor gives them. It calls
// run-sync-get-dataset-items; when Apify answers 408 (the run outlived the
// 300 s a synchronous call may wait) it starts an asynchronous run, polls it
// and reads its dataset. Error items (a profile that does not exist) are
// counted in the batch, never fatal.
func (c *ApifyClient) ScrapeProfile(ctx context.Context, q ProfileQuery) (Batch, error) {
	if q.Handle == "" {
		return Batch{}, errors.New("apify: a profile handle is required")
	}
	body, err := json.Marshal(q.Input())
	if err != nil {
		return Batch{}, err
	}
	params := url.Values{"format": {"json"}, "clean": {"true"}, "maxItems": {strconv.Itoa(q.limit())}}
	b, err := c.runSync(ctx, body, params)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusRequestTimeout {
		c.o.Logger.InfoContext(ctx, "apify synchronous run timed out; falling back to an asynchronous run", "profile", q.Handle)
		b, err = c.runAsync(ctx, body, params)
	}
	if err != nil {
		return Batch{}, fmt.Errorf("scrape @%s: %w", q.Handle, err)
	}
	if !q.Since.IsZero() {
		kept := b.Posts[:0]
		for _, p := range b.Posts {
			if p.PostedAt.After(q.Since) {
				kept = append(kept, p)
			}
		}
		b.Posts = kept
	}
	return b, nil
}

// PostInput is the actor input of a single-post scrape: the post's URL,
// with its video, cover and slideshow images downloaded to Apify's storage.
type PostInput struct {
	PostURLs                      []string `json:"postURLs"`
	ResultsPerPage                int      `json:"resultsPerPage"`
	ShouldDownloadVideos          bool     `json:"shouldDownloadVideos"`
	ShouldDownloadCovers          bool     `json:"shouldDownloadCovers"`
	ShouldDownloadSlideshowImages bool     `json:"shouldDownloadSlideshowImages"`
}

// ErrPostNotFound reports a single-post scrape that returned no usable
// post with the asked id.
var ErrPostNotFound = errors.New("apify: the post was not found")

// ScrapePost runs the actor for one post (a post added by its URL alone)
// and returns it with its media, like ScrapeProfile's posts.
func (c *ApifyClient) ScrapePost(ctx context.Context, ref VideoRef, pageURL string) (Post, error) {
	body, err := json.Marshal(PostInput{PostURLs: []string{pageURL}, ResultsPerPage: 1,
		ShouldDownloadVideos: true, ShouldDownloadCovers: true, ShouldDownloadSlideshowImages: true})
	if err != nil {
		return Post{}, err
	}
	params := url.Values{"format": {"json"}, "clean": {"true"}, "maxItems": {"1"}}
	b, err := c.runSync(ctx, body, params)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusRequestTimeout {
		b, err = c.runAsync(ctx, body, params)
	}
	if err != nil {
		return Post{}, fmt.Errorf("scrape post %s: %w", ref.ID, err)
	}
	for _, p := range b.Posts {
		if p.ID == ref.ID {
			return p, nil
		}
	}
	return Post{}, fmt.Errorf("%w: %s (%d items, %d errors)", ErrPostNotFound, ref.ID, len(b.Posts), b.ErrorItems)
}

func (c *ApifyClient) actorURL(suffix string, params url.Values) string {
	return c.o.BaseURL + "/v2/acts/" + url.PathEscape(c.o.Actor) + suffix + "?" + params.Encode()
}

func (c *ApifyClient) runSync(ctx context.Context, input []byte, params url.Values) (Batch, error) {
	resp, err := c.do(ctx, http.MethodPost, c.actorURL("/run-sync-get-dataset-items", params), input, syncWaitLimit+30*time.Second, http.StatusCreated)
	if err != nil {
		return Batch{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	return decodeItemsBody(resp.Body)
}

// run is the part of an Apify run object the client reads.
type run struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	DefaultDatasetID string `json:"defaultDatasetId"`
}

func (c *ApifyClient) runAsync(ctx context.Context, input []byte, params url.Values) (Batch, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.MaxRunWait)
	defer cancel()
	started := url.Values{"maxItems": params["maxItems"]}
	var r run
	if err := c.doRun(ctx, http.MethodPost, c.actorURL("/runs", started), input, http.StatusCreated, &r); err != nil {
		return Batch{}, fmt.Errorf("start run: %w", err)
	}
	for {
		switch r.Status {
		case "SUCCEEDED":
			return c.datasetItems(ctx, r.DefaultDatasetID)
		case "FAILED", "ABORTED", "TIMED-OUT":
			return Batch{}, fmt.Errorf("%w: run %s ended %s", ErrRunFailed, r.ID, r.Status)
		}
		if r.ID == "" {
			return Batch{}, errors.New("apify: the run object has no id")
		}
		if err := c.sleep(ctx, c.o.PollInterval); err != nil {
			return Batch{}, fmt.Errorf("apify: run %s still %s: %w", r.ID, r.Status, err)
		}
		u := c.o.BaseURL + "/v2/actor-runs/" + url.PathEscape(r.ID) + "?waitForFinish=60"
		if err := c.doRun(ctx, http.MethodGet, u, nil, http.StatusOK, &r); err != nil {
			return Batch{}, fmt.Errorf("poll run: %w", err)
		}
	}
}

// datasetItems reads every item of a dataset, a page at a time.
func (c *ApifyClient) datasetItems(ctx context.Context, datasetID string) (Batch, error) {
	if datasetID == "" {
		return Batch{}, errors.New("apify: the run has no default dataset")
	}
	const page = 500
	var all Batch
	for offset := 0; ; {
		q := url.Values{"format": {"json"}, "clean": {"true"}, "offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(page)}}
		u := c.o.BaseURL + "/v2/datasets/" + url.PathEscape(datasetID) + "/items?" + q.Encode()
		resp, err := c.do(ctx, http.MethodGet, u, nil, time.Minute, http.StatusOK)
		if err != nil {
			return Batch{}, fmt.Errorf("read dataset: %w", err)
		}
		b, err := decodeItemsBody(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return Batch{}, err
		}
		n := len(b.Posts) + b.Skipped()
		all.Posts = append(all.Posts, b.Posts...)
		all.ErrorItems += b.ErrorItems
		all.Invalid += b.Invalid
		for _, p := range b.Problems {
			if len(all.Problems) < MaxProblems {
				all.Problems = append(all.Problems, p)
			}
		}
		offset += n
		total, err := strconv.Atoi(resp.Header.Get("X-Apify-Pagination-Total"))
		if n == 0 || (err == nil && offset >= total) || (err != nil && n < page) {
			return all, nil
		}
	}
}

func decodeItemsBody(r io.Reader) (Batch, error) {
	lr := &io.LimitedReader{R: r, N: maxItemsBody + 1}
	b, err := DecodeJSON(lr)
	if lr.N <= 0 {
		return Batch{}, fmt.Errorf("apify: the items exceed %d bytes", maxItemsBody)
	}
	return b, err
}

func (c *ApifyClient) doRun(ctx context.Context, method, u string, body []byte, want int, dst *run) error {
	resp, err := c.do(ctx, method, u, body, 90*time.Second, want)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var env struct {
		Data run `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&env); err != nil {
		return fmt.Errorf("apify: undecodable run object: %w", err)
	}
	*dst = env.Data
	return nil
}

// do sends one API request, retrying 429 (after Retry-After when given), 5xx
// and network errors with exponential backoff. Any other status than want is
// an *APIError. The caller closes the returned body.
func (c *ApifyClient) do(ctx context.Context, method, u string, body []byte, timeout time.Duration, want int) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, method, u, body, timeout)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, fmt.Errorf("apify: %s %s: %w", method, redact(u), ctx.Err())
		case err != nil:
			wait = c.backoff(attempt)
		case resp.StatusCode == want:
			return resp, nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			apiErr := readAPIError(resp)
			err = apiErr
			wait = c.backoff(attempt)
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				wait = min(ra, c.o.MaxRetryDelay)
			}
		default:
			return nil, readAPIError(resp)
		}
		if attempt >= c.o.MaxRetries {
			return nil, fmt.Errorf("apify: giving up after %d attempts: %w", attempt+1, err)
		}
		c.o.Logger.WarnContext(ctx, "apify request failed; retrying", "method", method, "url", redact(u), "attempt", attempt+1, "wait", wait.String(), "err", err)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("apify: %s %s: %w", method, redact(u), err)
		}
	}
}

func (c *ApifyClient) send(ctx context.Context, method, u string, body []byte, timeout time.Duration) (*http.Response, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rctx, method, u, rd)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.o.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.o.HTTPClient.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

// cancelOnClose releases a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// readAPIError reads Apify's {"error":{"type","message"}} body and closes it.
func readAPIError(resp *http.Response) *APIError {
	defer func() { _ = resp.Body.Close() }()
	e := &APIError{Status: resp.StatusCode, Type: http.StatusText(resp.StatusCode)}
	var body struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if json.Unmarshal(raw, &body) == nil && body.Error.Type != "" {
		e.Type, e.Message = body.Error.Type, body.Error.Message
	} else {
		e.Message = clip(strings.TrimSpace(string(raw)), 200)
	}
	return e
}

func (c *ApifyClient) backoff(attempt int) time.Duration {
	d := c.o.MinRetryDelay << min(attempt, 16)
	d = time.Duration(float64(d) * (1 + rand.Float64()))
	return min(d, c.o.MaxRetryDelay)
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// redact drops the query (which may carry a token) from a URL for logs.
func redact(u string) string {
	base, _, _ := strings.Cut(u, "?")
	return base
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
