package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/buylink/buylink/pkg/awsconfig"
)

// awsClients are the AWS APIs the CLI calls.
type awsClients struct {
	out    *Outputs
	sqs    *sqs.Client
	ecs    *ecs.Client
	lambda *lambda.Client
	cw     *cloudwatch.Client
	logs   *cloudwatchlogs.Client
}

// aws loads the AWS configuration for the stack's region and checks that
// credentials are there before any call.
func (o *options) aws(ctx context.Context) (*awsClients, error) {
	out, err := o.outputs()
	if err != nil {
		return nil, err
	}
	region := out.Region
	if region == "" {
		for _, m := range []map[string]string{out.QueueURLs, out.DLQURLs} {
			for _, w := range sortedKeys(m) {
				if region = regionOf(m[w]); region != "" {
					break
				}
			}
			if region != "" {
				break
			}
		}
	}
	if region == "" && o.profile == "" && os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" && os.Getenv("AWS_PROFILE") == "" {
		return nil, errors.New(`no AWS region: add "region" to the stack output file, pass --region, or set AWS_REGION`)
	}
	q := url.Values{}
	if region != "" {
		q.Set("region", region)
	}
	if o.profile != "" {
		q.Set("profile", o.profile)
	}
	cfg, err := awsconfig.Load(ctx, q)
	if err != nil {
		return nil, err
	}
	c := &awsClients{out: out}
	var ep *string
	if o.endpoint != "" {
		if err := checkHTTPURL(o.endpoint); err != nil {
			return nil, fmt.Errorf("--endpoint-url: %w", err)
		}
		ep = aws.String(o.endpoint)
	}
	c.sqs = sqs.NewFromConfig(cfg, func(op *sqs.Options) { op.BaseEndpoint = ep })
	c.ecs = ecs.NewFromConfig(cfg, func(op *ecs.Options) { op.BaseEndpoint = ep })
	c.lambda = lambda.NewFromConfig(cfg, func(op *lambda.Options) { op.BaseEndpoint = ep })
	c.cw = cloudwatch.NewFromConfig(cfg, func(op *cloudwatch.Options) { op.BaseEndpoint = ep })
	c.logs = cloudwatchlogs.NewFromConfig(cfg, func(op *cloudwatchlogs.Options) { op.BaseEndpoint = ep })
	return c, nil
}

// apiError shortens an AWS error to its code and message, and names what
// was being done.
func apiError(doing string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %s: %s", doing, ae.ErrorCode(), ae.ErrorMessage())
	}
	var ne *net.OpError
	if errors.As(err, &ne) {
		return fmt.Errorf("%s: cannot reach the AWS endpoint: %w", doing, ne)
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return fmt.Errorf("%s: %w", doing, oe.Err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
