package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/platform"
	"github.com/buylink/buylink/platform/pulumitest"
)

// authenticatedPaths are requests that carry a session or a bearer token,
// or must reach the origin once per visitor (counted clicks). The list is
// the services' routes, written out here rather than taken from
// deploy.EdgeRoutes, so that the policy checks the declarations instead of
// repeating them.
var authenticatedPaths = []string{
	"/api/seller/products", "/api/seller/products/p1/image", "/api/seller/clicks", "/api/seller/profile", "/api/seller/links/l1",
	"/dashboard", "/dashboard/", "/dashboard/claim", "/dashboard/products/new", "/dashboard/links/l1/delete", "/dashboard/videos",
	"/auth/callback", "/auth/admin/login", "/auth/token", "/login", "/login/", "/signup", "/logout",
	"/admin", "/admin/sellers",
	"/r/p1", "/r/0123456789abcdef",
}

// noCachingOfAuthenticatedPaths: every distribution sends each
// authenticated path, and every route of ingestion-api (all of them
// signed in), to a behaviour whose cache policy caches nothing; and no
// behaviour that caches lets a cookie or the Authorization header reach
// the origin or the cache key (a cached response is the same for all).
func noCachingOfAuthenticatedPaths(g *pulumitest.Graph, _ string) []string {
	var v []string
	paths := slices.Clone(authenticatedPaths)
	for _, r := range deploy.MustGet(deploy.IngestionAPI).Routes {
		paths = append(paths, strings.ReplaceAll(r, "*", "/x"), strings.TrimSuffix(r, "*"))
	}
	dists := g.OfType("aws:cloudfront/distribution:Distribution")
	if len(dists) == 0 {
		return []string{"no CloudFront distribution"}
	}
	for _, d := range dists {
		for _, p := range paths {
			b := behaviourFor(d, p)
			if caches(g, b) {
				v = append(v, fmt.Sprintf("%s caches %s (behaviour %v, cache policy %v)", d, p, b["pathPattern"], b["cachePolicyId"]))
			}
		}
		for _, b := range behaviours(d) {
			if !caches(g, b) {
				continue
			}
			if leak := forwardsIdentity(g, b); leak != "" {
				v = append(v, fmt.Sprintf("%s: cached behaviour %v forwards %s", d, b["pathPattern"], leak))
			}
		}
	}
	return v
}

// behaviours are a distribution's ordered behaviours, then the default
// one (pathPattern "*").
func behaviours(d *pulumitest.Resource) []map[string]interface{} {
	var out []map[string]interface{}
	list, _ := d.Input("orderedCacheBehaviors").([]interface{})
	for _, b := range list {
		if m, ok := b.(map[string]interface{}); ok {
			out = append(out, m)
		}
	}
	def, _ := d.Input("defaultCacheBehavior").(map[string]interface{})
	if def == nil {
		def = map[string]interface{}{}
	}
	def["pathPattern"] = "*"
	return append(out, def)
}

// behaviourFor is the behaviour CloudFront picks for a path: the first
// ordered one whose pattern matches, else the default.
func behaviourFor(d *pulumitest.Resource, path string) map[string]interface{} {
	path, _, _ = strings.Cut(path, "?")
	bs := behaviours(d)
	for _, b := range bs {
		if cloudFrontMatch(fmt.Sprint(b["pathPattern"]), path) {
			return b
		}
	}
	return bs[len(bs)-1]
}

