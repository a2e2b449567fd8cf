package platform_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/buylink/buylink/platform"
)

const testKeyShape = `[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}`

// edgeProgram builds a bucket served by an edge; edit changes the edge's
// arguments first.
func edgeProgram(edit func(*platform.EdgeArgs)) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		east, err := aws.NewProvider(ctx, "east", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		bucket, err := platform.NewMediaBucket(ctx, "media", platform.MediaBucketArgs{ServedByEdge: true})
		if err != nil {
			return err
		}
		args := platform.EdgeArgs{
			Domain: "shop.example.com", HostedZoneID: "Z0EXAMPLE", USEast1: east,
			Origin: pulumi.String("web-123.eu-west-1.elb.amazonaws.com"),
			Media:  platform.EdgeMedia{Bucket: bucket, Mount: "/media/", Prefixes: []string{"thumbs/", "videos/"}, KeyPattern: testKeyShape},
			Paths: []platform.EdgePath{
				{Pattern: "/media/*", Cache: platform.EdgeImmutable, Media: true},
				{Pattern: "/s/*", Cache: platform.EdgeByOrigin},
				{Pattern: "/dashboard*", Cache: platform.EdgeNever},
			},
			RateLimit:           platform.EdgeRateLimit{Prefix: "/r/", Requests: 500},
			ViewerAddressHeader: "X-Viewer-Address",
		}
		if edit != nil {
			edit(&args)
		}
		_, err = platform.NewEdge(ctx, "edge", args)
		return err
	}
}

