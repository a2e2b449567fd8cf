package security

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Path traversal (held): the public media, asset and page routes never
// serve a file outside what they publish — the catalog, the issuer's
// private key, the dead letters or the sources — in any encoding, while the
// seller's own published avatar is served.
func TestAttackPathTraversal(t *testing.T) {
	s := startStack(t)
	sl := s.newSeller(t, "own.shop")
	body, ct := multipartBody(t, part{name: "avatar", filename: "a.png", contentType: "image/png", value: string(pngBytes(t, 200, 200))})
	if a := s.do(t, request{method: "POST", path: "/api/seller/profile/avatar", body: body, contentType: ct, token: sl.token}); a.status != 200 {
		t.Fatalf("avatar: %s", a)
	}
	profile := decode[struct{ AvatarURL string }](t, s.json(t, "GET", "/api/seller/profile", sl.token, nil), 200)
	u, err := url.Parse(profile.AvatarURL)
	if err != nil || !strings.HasPrefix(u.Path, "/media/") {
		t.Fatalf("avatar URL %q", profile.AvatarURL)
	}
	if a := s.do(t, request{method: "GET", path: u.Path}); a.status != 200 {
		t.Fatalf("the published avatar: %s", a)
	}
	dir := u.Path[:strings.LastIndex(u.Path, "/")+1] // a real media directory to climb out of
	for _, p := range []string{
		"/media/..%2fcatalog.db", "/media/../catalog.db", "/media/%2e%2e/catalog.db", "/media/%2e%2e%2fcatalog.db", "/media/..%5ccatalog.db",
		"/media/..%252fcatalog.db", dir + "..%2f..%2f..%2fcatalog.db", dir + "%2e%2e%2f%2e%2e%2f%2e%2e%2fauth%2fissuer-key.pem",
		"/media/..%2fauth%2fissuer-key.pem", "/media/..%2fdeadletters%2f", "/media//etc/passwd", "/media/%00catalog.db",
		"/assets/..%2f..%2fgo.mod", "/auth/assets/..%2fpages.go", "/s/own.shop/v/..%2f..%2f..%2fcatalog.db",
	} {
		a := s.do(t, request{method: "GET", path: p})
		leaked := strings.Contains(string(a.body), "SQLite format") || strings.Contains(string(a.body), "PRIVATE KEY") ||
			strings.Contains(string(a.body), "module ") || strings.Contains(string(a.body), "root:")
		try(t, "path traversal", p, (a.status == http.StatusNotFound || a.status == http.StatusBadRequest) && !leaked, "%s", a)
	}
}
