package tiktok

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/safefetch"
	"github.com/buylink/buylink/pkg/urlpolicy"
)

// DefaultOEmbedURL is TikTok's public oEmbed endpoint: GET with ?url=<video
// URL>, no key.
const DefaultOEmbedURL = "https://www.tiktok.com/oembed"

// OEmbedURLEnv names the environment variable that overrides the oEmbed
// endpoint (OEmbedOptions.Endpoint) in the services that ask it.
const OEmbedURLEnv = "TIKTOK_OEMBED_URL"

// Causes of an oEmbed lookup's failure, in the chain of the catalog error
// Lookup returns (test them with errors.Is).
var (
	// ErrVideoUnavailable: TikTok shows the video to nobody outside: it is
	// private, removed, or its author forbids embedding. TikTok's answer does
	// not say which.
	ErrVideoUnavailable = errors.New("tiktok: the video is private, removed or not embeddable")
	// ErrVideoNotFound: TikTok knows no video under that URL.
	ErrVideoNotFound = errors.New("tiktok: no such video")
	// ErrRateLimited: TikTok refuses more lookups for now (HTTP 429).
	ErrRateLimited = errors.New("tiktok: oEmbed rate limit reached")
)

// OEmbed is TikTok's oEmbed answer for a video, as it sends it (the shape of
// testdata/oembed_video.json), plus the two facts Lookup checked: the
// author's handle and the video id.
type OEmbed struct {
	Version         string `json:"version"`
	Type            string `json:"type"`
	Title           string `json:"title"`
	AuthorURL       string `json:"author_url"`
	AuthorName      string `json:"author_name"`
	AuthorUniqueID  string `json:"author_unique_id"`
	EmbedProductID  string `json:"embed_product_id"`
	EmbedType       string `json:"embed_type"`
	ThumbnailURL    string `json:"thumbnail_url"`
	ThumbnailWidth  int    `json:"thumbnail_width"`
	ThumbnailHeight int    `json:"thumbnail_height"`
	ProviderURL     string `json:"provider_url"`
	ProviderName    string `json:"provider_name"`
	HTML            string `json:"html"`
	// Width and Height are CSS lengths ("100%"), not pixels.
	Width  string `json:"width"`
	Height string `json:"height"`

	// Handle is the author's handle, normalised and valid (from
	// author_unique_id, else from author_url).
	Handle string `json:"-"`
	// VideoID is the video's id (embed_product_id), equal to the one asked for.
	VideoID string `json:"-"`
}

// OEmbedOptions configure NewOEmbedClient.
type OEmbedOptions struct {
	// Endpoint is the oEmbed endpoint (default DefaultOEmbedURL); tests
	// point it at a fake (oembedtest). An endpoint on loopback (a fake, a
	// local proxy) is reached: it is the operator's setting, never a user's,
	// and users choose only the video id and handle asked about.
	Endpoint string
	// Fetch is the download policy. Its zero value is production's, with
	// these defaults changed: a 1 MB cap, a 10s total timeout, 5s to
	// connect and a browser-like User-Agent.
	Fetch safefetch.Options
}

// OEmbedClient asks TikTok's oEmbed endpoint who posted a video and what it
// shows. Requests go through pkg/safefetch: public addresses only, bounded
// size and time. It is safe for concurrent use.
type OEmbedClient struct {
	endpoint *url.URL
	fetch    *safefetch.Client
}

// NewOEmbedClient checks the options.
func NewOEmbedClient(o OEmbedOptions) (*OEmbedClient, error) {
	if o.Endpoint == "" {
		o.Endpoint = DefaultOEmbedURL
	}
	ep, err := url.Parse(o.Endpoint)
	if err != nil || (ep.Scheme != "https" && ep.Scheme != "http") || ep.Host == "" || ep.RawQuery != "" {
		return nil, fmt.Errorf("tiktok: the oEmbed endpoint must be an http(s) URL without a query (got %q)", o.Endpoint)
	}
	f := o.Fetch
	if h, err := urlpolicy.ParseHost(ep.Hostname()); err == nil && h.IsLoopback() {
		f.AllowLoopback = true
	}
	if f.MaxBytes <= 0 {
		f.MaxBytes = 1 << 20
	}
	if f.Timeout <= 0 {
		f.Timeout = 10 * time.Second
	}
	if f.ConnectTimeout <= 0 {
		f.ConnectTimeout = 5 * time.Second
	}
	if f.UserAgent == "" {
		f.UserAgent = userAgent
	}
	return &OEmbedClient{endpoint: ep, fetch: safefetch.New(f)}, nil
}