func TestEdge(t *testing.T) {
	g := run(t, edgeProgram(nil))
	dist := find(t, g, "aws:cloudfront/distribution:Distribution", "edge")
	east := find(t, g, "pulumi:providers:aws", "east")
	eastRef := east.URN + "::" + east.ID

	// The certificate and the web ACL are in us-east-1; the ACL is the
	// distribution's and limits /r/ per address.
	for _, typ := range []string{"aws:acm/certificate:Certificate", "aws:acm/certificateValidation:CertificateValidation", "aws:wafv2/webAcl:WebAcl"} {
		if r := find(t, g, typ, "edge"); r.Provider != eastRef {
			t.Errorf("%s uses provider %q, want us-east-1's", r, r.Provider)
		}
	}
	acl := find(t, g, "aws:wafv2/webAcl:WebAcl", "edge")
	if acl.Input("scope") != "CLOUDFRONT" || dist.Input("webAclId") != acl.Output("arn") {
		t.Errorf("web ACL scope %v, distribution's web ACL %v (want %v)", acl.Input("scope"), dist.Input("webAclId"), acl.Output("arn"))
	}
	rate := acl.Input("rules").([]interface{})[0].(map[string]interface{})
	rbs := rate["statement"].(map[string]interface{})["rateBasedStatement"].(map[string]interface{})
	bm := rbs["scopeDownStatement"].(map[string]interface{})["byteMatchStatement"].(map[string]interface{})
	if rbs["limit"] != 500.0 || rbs["aggregateKeyType"] != "IP" || bm["searchString"] != "/r/" || bm["positionalConstraint"] != "STARTS_WITH" {
		t.Errorf("rate rule %v", rbs)
	}
	if cert := dist.Input("viewerCertificate").(map[string]interface{}); cert["sslSupportMethod"] != "sni-only" || cert["minimumProtocolVersion"] != "TLSv1.2_2021" {
		t.Errorf("viewer certificate %v", cert)
	}

	// Behaviours: in order, media from the bucket through the function,
	// the dashboard uncached with everything forwarded, the rest uncached.
	ordered := dist.Input("orderedCacheBehaviors").([]interface{})
	if len(ordered) != 3 {
		t.Fatalf("%d ordered behaviours, want 3", len(ordered))
	}
	media, shop, dash := ordered[0].(map[string]interface{}), ordered[1].(map[string]interface{}), ordered[2].(map[string]interface{})
	if media["pathPattern"] != "/media/*" || media["targetOriginId"] != "media" || media["originRequestPolicyId"] != nil || media["functionAssociations"] == nil {
		t.Errorf("media behaviour %v", media)
	}
	byOrigin := find(t, g, "aws:cloudfront/cachePolicy:CachePolicy", "edge-by-origin")
	if shop["cachePolicyId"] != byOrigin.ID || shop["targetOriginId"] != "app" {
		t.Errorf("shop behaviour %v", shop)
	}
	if byOrigin.Input("minTtl") != 0.0 || byOrigin.Input("defaultTtl") != 0.0 {
		t.Errorf("the by-origin policy overrides the origin: min %v default %v", byOrigin.Input("minTtl"), byOrigin.Input("defaultTtl"))
	}
	if dash["cachePolicyId"] != platform.CachingDisabledPolicyID || dash["originRequestPolicyId"] != platform.AllViewerPolicyID {
		t.Errorf("dashboard behaviour %v", dash)
	}
	def := dist.Input("defaultCacheBehavior").(map[string]interface{})
	if def["cachePolicyId"] != platform.CachingDisabledPolicyID || def["viewerProtocolPolicy"] != "redirect-to-https" {
		t.Errorf("default behaviour %v", def)
	}
	// Uncached paths get the viewer's address from the function; cached
	// ones forward no viewer header but Host, so they need none.
	viewerFn := find(t, g, "aws:cloudfront/function:Function", "edge-viewer").Output("arn")
	for _, b := range []map[string]interface{}{dash, def} {
		if fmt.Sprint(b["functionAssociations"]) != fmt.Sprintf("[map[eventType:viewer-request functionArn:%v]]", viewerFn) {
			t.Errorf("behaviour %v: functions %v, want the viewer address function", b["pathPattern"], b["functionAssociations"])
		}
	}
	if shop["functionAssociations"] != nil {
		t.Errorf("the cached shop behaviour runs %v", shop["functionAssociations"])
	}

	// The bucket's one policy: TLS only, and CloudFront reading the served
	// prefixes for this distribution only.
	var pol struct{ Statement []map[string]interface{} }
	jsonInput(t, find(t, g, "aws:s3/bucketPolicy:BucketPolicy", "media"), "policy", &pol)
	if len(pol.Statement) != 3 || pol.Statement[0]["Sid"] != "TLSOnly" {
		t.Fatalf("bucket policy %v", pol.Statement)
	}
	read := pol.Statement[1]
	cond := read["Condition"].(map[string]interface{})["StringEquals"].(map[string]interface{})
	if cond["AWS:SourceArn"] != dist.Output("arn") || fmt.Sprint(read["Resource"]) != "[arn:aws:s3:::test-unit-media-123456789012/thumbs/* arn:aws:s3:::test-unit-media-123456789012/videos/*]" {
		t.Errorf("CloudFront's read statement %v (distribution %v)", read, dist.Output("arn"))
	}

	// The domain points at the distribution, over IPv4 and IPv6.
	for _, typ := range []string{"a", "aaaa"} {
		rec := find(t, g, "aws:route53/record:Record", "edge-alias-"+typ)
		alias := rec.Input("aliases").([]interface{})[0].(map[string]interface{})
		if alias["name"] != dist.Output("domainName") || alias["zoneId"] != "Z2FDTNDATAQYW2" {
			t.Errorf("%s aliases %v", rec, alias)
		}
	}
}

func TestEdgeWithoutRateLimitOrNewCertificate(t *testing.T) {
	g := run(t, edgeProgram(func(a *platform.EdgeArgs) {
		a.RateLimit = platform.EdgeRateLimit{}
		a.CertificateARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
	}))
	if len(g.OfType("aws:wafv2/webAcl:WebAcl")) != 0 || len(g.OfType("aws:acm/certificate:Certificate")) != 0 {
		t.Error("a web ACL or a certificate was made though none was asked for")
	}
	cert := find(t, g, "aws:cloudfront/distribution:Distribution", "edge").Input("viewerCertificate").(map[string]interface{})
	if cert["acmCertificateArn"] != "arn:aws:acm:us-east-1:123456789012:certificate/abc" {
		t.Errorf("viewer certificate %v", cert)
	}
}

