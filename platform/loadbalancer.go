package platform

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// CloudFrontOriginFacing is the AWS-managed prefix list of the addresses
// CloudFront connects to origins from.
const CloudFrontOriginFacing = "com.amazonaws.global.cloudfront.origin-facing"

// OriginHeader is the header CloudFront sends the load balancer of a
// Fronted LoadBalancer with the origin secret (LoadBalancer.OriginSecret):
// the listener forwards only requests carrying it, so nobody reaches the
// services around the edge (its cache, its web ACL, the client address it
// sets).
const OriginHeader = "X-Origin-Verify"

// originSecretLength is the length of the origin secret: letters and
// digits only, so no ALB header wildcard (* ?) is in it.
const originSecretLength = 48

// DefaultSSLPolicy accepts TLS 1.3 and 1.2 with forward-secret ciphers only.
const DefaultSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// LoadBalancerArgs configures a LoadBalancer.
type LoadBalancerArgs struct {
	// VpcID and SubnetIDs (public) place the load balancer.
	VpcID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput
	// VpcCidr bounds the load balancer's egress (to its targets).
	VpcCidr string
	// Domain is the public host name served (shop.example.com).
	Domain string
	// CertificateARN is an existing ACM certificate for Domain. When empty,
	// a certificate is requested and validated through HostedZoneID.
	CertificateARN string
	// HostedZoneID is the Route 53 zone of Domain. When set, the domain's
	// alias record pointing at the load balancer is managed too, unless
	// Fronted.
	HostedZoneID string
	// Fronted: the domain points at CloudFront in front of the load
	// balancer (which forwards the domain as Host): no alias is made here,
	// and only CloudFront's origin-facing addresses may connect, on 443
	// (its prefix list weighs 55 of a security group's 60 rules, so HTTP
	// is not opened: CloudFront redirects viewers to HTTPS itself). The
	// HTTPS listener then answers 403 to any request without OriginHeader
	// set to OriginSecret, which the edge must send (EdgeArgs.OriginSecret)
	// and every service's rule requires (HTTPService): origin lock-down.
	Fronted bool
	// SSLPolicy of the HTTPS listener; default DefaultSSLPolicy.
	SSLPolicy string
	// IdleTimeoutSeconds; default 60.
	IdleTimeoutSeconds int
	// DeletionProtection keeps the load balancer from being deleted.
	DeletionProtection bool
}

// LoadBalancer is a public application load balancer: HTTPS on 443 (routes
// added by the services behind it, 404 JSON otherwise, or 403 JSON when
// Fronted and the origin header is missing) and a permanent redirect from
// HTTP to HTTPS on 80.
type LoadBalancer struct {
	pulumi.ResourceState

	ARN pulumi.StringOutput `pulumi:"arn"`
	// ARNSuffix is the load balancer's CloudWatch dimension.
	ARNSuffix        pulumi.StringOutput `pulumi:"arnSuffix"`
	DNSName          pulumi.StringOutput `pulumi:"dnsName"`
	HTTPSListenerARN pulumi.StringOutput `pulumi:"httpsListenerArn"`
	SecurityGroupID  pulumi.IDOutput     `pulumi:"securityGroupId"`
	// URL is https://<Domain>.
	URL pulumi.StringOutput `pulumi:"url"`
	// OriginSecret (a secret output) is what OriginHeader must carry for a
	// Fronted load balancer to forward a request: 48 random letters and
	// digits, generated once and kept in the stack's state. It is unset
	// (Locked false) when not Fronted.
	OriginSecret pulumi.StringOutput
	// Locked: only requests with OriginHeader: OriginSecret are forwarded.
	Locked bool
}

