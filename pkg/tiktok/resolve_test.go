package tiktok

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/urlpolicy"
)

// shortLinkServer answers every short link path with the status and
// Location the test sets, and counts requests and body reads.
func shortLinkServer(t *testing.T, status int, location string) (*Resolver, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if location != "" {
			w.Header().Set("Location", location)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(strings.Repeat("x", 1<<20)))
	}))
	t.Cleanup(srv.Close)
	target, _ := url.Parse(srv.URL)
	// The test client sends every request, whatever its host, to the server.
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = target.Scheme, target.Host
		return http.DefaultTransport.RoundTrip(r)
	})}
	return &Resolver{Client: client}, &hits
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestResolverFollowsOneRedirectToAVideo(t *testing.T) {
	ref, _ := ParseVideoURL("video_url", "https://vm.tiktok.com/ZMhvqjqjP/")
	r, hits := shortLinkServer(t, http.StatusMovedPermanently, "https://www.tiktok.com/@meenitech/video/7524354452762037512?_t=8nX&_r=1")
	got, err := r.Resolve(t.Context(), "video_url", ref)
	if err != nil || got.ID != "7524354452762037512" || got.Handle != "meenitech" || got.IsShort() {
		t.Fatalf("resolved %+v %v", got, err)
	}
	if hits.Load() != 1 {
		t.Fatalf("requests %d", hits.Load())
	}
	full, _ := ParseVideoURL("video_url", "https://www.tiktok.com/@a_b/video/1")
	if same, err := r.Resolve(t.Context(), "video_url", full); err != nil || same != full || hits.Load() != 1 {
		t.Fatal("a full URL must not be fetched")
	}
}

func TestResolverRefusesBadTargets(t *testing.T) {
	ref, _ := ParseVideoURL("video_url", "https://vt.tiktok.com/ZSFxyz12a/")
	cases := []struct {
		status   int
		location string
		code     catalog.Code
		want     string
	}{
		{302, "https://tiktok.com.evil.io/@x/video/1", catalog.CodeInvalid, "does not lead to a TikTok video"},
		{302, "http://169.254.169.254/latest/meta-data/", catalog.CodeInvalid, "does not lead to a TikTok video"},
		{302, "https://vm.tiktok.com/ZMother12/", catalog.CodeInvalid, "does not lead to a TikTok video"},
		{302, "https://www.tiktok.com/@x/photo/1", catalog.CodeInvalid, "does not lead to a TikTok video"},
		{302, "", catalog.CodeInvalid, "does not lead to a video"},
		{200, "", catalog.CodeInvalid, "status 200"},
		{404, "", catalog.CodeInvalid, "does not exist"},
		{503, "", catalog.CodeUnavailable, "status 503"},
	}
	for _, c := range cases {
		r, hits := shortLinkServer(t, c.status, c.location)
		_, err := r.Resolve(t.Context(), "video_url", ref)
		if catalog.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d %q: got %v", c.status, c.location, err)
		}
		if hits.Load() != 1 {
			t.Errorf("%d %q: %d requests, a redirect must never be followed", c.status, c.location, hits.Load())
		}
	}
}

func TestResolverDefaultClientRefusesNonPublicAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, err := publicOnlyClient.Get(srv.URL)
	if !errors.Is(err, urlpolicy.ErrNotPublic) || !strings.Contains(err.Error(), "refusing to connect to 127.0.0.1") || hits.Load() != 0 {
		t.Fatalf("loopback reached: %v", err)
	}
}
