// Package safefetch downloads a URL that a user or a scraper gave us without
// letting it reach our own network: the URL and every redirect must pass
// buylink's URL policy (pkg/urlpolicy: http or https, a host read as browsers
// read it that is a public name or address in whatever form it is written),
// and the destination address is checked again when each connection is
// dialled (after DNS, so a name that rebinds to an internal address fails);
// loopback, private, CGNAT, link-local (and so the cloud metadata addresses),
// multicast, unspecified and reserved addresses, also inside IPv6, are
// refused (urlpolicy.IsPublicAddr is the rule); at most
// MaxRedirects are followed; the body streams to a temporary file under a hard
// size cap whether or not Content-Length is sent; connect and total deadlines
// bound the whole download, and a transfer slower than a minimum rate over
// any window fails early, so a server that drips bytes cannot hold a worker;
// the fetches one tenant (WithTenant) runs at once are capped; and the
// temporary file is always removed.
//
// Loopback destinations are allowed only through Options.AllowLoopback, which
// tests and the single-process devstack set.
package safefetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/buylink/buylink/pkg/urlpolicy"
)

// Defaults for the zero Options.
const (
	DefaultMaxBytes       = 50 << 20
	DefaultMaxRedirects   = 5
	DefaultConnectTimeout = 10 * time.Second
	DefaultTimeout        = 2 * time.Minute
	DefaultMinRate        = 32 << 10
	DefaultRateWindow     = 10 * time.Second
	DefaultMaxPerTenant   = 1
)

// Errors a fetch can end with; test them with errors.Is. Every one of them
// but ErrBusy, like a 4xx StatusError, is permanent: fetching the same URL
// again gives the same answer (see IsPermanent).
var (
	ErrScheme           = errors.New("only http and https URLs are fetched")
	ErrBlocked          = errors.New("destination is not a public internet address")
	ErrTooManyRedirects = errors.New("too many redirects")
	ErrTooLarge         = errors.New("response body exceeds the size limit")
	ErrBadURL           = errors.New("malformed URL")
	// ErrTooSlow: fewer than MinRate bytes a second arrived over a RateWindow.
	ErrTooSlow = errors.New("the server sends too slowly")
	// ErrDeadline: the whole download took longer than Timeout.
	ErrDeadline = errors.New("the download took too long")
	// ErrBusy: the tenant already runs MaxPerTenant fetches; try later.
	ErrBusy = errors.New("too many downloads at once for this tenant")
)

