package security

import (
	"net/http"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
)

// privateHosts are internal addresses in every form a browser or a fetcher
// reads as one (issue 13, item 4): WHATWG numeric IPv4 forms, IDNA digits,
// IPv6 with IPv4 inside, and the private, loopback, link-local, CGNAT and
// metadata ranges.
var privateHosts = []string{
	"127.0.0.1", "127.1", "0x7f.1", "0177.0.0.1", "0x7f000001", "2130706433", "017700000001", "127.0.0.1.", "localhost", "LOCALHOST.",
	"0xa9.0xfe.0xa9.0xfe", "169.254.169.254", "2852039166", "10.1", "192.168.1", "172.16.0.1", "100.64.0.1", "0.0.0.0", "0",
	"①②⑦.0.0.1", "１２７.０.０.１", "127。0。0。1", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:a9fe:a9fe]",
	"[64:ff9b::a9fe:a9fe]", "[2002:7f00:1::]", "[fe80::1]", "[fc00::1]", "[::]", "[fd00:ec2::254]",
}

// SSRF and disguised private addresses (issue 13, item 4, fixed): a buy
// link, a link, an avatar or a video's media URL naming an internal address
// in any form is refused with 400 naming the field, and nothing is stored
// (so /r/ never sends shoppers there and no fetch is made).
func TestAttackDisguisedPrivateAddresses(t *testing.T) {
	const videoID = "7524354452762037512"
	s := startStack(t, knows(oembedtest.Video{ID: videoID, Author: "own.shop"}))
	sl := s.newSeller(t, "own.shop")
	before := s.ownState(t, sl)
	newcomer := s.devToken(t, map[string]string{"sub": "local|newcomer"})
	for _, h := range privateHosts {
		for _, u := range []string{"http://" + h + "/x", "https://" + h + ":8443/latest/meta-data/"} {
			fields := []struct {
				field, method, path, token string
				// named is the field as the error names it.
				named string
				body  map[string]any
			}{
				{"buyUrl", "POST", "/api/seller/products", sl.token, "buyUrl", map[string]any{"title": "Mug", "buyUrl": u}},
				{"url", "POST", "/api/seller/links", sl.token, "url", map[string]any{"title": "Store", "url": u}},
				{"avatarUrl", "POST", "/api/sellers", newcomer, "avatarUrl", map[string]any{"handle": "newcomer", "displayName": "N", "avatarUrl": u}},
				{"media_url", "POST", "/api/videos", sl.token, "mediaUrl", map[string]any{"video_url": "https://www.tiktok.com/@own.shop/video/" + videoID,
					"seller_handle": "own.shop", "media_url": u}},
			}
			for _, f := range fields {
				a := s.json(t, f.method, f.path, f.token, f.body)
				try(t, "private address in a user URL", f.field+" "+u, a.status == http.StatusBadRequest && strings.HasPrefix(a.message(), f.named+":"), "%s", a)
			}
		}
	}
	if after := s.ownState(t, sl); after != before {
		t.Fatalf("refused URLs were stored:\nbefore %s\nafter  %s", before, after)
	}
	if a := s.json(t, "GET", "/api/sellers/me", newcomer, nil); a.status != http.StatusNotFound {
		t.Fatalf("a seller with a private avatar URL was created: %s", a)
	}
	// The same URLs on a public host are accepted: the refusals are the addresses'.
	if a := s.json(t, "POST", "/api/seller/products", sl.token, map[string]any{"title": "Mug", "buyUrl": "https://shop.example.com/x"}); a.status != 201 {
		t.Fatalf("a public buy URL: %s", a)
	}
}
