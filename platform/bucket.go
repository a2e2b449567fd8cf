package platform

import (
	"encoding/json"
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
	policy := bucket.Arn.ApplyT(func(arn string) (string, error) {
		doc, err := json.Marshal(map[string]interface{}{
			"Version": "2012-10-17",
			"Statement": []map[string]interface{}{{
				"Sid":       "TLSOnly",
				"Effect":    "Deny",
				"Principal": "*",
				"Action":    "s3:*",
				"Resource":  []string{arn, arn + "/*"},
				"Condition": map[string]interface{}{"Bool": map[string]string{"aws:SecureTransport": "false"}},
			}},
		})
		return string(doc), err
	}).(pulumi.StringOutput)
	if _, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: bucket.ID(), Policy: policy},
		opt, pulumi.DependsOn([]pulumi.Resource{block})); err != nil {
		return nil, err
	}
	b.ARN, b.Name = bucket.Arn, bucket.Bucket
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"arn": b.ARN, "name": b.Name})
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