// userAgent is sent to TikTok, which answers unknown clients less willingly.
const userAgent = "Mozilla/5.0 (compatible; buylink/1.0; +https://github.com/buylink/buylink)"

// OEmbedURL is the page URL the oEmbed endpoint is asked about for ref (which
// must carry an id): the canonical page by the URL's handle, or TikTok's
// handle-less form https://www.tiktok.com/video/<id>.
func (r VideoRef) OEmbedURL() string {
	if r.Handle == "" {
		return "https://www.tiktok.com/video/" + r.ID
	}
	return r.PageURL("")
}

// Lookup asks TikTok about the video of ref: a resolved reference with an
// id (resolve short links first). Its answer names the author and the same
// video id, or Lookup fails. Failures are catalog errors, on field when the
// video is at fault:
//
//	invalid      the video is private, removed or not embeddable (ErrVideoUnavailable),
//	             or does not exist (ErrVideoNotFound)
//	unavailable  TikTok rate-limits us (ErrRateLimited), fails, answers
//	             something else than an oEmbed video, or cannot be reached
//
// ThumbnailURL is kept only when it is a public http(s) URL.
func (c *OEmbedClient) Lookup(ctx context.Context, field string, ref VideoRef) (OEmbed, error) {
	if ref.ID == "" {
		return OEmbed{}, catalog.Invalid(field, "is a short link that must be resolved before TikTok can be asked about it")
	}
	q := *c.endpoint
	q.RawQuery = url.Values{"url": {ref.OEmbedURL()}}.Encode()
	var body []byte
	err := c.fetch.Fetch(ctx, q.String(), func(f *safefetch.File) error {
		var err error
		body, err = os.ReadFile(f.Path)
		return err
	})
	if err != nil {
		return OEmbed{}, lookupError(field, ref, err)
	}
	return decodeOEmbed(field, ref, body)
}

// lookupError turns a failed fetch into the catalog error Lookup returns.
func lookupError(field string, ref VideoRef, err error) error {
	var se *safefetch.StatusError
	switch {
	case errors.Is(err, safefetch.ErrTooLarge):
		return catalog.Unavailable(err, "TikTok's answer about video %s was too large; try again", ref.ID)
	case !errors.As(err, &se):
		return catalog.Unavailable(err, "TikTok could not be reached to look up video %s; try again", ref.ID)
	}
	switch se.Code {
	case http.StatusNotFound, http.StatusGone:
		return &catalog.Error{Code: catalog.CodeInvalid, Field: field, Err: ErrVideoNotFound,
			Message: fmt.Sprintf("is a TikTok video that does not exist (id %s)", ref.ID)}
	case http.StatusTooManyRequests:
		return catalog.Unavailable(fmt.Errorf("%w: %w", ErrRateLimited, err), "TikTok is limiting our lookups right now; try again in a few minutes")
	case http.StatusBadRequest, http.StatusForbidden, http.StatusUnauthorized:
		// TikTok answers 400 {"code":400,"message":"Something went wrong"}
		// for a private, removed or unknown video alike.
		return unavailableVideo(field, ref, err)
	}
	return catalog.Unavailable(err, "TikTok failed to look up video %s (status %d); try again", ref.ID, se.Code)
}

func unavailableVideo(field string, ref VideoRef, cause error) error {
	return &catalog.Error{Code: catalog.CodeInvalid, Field: field, Err: fmt.Errorf("%w: %w", ErrVideoUnavailable, cause),
		Message: fmt.Sprintf("is a TikTok video that TikTok does not show publicly (id %s): it is private, removed or not embeddable; only public videos can be added", ref.ID)}
}

