package safefetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// countingListener is a loopback TCP listener that counts the connections it
// accepts: the proof that a refused fetch never reached it.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// newServer starts an HTTP server on 127.0.0.1 whose listener counts connections.
func newServer(t *testing.T, h http.Handler) (*httptest.Server, *countingListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on loopback: %v", err)
	}
	cl := &countingListener{Listener: ln}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = cl
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, cl
}

// fakeDNS answers A queries from a fixed table on 127.0.0.1 UDP, and nothing
// for other names: DNS that resolves public-looking names to forbidden addresses.
func fakeDNS(t *testing.T, table map[string]netip.Addr) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen udp: %v", err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.EnableCompression()
			_ = b.StartQuestions()
			_ = b.Question(q)
			_ = b.StartAnswers()
			if ip, ok := table[strings.TrimSuffix(q.Name.String(), ".")]; ok {
				rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
				switch {
				case q.Type == dnsmessage.TypeA && ip.Is4():
					_ = b.AResource(rh, dnsmessage.AResource{A: ip.As4()})
				case q.Type == dnsmessage.TypeAAAA && ip.Is6():
					_ = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: ip.As16()})
				}
			}
			msg, err := b.Finish()
			if err == nil {
				_, _ = pc.WriteTo(msg, from)
			}
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", addr)
	}}
}

// guarded returns a client whose dials, past the policy, may only reach
// loopback: the test fails (and nothing is sent) if any other address is
// ever about to be connected, so a policy bug cannot send traffic anywhere.
func guarded(t *testing.T, o Options) *Client {
	t.Helper()
	if o.TempDir == "" {
		o.TempDir = t.TempDir()
	}
	c := New(o)
	c.dialed = func(ap netip.AddrPort) error {
		if !o.AllowLoopback || !ap.Addr().Unmap().IsLoopback() {
			t.Errorf("a connection to %s passed the policy", ap)
			return errors.New("test guard: connection stopped")
		}
		return nil
	}
	return c
}

func noUse(t *testing.T) func(*File) error {
	return func(f *File) error {
		t.Errorf("callback called for a fetch that should have been refused (%s)", f.URL)
		return nil
	}
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("temporary file left behind: %s", e.Name())
	}
}

func TestRefusedDestinations(t *testing.T) {
	_, ln := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "secret") }))
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	resolver := fakeDNS(t, map[string]netip.Addr{
		"rebind.example.com":   netip.MustParseAddr("127.0.0.1"),
		"metadata.example.com": netip.MustParseAddr("169.254.169.254"),
		"intranet.example.com": netip.MustParseAddr("10.1.2.3"),
		"ula.example.com":      netip.MustParseAddr("fd12:3456::1"),
		"mapped.example.com":   netip.MustParseAddr("::ffff:127.0.0.1"),
	})
	hosts := []string{
		"127.0.0.1", "127.9.9.9", "[::1]", // loopback
		"10.0.0.1", "172.16.5.4", "192.168.1.1", // private
		"100.64.0.1", "100.127.255.254", // CGNAT
		"169.254.169.254", "169.254.170.2", "169.254.1.1", "[fd00:ec2::254]", // metadata, link-local
		"224.0.0.1", "239.255.255.250", "[ff02::1]", // multicast
		"0.0.0.0", "[::]", // unspecified (0.0.0.0 reaches the local host on Linux)
		"[fc00::1]", "[fd12:3456::1]", "[fe80::1]", // IPv6 ULA and link-local
		"[::ffff:127.0.0.1]", "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", // IPv4-mapped
		"[::127.0.0.1]", "[::ffff:0:7f00:1]", "[64:ff9b::a9fe:a9fe]", // IPv4-compatible, -translated, NAT64
		"2130706433", "0x7f000001", "017700000001", "127.1", // numeric encodings of 127.0.0.1
		"0x7f.1", "0177.0.0.1", "0xa9.0xfe.0xa9.0xfe", "192.168.1", "10.1", "①②⑦.0.0.1", "１２７．０．０．１", // the disguises of issue 13
		"[2002:7f00:1::]", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "[64:ff9b::7f00:1]", // 6to4, Teredo, NAT64
		"metadata.google.internal", "127.0.0.1.nip.io", "localtest.me", // names refused before any DNS
		"localhost",                                                                                                   // resolves to loopback
		"rebind.example.com", "metadata.example.com", "intranet.example.com", "ula.example.com", "mapped.example.com", // DNS answers checked at dial time
	}
	for _, allowLoopback := range []bool{false, true} {
		c := guarded(t, Options{Resolver: resolver, AllowLoopback: allowLoopback})
		for _, h := range hosts {
			ip, _ := netip.ParseAddr(strings.Trim(h, "[]"))
			if allowLoopback && (ip.Unmap().IsLoopback() || h == "localhost" || h == "rebind.example.com" || h == "mapped.example.com") {
				continue // reachable by design with the option
			}
			t.Run(fmt.Sprintf("loopback=%v/%s", allowLoopback, h), func(t *testing.T) {
				before := ln.accepted.Load()
				err := c.Fetch(t.Context(), "http://"+h+":"+port+"/", noUse(t))
				if !errors.Is(err, ErrBlocked) {
					t.Fatalf("want ErrBlocked, got %v", err)
				}
				if !IsPermanent(err) {
					t.Errorf("a refused address must be permanent: %v", err)
				}
				if n := ln.accepted.Load() - before; n != 0 {
					t.Errorf("listener received %d connections", n)
				}
			})
		}
	}
	for _, u := range []string{"file:///etc/passwd", "gopher://127.0.0.1:" + port + "/", "ftp://127.0.0.1:" + port + "/x", "//127.0.0.1:" + port + "/"} {
		t.Run(u, func(t *testing.T) {
			c := guarded(t, Options{AllowLoopback: true})
			err := c.Fetch(t.Context(), u, noUse(t))
			if !errors.Is(err, ErrScheme) || !IsPermanent(err) {
				t.Fatalf("want permanent ErrScheme, got %v", err)
			}
		})
	}
	if n := ln.accepted.Load(); n != 0 {
		t.Fatalf("listener received %d connections in all", n)
	}
}