// NewLoadBalancer creates a LoadBalancer.
func NewLoadBalancer(ctx *pulumi.Context, name string, args LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args.Domain == "" {
		return nil, errors.New("load balancer " + name + ": a domain is required (HTTPS needs a certificate for it)")
	}
	if args.CertificateARN == "" && args.HostedZoneID == "" {
		return nil, errors.New("load balancer " + name + ": give a certificate ARN or the hosted zone to validate a new certificate in")
	}
	l := &LoadBalancer{}
	if err := ctx.RegisterComponentResource(typeToken("LoadBalancer"), name, l, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(l)
	anywhere := pulumi.StringArray{pulumi.String("0.0.0.0/0")}
	description := "Public HTTP and HTTPS to the load balancer"
	ingress := ec2.SecurityGroupIngressArray{
		&ec2.SecurityGroupIngressArgs{Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), CidrBlocks: anywhere, Description: pulumi.String("HTTPS")},
		&ec2.SecurityGroupIngressArgs{Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(80), ToPort: pulumi.Int(80), CidrBlocks: anywhere, Description: pulumi.String("HTTP, redirected to HTTPS")},
	}
	if args.Fronted {
		pl, err := ec2.LookupManagedPrefixList(ctx, &ec2.LookupManagedPrefixListArgs{Name: pulumi.StringRef(CloudFrontOriginFacing)}, pulumi.Parent(l))
		if err != nil {
			return nil, fmt.Errorf("load balancer %s: CloudFront's prefix list: %w", name, err)
		}
		description = "HTTPS from CloudFront's origin-facing addresses only"
		ingress = ec2.SecurityGroupIngressArray{&ec2.SecurityGroupIngressArgs{
			Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			PrefixListIds: pulumi.StringArray{pulumi.String(pl.Id)}, Description: pulumi.String("HTTPS from CloudFront"),
		}}
	}
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String(description),
		Ingress:     ingress,
		Egress: ec2.SecurityGroupEgressArray{
			&ec2.SecurityGroupEgressArgs{Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(1024), ToPort: pulumi.Int(65535),
				CidrBlocks: pulumi.StringArray{pulumi.String(orString(args.VpcCidr, "10.0.0.0/16"))}, Description: pulumi.String("to targets in the VPC")},
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	alb, err := lb.NewLoadBalancer(ctx, name, &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		Subnets:                  args.SubnetIDs,
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		IdleTimeout:              pulumi.Int(orInt(args.IdleTimeoutSeconds, 60)),
		EnableDeletionProtection: pulumi.Bool(args.DeletionProtection),
		EnableHttp2:              pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}

	defaultAction := &lb.ListenerDefaultActionArgs{
		Type: pulumi.String("fixed-response"),
		FixedResponse: &lb.ListenerDefaultActionFixedResponseArgs{
			ContentType: pulumi.String("application/json"),
			StatusCode:  pulumi.String("404"),
			MessageBody: pulumi.String(`{"error":{"code":"not_found","message":"no service serves this path"}}`),
		},
	}
	if args.Fronted {
		secret, err := random.NewRandomPassword(ctx, name+"-origin", &random.RandomPasswordArgs{
			Length: pulumi.Int(originSecretLength), Special: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, err
		}
		l.OriginSecret, l.Locked = pulumi.ToSecret(secret.Result).(pulumi.StringOutput), true
		defaultAction.FixedResponse = &lb.ListenerDefaultActionFixedResponseArgs{
			ContentType: pulumi.String("application/json"),
			StatusCode:  pulumi.String("403"),
			MessageBody: pulumi.String(`{"error":{"code":"forbidden","message":"this origin is reached through the CDN only"}}`),
		}
	}

	certARN := pulumi.String(args.CertificateARN).ToStringOutput()
	if args.CertificateARN == "" {
		cert, err := acm.NewCertificate(ctx, name, &acm.CertificateArgs{
			DomainName:       pulumi.String(args.Domain),
			ValidationMethod: pulumi.String("DNS"),
		}, parent)
		if err != nil {
			return nil, err
		}
		opt := cert.DomainValidationOptions.Index(pulumi.Int(0))
		rec, err := route53.NewRecord(ctx, name+"-cert-validation", &route53.RecordArgs{
			ZoneId:         pulumi.String(args.HostedZoneID),
			Name:           opt.ResourceRecordName().Elem(),
			Type:           opt.ResourceRecordType().Elem(),
			Records:        pulumi.StringArray{opt.ResourceRecordValue().Elem()},
			Ttl:            pulumi.Int(300),
			AllowOverwrite: pulumi.Bool(true),
		}, parent)
		if err != nil {
			return nil, err
		}
		valid, err := acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
			CertificateArn:        cert.Arn,
			ValidationRecordFqdns: pulumi.StringArray{rec.Fqdn},
		}, parent)
		if err != nil {
			return nil, err
		}
		certARN = valid.CertificateArn
	}
	if args.HostedZoneID != "" && !args.Fronted {
		// AllowOverwrite takes over a record the domain already has (an
		// earlier deployment's, a placeholder) instead of failing on it.
		if _, err := route53.NewRecord(ctx, name+"-alias", &route53.RecordArgs{
			ZoneId:         pulumi.String(args.HostedZoneID),
			Name:           pulumi.String(args.Domain),
			Type:           pulumi.String("A"),
			AllowOverwrite: pulumi.Bool(true),
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name: alb.DnsName, ZoneId: alb.ZoneId, EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, parent); err != nil {
			return nil, err
		}
	}

	if _, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol: pulumi.String("HTTPS"), Port: pulumi.String("443"), StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, parent); err != nil {
		return nil, err
	}
	https, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(orString(args.SSLPolicy, DefaultSSLPolicy)),
		CertificateArn:  certARN,
		DefaultActions:  lb.ListenerDefaultActionArray{defaultAction},
	}, parent)
	if err != nil {
		return nil, err
	}
	l.ARN, l.ARNSuffix, l.DNSName = alb.Arn, alb.ArnSuffix, alb.DnsName
	l.HTTPSListenerARN, l.SecurityGroupID = https.Arn, sg.ID()
	l.URL = pulumi.String("https://" + args.Domain).ToStringOutput()
	return l, ctx.RegisterResourceOutputs(l, pulumi.Map{
		"arn": l.ARN, "arnSuffix": l.ARNSuffix, "dnsName": l.DNSName, "httpsListenerArn": l.HTTPSListenerARN,
		"securityGroupId": l.SecurityGroupID, "url": l.URL,
	})
}
