package platform

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FunctionArgs describe a Go Lambda function: a `bootstrap` executable for
// linux/arm64 on the provided.al2023 runtime.
type FunctionArgs struct {
	// Code is the zip holding bootstrap at its root
	// (pulumi.NewAssetArchive{"bootstrap": pulumi.NewFileAsset(path)}).
	Code pulumi.Archive
	// TimeoutSeconds (default 30) and MemoryMB (default 256).
	TimeoutSeconds int
	MemoryMB       int
	// Environment variables of the function.
	Environment map[string]pulumi.StringInput
	// Statements are the function role's permissions (logging is added).
	Statements []Statement
	// LogRetentionDays of the function's log group; default 30.
	LogRetentionDays int
	// VpcID and SubnetIDs (private) place the function in the VPC: its
	// traffic leaves through the VPC's endpoints and NAT gateways, never
	// from outside it. Required.
	VpcID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput
}

// networkInterfaceActions are what Lambda needs to attach a function to its
// subnets (AWS's AWSLambdaVPCAccessExecutionRole): EC2 offers no
// resource-level permissions for them, so their resource is "*".
var networkInterfaceActions = []string{
	"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
	"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
}

// Lambda defaults.
const (
	defaultFunctionTimeout = 30
	defaultFunctionMemory  = 256
)

// newFunction creates a function in the VPC's private subnets with its own
// security group (HTTPS out only), log group (JSON logs) and a role that may
// write only to that group, attach to the subnets, plus args.Statements.
func newFunction(ctx *pulumi.Context, name string, parent pulumi.Resource, args FunctionArgs, extra ...Statement) (*lambda.Function, error) {
	if args.Code == nil {
		return nil, fmt.Errorf("%s: the function's code archive is required", name)
	}
	if args.VpcID == nil || args.SubnetIDs == nil {
		return nil, fmt.Errorf("%s: a function runs in the VPC: give its VpcID and private SubnetIDs", name)
	}
	opt := pulumi.Parent(parent)
	fnName := physicalName(ctx, name)
	logs, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/lambda/" + fnName),
		RetentionInDays: pulumi.Int(orInt(args.LogRetentionDays, 30)),
	}, opt, named)
	if err != nil {
		return nil, err
	}
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String(name + " function: no inbound traffic"),
		Egress: ec2.SecurityGroupEgressArray{&ec2.SecurityGroupEgressArgs{
			Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			CidrBlocks: pulumi.StringArray{pulumi.String("0.0.0.0/0")}, Description: pulumi.String("HTTPS to AWS APIs and outside services"),
		}},
	}, opt)
	if err != nil {
		return nil, err
	}
	stmts := append([]Statement{
		{Sid: "WriteLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: arns(suffix(logs.Arn, ":*"))},
		{Sid: "AttachToSubnets", Actions: networkInterfaceActions, Resources: pulumi.StringArray{pulumi.String("*")}},
	}, extra...)
	stmts = append(stmts, args.Statements...)
	role, ready, err := newRole(ctx, name, "lambda.amazonaws.com", "the "+name+" function's permissions", stmts, opt)
	if err != nil {
		return nil, err
	}
	env := pulumi.StringMap{}
	for k, v := range args.Environment {
		env[k] = v
	}
	return lambda.NewFunction(ctx, name, &lambda.FunctionArgs{
		Name:          pulumi.String(fnName),
		Runtime:       pulumi.String("provided.al2023"),
		Handler:       pulumi.String("bootstrap"),
		Architectures: pulumi.StringArray{pulumi.String("arm64")},
		Code:          args.Code,
		Role:          role.Arn,
		Timeout:       pulumi.Int(orInt(args.TimeoutSeconds, defaultFunctionTimeout)),
		MemorySize:    pulumi.Int(orInt(args.MemoryMB, defaultFunctionMemory)),
		Environment:   &lambda.FunctionEnvironmentArgs{Variables: env},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{LogFormat: pulumi.String("JSON"), LogGroup: logs.Name},
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds: args.SubnetIDs, SecurityGroupIds: pulumi.StringArray{sg.ID()},
		},
	}, opt, named, pulumi.DependsOn(append(ready, logs)))
}

// QueueFunctionArgs configures a QueueFunction.
type QueueFunctionArgs struct {
	FunctionArgs
	// Queues feed the function (their ARNs); it may consume each.
	Queues []pulumi.StringInput
	// BatchSize (default 10) and MaxConcurrency (2..1000, default 2) of
	// each event source mapping.
	BatchSize      int
	MaxConcurrency int
}

// QueueFunction is a Lambda function fed by existing SQS queues through
// event source mappings reporting partial batch failures.
type QueueFunction struct {
	pulumi.ResourceState

	FunctionName pulumi.StringOutput `pulumi:"functionName"`
}

// NewQueueFunction creates a QueueFunction.
func NewQueueFunction(ctx *pulumi.Context, name string, args QueueFunctionArgs, opts ...pulumi.ResourceOption) (*QueueFunction, error) {
	if len(args.Queues) == 0 {
		return nil, fmt.Errorf("queue function %s: at least one queue is required", name)
	}
	f := &QueueFunction{}
	if err := ctx.RegisterComponentResource(typeToken("QueueFunction"), name, f, opts...); err != nil {
		return nil, err
	}
	var consume []Statement
	for _, q := range args.Queues {
		consume = append(consume, consumeQueue(q))
	}
	fn, err := newFunction(ctx, name, f, args.FunctionArgs, consume...)
	if err != nil {
		return nil, err
	}
	for i, q := range args.Queues {
		if err := eventSource(ctx, fmt.Sprintf("%s-%d", name, i), f, fn, q, args.BatchSize, orInt(args.MaxConcurrency, 2)); err != nil {
			return nil, err
		}
	}
	f.FunctionName = fn.Name
	return f, ctx.RegisterResourceOutputs(f, pulumi.Map{"functionName": f.FunctionName})
}

// eventSource feeds fn from a queue in batches, reporting partial failures.
func eventSource(ctx *pulumi.Context, name string, parent pulumi.Resource, fn *lambda.Function, queueARN pulumi.StringInput, batch, conc int) error {
	if conc < 2 || conc > 1000 {
		return fmt.Errorf("%s: Lambda max concurrency must be in 2..1000 (got %d)", name, conc)
	}
	_, err := lambda.NewEventSourceMapping(ctx, name, &lambda.EventSourceMappingArgs{
		EventSourceArn:        queueARN,
		FunctionName:          fn.Arn,
		BatchSize:             pulumi.Int(orInt(batch, 10)),
		FunctionResponseTypes: pulumi.StringArray{pulumi.String("ReportBatchItemFailures")},
		ScalingConfig:         &lambda.EventSourceMappingScalingConfigArgs{MaximumConcurrency: pulumi.Int(conc)},
	}, pulumi.Parent(parent))
	return err
}