func TestRedirects(t *testing.T) {
	var hits atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			_, _ = io.WriteString(w, "arrived")
			return
		}
		http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), http.StatusFound)
	})
	mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusMovedPermanently)
	})
	srv, _ := newServer(t, mux)
	c := guarded(t, Options{AllowLoopback: true})

	t.Run("five hops are followed", func(t *testing.T) {
		hits.Store(0)
		var got string
		err := c.Fetch(t.Context(), srv.URL+"/hop/5", func(f *File) error {
			b, err := os.ReadFile(f.Path)
			got = string(b)
			if !strings.HasSuffix(f.URL, "/hop/0") {
				t.Errorf("final URL %q", f.URL)
			}
			return err
		})
		if err != nil || got != "arrived" || hits.Load() != 6 {
			t.Fatalf("err %v body %q hits %d", err, got, hits.Load())
		}
	})
	t.Run("six hops are refused", func(t *testing.T) {
		hits.Store(0)
		err := c.Fetch(t.Context(), srv.URL+"/hop/6", noUse(t))
		if !errors.Is(err, ErrTooManyRedirects) || !IsPermanent(err) {
			t.Fatalf("want ErrTooManyRedirects, got %v", err)
		}
		if hits.Load() != 6 {
			t.Fatalf("the server saw %d requests, want 6 (the 7th must never be sent)", hits.Load())
		}
	})
	for _, target := range []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://[::ffff:169.254.169.254]/latest/meta-data/",
		"http://169.254.170.2/v2/credentials",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://10.0.0.1/",
		"http://0x7f.1:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port) + "/hop/0",
		"http://①②⑦.0.0.1:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port) + "/hop/0",
		"http://0.0.0.0:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port) + "/hop/0",
	} {
		t.Run("redirect to "+target, func(t *testing.T) {
			err := c.Fetch(t.Context(), srv.URL+"/to?u="+target, noUse(t))
			if !errors.Is(err, ErrBlocked) {
				t.Fatalf("want ErrBlocked, got %v", err)
			}
		})
	}
	for _, target := range []string{"file:///etc/passwd", "gopher://127.0.0.1:70/"} {
		t.Run("redirect to "+target, func(t *testing.T) {
			err := c.Fetch(t.Context(), srv.URL+"/to?u="+target, noUse(t))
			if !errors.Is(err, ErrScheme) {
				t.Fatalf("want ErrScheme, got %v", err)
			}
		})
	}
}

