package platform

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// CachingDisabledPolicyID is AWS's managed "CachingDisabled" cache policy
// (every TTL 0): nothing is cached, and with AllViewerPolicyID the request
// reaches the origin whole (cookies, Authorization, query).
const CachingDisabledPolicyID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

// AllViewerPolicyID is AWS's managed "AllViewer" origin request policy.
const AllViewerPolicyID = "216adef6-5c7f-47e4-b989-5492eafa07d3"

// EdgeCache is how an edge path is cached.
type EdgeCache int

// The ways an edge path is cached.
const (
	// EdgeNever passes everything through and caches nothing.
	EdgeNever EdgeCache = iota
	// EdgeByOrigin caches for as long as the origin's Cache-Control says
	// (s-maxage, max-age, stale-while-revalidate; nothing without one),
	// keyed on the path and the whole query string; no cookie and no
	// Authorization reach the origin.
	EdgeByOrigin
	// EdgeImmutable is EdgeByOrigin for content-addressed paths: the query
	// string is neither in the key nor forwarded.
	EdgeImmutable
)

// EdgePath is one path pattern of the distribution (CloudFront's syntax:
// "*" and "?" wildcards, case-sensitive), tried in order.
type EdgePath struct {
	Pattern string
	Cache   EdgeCache
	// Media serves the pattern from the media bucket (EdgeArgs.Media),
	// not the load balancer.
	Media bool
}

// EdgeMedia is the media bucket behind the distribution.
type EdgeMedia struct {
	Bucket *MediaBucket
	// Mount is the URL path the objects are served under ("/media/"): it
	// is removed before the key reaches the bucket.
	Mount string
	// Prefixes are the key prefixes served ("thumbs/"); any other key
	// answers 404 at the edge and the bucket denies it as well.
	Prefixes []string
	// KeyPattern is the shape of a served key after its prefix folder, a
	// regular expression without anchors, in the syntax Go and JavaScript
	// share ("[0-9a-f]{64}\\.jpg").
	KeyPattern string
}

// EdgeArgs configures an Edge.
type EdgeArgs struct {
	// Domain is the public host name; the load balancer must hold a
	// certificate for it too (CloudFront forwards the viewer's Host and
	// checks the origin's certificate against it).
	Domain string
	// HostedZoneID is the Route 53 zone of Domain: the certificate is
	// validated there and Domain's A and AAAA aliases point at the
	// distribution.
	HostedZoneID string
	// CertificateARN is an existing certificate for Domain in us-east-1;
	// when empty one is requested there and validated in HostedZoneID.
	CertificateARN string
	// USEast1 is a provider in us-east-1, where CloudFront's certificate
	// and web ACL must live.
	USEast1 pulumi.ProviderResource
	// Origin is the load balancer's DNS name (HTTPS on 443).
	Origin pulumi.StringInput
	// OriginSecret, when set, is sent to Origin on every request as
	// OriginHeader (a custom origin header), for a locked load balancer
	// (LoadBalancer.OriginSecret); give it as the secret output it is.
	OriginSecret pulumi.StringInput
	Media        EdgeMedia
	// Paths are the ordered behaviours; everything else is EdgeNever on
	// the load balancer.
	Paths []EdgePath
	// RateLimit turns on a WAF web ACL blocking (429) a client address
	// that makes more than Requests requests in 5 minutes to paths
	// starting with Prefix; zero Requests: no web ACL.
	RateLimit EdgeRateLimit
	// PriceClass of the distribution; default PriceClass_100.
	PriceClass string
	// ViewerAddressHeader, when set, is set by a CloudFront Function on
	// every request to an uncached path to the viewer's address, replacing
	// whatever the viewer sent: the load balancer sees CloudFront's
	// address, and its X-Forwarded-For is the viewer's to write.
	ViewerAddressHeader string
}

// EdgeRateLimit is a per-address rate limit on a path prefix.
type EdgeRateLimit struct {
	Prefix   string
	Requests int
}

// The edge's policies, function, access control and web ACL take Pulumi's
// auto-names (name plus a random suffix), so a replacement creates the new
// one before the distribution leaves the old one.

// Edge is a CloudFront distribution in front of the load balancer and the
// media bucket: HTTPS only (HTTP redirects), HTTP/2 and 3, IPv6, compressed
// responses, cache behaviour per path, media read from S3 through an origin
// access control, and optionally a WAF rate limit.
type Edge struct {
	pulumi.ResourceState

	ARN        pulumi.StringOutput `pulumi:"arn"`
	DomainName pulumi.StringOutput `pulumi:"domainName"`
	ID         pulumi.StringOutput `pulumi:"distributionId"`
}

