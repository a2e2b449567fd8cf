// Package oembedtest is a fake of TikTok's oEmbed endpoint for tests. It
// answers GET /oembed?url=<video URL> in the endpoint's wire format: the
// answer object of a known public video (the shape of
// pkg/tiktok/testdata/oembed_video.json), 400 {"code":400,"message":"Something
// went wrong"} for a private, removed or unknown one (TikTok does not tell
// them apart), and any status a test forces. Like TikTok, it answers by the
// video id, whatever handle the asked URL names.
package oembedtest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"
)

// Video is a video the fake knows.
type Video struct {
	ID string
	// Author is the author's handle (author_unique_id).
	Author string
	// AuthorName is the display name (default: the handle).
	AuthorName string
	Title      string
	// ThumbnailURL is the cover (default: a tiktokcdn URL).
	ThumbnailURL string
	// Private makes the fake answer as TikTok does for a private or removed video.
	Private bool
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	srv    *httptest.Server
	mu     sync.Mutex
	videos map[string]Video
	forced []int
	asked  []string
}

// NewServer starts a fake on 127.0.0.1, stopped when the test ends.
func NewServer(t testing.TB, videos ...Video) *Server {
	t.Helper()
	s := &Server{videos: map[string]Video{}}
	for _, v := range videos {
		s.Add(v)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// Endpoint is the fake's oEmbed endpoint, for tiktok.OEmbedOptions.Endpoint.
func (s *Server) Endpoint() string { return s.srv.URL + "/oembed" }

// Add makes the fake know v (replacing a video with its id).
func (s *Server) Add(v Video) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.videos[v.ID] = v
}

// Force makes the next len(statuses) requests answer these statuses, with
// TikTok's error body (429 with Retry-After: 60).
func (s *Server) Force(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forced = append(s.forced, statuses...)
}

// Asked returns the url parameters of the requests so far, in order.
func (s *Server) Asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// Answer is the endpoint's answer object for a video.
type Answer struct {
	Version         string `json:"version"`
	Type            string `json:"type"`
	Title           string `json:"title"`
	AuthorURL       string `json:"author_url"`
	AuthorName      string `json:"author_name"`
	Width           string `json:"width"`
	Height          string `json:"height"`
	HTML            string `json:"html"`
	ThumbnailWidth  int    `json:"thumbnail_width"`
	ThumbnailHeight int    `json:"thumbnail_height"`
	ThumbnailURL    string `json:"thumbnail_url"`
	ProviderURL     string `json:"provider_url"`
	ProviderName    string `json:"provider_name"`
	AuthorUniqueID  string `json:"author_unique_id"`
	EmbedProductID  string `json:"embed_product_id"`
	EmbedType       string `json:"embed_type"`
}

// AnswerFor is what the fake answers for v.
func AnswerFor(v Video) Answer {
	name := v.AuthorName
	if name == "" {
		name = v.Author
	}
	thumb := v.ThumbnailURL
	if thumb == "" {
		thumb = "https://p16-sign-va.tiktokcdn.com/obj/tos-maliva-p-0068/cover" + v.ID + "?x-expires=1752001200&x-signature=c2lnbmF0dXJl"
	}
	page := "https://www.tiktok.com/@" + v.Author + "/video/" + v.ID
	return Answer{
		Version: "1.0", Type: "video", Title: v.Title, AuthorURL: "https://www.tiktok.com/@" + v.Author, AuthorName: name,
		Width: "100%", Height: "100%",
		HTML: fmt.Sprintf(`<blockquote class="tiktok-embed" cite="%s" data-video-id="%s" data-embed-from="oembed" style="max-width:605px;min-width:325px;"> <section> <a target="_blank" title="@%s" href="https://www.tiktok.com/@%s?refer=embed">@%s</a> <p>%s</p> </section> </blockquote> <script async src="https://www.tiktok.com/embed.js"></script>`,
			page, v.ID, v.Author, v.Author, v.Author, html.EscapeString(v.Title)),
		ThumbnailWidth: 576, ThumbnailHeight: 1024, ThumbnailURL: thumb,
		ProviderURL: "https://www.tiktok.com", ProviderName: "TikTok",
		AuthorUniqueID: v.Author, EmbedProductID: v.ID, EmbedType: "video",
	}
}

// The video URL forms the endpoint knows: /@handle/video/<id>, /@/video/<id>
// and /video/<id> on www.tiktok.com, tiktok.com and m.tiktok.com.
var videoURL = regexp.MustCompile(`^https://(?:www\.|m\.)?tiktok\.com/(?:@[^/]*/)?video/([0-9]{1,24})/?(?:[?#].*)?$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != "/oembed" {
		http.NotFound(w, r)
		return
	}
	target := r.URL.Query().Get("url")
	s.mu.Lock()
	s.asked = append(s.asked, target)
	status := 0
	if len(s.forced) > 0 {
		status, s.forced = s.forced[0], s.forced[1:]
	}
	var v Video
	var known bool
	if m := videoURL.FindStringSubmatch(target); m != nil {
		v, known = s.videos[m[1]]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case status != 0:
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "60")
		}
		writeError(w, status)
	case target == "" || !isURL(target):
		writeError(w, http.StatusBadRequest)
	case !known || v.Private:
		writeError(w, http.StatusBadRequest)
	default:
		_ = json.NewEncoder(w).Encode(AnswerFor(v))
	}
}

func writeError(w http.ResponseWriter, status int) {
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"code":%d,"message":"Something went wrong"}`, status)
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host != ""
}
