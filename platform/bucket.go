package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MediaBucketArgs configures a MediaBucket.
type MediaBucketArgs struct {
	// TieringAfterDays moves objects to Intelligent-Tiering after that many
	// days; default 30.
	TieringAfterDays int
	// ForceDestroy deletes the objects with the bucket (dev stacks only).
	ForceDestroy bool
	// ServedByEdge leaves the bucket policy to the Edge serving the bucket
	// (NewEdge), which adds its distribution's read access to the TLS-only
	// statement: S3 holds one policy per bucket.
	ServedByEdge bool
}

// MediaBucket is a private S3 bucket named "<project>-<stack>-<name>-<account
// id>": public access blocked, owner-enforced
// object ownership, SSE-S3 encryption, TLS-only access, a lifecycle to
// Intelligent-Tiering and no versioning (media keys are content addressed,
// so an object never changes).
type MediaBucket struct {
	pulumi.ResourceState

	ARN  pulumi.StringOutput `pulumi:"arn"`
	Name pulumi.StringOutput `pulumi:"name"`
	// RegionalDomainName is <bucket>.s3.<region>.amazonaws.com.
	RegionalDomainName pulumi.StringOutput `pulumi:"regionalDomainName"`

	// policy makes the bucket policy (once) with extra statements.
	policy func(extra pulumi.StringArrayInput) error
}

// NewMediaBucket creates a MediaBucket.
func NewMediaBucket(ctx *pulumi.Context, name string, args MediaBucketArgs, opts ...pulumi.ResourceOption) (*MediaBucket, error) {
	b := &MediaBucket{}
	if err := ctx.RegisterComponentResource(typeToken("MediaBucket"), name, b, opts...); err != nil {
		return nil, err
	}
	opt := pulumi.Parent(b)
	account, _, err := accountRegion(ctx, b)
	if err != nil {
		return nil, err
	}
	// Bucket names are global: the account id keeps this one unique.
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		Bucket:       pulumi.String(physicalName(ctx, name) + "-" + account),
		ForceDestroy: pulumi.Bool(args.ForceDestroy),
	}, opt)
	if err != nil {
		return nil, err
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket: bucket.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, opt)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(), Rule: &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, opt); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, opt); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{
			&s3.BucketLifecycleConfigurationV2RuleArgs{
				Id: pulumi.String("intelligent-tiering"), Status: pulumi.String("Enabled"),
				Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
				Transitions: s3.BucketLifecycleConfigurationV2RuleTransitionArray{&s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
					Days: pulumi.Int(orInt(args.TieringAfterDays, 30)), StorageClass: pulumi.String("INTELLIGENT_TIERING"),
				}},
			},
			&s3.BucketLifecycleConfigurationV2RuleArgs{
				Id: pulumi.String("abort-incomplete-uploads"), Status: pulumi.String("Enabled"),
				Filter:                         &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
				AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(7)},
			},
		},
	}, opt); err != nil {
		return nil, err
	}
	made := false
	b.policy = func(extra pulumi.StringArrayInput) error {
		if made {
			return fmt.Errorf("bucket %s: its policy is made already", name)
		}
		made = true
		doc := pulumi.All(bucket.Arn, extra).ApplyT(func(v []interface{}) (string, error) {
			arn := v[0].(string)
			stmts := []interface{}{map[string]interface{}{
				"Sid":       "TLSOnly",
				"Effect":    "Deny",
				"Principal": "*",
				"Action":    "s3:*",
				"Resource":  []string{arn, arn + "/*"},
				"Condition": map[string]interface{}{"Bool": map[string]string{"aws:SecureTransport": "false"}},
			}}
			for _, raw := range v[1].([]string) {
				var st interface{}
				if err := json.Unmarshal([]byte(raw), &st); err != nil {
					return "", err
				}
				stmts = append(stmts, st)
			}
			doc, err := json.Marshal(map[string]interface{}{"Version": "2012-10-17", "Statement": stmts})
			return string(doc), err
		}).(pulumi.StringOutput)
		_, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: bucket.ID(), Policy: doc},
			opt, pulumi.DependsOn([]pulumi.Resource{block}))
		return err
	}
	if !args.ServedByEdge {
		if err := b.policy(pulumi.StringArray{}); err != nil {
			return nil, err
		}
	}
	b.ARN, b.Name, b.RegionalDomainName = bucket.Arn, bucket.Bucket, bucket.BucketRegionalDomainName
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"arn": b.ARN, "name": b.Name, "regionalDomainName": b.RegionalDomainName})
}

// ReadPrefix grants reading objects under a key prefix ("" for all), and
// listing the bucket: S3 answers a read of a missing key 404 only to a
// caller that may list the bucket (its request has no s3:prefix, so a
// condition on it would turn every 404 into a 403).
func (b *MediaBucket) ReadPrefix(prefix string) ([]Statement, error) {
	return b.prefixStatements(prefix, "s3:GetObject")
}

// WritePrefix grants reading and writing objects under a key prefix, and
// listing the bucket (see ReadPrefix).
func (b *MediaBucket) WritePrefix(prefix string) ([]Statement, error) {
	return b.prefixStatements(prefix, "s3:GetObject", "s3:PutObject")
}

func (b *MediaBucket) prefixStatements(prefix string, actions ...string) ([]Statement, error) {
	if strings.ContainsAny(prefix, "*?") || strings.HasPrefix(prefix, "/") {
		return nil, fmt.Errorf("bucket prefix %q: give a plain key prefix such as \"thumbs/\"", prefix)
	}
	return []Statement{
		{Actions: actions, Resources: arns(suffix(b.ARN, "/"+prefix+"*"))},
		{Actions: []string{"s3:ListBucket"}, Resources: arns(b.ARN)},
	}, nil
}

// allowDistribution makes the bucket policy of a bucket ServedByEdge: the
// TLS-only statement, and reading (and listing, so that a missing key is
// 404) objects under the prefixes for CloudFront on behalf of the
// distribution only.
func (b *MediaBucket) allowDistribution(ctx *pulumi.Context, distributionARN pulumi.StringInput, prefixes []string) error {
	stmts := pulumi.All(b.ARN, distributionARN).ApplyT(func(v []interface{}) ([]string, error) {
		arn, dist := v[0].(string), v[1].(string)
		objects := make([]string, len(prefixes))
		for i, p := range prefixes {
			objects[i] = arn + "/" + p + "*"
		}
		var out []string
		for _, st := range []map[string]interface{}{
			{"Sid": "EdgeReadsServedMedia", "Action": "s3:GetObject", "Resource": objects},
			{"Sid": "EdgeSeesMissingKeys", "Action": "s3:ListBucket", "Resource": arn},
		} {
			st["Effect"] = "Allow"
			st["Principal"] = map[string]string{"Service": "cloudfront.amazonaws.com"}
			st["Condition"] = map[string]interface{}{"StringEquals": map[string]string{"AWS:SourceArn": dist}}
			j, err := json.Marshal(st)
			if err != nil {
				return nil, err
			}
			out = append(out, string(j))
		}
		return out, nil
	}).(pulumi.StringArrayOutput)
	if b.policy == nil {
		return errors.New("allowDistribution: not a MediaBucket made by NewMediaBucket")
	}
	return b.policy(stmts)
}