var edgePatternRE = regexp.MustCompile(`^/[A-Za-z0-9_\-./*?]*$`)

// NewEdge creates an Edge and grants the distribution read access to the
// media prefixes (the bucket's policy).
func NewEdge(ctx *pulumi.Context, name string, args EdgeArgs, opts ...pulumi.ResourceOption) (*Edge, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("edge %s: %w", name, err)
	}
	e := &Edge{}
	if err := ctx.RegisterComponentResource(typeToken("Edge"), name, e, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(e)
	east := []pulumi.ResourceOption{parent, pulumi.Provider(args.USEast1)}

	certARN := pulumi.String(args.CertificateARN).ToStringOutput()
	if args.CertificateARN == "" {
		cert, err := acm.NewCertificate(ctx, name, &acm.CertificateArgs{
			DomainName: pulumi.String(args.Domain), ValidationMethod: pulumi.String("DNS"),
		}, east...)
		if err != nil {
			return nil, err
		}
		// ACM's validation record of a domain is the same in every region,
		// so this may be the load balancer's record too: both overwrite.
		opt := cert.DomainValidationOptions.Index(pulumi.Int(0))
		rec, err := route53.NewRecord(ctx, name+"-cert-validation", &route53.RecordArgs{
			ZoneId: pulumi.String(args.HostedZoneID), Name: opt.ResourceRecordName().Elem(), Type: opt.ResourceRecordType().Elem(),
			Records: pulumi.StringArray{opt.ResourceRecordValue().Elem()}, Ttl: pulumi.Int(300), AllowOverwrite: pulumi.Bool(true),
		}, parent)
		if err != nil {
			return nil, err
		}
		valid, err := acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
			CertificateArn: cert.Arn, ValidationRecordFqdns: pulumi.StringArray{rec.Fqdn},
		}, east...)
		if err != nil {
			return nil, err
		}
		certARN = valid.CertificateArn
	}

	oac, err := cloudfront.NewOriginAccessControl(ctx, name+"-media", &cloudfront.OriginAccessControlArgs{
		Description:                   pulumi.String("CloudFront signs its reads of the media bucket"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, parent)
	if err != nil {
		return nil, err
	}
	byOrigin, err := originCachePolicy(ctx, name+"-by-origin", "all", parent)
	if err != nil {
		return nil, err
	}
	immutable, err := originCachePolicy(ctx, name+"-immutable", "none", parent)
	if err != nil {
		return nil, err
	}
	// The load balancer's certificate is for Domain: CloudFront forwards
	// the viewer's Host so that it matches.
	host, err := cloudfront.NewOriginRequestPolicy(ctx, name+"-host", &cloudfront.OriginRequestPolicyArgs{
		Comment: pulumi.String("the viewer's Host only: no cookie reaches the origin of a cached path"),
		HeadersConfig: &cloudfront.OriginRequestPolicyHeadersConfigArgs{
			HeaderBehavior: pulumi.String("whitelist"),
			Headers:        &cloudfront.OriginRequestPolicyHeadersConfigHeadersArgs{Items: pulumi.StringArray{pulumi.String("Host")}},
		},
		CookiesConfig:      &cloudfront.OriginRequestPolicyCookiesConfigArgs{CookieBehavior: pulumi.String("none")},
		QueryStringsConfig: &cloudfront.OriginRequestPolicyQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("none")},
	}, parent)
	if err != nil {
		return nil, err
	}
	rewrite, err := cloudfront.NewFunction(ctx, name+"-media", &cloudfront.FunctionArgs{
		Runtime: pulumi.String("cloudfront-js-2.0"),
		Comment: pulumi.String("maps " + args.Media.Mount + "<key> to the bucket's <key>; 404 for any other key"),
		Code:    pulumi.String(mediaFunctionCode(args.Media)),
		Publish: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}

	var viewer cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArray
	var viewerDefault cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArray
	if args.ViewerAddressHeader != "" {
		fn, err := cloudfront.NewFunction(ctx, name+"-viewer", &cloudfront.FunctionArgs{
			Runtime: pulumi.String("cloudfront-js-2.0"),
			Comment: pulumi.String("sets " + args.ViewerAddressHeader + " to the viewer's address"),
			Code:    pulumi.String(viewerFunctionCode(args.ViewerAddressHeader)),
			Publish: pulumi.Bool(true),
		}, parent)
		if err != nil {
			return nil, err
		}
		viewer = cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArray{
			&cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArgs{EventType: pulumi.String("viewer-request"), FunctionArn: fn.Arn},
		}
		viewerDefault = cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArray{
			&cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs{EventType: pulumi.String("viewer-request"), FunctionArn: fn.Arn},
		}
	}

	var originHeaders cloudfront.DistributionOriginCustomHeaderArray
	if args.OriginSecret != nil {
		originHeaders = cloudfront.DistributionOriginCustomHeaderArray{&cloudfront.DistributionOriginCustomHeaderArgs{
			Name: pulumi.String(OriginHeader), Value: args.OriginSecret,
		}}
	}

	const appOrigin, mediaOrigin = "app", "media"
	all := pulumi.ToStringArray([]string{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"})
	readOnly := pulumi.ToStringArray([]string{"GET", "HEAD"})
	var ordered cloudfront.DistributionOrderedCacheBehaviorArray
	for _, p := range args.Paths {
		b := &cloudfront.DistributionOrderedCacheBehaviorArgs{
			PathPattern: pulumi.String(p.Pattern), TargetOriginId: pulumi.String(appOrigin),
			ViewerProtocolPolicy: pulumi.String("redirect-to-https"), Compress: pulumi.Bool(true),
			AllowedMethods: all, CachedMethods: readOnly,
			CachePolicyId: pulumi.String(CachingDisabledPolicyID), OriginRequestPolicyId: pulumi.String(AllViewerPolicyID),
		}
		switch p.Cache {
		case EdgeNever:
			b.FunctionAssociations = viewer
		case EdgeByOrigin:
			b.CachePolicyId, b.OriginRequestPolicyId, b.AllowedMethods = byOrigin.ID(), host.ID(), readOnly
		case EdgeImmutable:
			b.CachePolicyId, b.OriginRequestPolicyId, b.AllowedMethods = immutable.ID(), host.ID(), readOnly
		}
		if p.Media {
			b.TargetOriginId, b.OriginRequestPolicyId = pulumi.String(mediaOrigin), nil
			b.FunctionAssociations = cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArray{
				&cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArgs{EventType: pulumi.String("viewer-request"), FunctionArn: rewrite.Arn},
			}
		}
		ordered = append(ordered, b)
	}

	var webACL pulumi.StringPtrInput
	if args.RateLimit.Requests > 0 {
		acl, err := rateLimitACL(ctx, name, args.RateLimit, east)
		if err != nil {
			return nil, err
		}
		webACL = acl.Arn
	}
	dist, err := cloudfront.NewDistribution(ctx, name, &cloudfront.DistributionArgs{
		Enabled: pulumi.Bool(true), Comment: pulumi.String(args.Domain),
		Aliases: pulumi.StringArray{pulumi.String(args.Domain)}, HttpVersion: pulumi.String("http2and3"), IsIpv6Enabled: pulumi.Bool(true),
		PriceClass: pulumi.String(orString(args.PriceClass, "PriceClass_100")),
		Origins: cloudfront.DistributionOriginArray{
			&cloudfront.DistributionOriginArgs{
				OriginId: pulumi.String(appOrigin), DomainName: args.Origin, CustomHeaders: originHeaders,
				CustomOriginConfig: &cloudfront.DistributionOriginCustomOriginConfigArgs{
					HttpPort: pulumi.Int(80), HttpsPort: pulumi.Int(443), OriginProtocolPolicy: pulumi.String("https-only"),
					OriginSslProtocols: pulumi.StringArray{pulumi.String("TLSv1.2")}, OriginReadTimeout: pulumi.Int(30),
				},
			},
			&cloudfront.DistributionOriginArgs{
				OriginId: pulumi.String(mediaOrigin), DomainName: args.Media.Bucket.RegionalDomainName, OriginAccessControlId: oac.ID(),
			},
		},
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId: pulumi.String(appOrigin), ViewerProtocolPolicy: pulumi.String("redirect-to-https"), Compress: pulumi.Bool(true),
			AllowedMethods: all, CachedMethods: readOnly,
			CachePolicyId: pulumi.String(CachingDisabledPolicyID), OriginRequestPolicyId: pulumi.String(AllViewerPolicyID),
			FunctionAssociations: viewerDefault,
		},
		OrderedCacheBehaviors: ordered,
		ViewerCertificate: &cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn: certARN, SslSupportMethod: pulumi.String("sni-only"), MinimumProtocolVersion: pulumi.String("TLSv1.2_2021"),
		},
		Restrictions: &cloudfront.DistributionRestrictionsArgs{
			GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{RestrictionType: pulumi.String("none")},
		},
		WebAclId: webACL,
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := args.Media.Bucket.allowDistribution(ctx, dist.Arn, args.Media.Prefixes); err != nil {
		return nil, err
	}
	if args.HostedZoneID != "" {
		for _, typ := range []string{"A", "AAAA"} {
			if _, err := route53.NewRecord(ctx, name+"-alias-"+strings.ToLower(typ), &route53.RecordArgs{
				ZoneId: pulumi.String(args.HostedZoneID), Name: pulumi.String(args.Domain), Type: pulumi.String(typ),
				AllowOverwrite: pulumi.Bool(true),
				Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
					Name: dist.DomainName, ZoneId: dist.HostedZoneId, EvaluateTargetHealth: pulumi.Bool(false),
				}},
			}, parent); err != nil {
				return nil, err
			}
		}
	}
	e.ARN, e.DomainName, e.ID = dist.Arn, dist.DomainName, dist.ID().ToStringOutput()
	return e, ctx.RegisterResourceOutputs(e, pulumi.Map{"arn": e.ARN, "domainName": e.DomainName, "distributionId": e.ID})
}

func (a EdgeArgs) validate() error {
	var errs []error
	if a.Domain == "" {
		errs = append(errs, errors.New("a domain is required"))
	}
	if a.CertificateARN == "" && a.HostedZoneID == "" {
		errs = append(errs, errors.New("give a us-east-1 certificate ARN or the hosted zone to validate a new certificate in"))
	}
	if a.CertificateARN != "" && !strings.HasPrefix(a.CertificateARN, "arn:aws:acm:us-east-1:") {
		errs = append(errs, fmt.Errorf("certificate %s: CloudFront takes certificates from us-east-1 only", a.CertificateARN))
	}
	if a.USEast1 == nil || a.Origin == nil || a.Media.Bucket == nil {
		errs = append(errs, errors.New("the us-east-1 provider, the origin and the media bucket are required"))
	}
	if !strings.HasPrefix(a.Media.Mount, "/") || !strings.HasSuffix(a.Media.Mount, "/") || len(a.Media.Prefixes) == 0 {
		errs = append(errs, fmt.Errorf("media mount %q must be a /folder/ and serve at least one prefix", a.Media.Mount))
	}
	if _, err := regexp.Compile(a.Media.KeyPattern); err != nil || a.Media.KeyPattern == "" {
		errs = append(errs, fmt.Errorf("media key pattern %q is not a regular expression", a.Media.KeyPattern))
	}
	for _, p := range a.Media.Prefixes {
		if !keyPrefixRE.MatchString(p) {
			errs = append(errs, fmt.Errorf("media prefix %q must be a plain folder such as thumbs/", p))
		}
	}
	seen := map[string]bool{}
	for _, p := range a.Paths {
		if !edgePatternRE.MatchString(p.Pattern) || seen[p.Pattern] {
			errs = append(errs, fmt.Errorf("path pattern %q is not a CloudFront pattern or comes twice", p.Pattern))
		}
		seen[p.Pattern] = true
		if p.Media && (p.Cache == EdgeNever || p.Pattern != a.Media.Mount+"*") {
			errs = append(errs, fmt.Errorf("media path %q must be cached and be the mount followed by *", p.Pattern))
		}
	}
	if a.ViewerAddressHeader != "" && !headerNameRE.MatchString(a.ViewerAddressHeader) {
		errs = append(errs, fmt.Errorf("viewer address header %q is not a header name", a.ViewerAddressHeader))
	}
	if r := a.RateLimit; r.Requests != 0 && (r.Requests < 10 || !strings.HasPrefix(r.Prefix, "/")) {
		errs = append(errs, fmt.Errorf("rate limit %d on %q: WAF needs at least 10 requests per 5 minutes on a /path", r.Requests, r.Prefix))
	}
	return errors.Join(errs...)
}

var (
	keyPrefixRE  = regexp.MustCompile(`^[a-z0-9-]+/$`)
	headerNameRE = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
)

// originCachePolicy caches for what the origin's Cache-Control says: min
// and default TTL 0 (nothing without the header), up to a year; gzip and
// Brotli variants; queryStrings "all" or "none" in the key.
func originCachePolicy(ctx *pulumi.Context, name, queryStrings string, opts ...pulumi.ResourceOption) (*cloudfront.CachePolicy, error) {
	return cloudfront.NewCachePolicy(ctx, name, &cloudfront.CachePolicyArgs{
		Comment: pulumi.String("the origin's Cache-Control rules (s-maxage, stale-while-revalidate); nothing cached without it"),
		MinTtl:  pulumi.Int(0), DefaultTtl: pulumi.Int(0), MaxTtl: pulumi.Int(31536000),
		ParametersInCacheKeyAndForwardedToOrigin: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs{
			EnableAcceptEncodingGzip: pulumi.Bool(true), EnableAcceptEncodingBrotli: pulumi.Bool(true),
			CookiesConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs{CookieBehavior: pulumi.String("none")},
			HeadersConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs{HeaderBehavior: pulumi.String("none")},
			QueryStringsConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs{
				QueryStringBehavior: pulumi.String(queryStrings),
			},
		},
	}, opts...)
}

// mediaFunctionCode is the viewer-request function of the media path: it
// strips the mount, and answers 404 for any key outside the served
// prefixes or not of the stored shape (so nothing else in the bucket is
// ever asked for).
func mediaFunctionCode(m EdgeMedia) string {
	prefixes := make([]string, len(m.Prefixes))
	for i, p := range m.Prefixes {
		prefixes[i] = regexp.QuoteMeta(strings.TrimSuffix(p, "/"))
	}
	pattern := "^" + regexp.QuoteMeta(m.Mount) + "((?:" + strings.Join(prefixes, "|") + ")/" + m.KeyPattern + ")$"
	js := strings.ReplaceAll(pattern, "/", `\/`)
	return `function handler(event) {
  var m = /` + js + `/.exec(event.request.uri);
  if (!m) {
    return { statusCode: 404, statusDescription: 'Not Found', headers: { 'cache-control': { value: 'public, max-age=60' } } };
  }
  event.request.uri = '/' + m[1];
  event.request.querystring = {};
  return event.request;
}
`
}

// viewerFunctionCode is the viewer-request function setting header (any
// case; CloudFront Functions name headers in lower case) to the viewer's
// address.
func viewerFunctionCode(header string) string {
	return `function handler(event) {
  event.request.headers['` + strings.ToLower(header) + `'] = { value: event.viewer.ip };
  return event.request;
}
`
}

// rateLimitACL is a CloudFront-scope web ACL allowing everything but a
// client address over the rate limit on the prefix (429 for the rest of
// its window).
func rateLimitACL(ctx *pulumi.Context, name string, r EdgeRateLimit, opts []pulumi.ResourceOption) (*wafv2.WebAcl, error) {
	metric := physicalName(ctx, name)
	return wafv2.NewWebAcl(ctx, name, &wafv2.WebAclArgs{
		Description:   pulumi.String(fmt.Sprintf("at most %d requests per client address in 5 minutes to %s*", r.Requests, r.Prefix)),
		Scope:         pulumi.String("CLOUDFRONT"),
		DefaultAction: &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules: wafv2.WebAclRuleArray{&wafv2.WebAclRuleArgs{
			Name: pulumi.String("rate-limit"), Priority: pulumi.Int(0),
			Action: &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{
				CustomResponse: &wafv2.WebAclRuleActionBlockCustomResponseArgs{ResponseCode: pulumi.Int(429)},
			}},
			Statement: &wafv2.WebAclRuleStatementArgs{RateBasedStatement: &wafv2.WebAclRuleStatementRateBasedStatementArgs{
				Limit: pulumi.Int(r.Requests), AggregateKeyType: pulumi.String("IP"), EvaluationWindowSec: pulumi.Int(300),
				ScopeDownStatement: &wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementArgs{
					ByteMatchStatement: &wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementArgs{
						FieldToMatch: &wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementFieldToMatchArgs{
							UriPath: &wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementFieldToMatchUriPathArgs{},
						},
						PositionalConstraint: pulumi.String("STARTS_WITH"), SearchString: pulumi.String(r.Prefix),
						TextTransformations: wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementTextTransformationArray{
							&wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("NONE")},
						},
					},
				},
			}},
			VisibilityConfig: &wafv2.WebAclRuleVisibilityConfigArgs{
				CloudwatchMetricsEnabled: pulumi.Bool(true), MetricName: pulumi.String(metric + "-rate-limit"), SampledRequestsEnabled: pulumi.Bool(true),
			},
		}},
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true), MetricName: pulumi.String(metric), SampledRequestsEnabled: pulumi.Bool(true),
		},
	}, opts...)
}
