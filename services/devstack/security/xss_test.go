package security

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// scriptPayloads are what an attacker writes into its shop's texts, hoping
// a page renders them as markup.
var scriptPayloads = []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `<svg onload=alert(3)>`, `</title><script>alert(4)</script>`}

// clip makes an H.264 clip of a phone's shape with ffmpeg.
func clip(t *testing.T, w, h int) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip.mp4")
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size="+strconv.Itoa(w)+"x"+strconv.Itoa(h)+":rate=30:duration=2",
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

// upload posts a video file with a caption and returns its id.
func (s *stack) upload(t *testing.T, sl seller, caption string, file []byte) string {
	t.Helper()
	body, ct := multipartBody(t, part{name: "caption", value: caption}, part{name: "file", filename: "clip.mp4", contentType: "video/mp4", value: string(file)})
	return decode[catalog.Video](t, s.do(t, request{method: "POST", path: "/api/seller/videos", body: body, contentType: ct, token: sl.token}), http.StatusAccepted).ID
}

// XSS (held): script payloads in a shop's name, bio, product titles and
// codes, link titles and video captions are rendered escaped on the shop,
// the video page and the dashboard, under a CSP allowing no inline script;
// script URLs are refused where they are written.
func TestAttackXSS(t *testing.T) {
	s := startStack(t)
	sl := s.newSeller(t, "xss.shop")
	p := scriptPayloads
	if a := s.json(t, "PATCH", "/api/seller/profile", sl.token, map[string]any{"displayName": p[0], "bio": p[1] + p[2]}); a.status != 200 {
		t.Fatalf("profile: %s", a)
	}
	for i, payload := range p {
		if a := s.json(t, "POST", "/api/seller/products", sl.token, map[string]any{"title": payload + " mug", "priceMinor": 1000 + i, "currency": "USD",
			"buyUrl": "https://shop.example.com/p?q=" + url.QueryEscape(payload), "discountCode": "X" + strconv.Itoa(i), "tags": []string{payload}}); a.status != 201 && a.status != 400 {
			t.Fatalf("product %q: %s", payload, a)
		}
		if a := s.json(t, "POST", "/api/seller/links", sl.token, map[string]any{"title": payload, "url": "https://shop.example.com/l?q=" + url.QueryEscape(payload)}); a.status != 201 {
			t.Fatalf("link %q: %s", payload, a)
		}
	}
	video := s.settle(t, sl, s.upload(t, sl, p[3]+" Lamp "+p[0]+" $45 shop.example.com/lamp", clip(t, 344, 612)))
	try(t, "frame reader overflow sizes", "H.264 344x612 upload", video.Status == catalog.VideoReady && len(video.Thumbnails) > 0, "%+v", video)
	if video.Status != catalog.VideoReady {
		t.FailNow()
	}
	// Script URLs never get in.
	for _, u := range []string{"javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x"} {
		a := s.json(t, "POST", "/api/seller/links", sl.token, map[string]any{"title": "x", "url": u})
		try(t, "XSS", "link URL "+u, a.status == http.StatusBadRequest && strings.Contains(a.message(), "url"), "%s", a)
		a = s.json(t, "POST", "/api/seller/products", sl.token, map[string]any{"title": "x", "buyUrl": u})
		try(t, "XSS", "buy URL "+u, a.status == http.StatusBadRequest && strings.Contains(a.message(), "buyUrl"), "%s", a)
	}
	a := s.json(t, "PATCH", "/api/seller/profile", sl.token, map[string]any{"accentColor": "red;}</style><script>alert(1)</script>"})
	try(t, "XSS", "accent colour breaking out of CSS", a.status == http.StatusBadRequest && strings.Contains(a.message(), "accentColor"), "%s", a)

	pages := []struct {
		path    string
		browser bool
	}{
		{"/s/xss.shop", false}, {"/s/xss.shop/v/" + video.ID, false}, {"/s/xss.shop/theme.css", false},
		{"/dashboard", true}, {"/dashboard/links", true}, {"/dashboard/profile", true}, {"/dashboard/videos", true},
	}
	escaped := 0
	for _, pg := range pages {
		r := request{method: "GET", path: pg.path}
		if pg.browser {
			r.cookies = sl.cookies
		}
		a := s.do(t, r)
		if a.status != 200 {
			t.Fatalf("%s: %s", pg.path, a)
		}
		raw := ""
		for _, payload := range p {
			if i := bytes.Index(a.body, []byte(payload)); i >= 0 {
				raw = payload
			}
		}
		for _, frag := range []string{"<script>alert", "<img src=x onerror", "<svg onload"} {
			if bytes.Contains(a.body, []byte(frag)) {
				raw = frag
			}
		}
		cspOK := strings.HasSuffix(pg.path, ".css") || a.header.Get("Content-Security-Policy") == web.PageCSP
		try(t, "XSS", "rendering "+pg.path, raw == "" && cspOK, "raw %q on the page, CSP %q", raw, a.header.Get("Content-Security-Policy"))
		if bytes.Contains(a.body, []byte("&lt;script&gt;alert(")) {
			escaped++
		}
	}
	if escaped < 5 {
		t.Fatalf("the payloads were escaped on only %d pages: were they stored at all?", escaped)
	}
	// The JSON API escapes markup and is never sniffed as HTML.
	a = s.do(t, request{method: "GET", path: "/api/shops/xss.shop"})
	try(t, "XSS", "shop JSON", a.status == 200 && !bytes.Contains(a.body, []byte("<script>")) && strings.HasPrefix(a.header.Get("Content-Type"), "application/json") &&
		a.header.Get("X-Content-Type-Options") == "nosniff", "%s %v", a, a.header)
}