func TestEdgeRefusesBadArguments(t *testing.T) {
	for name, edit := range map[string]func(*platform.EdgeArgs){
		"certificate outside us-east-1": func(a *platform.EdgeArgs) { a.CertificateARN = "arn:aws:acm:eu-west-1:1:certificate/x" },
		"no certificate nor zone":       func(a *platform.EdgeArgs) { a.HostedZoneID = "" },
		"media uncached": func(a *platform.EdgeArgs) {
			a.Paths[0].Cache = platform.EdgeNever
		},
		"media elsewhere than the mount": func(a *platform.EdgeArgs) { a.Paths[0].Pattern = "/files/*" },
		"pattern twice":                  func(a *platform.EdgeArgs) { a.Paths[2].Pattern = "/s/*" },
		"prefix not a folder":            func(a *platform.EdgeArgs) { a.Media.Prefixes = []string{"thumbs"} },
		"rate limit below WAF's minimum": func(a *platform.EdgeArgs) { a.RateLimit.Requests = 5 },
		"no us-east-1 provider":          func(a *platform.EdgeArgs) { a.USEast1 = nil },
		"bad viewer header":              func(a *platform.EdgeArgs) { a.ViewerAddressHeader = "x viewer: 1" },
	} {
		t.Run(name, func(t *testing.T) { mustFail(t, edgeProgram(edit)) })
	}
}

// The media function runs in Node (CloudFront Functions are JavaScript):
// it maps served keys to the bucket's keys and answers 404 for anything
// else, whatever the request tries.
func TestEdgeMediaFunction(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to run the CloudFront function (make deps installs it): %v", err)
	}
	g := run(t, edgeProgram(nil))
	code := find(t, g, "aws:cloudfront/function:Function", "edge-media").Input("code").(string)
	hex := strings.Repeat("ab", 32)
	cases := map[string]string{
		"/media/thumbs/ab/" + hex + ".jpg":              "/thumbs/ab/" + hex + ".jpg",
		"/media/videos/0f/" + hex + ".mp4":              "/videos/0f/" + hex + ".mp4",
		"/media/llm-cache/ab/" + hex + ".json":          "404",
		"/media/deadletters/ab/" + hex + ".json":        "404",
		"/media/thumbs/../llm-cache/ab/" + hex + ".jpg": "404",
		"/media/thumbs/ab/" + hex + ".jpg/x":            "404",
		"/media/thumbs/AB/" + hex + ".jpg":              "404",
		"/media/thumbs/ab/" + hex[:63] + ".jpg":         "404",
		"/media/":                                       "404",
		"/mediathumbs/ab/" + hex + ".jpg":               "404",
	}
	uris, _ := json.Marshal(keys(cases))
	script := code + `
var out = {};
` + string(uris) + `.forEach(function (u) {
  var r = handler({ request: { method: 'GET', uri: u, querystring: { x: { value: '1' } }, headers: {} } });
  out[u] = r.statusCode ? String(r.statusCode) : r.uri + (Object.keys(r.querystring).length ? '?' : '');
});
console.log(JSON.stringify(out));
`
	raw, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, raw)
	}
	var got map[string]string
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("node printed %s: %v", raw, err)
	}
	for uri, want := range cases {
		if got[uri] != want {
			t.Errorf("%s -> %s, want %s", uri, got[uri], want)
		}
	}
}