// cloudFrontMatch matches a path against a CloudFront path pattern: "*"
// is any run of characters (slashes too), "?" one character, case
// sensitive, the whole path; a pattern without a leading slash matches as
// if it had one.
func cloudFrontMatch(pattern, path string) bool {
	if !strings.HasPrefix(pattern, "/") && pattern != "*" {
		pattern = "/" + pattern
	}
	var re strings.Builder
	re.WriteString("^")
	for _, c := range pattern {
		switch c {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(path)
}

// caches reports whether a behaviour may keep responses: any cache policy
// but AWS's CachingDisabled or one of ours whose TTLs are all 0, and any
// legacy TTL above 0.
func caches(g *pulumitest.Graph, b map[string]interface{}) bool {
	id, _ := b["cachePolicyId"].(string)
	if id == "" {
		// Legacy settings: TTLs on the behaviour itself.
		for _, k := range []string{"minTtl", "defaultTtl", "maxTtl"} {
			if n, ok := b[k].(float64); !ok || n > 0 {
				return true
			}
		}
		return false
	}
	if id == platform.CachingDisabledPolicyID {
		return false
	}
	pol := byID(g, "aws:cloudfront/cachePolicy:CachePolicy", id)
	if pol == nil {
		return true // a managed or foreign policy: assume it caches
	}
	for _, k := range []string{"minTtl", "defaultTtl", "maxTtl"} {
		if n, _ := pol.Input(k).(float64); n > 0 {
			return true
		}
	}
	return false
}

// forwardsIdentity names what of a visitor's identity a behaviour passes
// to the origin or keys its cache on, "" when nothing.
func forwardsIdentity(g *pulumitest.Graph, b map[string]interface{}) string {
	if _, legacy := b["forwardedValues"]; legacy {
		return "legacy forwarded values"
	}
	if id, _ := b["cachePolicyId"].(string); id != "" {
		pol := byID(g, "aws:cloudfront/cachePolicy:CachePolicy", id)
		if pol == nil {
			return "a cache policy that is not the stack's (" + id + ")"
		}
		if c := pol.Input("parametersInCacheKeyAndForwardedToOrigin", "cookiesConfig", "cookieBehavior"); c != "none" {
			return fmt.Sprintf("cookies in the cache key (%v)", c)
		}
		if hs := strs(pol.Input("parametersInCacheKeyAndForwardedToOrigin", "headersConfig", "headers", "items")); identityHeader(hs) != "" {
			return identityHeader(hs) + " in the cache key"
		}
	}
	id, _ := b["originRequestPolicyId"].(string)
	if id == "" {
		return ""
	}
	if id == platform.AllViewerPolicyID {
		return "every viewer header and cookie (AllViewer)"
	}
	pol := byID(g, "aws:cloudfront/originRequestPolicy:OriginRequestPolicy", id)
	if pol == nil {
		return "an origin request policy that is not the stack's (" + id + ")"
	}
	if c := pol.Input("cookiesConfig", "cookieBehavior"); c != "none" {
		return fmt.Sprintf("cookies (%v)", c)
	}
	if hb := pol.Input("headersConfig", "headerBehavior"); hb == "allViewer" || hb == "allViewerAndWhitelistCloudFront" {
		return "every viewer header"
	}
	if h := identityHeader(strs(pol.Input("headersConfig", "headers", "items"))); h != "" {
		return h
	}
	return ""
}

func identityHeader(headers []string) string {
	for _, h := range headers {
		if strings.EqualFold(h, "Authorization") || strings.EqualFold(h, "Cookie") {
			return h
		}
	}
	return ""
}

func byID(g *pulumitest.Graph, typ, id string) *pulumitest.Resource {
	for _, r := range g.OfType(typ) {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// bucketsRefusePlainHTTP: every bucket's policy denies requests without
// TLS (a bucket served by the edge gets its policy from the edge).
func bucketsRefusePlainHTTP(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, b := range g.OfType("aws:s3/bucketV2:BucketV2") {
		ok := false
		for _, p := range g.OfType("aws:s3/bucketPolicy:BucketPolicy") {
			if fmt.Sprint(p.Input("bucket")) != b.ID {
				continue
			}
			for _, st := range statements(p.Input("policy")) {
				cond, _ := st.Condition["Bool"].(map[string]interface{})
				if st.Effect == "Deny" && st.Principal == "*" && slices.Contains(st.Actions, "s3:*") && cond["aws:SecureTransport"] == "false" {
					ok = true
				}
			}
		}
		if !ok {
			v = append(v, b.String()+" has no policy denying plain HTTP")
		}
	}
	return v
}

// edgeReadsOnlyServedMedia: CloudFront may read the media bucket only
// for the stack's distribution and only under the public prefixes.
func edgeReadsOnlyServedMedia(g *pulumitest.Graph, _ string) []string {
	var v []string
	dists := map[string]bool{}
	for _, d := range g.OfType("aws:cloudfront/distribution:Distribution") {
		dists[fmt.Sprint(d.Output("arn"))] = true
	}
	for _, p := range g.OfType("aws:s3/bucketPolicy:BucketPolicy") {
		for _, st := range statements(p.Input("policy")) {
			if st.Effect != "Allow" || !strings.Contains(st.Principal, "cloudfront.amazonaws.com") {
				continue
			}
			eq, _ := st.Condition["StringEquals"].(map[string]interface{})
			if src := fmt.Sprint(eq["AWS:SourceArn"]); !dists[src] {
				v = append(v, fmt.Sprintf("%s lets CloudFront read for %s, not the stack's distribution", p, src))
			}
			for _, res := range st.Resources {
				if !slices.Contains(st.Actions, "s3:GetObject") {
					continue
				}
				if !slices.ContainsFunc(deploy.PublicMediaPrefixes, func(pre string) bool { return strings.HasSuffix(res, "/"+pre+"*") }) {
					v = append(v, fmt.Sprintf("%s lets CloudFront read %s, outside the public media", p, res))
				}
			}
		}
	}
	return v
}

// The edge per stack: a web ACL where a click rate limit is configured,
// and no certificate or record of ours where the stack brings its own
// certificates and no zone.
func TestEdgeByStack(t *testing.T) {
	for stack, limit := range map[string]float64{"dev": 0, "staging": 2000, "prod": 2000} {
		g := graphOf(t, stack)
		acls := g.OfType("aws:wafv2/webAcl:WebAcl")
		dist := g.Find("aws:cloudfront/distribution:Distribution", "edge")
		if dist == nil {
			t.Fatalf("%s: no distribution", stack)
		}
		switch {
		case limit == 0 && (len(acls) != 0 || dist.Input("webAclId") != nil):
			t.Errorf("%s: a web ACL without a click rate limit", stack)
		case limit > 0 && (len(acls) != 1 || dist.Input("webAclId") != acls[0].Output("arn")):
			t.Errorf("%s: want the distribution's web ACL, have %d", stack, len(acls))
		case limit > 0:
			if got := dig(acls[0].Input("rules"), "0", "statement", "rateBasedStatement", "limit"); got != limit {
				t.Errorf("%s: rate limit %v, want %v", stack, got, limit)
			}
		}
		// The domain points at the distribution, not the load balancer.
		if g.Find("aws:route53/record:Record", "web-alias") != nil || g.Find("aws:route53/record:Record", "edge-alias-a") == nil {
			t.Errorf("%s: the domain's alias is not the distribution's", stack)
		}
	}
	g := mustRun(t, "dev", map[string]string{
		"buylink:hostedZoneId": "", "buylink:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/alb",
		"buylink:edgeCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/edge",
	})
	if n := len(g.OfType("aws:acm/certificate:Certificate")) + len(g.OfType("aws:route53/record:Record")); n != 0 {
		t.Errorf("%d certificates and records made though the stack brings its certificates and no zone", n)
	}
	cert := g.Find("aws:cloudfront/distribution:Distribution", "edge").Input("viewerCertificate").(map[string]interface{})
	if cert["acmCertificateArn"] != "arn:aws:acm:us-east-1:123456789012:certificate/edge" {
		t.Errorf("viewer certificate %v", cert)
	}
}

// originLocked: when a distribution fronts a load balancer (an origin whose
// domain is the load balancer's DNS name), the distribution sends
// platform.OriginHeader with a secret value, and no listener of that load
// balancer forwards a request without that header carrying that value: no
// default action forwards, and every forwarding rule has the header
// condition with the secret as its only value.
func originLocked(g *pulumitest.Graph, _ string) []string {
	var v []string
	dists := g.OfType("aws:cloudfront/distribution:Distribution")
	if len(dists) == 0 {
		return []string{"no CloudFront distribution"}
	}
	for _, d := range dists {
		for _, o := range unwrap(d.Inputs["origins"]).ArrayValue() {
			origin := unwrap(o).ObjectValue()
			alb := loadBalancerAt(g, unwrap(origin["domainName"]))
			if alb == nil {
				continue
			}
			secret, ok := originSecret(origin)
			if !ok {
				v = append(v, fmt.Sprintf("%s sends %s no secret %s header", d, alb, platform.OriginHeader))
				continue
			}
			for _, l := range g.OfType("aws:lb/listener:Listener") {
				if l.Input("loadBalancerArn") != alb.Output("arn") {
					continue
				}
				for _, a := range asList(l.Input("defaultActions")) {
					if dig(a, "type") == "forward" {
						v = append(v, fmt.Sprintf("%s forwards by default, without the origin header", l))
					}
				}
				for _, r := range g.OfType("aws:lb/listenerRule:ListenerRule") {
					if r.Input("listenerArn") != l.Output("arn") || !forwards(r) {
						continue
					}
					if !requiresHeader(r, secret) {
						v = append(v, fmt.Sprintf("%s forwards without requiring %s: <the edge's secret>", r, platform.OriginHeader))
					}
				}
			}
		}
	}
	return v
}

// unwrap is a property value without its secret marks.
func unwrap(p resource.PropertyValue) resource.PropertyValue {
	for p.IsSecret() {
		p = p.SecretValue().Element
	}
	return p
}

// loadBalancerAt is the load balancer whose DNS name is domain, or nil.
func loadBalancerAt(g *pulumitest.Graph, domain resource.PropertyValue) *pulumitest.Resource {
	if !domain.IsString() {
		return nil
	}
	for _, alb := range g.OfType("aws:lb/loadBalancer:LoadBalancer") {
		if alb.Output("dnsName") == domain.StringValue() {
			return alb
		}
	}
	return nil
}

// originSecret is the value of the origin header an origin is sent, when
// it is there, marked secret and not empty.
func originSecret(origin resource.PropertyMap) (string, bool) {
	for _, h := range unwrap(origin["customHeaders"]).ArrayValue() {
		hm := unwrap(h).ObjectValue()
		if !strings.EqualFold(fmt.Sprint(unwrap(hm["name"]).V), platform.OriginHeader) {
			continue
		}
		val := hm["value"]
		if !val.IsSecret() || !unwrap(val).IsString() || unwrap(val).StringValue() == "" {
			return "", false
		}
		return unwrap(val).StringValue(), true
	}
	return "", false
}

// forwards reports whether a listener rule has a forward action.
func forwards(r *pulumitest.Resource) bool {
	for _, a := range asList(r.Input("actions")) {
		if dig(a, "type") == "forward" {
			return true
		}
	}
	return false
}

// requiresHeader reports whether a rule has the origin header condition
// with secret as its only value.
func requiresHeader(r *pulumitest.Resource, secret string) bool {
	for _, c := range unwrap(r.Inputs["conditions"]).ArrayValue() {
		h, ok := unwrap(c).ObjectValue()["httpHeader"]
		if !ok {
			continue
		}
		hm := unwrap(h).ObjectValue()
		values := unwrap(hm["values"]).ArrayValue()
		if strings.EqualFold(fmt.Sprint(unwrap(hm["httpHeaderName"]).V), platform.OriginHeader) &&
			len(values) == 1 && unwrap(values[0]).IsString() && unwrap(values[0]).StringValue() == secret {
			return true
		}
	}
	return false
}

// asList is a plain list value, nil when it is not one.
func asList(v interface{}) []interface{} {
	l, _ := v.([]interface{})
	return l
}