// StatusError is a response with a status other than 200.
type StatusError struct {
	URL  string
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("safefetch: %s answered %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// IsPermanent reports whether retrying the fetch cannot help: a refused URL or
// address, too many redirects, an oversized body, a transfer below the
// minimum rate or past the total deadline, a 4xx answer other than 408 and
// 429, or a host name that does not exist (NXDOMAIN: the DNS says so for
// good, unlike a resolver that times out). Other network errors, connect
// timeouts, 5xx answers and ErrBusy are worth a retry.
func IsPermanent(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code >= 400 && se.Code < 500 && se.Code != http.StatusRequestTimeout && se.Code != http.StatusTooManyRequests
	}
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound && !de.IsTimeout && !de.IsTemporary {
		return true
	}
	return errors.Is(err, ErrScheme) || errors.Is(err, ErrBlocked) || errors.Is(err, ErrTooManyRedirects) ||
		errors.Is(err, ErrTooLarge) || errors.Is(err, ErrBadURL) || errors.Is(err, ErrTooSlow) || errors.Is(err, ErrDeadline)
}

// Options configure a Client. The zero value is the production policy.
type Options struct {
	// MaxBytes caps the body (default DefaultMaxBytes, 50 MB).
	MaxBytes int64
	// MaxRedirects caps the redirects followed (default 5; negative: none).
	MaxRedirects int
	// ConnectTimeout bounds each TCP connect (default 10s).
	ConnectTimeout time.Duration
	// Timeout bounds the whole fetch, redirects and body included (default
	// 2m); past it the fetch fails with ErrDeadline.
	Timeout time.Duration
	// MinRate is the slowest transfer accepted, in bytes a second: from the
	// request on, each RateWindow must bring at least MinRate*RateWindow
	// bytes of body, or the fetch fails with ErrTooSlow (default 32 KiB/s;
	// negative: no minimum).
	MinRate int64
	// RateWindow is the window MinRate is measured over (default 10s).
	RateWindow time.Duration
	// MaxPerTenant bounds the fetches one tenant (see WithTenant) runs at
	// once; more fail at once with ErrBusy (default 1; negative: no bound).
	MaxPerTenant int
	// AllowLoopback lets the client reach 127.0.0.0/8 and ::1: for tests and
	// devstack only, never in production.
	AllowLoopback bool
	// TempDir is where bodies are written (default os.TempDir()).
	TempDir string
	// Resolver resolves host names (default net.DefaultResolver). Whatever it
	// answers, the dialled address is checked.
	Resolver *net.Resolver
	// UserAgent is sent with every request (default "buylink-safefetch/1").
	UserAgent string
}

// Client fetches URLs under Options' policy. It is safe for concurrent use.
type Client struct {
	opts Options
	hc   *http.Client
	// tenants counts the fetches running per tenant.
	mu      sync.Mutex
	tenants map[string]int
	// dialed, when set (tests), sees every address that passed the check,
	// just before the connect.
	dialed func(netip.AddrPort) error
}

// New returns a Client with o's policy, defaults filled in.
func New(o Options) *Client {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.UserAgent == "" {
		o.UserAgent = "buylink-safefetch/1"
	}
	if o.MinRate == 0 {
		o.MinRate = DefaultMinRate
	}
	if o.RateWindow <= 0 {
		o.RateWindow = DefaultRateWindow
	}
	if o.MaxPerTenant == 0 {
		o.MaxPerTenant = DefaultMaxPerTenant
	}
	c := &Client{opts: o, tenants: map[string]int{}}
	dialer := &net.Dialer{Timeout: o.ConnectTimeout, Resolver: o.Resolver, Control: c.control}
	tr := &http.Transport{
		// Never a proxy from the environment: it would dial on our behalf,
		// past the address check.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    o.ConnectTimeout,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
	}
	c.hc = &http.Client{Transport: tr, CheckRedirect: c.checkRedirect}
	return c
}

// control runs after DNS, on the very address about to be connected: this
// is where the policy is enforced, whatever the URL said.
func (c *Client) control(network, address string, raw syscall.RawConn) error {
	if err := c.policy().DialControl(network, address, raw); err != nil {
		return fmt.Errorf("%w: %w", ErrBlocked, err)
	}
	if c.dialed != nil {
		return c.dialed(netip.MustParseAddrPort(address))
	}
	return nil
}

func (c *Client) policy() urlpolicy.Policy {
	return urlpolicy.Policy{AllowLoopback: c.opts.AllowLoopback}
}

// checkURL refuses what can be refused before any connection: whatever
// buylink's URL policy refuses (other schemes, user information, hosts that
// are not public in any of the forms browsers read).
func (c *Client) checkURL(u *url.URL) error {
	_, err := c.policy().CheckURL(u.String())
	switch {
	case err == nil:
		return nil
	case errors.Is(err, urlpolicy.ErrScheme):
		return fmt.Errorf("%w: %w", ErrScheme, err)
	case errors.Is(err, urlpolicy.ErrNotPublic):
		return fmt.Errorf("%w: %w", ErrBlocked, err)
	}
	return fmt.Errorf("%w: %w", ErrBadURL, err)
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if c.opts.MaxRedirects < 0 || len(via) > c.opts.MaxRedirects {
		return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, max(c.opts.MaxRedirects, 0))
	}
	if err := c.checkURL(req.URL); err != nil {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
	}
	return nil
}

// File is a downloaded body on disk, valid during the Fetch callback only.
type File struct {
	// Path names the temporary file.
	Path string
	// Size is the body's length in bytes.
	Size int64
	// ContentType is the response's Content-Type header.
	ContentType string
	// URL is the final URL, after redirects.
	URL string
}

type tenantKey struct{}