// oembedWire is the answer as sent: numbers sometimes come as strings and
// the other way round, and an error answer may come with status 200.
type oembedWire struct {
	OEmbed
	Width           looseString `json:"width"`
	Height          looseString `json:"height"`
	ThumbnailWidth  looseString `json:"thumbnail_width"`
	ThumbnailHeight looseString `json:"thumbnail_height"`
	EmbedProductID  looseString `json:"embed_product_id"`
	// The error shapes: {"code":400,"message":"Something went wrong"} and
	// {"status_code":10101,"status_msg":"Something went wrong"}.
	Code       looseString `json:"code"`
	Message    string      `json:"message"`
	StatusCode looseString `json:"status_code"`
	StatusMsg  string      `json:"status_msg"`
}

// looseString takes a JSON string or number.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = looseString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*s = looseString(n.String())
	return nil
}

func decodeOEmbed(field string, ref VideoRef, body []byte) (OEmbed, error) {
	var w oembedWire
	if err := json.Unmarshal(body, &w); err != nil {
		return OEmbed{}, catalog.Unavailable(err, "TikTok's answer about video %s was not oEmbed JSON; try again", ref.ID)
	}
	if w.StatusMsg != "" || (w.StatusCode != "" && w.StatusCode != "0") || (w.Code != "" && w.Code != "0" && w.Code != "200") {
		return OEmbed{}, unavailableVideo(field, ref, fmt.Errorf("oEmbed answered code %q status %q: %s%s", w.Code, w.StatusCode, w.Message, w.StatusMsg))
	}
	o := w.OEmbed
	o.Width, o.Height, o.EmbedProductID = string(w.Width), string(w.Height), string(w.EmbedProductID)
	o.ThumbnailWidth, o.ThumbnailHeight = atoiOrZero(w.ThumbnailWidth), atoiOrZero(w.ThumbnailHeight)
	o.VideoID = o.EmbedProductID
	if o.VideoID == "" {
		o.VideoID = ref.ID // older answers carry no embed_product_id
	}
	if o.VideoID != ref.ID {
		return OEmbed{}, catalog.Unavailable(fmt.Errorf("oEmbed answered video %q", clip(o.VideoID, 30)),
			"TikTok answered about another video than %s; try again", ref.ID)
	}
	o.Handle = authorHandle(o)
	if o.Handle == "" {
		return OEmbed{}, catalog.Unavailable(fmt.Errorf("oEmbed answer without a valid author (author_unique_id %q, author_url %q)",
			clip(o.AuthorUniqueID, 40), clip(o.AuthorURL, 80)), "TikTok did not say who posted video %s; try again", ref.ID)
	}
	if o.ThumbnailURL != "" && catalog.ValidatePublicURL("thumbnail_url", o.ThumbnailURL) != nil {
		o.ThumbnailURL = ""
	}
	return o, nil
}

// authorHandle is the author's valid handle: author_unique_id, else the
// @handle of author_url (https://www.tiktok.com/@handle); "" when neither.
func authorHandle(o OEmbed) string {
	if h := catalog.NormalizeHandle(o.AuthorUniqueID); h != "" {
		if catalog.ValidateHandle("author", h) == nil {
			return h
		}
		return ""
	}
	u, err := url.Parse(o.AuthorURL)
	if err != nil || !pageHosts[strings.ToLower(u.Hostname())] {
		return ""
	}
	segs := pathSegments(u.EscapedPath())
	if len(segs) != 1 || !strings.HasPrefix(segs[0], "@") {
		return ""
	}
	if h := catalog.NormalizeHandle(segs[0]); catalog.ValidateHandle("author", h) == nil {
		return h
	}
	return ""
}

func atoiOrZero(s looseString) int {
	n, err := strconv.Atoi(string(s))
	if err != nil || n < 0 {
		return 0
	}
	return n
}