// The viewer function replaces whatever address header the viewer sent.
func TestEdgeViewerFunction(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to run the CloudFront function (make deps installs it): %v", err)
	}
	g := run(t, edgeProgram(nil))
	code := find(t, g, "aws:cloudfront/function:Function", "edge-viewer").Input("code").(string)
	raw, err := exec.Command(node, "-e", code+`
var r = handler({ viewer: { ip: '2001:db8::7' }, request: { uri: '/r/p1', headers: { 'x-viewer-address': { value: '6.6.6.6' } } } });
console.log(JSON.stringify(r.headers));
`).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, raw)
	}
	if got := strings.TrimSpace(string(raw)); got != `{"x-viewer-address":{"value":"2001:db8::7"}}` {
		t.Errorf("headers after the function: %s", got)
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A load balancer fronted by CloudFront takes HTTPS from CloudFront's
// origin-facing addresses only, and leaves the domain's alias to the edge.
func TestLoadBalancerFronted(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		_, err := platform.NewLoadBalancer(ctx, "web", platform.LoadBalancerArgs{
			VpcID: pulumi.String("vpc-1"), SubnetIDs: pulumi.ToStringArray([]string{"subnet-1", "subnet-2"}),
			Domain: "shop.example.com", HostedZoneID: "Z0EXAMPLE", Fronted: true,
		})
		return err
	})
	if g.Find("aws:route53/record:Record", "web-alias") != nil {
		t.Error("a fronted load balancer made the domain's alias")
	}
	ingress := find(t, g, "aws:ec2/securityGroup:SecurityGroup", "web").Input("ingress").([]interface{})
	if len(ingress) != 1 {
		t.Fatalf("ingress %v, want one rule", ingress)
	}
	rule := ingress[0].(map[string]interface{})
	if rule["fromPort"] != 443.0 || rule["cidrBlocks"] != nil || len(strs(rule["prefixListIds"])) != 1 || !strings.HasPrefix(strs(rule["prefixListIds"])[0], "pl-") {
		t.Errorf("ingress rule %v, want 443 from CloudFront's prefix list", rule)
	}
}

func strs(v interface{}) []string {
	list, _ := v.([]interface{})
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = fmt.Sprint(x)
	}
	return out
}

// lockedProgram is a fronted load balancer, a service behind it with five
// path patterns, and the edge in front sending the origin secret.
func lockedProgram(ctx *pulumi.Context) error {
	net, err := platform.NewNetwork(ctx, "net", platform.NetworkArgs{})
	if err != nil {
		return err
	}
	cluster, err := platform.NewCluster(ctx, "cluster", platform.ClusterArgs{})
	if err != nil {
		return err
	}
	web, err := platform.NewLoadBalancer(ctx, "web", platform.LoadBalancerArgs{
		VpcID: net.VpcID, SubnetIDs: net.PublicSubnetIDs, Domain: "shop.example.com", HostedZoneID: "Z0EXAMPLE", Fronted: true,
	})
	if err != nil {
		return err
	}
	img, err := platform.NewContainerImage(ctx, "app", platform.ContainerImageArgs{Context: "..", Dockerfile: "../app/Dockerfile"})
	if err != nil {
		return err
	}
	if _, err := platform.NewHTTPService(ctx, "api", platform.HTTPServiceArgs{
		ContainerArgs: platform.ContainerArgs{Image: img.ImageURI, ImageRepositoryARN: img.RepositoryARN},
		Cluster:       cluster, VpcID: net.VpcID, SubnetIDs: net.PrivateSubnetIDs, LoadBalancer: web,
		PathPatterns: []string{"/a*", "/b*", "/c*", "/d*", "/e*"}, Priority: 10,
	}); err != nil {
		return err
	}
	return edgeProgram(func(a *platform.EdgeArgs) { a.Origin, a.OriginSecret = web.DNSName, web.OriginSecret })(ctx)
}

// revealed is the plain string of a secret property value, and whether it
// was a secret at all.
func revealed(v resource.PropertyValue) (string, bool) {
	if !v.IsSecret() {
		return fmt.Sprint(v.V), false
	}
	return v.SecretValue().Element.StringValue(), true
}

