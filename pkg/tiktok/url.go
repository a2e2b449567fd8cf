// Package tiktok knows TikTok from the outside: the forms of its video URLs
// (ParseVideoURL), its short links (Resolver), its oEmbed endpoint, which
// names a video's author and cover (OEmbedClient), and the Apify actor that
// scrapes a profile's posts (ApifyClient) with the items it returns, from the
// API or from an export file (DecodeJSON, DecodeCSV).
package tiktok

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/buylink/buylink/pkg/catalog"
)

// Hosts that serve TikTok video pages, and the hosts of its short links.
var (
	pageHosts  = map[string]bool{"tiktok.com": true, "www.tiktok.com": true, "m.tiktok.com": true}
	shortHosts = map[string]bool{"vm.tiktok.com": true, "vt.tiktok.com": true}
)

var (
	idRE    = regexp.MustCompile(`^[0-9]+$`)
	codeRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{5,32}$`)
	mobileV = regexp.MustCompile(`^([^.]*)(\.html?)?$`)
)

// VideoRef is what a TikTok video URL says.
type VideoRef struct {
	// ID is the numeric video id; empty for a short link, which must be
	// resolved first (Resolver).
	ID string
	// Handle is the author's handle when the URL names it (normalised).
	Handle string
	// ShortURL is the short link (vm.tiktok.com, vt.tiktok.com or
	// www.tiktok.com/t/...) when the URL is one.
	ShortURL string
}

// IsShort reports whether the reference is a short link without an id.
func (r VideoRef) IsShort() bool { return r.ShortURL != "" }

// PageURL is the canonical page of the video, by the given handle when the
// URL named none: https://www.tiktok.com/@<handle>/video/<id>.
func (r VideoRef) PageURL(handle string) string {
	if r.Handle != "" {
		handle = r.Handle
	}
	return "https://www.tiktok.com/@" + handle + "/video/" + r.ID
}

// ParseVideoURL reads a TikTok video URL in any of its real forms:
//
//	https://www.tiktok.com/@user/video/7524354452762037512 (also tiktok.com,
//	m.tiktok.com, with query strings, fragments and a trailing slash)
//	https://m.tiktok.com/v/7524354452762037512.html
//	https://www.tiktok.com/embed/v2/7524354452762037512
//	https://www.tiktok.com/video/7524354452762037512 and
//	https://www.tiktok.com/@/video/7524354452762037512 (no handle)
//	https://vm.tiktok.com/ZMabc123/, https://vt.tiktok.com/ZSabc123/,
//	https://www.tiktok.com/t/ZTabc123/ (short links: ShortURL set, no ID)
//
// Anything else is a catalog invalid error on field that says what is wrong:
// another scheme or host (look-alikes such as tiktok.com.evil.io included),
// a photo post, a profile, a missing or non-numeric id, a URL over
// catalog.MaxURLLength bytes.
func ParseVideoURL(field, raw string) (VideoRef, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return VideoRef{}, catalog.Invalid(field, "is required")
	}
	if len(raw) > catalog.MaxURLLength {
		return VideoRef{}, catalog.Invalid(field, "must be at most %d bytes (got %d)", catalog.MaxURLLength, len(raw))
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
		return VideoRef{}, catalog.Invalid(field, "must not contain spaces, control or formatting characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return VideoRef{}, catalog.Invalid(field, "is not a valid URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		if scheme == "" {
			return VideoRef{}, catalog.Invalid(field, "must be an absolute https URL of a TikTok video")
		}
		return VideoRef{}, catalog.Invalid(field, "must be an http or https URL (got scheme %q)", clip(scheme, 20))
	}
	if u.User != nil {
		return VideoRef{}, catalog.Invalid(field, "must not contain user information")
	}
	if p := u.Port(); p != "" && p != "443" && p != "80" {
		return VideoRef{}, catalog.Invalid(field, "must not name a port (got %q)", clip(p, 10))
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	segs := pathSegments(u.EscapedPath())
	switch {
	case shortHosts[host]:
		if len(segs) != 1 || !codeRE.MatchString(segs[0]) {
			return VideoRef{}, catalog.Invalid(field, "is a TikTok short link without a valid code")
		}
		return VideoRef{ShortURL: "https://" + host + "/" + segs[0] + "/"}, nil
	case !pageHosts[host]:
		if host == "" {
			return VideoRef{}, catalog.Invalid(field, "must have a host")
		}
		return VideoRef{}, catalog.Invalid(field, "must be a tiktok.com video URL (got host %q)", clip(host, 60))
	}
	return parsePagePath(field, host, segs)
}

// parsePagePath reads the path of a www/m.tiktok.com URL.
func parsePagePath(field, host string, segs []string) (VideoRef, error) {
	switch {
	case len(segs) == 2 && segs[0] == "t":
		if !codeRE.MatchString(segs[1]) {
			return VideoRef{}, catalog.Invalid(field, "is a TikTok short link without a valid code")
		}
		return VideoRef{ShortURL: "https://www.tiktok.com/t/" + segs[1] + "/"}, nil
	case len(segs) == 3 && segs[0] == "@" && segs[1] == "video", len(segs) == 2 && segs[0] == "video":
		// Handle-less forms (short links may lead to /@/video/<id>).
		id, err := videoID(field, segs[len(segs)-1])
		return VideoRef{ID: id}, err
	case len(segs) >= 1 && strings.HasPrefix(segs[0], "@"):
		handle := catalog.NormalizeHandle(segs[0])
		if err := catalog.ValidateHandle(field, handle); err != nil {
			return VideoRef{}, catalog.Invalid(field, "names @%s, which is not a valid TikTok handle", clip(handle, 30))
		}
		if len(segs) == 1 {
			return VideoRef{}, catalog.Invalid(field, "is the profile of @%s, not one of its videos", handle)
		}
		switch segs[1] {
		case "photo":
			return VideoRef{}, catalog.Invalid(field, "is a TikTok photo post; only video posts can be added this way")
		case "video":
		default:
			return VideoRef{}, catalog.Invalid(field, "is not a TikTok video URL (expected /@%s/video/<id>)", handle)
		}
		if len(segs) < 3 {
			return VideoRef{}, catalog.Invalid(field, "has no video id (expected /@%s/video/<id>)", handle)
		}
		if len(segs) > 3 {
			return VideoRef{}, catalog.Invalid(field, "has unexpected path segments after the video id")
		}
		id, err := videoID(field, segs[2])
		return VideoRef{ID: id, Handle: handle}, err
	case host == "m.tiktok.com" && len(segs) == 2 && segs[0] == "v":
		m := mobileV.FindStringSubmatch(segs[1])
		if m == nil {
			return VideoRef{}, catalog.Invalid(field, "has no video id")
		}
		id, err := videoID(field, m[1])
		return VideoRef{ID: id}, err
	case len(segs) >= 2 && segs[0] == "embed":
		rest := segs[1:]
		if rest[0] == "v2" {
			rest = rest[1:]
		}
		if len(rest) != 1 {
			return VideoRef{}, catalog.Invalid(field, "has no video id")
		}
		id, err := videoID(field, rest[0])
		return VideoRef{ID: id}, err
	}
	return VideoRef{}, catalog.Invalid(field, "is not a TikTok video URL (expected https://www.tiktok.com/@<handle>/video/<id>)")
}

func videoID(field, s string) (string, error) {
	if s == "" {
		return "", catalog.Invalid(field, "has no video id")
	}
	if !idRE.MatchString(s) {
		return "", catalog.Invalid(field, "has a video id that is not numeric (got %q)", clip(s, 30))
	}
	if err := catalog.ValidateVideoID(field, s); err != nil {
		return "", catalog.Invalid(field, "has a video id that is too long (%d digits)", len(s))
	}
	return s, nil
}

// pathSegments splits an escaped path into its unescaped, non-empty segments.
func pathSegments(escaped string) []string {
	var out []string
	for s := range strings.SplitSeq(escaped, "/") {
		if s == "" {
			continue
		}
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		out = append(out, s)
	}
	return out
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
