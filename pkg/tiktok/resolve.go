package tiktok

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/urlpolicy"
)

// Resolver turns a short link (vm.tiktok.com, vt.tiktok.com,
// www.tiktok.com/t/...) into the video it leads to. It makes one request,
// reads no body, follows no redirect but reads the first one, and accepts
// only a TikTok video URL as its target; its default client connects to
// public addresses only.
type Resolver struct {
	// Client sends the request (default: a client whose dialer refuses
	// loopback, private, link-local and other non-public addresses). Its
	// redirect policy is replaced so no redirect is ever followed.
	Client *http.Client
	// Timeout bounds one resolution (default 5s).
	Timeout time.Duration
}

// Resolve returns the video reference a short link leads to. A link that
// leads nowhere or elsewhere than a TikTok video is a catalog invalid error
// on field; a failure to reach TikTok is catalog unavailable.
func (r *Resolver) Resolve(ctx context.Context, field string, ref VideoRef) (VideoRef, error) {
	if !ref.IsShort() {
		return ref, nil
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base := publicOnlyClient
	if r.Client != nil {
		base = r.Client
	}
	client := *base
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref.ShortURL, nil)
	if err != nil {
		return VideoRef{}, catalog.Invalid(field, "is not a valid short link")
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (compatible; buylink/1.0; +https://github.com/buylink/buylink)")
	resp, err := client.Do(req)
	if err != nil {
		return VideoRef{}, catalog.Unavailable(err, "could not resolve the TikTok short link; try again or send the full video URL")
	}
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return VideoRef{}, catalog.Invalid(field, "is a TikTok short link that does not exist")
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return VideoRef{}, catalog.Unavailable(fmt.Errorf("status %d", resp.StatusCode), "TikTok did not resolve the short link (status %d); try again or send the full video URL", resp.StatusCode)
	case resp.StatusCode < 300 || resp.StatusCode >= 400:
		return VideoRef{}, catalog.Invalid(field, "is a TikTok short link that does not lead to a video (status %d)", resp.StatusCode)
	}
	loc, err := resp.Location()
	if err != nil {
		return VideoRef{}, catalog.Invalid(field, "is a TikTok short link that does not lead to a video")
	}
	target, err := ParseVideoURL(field, loc.String())
	if err != nil || target.IsShort() {
		return VideoRef{}, catalog.Invalid(field, "is a TikTok short link that does not lead to a TikTok video")
	}
	return target, nil
}

// publicOnlyClient connects to public addresses only, whatever DNS says.
var publicOnlyClient = &http.Client{
	Transport: &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout: 5 * time.Second,
			Control: urlpolicy.Policy{}.DialControl,
		}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 5 * time.Second,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	},
}
