package ingestion_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

// mediaEnv is an environment with a media bucket in a temporary directory.
func mediaEnv(t *testing.T, mut func(*ingestion.Deps)) (*env, string) {
	t.Helper()
	dir := t.TempDir()
	m, err := media.Open(t.Context(), "file://"+dir+"?create_dir=1&no_tmp_dir=1", "http://localhost:8080/media")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	e := newEnv(t, func(d *ingestion.Deps) {
		d.Media = m
		if mut != nil {
			mut(d)
		}
	})
	return e, dir
}

// stored counts the media files (not fileblob's attribute files).
func stored(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !strings.HasSuffix(p, ".attrs") {
			n++
		}
		return nil
	})
	return n
}

// mp4 is a one-second H.264 clip at a phone's portrait size.
func mp4(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "v.mp4")
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg (scripts/apt-packages.txt): %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upload posts the upload form; fields come first, as browsers send them.
func (e *env) upload(token string, cookies []*http.Cookie, fields [][2]string, file []byte) response {
	e.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	if file != nil {
		fw, _ := w.CreateFormFile("file", "clip.mp4")
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	req, _ := http.NewRequestWithContext(e.t.Context(), "POST", e.srv.URL+ingestion.PathSellerVideos, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) response {
	e.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// form posts an urlencoded form with the session's cookies.
func (e *env) form(path string, s auth.Session, values url.Values) response {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(e.t.Context(), "POST", e.srv.URL+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range s.Cookies() {
		req.AddCookie(c)
	}
	return e.send(req)
}

func (e *env) session(sub string) auth.Session {
	e.t.Helper()
	s, err := e.issuer.IssueSession(auth.Identity{Sub: sub})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func TestHandleAvailability(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct {
		handle    string
		available bool
		reason    string
	}{
		{"new.shop", true, ""}, {"@New.Shop", true, ""}, {bella, false, "taken"}, {"admin", false, "reserved"},
		{"dashboard", false, "reserved"}, {"x", false, "2-24 characters"}, {"bella.", false, "period"},
	} {
		r := e.do("GET", "/api/handles/"+url.PathEscape(c.handle), "", "")
		var a ingestion.HandleAvailability
		r.decode(t, &a)
		if r.status != 200 || a.Available != c.available || !strings.Contains(a.Reason, c.reason) || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%q: %d %+v", c.handle, r.status, a)
		}
	}
}

func TestClaimYourShopForm(t *testing.T) {
	e := newEnv(t, nil)
	s := e.session("local|newcomer")
	// Without the CSRF token the form is refused and nothing is created.
	if r := e.form("/api/sellers", s, url.Values{"handle": {"new.shop"}, "displayName": {"New"}}); r.status != 403 {
		t.Fatalf("no CSRF token: %d %s", r.status, r.body)
	}
	r := e.form("/api/sellers", s, url.Values{"csrf": {s.CSRF()}, "handle": {"admin"}, "displayName": {"New"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/dashboard/claim" || !strings.Contains(r.header.Get("Set-Cookie"), "buylink_flash=") {
		t.Fatalf("reserved handle: %d %v", r.status, r.header)
	}
	r = e.form("/api/sellers", s, url.Values{"csrf": {s.CSRF()}, "handle": {"new.shop"}, "displayName": {"New Shop"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/dashboard") || strings.Contains(r.header.Get("Location"), "claim") {
		t.Fatalf("claim: %d %v", r.status, r.header)
	}
	if got, err := e.store.GetSellerBySub(t.Context(), "local|newcomer"); err != nil || got.Handle != "new.shop" {
		t.Fatalf("claimed seller: %+v %v", got, err)
	}
}

func TestSellerVideosByURLAndUpload(t *testing.T) {
	e, dir := mediaEnv(t, nil)
	tok := e.token(bellaID)
	// By URL, camelCase JSON.
	r := e.do("POST", ingestion.PathSellerVideos, tok, `{"videoUrl":"`+videoURL+`","caption":"Mug $19.99 shop.example.com/mug"}`)
	var v ingestion.SellerVideo
	r.decode(t, &v)
	if r.status != 202 || v.ID != videoID || v.Caption != "Mug $19.99 shop.example.com/mug" || v.Explanation == "" {
		t.Fatalf("add by URL: %d %s", r.status, r.body)
	}
	// A file alone becomes a video of its own, streamed into media.
	clip := mp4(t)
	r = e.upload(tok, nil, [][2]string{{"caption", "Lamp €45,99"}}, clip)
	r.decode(t, &v)
	if r.status != 202 || !catalog.IsUploadVideoID(v.ID) || v.MediaSource != catalog.MediaFromUpload || !strings.HasPrefix(v.MediaURL, "http://localhost:8080/media/videos/") {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if n := stored(t, dir); n != 1 {
		t.Fatalf("%d files stored, want 1", n)
	}
	// A file for the post added by URL gives that post its video and starts it again.
	r = e.upload(tok, nil, [][2]string{{"videoUrl", videoURL}}, clip)
	r.decode(t, &v)
	if r.status != 202 || v.ID != videoID || v.MediaSource != catalog.MediaFromUpload || v.Attempts != 2 {
		t.Fatalf("upload for a post: %d %s", r.status, r.body)
	}
	var posted int
	for _, env := range e.pub.events() {
		if env.Type == events.TypeVideoPosted {
			posted++
		}
	}
	if posted != 3 {
		t.Fatalf("%d video.posted events, want 3", posted)
	}
	// The listing is the seller's own, newest first.
	r = e.do("GET", ingestion.PathSellerVideos+"?limit=10", tok, "")
	var list ingestion.SellerVideoList
	r.decode(t, &list)
	if r.status != 200 || len(list.Items) != 2 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	r = e.do("GET", ingestion.PathSellerVideos, e.token(otherID), "")
	r.decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("another seller sees %d of bella's videos", len(list.Items))
	}
}

func TestUploadRefusesBadFiles(t *testing.T) {
	e, dir := mediaEnv(t, nil)
	tok := e.token(bellaID)
	clip := mp4(t)
	big := make([]byte, media.MaxVideoBytes+1)
	copy(big, clip[:64])
	for _, c := range []struct {
		name   string
		fields [][2]string
		file   []byte
		status int
		want   string
	}{
		{"a JPEG named .mp4", nil, []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), 400, "not an MP4, MOV or WebM"},
		{"an SVG", nil, []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 400, "not an MP4"},
		{"truncated", nil, clip[:len(clip)*2/3], 400, "truncated"},
		{"over 50 MB", nil, big, 413, "limit of 50 MB"},
		{"another seller's post", [][2]string{{"videoUrl", "https://www.tiktok.com/@other_shop/video/1"}}, clip, 400, "not of your shop"},
		{"an unknown field", [][2]string{{"price", "1"}}, clip, 400, "not a field"},
		{"nothing at all", nil, nil, 400, "give the TikTok link"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.upload(tok, nil, c.fields, c.file)
			if r.status != c.status || !strings.Contains(r.message(t), c.want) {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if n := stored(t, dir); n != 0 {
				t.Fatalf("a refused upload left %d files", n)
			}
		})
	}
	if n := e.countVideos(); n != 0 {
		t.Fatalf("%d videos stored", n)
	}
	// Browser mode: the CSRF part must come before the file.
	s := e.session(bellaID)
	r := e.upload("", s.Cookies(), nil, clip)
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Set-Cookie"), "buylink_flash=") || stored(t, dir) != 0 || e.countVideos() != 0 {
		t.Fatalf("upload without CSRF: %d %v", r.status, r.header)
	}
	r = e.upload("", s.Cookies(), [][2]string{{"csrf", s.CSRF()}, {"caption", "Candle"}}, clip)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/dashboard/videos?done=added" || stored(t, dir) != 1 {
		t.Fatalf("browser upload: %d %v %s", r.status, r.header, r.body)
	}
}

func TestRetryAndReparse(t *testing.T) {
	e, _ := mediaEnv(t, nil)
	tok := e.token(bellaID)
	if r := e.do("POST", ingestion.PathSellerVideos, tok, `{"videoUrl":"`+videoURL+`"}`); r.status != 202 {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	retry := ingestion.PathSellerVideos + "/" + videoID + "/retry"
	if r := e.do("POST", retry, tok, ""); r.status != 409 || !strings.Contains(r.message(t), "only a failed or stuck video") {
		t.Fatalf("retry of a queued video: %d %s", r.status, r.body)
	}
	if _, err := e.store.UpdateVideo(t.Context(), videoID, func(v *catalog.Video) error {
		v.Status, v.FailureReason = catalog.VideoFailed, "thumbnails: the post has neither a video nor images to cut thumbnails from"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Other sellers' ids are not found.
	if r := e.do("POST", retry, e.token(otherID), ""); r.status != 404 {
		t.Fatalf("another seller's retry: %d %s", r.status, r.body)
	}
	r := e.do("POST", retry, tok, "")
	var v ingestion.SellerVideo
	r.decode(t, &v)
	if r.status != 202 || v.Status != catalog.VideoQueued || v.Attempts != 2 || v.FailureReason != "" {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	last := e.pub.events()[len(e.pub.events())-1]
	if last.Type != events.TypeVideoPosted || last.CorrelationID != v.CorrelationID {
		t.Fatalf("retry published %+v", last)
	}
	reparse := ingestion.PathSellerVideos + "/" + videoID + "/reparse"
	if r := e.do("POST", reparse, tok, `{"caption":"New"}`); r.status != 409 {
		t.Fatalf("re-read while running: %d %s", r.status, r.body)
	}
	if _, err := e.store.UpdateVideo(t.Context(), videoID, func(v *catalog.Video) error { v.Status = catalog.VideoReady; return nil }); err != nil {
		t.Fatal(err)
	}
	if r := e.do("POST", reparse, tok, `{"caption":"a\u0000b"}`); r.status != 400 {
		t.Fatalf("bad caption: %d %s", r.status, r.body)
	}
	r = e.do("POST", reparse, tok, `{"caption":"  Mug $12 shop.example.com/m  "}`)
	r.decode(t, &v)
	if r.status != 202 || v.Caption != "Mug $12 shop.example.com/m" || v.Attempts != 3 {
		t.Fatalf("re-read: %d %s", r.status, r.body)
	}
	var p events.VideoPosted
	if err := events.Decode(e.pub.events()[len(e.pub.events())-1], &p); err != nil || p.Caption != v.Caption {
		t.Fatalf("the re-read event carries %q (%v)", p.Caption, err)
	}
	if r := e.do("POST", ingestion.PathSellerVideos+"/123/retry", tok, ""); r.status != 404 {
		t.Fatalf("unknown video: %d", r.status)
	}
}

// coverFinder stands in for TikTok's oEmbed: a cover image only.
type coverFinder struct{ cover string }

func (f coverFinder) FindMedia(_ context.Context, pageURL string) (ingestion.FoundMedia, error) {
	return ingestion.FoundMedia{CoverURL: f.cover, Source: catalog.MediaFromOEmbed}, nil
}

func TestURLOnlyPostsFindTheirMedia(t *testing.T) {
	e := newEnv(t, func(d *ingestion.Deps) {
		d.Finders = []ingestion.MediaFinder{coverFinder{"https://p16-sign.tiktokcdn.com/cover.jpeg"}}
	})
	if r := e.do("POST", ingestion.PathSellerVideos, e.token(bellaID), `{"videoUrl":"`+videoURL+`"}`); r.status != 202 {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	eventually(t, "video.posted with the cover", func() bool { return len(e.pub.events()) == 1 })
	var p events.VideoPosted
	if err := events.Decode(e.pub.events()[0], &p); err != nil || len(p.ImageURLs) != 1 || p.ImageURLs[0] != "https://p16-sign.tiktokcdn.com/cover.jpeg" {
		t.Fatalf("event: %+v %v", p, err)
	}
	v, err := e.store.GetVideo(t.Context(), videoID)
	if err != nil || v.MediaSource != catalog.MediaFromOEmbed || v.CoverURL == "" {
		t.Fatalf("video: %+v %v", v, err)
	}
}
