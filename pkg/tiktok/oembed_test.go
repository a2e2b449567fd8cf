package tiktok

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/safefetch"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
)

const oembedVideoID = "7519023456789012345"

func testOEmbedClient(t *testing.T, endpoint string) *OEmbedClient {
	t.Helper()
	c, err := NewOEmbedClient(OEmbedOptions{Endpoint: endpoint, Fetch: safefetch.Options{AllowLoopback: true}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bodyServer answers every request with status and body.
func bodyServer(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/oembed"
}

func mustRef(t *testing.T, raw string) VideoRef {
	t.Helper()
	ref, err := ParseVideoURL("video_url", raw)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestOEmbedDecodesTheRecordedShape(t *testing.T) {
	body, err := os.ReadFile("testdata/oembed_video.json")
	if err != nil {
		t.Fatal(err)
	}
	c := testOEmbedClient(t, bodyServer(t, http.StatusOK, string(body)))
	o, err := c.Lookup(t.Context(), "video_url", mustRef(t, "https://m.tiktok.com/v/"+oembedVideoID+".html"))
	if err != nil {
		t.Fatal(err)
	}
	want := OEmbed{
		Version: "1.0", Type: "video", AuthorURL: "https://www.tiktok.com/@lumen.desk", AuthorName: "Lumen Desk Co.",
		AuthorUniqueID: "lumen.desk", EmbedProductID: oembedVideoID, EmbedType: "video",
		ThumbnailWidth: 576, ThumbnailHeight: 1024, ProviderURL: "https://www.tiktok.com", ProviderName: "TikTok",
		Width: "100%", Height: "100%", Handle: "lumen.desk", VideoID: oembedVideoID,
	}
	got := o
	got.Title, got.HTML, got.ThumbnailURL = "", "", ""
	if got != want {
		t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
	}
	if !strings.HasPrefix(o.Title, "3 desk gadgets") || !strings.Contains(o.HTML, `data-video-id="`+oembedVideoID+`"`) ||
		!strings.HasPrefix(o.ThumbnailURL, "https://p16-sign-va.tiktokcdn.com/") {
		t.Errorf("title %q, html %q, thumbnail %q", o.Title, o.HTML, o.ThumbnailURL)
	}
}

// The fake speaks the recorded shape: the same keys, no more, no fewer.
func TestOEmbedFakeKeepsTheRecordedShape(t *testing.T) {
	keys := func(b []byte) []string {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	recorded, err := os.ReadFile("testdata/oembed_video.json")
	if err != nil {
		t.Fatal(err)
	}
	fake, _ := json.Marshal(oembedtest.AnswerFor(oembedtest.Video{ID: "1", Author: "a_b", Title: "t"}))
	if r, f := keys(recorded), keys(fake); !slices.Equal(r, f) {
		t.Fatalf("recorded keys %v\nfake keys     %v", r, f)
	}
}

func TestOEmbedLookupAsksByTheVideo(t *testing.T) {
	fake := oembedtest.NewServer(t, oembedtest.Video{ID: oembedVideoID, Author: "lumen.desk", Title: "Desk lamp <3"})
	c := testOEmbedClient(t, fake.Endpoint())
	for _, tc := range []struct{ raw, asked string }{
		{"https://m.tiktok.com/v/" + oembedVideoID + ".html", "https://www.tiktok.com/video/" + oembedVideoID},
		{"https://www.tiktok.com/embed/v2/" + oembedVideoID, "https://www.tiktok.com/video/" + oembedVideoID},
		// A URL naming someone else: TikTok answers by the id, with the real author.
		{"https://www.tiktok.com/@someone_else/video/" + oembedVideoID + "?lang=en", "https://www.tiktok.com/@someone_else/video/" + oembedVideoID},
	} {
		o, err := c.Lookup(t.Context(), "video_url", mustRef(t, tc.raw))
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		if o.Handle != "lumen.desk" || o.VideoID != oembedVideoID || o.Title != "Desk lamp <3" {
			t.Errorf("%s: %+v", tc.raw, o)
		}
		if asked := fake.Asked(); asked[len(asked)-1] != tc.asked {
			t.Errorf("%s: asked about %q, want %q", tc.raw, asked[len(asked)-1], tc.asked)
		}
	}
}

func TestOEmbedFailuresSayWhatHappened(t *testing.T) {
	recorded := func(name string) string {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	answer := func(mutate func(*oembedtest.Answer)) string {
		a := oembedtest.AnswerFor(oembedtest.Video{ID: oembedVideoID, Author: "lumen.desk"})
		mutate(&a)
		b, _ := json.Marshal(a)
		return string(b)
	}
	cases := []struct {
		name   string
		status int
		body   string
		code   catalog.Code
		cause  error
		msg    string
	}{
		{"private or removed (400)", 400, recorded("oembed_error.json"), catalog.CodeInvalid, ErrVideoUnavailable, "video_url: is a TikTok video that TikTok does not show publicly"},
		{"error body with 200", 200, recorded("oembed_status_error.json"), catalog.CodeInvalid, ErrVideoUnavailable, "private, removed or not embeddable"},
		{"forbidden", 403, "", catalog.CodeInvalid, ErrVideoUnavailable, "does not show publicly"},
		{"not found", 404, "", catalog.CodeInvalid, ErrVideoNotFound, "video_url: is a TikTok video that does not exist"},
		{"rate limited", 429, recorded("oembed_error.json"), catalog.CodeUnavailable, ErrRateLimited, "TikTok is limiting our lookups"},
		{"server error", 502, "", catalog.CodeUnavailable, nil, "TikTok failed to look up video " + oembedVideoID + " (status 502)"},
		{"not JSON", 200, "<html>captcha</html>", catalog.CodeUnavailable, nil, "was not oEmbed JSON"},
		{"another video", 200, answer(func(a *oembedtest.Answer) { a.EmbedProductID = "42" }), catalog.CodeUnavailable, nil, "another video"},
		{"no author", 200, answer(func(a *oembedtest.Answer) { a.AuthorUniqueID, a.AuthorURL = "", "" }), catalog.CodeUnavailable, nil, "did not say who posted"},
		{"invalid author", 200, answer(func(a *oembedtest.Answer) { a.AuthorUniqueID = "<script>" }), catalog.CodeUnavailable, nil, "did not say who posted"},
		{"author on another site", 200, answer(func(a *oembedtest.Answer) { a.AuthorUniqueID, a.AuthorURL = "", "https://evil.example/@lumen.desk" }), catalog.CodeUnavailable, nil, "did not say who posted"},
		{"oversized", 200, `{"title":"` + strings.Repeat("x", 2<<20) + `"}`, catalog.CodeUnavailable, safefetch.ErrTooLarge, "was too large"},
	}
	ref := mustRef(t, "https://m.tiktok.com/v/"+oembedVideoID+".html")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testOEmbedClient(t, bodyServer(t, tc.status, tc.body)).Lookup(t.Context(), "video_url", ref)
			var de *catalog.Error
			if !errors.As(err, &de) || de.Code != tc.code || !strings.Contains(de.PublicMessage(), tc.msg) {
				t.Fatalf("got %v, want %s %q", err, tc.code, tc.msg)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Fatalf("%v does not wrap %v", err, tc.cause)
			}
		})
	}
}

func TestOEmbedAuthorFromAuthorURL(t *testing.T) {
	body := func() string {
		a := oembedtest.AnswerFor(oembedtest.Video{ID: oembedVideoID, Author: "Lumen.Desk"})
		a.AuthorUniqueID, a.EmbedProductID = "", ""
		b, _ := json.Marshal(a)
		return string(b)
	}()
	o, err := testOEmbedClient(t, bodyServer(t, 200, body)).Lookup(t.Context(), "video_url", mustRef(t, "https://m.tiktok.com/v/"+oembedVideoID+".html"))
	if err != nil || o.Handle != "lumen.desk" || o.VideoID != oembedVideoID {
		t.Fatalf("%+v %v", o, err)
	}
}

func TestOEmbedDropsANonPublicThumbnail(t *testing.T) {
	fake := oembedtest.NewServer(t, oembedtest.Video{ID: oembedVideoID, Author: "lumen.desk", ThumbnailURL: "http://169.254.169.254/latest/meta-data/"})
	o, err := testOEmbedClient(t, fake.Endpoint()).Lookup(t.Context(), "video_url", mustRef(t, "https://m.tiktok.com/v/"+oembedVideoID+".html"))
	if err != nil || o.ThumbnailURL != "" || o.Handle != "lumen.desk" {
		t.Fatalf("%+v %v", o, err)
	}
}

// The endpoint is the operator's setting, so a loopback one (a fake) is
// reached; everything else goes by safefetch's production policy: a
// redirect to an internal address, or a private endpoint, is never followed.
func TestOEmbedGoesThroughSafefetch(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	ref := mustRef(t, "https://m.tiktok.com/v/"+oembedVideoID+".html")
	c, err := NewOEmbedClient(OEmbedOptions{Endpoint: srv.URL + "/oembed"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Lookup(t.Context(), "video_url", ref)
	if !errors.Is(err, safefetch.ErrBlocked) || !catalog.IsCode(err, catalog.CodeUnavailable) || hits.Load() != 1 {
		t.Fatalf("the redirect to the metadata service was not refused: %v (hits %d)", err, hits.Load())
	}
	c, err = NewOEmbedClient(OEmbedOptions{Endpoint: "http://10.0.0.1/oembed"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = c.Lookup(t.Context(), "video_url", ref); !errors.Is(err, safefetch.ErrBlocked) {
		t.Fatalf("a private endpoint was not refused: %v", err)
	}
}

func TestOEmbedRefusesShortLinksAndBadEndpoints(t *testing.T) {
	c := testOEmbedClient(t, "http://127.0.0.1:1/oembed")
	if _, err := c.Lookup(t.Context(), "video_url", mustRef(t, "https://vm.tiktok.com/ZMhvqjqjP/")); !catalog.IsCode(err, catalog.CodeInvalid) {
		t.Errorf("short link: %v", err)
	}
	for _, ep := range []string{"ftp://x/oembed", "https://www.tiktok.com/oembed?url=x", "not a url", "https:///oembed"} {
		if _, err := NewOEmbedClient(OEmbedOptions{Endpoint: ep}); err == nil {
			t.Errorf("endpoint %q accepted", ep)
		}
	}
}