// Origin lock-down: the fronted load balancer answers 403 by default and
// forwards only with the origin header carrying the generated secret, which
// the edge sends; ALB's 5 condition values per rule split the service's
// patterns over two rules; the secret stays a secret everywhere.
func TestOriginLockDown(t *testing.T) {
	g := run(t, lockedProgram)
	pw := find(t, g, "random:index/randomPassword:RandomPassword", "web-origin")
	if pw.Input("length") != 48.0 || pw.Input("special") != false {
		t.Errorf("origin secret: length %v special %v, want 48 letters and digits", pw.Input("length"), pw.Input("special"))
	}
	secret, _ := revealed(pw.Outputs["result"])

	def := find(t, g, "aws:lb/listener:Listener", "web-https").Input("defaultActions").([]interface{})[0].(map[string]interface{})
	if def["type"] != "fixed-response" || def["fixedResponse"].(map[string]interface{})["statusCode"] != "403" {
		t.Errorf("HTTPS listener default %v, want a 403 fixed response", def)
	}
	for name, want := range map[string][]string{"api": {"/a*", "/b*", "/c*", "/d*"}, "api-2": {"/e*"}} {
		rule := find(t, g, "aws:lb/listenerRule:ListenerRule", name)
		conds := rule.Inputs["conditions"].ArrayValue()
		if len(conds) != 2 {
			t.Fatalf("%s: conditions %v, want path and header", rule, rule.Input("conditions"))
		}
		if got := strs(rule.Input("conditions").([]interface{})[0].(map[string]interface{})["pathPattern"].(map[string]interface{})["values"]); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: path patterns %v, want %v", rule, got, want)
		}
		h := conds[1].ObjectValue()["httpHeader"].ObjectValue()
		value, isSecret := revealed(h["values"].ArrayValue()[0])
		if h["httpHeaderName"].StringValue() != platform.OriginHeader || value != secret || !isSecret {
			t.Errorf("%s: header condition %v (secret %v), want %s: the origin secret, as a secret", rule, h, isSecret, platform.OriginHeader)
		}
	}
	if p := find(t, g, "aws:lb/listenerRule:ListenerRule", "api-2").Input("priority"); p != 11.0 {
		t.Errorf("second rule's priority %v, want 11", p)
	}

	origin := find(t, g, "aws:cloudfront/distribution:Distribution", "edge").Inputs["origins"].ArrayValue()[0].ObjectValue()
	hdrs := origin["customHeaders"].ArrayValue()
	if len(hdrs) != 1 {
		t.Fatalf("app origin's custom headers %v, want the origin header", origin["customHeaders"])
	}
	value, isSecret := revealed(hdrs[0].ObjectValue()["value"])
	if hdrs[0].ObjectValue()["name"].StringValue() != platform.OriginHeader || value != secret || !isSecret {
		t.Errorf("the edge sends %v (secret %v), want %s: the origin secret, as a secret", hdrs[0], isSecret, platform.OriginHeader)
	}

	// Without an edge in front nothing changes: 404 by default, one rule
	// on the path only, no secret.
	open := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		_, err = platform.NewHTTPService(ctx, "api", platform.HTTPServiceArgs{
			ContainerArgs: platform.ContainerArgs{Image: f.image.ImageURI, ImageRepositoryARN: f.image.RepositoryARN},
			Cluster:       f.cluster, VpcID: f.net.VpcID, SubnetIDs: f.net.PrivateSubnetIDs, LoadBalancer: f.lb,
			PathPatterns: []string{"/a*", "/b*", "/c*", "/d*", "/e*"}, Priority: 10,
		})
		return err
	})
	def = find(t, open, "aws:lb/listener:Listener", "web-https").Input("defaultActions").([]interface{})[0].(map[string]interface{})
	if def["fixedResponse"].(map[string]interface{})["statusCode"] != "404" || len(open.OfType("aws:lb/listenerRule:ListenerRule")) != 1 ||
		open.Find("random:index/randomPassword:RandomPassword", "web-origin") != nil {
		t.Errorf("an open load balancer changed: default %v, rules %d", def, len(open.OfType("aws:lb/listenerRule:ListenerRule")))
	}
	if c := find(t, open, "aws:lb/listenerRule:ListenerRule", "api").Input("conditions").([]interface{}); len(c) != 1 {
		t.Errorf("open rule conditions %v, want the path only", c)
	}
}