func TestSizeCap(t *testing.T) {
	const body = 51 << 20
	var wrote atomic.Int64
	serve := func(w http.ResponseWriter, r *http.Request) {
		size := body
		switch {
		case r.URL.Query().Has("length"):
			w.Header().Set("Content-Length", strconv.Itoa(body))
		case r.URL.Query().Has("endless"):
			size = 1 << 40
		}
		chunk := bytes.Repeat([]byte{'x'}, 64<<10)
		for sent := 0; sent < size; sent += len(chunk) {
			n, err := w.Write(chunk)
			wrote.Add(int64(n))
			if err != nil {
				return
			}
		}
	}
	srv, _ := newServer(t, http.HandlerFunc(serve))
	for _, q := range []string{"?length", "?chunked", "?endless"} {
		t.Run(q, func(t *testing.T) {
			wrote.Store(0)
			dir := t.TempDir()
			c := guarded(t, Options{AllowLoopback: true, TempDir: dir})
			err := c.Fetch(t.Context(), srv.URL+"/"+q, noUse(t))
			if !errors.Is(err, ErrTooLarge) || !IsPermanent(err) {
				t.Fatalf("want ErrTooLarge, got %v", err)
			}
			assertEmptyDir(t, dir)
			if q == "?endless" {
				// The client stopped reading at the cap: the server could
				// write only what the socket buffers absorbed beyond it.
				deadline := time.Now().Add(5 * time.Second)
				for last := int64(-1); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
					if w := wrote.Load(); w == last {
						break
					} else {
						last = w
					}
				}
				if w := wrote.Load(); w > DefaultMaxBytes+32<<20 {
					t.Errorf("the server kept writing (%d bytes): the download was not aborted at the cap", w)
				}
			}
		})
	}
	t.Run("exactly at the cap", func(t *testing.T) {
		dir := t.TempDir()
		c := guarded(t, Options{AllowLoopback: true, TempDir: dir, MaxBytes: 1000})
		srv2, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(bytes.Repeat([]byte{'y'}, 1000))
		}))
		var size int64
		if err := c.Fetch(t.Context(), srv2.URL, func(f *File) error { size = f.Size; return nil }); err != nil || size != 1000 {
			t.Fatalf("size %d err %v", size, err)
		}
		assertEmptyDir(t, dir)
	})
}

func TestFetchSavesAndRemoves(t *testing.T) {
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/busy" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "video/mp4")
		_, _ = io.WriteString(w, "payload")
	}))
	dir := t.TempDir()
	c := guarded(t, Options{AllowLoopback: true, TempDir: dir})
	var path string
	err := c.Fetch(t.Context(), srv.URL+"/v.mp4", func(f *File) error {
		path = f.Path
		b, err := os.ReadFile(f.Path)
		if err != nil || string(b) != "payload" || f.Size != 7 || f.ContentType != "video/mp4" {
			t.Errorf("file %q size %d type %q err %v", b, f.Size, f.ContentType, err)
		}
		return nil
	})
	if err != nil || path == "" {
		t.Fatalf("fetch: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file %s still exists after the callback", path)
	}
	boom := errors.New("boom")
	if err := c.Fetch(t.Context(), srv.URL+"/v.mp4", func(*File) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("callback error not returned: %v", err)
	}
	assertEmptyDir(t, dir)

	var se *StatusError
	err = c.Fetch(t.Context(), srv.URL+"/missing", noUse(t))
	if !errors.As(err, &se) || se.Code != 404 || !IsPermanent(err) {
		t.Errorf("404: want a permanent StatusError, got %v", err)
	}
	err = c.Fetch(t.Context(), srv.URL+"/busy", noUse(t))
	if !errors.As(err, &se) || se.Code != 503 || IsPermanent(err) {
		t.Errorf("503: want a retryable StatusError, got %v", err)
	}
	for _, bad := range []string{"http://user:pw@127.0.0.1/", "http:///nohost", "http://[::1", ""} {
		if err := c.Fetch(t.Context(), bad, noUse(t)); !IsPermanent(err) {
			t.Errorf("%q: want a permanent error, got %v", bad, err)
		}
	}
}

// dripServer answers 200 and then sends one byte every gap until the
// client goes or a minute passes.
func dripServer(t *testing.T, gap time.Duration) *httptest.Server {
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		stop := time.After(time.Minute)
		for {
			if _, err := w.Write([]byte{'z'}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-time.After(gap):
			}
		}
	}))
	return srv
}

// A server sending above the minimum rate but past the total deadline
// fails permanently, naming the deadline.
func TestSlowServerHitsDeadline(t *testing.T) {
	srv := dripServer(t, 10*time.Millisecond)
	dir := t.TempDir()
	c := guarded(t, Options{AllowLoopback: true, TempDir: dir, Timeout: 1500 * time.Millisecond, MinRate: 10})
	start := time.Now()
	err := c.Fetch(t.Context(), srv.URL, noUse(t))
	if !errors.Is(err, ErrDeadline) || !IsPermanent(err) || !strings.Contains(err.Error(), "not done within 1.5s") {
		t.Fatalf("want a permanent deadline error, got %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the deadline of 1.5s did not stop the download (took %s)", d)
	}
	assertEmptyDir(t, dir)
}