// WithTenant returns a context whose fetches count against tenant's
// MaxPerTenant (a seller's handle, say).
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// Fetch downloads rawURL to a temporary file, calls use with it and removes
// the file when use returns (and on every failure before). It returns use's
// error, or the reason the download was refused or failed.
func (c *Client) Fetch(ctx context.Context, rawURL string, use func(*File) error) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("safefetch: %w: %w", ErrBadURL, err)
	}
	if err := c.checkURL(u); err != nil {
		return fmt.Errorf("safefetch: %s: %w", u.Redacted(), err)
	}
	if tenant, _ := ctx.Value(tenantKey{}).(string); tenant != "" {
		if err := c.enter(tenant); err != nil {
			return err
		}
		defer c.leave(tenant)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, c.opts.Timeout, fmt.Errorf("%w: not done within %s", ErrDeadline, c.opts.Timeout))
	defer cancel()
	var received atomic.Int64
	ctx, stopWatch := c.watchRate(ctx, &received)
	defer stopWatch()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("safefetch: %w: %w", ErrBadURL, err)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.wrap(ctx, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return &StatusError{URL: resp.Request.URL.Redacted(), Code: resp.StatusCode}
	}
	if resp.ContentLength > c.opts.MaxBytes {
		return fmt.Errorf("safefetch: %s: %w: Content-Length %d > %d", u.Redacted(), ErrTooLarge, resp.ContentLength, c.opts.MaxBytes)
	}
	f, err := os.CreateTemp(c.opts.TempDir, "safefetch-*")
	if err != nil {
		return fmt.Errorf("safefetch: temporary file: %w", err)
	}
	defer func() { _ = os.Remove(f.Name()) }()
	n, err := io.Copy(f, &countingReader{r: io.LimitReader(resp.Body, c.opts.MaxBytes+1), n: &received})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return c.wrap(ctx, u, err)
	}
	if n > c.opts.MaxBytes {
		return fmt.Errorf("safefetch: %s: %w: more than %d bytes", u.Redacted(), ErrTooLarge, c.opts.MaxBytes)
	}
	stopWatch()
	return use(&File{Path: f.Name(), Size: n, ContentType: resp.Header.Get("Content-Type"), URL: resp.Request.URL.String()})
}

// enter counts a fetch of tenant, or refuses it with ErrBusy.
func (c *Client) enter(tenant string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.tenants[tenant]; c.opts.MaxPerTenant > 0 && n >= c.opts.MaxPerTenant {
		return fmt.Errorf("safefetch: %w: %q already runs %d", ErrBusy, tenant, n)
	}
	c.tenants[tenant]++
	return nil
}

func (c *Client) leave(tenant string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tenants[tenant]--; c.tenants[tenant] <= 0 {
		delete(c.tenants, tenant)
	}
}

// watchRate cancels the returned context with ErrTooSlow when a RateWindow
// passes with fewer than MinRate*RateWindow more bytes received. The
// returned function stops the watch.
func (c *Client) watchRate(ctx context.Context, received *atomic.Int64) (context.Context, func()) {
	if c.opts.MinRate < 0 {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	var once sync.Once
	go func() {
		tick := time.NewTicker(c.opts.RateWindow)
		defer tick.Stop()
		var last int64
		want := int64(float64(c.opts.MinRate) * c.opts.RateWindow.Seconds())
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				n := received.Load()
				if got := n - last; got < want {
					cancel(fmt.Errorf("%w: %d bytes in %s (minimum %d bytes/s), %d bytes in all", ErrTooSlow, got, c.opts.RateWindow, c.opts.MinRate, n))
					return
				}
				last = n
			}
		}
	}()
	return ctx, func() { once.Do(func() { close(done) }) }
}

// countingReader adds what it reads to n.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (cr *countingReader) Read(p []byte) (int, error) {
	k, err := cr.r.Read(p)
	cr.n.Add(int64(k))
	return k, err
}

// wrap names the URL in a transport error and surfaces why our own
// deadline or rate watch stopped the fetch.
func (c *Client) wrap(ctx context.Context, u *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is named below
	}
	if cause := context.Cause(ctx); errors.Is(cause, ErrTooSlow) || errors.Is(cause, ErrDeadline) {
		return fmt.Errorf("safefetch: %s: %w", u.Redacted(), cause)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%w)", cerr, err)
	}
	return fmt.Errorf("safefetch: %s: %w", u.Redacted(), err)
}
