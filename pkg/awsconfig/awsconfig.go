// Package awsconfig loads the AWS SDK configuration that buylink's AWS URLs
// select (dynamodb://, s3://, awssns://, awssqs://) and checks at start-up that
// credentials are there, so a service configured for AWS without credentials
// stops at once with a message saying what to set, instead of failing on its
// first request.
//
// Every AWS URL accepts the query parameters of gocloud.dev/aws
// (V2ConfigFromURLParams): region, endpoint, profile, anonymous,
// hostname_immutable, dualstack, fips, rate_limiter_capacity. Without them the
// SDK's defaults apply (AWS_REGION, AWS_PROFILE, environment credentials, the
// ECS task role or the Lambda execution role).
package awsconfig

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	gcaws "gocloud.dev/aws"
)

// CredentialsTimeout bounds the credential check at start-up (the instance
// metadata lookup is the slow part of the SDK's default chain).
const CredentialsTimeout = 5 * time.Second

// configParams are the query parameters gocloud.dev/aws understands; CheckURL
// passes only these on, since the drivers add their own (raw, use_path_style...).
var configParams = []string{"region", "endpoint", "profile", "anonymous", "hostname_immutable", "dualstack", "fips", "rate_limiter_capacity"}

// awsSchemes are the URL schemes that reach AWS.
var awsSchemes = map[string]bool{"dynamodb": true, "s3": true, "awssns": true, "awssqs": true}

// Load returns the SDK configuration that the query parameters q select. It
// fails when no region is known or when credentials cannot be retrieved
// within CredentialsTimeout (unless q asks for anonymous access).
func Load(ctx context.Context, q url.Values) (aws.Config, error) {
	cfg, err := gcaws.V2ConfigFromURLParams(ctx, q)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("AWS configuration: no region: add ?region=<region> to the URL or set AWS_REGION")
	}
	if cfg.Credentials == nil || aws.IsCredentialsProvider(cfg.Credentials, aws.AnonymousCredentials{}) {
		return cfg, nil
	}
	cctx, cancel := context.WithTimeout(ctx, CredentialsTimeout)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(cctx); err != nil {
		return aws.Config{}, fmt.Errorf("AWS credentials are not available: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "+
			"or AWS_PROFILE, or run with an IAM role (ECS task role, Lambda execution role): %w", err)
	}
	return cfg, nil
}

// CheckURL checks that an AWS URL can be used: its configuration loads and
// credentials are there. URLs of other schemes (mem://, file://, ...) pass.
// The error names the URL without its query.
func CheckURL(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || !awsSchemes[u.Scheme] {
		return nil // not ours to judge; the opener reports malformed URLs
	}
	q := url.Values{}
	all := u.Query()
	for _, k := range configParams {
		if v, ok := all[k]; ok {
			q[k] = v
		}
	}
	if _, err := Load(ctx, q); err != nil {
		return fmt.Errorf("%s://%s%s: %w", u.Scheme, u.Host, u.Path, err)
	}
	return nil
}