// A drip (a byte every 100ms) fails after one rate window, permanently,
// with the numbers in the message; the caller's own deadline stays a
// retryable error.
func TestDripFailsFast(t *testing.T) {
	srv := dripServer(t, 100*time.Millisecond)
	dir := t.TempDir()
	c := guarded(t, Options{AllowLoopback: true, TempDir: dir, MinRate: 1000, RateWindow: 300 * time.Millisecond})
	start := time.Now()
	err := c.Fetch(t.Context(), srv.URL, noUse(t))
	if !errors.Is(err, ErrTooSlow) || !IsPermanent(err) || !strings.Contains(err.Error(), "(minimum 1000 bytes/s)") {
		t.Fatalf("want a permanent too-slow error, got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a drip held the fetch for %s with a 300ms window", d)
	}
	assertEmptyDir(t, dir)

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err = guarded(t, Options{AllowLoopback: true, MinRate: -1}).Fetch(ctx, srv.URL, noUse(t))
	if !errors.Is(err, context.DeadlineExceeded) || IsPermanent(err) {
		t.Fatalf("the caller's deadline: want a retryable error, got %v", err)
	}
}

// A server that never answers fails by the rate watch too: the window
// counts from the request.
func TestSilentServerFailsFast(t *testing.T) {
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}))
	c := guarded(t, Options{AllowLoopback: true, MinRate: 1000, RateWindow: 300 * time.Millisecond})
	if err := c.Fetch(t.Context(), srv.URL, noUse(t)); !errors.Is(err, ErrTooSlow) || !strings.Contains(err.Error(), "0 bytes in 300ms") {
		t.Fatalf("want a too-slow error, got %v", err)
	}
}

// A transfer above the minimum rate goes on across many windows.
func TestSteadyTransferPassesTheRateWatch(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for off := 0; off < len(body); off += 8 << 10 {
			if _, err := w.Write(body[off : off+8<<10]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	}))
	c := guarded(t, Options{AllowLoopback: true, MinRate: 16 << 10, RateWindow: 250 * time.Millisecond})
	var size int64
	if err := c.Fetch(t.Context(), srv.URL, func(f *File) error { size = f.Size; return nil }); err != nil || size != int64(len(body)) {
		t.Fatalf("steady transfer: %d bytes, %v", size, err)
	}
}

// One tenant runs at most MaxPerTenant fetches; more fail at once with a
// retryable ErrBusy, other tenants and untagged fetches go on.
func TestTenantCap(t *testing.T) {
	release := make(chan struct{})
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		_, _ = w.Write([]byte("ok"))
	}))
	c := guarded(t, Options{AllowLoopback: true})
	ok := func(*File) error { return nil }
	shop := WithTenant(t.Context(), "shop")
	held := make(chan error, 1)
	go func() { held <- c.Fetch(shop, srv.URL+"/hold", ok) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		n := c.tenants["shop"]
		c.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first fetch did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	err := c.Fetch(shop, srv.URL+"/now", ok)
	if !errors.Is(err, ErrBusy) || IsPermanent(err) || !strings.Contains(err.Error(), `"shop" already runs 1`) {
		t.Fatalf("a second fetch of the same tenant: want a retryable ErrBusy, got %v", err)
	}
	if err := c.Fetch(WithTenant(t.Context(), "other"), srv.URL+"/now", ok); err != nil {
		t.Fatalf("another tenant: %v", err)
	}
	if err := c.Fetch(t.Context(), srv.URL+"/now", ok); err != nil {
		t.Fatalf("no tenant: %v", err)
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatalf("the held fetch: %v", err)
	}
	if err := c.Fetch(shop, srv.URL+"/now", ok); err != nil {
		t.Fatalf("the tenant after its fetch ended: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	c := New(Options{})
	if c.opts.MaxBytes != 50<<20 || c.opts.MaxRedirects != 5 || c.opts.Timeout != DefaultTimeout || c.opts.ConnectTimeout != DefaultConnectTimeout || c.opts.AllowLoopback ||
		c.opts.MinRate != 32<<10 || c.opts.RateWindow != 10*time.Second || c.opts.MaxPerTenant != 1 {
		t.Fatalf("defaults: %+v", c.opts)
	}
	if tr := c.hc.Transport.(*http.Transport); tr.Proxy != nil {
		t.Fatal("the transport must not use a proxy from the environment")
	}
}

// A host name that does not exist is permanent: the DNS answers so for
// good. A resolver that times out or fails for now is worth a retry.
func TestUnknownHostIsPermanent(t *testing.T) {
	c := guarded(t, Options{Resolver: fakeDNS(t, map[string]netip.Addr{})})
	err := c.Fetch(t.Context(), "https://no-such-shop.example.com/clip.mp4", func(*File) error { return nil })
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound || !IsPermanent(err) {
		t.Fatalf("an unknown host: %v (permanent %v)", err, IsPermanent(err))
	}
	for _, e := range []*net.DNSError{
		{Err: "i/o timeout", Name: "cdn.example.com", IsTimeout: true},
		{Err: "server misbehaving", Name: "cdn.example.com", IsTemporary: true},
	} {
		if IsPermanent(fmt.Errorf("safefetch: x: %w", e)) {
			t.Errorf("%v is permanent", e)
		}
	}
}
