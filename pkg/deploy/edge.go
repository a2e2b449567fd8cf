package deploy

import (
	"fmt"
	"strings"
)

// MediaMount is the URL path the media bucket's public objects are served
// under: PUBLIC_URL/media/<key> (product-service locally; the edge's
// media bucket origin on AWS).
const MediaMount = "/media/"

// PublicMediaPrefixes are the media folders anyone may read at
// PUBLIC_URL/media/<key>: thumbnails, uploaded videos (the workers fetch
// them there) and the sellers' pictures. The LLM cache and the dead
// letters are never served.
var PublicMediaPrefixes = []string{ThumbsPrefix, VideosPrefix, AvatarsPrefix, ProductImagesPrefix, LinkImagesPrefix}

// EdgeCaching is how the CDN in front of the load balancer treats a path.
type EdgeCaching string

// The edge's ways of caching.
const (
	// EdgeNever caches nothing and passes the whole request on (cookies,
	// Authorization, query): signed-in pages, seller APIs, counted clicks.
	EdgeNever EdgeCaching = "never"
	// EdgeByOrigin caches for as long as the response's Cache-Control says
	// (s-maxage, max-age, stale-while-revalidate), keyed on path and query;
	// no cookie or Authorization reaches the origin.
	EdgeByOrigin EdgeCaching = "by origin Cache-Control"
	// EdgeImmutable is EdgeByOrigin for content-addressed paths: the query
	// string is ignored.
	EdgeImmutable EdgeCaching = "by origin Cache-Control, query ignored"
)

// EdgeRoute is one path pattern of the CDN (CloudFront's syntax: * and ?,
// case-sensitive), tried in order; a path no pattern matches is EdgeNever.
type EdgeRoute struct {
	Pattern string
	Cache   EdgeCaching
	// Media: served from the media bucket (PublicMediaPrefixes only), not
	// the services.
	Media bool
	Doc   string
}

// MediaKeyShape is the shape of a media key after its folder: two hex
// digits, the content's SHA-256 and an extension (package media makes
// them; the edge serves nothing else).
const MediaKeyShape = `[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}`

// ViewerAddressHeader is the header the edge sets to the viewer's address
// on every uncached request (the services read it as CLIENT_IP_HEADER:
// behind CloudFront and the load balancer, X-Forwarded-For's last hop is
// CloudFront's address).
const ViewerAddressHeader = "X-Viewer-Address"

// ClickPrefix is the click redirect's path prefix; the edge can rate-limit
// it per client address (buylink:edge's clickRateLimit).
const ClickPrefix = "/r/"

// EdgeRoutes are the CDN's paths. Whatever a signed-in user or a single
// visitor sees differently must be EdgeNever (the stacks' policy
// "no caching of authenticated paths" holds the plan to it).
var EdgeRoutes = []EdgeRoute{
	{Pattern: MediaMount + "*", Cache: EdgeImmutable, Media: true, Doc: "media by content-addressed key, read from S3 through an origin access control"},
	{Pattern: "/assets/*", Cache: EdgeImmutable, Doc: "the storefront's fingerprinted CSS, JS and icons"},
	{Pattern: "/s/*", Cache: EdgeByOrigin, Doc: "shop and video pages, QR codes, themes (s-maxage bounds product changes)"},
	{Pattern: "/api/shops/*", Cache: EdgeByOrigin, Doc: "the public shop API"},
	{Pattern: "/api/products", Cache: EdgeByOrigin, Doc: "the public product search"},
	{Pattern: "/api/seller/*", Cache: EdgeNever, Doc: "the seller API (bearer tokens)"},
	{Pattern: "/dashboard*", Cache: EdgeNever, Doc: "the seller dashboard (session cookie)"},
	{Pattern: "/auth*", Cache: EdgeNever, Doc: "sign-in callbacks and the token issuer"},
	{Pattern: "/login*", Cache: EdgeNever, Doc: "sign-in"},
	{Pattern: "/signup*", Cache: EdgeNever, Doc: "sign-up"},
	{Pattern: "/logout*", Cache: EdgeNever, Doc: "sign-out"},
	{Pattern: "/admin*", Cache: EdgeNever, Doc: "the admin pages"},
	{Pattern: ClickPrefix + "*", Cache: EdgeNever, Doc: "the click redirect: every click reaches the counter"},
}

// ValidateEdge checks the edge routes: CloudFront patterns, each once,
// media only on the media mount.
func ValidateEdge(routes []EdgeRoute) error {
	var errs []string
	seen := map[string]bool{}
	for _, r := range routes {
		if !strings.HasPrefix(r.Pattern, "/") || strings.ContainsAny(r.Pattern, " \t") || seen[r.Pattern] {
			errs = append(errs, fmt.Sprintf("edge pattern %q must start with / and come once", r.Pattern))
		}
		seen[r.Pattern] = true
		switch r.Cache {
		case EdgeNever, EdgeByOrigin, EdgeImmutable:
		default:
			errs = append(errs, fmt.Sprintf("edge pattern %q: unknown caching %q", r.Pattern, r.Cache))
		}
		if r.Media && (r.Pattern != MediaMount+"*" || r.Cache == EdgeNever) {
			errs = append(errs, fmt.Sprintf("edge pattern %q: media is served cached at %s*", r.Pattern, MediaMount))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("edge routes: %s", strings.Join(errs, "; "))
	}
	return nil
}

// MarkdownEdge is the README's table of the edge's paths.
func MarkdownEdge() string {
	var b strings.Builder
	b.WriteString("| path | cached | served from | what |\n|---|---|---|---|\n")
	for _, r := range EdgeRoutes {
		from := "load balancer"
		if r.Media {
			from = "media bucket (" + strings.Join(code(PublicMediaPrefixes), ", ") + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Pattern, r.Cache, from, r.Doc)
	}
	b.WriteString("| everything else | never | load balancer | — |\n")
	return b.String()
}
